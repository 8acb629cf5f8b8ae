//! Every problem in a configuration, each with its field path, so the admin can fix them all at
//! once. Problems never stop the plugin: the parts they touch are skipped, the rest runs.

use std::collections::HashSet;

use serde::Serialize;

use super::model::{AccessLevel, Config, ServiceConfig, service_type};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// Where, e.g. `services[1].apiKey` or `bots[0].name`.
    pub path: String,
    pub message: String,
}

fn problem(path: String, message: impl Into<String>) -> Problem {
    Problem {
        path,
        message: message.into(),
    }
}

/// Mattermost's username rules: up to 64 characters, a lower-case letter first, then lower-case
/// letters, digits, `.`, `-` or `_`, and not a word mentions reserve.
pub fn valid_username(name: &str) -> bool {
    let len = name.chars().count();
    (1..=64).contains(&len)
        && !matches!(name, "all" | "channel" | "here" | "matterbot" | "system")
        && name.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '-' | '_'))
}

pub fn service_problems(s: &ServiceConfig, path: &str) -> Vec<Problem> {
    let mut out = Vec::new();
    let at = |field: &str| format!("{path}.{field}");
    if s.id.trim().is_empty() {
        out.push(problem(at("id"), "a service needs an id"));
    }
    let t = s.service_type.as_str();
    let Some(provider) = crate::providers::descriptor(t) else {
        let known: Vec<&str> = crate::providers::ALL.iter().map(|d| d.id()).collect();
        out.push(problem(
            at("type"),
            format!("unknown service type {t:?}; expected one of {}", known.join(", ")),
        ));
        return out;
    };
    for (field, value, what) in [
        ("apiKey", &s.api_key, "an API key"),
        ("apiURL", &s.api_url, "an API URL"),
        ("region", &s.region, "a region"),
    ] {
        if provider.requires(field) && value.trim().is_empty() {
            out.push(problem(at(field), format!("{} needs {what}", provider.label)));
        }
    }
    // Settings only some providers have (Vertex AI's project and key) stay in `extra`.
    for field in provider
        .required
        .iter()
        .filter(|f| !matches!(**f, "apiKey" | "apiURL" | "region"))
    {
        let value = s
            .extra
            .get(*field)
            .and_then(serde_json::Value::as_str)
            .unwrap_or_default();
        if value.trim().is_empty() {
            out.push(problem(at(field), format!("{} needs {field}", provider.label)));
        }
    }
    let url = s.api_url.trim();
    if !(url.is_empty() || url.starts_with("http://") || url.starts_with("https://")) {
        out.push(problem(
            at("apiURL"),
            "the API URL must start with http:// or https://",
        ));
    }
    if t == service_type::BEDROCK
        && s.aws_access_key_id.trim().is_empty() != s.aws_secret_access_key.trim().is_empty()
    {
        out.push(problem(
            at("awsSecretAccessKey"),
            "AWS access key id and secret key go together; set both or neither",
        ));
    }
    for (field, v) in [
        ("tokenLimit", s.token_limit),
        ("outputTokenLimit", s.output_token_limit),
        ("streamingTimeoutSeconds", s.streaming_timeout_seconds),
    ] {
        if v < 0 {
            out.push(problem(at(field), "must not be negative"));
        }
    }
    let mut seen = HashSet::new();
    for (i, h) in s.custom_headers.iter().enumerate() {
        let here = |f: &str| at(&format!("customHeaders[{i}].{f}"));
        // The message names the header, never its value: problems reach logs and the packet.
        if let Err(why) = crate::outbound::custom_header(&h.name, &h.value) {
            let (field, why) = match why {
                crate::outbound::HeaderRefusal::Name(w) => ("name", w),
                crate::outbound::HeaderRefusal::Value(w) => ("value", w),
            };
            out.push(problem(here(field), why));
        } else if !seen.insert(h.name.trim().to_ascii_lowercase()) {
            out.push(problem(
                here("name"),
                format!("the header {:?} is set twice", h.name.trim()),
            ));
        }
    }
    out
}

