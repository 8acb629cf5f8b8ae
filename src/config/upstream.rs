//! Upstream 2.x's configuration and agents, brought over once when this plugin replaces it.
//!
//! Upstream 1.x kept everything in the plugin settings, which `config::load` reads and migrates.
//! Upstream 2.x moved the configuration in force to its own table in the server's database
//! (`Agents_ConfigHistory`, the row with `Active = true`, the same JSON as the settings) and
//! the agents to `Agents_UserAgents` (docs/upstream-facts.md, "Upstream 2.x storage"). On
//! activation, when those tables exist and this plugin has no services and no agents yet, the
//! configuration and agents are read and saved as this plugin's configuration through the
//! ordinary settings save, so the server's configuration change brings validation and bot sync
//! (upstream's bot accounts are reused by username). What came over and what did not is kept
//! in the KV record `upstream_import`, which `GET /admin/config/check` returns.
//!
//! It lives in `config` because all it produces is configuration; the database reading is a
//! handful of read-only statements of its own, not the search store's.
//!
//! Upstream's tables are never written: the session is read-only
//! (`default_transaction_read_only`), statements time out, rows are bounded, and a database that
//! cannot be reached or has no upstream tables means there is nothing to import, not an error.

use std::collections::BTreeSet;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, PgConnection};

use super::{Config, load, to_settings};
use plugin_runtime::host::MattermostApi;

/// The KV key of the import record.
pub const RECORD_KEY: &str = "upstream_import";
/// Upstream's tables (Postgres folds its unquoted mixed-case names to lower case).
pub const CONFIG_TABLE: &str = "agents_confighistory";
pub const AGENTS_TABLE: &str = "agents_useragents";
pub const CONVERSATIONS_TABLE: &str = "llm_conversations";
pub const TURNS_TABLE: &str = "llm_turns";
pub const EMBEDDINGS_TABLE: &str = "llm_posts_embeddings";
const TABLES: [&str; 5] = [
    CONFIG_TABLE,
    AGENTS_TABLE,
    CONVERSATIONS_TABLE,
    TURNS_TABLE,
    EMBEDDINGS_TABLE,
];
/// At most this many agents are imported (upstream's table is admin-sized: tens of rows).
pub const MAX_AGENTS: usize = 100;
/// A configuration larger than this is not read.
const MAX_CONFIG_BYTES: i64 = 4 << 20;
/// Row counts stop here; they only word the record.
const COUNT_CAP: i64 = 100_000;
const STATEMENT_TIMEOUT_MS: u64 = 5_000;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// The whole reading, connection included.
const READ_TIMEOUT: Duration = Duration::from_secs(30);

/// What was imported from upstream 2.x and what was not, for the System Console.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ImportRecord {
    /// When the configuration was saved (ms since the epoch); null when nothing was imported.
    pub imported_at: Option<i64>,
    /// Services and agents saved into this plugin's configuration.
    pub services: usize,
    pub agents: usize,
    /// One line per thing left behind or kept without effect.
    pub skipped: Vec<String>,
    /// Semantic search needs a reindex to have an index again.
    pub reindex_needed: bool,
    /// Upstream's tables found in the server's database.
    pub tables: Vec<String>,
}

/// What upstream left in the database, as read.
#[derive(Debug, Clone, Default)]
pub struct Upstream {
    pub tables: Vec<String>,
    /// The active configuration's JSON text.
    pub config: Option<String>,
    /// Live agent rows as JSON objects keyed by (lower-case) column name, oldest first.
    pub agents: Vec<Value>,
    /// More live agents than `MAX_AGENTS` exist.
    pub more_agents: bool,
    pub conversations: i64,
    pub embeddings: i64,
}

impl Upstream {
    fn has(&self, table: &str) -> bool {
        self.tables.iter().any(|t| t == table)
    }
}

