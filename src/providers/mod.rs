//! What the plugin knows about each kind of AI service, one descriptor per provider (one file
//! each): its config spelling and name, the fields the System Console shows and requires, the
//! wire format that talks to it, its capabilities and default limits. Validation, the model
//! factory, token budgets, model listing and the webapp's config editor all read these; the
//! editor gets them as `webapp/src/generated/providers.json` (`webapp_file`, kept in step by a
//! test). Adding a provider: a file here, its entry in `ALL`, and its wire format in `llm/`.

mod anthropic;
mod ask_sage;
mod azure;
mod bedrock;
mod cohere;
mod gemini;
mod mistral;
mod openai;
mod openai_compatible;
mod vertex;

use serde::Serialize;

/// The kinds of service, by their config spelling (`ServiceType::id`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ServiceType {
    OpenAi,
    Azure,
    OpenAiCompatible,
    Anthropic,
    Bedrock,
    Cohere,
    Mistral,
    AskSage,
    Gemini,
    Vertex,
}

impl ServiceType {
    /// The spelling in the configuration (`services[].type`).
    pub const fn id(self) -> &'static str {
        match self {
            ServiceType::OpenAi => "openai",
            ServiceType::Azure => "azure",
            ServiceType::OpenAiCompatible => "openaicompatible",
            ServiceType::Anthropic => "anthropic",
            ServiceType::Bedrock => "bedrock",
            ServiceType::Cohere => "cohere",
            ServiceType::Mistral => "mistral",
            ServiceType::AskSage => "asage",
            ServiceType::Gemini => "gemini",
            ServiceType::Vertex => "vertex",
        }
    }

    pub fn parse(id: &str) -> Option<Self> {
        ALL.iter().map(|d| d.service_type).find(|t| t.id() == id)
    }

    pub fn descriptor(self) -> &'static Descriptor {
        match self {
            ServiceType::OpenAi => &openai::DESCRIPTOR,
            ServiceType::Azure => &azure::DESCRIPTOR,
            ServiceType::OpenAiCompatible => &openai_compatible::DESCRIPTOR,
            ServiceType::Anthropic => &anthropic::DESCRIPTOR,
            ServiceType::Bedrock => &bedrock::DESCRIPTOR,
            ServiceType::Cohere => &cohere::DESCRIPTOR,
            ServiceType::Mistral => &mistral::DESCRIPTOR,
            ServiceType::AskSage => &ask_sage::DESCRIPTOR,
            ServiceType::Gemini => &gemini::DESCRIPTOR,
            ServiceType::Vertex => &vertex::DESCRIPTOR,
        }
    }
}

/// Every provider, in the order the System Console lists them.
pub static ALL: [&Descriptor; 10] = [
    &openai::DESCRIPTOR,
    &azure::DESCRIPTOR,
    &openai_compatible::DESCRIPTOR,
    &anthropic::DESCRIPTOR,
    &bedrock::DESCRIPTOR,
    &cohere::DESCRIPTOR,
    &mistral::DESCRIPTOR,
    &ask_sage::DESCRIPTOR,
    &gemini::DESCRIPTOR,
    &vertex::DESCRIPTOR,
];

/// The descriptor of a configured type, if the type is known.
pub fn descriptor(id: &str) -> Option<&'static Descriptor> {
    ServiceType::parse(id).map(ServiceType::descriptor)
}

/// Which wire format talks to the provider (`llm::factory` maps it to an implementation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wire {
    /// OpenAI Chat Completions; the Responses API instead when the service turns it on and
    /// the provider offers it (`responses_api`).
    ChatCompletions,
    AnthropicMessages,
    BedrockConverse,
    AskSage,
    /// Google's generateContent (Gemini API and Vertex AI).
    GoogleGenerateContent,
}

/// Whether a capability is there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Support {
    Always,
    Never,
    /// Only when the service uses the Responses API.
    WithResponsesApi,
}

impl Support {
    pub fn applies(self, use_responses_api: bool) -> bool {
        match self {
            Support::Always => true,
            Support::Never => false,
            Support::WithResponsesApi => use_responses_api,
        }
    }

