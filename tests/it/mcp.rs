//! MCP tools through the plugin, against a real MCP server (the rmcp SDK's streamable HTTP
//! server on 127.0.0.1): an agent in a DM is offered the server's tools, a call runs only after
//! the user approves it, the server sees who asked and the admin's headers, and a server that
//! is down costs its tools, not the answer. Both transports.

use crate::common::{Under, licensed};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use mattermost_simulator::fake_provider::{FakeProvider, Script, one_agent_config};
use mattermost_simulator::{Simulator, Transport};
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

use crate::common::http::approve_pending_tools;

const BIN: &str = env!("CARGO_BIN_EXE_mattermost-ai");

// Reads the plugin process's output.
both_transports!(mcp_tools_run_after_approval_as_the_asking_user);

/// What the weather server saw: (user header, org header, city) per call.
type Calls = Arc<Mutex<Vec<(String, String, String)>>>;

#[derive(Clone)]
struct Weather {
    calls: Calls,
}

impl ServerHandler for Weather {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        let schema =
            json!({"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]});
        let Value::Object(schema) = schema else {
            return Err(ErrorData::internal_error("schema", None));
        };
        Ok(ListToolsResult::with_all_items(vec![Tool::new(
            "get_weather",
            "The weather in a city today",
            schema,
        )]))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<rmcp::model::CallToolResponse, ErrorData> {
        let header = |name: &str| {
            context
                .extensions
                .get::<http::request::Parts>()
                .and_then(|p| p.headers.get(name))
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned()
        };
        let city = request
            .arguments
            .as_ref()
            .and_then(|a| a.get("city"))
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned();
        self.calls
            .lock()
            .map_err(|_| ErrorData::internal_error("lock", None))?
            .push((header("x-mattermost-userid"), header("x-org"), city.clone()));
        if city == "Flood" {
            // A hostile or broken server: an answer far beyond what the plugin reads.
            return Ok(CallToolResult::success(vec![ContentBlock::text("~".repeat(6 * 1024 * 1024))]).into());
        }
        Ok(CallToolResult::success(vec![ContentBlock::text(format!("Sunny, 21 °C in {city}"))]).into())
    }
}

async fn weather_server() -> (String, Calls) {
    let calls: Calls = Arc::default();
    let handler = Weather { calls: calls.clone() };
    let service = StreamableHttpService::new(
        move || Ok(handler.clone()),
        Arc::new(LocalSessionManager::default()),
        StreamableHttpServerConfig::default(),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = axum::Router::new().nest_service("/mcp", service);
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}/mcp"), calls)
}

async fn mcp_tools_run_after_approval_as_the_asking_user(t: Transport) {
    let (url, calls) = weather_server().await;
    let fake = FakeProvider::start(Vec::new()).await.unwrap();
    fake.route(|seen| {
        let messages = seen.body["messages"].as_array().cloned().unwrap_or_default();
        let system = messages.first().and_then(|m| m["content"].as_str()).unwrap_or("");
        let last = messages.last().cloned().unwrap_or(Value::Null);
        Some(if system.starts_with("Write a title") {
            Script::chat_completion(&["Weather"], 0, None)
        } else if last["role"] == "tool" {
            Script::chat_completion(&["It is sunny."], 0, None)
        } else if last["content"].to_string().contains("Flood") {
            Script::chat_tool_calls(&[("call_f", "weather__get_weather", json!({"city": "Flood"}))])
        } else if last["content"].to_string().contains("weather") {
            Script::chat_tool_calls(&[("call_w", "weather__get_weather", json!({"city": "Lisbon"}))])
        } else {
            Script::chat_completion(&["Hello."], 0, None)
        })
    });
    let mcp = json!({"enabled": true, "servers": [
        {"name": "weather", "enabled": true, "baseURL": url, "headers": {"X-Org": "acme"}},
        {"name": "down", "enabled": true, "baseURL": "http://127.0.0.1:9/mcp"},
    ]});
    let sim = Simulator::builder(BIN)
        .under(t)
        .license(licensed())
        .plugin_config(one_agent_config(
            &fake.url,
            json!({}),
            json!({}),
            json!({"mcp": mcp}),
        ))
        .start()
        .await
        .unwrap_or_else(|e| panic!("start ({t:?}): {e}"));
    let (alice, token) = sim.add_user("alice", "system_user");
    let bot = sim.bot_user_id("ai").unwrap();
    let dm = sim.direct_channel(&alice.id, &bot);

    sim.post_as(&alice.id, &dm.id, "What is the weather in Lisbon?", "")
        .await
        .unwrap();
    assert!(
        sim.wait_until(Duration::from_secs(20), |d| d
            .posts
            .values()
            .any(|p| p.props.contains_key("pending_tool_call")))
            .await
    );
    // Offered with its schema; nothing ran before approval; the dead server cost only itself.
    let first = fake
        .seen()
        .into_iter()
        .find(|s| s.body["tools"].is_array())
        .unwrap()
        .body;
    let offered = first["tools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["function"]["name"] == "weather__get_weather")
        .cloned()
        .expect("the MCP tool is offered");
    assert_eq!(offered["function"]["parameters"]["required"], json!(["city"]));
    assert!(calls.lock().unwrap().is_empty());

    approve_pending_tools(&sim, &token, &["call_w"]).await;
    assert!(
        sim.wait_until(Duration::from_secs(20), |d| d
            .posts
            .values()
            .any(|p| p.message == "It is sunny."))
            .await
    );
    assert_eq!(
        calls.lock().unwrap().clone(),
        vec![(alice.id.clone(), "acme".to_owned(), "Lisbon".to_owned())]
    );
    let followed = fake
        .seen()
        .into_iter()
        .filter_map(|s| s.body["messages"].as_array().and_then(|m| m.last()).cloned())
        .find(|m| m["role"] == "tool")
        .unwrap();
    assert!(
        followed["content"].to_string().contains("Sunny, 21 °C in Lisbon"),
        "{followed}"
    );
    // A result far beyond the cap is refused before it is parsed, and the model is told.
    sim.post_as(&alice.id, &dm.id, "And the weather in Flood?", "")
        .await
        .unwrap();
    let flood_pending = |d: &mattermost_simulator::Data| {
        d.posts
            .values()
            .find(|p| {
                p.props
                    .get("pending_tool_call")
                    .and_then(Value::as_str)
                    .is_some_and(|c| c.contains("call_f") && c.contains("\"status\":0"))
            })
            .map(|p| p.id.clone())
    };
    assert!(
        sim.wait_until(Duration::from_secs(20), |d| flood_pending(d).is_some())
            .await
    );
    let asked = flood_pending(&sim.data()).unwrap();
    let (status, body) = crate::common::http::post_json(
        &sim,
        &token,
        &format!("/post/{asked}/tool_call"),
        json!({"accepted_tool_ids": ["call_f"]}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let flooded = |d: &mattermost_simulator::Data| {
        d.posts.get(&asked).and_then(|p| {
            let calls: Value = serde_json::from_str(p.props.get("pending_tool_call")?.as_str()?).ok()?;
            (calls[0]["status"] != 0).then(|| calls[0].clone())
        })
    };
    assert!(
        sim.wait_until(Duration::from_secs(30), |d| flooded(d).is_some())
            .await
    );
    let decided = flooded(&sim.data()).unwrap();
    assert_eq!(decided["status"], 3, "{decided}");
    assert!(
        decided["result"]
            .as_str()
            .unwrap_or("")
            .contains("could not run the tool"),
        "{decided}"
    );

    // The unreachable server was tried once, not again for every answer that followed.
    let tries = sim
        .stderr_lines()
        .iter()
        .filter(|l| l.contains("MCP tools unavailable") && l.contains("down"))
        .count();
    assert_eq!(tries, 1, "{:?}", sim.stderr_lines());
}
