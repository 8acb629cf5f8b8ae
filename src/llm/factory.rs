//! One place that turns a configured service into a language model, so callers never match on
//! service types.

use std::sync::Arc;

use super::anthropic::Messages;
use super::asksage::AskSage;
use super::bedrock::Converse;
use super::openai::ChatCompletions;
use super::responses::Responses;
use super::{ErrorClass, LanguageModel, LlmError};
use crate::config::ServiceConfig;
use crate::outbound::OutboundClient;
use crate::providers::{self, Wire};

/// The model for a service, or why the service cannot be used: the provider's descriptor says
/// which wire format talks to it.
pub fn build(service: &ServiceConfig, http: OutboundClient) -> Result<Arc<dyn LanguageModel>, LlmError> {
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
    })
}