/// Problems of the services' fallbacks: a fallback must name another existing service, and
/// following fallbacks must never come back to where it started (at run time only one hop is
/// taken, but a loop is a mistake worth showing). Reported on `fallbackServiceID`, which
/// `Effective` does not count against the service itself: a bad fallback is only ignored.
fn fallback_problems(services: &[ServiceConfig]) -> Vec<Problem> {
    let mut out = Vec::new();
    let by_id = |id: &str| services.iter().find(|s| s.id == id);
    for (i, s) in services.iter().enumerate() {
        let first = s.fallback_service_id.trim();
        if first.is_empty() {
            continue;
        }
        let path = format!("services[{i}].fallbackServiceID");
        if first == s.id {
            out.push(problem(path, "a service cannot be its own fallback"));
            continue;
        }
        if by_id(first).is_none() {
            out.push(problem(path, format!("no service has the id {first:?}")));
            continue;
        }
        let mut visited = vec![s.id.as_str()];
        let mut next = first;
        while let Some(svc) = by_id(next) {
            if visited.contains(&svc.id.as_str()) {
                let mut chain = visited.clone();
                chain.push(svc.id.as_str());
                out.push(problem(
                    path.clone(),
                    format!("the fallbacks loop: {}", chain.join(" → ")),
                ));
                break;
            }
            visited.push(svc.id.as_str());
            next = svc.fallback_service_id.trim();
            if next.is_empty() {
                break;
            }
        }
    }
    out
}

/// Problems of the whole configuration. `services` and `bots` problems carry the index of the
/// entry they disable.
pub fn validate(c: &Config) -> Vec<Problem> {
    let mut out = Vec::new();
    let mut service_ids = HashSet::new();
    for (i, s) in c.services.iter().enumerate() {
        let path = format!("services[{i}]");
        out.extend(service_problems(s, &path));
        if !s.id.is_empty() && !service_ids.insert(s.id.as_str()) {
            out.push(problem(
                format!("{path}.id"),
                format!("service id {:?} is used twice", s.id),
            ));
        }
    }
    out.extend(fallback_problems(&c.services));
    let mut names = HashSet::new();
    for (i, b) in c.bots.iter().enumerate() {
        let path = |f: &str| format!("bots[{i}].{f}");
        if !valid_username(&b.name) {
            out.push(problem(
                path("name"),
                format!("{:?} is not a valid username: up to 64 characters, starting with a lower-case letter, then lower-case letters, digits, '.', '-' or '_'", b.name),
            ));
        } else if !names.insert(b.name.as_str()) {
            out.push(problem(
                path("name"),
                format!("another agent already uses the username {:?}", b.name),
            ));
        }
        if b.display_name.trim().is_empty() {
            out.push(problem(path("displayName"), "an agent needs a display name"));
        }
        if b.service_id.trim().is_empty() {
            out.push(problem(path("serviceID"), "an agent needs a service"));
        } else if !c.services.iter().any(|s| s.id == b.service_id) {
            out.push(problem(
                path("serviceID"),
                format!("no service has the id {:?}", b.service_id),
            ));
        }
        if AccessLevel::from_i64(b.channel_access_level).is_none() {
            out.push(problem(
                path("channelAccessLevel"),
                "must be 0 (all), 1 (allow list), 2 (block list) or 3 (none)",
            ));
        }
        if AccessLevel::from_i64(b.user_access_level).is_none() {
            out.push(problem(
                path("userAccessLevel"),
                "must be 0 (all), 1 (allow list), 2 (block list) or 3 (none)",
            ));
        }
        if !matches!(
            b.reasoning_effort.as_str(),
            "" | "minimal" | "low" | "medium" | "high"
        ) {
            out.push(problem(
                path("reasoningEffort"),
                "must be minimal, low, medium or high",
            ));
        }
        if b.thinking_budget < 0 || b.max_file_size < 0 {
            out.push(problem(
                path(if b.thinking_budget < 0 {
                    "thinkingBudget"
                } else {
                    "maxFileSize"
                }),
                "must not be negative",
            ));
        }
    }
    if !c.default_bot_name.is_empty() && !c.bots.iter().any(|b| b.name == c.default_bot_name) {
        out.push(problem(
            "defaultBotName".into(),
            format!(
                "no agent is named {:?}; the first agent is the default",
                c.default_bot_name
            ),
        ));
    }
    if !matches!(
        c.embedding_search_config.search_type.as_str(),
        "" | "disabled" | "composite"
    ) {
        out.push(problem(
            "embeddingSearchConfig.type".into(),
            format!(
                "unknown search type {:?}; expected \"composite\" or empty",
                c.embedding_search_config.search_type
            ),
        ));
    }
    if let Some(ef) = c.embedding_search_config.parameters.get("efSearch")
        && !ef.as_i64().is_some_and(|n| (1..=1000).contains(&n))
    {
        out.push(problem(
            "embeddingSearchConfig.parameters.efSearch".into(),
            "must be a whole number from 1 to 1000 (leave it out to let search choose)",
        ));
    }
    out.extend(quota_problems(&c.token_quotas));
    out.extend(web_search_problems(&c.web_search));
    if c.usage_retention_days < 0 {
        out.push(problem("usageRetentionDays".into(), "must not be negative"));
    }
    if let Err(e) = crate::outbound::HostAllowlist::parse(&c.allowed_upstream_hostnames) {
        out.push(problem("allowedUpstreamHostnames".into(), e.to_string()));
    }
    for (i, s) in c.mcp.servers.iter().enumerate() {
        if s.enabled && !(s.base_url.starts_with("http://") || s.base_url.starts_with("https://")) {
            out.push(problem(
                format!("mcp.servers[{i}].baseURL"),
                "an MCP server needs an http:// or https:// URL",
            ));
        }
    }
    out
}

