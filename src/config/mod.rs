//! The plugin's configuration: decoding (any key casing, unknown keys kept), migration of older
//! generations, validation with field paths, and the effective view the rest of the plugin
//! runs on. Loading never fails the plugin: a configuration that cannot be decoded leaves the
//! previous one in force, and invalid services or agents are skipped with a reason.

pub mod migrate;
pub mod model;
pub mod normalize;
pub mod snapshot;
pub mod upstream;
pub mod validate;

use serde_json::{Map, Value};

pub use model::*;
pub use validate::Problem;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("the plugin configuration is not valid: {path}: {message}")]
    Decode { path: String, message: String },
}

/// A decoded configuration and what was done to it on the way.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub config: Config,
    /// Lines describing migrations applied; non-empty means the result should be saved back.
    pub migrated: Vec<String>,
}

/// The `config` value out of the plugin's settings (`{"config": …}`); tolerates a JSON string,
/// which hand-edited config files sometimes hold, and null (nothing configured yet).
fn inner(settings: &Value) -> Result<Value, ConfigError> {
    let v = match settings {
        Value::Object(m) => m
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("config"))
            .map(|(_, v)| v.clone())
            .unwrap_or(Value::Null),
        Value::Null => Value::Null,
        other => other.clone(),
    };
    match v {
        Value::Null => Ok(Value::Object(Map::new())),
        Value::String(s) if s.trim().is_empty() => Ok(Value::Object(Map::new())),
        Value::String(s) => serde_json::from_str(&s).map_err(|e| ConfigError::Decode {
            path: "config".into(),
            message: format!("not JSON: {e}"),
        }),
        obj @ Value::Object(_) => Ok(obj),
        other => Err(ConfigError::Decode {
            path: "config".into(),
            message: format!("expected an object, found {other}"),
        }),
    }
}

/// Decodes the plugin settings, migrating older generations in memory.
pub fn load(settings: &Value) -> Result<Loaded, ConfigError> {
    let mut raw = inner(settings)?;
    normalize::normalize(&mut raw);
    let migrated = migrate::migrate(&mut raw);
    let config: Config = serde_path_to_error::deserialize(raw).map_err(|e| ConfigError::Decode {
        path: e.path().to_string(),
        message: e.inner().to_string(),
    })?;
    Ok(Loaded { config, migrated })
}

/// The settings map to save back (`{"config": …}` in the webapp's spelling).
pub fn to_settings(config: &Config) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert(
        "config".into(),
        serde_json::to_value(config).unwrap_or(Value::Null),
    );
    m
}

/// What the plugin runs on: the configuration, its problems, and the services and agents that
/// survived validation.
#[derive(Debug, Clone, Default)]
pub struct Effective {
    pub config: Config,
    pub problems: Vec<Problem>,
    /// Indexes into `config.services` of usable services.
    pub services: Vec<usize>,
    /// Indexes into `config.bots` of usable agents, in config order.
    pub bots: Vec<usize>,
}

impl Effective {
    pub fn new(config: Config) -> Self {
        let mut problems = validate::validate(&config);
        // A bad fallback is ignored at run time; the service itself still works.
        let bad = |problems: &[Problem], prefix: String| {
            problems
                .iter()
                .any(|p| p.path.starts_with(&prefix) && !p.path.ends_with(".fallbackServiceID"))
        };
        let services: Vec<usize> = (0..config.services.len())
            .filter(|i| !bad(&problems, format!("services[{i}].")))
            .collect();
        let mut bots = Vec::new();
        for (i, b) in config.bots.iter().enumerate() {
            if bad(&problems, format!("bots[{i}].")) {
                continue;
            }
            if services.iter().any(|s| config.services[*s].id == b.service_id) {
                bots.push(i);
            } else if let Some(si) = config.services.iter().position(|s| s.id == b.service_id) {
                problems.push(Problem {
                    path: format!("bots[{i}].serviceID"),
                    message: format!("the agent's service has problems (see services[{si}]); the agent is off until they are fixed"),
                });
            }
        }
        Effective {
            config,
            problems,
            services,
            bots,
        }
    }

