//! Listing a service's models, for the System Console's "fetch models" button.

use serde::Serialize;
use serde_json::Value;

use super::{ErrorClass, LlmError};
use crate::config::{ServiceConfig, service_type};
use crate::outbound::{OutboundClient, Trust};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ModelInfo {
    pub id: String,
    pub display_name: String,
}

/// The service types whose APIs can list models.
pub fn supports_listing(kind: &str) -> bool {
    crate::providers::descriptor(kind).is_some_and(|d| d.model_listing)
}

async fn get_json(req: crate::outbound::OutboundRequest) -> Result<Value, LlmError> {
    let resp = req.send().await.map_err(|e| {
        let class = if e.is_refusal() {
            ErrorClass::Permission
        } else {
            ErrorClass::Unavailable
        };
        LlmError::new(class, e.to_string())
    })?;
    let status = resp.status().as_u16();
    if !(200..300).contains(&status) {
        let text = crate::outbound::error_text(resp).await;
        return Err(LlmError::from_status(status, &text, None));
    }
    let text = crate::outbound::text_capped(resp, crate::outbound::JSON_BODY_CAP)
        .await
        .map_err(|e| LlmError::from(&e))?;
    serde_json::from_str(&text)
        .map_err(|e| LlmError::new(ErrorClass::Malformed, format!("model list is not JSON: {e}")))
}

pub async fn list_models(http: &OutboundClient, s: &ServiceConfig) -> Result<Vec<ModelInfo>, LlmError> {
    let http = &super::factory::service_client(s, http);
    let base = s.api_url.trim().trim_end_matches('/');
    let bad = |m: &str| LlmError::new(ErrorClass::BadRequest, m.to_owned());
    if s.service_type == crate::providers::ServiceType::Gemini.id() {
        return super::gemini::list_models(http, s).await;
    }
    let mut models = Vec::new();
    match s.service_type.as_str() {
        service_type::ANTHROPIC => {
            let base = if base.is_empty() {
                "https://api.anthropic.com"
            } else {
                base
            };
            let mut after: Option<String> = None;
            // Paged with has_more / last_id; a server that never stops is cut off.
            for _ in 0..20 {
                let mut url = format!("{base}/v1/models?limit=1000");
                if let Some(a) = &after {
                    url.push_str(&format!("&after_id={a}"));
                }
                let req = http
                    .get(Trust::Configured, &url)
                    .map_err(|e| bad(&e.to_string()))?
                    .header("x-api-key", &s.api_key)
                    .header("anthropic-version", "2023-06-01");
                let page = get_json(req).await?;
                for m in page["data"].as_array().into_iter().flatten() {
                    let id = m["id"].as_str().unwrap_or_default().to_owned();
                    let name = m["display_name"]
                        .as_str()
                        .filter(|n| !n.is_empty())
                        .unwrap_or(&id)
                        .to_owned();
                    models.push(ModelInfo {
                        id,
                        display_name: name,
                    });
                }
                match (page["has_more"].as_bool(), page["last_id"].as_str()) {
                    (Some(true), Some(last)) => after = Some(last.to_owned()),
                    _ => break,
                }
            }
        }
        kind @ (service_type::OPENAI | service_type::AZURE | service_type::OPENAI_COMPATIBLE) => {
            let url = match kind {
                service_type::AZURE if base.is_empty() => return Err(bad("Azure OpenAI needs an API URL")),
                service_type::AZURE => format!("{base}/openai/models?api-version=2025-04-01-preview"),
                service_type::OPENAI_COMPATIBLE if base.is_empty() => {
                    return Err(bad("an OpenAI-compatible service needs an API URL"));
                }
                service_type::OPENAI if base.is_empty() => "https://api.openai.com/v1/models".into(),
                _ => format!("{base}/models"),
            };
            let mut req = http
                .get(Trust::Configured, &url)
                .map_err(|e| bad(&e.to_string()))?;
            req = match kind {
                service_type::AZURE => req.header("api-key", &s.api_key),
                _ if s.api_key.is_empty() => req,
                _ => req.bearer_auth(&s.api_key),
            };
            if kind == service_type::OPENAI && !s.org_id.is_empty() {
                req = req.header("OpenAI-Organization", &s.org_id);
            }
            let page = get_json(req).await?;
            for m in page["data"].as_array().into_iter().flatten() {
                if let Some(id) = m["id"].as_str() {
                    models.push(ModelInfo {
                        id: id.to_owned(),
                        display_name: id.to_owned(),
                    });
                }
            }
        }
        other => return Err(bad(&format!("listing models is not supported for {other}"))),
    }
    models.sort_by(|a, b| a.id.cmp(&b.id));
    models.dedup_by(|a, b| a.id == b.id);
    Ok(models)
}
