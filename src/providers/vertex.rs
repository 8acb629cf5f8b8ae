//! Google Vertex AI: Gemini models in a Google Cloud project, authenticated with a
//! service-account key. Field names are upstream's (`vertexProjectID`, `vertexAuthCredentials`).

use super::{Descriptor, ServiceType, Support, TokenCounting, Wire, flat};

pub static DESCRIPTOR: Descriptor = Descriptor {
    service_type: ServiceType::Vertex,
    label: "Google Vertex AI",
    fields: &[
        "vertexProjectID",
        "region",
        "vertexAuthCredentials",
        "apiURL",
        "defaultModel",
        "tokenLimit",
        "outputTokenLimit",
        "streamingTimeoutSeconds",
    ],
    // Upstream also accepts no credentials (Application Default Credentials); this build needs
    // the key. `config::validate` checks these like the common fields.
    required: &["vertexProjectID", "region", "vertexAuthCredentials"],
    wire: Wire::GoogleGenerateContent,
    responses_api: false,
    tools: Support::Always,
    vision: Support::Always,
    reasoning: Support::Always,
    native_web_search: Support::Always,
    model_listing: false,
    token_counting: TokenCounting::Estimate,
    default_input_limit: flat::<1_048_576>,
};
