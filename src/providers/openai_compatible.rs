//! Any server speaking OpenAI's API at `apiURL` (vLLM, Ollama, LiteLLM, …); a key is optional.

use super::{Descriptor, ServiceType, Support, TokenCounting, Wire, flat};

pub static DESCRIPTOR: Descriptor = Descriptor {
    service_type: ServiceType::OpenAiCompatible,
    label: "OpenAI Compatible",
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
    required: &["apiURL"],
    wire: Wire::ChatCompletions,
    responses_api: true,
    tools: Support::Always,
    vision: Support::Always,
    reasoning: Support::WithResponsesApi,
    native_web_search: Support::WithResponsesApi,
    model_listing: true,
    token_counting: TokenCounting::OpenAiTokenizer,
    default_input_limit: flat::<128_000>,
};
