//! Ask Sage: one whole answer per request (no streaming, no tools).

use super::{Descriptor, ServiceType, Support, TokenCounting, Wire, flat};

pub static DESCRIPTOR: Descriptor = Descriptor {
    service_type: ServiceType::AskSage,
    label: "Ask Sage",
    fields: &["apiKey", "apiURL", "defaultModel"],
    required: &["apiKey"],
    wire: Wire::AskSage,
    responses_api: false,
    tools: Support::Never,
    vision: Support::Never,
    reasoning: Support::Never,
    native_web_search: Support::Never,
    model_listing: false,
    token_counting: TokenCounting::Estimate,
    default_input_limit: flat::<128_000>,
};
