//! One place that turns a configured service into a language model, so callers never match on
//! service types.

use std::sync::Arc;

use super::anthropic::Messages;
use super::asksage::AskSage;
use super::bedrock::Converse;
use super::gemini::GenerateContent;
use super::openai::ChatCompletions;
use super::responses::Responses;
use super::{ErrorClass, LanguageModel, LlmError};
use crate::config::ServiceConfig;
use crate::outbound::OutboundClient;
use crate::providers::{self, Wire};

/// The model for a service, or why the service cannot be used: the provider's descriptor says
/// which wire format talks to it.
pub fn build(service: &ServiceConfig, http: OutboundClient) -> Result<Arc<dyn LanguageModel>, LlmError> {
    // Every wire format below gets the service's custom headers through its client.
    let http = service_client(service, &http);
    let Some(provider) = providers::descriptor(&service.service_type) else {
        return Err(LlmError::new(
            ErrorClass::BadRequest,
            format!(
                "service type {:?} is not supported by this build",
                service.service_type
            ),
        ));
    };
    Ok(match provider.wire {
        Wire::ChatCompletions if provider.responses_api && service.use_responses_api => {
            Arc::new(Responses::from_service(service, http)?)
        }
        Wire::ChatCompletions => Arc::new(ChatCompletions::from_service(service, http)?),
        Wire::AnthropicMessages => Arc::new(Messages::from_service(service, http)),
        Wire::AskSage => Arc::new(AskSage::from_service(service, http)),
        Wire::BedrockConverse => Arc::new(Converse::from_service(service, http)?),
        Wire::GoogleGenerateContent if provider.service_type == providers::ServiceType::Vertex => {
            Arc::new(GenerateContent::vertex(service, http)?)
        }
        Wire::GoogleGenerateContent => Arc::new(GenerateContent::gemini(service, http)),
    })
}

/// The outbound client for requests to `service`: the shared one plus the service's custom
/// headers. Everything that calls a service (answers, model listing, embeddings) goes through
/// here, so a new provider gets them without code of its own.
pub fn service_client(service: &ServiceConfig, http: &OutboundClient) -> OutboundClient {
    if service.custom_headers.is_empty() {
        return http.clone();
    }
    http.with_headers(crate::outbound::custom_headers(
        service
            .custom_headers
            .iter()
            .map(|h| (h.name.as_str(), h.value.as_str())),
    ))
}
