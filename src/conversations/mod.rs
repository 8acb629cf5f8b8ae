//! Conversations with agents: which posts an agent answers (DM partner or @mention), what it
//! is told, Regenerate, and tool approval with the agent continuing on the results.

mod auto_tools;
pub mod channel_kinds;
pub mod channel_tools;
pub mod mention;
mod notices;
pub mod notifications;
pub mod threads;
pub mod titles;

use std::ops::Deref;
use std::sync::Arc;

use serde_json::{Map, json};

use crate::answer::owned::{OwnedAnswer, PostActionError, answer_turn};
use crate::answer::policy;
use crate::answer::props::{self, ToolCallStatus, event};
use crate::answer::stream::Ending;
use crate::answer::tools::{ToolContext, ToolProvider};
use crate::answer::{
    ANSWER_RESERVE_TOKENS, AnswerCore, ThreadAnalysis, Turn, context, counter, model_name, stream_request,
    thread_root,
};
use crate::i18n::{Locale, Text};
use crate::llm::{self, Effort, ReasoningOptions, Request};
use plugin_runtime::host::MattermostApi;
use plugin_runtime::host::model::Post;

/// KV key claiming a tool post's decision (`tool_claim_<post id>`), and how long the claim
/// lasts: longer than any tool run, short enough that a crashed node does not block forever.
const TOOL_CLAIM_PREFIX: &str = "tool_claim_";
const TOOL_CLAIM_SECONDS: i64 = 15 * 60;

/// The conversations feature: the answer core, and what it is handed by the composition root.
pub struct Conversations {
    pub core: Arc<AnswerCore>,
    /// The tools a conversation may offer (built-ins, semantic search, MCP servers).
    pub tools: Arc<dyn ToolProvider>,
    /// Follow-ups and Regenerate of thread analyses.
    pub analysis: Arc<dyn ThreadAnalysis>,
    pub direct_channels: channel_kinds::DirectChannels,
}

impl Conversations {
    pub fn new(
        core: Arc<AnswerCore>,
        tools: Arc<dyn ToolProvider>,
        analysis: Arc<dyn ThreadAnalysis>,
    ) -> Self {
        Conversations {
            core,
            tools,
            analysis,
            direct_channels: Default::default(),
        }
    }
}

impl Deref for Conversations {
    type Target = AnswerCore;
    fn deref(&self) -> &AnswerCore {
        &self.core
    }
}

/// Posts no agent ever answers, whatever they say.
fn ignored(post: &Post) -> bool {
    !post.post_type.is_empty()
        || post.remote_id.as_deref().is_some_and(|r| !r.is_empty())
        || post.props.contains_key(props::WRANGLER)
        // A question asked through search is answered by the search flow itself.
        || props::is_true(post, props::SEARCH_QUERY)
        || (!props::is_true(post, props::ACTIVATE_AI)
            && (props::is_true(post, props::FROM_WEBHOOK)
                || props::is_true(post, props::FROM_PLUGIN)
                || props::is_true(post, props::FROM_BOT)))
}

