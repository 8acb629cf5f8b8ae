//! Conversation titles for the history list: one cheap call per conversation, claimed
//! atomically so two answers in the same conversation never both pay for one.

use std::sync::Arc;

use super::Conversations;
use crate::answer::prompts::CONVERSATION_TITLE;
use crate::answer::{Turn, thread_root};
use crate::llm::{Message, Request, Role};
use plugin_runtime::host::MattermostApi;
use plugin_runtime::host::model::Post;

pub const TITLE_KEY_PREFIX: &str = "conversation_title_";
/// Written while the title is being made; a failed attempt can be retried after this expires.
const PENDING: &[u8] = b"\0pending";
const MAX_TITLE_CHARS: usize = 80;

/// The stored title of the conversation rooted at `root_id` ("" when none yet).
pub async fn title(api: &dyn MattermostApi, root_id: &str) -> String {
    match api.kv_get(&format!("{TITLE_KEY_PREFIX}{root_id}")).await {
        Ok(Some(v)) if v != PENDING => String::from_utf8_lossy(&v).into_owned(),
        _ => String::new(),
    }
}

fn clean(raw: &str) -> String {
    let line = raw.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("");
    let t = line
        .trim_start_matches(['#', '*', ' '])
        .trim_start_matches("Title:")
        .trim()
        .trim_matches(['"', '\'', '*', '“', '”', '.', ' ']);
    t.chars().take(MAX_TITLE_CHARS).collect()
}

/// Makes the conversation's title unless it has one (or another answer is making it).
pub async fn ensure(core: &Arc<Conversations>, api: Arc<dyn MattermostApi>, turn: &Turn, trigger: &Post) {
    let root = thread_root(trigger);
    let key = format!("{TITLE_KEY_PREFIX}{root}");
    match api.kv_insert_if_absent(&key, PENDING, 120).await {
        Ok(true) => {}
        Ok(false) => return,
        Err(e) => {
            tracing::debug!(error = %e, "could not claim the conversation title");
            return;
        }
    }
    let first = if trigger.id == root {
        trigger.message.clone()
    } else {
        match api.get_post(&root).await {
            Ok(p) => p.message,
            Err(_) => trigger.message.clone(),
        }
    };
    let Ok(model) = core.model(turn) else {
        return;
    };
    let Ok(system) = core.prompts.render(CONVERSATION_TITLE, ()) else {
        return;
    };
    let request = Request {
        messages: vec![
            Message::text(Role::System, system),
            Message::text(Role::User, first.chars().take(2000).collect::<String>()),
        ],
        model: super::model_name(turn),
        max_output_tokens: Some(64),
        user_id: Some(turn.user.id.clone()),
        ..Default::default()
    };
    let text = match model.stream(&request).await {
        Ok(s) => {
            let (text, _, usage, end) = crate::answer::collect(s).await;
            crate::answer::count(core, turn, usage, Some(&request), &text, "title");
            match end {
                Ok(_) => text,
                Err(e) => {
                    tracing::info!(class = ?e.class, "could not make a conversation title");
                    return;
                }
            }
        }
        Err(e) => {
            tracing::info!(class = ?e.class, "could not make a conversation title");
            return;
        }
    };
    let title = clean(&text);
    if title.is_empty() {
        return;
    }
    if let Err(e) = api.kv_set(&key, title.as_bytes()).await {
        tracing::warn!(error = %e, "could not save a conversation title");
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn titles_are_one_clean_line() {
        assert_eq!(super::clean("\n\"Trip planning.\"\nmore"), "Trip planning");
        assert_eq!(super::clean("Title: Rust help"), "Rust help");
        assert_eq!(super::clean(&"x".repeat(200)).len(), 80);
    }
}
