//! Counting tokens: OpenAI's own tokenizers (o200k_base, cl100k_base) for OpenAI models, and a
//! documented estimate elsewhere — the mean of characters/4 and words/0.75 — never zero for
//! non-empty text (a zero would disable every budget).

use tiktoken_rs::CoreBPE;

pub fn estimate(text: &str) -> u64 {
    if text.is_empty() {
        return 0;
    }
    let chars = text.chars().count() as f64 / 4.0;
    let words = text.split_whitespace().count() as f64 / 0.75;
    (((chars + words) / 2.0).ceil() as u64).max(1)
}

#[derive(Clone, Copy)]
pub enum Counter {
    Tokenizer(&'static CoreBPE),
    Estimate,
}

impl std::fmt::Debug for Counter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Counter::Tokenizer(_) => "Tokenizer",
            Counter::Estimate => "Estimate",
        })
    }
}

impl Counter {
    /// The tokenizer of an OpenAI model (by name, whichever service serves it), else the estimate.
    pub fn for_model(kind: &str, model: &str) -> Self {
        let m = model.to_ascii_lowercase();
        let openai_family = crate::providers::descriptor(kind)
            .is_some_and(|d| d.token_counting == crate::providers::TokenCounting::OpenAiTokenizer);
        if !openai_family {
            return Counter::Estimate;
        }
        let o200k = [
            "gpt-4o", "gpt-4.1", "gpt-4.5", "gpt-5", "o1", "o3", "o4", "chatgpt", "gpt-oss",
        ];
        if o200k.iter().any(|p| m.starts_with(p)) {
            Counter::Tokenizer(tiktoken_rs::o200k_base_singleton())
        } else if m.starts_with("gpt-4") || m.starts_with("gpt-3.5") {
            Counter::Tokenizer(tiktoken_rs::cl100k_base_singleton())
        } else {
            Counter::Estimate
        }
    }

    pub fn count(&self, text: &str) -> u64 {
        match self {
            _ if text.is_empty() => 0,
            Counter::Tokenizer(bpe) => (bpe.encode_ordinary(text).len() as u64).max(1),
            Counter::Estimate => estimate(text),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn openai_models_use_their_tokenizer() {
        let c = Counter::for_model("openai", "gpt-4o-mini");
        assert!(matches!(c, Counter::Tokenizer(_)));
        // "hello world" is two tokens in o200k_base.
        assert_eq!(c.count("hello world"), 2);
        assert!(matches!(
            Counter::for_model("anthropic", "claude-sonnet-4"),
            Counter::Estimate
        ));
        assert!(matches!(
            Counter::for_model("openaicompatible", "llama3"),
            Counter::Estimate
        ));
        assert_eq!(Counter::Estimate.count("x"), 1);
        assert_eq!(c.count(""), 0);
    }
}
