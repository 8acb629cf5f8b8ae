//! Semantic search: posts split into chunks, embedded, stored with pgvector in the server's
//! PostgreSQL, and searched by meaning for the user who asks, never returning what that user
//! cannot read.

pub mod answer;
pub mod chunking;
pub mod health;
pub mod hybrid;
pub mod identity;
pub mod indexer;
pub mod live;
pub mod reindex;
pub mod schema;
pub mod store;
pub mod tool;

use std::collections::HashMap;
use std::sync::Arc;

use serde::Serialize;
use tokio::sync::Mutex;

use crate::answer::AnswerCore;
use crate::answer::tools::{Tool, ToolProvider};
use crate::config::{BotConfig, ServiceConfig, service_type};
use crate::llm::Embedder;
use crate::llm::embeddings::OpenAiEmbeddings;
use chunking::Chunking;
use plugin_runtime::host::MattermostApi;
use store::{Filter, ScanWidth, Store, StoreError};

pub const DEFAULT_MODEL: &str = "text-embedding-3-large";
pub const DEFAULT_DIMENSIONS: usize = 3072;
pub const DEFAULT_RESULTS: usize = 5;

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("semantic search is not configured")]
    Disabled,
    #[error("semantic search needs an Enterprise or Enterprise Advanced license")]
    NotLicensed,
    #[error("{0}")]
    Config(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("embedding: {0}")]
    Embedding(String),
    /// Search is configured but could not be set up (the reason is in the message).
    #[error("semantic search is unavailable: {0}")]
    Unavailable(String),
}

impl SearchError {
    /// What a user (or a model) is told; as `ApiError::for_user`, the whole error goes to the
    /// log, where the admin reads database errors and setup details (they can name hosts,
    /// tables and SQL).
    pub fn for_user(&self) -> String {
        match self {
            SearchError::Disabled | SearchError::NotLicensed | SearchError::Embedding(_) => self.to_string(),
            SearchError::Config(_) | SearchError::Store(_) | SearchError::Unavailable(_) => {
                tracing::error!(error = %self, "semantic search failed");
                "semantic search is unavailable right now; the server log has the details for your admin"
                    .into()
            }
        }
    }
}

/// One search result as the webapp and the `search_results` prop carry it (upstream's names).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RagResult {
    #[serde(rename = "postId")]
    pub post_id: String,
    #[serde(rename = "channelId")]
    pub channel_id: String,
    #[serde(rename = "channelName")]
    pub channel_name: String,
    #[serde(rename = "userId")]
    pub user_id: String,
    pub username: String,
    pub content: String,
    pub score: f64,
}

/// The semantic search feature: the search service for the configuration in force and the
/// live indexer that keeps it in step with the hooks.
pub struct SearchService {
    pub core: Arc<AnswerCore>,
    pub engine: Engine,
    pub live: live::LiveIndexer,
}

impl SearchService {
    pub fn new(core: Arc<AnswerCore>) -> Self {
        SearchService {
            core,
            engine: Engine::default(),
            live: live::LiveIndexer::default(),
        }
    }
}

impl std::ops::Deref for SearchService {
    type Target = AnswerCore;
    fn deref(&self) -> &AnswerCore {
        &self.core
    }
}

impl SearchService {
    /// Whether search runs, for the System Console: set up on first use, so asking sets it up
    /// and says why it cannot run.
    pub async fn status(&self) -> serde_json::Value {
        match self.engine.get(&self.core).await {
            Ok(s) => {
                serde_json::json!({"enabled": true, "ready": true, "indexedPosts": s.store.post_count().await.ok()})
            }
            Err(SearchError::Disabled) => serde_json::json!({"enabled": false, "ready": false}),
            Err(e) => serde_json::json!({"enabled": true, "ready": false, "error": e.to_string()}),
        }
    }
}

/// Agents search the server with `SearchServer` when search is set up.
#[async_trait::async_trait]
impl ToolProvider for SearchService {
    async fn tools_for(&self, _api: &dyn MattermostApi, _user_id: &str) -> Vec<Arc<dyn Tool>> {
        match self.engine.get(&self.core).await {
            Ok(search) => vec![Arc::new(tool::SearchServer(search))],
            Err(_) => Vec::new(),
        }
    }
}

