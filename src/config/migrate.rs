//! Older saved configurations, brought to the current shape (services + bots referencing them).
//!
//! - Generation 0 ("AI Copilot", ≤ v0.6): `services[]` of `{name, serviceName, apiKey, orgId,
//!   defaultModel, url, username, password, tokenLimit}` and no bots. Each becomes a service and
//!   a bot `ai<N>`.
//! - Generation 1 (v0.8–v1.4): each bot embeds its `service`. Identical services (name aside)
//!   are shared; bots get `serviceID`.
//!
//! Both run in one pass, on the raw JSON before decoding, so a generation-0 config ends current.

use serde_json::{Map, Value, json};

fn new_uuid() -> String {
    uuid::Uuid::new_v4().to_string()
}

fn is_legacy_service(s: &Value) -> bool {
    s.get("serviceName")
        .is_some_and(|t| t.as_str().is_some_and(|t| !t.is_empty()))
}

/// What a migration would change, without changing it.
pub fn needed(config: &Value) -> bool {
    let bots_empty = config
        .get("bots")
        .and_then(Value::as_array)
        .is_none_or(|b| b.is_empty());
    let g0 = bots_empty
        && config
            .get("services")
            .and_then(Value::as_array)
            .is_some_and(|s| s.iter().any(is_legacy_service));
    let g1 = config
        .get("bots")
        .and_then(Value::as_array)
        .is_some_and(|bots| bots.iter().any(|b| b.get("service").is_some()));
    g0 || g1
}

/// Migrates in place; returns one human-readable line per change.
pub fn migrate(config: &mut Value) -> Vec<String> {
    let mut notes = Vec::new();
    let Value::Object(root) = config else { return notes };
    migrate_single_llm(root, &mut notes);
    migrate_embedded_services(root, &mut notes);
    notes
}

fn migrate_single_llm(root: &mut Map<String, Value>, notes: &mut Vec<String>) {
    let bots_empty = root
        .get("bots")
        .and_then(Value::as_array)
        .is_none_or(|b| b.is_empty());
    let Some(Value::Array(services)) = root.get("services") else {
        return;
    };
    if !bots_empty || !services.iter().any(is_legacy_service) {
        return;
    }
    let mut new_services = Vec::new();
    let mut bots = Vec::new();
    for (i, old) in services.iter().enumerate() {
        let field = |k: &str| old.get(k).cloned().unwrap_or(Value::String(String::new()));
        let id = new_uuid();
        let name = old
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        new_services.push(json!({
            "id": id,
            "name": name,
            "type": field("serviceName"),
            "apiURL": field("url"),
            "apiKey": field("apiKey"),
            "orgId": field("orgId"),
            "defaultModel": field("defaultModel"),
            "tokenLimit": old.get("tokenLimit").cloned().unwrap_or(json!(0)),
        }));
        let bot_name = format!("ai{}", i + 1);
        notes.push(format!(
            "service {name:?} became agent {bot_name:?} with its own service"
        ));
        bots.push(json!({
            "id": new_uuid(),
            "name": bot_name,
            "displayName": if name.is_empty() { format!("AI {}", i + 1) } else { name.clone() },
            "serviceID": id,
            "enableVision": true,
            "reasoningEnabled": true,
            "reasoningEffort": "medium",
        }));
    }
    root.insert("services".into(), Value::Array(new_services));
    root.insert("bots".into(), Value::Array(bots));
    for dropped in [
        "llmBackend",
        "imageGeneratorBackend",
        "enableUserRestrictions",
        "allowPrivateChannels",
        "allowedTeamIDs",
        "onlyUsersOnTeam",
    ] {
        if root.remove(dropped).is_some() {
            notes.push(format!("dropped the retired setting {dropped:?}"));
        }
    }
}

/// The fields that make two embedded services the same service (the name does not).
const IDENTITY: &[&str] = &[
    "type",
    "apiKey",
    "orgId",
    "defaultModel",
    "apiURL",
    "tokenLimit",
    "streamingTimeoutSeconds",
    "sendUserId",
    "outputTokenLimit",
    "useResponsesAPI",
    "region",
    "awsAccessKeyID",
    "awsSecretAccessKey",
];