    fn wire_name(self) -> &'static str {
        match self {
            Support::Always => "always",
            Support::Never => "never",
            Support::WithResponsesApi => "withResponsesAPI",
        }
    }
}

/// How tokens are counted for budgets and usage when the provider reports none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenCounting {
    /// OpenAI's tokenizers, for the OpenAI models they belong to.
    OpenAiTokenizer,
    Estimate,
}

/// Everything the plugin knows about one provider.
#[derive(Debug)]
pub struct Descriptor {
    pub service_type: ServiceType,
    /// The name users and admins see.
    pub label: &'static str,
    /// Config fields the System Console shows for it, in order.
    pub fields: &'static [&'static str],
    /// Of those, the ones a service cannot work without.
    pub required: &'static [&'static str],
    pub wire: Wire,
    /// The service may switch to the OpenAI Responses API (`useResponsesAPI`).
    pub responses_api: bool,
    pub tools: Support,
    pub vision: Support,
    pub reasoning: Support,
    pub native_web_search: Support,
    /// Its API lists models (the console's "fetch models").
    pub model_listing: bool,
    pub token_counting: TokenCounting,
    /// The input limit when the service sets no `tokenLimit`, by model name (lowercase).
    pub default_input_limit: fn(&str) -> u64,
}

impl Descriptor {
    pub fn id(&self) -> &'static str {
        self.service_type.id()
    }

    pub fn requires(&self, field: &str) -> bool {
        self.required.contains(&field)
    }
}

/// A limit that does not depend on the model.
pub(crate) fn flat<const N: u64>(_model: &str) -> u64 {
    N
}

/// A provider as the webapp's config editor reads it (`webapp/src/generated/providers.json`),
/// fields in this order.
#[derive(Serialize)]
struct WebappProvider {
    #[serde(rename = "type")]
    service_type: &'static str,
    label: &'static str,
    fields: &'static [&'static str],
    required: &'static [&'static str],
    capabilities: WebappCapabilities,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct WebappCapabilities {
    model_listing: &'static str,
    native_web_search: &'static str,
    reasoning: &'static str,
    tools: &'static str,
    vision: &'static str,
}

#[derive(Serialize)]
struct WebappProviders {
    providers: Vec<WebappProvider>,
}

fn webapp_table() -> WebappProviders {
    let providers = ALL
        .iter()
        .map(|d| WebappProvider {
            service_type: d.id(),
            label: d.label,
            fields: d.fields,
            required: d.required,
            capabilities: WebappCapabilities {
                model_listing: if d.model_listing { "always" } else { "never" },
                native_web_search: d.native_web_search.wire_name(),
                reasoning: d.reasoning.wire_name(),
                tools: d.tools.wire_name(),
                vision: d.vision.wire_name(),
            },
        })
        .collect();
    WebappProviders { providers }
}

/// The providers as the webapp's config editor reads them: two-space JSON and a final
/// newline, as `webapp/src/generated/providers.json` holds it.
pub fn webapp_file() -> String {
    serde_json::to_string_pretty(&webapp_table()).unwrap_or_default() + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_round_trips_and_has_one_descriptor() {
        for d in ALL {
            assert_eq!(ServiceType::parse(d.id()), Some(d.service_type));
            assert!(std::ptr::eq(d.service_type.descriptor(), d));
            for r in d.required {
                assert!(
                    d.fields.contains(r),
                    "{} requires {r} but does not show it",
                    d.id()
                );
            }
        }
        assert_eq!(ServiceType::parse("nope"), None);
    }

    /// The webapp's copy is generated from these descriptors; regenerate it with
    /// `UPDATE_GENERATED=1 cargo test --lib providers`.
    #[test]
    fn the_webapps_provider_table_is_generated_from_the_descriptors() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/webapp/src/generated/providers.json");
        let want = webapp_file();
        if std::env::var_os("UPDATE_GENERATED").is_some() {
            std::fs::write(path, &want).expect("writing the webapp's provider table");
        }
        let have = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            have == want,
            "webapp/src/generated/providers.json is out of date: run UPDATE_GENERATED=1 cargo test --lib providers"
        );
    }
}
