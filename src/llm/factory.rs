//! One place that turns a configured service into a language model, so callers never match on
//! service types.

use std::sync::Arc;

use super::anthropic::Messages;
use super::asksage::AskSage;
use super::bedrock::Converse;
use super::openai::ChatCompletions;
use super::responses::Responses;
use super::{ErrorClass, LanguageModel, LlmError};
use crate::config::{ServiceConfig, service_type};
use crate::outbound::OutboundClient;

/// The model for a service, or why the service cannot be used.
pub fn build(service: &ServiceConfig, http: OutboundClient) -> Result<Arc<dyn LanguageModel>, LlmError> {
    match service.service_type.as_str() {
        service_type::OPENAI | service_type::AZURE | service_type::OPENAI_COMPATIBLE
            if service.use_responses_api =>
        {
            Ok(Arc::new(Responses::from_service(service, http)?))
        }
        service_type::OPENAI
        | service_type::AZURE
        | service_type::OPENAI_COMPATIBLE
        | service_type::COHERE
        | service_type::MISTRAL => Ok(Arc::new(ChatCompletions::from_service(service, http)?)),
        service_type::ANTHROPIC => Ok(Arc::new(Messages::from_service(service, http))),
        service_type::ASK_SAGE => Ok(Arc::new(AskSage::from_service(service, http))),
        service_type::BEDROCK => Ok(Arc::new(Converse::from_service(service, http)?)),
        other => Err(LlmError::new(
            ErrorClass::BadRequest,
            format!("service type {other:?} is not supported by this build"),
        )),
    }
}
