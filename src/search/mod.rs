//! Semantic search: posts split into chunks, embedded, stored with pgvector in the server's
//! PostgreSQL, and searched by meaning for the user who asks, never returning what that user
//! cannot read.

pub mod answer;
pub mod chunking;
pub mod indexer;
pub mod store;

use std::collections::HashMap;
use std::sync::Arc;

use serde::Serialize;
use tokio::sync::Mutex;

use crate::config::{ServiceConfig, service_type};
use crate::host::MattermostApi;
use crate::llm::Embedder;
use crate::llm::embeddings::OpenAiEmbeddings;
use crate::plugin::Core;
use chunking::Chunking;
use store::{Filter, Store, StoreError};

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

/// The search service for one configuration.
pub struct Search {
    pub store: Store,
    pub embedder: Arc<dyn Embedder>,
    pub chunking: Chunking,
}

/// Holds the service for the current configuration and rebuilds it when that changes.
#[derive(Default)]
pub struct Engine {
    current: Mutex<Option<(String, Arc<Search>)>>,
    /// The last failed build (configuration, why, when): every post would otherwise retry it,
    /// and the admin would read the same error once per message.
    failed: Mutex<Option<(String, String, std::time::Instant)>>,
}

/// How long a failed setup is remembered before the next post tries again.
const RETRY_AFTER: std::time::Duration = std::time::Duration::from_secs(30);

impl Engine {
    /// The service for the configuration in force, or why there is none.
    pub async fn get(&self, core: &Core) -> Result<Arc<Search>, SearchError> {
        let snap = core.snapshot();
        let cfg = &snap.effective.config.embedding_search_config;
        if !cfg.enabled() {
            return Err(SearchError::Disabled);
        }
        if !snap.entitlements.embedding_search {
            return Err(SearchError::NotLicensed);
        }
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
        let api = core
            .api()
            .ok_or_else(|| SearchError::Config("the plugin API is not connected".into()))?;
        let built = async {
            let search = Arc::new(build(core, api.as_ref(), cfg).await?);
            search.store.ensure_schema().await?;
            Ok::<_, SearchError>(search)
        };
        match built.await {
            Ok(search) => {
                *failed = None;
                *current = Some((key, search.clone()));
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

async fn build(
    core: &Core,
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
    Ok(Search {
        store: Store::connect(driver, source, dims)?,
        embedder: Arc::new(embedder),
        chunking: Chunking::from_config(&cfg.chunking_options),
    })
}

impl Search {
    /// The posts nearest to `query` that `user_id` may read, best first, one result per post.
    pub async fn search(
        &self,
        api: &dyn MattermostApi,
        user_id: &str,
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
        let mut readable: HashMap<String, Option<String>> = HashMap::new();
        let mut names: HashMap<String, String> = HashMap::new();
        let mut out: Vec<RagResult> = Vec::new();
        const PAGE: i64 = 50;
        // Pages of candidates until enough readable posts are found; what the user cannot
        // read is dropped here, so a crowded result list never leaks and never comes up short
        // while readable matches remain (within five pages).
        for page in 0..5 {
            let hits = self.store.nearest(&q, filter, PAGE, page * PAGE).await?;
            let done = (hits.len() as i64) < PAGE;
            for h in hits {
                if out.len() >= max {
                    break;
                }
                if out.iter().any(|r| r.post_id == h.chunk.post_id) {
                    continue;
                }
                let channel = h.chunk.channel_id.clone();
                if !readable.contains_key(&channel) {
                    let name = channel_label(api, user_id, &channel).await;
                    readable.insert(channel.clone(), name);
                }
                let Some(Some(channel_name)) = readable.get(&channel).cloned() else {
                    continue;
                };
                // The post itself may be gone (a delete the index has not seen yet).
                match api.get_post(&h.chunk.post_id).await {
                    Ok(p) if p.delete_at == 0 => {}
                    _ => continue,
                }
                let username = match names.get(&h.chunk.user_id) {
                    Some(n) => n.clone(),
                    None => {
                        let n = api
                            .get_user(&h.chunk.user_id)
                            .await
                            .map(|u| u.username)
                            .unwrap_or_default();
                        names.insert(h.chunk.user_id.clone(), n.clone());
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
                    post_id: h.chunk.post_id,
                    channel_id: h.chunk.channel_id,
                    channel_name,
                    user_id: h.chunk.user_id,
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

/// The channel's name for results when `user_id` may read it, None when not.
async fn channel_label(api: &dyn MattermostApi, user_id: &str, channel_id: &str) -> Option<String> {
    let allowed = api
        .has_permission_to_channel(user_id, channel_id, "read_channel")
        .await
        .unwrap_or(false);
    if !allowed {
        return None;
    }
    let c = api.get_channel(channel_id).await.ok()?;
    Some(match c.channel_type.as_str() {
        "D" => "Direct Message".into(),
        "G" => "Group Message".into(),
        _ if !c.display_name.is_empty() => c.display_name,
        _ => c.name,
    })
}
