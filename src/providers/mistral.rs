//! Mistral, through its OpenAI-compatible Chat Completions endpoint.

use super::{Descriptor, ServiceType, Support, TokenCounting, Wire, flat};

pub static DESCRIPTOR: Descriptor = Descriptor {
    service_type: ServiceType::Mistral,
    label: "Mistral",
    fields: &[
        "apiKey",
        "apiURL",
        "defaultModel",
        "tokenLimit",
        "outputTokenLimit",
        "streamingTimeoutSeconds",
    ],
    required: &["apiKey"],
    wire: Wire::ChatCompletions,
    responses_api: false,
    tools: Support::Always,
    vision: Support::Never,
    reasoning: Support::Never,
    native_web_search: Support::Never,
    model_listing: false,
    token_counting: TokenCounting::Estimate,
    default_input_limit: flat::<128_000>,
};