fn quota_problems(q: &crate::config::model::TokenQuotas) -> Vec<Problem> {
    let mut out = Vec::new();
    if !(1..=100).contains(&q.warn_at_percent) {
        out.push(problem(
            "tokenQuotas.warnAtPercent".into(),
            "must be a percentage from 1 to 100",
        ));
    }
    let limits = [
        ("tokenQuotas.perUser", q.per_user.daily, q.per_user.monthly),
        ("tokenQuotas.perTeam", q.per_team.daily, q.per_team.monthly),
        ("tokenQuotas.perAgent", q.per_agent.daily, q.per_agent.monthly),
    ];
    for (path, daily, monthly) in limits {
        if daily < 0 || monthly < 0 {
            out.push(problem(path.into(), "limits must not be negative (0 means none)"));
        }
    }
    for (i, o) in q.overrides.iter().enumerate() {
        if !matches!(o.scope.as_str(), "user" | "team" | "agent") {
            out.push(problem(
                format!("tokenQuotas.overrides[{i}].scope"),
                "must be \"user\", \"team\" or \"agent\"",
            ));
        }
        if o.id.is_empty() {
            out.push(problem(
                format!("tokenQuotas.overrides[{i}].id"),
                "names no user, team or agent",
            ));
        }
        if o.daily < 0 || o.monthly < 0 {
            out.push(problem(
                format!("tokenQuotas.overrides[{i}]"),
                "limits must not be negative (0 means none)",
            ));
        }
    }
    out
}

/// Web search is checked only when turned on: a half-filled section that is off is no problem.
fn web_search_problems(w: &crate::config::model::WebSearchConfig) -> Vec<Problem> {
    let mut out = Vec::new();
    if !w.enabled {
        return out;
    }
    let url_ok = |u: &str| {
        let u = u.trim();
        u.is_empty() || u.starts_with("http://") || u.starts_with("https://")
    };
    match w.provider.trim().to_ascii_lowercase().as_str() {
        "google" => {
            if w.google.api_key.trim().is_empty() {
                out.push(problem(
                    "webSearch.google.apiKey".into(),
                    "Google search needs an API key",
                ));
            }
            if w.google.search_engine_id.trim().is_empty() {
                out.push(problem(
                    "webSearch.google.searchEngineId".into(),
                    "Google search needs a search engine ID (cx)",
                ));
            }
            if !url_ok(&w.google.api_url) {
                out.push(problem(
                    "webSearch.google.apiURL".into(),
                    "the API URL must start with http:// or https://",
                ));
            }
        }
        "brave" => {
            if w.brave.api_key.trim().is_empty() {
                out.push(problem(
                    "webSearch.brave.apiKey".into(),
                    "Brave search needs an API key",
                ));
            }
            if !url_ok(&w.brave.api_url) {
                out.push(problem(
                    "webSearch.brave.apiURL".into(),
                    "the API URL must start with http:// or https://",
                ));
            }
        }
        other => out.push(problem(
            "webSearch.provider".into(),
            format!("unknown web search provider {other:?}; expected \"google\" or \"brave\""),
        )),
    }
    for (path, n) in [
        ("webSearch.google.resultLimit", w.google.result_limit),
        ("webSearch.brave.resultLimit", w.brave.result_limit),
    ] {
        if !(0..=20).contains(&n) {
            out.push(problem(path.into(), "must be from 1 to 20 (0 means 5)"));
        }
    }
    for (i, d) in w.domain_denylist.iter().enumerate() {
        let d = d.trim();
        if d.is_empty() || d.contains('/') || d.contains(char::is_whitespace) {
            out.push(problem(
                format!("webSearch.domainDenylist[{i}]"),
                "must be a domain name such as example.com",
            ));
        }
    }
    out
}

