//! Replacing upstream's Agents 2.x, which kept its configuration and agents in its own tables of
//! the server's database (`DATABASE_URL`, as the search tests): an unconfigured plugin imports
//! them once (saved as its configuration, bots synced, upstream's bot accounts reused) and the
//! configuration check reports what came over; a configured plugin imports nothing; a database
//! without upstream's tables, or one that cannot be reached, is no error. Upstream's rows are
//! never changed.

use crate::common::Under;
use std::time::Duration;

use mattermost_simulator::fake_provider::one_agent_config;
use mattermost_simulator::{Simulator, Transport};
use plugin_runtime::host::model::Bot;
use serde_json::{Value, json};
use sqlx::Connection;

use crate::common::db::database;
use crate::common::http::get_json;
use crate::common::licensed;

const BIN: &str = env!("CARGO_BIN_EXE_mattermost-ai");
const SERVICE_ID: &str = "k9d3mzq1sfb8tr7yw5xnoe4c2h";

in_process!(
    an_unconfigured_plugin_imports_upstreams_configuration_and_agents,
    a_configured_plugin_imports_nothing,
    no_upstream_tables_or_no_database_is_no_error
);

/// Upstream's schema as its migrations leave it (unquoted names, folded to lower case), with an
/// older inactive configuration, an admin's agent, a user's agent, a deleted agent, a
/// conversation and an embedding.
async fn seed_upstream(db: &str) {
    let mut c = sqlx::PgConnection::connect(db)
        .await
        .expect("connecting to the test database");
    let active = json!({
        "services": [{"id": SERVICE_ID, "name": "Upstream OpenAI", "type": "openai", "apiKey": "sk-upstream",
                      "defaultModel": "gpt-4o", "useResponsesAPI": true, "fallbackServiceID": "",
                      "vertexProjectID": "", "tokenLimit": 0, "streamingTimeoutSeconds": 0, "outputTokenLimit": 0}],
        "bots": [],
        "defaultBotName": "helper",
        "enableLLMTrace": false,
        "allowedUpstreamHostnames": "",
        "webSearch": {"enabled": true, "provider": "brave", "brave": {"apiKey": "brave-key"}},
        "futureSetting": {"on": true},
        "embeddingSearchConfig": {"type": "composite", "dimensions": 3,
            "vectorStore": {"type": "pgvector", "parameters": {}},
            "embeddingProvider": {"type": "openai", "parameters": {"apiKey": "sk-embed", "embeddingModel": "text-embedding-3-small"}},
            "chunkingOptions": {"chunkSize": 1000, "chunkOverlap": 200}},
        "mcp": {"enabled": true, "servers": [], "embeddedServer": {"enabled": true}}
    });
    let old = json!({"services": [{"id": "oldservice0000000000000000", "name": "Old", "type": "anthropic", "apiKey": "old"}]});
    let statements = [
        "CREATE EXTENSION IF NOT EXISTS vector".to_owned(),
        "CREATE TABLE Agents_ConfigHistory (ID VARCHAR(26) PRIMARY KEY, Config TEXT NOT NULL, CreateAt BIGINT NOT NULL, Active BOOLEAN NOT NULL DEFAULT false)".to_owned(),
        "CREATE TABLE Agents_UserAgents (
            ID VARCHAR(26) PRIMARY KEY, BotUserID VARCHAR(26) NOT NULL, CreatorID VARCHAR(26) NOT NULL,
            DisplayName VARCHAR(256) NOT NULL DEFAULT '', Username VARCHAR(64) NOT NULL, ServiceID VARCHAR(36) NOT NULL,
            CustomInstructions TEXT NOT NULL DEFAULT '', ChannelAccessLevel INT NOT NULL DEFAULT 0,
            ChannelIDs TEXT NOT NULL DEFAULT '[]', UserAccessLevel INT NOT NULL DEFAULT 0, UserIDs TEXT NOT NULL DEFAULT '[]',
            TeamIDs TEXT NOT NULL DEFAULT '[]', AdminUserIDs TEXT NOT NULL DEFAULT '[]', EnabledTools TEXT NOT NULL DEFAULT '[]',
            CreateAt BIGINT NOT NULL, UpdateAt BIGINT NOT NULL, DeleteAt BIGINT NOT NULL DEFAULT 0,
            Model VARCHAR(512) NOT NULL DEFAULT '', EnableVision BOOLEAN NOT NULL DEFAULT false,
            DisableTools BOOLEAN NOT NULL DEFAULT false, EnabledNativeTools TEXT NOT NULL DEFAULT '[]',
            ReasoningEnabled BOOLEAN NOT NULL DEFAULT true, ReasoningEffort VARCHAR(32) NOT NULL DEFAULT '',
            ThinkingBudget INT NOT NULL DEFAULT 0, StructuredOutputEnabled BOOLEAN NOT NULL DEFAULT false,
            AutoEnableNewMCPTools BOOLEAN NOT NULL DEFAULT true, MaxToolTurns INT NOT NULL DEFAULT 30)".to_owned(),
        "CREATE TABLE LLM_Conversations (ID TEXT PRIMARY KEY, UserID TEXT NOT NULL, BotID TEXT NOT NULL, ChannelID TEXT,
            RootPostID TEXT, Title TEXT NOT NULL DEFAULT '', SystemPrompt TEXT NOT NULL DEFAULT '',
            Operation TEXT NOT NULL DEFAULT '', CreatedAt BIGINT NOT NULL, UpdatedAt BIGINT NOT NULL, DeleteAt BIGINT NOT NULL DEFAULT 0)".to_owned(),
        "CREATE TABLE LLM_Turns (ID TEXT PRIMARY KEY, ConversationID TEXT NOT NULL, PostID TEXT, Role TEXT NOT NULL,
            Content JSONB NOT NULL, TokensIn BIGINT NOT NULL DEFAULT 0, TokensOut BIGINT NOT NULL DEFAULT 0,
            Sequence INTEGER NOT NULL, CreatedAt BIGINT NOT NULL)".to_owned(),
        "CREATE TABLE llm_posts_embeddings (id TEXT PRIMARY KEY, post_id TEXT NOT NULL, team_id TEXT NOT NULL,
            channel_id TEXT NOT NULL, user_id TEXT NOT NULL, content TEXT NOT NULL, embedding vector(3),
            created_at BIGINT NOT NULL, is_chunk BOOLEAN NOT NULL DEFAULT FALSE, chunk_index INTEGER, total_chunks INTEGER)".to_owned(),
        format!("INSERT INTO Agents_ConfigHistory VALUES ('oldconfig00000000000000000', '{old}', 1, false)"),
        format!("INSERT INTO Agents_ConfigHistory VALUES ('activeconfig00000000000000', '{active}', 2, true)"),
        format!("INSERT INTO Agents_UserAgents (ID, BotUserID, CreatorID, DisplayName, Username, ServiceID, CustomInstructions,
            ChannelAccessLevel, ChannelIDs, CreateAt, UpdateAt, EnableVision, EnabledNativeTools, ReasoningEffort)
            VALUES ('helperagent000000000000000', 'helperbot', '', 'Helper', 'helper', '{SERVICE_ID}', 'Answer briefly.',
            1, '[\"chan1\"]', 10, 10, true, '[\"web_search\"]', 'high')"),
        format!("INSERT INTO Agents_UserAgents (ID, BotUserID, CreatorID, DisplayName, Username, ServiceID,
            AdminUserIDs, EnabledTools, AutoEnableNewMCPTools, CreateAt, UpdateAt)
            VALUES ('mineagent00000000000000000', 'minebot', 'creatoruser', 'Mine', 'mine', '{SERVICE_ID}',
            '[\"coadmin\"]', '[{{\"server_origin\":\"https://mcp.example\",\"tool_name\":\"search\"}}]', false, 20, 20)"),
        format!("INSERT INTO Agents_UserAgents (ID, BotUserID, CreatorID, DisplayName, Username, ServiceID, CreateAt, UpdateAt, DeleteAt)
            VALUES ('goneagent00000000000000000', 'gonebot', 'creatoruser', 'Gone', 'gone', '{SERVICE_ID}', 5, 5, 99)"),
        "INSERT INTO LLM_Conversations VALUES ('conv1', 'u1', 'helperbot', 'c1', 'root1', 'A title', '', 'conversation', 1, 1, 0)".to_owned(),
        "INSERT INTO LLM_Turns VALUES ('turn1', 'conv1', 'root1', 'user', '{\"text\": \"hi\"}', 1, 0, 0, 1)".to_owned(),
        "INSERT INTO llm_posts_embeddings VALUES ('p1', 'p1', 't1', 'c1', 'u1', 'hello', '[1,0,0]', 1, false, NULL, NULL)".to_owned(),
    ];
    for s in statements {
        sqlx::raw_sql(sqlx::AssertSqlSafe(s))
            .execute(&mut c)
            .await
            .expect("seeding upstream's tables");
    }
}

