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
