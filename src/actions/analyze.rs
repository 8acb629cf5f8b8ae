//! Thread analysis (`POST /post/{id}/analyze`): summary, action items or open questions of a
//! thread, streamed into a DM from the agent; follow-up questions in that DM re-read the thread.

use std::sync::Arc;

use serde_json::json;

use super::{Checked, check_post, transcript};
use crate::agents::access::authorize;
use crate::answer::delivery::{ActionError, Started, result_post};
use crate::answer::owned::PostActionError;
use crate::answer::prompts::{THREAD_ANALYSIS, THREAD_CONTEXT};
use crate::answer::props::{PROMPT_TYPE, REFERENCED_THREAD};
use crate::answer::{AnswerCore, ThreadAnalysis, Turn, one_shot_request, stream_request, thread_root};
use crate::i18n::Text;
use crate::llm::{self, Message, Request, Role};
use plugin_runtime::host::MattermostApi;
use plugin_runtime::host::model::{Channel, Post};

pub const KINDS: &[&str] = &["summarize_thread", "action_items", "open_questions"];

pub async fn start(
    core: &Arc<AnswerCore>,
    user_id: &str,
    post_id: &str,
    kind: &str,
    bot: Option<&str>,
) -> Result<Started, ActionError> {
    if !KINDS.contains(&kind) {
        return Err(ActionError::BadRequest(
            format!("unknown analysis_type {kind:?}").into(),
        ));
    }
    let (Checked { api, channel, turn }, post) =
        check_post(core, user_id, post_id, bot, |e| e.ai_actions).await?;
    let root = thread_root(&post);
    let reply = result_post(
        api.as_ref(),
        &turn,
        "",
        &[(REFERENCED_THREAD, json!(root)), (PROMPT_TYPE, json!(kind))],
    )
    .await?;
    let started = Started::of(&reply);
    let (core, kind) = (core.clone(), kind.to_owned());
    tokio::spawn(async move { run(&core, api, turn, reply, &root, &kind, &channel).await });
    Ok(started)
}

/// Streams the analysis into `reply` (new, or regenerated).
pub async fn run(
    core: &Arc<AnswerCore>,
    api: Arc<dyn MattermostApi>,
    turn: Turn,
    reply: Post,
    root_id: &str,
    kind: &str,
    source: &Channel,
) {
    let built = build(core, api.as_ref(), &turn, root_id, kind, source);
    stream_request(core, api.clone(), &turn, reply, built, kind).await;
}

fn channel_label(c: &Channel) -> String {
    if c.is_direct() || c.is_group() {
        String::new()
    } else {
        format!("the channel \"{}\"", c.display_name)
    }
}

async fn thread_text(api: &dyn MattermostApi, root_id: &str, turn: &Turn) -> Result<String, llm::LlmError> {
    let thread = api
        .get_post_thread(root_id)
        .await
        .map_err(|e| llm::LlmError::new(llm::ErrorClass::BadRequest, format!("reading the thread: {e}")))?;
    let mut posts: Vec<&Post> = thread.posts.values().collect();
    posts.sort_by_key(|p| p.create_at);
    Ok(transcript::render(api, &posts, &turn.user).await)
}

async fn build(
    core: &Arc<AnswerCore>,
    api: &dyn MattermostApi,
    turn: &Turn,
    root_id: &str,
    kind: &str,
    source: &Channel,
) -> Result<(Arc<dyn llm::LanguageModel>, Request), llm::LlmError> {
    let model = core.model(turn)?;
    let text = thread_text(api, root_id, turn).await?;
    let system = core
        .prompts
        .render(
            THREAD_ANALYSIS,
            json!({
                "bot_name": turn.bot.display_name,
                "current_time": crate::answer::context::local_time(&turn.user),
                "channel_name": channel_label(source),
                "kind": kind,
                "custom_instructions": turn.bot.custom_instructions.trim(),
            }),
        )
        .map_err(|e| llm::LlmError::new(llm::ErrorClass::BadRequest, e.to_string()))?;
    Ok((model, one_shot_request(turn, system, text)))
}

/// For a follow-up in an analysis DM: the referenced thread, re-read now, if the user may still
/// read it and the agent may still serve them there.
pub async fn follow_up_context(
    core: &AnswerCore,
    api: &dyn MattermostApi,
    turn: &Turn,
    root: &Post,
) -> Option<Message> {
    let thread_id = root.prop_str(REFERENCED_THREAD)?;
    let thread_root = api.get_post(thread_id).await.ok()?;
    let channel = api.get_channel(&thread_root.channel_id).await.ok()?;
    if authorize(api, &turn.bot, &turn.bot_user_id, &turn.user.id, &channel)
        .await
        .is_err()
    {
        return Some(Message::text(
            Role::User,
            "(The thread this conversation is about is no longer available to this user; do not describe its content.)",
        ));
    }
    let text = thread_text(api, thread_id, turn).await.ok()?;
    let rendered = core
        .prompts
        .render(
            THREAD_CONTEXT,
            json!({"channel_name": channel_label(&channel), "thread": text}),
        )
        .ok()?;
    Some(Message::text(Role::User, rendered))
}

/// Thread analysis as conversations see it (follow-ups, Regenerate), handed to them by the
/// composition root.
pub struct Analysis(pub Arc<AnswerCore>);

#[async_trait::async_trait]
impl ThreadAnalysis for Analysis {
    async fn follow_up_context(&self, api: &dyn MattermostApi, turn: &Turn, root: &Post) -> Option<Message> {
        follow_up_context(&self.0, api, turn, root).await
    }

    async fn rerun(
        &self,
        api: Arc<dyn MattermostApi>,
        turn: Turn,
        post: Post,
        thread: String,
        kind: String,
    ) -> Result<(), PostActionError> {
        let source = match api.get_post(&thread).await {
            Ok(root) => api.get_channel(&root.channel_id).await.ok(),
            Err(_) => None,
        }
        .ok_or_else(|| PostActionError::Refused(Text::tr("analysis.thread_gone", &[])))?;
        authorize(api.as_ref(), &turn.bot, &turn.bot_user_id, &turn.user.id, &source)
            .await
            .map_err(|e| PostActionError::Refused(e.text()))?;
        let core = self.0.clone();
        tokio::spawn(async move { run(&core, api, turn, post, &thread, &kind, &source).await });
        Ok(())
    }
}