/// Every upstream table's rows, as text, to compare before and after.
async fn upstream_rows(db: &str) -> Vec<String> {
    let mut c = sqlx::PgConnection::connect(db)
        .await
        .expect("connecting to the test database");
    let mut out = Vec::new();
    for t in [
        "agents_confighistory",
        "agents_useragents",
        "llm_conversations",
        "llm_turns",
        "llm_posts_embeddings",
    ] {
        let rows: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT t::text FROM {t} t ORDER BY 1"
        )))
        .fetch_all(&mut c)
        .await
        .expect("reading upstream's tables");
        out.push(format!("{t}: {rows:?}"));
    }
    out
}

/// A plugin on `db` with `config` saved, activated once the database settings are in place.
async fn start(t: Transport, db: &str, config: Option<Value>, before: impl FnOnce(&Simulator)) -> Simulator {
    let mut b = Simulator::builder(BIN)
        .under(t)
        .license(licensed())
        .without_activation();
    if let Some(c) = config {
        b = b.plugin_config(c);
    }
    let sim = b.start().await.unwrap_or_else(|e| panic!("start ({t:?}): {e}"));
    sim.data().server_config["SqlSettings"] = json!({"DriverName": "postgres", "DataSource": db});
    before(&sim);
    sim.conn.on_activate().await.expect("activation never fails");
    sim
}

