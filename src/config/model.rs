//! The configuration JSON exactly as the System Console stores it under
//! `PluginSettings.Plugins["mattermost-ai"].config`. Field names are the webapp's spelling;
//! `normalize` maps any other casing (Go matches keys case-insensitively) onto them before
//! decoding. Keys we do not know are kept in `extra` so a save never loses them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Config {
    pub services: Vec<ServiceConfig>,
    pub bots: Vec<BotConfig>,
    pub default_bot_name: String,
    pub transcript_backend: String,
    #[serde(rename = "enableLLMTrace")]
    pub enable_llm_trace: bool,
    pub enable_token_usage_logging: bool,
    pub allowed_upstream_hostnames: String,
    pub allow_unsafe_links: bool,
    pub embedding_search_config: EmbeddingSearchConfig,
    pub mcp: McpConfig,
    /// Tools in channel threads (@mentions); off unless the admin turns it on.
    pub enable_channel_mention_tool_calling: bool,
    /// Policies of the built-in tools.
    pub builtin_tools: BuiltinTools,
    /// Daily and monthly token limits (our addition; upstream has none).
    pub token_quotas: TokenQuotas,
    /// Days of per-day usage kept for the usage page and the quotas; 0 means 400.
    pub usage_retention_days: i64,
    /// The built-in web search tools (upstream's `webSearch`).
    pub web_search: WebSearchConfig,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `WebSearch` and `WebSearchFetchSource`: upstream's `webSearch` object, same field names, so
/// an exported upstream configuration keeps working. `apiURL` replaces the provider's public
/// endpoint (a proxy, or a fake in tests), as a service's `apiURL` does.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct WebSearchConfig {
    pub enabled: bool,
    /// `google` or `brave`.
    pub provider: String,
    pub google: WebSearchGoogle,
    pub brave: WebSearchBrave,
    /// Domains whose pages are never returned nor fetched (their subdomains neither).
    pub domain_denylist: Vec<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct WebSearchGoogle {
    pub api_key: String,
    /// The Programmable Search Engine's `cx`.
    pub search_engine_id: String,
    pub result_limit: i64,
    #[serde(rename = "apiURL")]
    pub api_url: String,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `pollTimeout`/`pollInterval` drive upstream's use of Brave's summarizer; we keep them so a
/// save does not lose them, and use plain web results only.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct WebSearchBrave {
    pub api_key: String,
    #[serde(rename = "apiURL")]
    pub api_url: String,
    pub result_limit: i64,
    pub poll_timeout: i64,
    pub poll_interval: i64,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The keys are credentials: they stay out of debug output (and so out of logs).
impl std::fmt::Debug for WebSearchConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let secret = |s: &str| if s.is_empty() { "" } else { "<redacted>" };
        f.debug_struct("WebSearchConfig")
            .field("enabled", &self.enabled)
            .field("provider", &self.provider)
            .field("google_api_key", &secret(&self.google.api_key))
            .field("google_search_engine_id", &self.google.search_engine_id)
            .field("google_api_url", &self.google.api_url)
            .field("brave_api_key", &secret(&self.brave.api_key))
            .field("brave_api_url", &self.brave.api_url)
            .field("domain_denylist", &self.domain_denylist)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for WebSearchGoogle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebSearchGoogle").finish_non_exhaustive()
    }
}

impl std::fmt::Debug for WebSearchBrave {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebSearchBrave").finish_non_exhaustive()
    }
}

/// Token limits per user, per team and per agent, each daily and monthly (UTC days and
/// months); 0 means no limit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct TokenQuotas {
    pub enabled: bool,
    /// Users are told once per period when their usage passes this share of a limit.
    pub warn_at_percent: i64,
    /// System admins are held to the limits too (by default they are exempt).
    pub apply_to_admins: bool,
    pub per_user: TokenLimit,
    pub per_team: TokenLimit,
    pub per_agent: TokenLimit,
    /// Limits for one user, team or agent that replace the defaults above.
    pub overrides: Vec<TokenLimitOverride>,
}