#[cfg(test)]
mod web_search_tests {
    use super::*;

    /// Upstream's `webSearch` object decodes into our fields and saves back the same way.
    #[test]
    fn upstream_web_search_round_trips_and_is_checked_when_on() {
        let upstream = serde_json::json!({
            "enabled": true,
            "provider": "google",
            "google": {"apiKey": "", "searchEngineId": "cx", "resultLimit": 30, "apiURL": "ftp://x"},
            "brave": {"apiKey": "b", "apiURL": "", "resultLimit": 0, "pollTimeout": 10, "pollInterval": 250},
            "domainDenylist": ["example.com", "bad/path"],
        });
        let c: Config = serde_json::from_value(serde_json::json!({"webSearch": upstream})).unwrap();
        assert_eq!(c.web_search.google.search_engine_id, "cx");
        assert_eq!(c.web_search.brave.poll_interval, 250);
        assert_eq!(serde_json::to_value(&c).unwrap()["webSearch"], upstream);
        assert!(
            !format!("{c:?}").contains("\"b\""),
            "keys stay out of debug output"
        );
        let paths: Vec<String> = validate(&c).into_iter().map(|p| p.path).collect();
        for want in [
            "webSearch.google.apiKey",
            "webSearch.google.apiURL",
            "webSearch.google.resultLimit",
            "webSearch.domainDenylist[1]",
        ] {
            assert!(paths.contains(&want.to_owned()), "{want} in {paths:?}");
        }
        let mut off = c.clone();
        off.web_search.enabled = false;
        assert!(!validate(&off).iter().any(|p| p.path.starts_with("webSearch")));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::CustomHeader;

    fn service(id: &str, fallback: &str) -> ServiceConfig {
        ServiceConfig {
            id: id.into(),
            service_type: "openaicompatible".into(),
            api_url: "http://127.0.0.1:1".into(),
            fallback_service_id: fallback.into(),
            ..Default::default()
        }
    }

    #[test]
    fn fallbacks_must_name_another_service_and_never_loop() {
        let paths = |services: &[ServiceConfig]| -> Vec<String> {
            fallback_problems(services).into_iter().map(|p| p.path).collect()
        };
        // A chain is fine (only one hop is taken at run time).
        assert!(paths(&[service("a", "b"), service("b", "c"), service("c", "")]).is_empty());
        assert_eq!(paths(&[service("a", "a")]), ["services[0].fallbackServiceID"]);
        assert_eq!(paths(&[service("a", "zz")]), ["services[0].fallbackServiceID"]);
        let looped = fallback_problems(&[service("a", "b"), service("b", "c"), service("c", "a")]);
        assert_eq!(looped.len(), 3);
        assert!(looped[0].message.contains("a → b → c → a"), "{looped:?}");
        // A chain that runs into a loop further on is reported where the loop is, too.
        let tail = paths(&[service("x", "a"), service("a", "b"), service("b", "a")]);
        assert_eq!(tail.len(), 3, "{tail:?}");
    }

    #[test]
    fn header_problems_name_the_field_never_the_value() {
        let mut s = service("a", "");
        s.custom_headers = vec![
            CustomHeader {
                name: "X-Ok".into(),
                value: "fine".into(),
            },
            CustomHeader {
                name: "X-API-Key".into(),
                value: "hidden-1".into(),
            },
            CustomHeader {
                name: "".into(),
                value: "hidden-2".into(),
            },
            CustomHeader {
                name: "X-Bad".into(),
                value: "hidden\n3".into(),
            },
        ];
        let found = service_problems(&s, "services[0]");
        let paths: Vec<&str> = found.iter().map(|p| p.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "services[0].customHeaders[1].name",
                "services[0].customHeaders[2].name",
                "services[0].customHeaders[3].value",
            ]
        );
        assert!(!format!("{found:?}").contains("hidden"), "{found:?}");
        assert!(!format!("{s:?}").contains("hidden"), "{s:?}");
    }
}
