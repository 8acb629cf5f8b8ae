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