/// Reads upstream's tables with `data_source` (the server's `SqlSettings.DataSource`). `None`
/// when the database has no upstream 2.x configuration or agents table.
pub async fn read(data_source: &str) -> Result<Option<Upstream>, sqlx::Error> {
    match tokio::time::timeout(READ_TIMEOUT, read_inner(data_source)).await {
        Ok(r) => r,
        Err(_) => Err(sqlx::Error::PoolTimedOut),
    }
}

async fn read_inner(data_source: &str) -> Result<Option<Upstream>, sqlx::Error> {
    let options: PgConnectOptions = data_source.parse()?;
    let options = options
        .application_name("mattermost-ai upstream import")
        .options([
            ("statement_timeout", STATEMENT_TIMEOUT_MS.to_string()),
            ("lock_timeout", "2000".to_owned()),
            // Every transaction of this session is read-only: upstream's tables cannot change.
            ("default_transaction_read_only", "on".to_owned()),
        ]);
    let mut conn = match tokio::time::timeout(CONNECT_TIMEOUT, PgConnection::connect_with(&options)).await {
        Ok(c) => c?,
        Err(_) => return Err(sqlx::Error::PoolTimedOut),
    };
    let result = read_tables(&mut conn).await;
    let _ = conn.close().await;
    result
}

async fn read_tables(conn: &mut PgConnection) -> Result<Option<Upstream>, sqlx::Error> {
    let mut tx = conn.begin().await?;
    sqlx::query("SET TRANSACTION READ ONLY").execute(&mut *tx).await?;
    let mut up = Upstream::default();
    for t in TABLES {
        let found: bool = sqlx::query_scalar("SELECT to_regclass($1) IS NOT NULL")
            .bind(t)
            .fetch_one(&mut *tx)
            .await?;
        if found {
            up.tables.push(t.to_owned());
        }
    }
    if !up.has(CONFIG_TABLE) && !up.has(AGENTS_TABLE) {
        tx.rollback().await?;
        return Ok(None);
    }
    if up.has(CONFIG_TABLE) {
        up.config = sqlx::query_scalar(
            "SELECT config FROM agents_confighistory WHERE active = true AND octet_length(config) <= $1 ORDER BY createat DESC LIMIT 1",
        )
        .bind(MAX_CONFIG_BYTES)
        .fetch_optional(&mut *tx)
        .await?;
    }
    if up.has(AGENTS_TABLE) {
        // The whole row as JSON: the columns differ between upstream versions.
        let rows: Vec<String> = sqlx::query_scalar(
            "SELECT to_jsonb(a)::text FROM agents_useragents a WHERE a.deleteat = 0 ORDER BY a.createat, a.id LIMIT $1",
        )
        .bind(MAX_AGENTS as i64 + 1)
        .fetch_all(&mut *tx)
        .await?;
        up.more_agents = rows.len() > MAX_AGENTS;
        up.agents = rows
            .iter()
            .take(MAX_AGENTS)
            .filter_map(|r| serde_json::from_str(r).ok())
            .collect();
    }
    if up.has(CONVERSATIONS_TABLE) {
        up.conversations =
            sqlx::query_scalar("SELECT count(*) FROM (SELECT 1 FROM llm_conversations LIMIT $1) c")
                .bind(COUNT_CAP)
                .fetch_one(&mut *tx)
                .await?;
    }
    if up.has(EMBEDDINGS_TABLE) {
        up.embeddings =
            sqlx::query_scalar("SELECT count(*) FROM (SELECT 1 FROM llm_posts_embeddings LIMIT $1) e")
                .bind(COUNT_CAP)
                .fetch_one(&mut *tx)
                .await?;
    }
    tx.rollback().await?;
    Ok(Some(up))
}

