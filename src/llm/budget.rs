//! Fitting a conversation into the model's input limit: the oldest context goes first; the
//! system prompt and the newest turn always stay.

use super::tokens::Counter;
use super::{Message, Part, Role};
use crate::config::ServiceConfig;

/// Tokens an image costs, roughly (a 1024×1024 image at high detail on OpenAI).
const IMAGE_TOKENS: u64 = 800;
/// Per-message overhead of the chat formats (role markers and separators).
const MESSAGE_OVERHEAD: u64 = 4;

/// The service's input limit: `tokenLimit` when set, else what the provider and model allow.
pub fn input_limit(service: &ServiceConfig, model: &str) -> u64 {
    if service.token_limit > 0 {
        return service.token_limit as u64;
    }
    let m = model.to_ascii_lowercase();
    crate::providers::descriptor(&service.service_type).map_or(128_000, |d| (d.default_input_limit)(&m))
}

/// Tokens of one message.
pub fn message_tokens(m: &Message, counter: &Counter) -> u64 {
    let parts: u64 = m
        .parts
        .iter()
        .map(|p| match p {
            Part::Text(t) => counter.count(t),
            Part::Image { .. } => IMAGE_TOKENS,
        })
        .sum();
    let calls: u64 = m
        .tool_calls
        .iter()
        .map(|c| counter.count(&c.name) + counter.count(&c.arguments))
        .sum();
    let thinking = m.thinking.as_ref().map(|t| counter.count(&t.text)).unwrap_or(0);
    parts + calls + thinking + MESSAGE_OVERHEAD
}

/// Tokens of a whole conversation.
pub fn request_tokens(messages: &[Message], counter: &Counter) -> u64 {
    messages.iter().map(|m| message_tokens(m, counter)).sum()
}

/// Drops the oldest turns until the conversation fits `limit` tokens with room for the answer
/// (`reserve`). Never drops a system message or the last message; keeps tool results with their
/// calls and starts the kept history on a user turn, as every provider requires. Returns how many
/// messages were dropped.
pub fn fit(messages: &mut Vec<Message>, limit: u64, reserve: u64, counter: &Counter) -> usize {
    let budget = limit.saturating_sub(reserve).max(limit / 10).max(100);
    // Counted once: a tokenizer over a long history is not free.
    let mut costs: Vec<u64> = messages.iter().map(|m| message_tokens(m, counter)).collect();
    let mut dropped = 0;
    while costs.iter().sum::<u64>() > budget {
        // The first droppable message: not system, not the last one.
        let Some(i) = messages
            .iter()
            .position(|m| m.role != Role::System)
            .filter(|i| *i + 1 < messages.len())
        else {
            break;
        };
        messages.remove(i);
        costs.remove(i);
        dropped += 1;
        // A history may not start with tool results or an assistant turn.
        while let Some(j) = messages.iter().position(|m| m.role != Role::System) {
            if j + 1 < messages.len() && matches!(messages[j].role, Role::Tool | Role::Assistant) {
                messages.remove(j);
                costs.remove(j);
                dropped += 1;
            } else {
                break;
            }
        }
    }
    dropped
}

#[cfg(test)]
mod tests {
    use super::*;

    fn convo(n: usize) -> Vec<Message> {
        let mut v = vec![Message::text(Role::System, "system prompt")];
        for i in 0..n {
            v.push(Message::text(
                Role::User,
                format!("question {i} {}", "words ".repeat(100)),
            ));
            v.push(Message::text(
                Role::Assistant,
                format!("answer {i} {}", "words ".repeat(100)),
            ));
        }
        v.push(Message::text(Role::User, "the newest question"));
        v
    }

    #[test]
    fn drops_oldest_first_and_keeps_system_and_newest() {
        let mut m = convo(20);
        let before = m.len();
        let dropped = fit(&mut m, 1500, 200, &Counter::Estimate);
        assert!(dropped > 0 && m.len() == before - dropped);
        assert_eq!(m[0].role, Role::System);
        assert_eq!(m[1].role, Role::User, "history restarts on a user turn");
        assert_eq!(m.last().unwrap().joined_text(), "the newest question");
        assert!(m[1].joined_text().starts_with("question "));
        assert!(request_tokens(&m, &Counter::Estimate) <= 1300);
    }

    #[test]
    fn a_fitting_conversation_is_untouched() {
        let mut m = convo(2);
        assert_eq!(fit(&mut m, 100_000, 4096, &Counter::Estimate), 0);
        assert_eq!(m, convo(2));
    }

    #[test]
    fn never_drops_the_newest_turn_even_when_it_alone_is_too_long() {
        let mut m = vec![
            Message::text(Role::System, "s"),
            Message::text(Role::User, "x ".repeat(10_000)),
        ];
        fit(&mut m, 1000, 100, &Counter::Estimate);
        assert_eq!(m.len(), 2);
    }

    #[test]
    fn limits_come_from_the_service_or_the_model() {
        let mut s = ServiceConfig {
            service_type: "openai".into(),
            ..Default::default()
        };
        assert_eq!(input_limit(&s, "gpt-4o-mini"), 128_000);
        assert_eq!(input_limit(&s, "gpt-4"), 8_192);
        s.token_limit = 5000;
        assert_eq!(input_limit(&s, "gpt-4o"), 5000);
    }
}
