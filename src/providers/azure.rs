//! Azure OpenAI: OpenAI's models behind a resource's `apiURL`.

use super::{Descriptor, ServiceType, Support, TokenCounting, Wire};

pub static DESCRIPTOR: Descriptor = Descriptor {
    service_type: ServiceType::Azure,
    label: "Azure OpenAI",
    fields: &[
        "apiKey",
        "apiURL",
        "defaultModel",
        "tokenLimit",
        "outputTokenLimit",
        "streamingTimeoutSeconds",
        "sendUserId",
        "useResponsesAPI",
    ],
    required: &["apiKey", "apiURL"],
    wire: Wire::ChatCompletions,
    responses_api: true,
    tools: Support::Always,
    vision: Support::Always,
    reasoning: Support::WithResponsesApi,
    native_web_search: Support::WithResponsesApi,
    model_listing: true,
    token_counting: TokenCounting::OpenAiTokenizer,
    default_input_limit: super::openai::input_limit,
};
