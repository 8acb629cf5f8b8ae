//! Tools an agent is offered (issue 15): the embedded Mattermost tools in a DM, run as the user
//! after approval or, when the admin's policy says so, without asking; a tool turned off is
//! not offered; remote servers' tools are named `<server>__<tool>` so two servers offering the
//! same name never collide, their lists are cached in the KV store, and the System Console and
//! the user can list them.

use crate::common::{Under, licensed};
use std::time::Duration;

use mattermost_simulator::fake_provider::{FakeProvider, Script, one_agent_config};
use mattermost_simulator::{Simulator, Transport};
use plugin_runtime::host::model::Post;
use rmcp::ErrorData;
use rmcp::handler::server::ServerHandler;
use rmcp::model::{
    CallToolRequestParams, CallToolResult, ContentBlock, ListToolsResult, PaginatedRequestParams,
    ServerCapabilities, ServerConfig, Tool,
};
use rmcp::service::{RequestContext, RoleServer};
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use serde_json::{Value, json};

use crate::common::http::{approve_pending_tools, get_json, post_json};

const BIN: &str = env!("CARGO_BIN_EXE_mattermost-ai");

in_process!(
    embedded_tools_ask_then_follow_the_admins_policy,
    remote_tools_never_collide_and_are_cached_and_listed,
    servers_that_hang_or_send_garbage_cost_only_their_tools,
    an_imported_agents_mcp_tool_list_is_its_limit
);

