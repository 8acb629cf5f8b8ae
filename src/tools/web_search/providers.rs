//! The search APIs: Brave Search (`GET {base}/res/v1/web/search`, key in the
//! `X-Subscription-Token` header) and Google Programmable Search (`GET {endpoint}?key=&cx=`).
//! Both are endpoints the admin configured (`Trust::Configured`), so an `apiURL` pointing at a
//! proxy or a local fake works when the allowlist lets it; the key goes only there (the
//! configured client follows same-origin redirects only) and never into a message: errors name
//! the host and the status, never the URL (Google's carries the key) or the body.

use std::time::Duration;

use serde_json::Value;

use crate::outbound::{OutboundClient, Trust, encode_component};

pub const DEFAULT_BRAVE_BASE: &str = "https://api.search.brave.com";
pub const DEFAULT_GOOGLE_ENDPOINT: &str = "https://www.googleapis.com/customsearch/v1";
const BRAVE_PATH: &str = "/res/v1/web/search";
/// A search answers in a second or two; a stuck API should not hold the tool call for minutes.
const SEARCH_TIMEOUT: Duration = Duration::from_secs(20);
/// A page of ten results is a few kilobytes; anything near this is not a search answer.
const SEARCH_BODY_CAP: usize = 2 * 1024 * 1024;

#[derive(Clone, PartialEq, Eq)]
pub enum Provider {
    Brave {
        api_key: String,
        base: String,
    },
    Google {
        api_key: String,
        cx: String,
        endpoint: String,
    },
}

/// Debug output never shows a key.
impl std::fmt::Debug for Provider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

impl Provider {
    pub fn label(&self) -> &'static str {
        match self {
            Provider::Brave { .. } => "Brave Search",
            Provider::Google { .. } => "Google Programmable Search",
        }
    }
}

/// One result as the API gave it (not yet filtered).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    pub title: String,
    pub url: String,
    pub snippet: String,
}

/// Runs `query`, asking for `count` results (already capped by the caller).
pub async fn search(
    outbound: &OutboundClient,
    provider: &Provider,
    query: &str,
    count: usize,
) -> Result<Vec<Hit>, String> {
    let q = encode_component(query);
    let request = match provider {
        Provider::Brave { api_key, base } => {
            let base = base.trim().trim_end_matches('/');
            let url = if base.ends_with(BRAVE_PATH) {
                format!("{base}?q={q}&count={count}")
            } else {
                format!("{base}{BRAVE_PATH}?q={q}&count={count}")
            };
            outbound
                .get(Trust::Configured, &url)
                .map_err(|e| e.user_message())?
                .header("X-Subscription-Token", api_key.as_str())
        }
        Provider::Google {
            api_key,
            cx,
            endpoint,
        } => {
            let sep = if endpoint.contains('?') { '&' } else { '?' };
            let url = format!(
                "{}{sep}key={}&cx={}&q={q}&num={count}",
                endpoint.trim(),
                encode_component(api_key),
                encode_component(cx)
            );
            outbound
                .get(Trust::Configured, &url)
                .map_err(|e| e.user_message())?
        }
    };
    let response = request
        .header("Accept", "application/json")
        .timeout(SEARCH_TIMEOUT)
        .send()
        .await
        .map_err(|e| e.user_message())?;
    let status = response.status().as_u16();
    if status != 200 {
        return Err(format!("{} answered HTTP {status}", provider.label()));
    }
    let body: Value = crate::outbound::json_capped(response, SEARCH_BODY_CAP)
        .await
        .map_err(|e| e.user_message())?;
    Ok(match provider {
        Provider::Brave { .. } => hits(&body, "/web/results", "url", "description"),
        Provider::Google { .. } => hits(&body, "/items", "link", "snippet"),
    })
}

/// The results at `list`, reading each one's title, URL and snippet fields; entries without a
/// URL are skipped. Brave marks query words with `<strong>`: snippets are made plain text.
fn hits(body: &Value, list: &str, url: &str, snippet: &str) -> Vec<Hit> {
    let text = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").trim().to_owned();
    body.pointer(list)
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter(|i| !text(i, url).is_empty())
                .map(|i| Hit {
                    title: super::html::to_text(&text(i, "title"), 300),
                    url: text(i, url),
                    snippet: super::html::to_text(&text(i, snippet), 600),
                })
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn both_answer_shapes() {
        let brave = json!({"web": {"results": [
            {"title": "A", "url": "https://a.example/", "description": "about <strong>a</strong>"},
            {"title": "no url"}
        ]}});
        let h = hits(&brave, "/web/results", "url", "description");
        assert_eq!(h.len(), 1);
        assert_eq!(h[0].snippet, "about a");
        let google = json!({"items": [{"title": "G", "link": "https://g.example/", "snippet": "s"}]});
        assert_eq!(
            hits(&google, "/items", "link", "snippet")[0].url,
            "https://g.example/"
        );
        assert!(hits(&json!({}), "/items", "link", "snippet").is_empty());
    }

    #[test]
    fn debug_shows_no_key() {
        let p = Provider::Brave {
            api_key: "sekrit".into(),
            base: String::new(),
        };
        assert!(!format!("{p:?}").contains("sekrit"));
    }
}