impl Default for TokenQuotas {
    fn default() -> Self {
        TokenQuotas {
            enabled: false,
            warn_at_percent: 80,
            apply_to_admins: false,
            per_user: TokenLimit::default(),
            per_team: TokenLimit::default(),
            per_agent: TokenLimit::default(),
            overrides: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TokenLimit {
    pub daily: i64,
    pub monthly: i64,
}

/// `scope` is `user`, `team` or `agent`; `id` the user's, team's or agent's (bot user) id.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TokenLimitOverride {
    pub scope: String,
    pub id: String,
    pub daily: i64,
    pub monthly: i64,
}

/// Service types by their config spelling; the descriptors in `crate::providers` are the one
/// home of these strings and of everything else known about each provider.
pub mod service_type {
    use crate::providers::ServiceType;

    pub const OPENAI: &str = ServiceType::OpenAi.id();
    pub const OPENAI_COMPATIBLE: &str = ServiceType::OpenAiCompatible.id();
    pub const AZURE: &str = ServiceType::Azure.id();
    pub const ANTHROPIC: &str = ServiceType::Anthropic.id();
    pub const BEDROCK: &str = ServiceType::Bedrock.id();
    pub const COHERE: &str = ServiceType::Cohere.id();
    pub const MISTRAL: &str = ServiceType::Mistral.id();
    pub const ASK_SAGE: &str = ServiceType::AskSage.id();

    /// The name users see, e.g. in a bot's "Powered by …" description.
    pub fn display_name(t: &str) -> &str {
        crate::providers::descriptor(t).map_or(t, |d| d.label)
    }
}

#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ServiceConfig {
    pub id: String,
    pub name: String,
    #[serde(rename = "type")]
    pub service_type: String,
    pub api_key: String,
    pub org_id: String,
    #[serde(rename = "apiURL")]
    pub api_url: String,
    pub default_model: String,
    pub region: String,
    #[serde(rename = "awsAccessKeyID")]
    pub aws_access_key_id: String,
    pub aws_secret_access_key: String,
    /// Input token limit (the historical name); 0 means the provider's default.
    pub token_limit: i64,
    pub output_token_limit: i64,
    pub streaming_timeout_seconds: i64,
    pub send_user_id: bool,
    #[serde(rename = "useResponsesAPI")]
    pub use_responses_api: bool,
    /// Extra HTTP headers sent with every request to this service (a gateway's tenant or key
    /// header, say). Values are secrets like `apiKey`: never logged or shown to non-admins.
    #[serde(deserialize_with = "custom_headers_any")]
    pub custom_headers: Vec<CustomHeader>,
    /// Another service (upstream's name) that answers once when this one fails in a way
    /// another service can fix; its default model is used. One hop, never a chain.
    #[serde(rename = "fallbackServiceID")]
    pub fallback_service_id: String,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One admin-set request header of a service (`customHeaders[i]`).
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CustomHeader {
    pub name: String,
    pub value: String,
}

/// `customHeaders` as we write it (`[{name, value}]`), or as a name → value object, the shape
/// some forks of the Go plugin saved: a config from one must not fail to load. `null` is none.
fn custom_headers_any<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<CustomHeader>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Shape {
        List(Vec<CustomHeader>),
        Map(BTreeMap<String, String>),
        None(()),
    }
    Ok(match Shape::deserialize(d)? {
        Shape::List(list) => list,
        Shape::Map(map) => map
            .into_iter()
            .map(|(name, value)| CustomHeader { name, value })
            .collect(),
        Shape::None(()) => Vec::new(),
    })
}

/// The value may be a credential: only the name is printed.
impl std::fmt::Debug for CustomHeader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CustomHeader")
            .field("name", &self.name)
            .field("value", &"<redacted>")
            .finish()
    }
}

/// Secrets stay out of logs and debug output.
impl std::fmt::Debug for ServiceConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let secret = |s: &str| if s.is_empty() { "" } else { "<redacted>" };
        f.debug_struct("ServiceConfig")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("type", &self.service_type)
            .field("api_key", &secret(&self.api_key))
            .field("api_url", &self.api_url)
            .field("default_model", &self.default_model)
            .field("region", &self.region)
            .field("aws_access_key_id", &secret(&self.aws_access_key_id))
            .field("aws_secret_access_key", &secret(&self.aws_secret_access_key))
            .field("custom_headers", &self.custom_headers)
            .field("fallback_service_id", &self.fallback_service_id)
            .finish_non_exhaustive()
    }
}

/// Who may use an agent, and where (`channelAccessLevel` / `userAccessLevel`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum AccessLevel {
    #[default]
    All,
    Allow,
    Block,
    None,
}