    pub fn bots(&self) -> impl Iterator<Item = &BotConfig> {
        self.bots.iter().map(|i| &self.config.bots[*i])
    }

    pub fn service_for(&self, bot: &BotConfig) -> Option<&ServiceConfig> {
        self.services
            .iter()
            .map(|i| &self.config.services[*i])
            .find(|s| s.id == bot.service_id)
    }

    /// The usable service `service` falls back to, if it names one without a problem (a loop,
    /// a missing id). Only this one hop is ever taken: the fallback's own fallback is not.
    pub fn fallback_for(&self, service: &ServiceConfig) -> Option<&ServiceConfig> {
        let id = service.fallback_service_id.trim();
        if id.is_empty() || id == service.id {
            return None;
        }
        let index = self.config.services.iter().position(|s| s.id == service.id)?;
        let path = format!("services[{index}].fallbackServiceID");
        if self.problems.iter().any(|p| p.path == path) {
            return None;
        }
        self.services
            .iter()
            .map(|i| &self.config.services[*i])
            .find(|s| s.id == id)
    }

    /// The agent `/ai_bots` lists first: `defaultBotName`, else the first agent.
    pub fn default_bot(&self) -> Option<&BotConfig> {
        self.bots()
            .find(|b| b.name == self.config.default_bot_name)
            .or_else(|| self.bots().next())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn null_and_missing_mean_nothing_configured() {
        for s in [
            json!({"config": null}),
            json!(null),
            json!({}),
            json!({"config": ""}),
        ] {
            let l = load(&s).unwrap();
            assert!(l.config.services.is_empty() && l.config.bots.is_empty());
        }
    }

    #[test]
    fn a_type_error_names_its_path() {
        let e = load(&json!({"config": {"services": [{"id": "a", "tokenLimit": "lots"}]}})).unwrap_err();
        let ConfigError::Decode { path, .. } = e;
        assert_eq!(path, "services[0].tokenLimit");
    }

    #[test]
    fn round_trip_keeps_unknown_keys_and_writes_webapp_spelling() {
        let l = load(&json!({"config": {"services": [{"id": "s", "type": "openai", "apiKey": "k", "sendUserID": true, "future": {"x": 1}}], "enableCallSummary": true}})).unwrap();
        let saved = Value::Object(to_settings(&l.config));
        assert_eq!(saved["config"]["services"][0]["sendUserId"], true);
        assert!(saved["config"]["services"][0].get("sendUserID").is_none());
        assert_eq!(saved["config"]["services"][0]["future"], json!({"x": 1}));
        assert_eq!(saved["config"]["enableCallSummary"], true);
        assert_eq!(load(&saved).unwrap().config, l.config);
    }

    #[test]
    fn invalid_parts_are_skipped_and_reported_with_paths() {
        let l = load(&json!({"config": {
            "services": [
                {"id": "good", "type": "openai", "apiKey": "k"},
                {"id": "nokey", "type": "anthropic"},
                {"id": "weird", "type": "gpt5000"}
            ],
            "bots": [
                {"name": "ai", "displayName": "AI", "serviceID": "good"},
                {"name": "claude", "displayName": "Claude", "serviceID": "nokey"},
                {"name": "Bad Name", "displayName": "X", "serviceID": "good"},
                {"name": "ai", "displayName": "Again", "serviceID": "good"}
            ],
            "defaultBotName": "nobody"
        }}))
        .unwrap();
        let e = Effective::new(l.config);
        let paths: Vec<&str> = e.problems.iter().map(|p| p.path.as_str()).collect();
        for p in [
            "services[1].apiKey",
            "services[2].type",
            "bots[2].name",
            "bots[3].name",
            "defaultBotName",
        ] {
            assert!(paths.contains(&p), "{p} missing from {paths:?}");
        }
        assert_eq!(e.services, vec![0]);
        assert_eq!(
            e.bots().map(|b| b.display_name.as_str()).collect::<Vec<_>>(),
            vec!["AI"]
        );
        assert_eq!(e.default_bot().map(|b| b.name.as_str()), Some("ai"));
    }
}
