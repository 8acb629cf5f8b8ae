//! Google Gemini on Google AI Studio: an API key, the generateContent API.

use super::{Descriptor, ServiceType, Support, TokenCounting, Wire, flat};

pub static DESCRIPTOR: Descriptor = Descriptor {
    service_type: ServiceType::Gemini,
    label: "Google Gemini",
    fields: &[
        "apiKey",
        "apiURL",
        "defaultModel",
        "tokenLimit",
        "outputTokenLimit",
        "streamingTimeoutSeconds",
    ],
    required: &["apiKey"],
    wire: Wire::GoogleGenerateContent,
    responses_api: false,
    tools: Support::Always,
    vision: Support::Always,
    reasoning: Support::Always,
    native_web_search: Support::Always,
    model_listing: true,
    token_counting: TokenCounting::Estimate,
    // Current Gemini models take about a million input tokens.
    default_input_limit: flat::<1_048_576>,
};
