//! OAuth to a remote MCP server (issue 15, item 4), against a real OAuth 2.1 authorization
//! server from a maintained library: the official MCP Python SDK's authorization-server routes
//! (discovery metadata, dynamic registration, PKCE S256, tokens) in front of the SDK's MCP
//! server (tests/mcp/oauth_server.py). The user is told to connect, connects through the
//! plugin's start and callback routes, the agent then uses the server's tools with the user's
//! token, and the user disconnects. A stolen state, a hostile server's metadata and logs that
//! could leak tokens are tried too.

use std::process::Stdio;
use std::time::Duration;

use mattermost_simulator::{Simulator, Transport};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};

use crate::common::http::{approve_pending_tools, get_json};
use crate::mcp_tools::{model, offered, wait_for, with_servers};

const SERVER: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/mcp/oauth_server.py");

/// The Python server, running until dropped (its stdin closes).
struct Peer {
    url: String,
    _child: tokio::process::Child,
}

async fn peer(args: &[&str]) -> Peer {
    let dir = crate::mcp_server::sdk().to_owned();
    let mut child = tokio::process::Command::new("python3")
        .arg(SERVER)
        .args(args)
        .env("PYTHONPATH", dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("python3 runs");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let line = tokio::time::timeout(Duration::from_secs(60), lines.next_line())
        .await
        .expect("the OAuth peer starts")
        .unwrap()
        .unwrap_or_default();
    let url = line
        .strip_prefix("READY ")
        .expect("READY <url>")
        .trim()
        .to_owned();
    Peer { url, _child: child }
}

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The user starts connecting `server`: the authorization server's URL the plugin sends them to.
async fn start_connecting(sim: &Simulator, http: &reqwest::Client, token: &str, server: &str) -> String {
    let r = http
        .get(sim.plugin_url(&format!("/mcp/oauth/{server}/start")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 302, "{:?}", r.text().await);
    location(&r)
}

fn location(r: &reqwest::Response) -> String {
    r.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_connects_an_oauth_server_and_its_tools_run_with_their_token() {
    // Tokens that expire in two seconds, so the plugin must refresh them.
    let secure = peer(&["--access-token-ttl", "2"]).await;
    let hostile = peer(&["--hostile-metadata", "http://169.254.169.254/"]).await;
    let fake = model().await;
    let sim = with_servers(
        Transport::NetRpc,
        &fake,
        json!([
            {"name": "secure", "enabled": true, "baseURL": secure.url},
            {"name": "evil", "enabled": true, "baseURL": hostile.url},
        ]),
    )
    .await;
    let (alice, token) = sim.add_user("alice", "system_user");
    let (_bob, bob_token) = sim.add_user("bob", "system_user");
    let bot = sim.bot_user_id("ai").unwrap();
    let dm = sim.direct_channel(&alice.id, &bot);

    // Not connected: no tools from it, and the agent says privately where to connect.
    sim.post_as(&alice.id, &dm.id, "hello", "").await.unwrap();
    wait_for(&sim, "a plain answer", |p| p.message == "Hello.").await;
    assert!(!offered(&fake).iter().any(|n| n.starts_with("secure__")));
    let notice = sim
        .data()
        .ephemeral
        .iter()
        .find(|(u, p)| *u == alice.id && p.message.contains("/mcp/oauth/secure/start"))
        .map(|(_, p)| p.message.clone())
        .expect("a notice with the connect link");
    assert!(notice.contains("connect your account"), "{notice}");
    let mine = get_json(&sim, &token, "/mcp/tools").await;
    let secure_entry = mine["servers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "secure")
        .cloned()
        .unwrap_or_else(|| panic!("{mine}"));
    assert_eq!(secure_entry["needsOAuth"], true);

    // Start: to the authorization server, with PKCE and the plugin's callback.
    let http = no_redirects();
    let authorize = start_connecting(&sim, &http, &token, "secure").await;
    let origin = secure.url.trim_end_matches("/mcp");
    assert!(
        authorize.starts_with(&format!("{origin}/authorize?")),
        "{authorize}"
    );
    for part in [
        "code_challenge_method=S256",
        "code_challenge=",
        "state=",
        "client_id=",
    ] {
        assert!(authorize.contains(part), "{part} missing: {authorize}");
    }
    assert!(authorize.contains("oauth%2Fcallback"), "{authorize}");

    // The authorization server approves and sends the browser back with a code.
    let r = http.get(&authorize).send().await.unwrap();
    assert_eq!(r.status(), 302);
    let back = location(&r);
    let query = back.split_once('?').map(|(_, q)| q.to_owned()).expect("a query");
    assert!(query.contains("code="), "{back}");

    // Someone else presenting alice's code and state is refused, and the code stays unused.
    let r = http
        .get(sim.plugin_url(&format!("/oauth/callback?{query}")))
        .bearer_auth(&bob_token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("started by someone else"));

    let r = http
        .get(sim.plugin_url(&format!("/oauth/callback?{query}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("connected to secure"));
    let stored_key = format!("mcp_oauth_token_v1_{}_secure", alice.id);
    let stored: Value = serde_json::from_slice(&sim.data().kv[&stored_key].value).unwrap();
    let access = stored["token_response"]["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(!access.is_empty());

    // Connected: the tools are offered and run with alice's token, refreshed once it expired.
    tokio::time::sleep(Duration::from_secs(3)).await;
    sim.post_as(&alice.id, &dm.id, "call secure__whoami", "")
        .await
        .unwrap();
    approve_pending_tools(&sim, &token, &["call_secure__whoami"]).await;
    let done = wait_for(&sim, "the tool's answer", |p| p.message.starts_with("Done:")).await;
    assert!(done.message.contains("authorized client"), "{}", done.message);
    let mine = get_json(&sim, &token, "/mcp/tools").await;
    assert!(
        mine["tools"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["name"] == "secure__whoami"),
        "{mine}"
    );
    let refreshed: Value = serde_json::from_slice(&sim.data().kv[&stored_key].value).unwrap();
    let current = refreshed["token_response"]["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(current, access, "the expired token was refreshed");

    // A hostile server naming a link-local authorization server gets no request sent there.
    let r = http
        .get(sim.plugin_url("/mcp/oauth/evil/start"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400, "{:?}", r.text().await);

    // Disconnect: the tokens are gone.
    let r = http
        .delete(sim.plugin_url("/mcp/oauth/secure"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(!sim.data().kv.contains_key(&stored_key));
    // ... and revoked at the authorization server: the last token no longer opens the server.
    let r = reqwest::Client::new()
        .post(&secure.url)
        .bearer_auth(&current)
        .header("accept", "application/json, text/event-stream")
        .json(&json!({"jsonrpc": "2.0", "id": 1, "method": "ping"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        401,
        "the token still works after disconnecting: {:?}",
        sim.stderr_lines()
            .iter()
            .filter(|l| l.contains("revoke"))
            .collect::<Vec<_>>()
    );

    // Tokens never reach the logs.
    let logs = sim.stderr_lines().join("\n");
    assert!(!logs.contains(&access), "the access token was logged");
    assert!(!logs.contains(&current), "the refreshed token was logged");
    if let Some(refresh) = stored["token_response"]["refresh_token"].as_str() {
        assert!(!logs.contains(refresh), "the refresh token was logged");
    }
}

/// A server whose authorization server the admin registered the plugin with by hand: the
/// configured client ID and secret are used, nothing is registered dynamically.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admins_client_is_used_instead_of_registering_one() {
    let secure = peer(&[]).await;
    let origin = secure.url.trim_end_matches("/mcp").to_owned();
    let registered: Value = reqwest::Client::new()
        .post(format!("{origin}/register"))
        .json(&json!({
            "client_name": "Mattermost (registered by the admin)",
            "redirect_uris": ["http://localhost:8065/plugins/mattermost-ai/oauth/callback"],
            "grant_types": ["authorization_code", "refresh_token"],
            "response_types": ["code"],
            "token_endpoint_auth_method": "client_secret_post",
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let client_id = registered["client_id"].as_str().unwrap().to_owned();
    let secret = registered["client_secret"].as_str().unwrap().to_owned();
    let fake = model().await;
    let sim = with_servers(
        Transport::NetRpc,
        &fake,
        json!([{
            "name": "secure", "enabled": true, "baseURL": secure.url,
            "clientID": client_id, "clientSecret": secret,
        }]),
    )
    .await;
    let (alice, token) = sim.add_user("alice", "system_user");
    let bot = sim.bot_user_id("ai").unwrap();
    let dm = sim.direct_channel(&alice.id, &bot);
    sim.post_as(&alice.id, &dm.id, "hello", "").await.unwrap();
    wait_for(&sim, "a plain answer", |p| p.message == "Hello.").await;

    let http = no_redirects();
    let authorize = start_connecting(&sim, &http, &token, "secure").await;
    assert!(
        authorize.contains(&format!("client_id={client_id}")),
        "{authorize}"
    );
    let back = location(&http.get(&authorize).send().await.unwrap());
    let query = back.split_once('?').map(|(_, q)| q.to_owned()).expect("a query");
    let r = http
        .get(sim.plugin_url(&format!("/oauth/callback?{query}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        200,
        "{:?} {:?}",
        r.text().await,
        sim.stderr_lines()
            .iter()
            .filter(|l| l.contains("exchange"))
            .collect::<Vec<_>>()
    );
    {
        let d = sim.data();
        assert!(d.kv.contains_key(&format!("mcp_oauth_token_v1_{}_secure", alice.id)));
        assert!(
            !d.kv.keys().any(|k| k.starts_with("mcp_oauth_client_v2_")),
            "nothing was registered dynamically"
        );
    }
    // Disconnecting revokes with the admin's client (secret in the body, as registered).
    let r = http
        .delete(sim.plugin_url("/mcp/oauth/secure"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let logs = sim.stderr_lines().join("\n");
    assert!(!logs.contains("could not revoke"), "{logs}");
    // The secret is the admin's: never logged.
    assert!(!logs.contains(&secret));
}