fn same_service(a: &Value, b: &Value) -> bool {
    let norm = |v: Option<&Value>| match v {
        None | Some(Value::Null) => Value::Null,
        Some(Value::String(s)) if s.is_empty() => Value::Null,
        Some(Value::Bool(false)) => Value::Null,
        Some(Value::Number(n)) if n.as_f64() == Some(0.0) => Value::Null,
        Some(other) => other.clone(),
    };
    IDENTITY.iter().all(|k| norm(a.get(*k)) == norm(b.get(*k)))
}

fn migrate_embedded_services(root: &mut Map<String, Value>, notes: &mut Vec<String>) {
    let mut services: Vec<Value> = root
        .get("services")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let Some(Value::Array(bots)) = root.get_mut("bots") else {
        return;
    };
    let mut changed = false;
    for bot in bots.iter_mut() {
        let Value::Object(b) = bot else { continue };
        let Some(embedded) = b.remove("service") else {
            continue;
        };
        changed = true;
        let has_ref = b
            .get("serviceID")
            .and_then(Value::as_str)
            .is_some_and(|s| !s.is_empty());
        let bot_name = b
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        // A bot that already points at a service keeps it; the stale copy is dropped.
        if has_ref
            || embedded
                .get("type")
                .and_then(Value::as_str)
                .is_none_or(str::is_empty)
        {
            continue;
        }
        let id = match services.iter().find(|s| same_service(s, &embedded)) {
            Some(s) => s.get("id").and_then(Value::as_str).unwrap_or_default().to_owned(),
            None => {
                let id = new_uuid();
                let mut s = embedded.clone();
                if let Value::Object(m) = &mut s {
                    m.insert("id".into(), Value::String(id.clone()));
                    if m.get("name").and_then(Value::as_str).is_none_or(str::is_empty) {
                        m.insert("name".into(), Value::String(format!("{bot_name} service")));
                    }
                }
                services.push(s);
                id
            }
        };
        notes.push(format!("agent {bot_name:?} now uses shared service {id}"));
        b.insert("serviceID".into(), Value::String(id));
    }
    if changed {
        root.insert("services".into(), Value::Array(services));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_llm_generation_becomes_services_and_bots() {
        let mut v = json!({
            "services": [
                {"name": "OpenAI", "serviceName": "openai", "apiKey": "k1", "defaultModel": "gpt-4o", "url": "", "username": "u"},
                {"name": "Local", "serviceName": "openaicompatible", "url": "http://llm:8080/v1"}
            ],
            "llmBackend": "OpenAI", "enableUserRestrictions": true
        });
        assert!(needed(&v));
        let notes = migrate(&mut v);
        assert_eq!(v["bots"].as_array().map(Vec::len), Some(2));
        assert_eq!(v["bots"][0]["name"], "ai1");
        assert_eq!(v["bots"][1]["displayName"], "Local");
        assert_eq!(v["bots"][1]["serviceID"], v["services"][1]["id"]);
        assert_eq!(v["services"][1]["type"], "openaicompatible");
        assert_eq!(v["services"][1]["apiURL"], "http://llm:8080/v1");
        assert!(v.get("llmBackend").is_none() && v.get("enableUserRestrictions").is_none());
        assert!(!notes.is_empty());
        assert!(!needed(&v), "migrating twice changes nothing");
    }

    #[test]
    fn embedded_services_are_shared_when_identical() {
        let svc = json!({"name": "A", "type": "openai", "apiKey": "k", "defaultModel": "gpt-4o"});
        let mut other = svc.clone();
        other["name"] = json!("B, same service under another name");
        let mut v = json!({"bots": [
            {"name": "one", "service": svc},
            {"name": "two", "service": other},
            {"name": "three", "service": {"type": "anthropic", "apiKey": "a"}},
            {"name": "four", "serviceID": "keep", "service": {"type": "mistral"}}
        ]});
        migrate(&mut v);
        let services = v["services"].as_array().cloned().unwrap_or_default();
        assert_eq!(services.len(), 2);
        assert_eq!(v["bots"][0]["serviceID"], v["bots"][1]["serviceID"]);
        assert_ne!(v["bots"][0]["serviceID"], v["bots"][2]["serviceID"]);
        assert_eq!(v["bots"][3]["serviceID"], "keep");
        assert!(
            v["bots"]
                .as_array()
                .is_some_and(|b| b.iter().all(|b| b.get("service").is_none()))
        );
        assert!(!needed(&v));
    }
}
