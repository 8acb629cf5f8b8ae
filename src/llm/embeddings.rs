//! OpenAI-style embeddings (`POST {base}/embeddings`), served by OpenAI, Azure (deployment
//! URL) and compatible servers; for semantic search.

use serde_json::{Value, json};

use super::openai::{Endpoint, Flavor};
use super::{Embedder, ErrorClass, LlmError};
use crate::config::ServiceConfig;
use crate::outbound::{OutboundClient, Trust};

/// An embeddings answer is a few floats per input dimension as JSON text: 64 MiB holds a
/// batch of hundreds of large vectors and stops a server that never ends its answer.
const EMBEDDINGS_BODY_CAP: usize = 64 * 1024 * 1024;

const AZURE_API_VERSION: &str = "2024-10-21";

pub struct OpenAiEmbeddings {
    http: OutboundClient,
    ep: Endpoint,
    model: String,
    dimensions: usize,
}

impl OpenAiEmbeddings {
    pub fn new(
        service: &ServiceConfig,
        model: &str,
        dimensions: usize,
        http: OutboundClient,
    ) -> Result<Self, LlmError> {
        Ok(OpenAiEmbeddings {
            http: super::factory::service_client(service, &http),
            ep: Endpoint::from_service(service)?,
            model: model.to_owned(),
            dimensions,
        })
    }

    fn url(&self) -> String {
        match self.ep.flavor {
            Flavor::Azure => format!(
                "{}/openai/deployments/{}/embeddings?api-version={AZURE_API_VERSION}",
                self.ep.base_url, self.model
            ),
            _ => format!("{}/embeddings", self.ep.base_url),
        }
    }
}

#[async_trait::async_trait]
impl Embedder for OpenAiEmbeddings {
    async fn embed(&self, inputs: &[String]) -> Result<Vec<Vec<f32>>, LlmError> {
        if inputs.is_empty() {
            return Ok(Vec::new());
        }
        let mut body = json!({"model": self.model, "input": inputs, "encoding_format": "float"});
        if self.dimensions > 0 {
            body["dimensions"] = json!(self.dimensions);
        }
        let req = self
            .http
            .post(Trust::Configured, &self.url())
            .map_err(|e| LlmError::from(&e))?
            .json(&body);
        let resp = super::error::send_within(self.ep.authorize(req), self.ep.first_byte_timeout).await?;
        let status = resp.status().as_u16();
        let retry_after = super::error::retry_after(resp.headers());
        if !(200..300).contains(&status) {
            let text = crate::outbound::error_text(resp).await;
            return Err(LlmError::from_status(status, &text, retry_after));
        }
        let text = crate::outbound::text_capped(resp, EMBEDDINGS_BODY_CAP)
            .await
            .map_err(|e| LlmError::from(&e))?;
        let v: Value = serde_json::from_str(&text)
            .map_err(|_| LlmError::new(ErrorClass::Malformed, "the embeddings answer is not JSON"))?;
        let mut rows: Vec<(usize, Vec<f32>)> = v["data"]
            .as_array()
            .ok_or_else(|| LlmError::new(ErrorClass::Malformed, "the embeddings answer has no data"))?
            .iter()
            .enumerate()
            .map(|(i, d)| {
                let index = d["index"].as_u64().map(|n| n as usize).unwrap_or(i);
                let vector = d["embedding"]
                    .as_array()
                    .map(|a| a.iter().filter_map(Value::as_f64).map(|x| x as f32).collect())
                    .unwrap_or_default();
                (index, vector)
            })
            .collect();
        rows.sort_by_key(|(i, _)| *i);
        if rows.len() != inputs.len() || rows.iter().any(|(_, v)| v.is_empty()) {
            return Err(LlmError::new(
                ErrorClass::Malformed,
                format!("{} vectors for {} inputs", rows.len(), inputs.len()),
            ));
        }
        Ok(rows.into_iter().map(|(_, v)| v).collect())
    }

    fn dimensions(&self) -> usize {
        self.dimensions
    }
}