#[async_trait::async_trait]
impl crate::answer::MessageSearch for SearchService {
    async fn search_messages(
        &self,
        api: &dyn MattermostApi,
        user_id: &str,
        query: &str,
        scope: &crate::answer::SearchScope,
        max: usize,
    ) -> Option<Result<Vec<crate::answer::FoundMessage>, String>> {
        let search = self.engine.get(&self.core).await.ok()?;
        let filter = store::Filter {
            team_id: scope.team_id.clone(),
            channel_id: scope.channel_id.clone(),
        };
        Some(
            search
                .search(api, user_id, None, query, &filter, max)
                .await
                .map(|found| {
                    found
                        .into_iter()
                        .map(|r| crate::answer::FoundMessage {
                            post_id: r.post_id,
                            channel_id: r.channel_id,
                            channel_name: r.channel_name,
                            username: r.username,
                            content: r.content,
                        })
                        .collect()
                })
                .map_err(|e| e.for_user()),
        )
    }
}

/// The search service for one configuration.
pub struct Search {
    pub store: Store,
    pub embedder: Arc<dyn Embedder>,
    pub chunking: Chunking,
    /// The model this configuration embeds with (compared with the index's).
    pub model: identity::ModelInfo,
    /// Vector results fused with full-text results (`parameters.hybrid`, on by default).
    pub hybrid: bool,
}

/// Holds the service for the current configuration and rebuilds it when that changes.
#[derive(Default)]
pub struct Engine {
    current: Mutex<Option<(String, Arc<Search>)>>,
    /// The last failed build (configuration, why, when): every post would otherwise retry it,
    /// and the admin would read the same error once per message.
    failed: Mutex<Option<(String, String, std::time::Instant)>>,
}