/// MessageHasBeenPosted: answer when the post is in an agent's DM or @mentions an agent.
pub async fn on_post(core: &Arc<Conversations>, post: Post) {
    let api = core.api();
    let snap = core.snapshot();
    if snap.bot_ids.is_empty() || snap.bot_ids.values().any(|id| *id == post.user_id) || ignored(&post) {
        return;
    }
    // Decided from the cached channel kind first: only posts an agent answers cost more calls.
    let (dm, fetched) = match core.direct_channels.members(api.as_ref(), &post.channel_id).await {
        Ok(m) => m,
        Err(e) => {
            tracing::warn!(post_id = %post.id, error = %e, "could not read the post's channel");
            return;
        }
    };
    let agent_of = |user_id: &str| {
        snap.agents()
            .find(|b| snap.bot_ids.get(&b.name).map(String::as_str) == Some(user_id))
            .cloned()
    };
    let bot = if let Some((a, b)) = dm {
        let partner = match (a == post.user_id, b == post.user_id) {
            (true, false) => b,
            (false, true) => a,
            _ => return,
        };
        match agent_of(&partner) {
            Some(b) => b,
            None => return,
        }
    } else {
        let mentioned = mention::mentioned_usernames(&post.message);
        match snap
            .agents()
            .find(|b| mentioned.contains(&b.name.to_lowercase()))
            .cloned()
        {
            Some(b) => b,
            None => return,
        }
    };
    let Some(bot_user_id) = snap.bot_ids.get(&bot.name).cloned() else {
        return;
    };
    let channel = match fetched {
        Some(c) => c,
        None => match api.get_channel(&post.channel_id).await {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(post_id = %post.id, error = %e, "could not read the post's channel");
                return;
            }
        },
    };
    let user = match api.get_user(&post.user_id).await {
        Ok(u) => u,
        Err(e) => {
            tracing::warn!(post_id = %post.id, error = %e, "could not read the post's author");
            return;
        }
    };
    if user.is_bot && !props::is_true(&post, props::ACTIVATE_AI) {
        return;
    }
    if let Err(denied) =
        crate::agents::access::check(api.as_ref(), &bot, &bot_user_id, &user.id, &channel).await
    {
        let note = Post {
            user_id: bot_user_id.clone(),
            channel_id: channel.id.clone(),
            root_id: thread_root(&post),
            message: denied.note().in_locale(&Locale::new(&user.locale)),
            ..Default::default()
        };
        if let Err(e) = api.send_ephemeral_post(&user.id, &note).await {
            tracing::warn!(error = %e, "could not tell a user they may not use an agent");
        }
        return;
    }
    let service = snap.effective.service_for(&bot).cloned().unwrap_or_default();
    let turn = Turn {
        bot,
        bot_user_id,
        service,
        user,
        channel,
    };
    answer(core, api, turn, post).await;
}

/// Creates the answer post and streams into it in the background.
async fn answer(core: &Arc<Conversations>, api: Arc<dyn MattermostApi>, turn: Turn, trigger: Post) {
    let mut reply = Post {
        user_id: turn.bot_user_id.clone(),
        channel_id: turn.channel.id.clone(),
        root_id: thread_root(&trigger),
        post_type: props::BOT_POST_TYPE.into(),
        ..Default::default()
    };
    reply.props.insert(props::REQUESTER.into(), json!(turn.user.id));
    reply.props.insert(props::RESPONDING_TO.into(), json!(trigger.id));
    // Every agent post is marked, as upstream marks them: the text comes from a model and may
    // carry planted links and images. `allowUnsafeLinks` only changes how the webapp renders.
    reply.props.insert(props::UNSAFE_LINKS.into(), json!("true"));
    let reply = match api.create_post(&reply).await {
        Ok(p) => p,
        Err(e) => {
            tracing::error!(error = %e, "could not create the answer post");
            return;
        }
    };
    let core = core.clone();
    tokio::spawn(async move { stream_answer(&core, api, turn, trigger, reply).await });
}

/// Builds the request for an answer to `trigger` (the thread up to it) and streams it into
/// `reply`.
pub async fn stream_answer(
    core: &Arc<Conversations>,
    api: Arc<dyn MattermostApi>,
    turn: Turn,
    trigger: Post,
    reply: Post,
) {
    let build = prepare(core, api.as_ref(), &turn, &trigger, &reply);
    let outcome = stream_request(core, api.clone(), &turn, reply.clone(), build, "conversation").await;
    if matches!(outcome.ending, Ending::Finished(_)) && turn.channel.is_direct() {
        titles::ensure(core, api.clone(), &turn, &trigger).await;
    }
    if !outcome.tool_calls.is_empty()
        && outcome.saved
        && let Some(post) = outcome.posts.last().cloned()
    {
        auto_tools::run_if_allowed(core, api, turn, &trigger, post).await;
    }
}

