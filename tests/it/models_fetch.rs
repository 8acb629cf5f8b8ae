//! `POST /admin/models/fetch` through the simulated server, against fake OpenAI-style and
//! Anthropic model-list endpoints on 127.0.0.1.

use crate::common::Under;
use std::sync::{Arc, Mutex};

use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use mattermost_simulator::{Simulator, Transport};
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_mattermost-ai");

in_process!(lists_models_for_admins_only);

type Seen = Arc<Mutex<Vec<(String, http::HeaderMap)>>>;

async fn models(State(seen): State<Seen>, req: Request) -> Response {
    let uri = req.uri().to_string();
    let headers = req.headers().clone();
    seen.lock().unwrap().push((uri.clone(), headers.clone()));
    if headers.get("authorization").is_some_and(|v| v == "Bearer wrong") {
        return (
            http::StatusCode::UNAUTHORIZED,
            r#"{"error":{"message":"Incorrect API key provided"}}"#,
        )
            .into_response();
    }
    let body = if uri.contains("limit=") {
        if uri.contains("after_id=claude-b") {
            json!({"data": [{"id": "claude-c", "display_name": "Claude C"}], "has_more": false, "last_id": "claude-c"})
        } else {
            json!({"data": [{"id": "claude-b", "display_name": "Claude B"}, {"id": "claude-a", "display_name": ""}], "has_more": true, "last_id": "claude-b"})
        }
    } else {
        json!({"object": "list", "data": [{"id": "gpt-4o", "object": "model"}, {"id": "gpt-4.1", "object": "model"}]})
    };
    axum::Json(body).into_response()
}

async fn lists_models_for_admins_only(t: Transport) {
    let seen: Seen = Arc::default();
    let app = axum::Router::new().fallback(models).with_state(seen.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });

    let sim = Simulator::builder(BIN).under(t).start().await.unwrap();
    let (_, admin) = sim.add_user("root", "system_user system_admin");
    let (_, user) = sim.add_user("alice", "system_user");
    let http = reqwest::Client::new();
    let fetch = |token: String, body: Value| {
        let (http, url) = (http.clone(), sim.plugin_url("/admin/models/fetch"));
        async move {
            let r = http
                .post(url)
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .unwrap();
            (
                r.status().as_u16(),
                r.json::<Value>().await.unwrap_or(Value::Null),
            )
        }
    };

    let (status, body) = fetch(
        admin.clone(),
        json!({"serviceType": "openai", "apiKey": "sk-1", "apiURL": format!("{base}/v1"), "orgID": "org-9"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        json!([{"id": "gpt-4.1", "displayName": "gpt-4.1"}, {"id": "gpt-4o", "displayName": "gpt-4o"}])
    );
    {
        let s = seen.lock().unwrap();
        let (uri, headers) = s.last().unwrap();
        assert_eq!(uri, "/v1/models");
        assert_eq!(
            (
                headers["authorization"].to_str().unwrap(),
                headers["openai-organization"].to_str().unwrap()
            ),
            ("Bearer sk-1", "org-9")
        );
    }

    // Anthropic pages through has_more/last_id; an empty display name falls back to the id.
    let (status, body) = fetch(
        admin.clone(),
        json!({"serviceType": "anthropic", "apiKey": "ak", "apiURL": base}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let ids: Vec<&str> = body
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec!["claude-a", "claude-b", "claude-c"]);
    assert_eq!(body[0]["displayName"], "claude-a");
    assert_eq!(seen.lock().unwrap().last().unwrap().1["x-api-key"], "ak");

    // OpenAI-compatible needs no key; Azure asks its own path with api-key.
    let (status, _) = fetch(
        admin.clone(),
        json!({"serviceType": "openaicompatible", "apiURL": format!("{base}/v1")}),
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        seen.lock()
            .unwrap()
            .last()
            .unwrap()
            .1
            .get("authorization")
            .is_none()
    );
    let (status, _) = fetch(
        admin.clone(),
        json!({"serviceType": "azure", "apiKey": "az", "apiURL": base}),
    )
    .await;
    assert_eq!(status, 200);
    let (uri, headers) = seen.lock().unwrap().last().unwrap().clone();
    assert_eq!(
        (uri.as_str(), headers["api-key"].to_str().unwrap()),
        ("/openai/models?api-version=2025-04-01-preview", "az")
    );

    // Refusals and failures.
    assert_eq!(
        fetch(admin.clone(), json!({"serviceType": "cohere", "apiKey": "k"}))
            .await
            .0,
        400
    );
    assert_eq!(
        fetch(admin.clone(), json!({"serviceType": "openai", "apiURL": base}))
            .await
            .0,
        400,
        "key required"
    );
    let (status, body) = fetch(
        admin.clone(),
        json!({"serviceType": "openai", "apiKey": "wrong", "apiURL": format!("{base}/v1")}),
    )
    .await;
    assert_eq!(status, 502);
    assert!(body["error"].as_str().unwrap().contains("credentials"), "{body}");
    assert_eq!(
        fetch(user, json!({"serviceType": "openai", "apiKey": "k"}))
            .await
            .0,
        403
    );
    assert!(sim.shutdown().await.unwrap());
}