/// A value an admin set (not empty, false, zero or null).
fn is_set(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64() != Some(0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}

/// A TEXT column holding a JSON list (`'[]'` by default), as a list.
fn json_list(v: Option<&Value>) -> Value {
    match v {
        Some(Value::String(s)) => match serde_json::from_str::<Value>(s) {
            Ok(a @ Value::Array(_)) => a,
            _ => json!([]),
        },
        Some(a @ Value::Array(_)) => a.clone(),
        _ => json!([]),
    }
}

fn about(n: i64) -> String {
    if n >= COUNT_CAP {
        format!("{n} or more")
    } else {
        n.to_string()
    }
}

/// Columns read into our agent fields, with the field each becomes.
const AGENT_FIELDS: &[(&str, &str)] = &[
    ("id", "id"),
    ("username", "name"),
    ("displayname", "displayName"),
    ("serviceid", "serviceID"),
    ("model", "model"),
    ("custominstructions", "customInstructions"),
    ("enablevision", "enableVision"),
    ("disabletools", "disableTools"),
    ("channelaccesslevel", "channelAccessLevel"),
    ("useraccesslevel", "userAccessLevel"),
    ("reasoningenabled", "reasoningEnabled"),
    ("thinkingbudget", "thinkingBudget"),
];
/// TEXT columns holding JSON lists, with the field each becomes.
const AGENT_LISTS: &[(&str, &str)] = &[
    ("channelids", "channelIDs"),
    ("userids", "userIDs"),
    ("teamids", "teamIDs"),
    ("enablednativetools", "enabledNativeTools"),
    // Kept under upstream's own names; not enforced here.
    ("adminuserids", "adminUserIDs"),
    ("enabledtools", "enabledMCPTools"),
    ("subscriptions", "subscriptions"),
    ("schedules", "schedules"),
    ("documents", "documents"),
];
/// Columns kept under upstream's own names (its `BotConfig` JSON) without effect here.
const AGENT_KEPT: &[(&str, &str)] = &[
    ("botuserid", "botUserID"),
    ("creatorid", "creatorID"),
    ("autoenablenewmcptools", "autoEnableNewMCPTools"),
    ("maxtoolturns", "maxToolTurns"),
    ("useserviceaccountauth", "useServiceAccountAuth"),
    ("mentionaccesslevel", "mentionAccessLevel"),
    ("structuredoutputenabled", "structuredOutputEnabled"),
    ("experimentalbypasstoolapproval", "experimentalBypassToolApproval"),
    ("experimentalusebotpermissions", "experimentalUseBotPermissions"),
    ("createat", "createAt"),
    ("updateat", "updateAt"),
];
/// Kept fields that are bookkeeping, not settings an admin made.
const BOOKKEEPING: &[&str] = &["botUserID", "createAt", "updateAt", "structuredOutputEnabled"];

/// One upstream agent row as an agent of our configuration, and what of it has no effect here.
fn agent_from_row(row: &Map<String, Value>) -> (Value, Vec<String>) {
    let mut b = Map::new();
    for (col, field) in AGENT_FIELDS {
        if let Some(v) = row.get(*col) {
            b.insert((*field).into(), v.clone());
        }
    }
    // Upstream's empty effort means its default, medium.
    let effort = row
        .get("reasoningeffort")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .unwrap_or("medium");
    b.insert("reasoningEffort".into(), json!(effort));
    let mut kept = Vec::new();
    for (col, field) in AGENT_LISTS {
        if row.contains_key(*col) {
            let list = json_list(row.get(*col));
            // enabledMCPTools is the agent's MCP limit when autoEnableNewMCPTools is off
            // (`answer::policy::for_agent`).
            let applied = matches!(
                *field,
                "channelIDs" | "userIDs" | "teamIDs" | "enabledNativeTools" | "enabledMCPTools"
            );
            if !applied && is_set(&list) {
                let n = list.as_array().map_or(0, Vec::len);
                kept.push(format!("{field} ({n})"));
            }
            b.insert((*field).into(), list);
        }
    }
    let known: BTreeSet<&str> = AGENT_FIELDS
        .iter()
        .chain(AGENT_LISTS)
        .chain(AGENT_KEPT)
        .map(|(c, _)| *c)
        .chain(["reasoningeffort", "deleteat"])
        .collect();
    for (col, field) in AGENT_KEPT {
        if let Some(v) = row.get(*col) {
            let default_turns = *field == "maxToolTurns" && v.as_i64() == Some(30);
            // Upstream's default is every MCP tool; off means the list above is the limit.
            // Applied: off limits the agent to its enabledMCPTools.
            if *field == "autoEnableNewMCPTools" {
            } else if is_set(v) && !default_turns && !BOOKKEEPING.contains(field) {
                kept.push((*field).to_owned());
            }
            b.insert((*field).into(), v.clone());
        }
    }
    // Columns of a newer upstream: kept as they are.
    for (col, v) in row {
        if !known.contains(col.as_str()) {
            if is_set(v) {
                kept.push(col.clone());
            }
            b.insert(col.clone(), v.clone());
        }
    }
    (Value::Object(b), kept)
}

/// Upstream's configuration and agents as our configuration, with the record of what came
/// over. An error when upstream's configuration cannot be read as one.
pub fn map(up: &Upstream) -> Result<(Config, ImportRecord), String> {
    let mut raw = match &up.config {
        Some(text) => serde_json::from_str::<Value>(text)
            .map_err(|e| format!("upstream's configuration is not JSON: {e}"))?,
        None => json!({}),
    };
    let Value::Object(root) = &mut raw else {
        return Err("upstream's configuration is not a JSON object".into());
    };
    let mut record = ImportRecord {
        tables: up.tables.clone(),
        ..Default::default()
    };
    // The table's agents, then any the configuration still lists (an upstream that has not
    // moved them yet); a name is taken once, the table's first.
    let mut bots = Vec::new();
    let mut names = BTreeSet::new();
    for row in &up.agents {
        let Value::Object(row) = row else { continue };
        let (bot, kept) = agent_from_row(row);
        let name = bot["name"].as_str().unwrap_or_default().to_owned();
        if !names.insert(name.clone()) {
            record.skipped.push(format!(
                "agent {name:?}: a second agent with this username was not imported"
            ));
            continue;
        }
        if !kept.is_empty() {
            record.skipped.push(format!(
                "agent {name:?}: kept in the configuration but not applied here: {}",
                kept.join(", ")
            ));
        }
        bots.push(bot);
    }
    if let Some(Value::Array(cfg_bots)) = root.get("bots") {
        for bot in cfg_bots {
            let name = bot.get("name").and_then(Value::as_str).unwrap_or_default();
            if names.insert(name.to_owned()) {
                bots.push(bot.clone());
            }
        }
    }
    root.insert("bots".into(), Value::Array(bots));
    let loaded = load(&json!({ "config": raw })).map_err(|e| e.to_string())?;
    let config = loaded.config;
    if up.more_agents {
        record.skipped.push(format!(
            "only the first {MAX_AGENTS} agents were imported; the others stay in upstream's table"
        ));
    }
    let unused: Vec<&str> = config
        .extra
        .iter()
        .filter(|(_, v)| is_set(v))
        .map(|(k, _)| k.as_str())
        .collect();
    if !unused.is_empty() {
        record.skipped.push(format!(
            "settings kept in the configuration but not applied here: {}",
            unused.join(", ")
        ));
    }
    for s in &config.services {
        let unused: Vec<&str> = s
            .extra
            .iter()
            .filter(|(_, v)| is_set(v))
            .map(|(k, _)| k.as_str())
            .collect();
        if !unused.is_empty() {
            record.skipped.push(format!(
                "service {:?}: kept but not applied here: {}",
                s.name,
                unused.join(", ")
            ));
        }
    }
    if up.conversations > 0 {
        record.skipped.push(format!(
            "upstream's conversations ({}) in {CONVERSATIONS_TABLE}/{TURNS_TABLE} were not imported: the threads stay in Mattermost, upstream's stored turns and titles are not read",
            about(up.conversations)
        ));
    }
    if up.embeddings > 0 {
        record.skipped.push(format!(
            "upstream's search index ({EMBEDDINGS_TABLE}: {} rows) is not used: reindex from the System Console to build this plugin's",
            about(up.embeddings)
        ));
    }
    record.reindex_needed = config.embedding_search_config.enabled() || up.embeddings > 0;
    record.services = config.services.len();
    record.agents = config.bots.len();
    Ok((config, record))
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or_default()
}

/// The import record, if an import was ever considered.
pub async fn record(api: &dyn MattermostApi) -> Option<ImportRecord> {
    let bytes = api.kv_get(RECORD_KEY).await.ok()??;
    serde_json::from_slice(&bytes).ok()
}

async fn save_record(api: &dyn MattermostApi, record: &ImportRecord) {
    let Ok(bytes) = serde_json::to_vec(record) else {
        return;
    };
    if let Err(e) = api.kv_set(RECORD_KEY, &bytes).await {
        tracing::warn!(error = %e, "could not save the upstream import record");
    }
}

/// Whether this plugin's saved configuration is unconfigured (no services, no agents). A
/// configuration that cannot be read counts as configured: it is the admin's.
async fn unconfigured(api: &dyn MattermostApi) -> Option<bool> {
    let settings = api.load_plugin_configuration().await.ok()?;
    let loaded = load(&settings).ok()?;
    Some(loaded.config.services.is_empty() && loaded.config.bots.is_empty())
}

/// What `import` did.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// An import was considered before (the record exists); nothing read.
    AlreadyConsidered,
    /// No database settings, no upstream tables, or the database could not be read.
    NothingFound,
    /// Upstream's tables exist but this plugin is already configured: recorded, not imported.
    AlreadyConfigured,
    /// Upstream's configuration could not be used; recorded.
    Unusable,
    /// Saved as this plugin's configuration.
    Imported(ImportRecord),
}

