//! Anthropic's Messages API.

use super::{Descriptor, ServiceType, Support, TokenCounting, Wire, flat};

pub static DESCRIPTOR: Descriptor = Descriptor {
    service_type: ServiceType::Anthropic,
    label: "Anthropic",
    fields: &[
        "apiKey",
        "apiURL",
        "defaultModel",
        "tokenLimit",
        "outputTokenLimit",
        "streamingTimeoutSeconds",
        "sendUserId",
    ],
    required: &["apiKey"],
    wire: Wire::AnthropicMessages,
    responses_api: false,
    tools: Support::Always,
    vision: Support::Always,
    reasoning: Support::Always,
    native_web_search: Support::Always,
    model_listing: true,
    token_counting: TokenCounting::Estimate,
    default_input_limit: flat::<200_000>,
};