/// The model and the request for one answer.
async fn prepare(
    core: &Arc<Conversations>,
    api: &dyn MattermostApi,
    turn: &Turn,
    trigger: &Post,
    reply: &Post,
) -> Result<(Arc<dyn llm::LanguageModel>, Request), llm::LlmError> {
    let model = core.model(turn)?;
    // Tools run after approval, in DMs and, when the admin allows it, in channels; elsewhere
    // the prompt says where they are.
    let offered = channel_tools::offered_in(core, &turn.channel);
    let tools = if turn.bot.disable_tools {
        Vec::new()
    } else {
        policy::for_agent(
            &core.snapshot().effective.config,
            &turn.bot,
            core.tools.tools_for(api, &turn.user.id).await,
        )
    };
    if !turn.bot.disable_tools {
        notices::tool_notices(core, api, turn).await;
    }
    let team = if turn.channel.is_direct() || turn.channel.team_id.is_empty() {
        None
    } else {
        api.get_team(&turn.channel.team_id).await.ok()
    };
    let facts = core.server();
    let server_name = facts
        .config
        .get_str("TeamSettings.SiteName")
        .unwrap_or("")
        .to_owned();
    let setting = context::Setting {
        bot: &turn.bot,
        bot_user_id: &turn.bot_user_id,
        service: &turn.service,
        user: &turn.user,
        channel: &turn.channel,
        team: team.as_ref(),
        server_name: &server_name,
        tools_elsewhere: if offered {
            Vec::new()
        } else {
            tools.iter().map(|t| t.spec().name).collect()
        },
    };
    let bad = |e: context::ContextError| llm::LlmError::new(llm::ErrorClass::BadRequest, e.to_string());
    let system = context::system_prompt(&core.prompts, &setting).map_err(bad)?;
    let mut messages = vec![llm::Message::text(llm::Role::System, system)];
    // A conversation about an analysed thread re-reads that thread (if still allowed).
    let root_id = thread_root(trigger);
    let root = if root_id == trigger.id {
        Some(trigger.clone())
    } else {
        api.get_post(&root_id).await.ok()
    };
    if let Some(root) = root.filter(|r| r.user_id == turn.bot_user_id)
        && let Some(ctx) = core.analysis.follow_up_context(api, turn, &root).await
    {
        messages.push(ctx);
    }
    messages.extend(
        context::history(api, &turn.bot, &turn.bot_user_id, trigger, Some(&reply.id))
            .await
            .map_err(bad)?,
    );
    let model_name = model_name(turn);
    let limit = llm::budget::input_limit(&turn.service, &model_name);
    let dropped = llm::budget::fit(&mut messages, limit, ANSWER_RESERVE_TOKENS, &counter(turn));
    if dropped > 0 {
        tracing::info!(
            dropped,
            limit,
            "trimmed the oldest turns to fit the model's input limit"
        );
    }
    let request = Request {
        messages,
        model: model_name,
        user_id: Some(turn.user.id.clone()),
        reasoning: turn.bot.reasoning_enabled.then(|| ReasoningOptions {
            budget_tokens: u32::try_from(turn.bot.thinking_budget).unwrap_or(0),
            effort: Effort::parse(&turn.bot.reasoning_effort),
        }),
        web_search: turn.channel.is_direct()
            && turn.bot.enabled_native_tools.iter().any(|t| t == "web_search"),
        tools: if offered {
            tools.iter().map(|t| t.spec()).collect()
        } else {
            Vec::new()
        },
        ..Default::default()
    };
    Ok((model, request))
}

/// `POST /post/{id}/regenerate`: answers the same question again, into the same post.
pub async fn regenerate(core: &Arc<Conversations>, answer: OwnedAnswer) -> Result<(), PostActionError> {
    let api = core.api();
    let user_id = answer.user_id().to_owned();
    let user_id = user_id.as_str();
    let mut post = answer.into_post();
    let post_id = post.id.clone();
    let post_id = post_id.as_str();
    if props::is_true(&post, props::NO_REGEN) {
        return Err(PostActionError::Refused(Text::tr(
            "answer.cannot_regenerate",
            &[],
        )));
    }
    // An answer to a message, or a thread analysis; anything else has nothing to re-run.
    let analysis = post
        .prop_str(props::REFERENCED_THREAD)
        .zip(post.prop_str(props::PROMPT_TYPE))
        .map(|(t, k)| (t.to_owned(), k.to_owned()));
    let trigger = match (post.prop_str(props::RESPONDING_TO), &analysis) {
        (Some(id), _) => Some(
            api.get_post(id)
                .await
                .map_err(|_| PostActionError::Refused(Text::tr("answer.question_deleted", &[])))?,
        ),
        (None, Some(_)) => None,
        (None, None) => {
            return Err(PostActionError::Refused(Text::tr(
                "answer.cannot_regenerate",
                &[],
            )));
        }
    };
    let turn = answer_turn(&core.core, api.as_ref(), &post, user_id).await?;
    // The old answer goes: its follow-up posts, its text and everything it carried. Its stream
    // is superseded, not just stopped, so it cannot save its old text over the new answer.
    core.streams.supersede(post_id);
    if let Ok(thread) = api.get_post_thread(post_id).await {
        for p in thread.posts.values() {
            if p.prop_str(props::CONTINUATION_OF) == Some(post_id)
                && let Err(e) = api.delete_post(&p.id).await
            {
                tracing::warn!(error = %e, "could not delete a follow-up post of a regenerated answer");
            }
        }
    }
    for k in [
        props::PENDING_TOOL_CALL,
        props::REASONING,
        props::REASONING_SIGNATURE,
        props::ANNOTATIONS,
        props::ERROR,
        props::FALLBACK_SERVICE,
        props::FALLBACK_MODEL,
        props::PENDING_TOOL_CALL_REDACTED,
        props::PENDING_TOOL_RESULT,
        props::AUTO_APPROVED_TOOL_CALL,
    ] {
        post.props.remove(k);
    }
    channel_tools::forget(api.as_ref(), post_id, user_id).await;
    post.message.clear();
    let post = api
        .update_post(&post)
        .await
        .map_err(|e| PostActionError::Unavailable(e.for_user("saving the answer").into()))?;
    let core = core.clone();
    match (trigger, analysis) {
        (Some(trigger), _) => {
            tokio::spawn(async move { stream_answer(&core, api, turn, trigger, post).await });
        }
        (None, Some((thread, kind))) => {
            core.analysis.rerun(api, turn, post, thread, kind).await?;
        }
        (None, None) => {}
    }
    Ok(())
}

