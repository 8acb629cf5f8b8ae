//! How complete and current the index is (`GET /admin/reindex/health-check`), in upstream's
//! field names plus what this plugin can also tell: posts edited since they were indexed and
//! chunks of posts the server no longer has.

use serde::Serialize;

use super::store::{Store, StoreError, TABLE, sql};
use super::{SearchError, SearchService, identity, reindex};

pub mod state {
    pub const HEALTHY: &str = "healthy";
    /// A few posts are missing or stale: a catch-up fixes it.
    pub const MISMATCH: &str = "mismatch";
    /// Many are missing, or the model changed: a full reindex.
    pub const NEEDS_REINDEX: &str = "needs_reindex";
    pub const NOT_CONFIGURED: &str = "not_configured";
    pub const ERROR: &str = "error";
}

#[derive(Debug, Clone, Serialize, Default, PartialEq)]
pub struct HealthCheckResult {
    pub status: String,
    pub db_post_count: i64,
    pub indexed_post_count: i64,
    pub missing_posts: i64,
    pub stale_posts: i64,
    pub orphaned_posts: i64,
    pub needs_catch_up: bool,
    pub model_compatible: bool,
    pub model_needs_reindex: bool,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub model_compat_reason: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub stored_provider_type: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub stored_model_name: String,
    pub stored_dimensions: i64,
    /// `ready`, `missing` (a load stopped before building it) or `building`.
    pub vector_index_state: String,
    pub checked_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Counts of one check, in one statement each over the server's Posts table and ours.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct Counts {
    pub server: i64,
    pub indexed: i64,
    pub missing: i64,
    pub stale: i64,
    pub orphaned: i64,
}

/// Which server posts belong in the index (as a reindex reads them).
const INDEXABLE: &str = "p.DeleteAt = 0 AND p.Type = '' AND p.Message <> ''
    AND NOT EXISTS (SELECT 1 FROM Bots b WHERE b.UserId = p.UserId)
    AND COALESCE(p.Props->>'from_bot', '') <> 'true'
    AND COALESCE(p.Props->>'from_webhook', '') <> 'true'
    AND COALESCE(p.Props->>'from_plugin', '') <> 'true'";

impl Store {
    pub async fn health_counts(&self) -> Result<Counts, StoreError> {
        let (server, missing): (i64, i64) = sqlx::query_as(sql(format!(
            "SELECT count(*), count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM {TABLE} e WHERE e.post_id = p.Id))
             FROM Posts p WHERE {INDEXABLE}"
        )))
        .fetch_one(self.pool())
        .await?;
        let (indexed, stale, orphaned): (i64, i64, i64) = sqlx::query_as(sql(format!(
            "SELECT count(*),
                    count(*) FILTER (WHERE p.Id IS NOT NULL AND p.DeleteAt = 0 AND p.EditAt > e.indexed_at),
                    count(*) FILTER (WHERE p.Id IS NULL OR p.DeleteAt <> 0)
             FROM (SELECT post_id, min(indexed_at) AS indexed_at FROM {TABLE} GROUP BY post_id) e
             LEFT JOIN Posts p ON p.Id = e.post_id"
        )))
        .fetch_one(self.pool())
        .await?;
        Ok(Counts {
            server,
            indexed,
            missing,
            stale,
            orphaned,
        })
    }
}

/// Missing or stale posts above this share (at least 10 posts) call for a reindex rather
/// than a catch-up (upstream's tolerance).
fn reindex_threshold(server: i64) -> i64 {
    (server / 100).max(10)
}

pub async fn check(core: &SearchService) -> HealthCheckResult {
    let mut out = HealthCheckResult {
        checked_at: time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default(),
        model_compatible: true,
        ..Default::default()
    };
    let search = match core.engine.for_rebuild(core).await {
        Ok(s) => s,
        Err(SearchError::Disabled | SearchError::NotLicensed) => {
            out.status = state::NOT_CONFIGURED.into();
            return out;
        }
        Err(e) => {
            out.status = state::ERROR.into();
            out.error = Some(e.for_user());
            return out;
        }
    };
    let api = core.api();
    if let Some(built) = identity::recorded(api.as_ref()).await {
        out.stored_provider_type = built.provider_type.clone();
        out.stored_model_name = built.model_name.clone();
        out.stored_dimensions = built.dimensions;
        if let Some(why) = built.incompatibility(&search.model) {
            out.model_compatible = false;
            out.model_needs_reindex = true;
            out.model_compat_reason = why;
        }
    }
    let building = reindex::job_status(api.as_ref()).await.is_some_and(|s| {
        s.status == reindex::status::RUNNING && s.phase.as_deref() == Some("building_index")
    });
    out.vector_index_state = match search.store.has_vector_index().await {
        _ if building => "building".into(),
        Ok(true) => "ready".into(),
        Ok(false) => "missing".into(),
        Err(_) => String::new(),
    };
    match search.store.health_counts().await {
        Ok(c) => {
            out.db_post_count = c.server;
            out.indexed_post_count = c.indexed;
            out.missing_posts = c.missing;
            out.stale_posts = c.stale;
            out.orphaned_posts = c.orphaned;
            let behind = c.missing + c.stale;
            out.needs_catch_up = behind > 0;
            out.status = if !out.model_compatible || behind > reindex_threshold(c.server) {
                state::NEEDS_REINDEX
            } else if behind > 0 || c.orphaned > 0 {
                state::MISMATCH
            } else {
                state::HEALTHY
            }
            .into();
        }
        Err(e) => {
            out.status = state::ERROR.into();
            out.error = Some(SearchError::from(e).for_user());
        }
    }
    out
}