/// How often the index is swept for posts the server removed (data retention):
/// `MMAI_INDEX_SWEEP_SECONDS`, hourly by default.
fn sweep_interval() -> std::time::Duration {
    let secs = std::env::var("MMAI_INDEX_SWEEP_SECONDS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .filter(|s| *s > 0)
        .unwrap_or(3600);
    std::time::Duration::from_secs(secs)
}

/// The configuration in force when search is configured and licensed; why not otherwise.
fn configured(core: &AnswerCore) -> Result<Arc<crate::config::snapshot::Snapshot>, SearchError> {
    let snap = core.snapshot();
    let cfg = &snap.effective.config.embedding_search_config;
    if !cfg.enabled() {
        return Err(SearchError::Disabled);
    }
    if !snap.entitlements.embedding_search {
        return Err(SearchError::NotLicensed);
    }
    Ok(snap)
}

/// How long a failed setup is remembered before the next post tries again.
const RETRY_AFTER: std::time::Duration = std::time::Duration::from_secs(30);

impl Engine {
    /// The service for the configuration in force, or why there is none.
    pub async fn get(&self, core: &AnswerCore) -> Result<Arc<Search>, SearchError> {
        let snap = configured(core)?;
        let cfg = &snap.effective.config.embedding_search_config;
        let key = serde_json::to_string(cfg).unwrap_or_default();
        let mut current = self.current.lock().await;
        if let Some((k, s)) = current.as_ref()
            && *k == key
        {
            return Ok(s.clone());
        }
        let mut failed = self.failed.lock().await;
        if let Some((k, why, at)) = failed.as_ref()
            && *k == key
            && at.elapsed() < RETRY_AFTER
        {
            return Err(SearchError::Unavailable(why.clone()));
        }
        let api = core.api();
        let built = async {
            let search = Arc::new(build(core, api.as_ref(), cfg).await?);
            search.store.ensure_schema().await?;
            match identity::recorded(api.as_ref()).await {
                // An index from before models were recorded was built with this one.
                None => identity::record(api.as_ref(), &search.model).await,
                Some(built) => {
                    if let Some(why) = built.incompatibility(&search.model) {
                        return Err(SearchError::Unavailable(format!(
                            "{why}; run a full reindex to search with the new model"
                        )));
                    }
                }
            }
            Ok::<_, SearchError>(search)
        };
        match built.await {
            Ok(search) => {
                *failed = None;
                *current = Some((key, search.clone()));
                indexer::schedule_sweeps(Arc::downgrade(&search), sweep_interval());
                Ok(search)
            }
            Err(e) => {
                let why = e.to_string();
                if failed.as_ref().is_none_or(|(k, w, _)| *k != key || *w != why) {
                    tracing::error!(error = %why, "semantic search is configured but cannot run");
                }
                *failed = Some((key, why.clone(), std::time::Instant::now()));
                Err(SearchError::Unavailable(why))
            }
        }
    }
}

impl Engine {
    /// A service for the configuration in force that a full reindex can rebuild the index
    /// with, whatever state the index is in (another model, another size, no table).
    pub async fn for_rebuild(&self, core: &AnswerCore) -> Result<Arc<Search>, SearchError> {
        let snap = configured(core)?;
        Ok(Arc::new(
            build(
                core,
                core.api().as_ref(),
                &snap.effective.config.embedding_search_config,
            )
            .await?,
        ))
    }

    /// The index is (being) rebuilt by `search`'s model: recorded as the index's, and
    /// search is set up afresh for it (live indexing and the sweeps follow the new index).
    pub async fn adopt(&self, core: &AnswerCore, search: &Search) {
        identity::record(core.api().as_ref(), &search.model).await;
        *self.current.lock().await = None;
        *self.failed.lock().await = None;
        if let Err(e) = self.get(core).await {
            tracing::warn!(error = %e, "search could not be set up for the rebuilt index");
        }
    }
}

async fn build(
    core: &AnswerCore,
    api: &dyn MattermostApi,
    cfg: &crate::config::EmbeddingSearchConfig,
) -> Result<Search, SearchError> {
    let dims = usize::try_from(cfg.dimensions)
        .ok()
        .filter(|d| *d > 0)
        .unwrap_or(DEFAULT_DIMENSIONS);
    let p = &cfg.embedding_provider;
    let text = |k: &str| {
        p.parameters
            .get(k)
            .and_then(|v| v.as_str())
            .unwrap_or("")
            .to_owned()
    };
    let service_type = match p.kind.as_str() {
        "openai" => service_type::OPENAI,
        "openai-compatible" | "openaicompatible" => service_type::OPENAI_COMPATIBLE,
        "azure" => service_type::AZURE,
        other => {
            return Err(SearchError::Config(format!(
                "embeddingSearchConfig.embeddingProvider.type {other:?} is not supported (openai, openai-compatible, azure)"
            )));
        }
    };
    let model = Some(text("embeddingModel"))
        .filter(|m| !m.is_empty())
        .unwrap_or_else(|| DEFAULT_MODEL.into());
    let service = ServiceConfig {
        service_type: service_type.into(),
        api_key: text("apiKey"),
        api_url: text("apiURL"),
        default_model: model.clone(),
        ..Default::default()
    };
    let embedder = OpenAiEmbeddings::new(&service, &model, dims, core.outbound.clone())
        .map_err(|e| SearchError::Config(format!("embedding provider: {}", e.user_message())))?;
    let server = api
        .get_unsanitized_config()
        .await
        .map_err(|e| SearchError::Config(format!("reading the database settings: {e}")))?;
    let driver = server.get_str("SqlSettings.DriverName").unwrap_or("postgres");
    let source = server.get_str("SqlSettings.DataSource").unwrap_or("");
    if source.is_empty() {
        return Err(SearchError::Config(
            "the server's SqlSettings.DataSource is empty".into(),
        ));
    }
    let hybrid = cfg
        .parameters
        .get("hybrid")
        .and_then(|v| v.as_bool())
        .unwrap_or(true);
    // An admin may trade speed for recall: `parameters.efSearch`, pgvector's name for it.
    let width = match cfg.parameters.get("efSearch").and_then(|v| v.as_i64()) {
        Some(ef) if ef > 0 => ScanWidth::Fixed(ef),
        _ => ScanWidth::Adaptive,
    };
    Ok(Search {
        store: Store::connect(driver, source, dims)?.with_scan_width(width),
        embedder: Arc::new(embedder),
        chunking: Chunking::from_config(&cfg.chunking_options),
        model: identity::ModelInfo {
            provider_type: p.kind.clone(),
            model_name: model.clone(),
            dimensions: dims as i64,
            indexed_at: 0,
        },
        hybrid,
    })
}

impl Search {
    /// The posts nearest to `query` that `user_id` may see, best first, one result per post.
    ///
    /// Visibility is decided per result, never in SQL: the post is re-read through the plugin
    /// API and judged as it is now (its current channel, its current text), the user must be a
    /// member of that channel (membership, not the `read_channel` permission, which every
    /// system admin holds for every channel), and `bot`'s channel restriction applies (the
    /// agent answering must be allowed in that channel; DMs it is not part of are not its).
    pub async fn search(
        &self,
        api: &dyn MattermostApi,
        user_id: &str,
        bot: Option<(&BotConfig, &str)>,
        query: &str,
        filter: &Filter,
        max: usize,
    ) -> Result<Vec<RagResult>, SearchError> {
        let vectors = self
            .embedder
            .embed(&[query.to_owned()])
            .await
            .map_err(|e| SearchError::Embedding(e.user_message()))?;
        let Some(q) = vectors.into_iter().next() else {
            return Ok(Vec::new());
        };
        let mut visible: HashMap<String, Option<String>> = HashMap::new();
        let mut names: HashMap<String, String> = HashMap::new();
        let mut out: Vec<RagResult> = Vec::new();
        const PAGE: i64 = 50;
        // Pages of candidates until enough visible posts are found; what the user cannot see
        // is dropped here, so a crowded result list never leaks and never comes up short
        // while visible matches remain (within five pages).
        let terms = if self.hybrid {
            hybrid::text_query(query)
        } else {
            hybrid::TextQuery::default()
        };
        for page in 0..5 {
            let hits = if terms.is_empty() {
                self.store.nearest(&q, filter, PAGE, page * PAGE).await?
            } else {
                let depth = PAGE * (page + 1);
                self.store
                    .hybrid(&q, &terms, filter, depth, PAGE, page * PAGE)
                    .await?
            };
            let done = (hits.len() as i64) < PAGE;
            for h in hits {
                if out.len() >= max {
                    break;
                }
                if out.iter().any(|r| r.post_id == h.chunk.post_id) {
                    continue;
                }
                // The post as it is now: gone, moved or edited since it was indexed.
                let post = match api.get_post(&h.chunk.post_id).await {
                    Ok(p) if p.delete_at == 0 => p,
                    _ => continue,
                };
                if !post.message.contains(h.chunk.content.trim()) {
                    continue;
                }
                let channel = post.channel_id.clone();
                if filter.channel_id.as_ref().is_some_and(|c| *c != channel) {
                    continue;
                }
                if !visible.contains_key(&channel) {
                    let label = channel_label(api, user_id, bot, &channel, filter).await;
                    visible.insert(channel.clone(), label);
                }
                let Some(Some(channel_name)) = visible.get(&channel).cloned() else {
                    continue;
                };
                let username = match names.get(&post.user_id) {
                    Some(n) => n.clone(),
                    None => {
                        let n = api
                            .get_user(&post.user_id)
                            .await
                            .map(|u| u.username)
                            .unwrap_or_default();
                        names.insert(post.user_id.clone(), n.clone());
                        n
                    }
                };
                let channel_name = if h.chunk.total > 1 {
                    format!(
                        "{channel_name} (Chunk {} of {})",
                        h.chunk.index + 1,
                        h.chunk.total
                    )
                } else {
                    channel_name
                };
                out.push(RagResult {
                    post_id: post.id,
                    channel_id: channel,
                    channel_name,
                    user_id: post.user_id,
                    username,
                    content: h.chunk.content,
                    score: h.score,
                });
            }
            if done || out.len() >= max {
                break;
            }
        }
        Ok(out)
    }
}

/// The channel's name for results when `user_id` may see it here, None when not: the user is
/// a member, the agent may work there, and a team filter (checked on the channel as it is now)
/// matches.
async fn channel_label(
    api: &dyn MattermostApi,
    user_id: &str,
    bot: Option<(&BotConfig, &str)>,
    channel_id: &str,
    filter: &Filter,
) -> Option<String> {
    match api.get_channel_member(channel_id, user_id).await {
        Ok(_) => {}
        Err(e) if e.is_not_found() => return None,
        Err(e) => {
            tracing::warn!(error = %e, "search: could not check channel membership");
            return None;
        }
    }
    let c = api.get_channel(channel_id).await.ok()?;
    if let Some(team) = &filter.team_id
        && !c.team_id.is_empty()
        && c.team_id != *team
    {
        return None;
    }
    if let Some((bot, bot_user_id)) = bot
        && crate::agents::access::check_channel(bot, bot_user_id, &c).is_err()
    {
        return None;
    }
    Some(match c.channel_type.as_str() {
        "D" => "Direct Message".into(),
        "G" => "Group Message".into(),
        _ if !c.display_name.is_empty() => c.display_name,
        _ => c.name,
    })
}
