//! Conversations with agents: which posts an agent answers, what it is told, and streaming the
//! answer into bot posts; plus stop, regenerate, restart recovery and conversation titles.

pub mod channel_kinds;
pub mod context;
pub mod limits;
pub mod mark;
pub mod mention;
pub mod notifications;
pub mod prompts;
pub mod registry;
pub mod split;
pub mod stream;
pub mod titles;

use std::sync::Arc;

use serde_json::{Value, json};

use crate::config::{BotConfig, ServiceConfig};
use crate::host::MattermostApi;
use crate::host::model::{Channel, Post, User};
use crate::llm::{self, Effort, ReasoningOptions, Request};
use crate::plugin::Core;
use crate::usage::UsageRecord;
use stream::{Ending, props};

/// The post type of every answer; Mattermost's webapp and the mobile app render it.
pub const BOT_POST_TYPE: &str = "custom_llmbot";
/// KV prefix marking an answer that is streaming, so a restart can finish it.
pub const STREAMING_KEY_PREFIX: &str = "streaming_post_";
/// KV key claiming a tool post's decision (`tool_claim_<post id>`), and how long the claim
/// lasts: longer than any tool run, short enough that a crashed node does not block forever.
const TOOL_CLAIM_PREFIX: &str = "tool_claim_";
const TOOL_CLAIM_SECONDS: i64 = 15 * 60;
/// A mark not renewed for this long belongs to an answer nobody is writing any more.
const STALE_AFTER_MS: i64 = 60_000;

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}
/// Room kept for the answer when trimming history.
pub const ANSWER_RESERVE_TOKENS: u64 = 4096;

fn prop_true(p: &Post, key: &str) -> bool {
    match p.props.get(key) {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s.eq_ignore_ascii_case("true"),
        _ => false,
    }
}

/// Posts no agent ever answers, whatever they say.
fn ignored(post: &Post) -> bool {
    !post.post_type.is_empty()
        || post.remote_id.as_deref().is_some_and(|r| !r.is_empty())
        || post.props.contains_key("wrangler")
        // A question asked through search is answered by the search flow itself.
        || prop_true(post, crate::search::answer::SEARCH_QUERY)
        || (!prop_true(post, props::ACTIVATE_AI)
            && (prop_true(post, "from_webhook")
                || prop_true(post, "from_plugin")
                || prop_true(post, "from_bot")))
}

/// Everything one answer needs, resolved once.
pub struct Turn {
    pub bot: BotConfig,
    pub bot_user_id: String,
    pub service: ServiceConfig,
    pub user: User,
    pub channel: Channel,
}