/// `POST /post/{id}/tool_call`: runs the calls the requester accepted, records the others as
/// rejected, and lets the agent continue with the results in a new answer in the thread.
pub async fn tool_call(
    core: &Arc<Conversations>,
    answer: OwnedAnswer,
    accepted: &[String],
) -> Result<(), PostActionError> {
    let api = core.api();
    let user_id = answer.user_id().to_owned();
    let user_id = user_id.as_str();
    let post = answer.into_post();
    let post_id = post.id.clone();
    let post_id = post_id.as_str();
    let calls =
        props::tool_calls(&post).ok_or_else(|| PostActionError::Refused(Text::tr("tools.no_calls", &[])))?;
    if !calls.iter().any(|c| c.status == ToolCallStatus::Pending) {
        return Err(PostActionError::Refused(Text::tr("tools.already_decided", &[])));
    }
    let turn = answer_turn(&core.core, api.as_ref(), &post, user_id).await?;
    if !channel_tools::offered_in(core, &turn.channel) {
        return Err(PostActionError::Refused(Text::tr("tools.dm_only", &[])));
    }
    if turn.bot.disable_tools {
        return Err(PostActionError::Refused(Text::tr("tools.disabled", &[])));
    }
    // Outside a DM the post shows the calls without their arguments: they run with the whole
    // calls kept for the requester.
    let calls = channel_tools::runnable_calls(api.as_ref(), &post, user_id).await?;
    let claim = claim_tool_post(api.as_ref(), post_id, user_id).await?;
    // The tools may take a while: the approval is answered now, the results follow on the
    // post and the agent continues in the thread.
    let (core, user_id, accepted) = (core.clone(), user_id.to_owned(), accepted.to_vec());
    tokio::spawn(async move {
        if let Err(e) =
            run_tool_calls(&core, api.clone(), post, calls, turn, &user_id, &accepted, false).await
        {
            tracing::warn!(error = %e, "tool calls could not be completed");
            // Nothing was recorded: let the user decide again.
            let _ = api.kv_delete(&claim).await;
        }
    });
    Ok(())
}

/// One decision per tool post, whatever the number of requests or cluster nodes: the first to
/// claim it runs the tools, the others are told it is decided. The claim's KV key.
async fn claim_tool_post(
    api: &dyn MattermostApi,
    post_id: &str,
    user_id: &str,
) -> Result<String, PostActionError> {
    let claim = format!("{TOOL_CLAIM_PREFIX}{post_id}");
    match api
        .kv_insert_if_absent(&claim, user_id.as_bytes(), TOOL_CLAIM_SECONDS)
        .await
    {
        Ok(true) => Ok(claim),
        Ok(false) => Err(PostActionError::Refused(Text::tr("tools.already_decided", &[]))),
        Err(e) => Err(PostActionError::Unavailable(
            e.for_user("claiming the tool calls").into(),
        )),
    }
}