/// Imports upstream 2.x's configuration and agents once, when its tables exist and this plugin
/// has no services and no agents; records what it decided. Never fails: every problem is
/// logged and means nothing is imported.
pub async fn import(api: &dyn MattermostApi) -> Outcome {
    if record(api).await.is_some() {
        return Outcome::AlreadyConsidered;
    }
    let Ok(server) = api.get_unsanitized_config().await else {
        return Outcome::NothingFound;
    };
    let driver = server.get_str("SqlSettings.DriverName").unwrap_or("postgres");
    let source = server.get_str("SqlSettings.DataSource").unwrap_or("");
    if !matches!(driver, "postgres" | "") || source.is_empty() {
        return Outcome::NothingFound;
    }
    let up = match read(source).await {
        Ok(Some(up)) => up,
        Ok(None) => return Outcome::NothingFound,
        Err(e) => {
            // Upstream's tables are optional; say why in the debug log only, without the
            // connection string.
            tracing::debug!(error = %crate::serverdb::redact(&e.to_string()), "upstream 2.x tables not read");
            return Outcome::NothingFound;
        }
    };
    let lock = match crate::cluster::lock(api, "ai_upstream_import", Duration::from_secs(10)).await {
        Ok(l) => l,
        Err(e) => {
            tracing::warn!(error = %e, "could not take the upstream import lock; not importing now");
            return Outcome::NothingFound;
        }
    };
    let outcome = import_locked(api, &up).await;
    lock.unlock().await;
    outcome
}