/// MessageHasBeenPosted: answer when the post is in an agent's DM or @mentions an agent.
pub async fn on_post(core: &Arc<Core>, post: Post) {
    let Some(api) = core.api() else { return };
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
    if user.is_bot && !prop_true(&post, props::ACTIVATE_AI) {
        return;
    }
    if let Err(denied) =
        crate::agents::access::check(api.as_ref(), &bot, &bot_user_id, &user.id, &channel).await
    {
        let note = Post {
            user_id: bot_user_id.clone(),
            channel_id: channel.id.clone(),
            root_id: thread_root(&post),
            message: format!("Sorry, {denied}. Ask your system admin if you need access."),
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

fn thread_root(p: &Post) -> String {
    if p.root_id.is_empty() {
        p.id.clone()
    } else {
        p.root_id.clone()
    }
}

/// Creates the answer post and streams into it in the background.
async fn answer(core: &Arc<Core>, api: Arc<dyn MattermostApi>, turn: Turn, trigger: Post) {
    let mut reply = Post {
        user_id: turn.bot_user_id.clone(),
        channel_id: turn.channel.id.clone(),
        root_id: thread_root(&trigger),
        post_type: BOT_POST_TYPE.into(),
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
    core: &Arc<Core>,
    api: Arc<dyn MattermostApi>,
    turn: Turn,
    trigger: Post,
    reply: Post,
) {
    let build = prepare(core, api.as_ref(), &turn, &trigger, &reply);
    let outcome = stream_request(core, api.clone(), &turn, reply.clone(), build, "conversation").await;
    if matches!(outcome.ending, Ending::Finished(_)) && turn.channel.is_direct() {
        titles::ensure(core, api, &turn, &trigger).await;
    }
}

/// Streams a model's answer into `reply`: registered for Stop from the start, marked in the KV
/// store for restart recovery, counted and reported at the end. `build` makes the request; its
/// failure ends the post with the error like any other.
pub async fn stream_request(
    core: &Arc<Core>,
    api: Arc<dyn MattermostApi>,
    turn: &Turn,
    reply: Post,
    build: impl std::future::Future<Output = Result<(Arc<dyn llm::LanguageModel>, Request), llm::LlmError>>,
    operation: &str,
) -> stream::Outcome {
    let registration = core.streams.register(&reply.id);
    let mark = mark::StreamMark::new(api.clone(), &reply.id);
    mark.set().await;
    let heartbeat = mark.keep_alive(registration.signal.clone(), core.is_clustered());
    // Kept until the end: its tokens are counted only if the provider reports no usage.
    let mut sent: Option<Request> = None;
    let slot = core.user_slots.try_take(&turn.user.id);
    let build = async {
        if slot.is_none() {
            return Err(llm::LlmError::new(llm::ErrorClass::Busy, limits::busy_message()));
        }
        build.await
    };
    let events = match build.await {
        Ok((model, request)) => {
            if core.snapshot().effective.config.enable_llm_trace {
                tracing::info!(agent = %turn.bot.name, operation, request = %trace_view(&request), "LLM call");
            }
            let events = model.stream(&request).await;
            sent = Some(request);
            events
        }
        Err(e) => Err(e),
    };
    let events = events.unwrap_or_else(|e| {
        // A failure before the first byte still ends the post visibly, through the same path.
        let (tx, rx) = tokio::sync::mpsc::channel(1);
        let _ = tx.try_send(llm::Event::Error(e));
        rx
    });
    let outcome = stream::run(
        api.clone(),
        reply,
        events,
        registration.signal.clone(),
        mark.clone(),
    )
    .await;
    drop(registration);
    drop(slot);
    heartbeat.abort();
    // An answer that could not be saved keeps its mark, so recovery finishes it later.
    if outcome.saved {
        mark.clear().await;
    }
    report(core, turn, &outcome, sent.as_ref(), operation);
    outcome
}

/// The agent's tokenizer (or the estimate).
pub fn counter(turn: &Turn) -> llm::tokens::Counter {
    llm::tokens::Counter::for_model(&turn.service.service_type, &model_name(turn))
}

/// The model an agent uses: its own override, else the service's default.
pub fn model_name(turn: &Turn) -> String {
    if turn.bot.model.is_empty() {
        turn.service.default_model.clone()
    } else {
        turn.bot.model.clone()
    }
}

/// A request of one system prompt and one user text (summaries and other actions). A text
/// longer than the model's input keeps its newest part.
pub fn one_shot_request(turn: &Turn, system: String, text: String) -> Request {
    let model = model_name(turn);
    let limit = llm::budget::input_limit(&turn.service, &model);
    let counter = counter(turn);
    let budget = limit
        .saturating_sub(ANSWER_RESERVE_TOKENS + counter.count(&system))
        .max(1000);
    let text = if counter.count(&text) > budget {
        // About four characters a token: keep the newest part that fits.
        let keep = (budget as usize).saturating_mul(3);
        let chars: Vec<char> = text.chars().collect();
        let tail: String = chars[chars.len().saturating_sub(keep)..].iter().collect();
        format!("[…earlier content omitted to fit the model's input limit]\n{tail}")
    } else {
        text
    };
    Request {
        messages: vec![
            llm::Message::text(llm::Role::System, system),
            llm::Message::text(llm::Role::User, text),
        ],
        model,
        user_id: Some(turn.user.id.clone()),
        ..Default::default()
    }
}

/// Hands one call's usage to the sink. Where the provider reported none, the request sent
/// and the answer are counted here (so the tokenizer runs only then): never zero.
pub fn count(
    core: &Core,
    turn: &Turn,
    usage: Option<llm::Usage>,
    sent: Option<&Request>,
    text: &str,
    operation: &str,
) {
    let usage = usage.unwrap_or_else(|| {
        let counter = counter(turn);
        llm::Usage {
            input_tokens: sent
                .map(|r| llm::budget::request_tokens(&r.messages, &counter))
                .unwrap_or(0),
            output_tokens: counter.count(text),
        }
    });
    core.usage.record(UsageRecord {
        user_id: turn.user.id.clone(),
        team_id: crate::usage::team_label(&turn.channel),
        bot_id: turn.bot_user_id.clone(),
        bot_username: turn.bot.name.clone(),
        provider: turn.service.service_type.clone(),
        operation: operation.into(),
        input_tokens: usage.input_tokens,
        output_tokens: usage.output_tokens,
    });
}

/// Logs failures for admins and hands the usage to the sink.
fn report(core: &Core, turn: &Turn, outcome: &stream::Outcome, sent: Option<&Request>, operation: &str) {
    if let Ending::Failed(e) = &outcome.ending {
        tracing::warn!(
            agent = %turn.bot.name,
            service = %turn.service.name,
            class = ?e.class,
            detail = %e.detail,
            "the AI service failed an answer"
        );
    }
    count(core, turn, outcome.usage, sent, &outcome.text, operation);
}

/// The model and the request for one answer.
async fn prepare(
    core: &Arc<Core>,
    api: &dyn MattermostApi,
    turn: &Turn,
    trigger: &Post,
    reply: &Post,
) -> Result<(Arc<dyn llm::LanguageModel>, Request), llm::LlmError> {
    let model = llm::factory::build(&turn.service, core.outbound.clone())?;
    // Tools run only in DMs, after approval; elsewhere the prompt says where they are.
    let tools = if turn.bot.disable_tools {
        Vec::new()
    } else {
        crate::tools::toolbox(core, api, &turn.user.id).await
    };
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
        tools_elsewhere: if turn.channel.is_direct() {
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
        && let Some(ctx) = crate::actions::analyze::follow_up_context(core, api, turn, &root).await
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
        tools: if turn.channel.is_direct() {
            tools.iter().map(|t| t.spec()).collect()
        } else {
            Vec::new()
        },
        ..Default::default()
    };
    Ok((model, request))
}

/// The rendered request for the LLM trace: roles and text, images by size only.
fn trace_view(r: &Request) -> String {
    let turns: Vec<Value> = r
        .messages
        .iter()
        .map(|m| {
            json!({
                "role": m.role,
                "text": m.joined_text(),
                "images": m.parts.iter().filter(|p| matches!(p, llm::Part::Image { .. })).count(),
                "tool_calls": m.tool_calls,
                "tool_call_id": m.tool_call_id,
            })
        })
        .collect();
    json!({"model": r.model, "messages": turns, "tools": r.tools.iter().map(|t| &t.name).collect::<Vec<_>>()})
        .to_string()
}

/// Why a route refused.
#[derive(Debug, thiserror::Error)]
pub enum PostActionError {
    #[error("post not found")]
    NotFound,
    #[error("only the user who asked can do this")]
    NotRequester,
    #[error("{0}")]
    Refused(String),
    #[error("{0}")]
    Unavailable(String),
}

/// Loads an agent's answer post and checks the caller asked for it.
async fn own_answer(
    core: &Core,
    api: &dyn MattermostApi,
    post_id: &str,
    user_id: &str,
) -> Result<Post, PostActionError> {
    let post = api
        .get_post(post_id)
        .await
        .map_err(|_| PostActionError::NotFound)?;
    // A post the caller cannot read answers exactly like a missing one: nothing about it,
    // not even that it exists, comes back.
    match api
        .has_permission_to_channel(user_id, &post.channel_id, "read_channel")
        .await
    {
        Ok(true) => {}
        _ => return Err(PostActionError::NotFound),
    }
    let snap = core.snapshot();
    if !snap.bot_ids.values().any(|id| *id == post.user_id) {
        return Err(PostActionError::Refused("this is not an agent's post".into()));
    }
    if post.prop_str(props::REQUESTER) != Some(user_id) {
        return Err(PostActionError::NotRequester);
    }
    Ok(post)
}

/// The turn of an agent's answer post, re-checked now: the agent is still configured and may
/// still serve the user in that channel.
async fn answer_turn(
    core: &Core,
    api: &dyn MattermostApi,
    post: &Post,
    user_id: &str,
) -> Result<Turn, PostActionError> {
    let snap = core.snapshot();
    let bot = snap
        .agent_by_bot_id(&post.user_id)
        .cloned()
        .ok_or_else(|| PostActionError::Refused("this agent is no longer configured".into()))?;
    let unavailable =
        |e: crate::host::ApiError| PostActionError::Unavailable(e.for_user("reading the answer"));
    let channel = api.get_channel(&post.channel_id).await.map_err(unavailable)?;
    crate::agents::access::check(api, &bot, &post.user_id, user_id, &channel)
        .await
        .map_err(|d| PostActionError::Refused(d.to_string()))?;
    let user = api.get_user(user_id).await.map_err(unavailable)?;
    let service = snap.effective.service_for(&bot).cloned().unwrap_or_default();
    Ok(Turn {
        bot_user_id: post.user_id.clone(),
        bot,
        service,
        user,
        channel,
    })
}

/// `POST /post/{id}/stop`.
pub async fn stop(core: &Arc<Core>, post_id: &str, user_id: &str) -> Result<(), PostActionError> {
    let api = core
        .api()
        .ok_or_else(|| PostActionError::Unavailable("not connected".into()))?;
    own_answer(core, api.as_ref(), post_id, user_id).await?;
    // Streaming here: stopped now. Streaming on another cluster node: that node picks the
    // request up within a second. Not streaming at all: nothing to do, and no error either
    // (a second click on Stop is not a failure).
    if !core.streams.cancel(post_id)
        && mark::streaming_somewhere(api.as_ref(), post_id).await
        && let Err(e) = mark::request_stop(api.as_ref(), post_id).await
    {
        return Err(PostActionError::Unavailable(e.for_user("stopping the answer")));
    }
    Ok(())
}

/// `POST /post/{id}/regenerate`: answers the same question again, into the same post.
pub async fn regenerate(core: &Arc<Core>, post_id: &str, user_id: &str) -> Result<(), PostActionError> {
    let api = core
        .api()
        .ok_or_else(|| PostActionError::Unavailable("not connected".into()))?;
    let mut post = own_answer(core, api.as_ref(), post_id, user_id).await?;
    if prop_true(&post, props::NO_REGEN) {
        return Err(PostActionError::Refused(
            "this answer cannot be regenerated".into(),
        ));
    }
    // An answer to a message, or a thread analysis; anything else has nothing to re-run.
    let analysis = post
        .prop_str(crate::actions::analyze::REFERENCED_THREAD)
        .zip(post.prop_str(crate::actions::analyze::PROMPT_TYPE))
        .map(|(t, k)| (t.to_owned(), k.to_owned()));
    let trigger = match (post.prop_str(props::RESPONDING_TO), &analysis) {
        (Some(id), _) => Some(
            api.get_post(id)
                .await
                .map_err(|_| PostActionError::Refused("the question was deleted".into()))?,
        ),
        (None, Some(_)) => None,
        (None, None) => {
            return Err(PostActionError::Refused(
                "this answer cannot be regenerated".into(),
            ));
        }
    };
    let turn = answer_turn(core, api.as_ref(), &post, user_id).await?;
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
    ] {
        post.props.remove(k);
    }
    post.message.clear();
    let post = api
        .update_post(&post)
        .await
        .map_err(|e| PostActionError::Unavailable(e.for_user("saving the answer")))?;
    let core = core.clone();
    match (trigger, analysis) {
        (Some(trigger), _) => {
            tokio::spawn(async move { stream_answer(&core, api, turn, trigger, post).await });
        }
        (None, Some((thread, kind))) => {
            let source = match api.get_post(&thread).await {
                Ok(root) => api.get_channel(&root.channel_id).await.ok(),
                Err(_) => None,
            }
            .ok_or_else(|| PostActionError::Refused("the analysed thread is gone".into()))?;
            crate::actions::authorize(api.as_ref(), &turn.bot, &turn.bot_user_id, user_id, &source)
                .await
                .map_err(|e| PostActionError::Refused(e.to_string()))?;
            tokio::spawn(async move {
                crate::actions::analyze::run(&core, api, turn, post, &thread, &kind, &source).await
            });
        }
        (None, None) => {}
    }
    Ok(())
}

/// `POST /post/{id}/tool_call`: runs the calls the requester accepted, records the others as
/// rejected, and lets the agent continue with the results in a new answer in the thread.
pub async fn tool_call(
    core: &Arc<Core>,
    post_id: &str,
    user_id: &str,
    accepted: &[String],
) -> Result<(), PostActionError> {
    let api = core
        .api()
        .ok_or_else(|| PostActionError::Unavailable("not connected".into()))?;
    let post = own_answer(core, api.as_ref(), post_id, user_id).await?;
    let calls: Vec<Value> = match post.props.get(props::PENDING_TOOL_CALL) {
        Some(Value::String(s)) => serde_json::from_str(s).ok(),
        Some(Value::Array(a)) => Some(a.clone()),
        _ => None,
    }
    .ok_or_else(|| PostActionError::Refused("this post has no tool calls".into()))?;
    if !calls.iter().any(|c| c["status"] == 0) {
        return Err(PostActionError::Refused(
            "these tool calls were already decided".into(),
        ));
    }
    let turn = answer_turn(core, api.as_ref(), &post, user_id).await?;
    if !turn.channel.is_direct() {
        return Err(PostActionError::Refused(
            "tools run only in direct messages".into(),
        ));
    }
    if turn.bot.disable_tools {
        return Err(PostActionError::Refused("this agent has tools turned off".into()));
    }
    // One decision per tool post, whatever the number of requests or cluster nodes: the first
    // to claim it runs the tools, the others are told it is decided.
    let claim = format!("{TOOL_CLAIM_PREFIX}{post_id}");
    match api
        .kv_insert_if_absent(&claim, user_id.as_bytes(), TOOL_CLAIM_SECONDS)
        .await
    {
        Ok(true) => {}
        Ok(false) => {
            return Err(PostActionError::Refused(
                "these tool calls were already decided".into(),
            ));
        }
        Err(e) => {
            return Err(PostActionError::Unavailable(
                e.for_user("claiming the tool calls"),
            ));
        }
    }
    // The tools may take a while: the approval is answered now, the results follow on the
    // post and the agent continues in the thread.
    let (core, user_id, accepted) = (core.clone(), user_id.to_owned(), accepted.to_vec());
    tokio::spawn(async move {
        if let Err(e) = run_tool_calls(&core, api.clone(), post, calls, turn, &user_id, &accepted).await {
            tracing::warn!(error = %e, "tool calls could not be completed");
            // Nothing was recorded: let the user decide again.
            let _ = api.kv_delete(&claim).await;
        }
    });
    Ok(())
}

/// Runs the accepted calls of a claimed tool post, records every decision on it and streams
/// the agent's continuation.
async fn run_tool_calls(
    core: &Arc<Core>,
    api: Arc<dyn MattermostApi>,
    mut post: Post,
    mut calls: Vec<Value>,
    turn: Turn,
    user_id: &str,
    accepted: &[String],
) -> Result<(), PostActionError> {
    let snap = core.snapshot();
    let tools = crate::tools::toolbox(core, api.as_ref(), user_id).await;
    let ctx = crate::tools::ToolContext {
        api: api.clone(),
        outbound: core.outbound.clone(),
        user_id: user_id.to_owned(),
        bot: turn.bot.clone(),
        bot_user_id: turn.bot_user_id.clone(),
        server_config: core.server().config,
    };
    let trace = snap.effective.config.enable_llm_trace;
    for call in calls.iter_mut().filter(|c| c["status"] == 0) {
        let id = call["id"].as_str().unwrap_or("").to_owned();
        let name = call["name"].as_str().unwrap_or("").to_owned();
        if !accepted.contains(&id) {
            call["status"] = json!(2);
            continue;
        }
        let args = call["arguments"].to_string();
        let (status, result) = match crate::tools::run(&tools, &ctx, &name, &args).await {
            Ok(out) => (4, out),
            Err(e) => (3, format!("Error: {e}")),
        };
        if trace {
            tracing::info!(tool = %name, arguments = %args, status, result = %result, "tool call");
        }
        call["status"] = json!(status);
        call["result"] = json!(result);
    }
    let list = Value::Array(calls).to_string();
    post.props
        .insert(props::PENDING_TOOL_CALL.into(), json!(list.clone()));
    let post = api
        .update_post(&post)
        .await
        .map_err(|e| PostActionError::Unavailable(e.for_user("saving the answer")))?;
    let mut fields = serde_json::Map::new();
    fields.insert("post_id".into(), json!(post.id));
    fields.insert("control".into(), json!("tool_call"));
    fields.insert("tool_call".into(), json!(list));
    let _ = api
        .publish_websocket_event(
            stream::POST_UPDATE_EVENT,
            fields,
            &crate::host::model::WebsocketBroadcast {
                channel_id: post.channel_id.clone(),
                ..Default::default()
            },
        )
        .await;
    // The continuation answers the tool post: regenerate re-runs it from the same results.
    let mut reply = Post {
        user_id: turn.bot_user_id.clone(),
        channel_id: post.channel_id.clone(),
        root_id: thread_root(&post),
        post_type: BOT_POST_TYPE.into(),
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
        .map_err(|e| PostActionError::Unavailable(e.for_user("saving the answer")))?;
    let core = core.clone();
    tokio::spawn(async move { stream_answer(&core, api, turn, post, reply).await });
    Ok(())
}

/// At activation: answers left mid-stream by a previous run get an "interrupted" note instead
/// of staying in streaming state forever.
pub async fn recover_interrupted(core: &Arc<Core>) {
    // Marks still renewed belong to answers another node is writing; they get a second look
    // once they would have gone stale.
    if finish_stale(core).await {
        tokio::time::sleep(std::time::Duration::from_millis(STALE_AFTER_MS as u64 + 30_000)).await;
        finish_stale(core).await;
    }
}

/// Finishes the answers whose marks went stale; true when live marks were left alone.
async fn finish_stale(core: &Arc<Core>) -> bool {
    let Some(api) = core.api() else { return false };
    let mut keys = Vec::new();
    for page in 0.. {
        match api.kv_list(page, 200).await {
            Ok(list) => {
                let done = list.len() < 200;
                keys.extend(list.into_iter().filter(|k| k.starts_with(STREAMING_KEY_PREFIX)));
                if done {
                    break;
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "could not list interrupted answers");
                return false;
            }
        }
    }
    let mut live_elsewhere = false;
    for key in keys {
        let post_id = &key[STREAMING_KEY_PREFIX.len()..];
        if core.streams.is_active(post_id) {
            continue;
        }
        let value = match api.kv_get(&key).await {
            Ok(Some(v)) => v,
            _ => continue,
        };
        if mark::mark_time(&value).is_some_and(|t| now_ms() - t < STALE_AFTER_MS) {
            live_elsewhere = true;
            continue;
        }
        // Claim the mark by removing exactly what we read: when two nodes activate together
        // only one of them adds the note.
        match api.kv_compare_and_set(&key, &value, None).await {
            Ok(true) => {}
            Ok(false) => continue,
            Err(e) => {
                tracing::warn!(error = %e, "could not claim an interrupted answer");
                continue;
            }
        }
        let finished = match api.get_post(post_id).await {
            Ok(mut post) => {
                let sep = if post.message.is_empty() { "" } else { "\n\n" };
                post.message = format!(
                    "{}{sep}(This answer was interrupted because the Agents plugin restarted. Use Regenerate to try again.)",
                    post.message
                );
                match api.update_post(&post).await {
                    Ok(_) => {
                        let mut payload = serde_json::Map::new();
                        payload.insert("post_id".into(), json!(post_id));
                        payload.insert("control".into(), json!("end"));
                        let _ = api
                            .publish_websocket_event(
                                stream::POST_UPDATE_EVENT,
                                payload,
                                &crate::host::model::WebsocketBroadcast {
                                    channel_id: post.channel_id.clone(),
                                    ..Default::default()
                                },
                            )
                            .await;
                        true
                    }
                    Err(e) => {
                        tracing::warn!(post_id, error = %e, "could not finish an interrupted answer");
                        false
                    }
                }
            }
            // The post is gone: nothing to finish.
            Err(_) => true,
        };
        if !finished {
            // Put the mark back so a later activation tries again.
            let _ = api.kv_set(&key, &value).await;
        }
    }
    live_elsewhere
}