/// The model: a question naming a tool calls it; a tool result is answered with "Done: …".
pub(crate) async fn model() -> FakeProvider {
    let fake = FakeProvider::start(Vec::new()).await.unwrap();
    fake.route(|seen| {
        let messages = seen.body["messages"].as_array().cloned().unwrap_or_default();
        let system = messages.first().and_then(|m| m["content"].as_str()).unwrap_or("");
        let last = messages.last().cloned().unwrap_or(Value::Null);
        // The question as sent (plain text or parts): "call <tool>".
        let content = last["content"].to_string();
        let tool: Option<String> = content.find("call ").map(|at| {
            content[at + 5..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
                .collect()
        });
        Some(if system.starts_with("Write a title") {
            Script::chat_completion(&["Title"], 0, None)
        } else if last["role"] == "tool" {
            let result = last["content"].as_str().unwrap_or("").replace('\n', " ");
            Script::chat_completion(&[&format!("Done: {result}")], 0, None)
        } else if let Some(tool) = tool.filter(|t| !t.is_empty()) {
            let id = format!("call_{tool}");
            Script::chat_tool_calls(&[(&id, &tool, json!({}))])
        } else {
            Script::chat_completion(&["Hello."], 0, None)
        })
    });
    fake
}

pub(crate) fn offered(fake: &FakeProvider) -> Vec<String> {
    fake.seen()
        .into_iter()
        .rev()
        .find(|s| s.body["tools"].is_array())
        .map(|s| {
            s.body["tools"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["function"]["name"].as_str().unwrap_or("").to_owned())
                .collect()
        })
        .unwrap_or_default()
}

pub(crate) async fn wait_for(sim: &Simulator, what: &str, f: impl Fn(&Post) -> bool) -> Post {
    assert!(
        sim.wait_until(Duration::from_secs(20), |d| d.posts.values().any(&f))
            .await,
        "never saw {what}"
    );
    sim.data().posts.values().find(|p| f(p)).cloned().unwrap()
}

/// The tool calls recorded on a post (`pending_tool_call`, a JSON string or array).
pub(crate) fn tool_calls(p: &Post) -> Vec<Value> {
    let raw = p.props.get("pending_tool_call").cloned().unwrap_or(Value::Null);
    let list: Value = match raw {
        Value::String(s) => serde_json::from_str(&s).unwrap_or(Value::Null),
        v => v,
    };
    list.as_array().cloned().unwrap_or_default()
}

fn statuses(p: &Post) -> Vec<i64> {
    tool_calls(p)
        .iter()
        .map(|c| c["status"].as_i64().unwrap_or(-1))
        .collect()
}

/// A simulator whose agent uses `fake` and the MCP `servers`.
pub(crate) async fn with_servers(t: Transport, fake: &FakeProvider, servers: Value) -> Simulator {
    Simulator::builder(BIN)
        .under(t)
        .license(licensed())
        .plugin_config(one_agent_config(
            &fake.url,
            json!({}),
            json!({}),
            json!({"mcp": {"enabled": true, "servers": servers}}),
        ))
        .start()
        .await
        .unwrap()
}

async fn embedded_tools_ask_then_follow_the_admins_policy(t: Transport) {
    let fake = model().await;
    let mcp = |configs: Value| {
        one_agent_config(
            &fake.url,
            json!({}),
            json!({}),
            json!({"mcp": {"enabled": true, "embeddedServer": {"enabled": true, "tool_configs": configs}}}),
        )
    };
    let sim = Simulator::builder(BIN)
        .under(t)
        .license(licensed())
        .plugin_config(mcp(json!([])))
        .start()
        .await
        .unwrap();
    let (alice, token) = sim.add_user("alice", "system_user");
    let team = sim.add_team("eng");
    let town = sim.add_channel(&team.id, "town", "O");
    sim.add_member(&town.id, &alice.id);
    let bot = sim.bot_user_id("ai").unwrap();
    let dm = sim.direct_channel(&alice.id, &bot);

    // Default policy: asked, and run as alice only after she accepts.
    sim.post_as(&alice.id, &dm.id, "call get_user_channels", "")
        .await
        .unwrap();
    approve_pending_tools(&sim, &token, &["call_get_user_channels"]).await;
    let done = wait_for(&sim, "the answer after approval", |p| {
        p.message.starts_with("Done:")
    })
    .await;
    assert!(done.message.contains("town"), "{}", done.message);
    assert!(offered(&fake).contains(&"read_channel".to_owned()));

    // auto_run_in_dm: the call runs without asking.
    sim.save_plugin_config(mcp(
        json!([{"name": "get_team_info", "policy": "auto_run_in_dm", "enabled": true}]),
    ))
    .await
    .unwrap();
    sim.post_as(&alice.id, &dm.id, "call get_team_info", "")
        .await
        .unwrap();
    let auto = wait_for(&sim, "the automatic run", |p| {
        p.message.starts_with("Done:") && p.message.contains("team_id or team_name")
    })
    .await;
    let tool_post = sim.data().posts[auto.props["responding_to"].as_str().unwrap()].clone();
    assert_eq!(
        statuses(&tool_post),
        vec![3],
        "ran (as an error: no team given) without approval"
    );
    assert_eq!(tool_post.props.get("auto_tool_round"), Some(&json!(1)));

    // Turned off: not offered any more.
    sim.save_plugin_config(mcp(
        json!([{"name": "read_channel", "policy": "ask", "enabled": false}]),
    ))
    .await
    .unwrap();
    sim.post_as(&alice.id, &dm.id, "hello there", "").await.unwrap();
    wait_for(&sim, "a plain answer", |p| p.message == "Hello.").await;
    let names = offered(&fake);
    assert!(!names.contains(&"read_channel".to_owned()), "{names:?}");
    assert!(names.contains(&"read_post".to_owned()));
}

/// A remote server whose one tool, `lookup`, says which server it is.
#[derive(Clone)]
struct Named(&'static str);

impl ServerHandler for Named {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        let Value::Object(schema) = json!({"type": "object", "properties": {}}) else {
            return Err(ErrorData::internal_error("schema", None));
        };
        Ok(ListToolsResult::with_all_items(vec![Tool::new(
            "lookup",
            "Look something up",
            schema,
        )]))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<rmcp::model::CallToolResponse, ErrorData> {
        Ok(CallToolResult::success(vec![ContentBlock::text(format!(
            "{} answered {}",
            self.0, request.name
        ))])
        .into())
    }
}

async fn serve(name: &'static str) -> String {
    let handler = Named(name);
    let service = StreamableHttpService::new(
        move || Ok(handler.clone()),
        std::sync::Arc::new(LocalSessionManager::default()),
        StreamableHttpServerConfig::default(),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = axum::Router::new().nest_service("/mcp", service);
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}/mcp")
}

async fn remote_tools_never_collide_and_are_cached_and_listed(t: Transport) {
    let fake = model().await;
    let (a, b) = (serve("alpha").await, serve("beta").await);
    let sim = with_servers(
        t,
        &fake,
        json!([
            {"name": "alpha", "enabled": true, "baseURL": a},
            {"name": "beta one", "enabled": true, "baseURL": b},
        ]),
    )
    .await;
    let (alice, token) = sim.add_user("alice", "system_user");
    let (_admin, admin_token) = sim.add_user("root", "system_user system_admin");
    let bot = sim.bot_user_id("ai").unwrap();
    let dm = sim.direct_channel(&alice.id, &bot);

    sim.post_as(&alice.id, &dm.id, "hello", "").await.unwrap();
    wait_for(&sim, "a plain answer", |p| p.message == "Hello.").await;
    let names = offered(&fake);
    assert!(names.contains(&"alpha__lookup".to_owned()), "{names:?}");
    assert!(names.contains(&"beta_one__lookup".to_owned()), "{names:?}");
    {
        let d = sim.data();
        assert!(d.kv.contains_key("mcp_tools_cache_v1_alpha"));
        assert!(d.kv.contains_key("mcp_tools_cache_v1_beta one"));
    }

    // The model calls the second server's tool: that server runs its own `lookup`.
    sim.post_as(&alice.id, &dm.id, "call beta_one__lookup", "")
        .await
        .unwrap();
    approve_pending_tools(&sim, &token, &["call_beta_one__lookup"]).await;
    let done = wait_for(&sim, "the answer", |p| p.message.starts_with("Done:")).await;
    assert_eq!(done.message, "Done: beta answered lookup");

    // The System Console's list, and the user's.
    let listed = get_json(&sim, &admin_token, "/admin/mcp/tools").await;
    let servers = listed["servers"].as_array().unwrap();
    let names: Vec<&str> = servers.iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert_eq!(names, vec!["Built-in tools", "alpha", "beta one"], "{listed}");
    assert_eq!(servers[1]["tools"][0]["name"], "lookup");
    assert!(servers[1]["error"].is_null());
    assert_eq!(
        get_json(&sim, &token, "/admin/mcp/tools").await["servers"],
        Value::Null,
        "admins only"
    );
    let mine = get_json(&sim, &token, "/mcp/tools").await;
    let entry = mine["tools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "alpha__lookup")
        .cloned()
        .unwrap_or_else(|| panic!("{mine}"));
    assert_eq!(entry["server"], "alpha");
    assert_eq!(entry["policy"], "ask");

    let (status, cleared) = post_json(&sim, &admin_token, "/admin/mcp/tools/cache/clear", json!({})).await;
    assert_eq!(status, 200);
    assert_eq!(cleared["cleared_servers"], 2, "{cleared}");
    assert!(!sim.data().kv.keys().any(|k| k.starts_with("mcp_tools_cache_v1_")));
}

async fn servers_that_hang_or_send_garbage_cost_only_their_tools(t: Transport) {
    let fake = model().await;
    let good = serve("alpha").await;
    // Accepts connections and never answers.
    let hang = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hang_url = format!("http://{}/mcp", hang.local_addr().unwrap());
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = hang.accept().await {
            held.push(socket);
        }
    });
    // Answers everything with a web page.
    let garbage = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let garbage_url = format!("http://{}/mcp", garbage.local_addr().unwrap());
    let page = axum::Router::new().fallback(|| async {
        (
            [("content-type", "text/html")],
            "<html><body>{\"jsonrpc\": not really</body></html>",
        )
    });
    tokio::spawn(async move { axum::serve(garbage, page).await });

    let sim = with_servers(
        t,
        &fake,
        json!([
            {"name": "hang", "enabled": true, "baseURL": hang_url},
            {"name": "garbage", "enabled": true, "baseURL": garbage_url},
            {"name": "alpha", "enabled": true, "baseURL": good},
        ]),
    )
    .await;
    let (alice, _token) = sim.add_user("alice", "system_user");
    let bot = sim.bot_user_id("ai").unwrap();
    let dm = sim.direct_channel(&alice.id, &bot);
    for i in 0..2 {
        sim.post_as(&alice.id, &dm.id, &format!("hello {i}"), "")
            .await
            .unwrap();
        assert!(
            sim.wait_until(Duration::from_secs(30), |d| d
                .posts
                .values()
                .filter(|p| p.message == "Hello.")
                .count()
                > i)
                .await,
            "answer {i} never came"
        );
        let names = offered(&fake);
        assert!(names.contains(&"alpha__lookup".to_owned()), "{names:?}");
        assert!(
            !names
                .iter()
                .any(|n| n.starts_with("hang__") || n.starts_with("garbage__")),
            "{names:?}"
        );
    }
}

/// An agent imported from upstream 2.x with `autoEnableNewMCPTools` off keeps its
/// `enabledMCPTools` list as its limit (embedded and remote MCP tools); built-ins stay.
async fn an_imported_agents_mcp_tool_list_is_its_limit(t: Transport) {
    let fake = model().await;
    let (a, b) = (serve("alpha").await, serve("beta").await);
    let alpha_origin = a.trim_end_matches("/mcp").to_owned();
    let sim = Simulator::builder(BIN)
        .under(t)
        .license(licensed())
        .plugin_config(one_agent_config(
            &fake.url,
            json!({}),
            json!({"autoEnableNewMCPTools": false, "enabledMCPTools": [
                {"server_origin": "embedded://mattermost", "tool_name": "read_post"},
                {"server_origin": alpha_origin, "tool_name": "lookup"},
            ]}),
            json!({"mcp": {"enabled": true, "embeddedServer": {"enabled": true}, "servers": [
                {"name": "alpha", "enabled": true, "baseURL": a},
                {"name": "beta", "enabled": true, "baseURL": b},
            ]}}),
        ))
        .start()
        .await
        .unwrap();
    let (alice, _) = sim.add_user("alice", "system_user");
    let bot = sim.bot_user_id("ai").unwrap();
    let dm = sim.direct_channel(&alice.id, &bot);
    sim.post_as(&alice.id, &dm.id, "hello", "").await.unwrap();
    wait_for(&sim, "a plain answer", |p| p.message == "Hello.").await;
    let names = offered(&fake);
    for want in ["read_post", "alpha__lookup", "LookupMattermostUser"] {
        assert!(names.contains(&want.to_owned()), "{want} missing: {names:?}");
    }
    for not in ["create_post", "beta__lookup"] {
        assert!(!names.contains(&not.to_owned()), "{not} offered: {names:?}");
    }
}
