//! Which embedding model built the index. Vectors of two models are not comparable: a search
//! with one model's query vector over another's chunks returns noise, with no error. So the
//! model is recorded when the index is (re)built, and a configuration naming another model or
//! size is refused until a reindex, never mixed.

use serde::{Deserialize, Serialize};

use plugin_runtime::host::MattermostApi;

/// KV key of the model the index was built with (upstream's key and field names).
pub const MODEL_INFO_KEY: &str = "indexer_model_info";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct ModelInfo {
    pub provider_type: String,
    pub model_name: String,
    pub dimensions: i64,
    /// Milliseconds; when this model started building the index.
    #[serde(default)]
    pub indexed_at: i64,
}

impl ModelInfo {
    /// Why vectors of `self` (the index) and `wanted` (the configuration) do not mix, if they
    /// do not; the order is upstream's: provider, size, model.
    pub fn incompatibility(&self, wanted: &ModelInfo) -> Option<String> {
        if self.provider_type != wanted.provider_type {
            return Some(format!(
                "the index was built by the {:?} embedding provider and the configuration names {:?}",
                self.provider_type, wanted.provider_type
            ));
        }
        if self.dimensions != wanted.dimensions {
            return Some(format!(
                "the index holds {}-dimension vectors and the configuration asks for {}",
                self.dimensions, wanted.dimensions
            ));
        }
        if self.model_name != wanted.model_name {
            return Some(format!(
                "the index was built with the embedding model {:?} and the configuration names {:?}",
                self.model_name, wanted.model_name
            ));
        }
        None
    }
}

pub async fn recorded(api: &dyn MattermostApi) -> Option<ModelInfo> {
    let raw = api.kv_get(MODEL_INFO_KEY).await.ok()??;
    serde_json::from_slice(&raw).ok()
}

pub async fn record(api: &dyn MattermostApi, info: &ModelInfo) {
    let mut info = info.clone();
    info.indexed_at = crate::answer::mark::now_ms();
    if let Ok(b) = serde_json::to_vec(&info)
        && let Err(e) = api.kv_set(MODEL_INFO_KEY, &b).await
    {
        tracing::warn!(error = %e, "could not record the index's embedding model");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(p: &str, m: &str, d: i64) -> ModelInfo {
        ModelInfo {
            provider_type: p.into(),
            model_name: m.into(),
            dimensions: d,
            indexed_at: 0,
        }
    }

    #[test]
    fn any_change_of_provider_size_or_model_is_an_incompatibility() {
        let built = info("openai", "text-embedding-3-small", 1536);
        assert_eq!(
            built.incompatibility(&info("openai", "text-embedding-3-small", 1536)),
            None
        );
        assert!(
            built
                .incompatibility(&info("openai", "text-embedding-3-large", 1536))
                .unwrap()
                .contains("model")
        );
        assert!(
            built
                .incompatibility(&info("openai", "text-embedding-3-small", 512))
                .unwrap()
                .contains("512")
        );
        assert!(
            built
                .incompatibility(&info("azure", "text-embedding-3-small", 1536))
                .unwrap()
                .contains("provider")
        );
    }
}