/// Runs the accepted calls of a claimed tool post, records every decision on it and streams
/// the agent's continuation; in a channel the results are held for the requester first.
/// `auto`: the calls run without asking (an admin's policy), and those that succeed say so
/// (`AutoApproved`).
#[allow(clippy::too_many_arguments)]
async fn run_tool_calls(
    core: &Arc<Conversations>,
    api: Arc<dyn MattermostApi>,
    post: Post,
    mut calls: Vec<props::ToolCallRecord>,
    turn: Turn,
    user_id: &str,
    accepted: &[String],
    auto: bool,
) -> Result<(), PostActionError> {
    let snap = core.snapshot();
    // A tool the admin turned off since the offer does not run.
    let tools = policy::for_agent(
        &snap.effective.config,
        &turn.bot,
        core.tools.tools_for(api.as_ref(), user_id).await,
    );
    let ctx = ToolContext {
        api: api.clone(),
        outbound: core.outbound.clone(),
        user_id: user_id.to_owned(),
        bot: turn.bot.clone(),
        bot_user_id: turn.bot_user_id.clone(),
        server_config: core.server().config,
    };
    let trace = snap.effective.config.enable_llm_trace;
    // In a channel the arguments and results are the requester's until they share them: not
    // even the trace logs them.
    let private = !turn.channel.is_direct();
    for call in calls.iter_mut().filter(|c| c.status == ToolCallStatus::Pending) {
        if !accepted.contains(&call.id) {
            call.status = ToolCallStatus::Rejected;
            continue;
        }
        let args = call.arguments.to_string();
        let (status, result) = match crate::answer::tools::run(&tools, &ctx, &call.name, &args).await {
            Ok(out) if auto => (ToolCallStatus::AutoApproved, out),
            Ok(out) => (ToolCallStatus::Success, out),
            Err(e) => (ToolCallStatus::Error, format!("Error: {e}")),
        };
        if trace && private {
            tracing::info!(tool = %call.name, status = ?status, "tool call (arguments and result private)");
        } else if trace {
            tracing::info!(tool = %call.name, arguments = %args, status = ?status, result = %result, "tool call");
        }
        call.status = status;
        call.result = result;
    }
    if private {
        return channel_tools::hold(core, api, post, calls, turn, user_id).await;
    }
    let post = record_tool_calls(api.as_ref(), post, &calls).await?;
    continue_after_tools(core, api, post, turn, user_id).await
}

/// Saves `calls` on their post and tells the channel's clients.
async fn record_tool_calls(
    api: &dyn MattermostApi,
    mut post: Post,
    calls: &[props::ToolCallRecord],
) -> Result<Post, PostActionError> {
    let list = props::tool_calls_value(calls);
    post.props
        .insert(props::PENDING_TOOL_CALL.into(), json!(list.clone()));
    let post = api
        .update_post(&post)
        .await
        .map_err(|e| PostActionError::Unavailable(e.for_user("saving the answer").into()))?;
    let mut fields = Map::new();
    fields.insert(event::POST_ID.into(), json!(post.id));
    fields.insert(event::CONTROL.into(), json!(event::CONTROL_TOOL_CALL));
    fields.insert(event::TOOL_CALL.into(), json!(list));
    let _ = api
        .publish_websocket_event(
            props::POST_UPDATE_EVENT,
            fields,
            &plugin_runtime::host::model::WebsocketBroadcast {
                channel_id: post.channel_id.clone(),
                ..Default::default()
            },
        )
        .await;
    Ok(post)
}

/// The agent's next answer in the thread, after the tool post's calls were decided.
async fn continue_after_tools(
    core: &Arc<Conversations>,
    api: Arc<dyn MattermostApi>,
    post: Post,
    turn: Turn,
    user_id: &str,
) -> Result<(), PostActionError> {
    // The continuation answers the tool post: regenerate re-runs it from the same results.
    let mut reply = Post {
        user_id: turn.bot_user_id.clone(),
        channel_id: post.channel_id.clone(),
        root_id: thread_root(&post),
        post_type: props::BOT_POST_TYPE.into(),
        ..Default::default()
    };
    reply.props.insert(props::REQUESTER.into(), json!(user_id));
    reply.props.insert(props::RESPONDING_TO.into(), json!(post.id));
    // Every agent post is marked, as upstream marks them: the text comes from a model and may
    // carry planted links and images. `allowUnsafeLinks` only changes how the webapp renders.
    reply.props.insert(props::UNSAFE_LINKS.into(), json!("true"));
    let reply = api
        .create_post(&reply)
        .await
        .map_err(|e| PostActionError::Unavailable(e.for_user("saving the answer").into()))?;
    let core = core.clone();
    tokio::spawn(async move { stream_answer(&core, api, turn, post, reply).await });
    Ok(())
}
