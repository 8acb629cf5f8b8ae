//! Shared by the integration tests: run a test body once per transport.

/// Runs each listed `async fn name(t: Transport)` under net/rpc and under gRPC, so a feature
/// cannot work on one transport and silently fail on the other.
#[macro_export]
macro_rules! both_transports {
    ($($name:ident),* $(,)?) => {
        mod netrpc {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
               async fn $name() { super::$name(mattermost_simulator::Transport::NetRpc).await } )*
        }
        mod grpc {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
               async fn $name() { super::$name(mattermost_simulator::Transport::Grpc).await } )*
        }
    };
}

// Requests as a logged-in user, and the tool approval flow; not every test file uses them all.
#[allow(dead_code)]
pub mod http {
    use std::time::Duration;

    use mattermost_ai::host::model::Post;
    use mattermost_simulator::Simulator;
    use serde_json::{Value, json};

    /// POSTs JSON to a plugin route; the status and the JSON answer (Null when not JSON).
    pub async fn post_json(sim: &Simulator, token: &str, path: &str, body: Value) -> (u16, Value) {
        let r = reqwest::Client::new()
            .post(sim.plugin_url(path))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .expect("the simulated server answers");
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// GETs a plugin route's JSON answer (Null when not JSON).
    pub async fn get_json(sim: &Simulator, token: &str, path: &str) -> Value {
        reqwest::Client::new()
            .get(sim.plugin_url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("the simulated server answers")
            .json()
            .await
            .unwrap_or(Value::Null)
    }

    /// Waits for the agent's post asking to run tools, then accepts `accepted` as the asker.
    pub async fn approve_pending_tools(sim: &Simulator, token: &str, accepted: &[&str]) -> Post {
        let pending = |p: &&Post| p.props.contains_key("pending_tool_call");
        assert!(
            sim.wait_until(Duration::from_secs(20), |d| d.posts.values().any(|p| pending(&p)))
                .await,
            "no tool call to approve"
        );
        let asked = sim
            .data()
            .posts
            .values()
            .find(pending)
            .cloned()
            .expect("a pending tool call");
        let (status, body) = post_json(
            sim,
            token,
            &format!("/post/{}/tool_call", asked.id),
            json!({"accepted_tool_ids": accepted}),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        asked
    }
}