impl AccessLevel {
    pub fn from_i64(v: i64) -> Option<Self> {
        Some(match v {
            0 => AccessLevel::All,
            1 => AccessLevel::Allow,
            2 => AccessLevel::Block,
            3 => AccessLevel::None,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct BotConfig {
    pub id: String,
    pub name: String,
    pub display_name: String,
    #[serde(rename = "serviceID")]
    pub service_id: String,
    pub model: String,
    pub custom_instructions: String,
    pub enable_vision: bool,
    pub disable_tools: bool,
    pub channel_access_level: i64,
    #[serde(rename = "channelIDs")]
    pub channel_ids: Vec<String>,
    pub user_access_level: i64,
    #[serde(rename = "userIDs")]
    pub user_ids: Vec<String>,
    #[serde(rename = "teamIDs")]
    pub team_ids: Vec<String>,
    /// Bytes read from a text attachment; 0 means the 5 MiB default.
    pub max_file_size: i64,
    pub enabled_native_tools: Vec<String>,
    pub reasoning_enabled: bool,
    pub reasoning_effort: String,
    pub thinking_budget: i64,
    /// Generation 1 embedded the service in the bot; migration moves it out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<ServiceConfig>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Default for BotConfig {
    /// The webapp's defaults for a new agent.
    fn default() -> Self {
        BotConfig {
            id: String::new(),
            name: String::new(),
            display_name: String::new(),
            service_id: String::new(),
            model: String::new(),
            custom_instructions: String::new(),
            enable_vision: true,
            disable_tools: false,
            channel_access_level: 0,
            channel_ids: Vec::new(),
            user_access_level: 0,
            user_ids: Vec::new(),
            team_ids: Vec::new(),
            max_file_size: 0,
            enabled_native_tools: Vec::new(),
            reasoning_enabled: true,
            reasoning_effort: "medium".into(),
            thinking_budget: 0,
            service: None,
            extra: Map::new(),
        }
    }
}

impl BotConfig {
    pub fn user_access(&self) -> AccessLevel {
        AccessLevel::from_i64(self.user_access_level).unwrap_or(AccessLevel::None)
    }
    pub fn channel_access(&self) -> AccessLevel {
        AccessLevel::from_i64(self.channel_access_level).unwrap_or(AccessLevel::None)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct EmbeddingSearchConfig {
    #[serde(rename = "type")]
    pub search_type: String,
    pub dimensions: i64,
    pub vector_store: TypedParameters,
    pub embedding_provider: TypedParameters,
    pub parameters: Map<String, Value>,
    pub chunking_options: ChunkingOptions,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl EmbeddingSearchConfig {
    /// The webapp's initial `"disabled"` means off too (upstream treated it as an error).
    pub fn enabled(&self) -> bool {
        !matches!(self.search_type.as_str(), "" | "disabled")
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TypedParameters {
    #[serde(rename = "type")]
    pub kind: String,
    pub parameters: Map<String, Value>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ChunkingOptions {
    pub chunk_size: i64,
    pub chunk_overlap: i64,
    pub min_chunk_size: f64,
    pub chunking_strategy: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct McpConfig {
    pub enabled: bool,
    pub enable_plugin_server: bool,
    pub idle_timeout_minutes: i64,
    pub embedded_server: EmbeddedServer,
    pub servers: Vec<McpServer>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct EmbeddedServer {
    pub enabled: bool,
    pub tool_configs: Vec<ToolConfig>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BuiltinTools {
    pub tool_configs: Vec<ToolConfig>,
}

/// An admin's decision about one tool (upstream's `tool_configs` entry). A tool without one
/// asks every time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ToolConfig {
    pub name: String,
    /// `ask`, `auto_run_in_dm` or `auto_run_everywhere` (`crate::config::ToolPolicy`).
    pub policy: String,
    pub enabled: bool,
}

impl Default for ToolConfig {
    fn default() -> Self {
        ToolConfig {
            name: String::new(),
            policy: String::new(),
            enabled: true,
        }
    }
}

#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct McpServer {
    pub name: String,
    pub enabled: bool,
    #[serde(rename = "baseURL")]
    pub base_url: String,
    pub headers: BTreeMap<String, String>,
    /// A client registered with the server's authorization server by the admin, for servers
    /// that do not offer dynamic registration.
    #[serde(rename = "clientID")]
    pub client_id: String,
    #[serde(rename = "clientSecret")]
    pub client_secret: String,
    pub tool_configs: Vec<ToolConfig>,
}

impl Default for McpServer {
    fn default() -> Self {
        McpServer {
            name: String::new(),
            enabled: true,
            base_url: String::new(),
            headers: BTreeMap::new(),
            client_id: String::new(),
            client_secret: String::new(),
            tool_configs: Vec::new(),
        }
    }
}

/// Header values and the client secret are credentials: they stay out of debug output.
impl std::fmt::Debug for McpServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let secret = |s: &str| if s.is_empty() { "" } else { "<redacted>" };
        f.debug_struct("McpServer")
            .field("name", &self.name)
            .field("enabled", &self.enabled)
            .field("base_url", &self.base_url)
            .field("headers", &self.headers.keys().collect::<Vec<_>>())
            .field("client_id", &self.client_id)
            .field("client_secret", &secret(&self.client_secret))
            .field("tool_configs", &self.tool_configs)
            .finish()
    }
}
