//! Amazon Bedrock's Converse API: SigV4 with access keys (or the instance's role), or a
//! Bedrock API key.

use super::{Descriptor, ServiceType, Support, TokenCounting, Wire, flat};

pub static DESCRIPTOR: Descriptor = Descriptor {
    service_type: ServiceType::Bedrock,
    label: "AWS Bedrock",
    fields: &[
        "region",
        "awsAccessKeyID",
        "awsSecretAccessKey",
        "apiKey",
        "apiURL",
        "defaultModel",
        "tokenLimit",
        "outputTokenLimit",
        "streamingTimeoutSeconds",
    ],
    required: &["region"],
    wire: Wire::BedrockConverse,
    responses_api: false,
    tools: Support::Always,
    vision: Support::Always,
    reasoning: Support::Never,
    native_web_search: Support::Never,
    model_listing: false,
    token_counting: TokenCounting::Estimate,
    default_input_limit: flat::<200_000>,
};