async fn import_locked(api: &dyn MattermostApi, up: &Upstream) -> Outcome {
    // Another node may have decided while this one read.
    if record(api).await.is_some() {
        return Outcome::AlreadyConsidered;
    }
    let base = ImportRecord {
        tables: up.tables.clone(),
        reindex_needed: up.embeddings > 0,
        ..Default::default()
    };
    match unconfigured(api).await {
        Some(true) => {}
        _ => {
            tracing::info!(
                "upstream 2.x tables found; this plugin is already configured, so nothing was imported"
            );
            let record = ImportRecord {
                skipped: vec![
                    "upstream 2.x's configuration and agents were not imported: this plugin already had services or agents configured, and those are never overwritten".into(),
                ],
                ..base
            };
            save_record(api, &record).await;
            return Outcome::AlreadyConfigured;
        }
    }
    let (config, mut record) = match map(up) {
        Ok(m) => m,
        Err(why) => {
            tracing::warn!("upstream 2.x's configuration could not be imported: {why}");
            let record = ImportRecord {
                skipped: vec![format!(
                    "upstream 2.x's configuration could not be imported: {why}"
                )],
                ..base
            };
            save_record(api, &record).await;
            return Outcome::Unusable;
        }
    };
    if record.services == 0 && record.agents == 0 {
        // Nothing to bring over yet (an upstream never configured); look again next time.
        return Outcome::NothingFound;
    }
    if let Err(e) = api.save_plugin_config(to_settings(&config)).await {
        tracing::error!(error = %e, "could not save the configuration imported from upstream 2.x");
        return Outcome::NothingFound;
    }
    record.imported_at = Some(now_ms());
    tracing::info!(
        services = record.services,
        agents = record.agents,
        skipped = record.skipped.len(),
        "imported upstream 2.x's configuration and agents"
    );
    for line in &record.skipped {
        tracing::info!("upstream import: {line}");
    }
    save_record(api, &record).await;
    Outcome::Imported(record)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn upstream_config() -> String {
        json!({
            "services": [
                {"id": "svc26charidxxxxxxxxxxxxxxx", "name": "OpenAI", "type": "openai", "apiKey": "sk-1",
                 "defaultModel": "gpt-4o", "useResponsesAPI": true, "fallbackServiceID": "other",
                 "loadTestMockConfig": {"profile": "read"}, "vertexProjectID": ""}
            ],
            "bots": [],
            "defaultBotName": "helper",
            "enableLLMTrace": true,
            "webSearch": {"enabled": true, "provider": "brave"},
            "futureSetting": {"on": true},
            "embeddingSearchConfig": {"type": "disabled"},
            "mcp": {"enabled": true, "servers": [], "embeddedServer": {"enabled": true}}
        })
        .to_string()
    }

    fn agent_row(name: &str, creator: &str) -> Value {
        json!({
            "id": format!("{name}-id"), "botuserid": "b", "creatorid": creator, "displayname": name.to_uppercase(),
            "username": name, "serviceid": "svc26charidxxxxxxxxxxxxxxx", "custominstructions": "be brief",
            "channelaccesslevel": 1, "channelids": "[\"c1\"]", "useraccesslevel": 0, "userids": "[]",
            "teamids": "[]", "adminuserids": if creator.is_empty() { "[]" } else { "[\"u2\"]" },
            "enabledtools": "[{\"server_origin\":\"https://mcp.example\",\"tool_name\":\"search\"}]",
            "autoenablenewmcptools": false, "model": "gpt-4o-mini", "enablevision": false,
            "disabletools": false, "enablednativetools": "[\"web_search\"]", "reasoningenabled": true,
            "reasoningeffort": "", "thinkingbudget": 0, "structuredoutputenabled": false,
            "maxtoolturns": 30, "createat": 1, "updateat": 2, "deleteat": 0, "futurecolumn": "x"
        })
    }

    #[test]
    fn services_and_agents_come_over_with_what_is_not_applied_named() {
        let up = Upstream {
            tables: vec![CONFIG_TABLE.into(), AGENTS_TABLE.into(), EMBEDDINGS_TABLE.into()],
            config: Some(upstream_config()),
            agents: vec![agent_row("helper", ""), agent_row("mine", "u1")],
            more_agents: false,
            conversations: 3,
            embeddings: 10,
        };
        let (cfg, rec) = map(&up).unwrap();
        assert_eq!((rec.services, rec.agents), (1, 2));
        assert_eq!(cfg.default_bot_name, "helper");
        assert!(cfg.enable_llm_trace);
        let mine = &cfg.bots[1];
        assert_eq!(mine.name, "mine");
        assert_eq!(mine.display_name, "MINE");
        assert_eq!(mine.service_id, cfg.services[0].id);
        assert_eq!(mine.channel_access_level, 1);
        assert_eq!(mine.channel_ids, vec!["c1"]);
        assert_eq!(mine.enabled_native_tools, vec!["web_search"]);
        assert_eq!(mine.reasoning_effort, "medium");
        assert!(!mine.enable_vision);
        assert_eq!(mine.extra["creatorID"], "u1");
        assert_eq!(mine.extra["adminUserIDs"], json!(["u2"]));
        assert_eq!(
            mine.extra["enabledMCPTools"],
            json!([{"server_origin": "https://mcp.example", "tool_name": "search"}])
        );
        assert_eq!(mine.extra["futurecolumn"], "x");
        assert!(mine.extra.get("deleteat").is_none());
        assert_eq!(cfg.services[0].fallback_service_id, "other");
        assert_eq!(cfg.services[0].extra["loadTestMockConfig"]["profile"], "read");
        assert_eq!(cfg.web_search.provider, "brave");
        assert_eq!(cfg.extra["futureSetting"]["on"], true);
        let text = rec.skipped.join("\n");
        for want in [
            "agent \"mine\": kept in the configuration but not applied here: adminUserIDs (1), creatorID",
            "settings kept in the configuration but not applied here: futureSetting",
            "service \"OpenAI\": kept but not applied here: loadTestMockConfig",
            "conversations (3)",
            "10 rows",
        ] {
            assert!(text.contains(want), "{want:?} missing from:\n{text}");
        }
        assert!(
            !text.contains("maxToolTurns"),
            "the default turn limit is not a setting: {text}"
        );
        assert!(rec.reindex_needed);
    }

    #[test]
    fn table_agents_win_over_configuration_bots_of_the_same_name() {
        let mut cfg: Value = serde_json::from_str(&upstream_config()).unwrap();
        cfg["bots"] = json!([
            {"name": "helper", "displayName": "Old", "serviceID": "svc26charidxxxxxxxxxxxxxxx"},
            {"name": "legacy", "displayName": "Legacy", "serviceID": "svc26charidxxxxxxxxxxxxxxx"}
        ]);
        let up = Upstream {
            config: Some(cfg.to_string()),
            agents: vec![agent_row("helper", ""), agent_row("helper", "u9")],
            more_agents: true,
            ..Default::default()
        };
        let (cfg, rec) = map(&up).unwrap();
        let names: Vec<(&str, &str)> = cfg
            .bots
            .iter()
            .map(|b| (b.name.as_str(), b.display_name.as_str()))
            .collect();
        assert_eq!(names, vec![("helper", "HELPER"), ("legacy", "Legacy")]);
        let text = rec.skipped.join("\n");
        assert!(text.contains("a second agent with this username"), "{text}");
        assert!(text.contains("only the first 100 agents"), "{text}");
        assert!(!rec.reindex_needed);
    }

    #[test]
    fn a_configuration_that_is_not_json_is_refused() {
        let up = Upstream {
            config: Some("{not json".into()),
            ..Default::default()
        };
        assert!(map(&up).is_err());
    }

    #[test]
    fn credentials_leave_connection_errors() {
        let s = crate::serverdb::redact("error connecting to postgres://mm:secret@db:5432/mm");
        assert!(!s.contains("secret"), "{s}");
        assert!(s.contains("@db:5432"), "{s}");
    }
}
