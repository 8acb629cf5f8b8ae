//! OpenAI (api.openai.com, or `apiURL`).

use super::{Descriptor, ServiceType, Support, TokenCounting, Wire};

pub static DESCRIPTOR: Descriptor = Descriptor {
    service_type: ServiceType::OpenAi,
    label: "OpenAI",
    fields: &[
        "apiKey",
        "orgId",
        "apiURL",
        "defaultModel",
        "tokenLimit",
        "outputTokenLimit",
        "streamingTimeoutSeconds",
        "sendUserId",
        "useResponsesAPI",
    ],
    required: &["apiKey"],
    wire: Wire::ChatCompletions,
    responses_api: true,
    tools: Support::Always,
    vision: Support::Always,
    reasoning: Support::WithResponsesApi,
    native_web_search: Support::WithResponsesApi,
    model_listing: true,
    token_counting: TokenCounting::OpenAiTokenizer,
    default_input_limit: input_limit,
};

/// OpenAI's models' context windows, by name prefix (most specific first).
pub(super) fn input_limit(model: &str) -> u64 {
    const TABLE: &[(&str, u64)] = &[
        ("gpt-5", 400_000),
        ("gpt-4.1", 1_000_000),
        ("o1-mini", 128_000),
        ("o1", 200_000),
        ("o3", 200_000),
        ("o4", 200_000),
        ("gpt-4o", 128_000),
        ("gpt-4-turbo", 128_000),
        ("gpt-4-32k", 32_768),
        ("gpt-4", 8_192),
        ("gpt-3.5-turbo", 16_385),
    ];
    TABLE
        .iter()
        .find(|(prefix, _)| model.starts_with(prefix))
        .map(|(_, n)| *n)
        .unwrap_or(128_000)
}
