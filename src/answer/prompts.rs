//! Prompt templates. The texts live in `assets/prompts/` and are compiled in; an admin can
//! override any of them without recompiling by placing a file of the same name in the bundle's
//! `assets/prompts/` directory or in `MMAI_PROMPTS_DIR`.

use std::path::PathBuf;

use minijinja::Environment;
use serde::Serialize;

pub const CONVERSATION_SYSTEM: &str = "conversation_system.tmpl";
pub const CONVERSATION_TITLE: &str = "conversation_title.tmpl";
pub const THREAD_ANALYSIS: &str = "thread_analysis.tmpl";
pub const THREAD_CONTEXT: &str = "thread_context.tmpl";
pub const CHANNEL_SUMMARY: &str = "channel_summary.tmpl";
pub const MEETING_SUMMARY: &str = "meeting_summary.tmpl";
pub const EMOJI_REACTION: &str = "emoji_reaction.tmpl";
pub const SEARCH_ANSWER: &str = "search_answer.tmpl";

const EMBEDDED: &[(&str, &str)] = &[
    (
        CONVERSATION_SYSTEM,
        include_str!("../../assets/prompts/conversation_system.tmpl"),
    ),
    (
        CONVERSATION_TITLE,
        include_str!("../../assets/prompts/conversation_title.tmpl"),
    ),
    (
        THREAD_ANALYSIS,
        include_str!("../../assets/prompts/thread_analysis.tmpl"),
    ),
    (
        THREAD_CONTEXT,
        include_str!("../../assets/prompts/thread_context.tmpl"),
    ),
    (
        CHANNEL_SUMMARY,
        include_str!("../../assets/prompts/channel_summary.tmpl"),
    ),
    (
        MEETING_SUMMARY,
        include_str!("../../assets/prompts/meeting_summary.tmpl"),
    ),
    (
        EMOJI_REACTION,
        include_str!("../../assets/prompts/emoji_reaction.tmpl"),
    ),
    (
        SEARCH_ANSWER,
        include_str!("../../assets/prompts/search_answer.tmpl"),
    ),
];

#[derive(Debug, thiserror::Error)]
#[error("prompt template {name}: {source}")]
pub struct PromptError {
    name: String,
    #[source]
    source: minijinja::Error,
}

/// The templates, compiled on first use: the template compiler's code and the templates stay
/// out of memory until an answer needs a prompt (custom prompts are reported then).
#[derive(Default)]
pub struct Prompts {
    env: std::sync::OnceLock<Environment<'static>>,
}

/// Where overrides are looked for: the env var first, then the bundle's assets next to the
/// executable (`<plugin>/server/dist/<binary>` → `<plugin>/assets/prompts`).
fn override_dirs() -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    if let Some(d) = std::env::var_os("MMAI_PROMPTS_DIR") {
        dirs.push(PathBuf::from(d));
    }
    if let Ok(exe) = std::env::current_exe()
        && let Some(root) = exe.parent().and_then(|p| p.parent()).and_then(|p| p.parent())
    {
        dirs.push(root.join("assets").join("prompts"));
    }
    dirs
}

impl Prompts {
    /// The templates, compiled when first rendered.
    pub fn load() -> Self {
        Prompts::default()
    }

    /// The compiled-in templates, each replaced by a readable, valid override if one exists.
    fn compile() -> Environment<'static> {
        let mut env = Environment::new();
        env.set_trim_blocks(true);
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Lenient);
        let dirs = override_dirs();
        for (name, text) in EMBEDDED {
            let custom = dirs
                .iter()
                .map(|d| d.join(name))
                .find_map(|p| std::fs::read_to_string(&p).ok().map(|t| (p, t)));
            if let Some((path, t)) = custom
                && t != *text
            {
                match env.add_template_owned(*name, t) {
                    Ok(()) => {
                        tracing::info!(template = %name, path = %path.display(), "using a custom prompt");
                        continue;
                    }
                    Err(e) => {
                        tracing::error!(template = %name, path = %path.display(), error = %e, "custom prompt is not a valid template; using the built-in one")
                    }
                }
            }
            if let Err(e) = env.add_template(name, text) {
                tracing::error!(template = %name, error = %e, "built-in prompt does not compile");
            }
        }
        env
    }

    pub fn render(&self, name: &str, ctx: impl Serialize) -> Result<String, PromptError> {
        let err = |source| PromptError {
            name: name.to_owned(),
            source,
        };
        let t = self
            .env
            .get_or_init(Self::compile)
            .get_template(name)
            .map_err(err)?;
        let out = t.render(ctx).map_err(err)?;
        Ok(out.trim().to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_templates_render() {
        let p = Prompts::load();
        let s = p
            .render(
                CONVERSATION_SYSTEM,
                serde_json::json!({"bot_name": "AI", "bot_username": "ai", "username": "alice",
                    "user_display_name": "Alice", "current_time": "now", "is_direct": true,
                    "custom_instructions": "Be brief.", "tools_elsewhere": ["A", "B"]}),
            )
            .unwrap();
        assert!(s.contains("@ai"), "{s}");
        assert!(s.contains("Be brief."));
        assert!(s.contains("A, B"));
        assert!(p.render(CONVERSATION_TITLE, ()).unwrap().contains("title"));
    }
}