fn saved_config(sim: &Simulator) -> Value {
    sim.data()
        .plugin_config
        .get("config")
        .cloned()
        .unwrap_or(Value::Null)
}

async fn check(sim: &Simulator) -> Value {
    let (_, token) = sim.add_user("sysadmin", "system_admin system_user");
    get_json(sim, &token, "/admin/config/check").await
}

async fn an_unconfigured_plugin_imports_upstreams_configuration_and_agents(t: Transport) {
    let db = database().await;
    seed_upstream(&db).await;
    let before = upstream_rows(&db).await;
    let mut helper_bot = String::new();
    let sim = start(t, &db, None, |sim| {
        // Upstream's bot account for its agent: the same plugin id owns it.
        let bot = sim
            .state
            .insert_bot(
                Bot {
                    username: "helper".into(),
                    display_name: "Helper".into(),
                    owner_id: "mattermost-ai".into(),
                    ..Default::default()
                },
                false,
            )
            .expect("upstream's bot");
        helper_bot = bot.user_id;
    })
    .await;

    let bots_ready = |d: &mattermost_simulator::Data| {
        ["helper", "mine"]
            .iter()
            .all(|n| d.bots.values().any(|b| &b.username == n && b.delete_at == 0))
            && d.plugin_config
                .get("config")
                .and_then(|c| c["services"].as_array())
                .is_some_and(|s| !s.is_empty())
    };
    assert!(
        sim.wait_until(Duration::from_secs(20), bots_ready).await,
        "upstream's agents never became bots: {:?}",
        saved_config(&sim)
    );

    let cfg = saved_config(&sim);
    assert_eq!(cfg["services"].as_array().map(Vec::len), Some(1), "{cfg}");
    assert_eq!(
        cfg["services"][0]["id"], SERVICE_ID,
        "the active configuration, not the old one"
    );
    assert_eq!(cfg["services"][0]["apiKey"], "sk-upstream");
    assert_eq!(cfg["defaultBotName"], "helper");
    assert_eq!(
        cfg["webSearch"]["provider"], "brave",
        "upstream's web search comes over: {cfg}"
    );
    assert_eq!(
        cfg["futureSetting"]["on"], true,
        "unknown settings are kept: {cfg}"
    );
    let bots = cfg["bots"].as_array().cloned().unwrap_or_default();
    let names: Vec<&str> = bots.iter().filter_map(|b| b["name"].as_str()).collect();
    assert_eq!(names, vec!["helper", "mine"], "the deleted agent stays behind");
    let helper = &bots[0];
    assert_eq!(helper["serviceID"], SERVICE_ID);
    assert_eq!(helper["displayName"], "Helper");
    assert_eq!(helper["customInstructions"], "Answer briefly.");
    assert_eq!(helper["channelAccessLevel"], 1);
    assert_eq!(helper["channelIDs"], json!(["chan1"]));
    assert_eq!(helper["enabledNativeTools"], json!(["web_search"]));
    assert_eq!(helper["reasoningEffort"], "high");
    let mine = &bots[1];
    assert_eq!(mine["creatorID"], "creatoruser");
    assert_eq!(mine["adminUserIDs"], json!(["coadmin"]));
    assert_eq!(
        mine["enabledMCPTools"],
        json!([{"server_origin": "https://mcp.example", "tool_name": "search"}])
    );
    assert_eq!(
        sim.bot_user_id("helper").as_deref(),
        Some(helper_bot.as_str()),
        "upstream's bot account is reused"
    );

    // The configuration in force is the imported one.
    let (_, admin) = sim.add_user("sysadmin", "system_admin system_user");
    let mut report = Value::Null;
    for _ in 0..100 {
        report = get_json(&sim, &admin, "/admin/config/check").await;
        if report["agents"]["configured"] == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        report["agents"]["configured"], 2,
        "the imported agents are in force: {report}"
    );
    let imported = &report["upstreamImport"];
    assert!(imported["importedAt"].as_i64().is_some_and(|t| t > 0), "{report}");
    assert_eq!(imported["services"], 1, "{report}");
    assert_eq!(imported["agents"], 2, "{report}");
    assert_eq!(imported["reindexNeeded"], true, "{report}");
    let skipped = imported["skipped"].to_string();
    for want in [
        "agent \\\"mine\\\"",
        "creatorID",
        "conversations (1)",
        "llm_posts_embeddings: 1 rows",
        "futureSetting",
    ] {
        assert!(skipped.contains(want), "{want:?} missing from {skipped}");
    }

    // Upstream's tables are exactly as they were.
    assert_eq!(upstream_rows(&db).await, before);

    // Once imported, a later activation brings nothing over again.
    sim.conn.on_activate().await.expect("activation never fails");
    sim.settle().await;
    let again = get_json(&sim, &admin, "/admin/config/check").await;
    assert_eq!(again["upstreamImport"]["importedAt"], imported["importedAt"]);
}

