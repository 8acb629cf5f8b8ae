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

/// Runs each named test with the plugin's hooks in this process (no executable, no wire), for
/// tests of the plugin's domain; the transports have their own tests (runtime, api_clients,
/// conformance).
macro_rules! in_process {
    ($($name:ident),* $(,)?) => {
        mod in_process {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
               async fn $name() { super::$name(mattermost_simulator::Transport::InProcess).await } )*
        }
    };
}

/// A license that includes every feature (Enterprise).
#[allow(dead_code)]
pub fn licensed() -> plugin_runtime::host::model::License {
    plugin_runtime::host::model::License {
        id: "lic".into(),
        sku_short_name: "enterprise".into(),
        ..Default::default()
    }
}

/// `SimulatorBuilder::transport`, or a fresh in-process plugin for `Transport::InProcess`.
pub trait Under {
    fn under(self, t: mattermost_simulator::Transport) -> mattermost_simulator::SimulatorBuilder;
}

impl Under for mattermost_simulator::SimulatorBuilder {
    fn under(self, t: mattermost_simulator::Transport) -> mattermost_simulator::SimulatorBuilder {
        match t {
            mattermost_simulator::Transport::InProcess => match mattermost_ai::plugin::Plugin::new() {
                Ok(p) => self.in_process(std::sync::Arc::new(p)),
                Err(e) => panic!("the plugin could not start: {e}"),
            },
            other => self.transport(other),
        }
    }
}

// Requests as a logged-in user, and the tool approval flow; not every test file uses them all.
#[allow(dead_code)]
pub mod http {
    use std::time::Duration;

    use mattermost_simulator::Simulator;
    use plugin_runtime::host::model::Post;
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

// The test PostgreSQL (`DATABASE_URL`, started by scripts/pg-up.sh in `make test`).
#[allow(dead_code)]
pub mod db {
    use sqlx::Connection;

    /// A fresh database on the test server, so tests never see each other's rows.
    pub async fn database() -> String {
        let base = std::env::var("DATABASE_URL")
            .expect("DATABASE_URL must point at a PostgreSQL with pgvector (scripts/pg-up.sh starts one)");
        let mut admin = sqlx::PgConnection::connect(&base)
            .await
            .expect("connecting to DATABASE_URL");
        let name = format!("mmai_{}", mattermost_simulator::new_id());
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut admin)
            .await
            .expect("creating a test database");
        let (prefix, _) = base
            .rsplit_once('/')
            .expect("DATABASE_URL ends with a database name");
        format!("{prefix}/{name}")
    }

    /// The ids of the posts in the search index.
    pub async fn indexed(db: &str) -> Vec<String> {
        let Ok(mut c) = sqlx::PgConnection::connect(db).await else {
            return Vec::new();
        };
        sqlx::query_scalar("SELECT DISTINCT post_id FROM mmai_post_embeddings")
            .fetch_all(&mut c)
            .await
            .unwrap_or_default()
    }
}
/// Sends a request that must fail and returns the text streamed before the failure with the
/// error, whether it came before the first byte or mid-stream. Panics if the answer succeeds.
pub async fn failed_answer(
    model: &dyn mattermost_ai::llm::LanguageModel,
    request: &mattermost_ai::llm::Request,
) -> (String, mattermost_ai::llm::LlmError) {
    match model.stream(request).await {
        Err(e) => (String::new(), e),
        Ok(s) => {
            let (text, _, _, end) = mattermost_ai::llm::collect(s).await;
            match end {
                Err(e) => (text, e),
                Ok(reason) => panic!("the answer was expected to fail but ended with {reason:?}: {text}"),
            }
        }
    }
}
