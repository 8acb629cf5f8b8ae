//! The integration tests, built as one binary: each module drives the plugin through a real
//! interface (the executable under the simulator over both transports, HTTP, SQL, a real peer).

#[macro_use]
mod common;
mod actions;
mod agents;
mod api_clients;
mod bridge;
mod channel_tools;
mod cluster;
mod config_listeners;
mod conversations;
mod fallback;
mod i18n;
mod layering;
mod llm_anthropic;
mod llm_asksage;
mod llm_bedrock;
mod llm_embeddings;
mod llm_gemini;
mod llm_openai;
mod llm_responses;
mod malformed_input;
mod mcp;
mod mcp_oauth;
mod mcp_server;
mod mcp_tools;
mod mobile_contract;
mod models_fetch;
mod observability;
mod outbound;
mod permissions;
mod properties;
mod runtime;
mod search;
mod search_jobs;
mod service_headers;
mod upstream_import;
mod usage;
mod web_search;