async fn a_configured_plugin_imports_nothing(t: Transport) {
    let db = database().await;
    seed_upstream(&db).await;
    let before = upstream_rows(&db).await;
    let mine = one_agent_config("http://127.0.0.1:9/v1", json!({}), json!({}), json!({}));
    let sim = start(t, &db, Some(mine.clone()), |_| {}).await;
    assert!(
        sim.wait_until(Duration::from_secs(20), |d| d.kv.contains_key("upstream_import"))
            .await,
        "the decision is recorded"
    );
    assert_eq!(
        saved_config(&sim),
        mine["config"],
        "the admin's configuration is untouched"
    );
    assert!(sim.bot_user_id("helper").is_none() && sim.bot_user_id("ai").is_some());
    let report = check(&sim).await;
    let imported = &report["upstreamImport"];
    assert_eq!(imported["importedAt"], Value::Null, "{report}");
    assert_eq!(
        (imported["services"].clone(), imported["agents"].clone()),
        (json!(0), json!(0))
    );
    assert!(
        imported["skipped"].to_string().contains("never overwritten"),
        "{report}"
    );
    assert_eq!(upstream_rows(&db).await, before);
}

async fn no_upstream_tables_or_no_database_is_no_error(t: Transport) {
    // A database without upstream's tables.
    let db = database().await;
    let sim = start(t, &db, None, |_| {}).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(saved_config(&sim), Value::Null, "nothing saved");
    assert!(!sim.data().kv.contains_key("upstream_import"));
    let report = check(&sim).await;
    assert_eq!(report["upstreamImport"], Value::Null, "{report}");
    assert_eq!(report["loadError"], Value::Null, "{report}");

    // A database that cannot be reached.
    let sim = start(t, "postgres://mm:secret@127.0.0.1:9/mm", None, |_| {}).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(saved_config(&sim), Value::Null);
    assert!(!sim.data().kv.contains_key("upstream_import"));
}
