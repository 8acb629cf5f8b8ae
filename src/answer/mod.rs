//! The answer core: what every feature that answers shares. A `Turn` (who asks which agent
//! where), requests and their token budgets, prompts, every prop key and the typed tool-call
//! status (`props`), the streaming writer (`stream`: the only code that writes answer posts and
//! publishes `postupdate`), long-answer splitting, the Stop registry, the restart mark and its
//! recovery, the per-user limit, the tool capability (`tools`) and delivery into the caller's
//! DM. Conversations, actions, search and tools build on it and never on each other.

pub mod citations;
pub mod context;
pub mod delivery;
pub mod fallback;
pub mod inert;
pub mod limits;
pub mod mark;
pub mod metered;
pub mod owned;
pub mod policy;
pub mod prompts;
pub mod props;
pub mod recovery;
pub mod registry;
pub mod split;
pub mod stream;
pub mod tools;

use std::ops::Deref;
use std::sync::Arc;

use async_trait::async_trait;
use serde_json::{Value, json};

use crate::config::{BotConfig, ServiceConfig};
use crate::i18n::Locale;
use crate::infra::Infra;
use crate::llm::{self, Message, Request};
use crate::usage::UsageRecord;
use plugin_runtime::host::MattermostApi;
use plugin_runtime::host::model::{Channel, Post, User};
use stream::Ending;

/// Room kept for the answer when trimming history.
pub const ANSWER_RESERVE_TOKENS: u64 = 4096;

/// The state every answer shares, over the infrastructure.
pub struct AnswerCore {
    pub infra: Infra,
    pub prompts: prompts::Prompts,
    /// Answers streaming on this node, for Stop and Regenerate.
    pub streams: registry::Streams,
    /// Answers in progress per user, bounded.
    pub user_slots: Arc<limits::UserSlots>,
}

impl AnswerCore {
    pub fn new(infra: Infra) -> Self {
        AnswerCore {
            infra,
            prompts: prompts::Prompts::load(),
            streams: Default::default(),
            user_slots: Default::default(),
        }
    }
}

impl AnswerCore {
    /// The model `turn`'s agent runs on, behind the token quotas of its user, team and agent,
    /// with the service's fallback (if it names a usable one) for failures before the answer.
    pub fn model(&self, turn: &Turn) -> Result<Arc<dyn llm::LanguageModel>, llm::LlmError> {
        let metered = |inner| -> Arc<dyn llm::LanguageModel> {
            Arc::new(metered::Metered {
                inner,
                infra: self.infra.clone(),
                who: turn.who(),
                channel_id: turn.channel.id.clone(),
            })
        };
        let primary = metered(llm::factory::build(&turn.service, self.outbound.clone())?);
        let snap = self.snapshot();
        let Some(service) = snap.effective.fallback_for(&turn.service) else {
            return Ok(primary);
        };
        // A fallback that cannot be built (an unsupported type) leaves the primary alone.
        let built = match llm::factory::build(service, self.outbound.clone()) {
            Ok(model) => model,
            Err(e) => {
                tracing::warn!(service = %service.name, detail = %e.detail, "the fallback service cannot be used");
                return Ok(primary);
            }
        };
        Ok(Arc::new(fallback::Fallback {
            primary,
            // The fallback's call is a model call for the same user: the quotas apply again.
            fallback: metered(built),
            answerer: llm::Answerer {
                service_id: service.id.clone(),
                service_name: if service.name.is_empty() {
                    service.id.clone()
                } else {
                    service.name.clone()
                },
                service_type: service.service_type.clone(),
                model: service.default_model.clone(),
            },
            primary_name: turn.service.name.clone(),
        }))
    }
}

/// Features read the infrastructure through the core they hold.
impl Deref for AnswerCore {
    type Target = Infra;
    fn deref(&self) -> &Infra {
        &self.infra
    }
}

/// What a conversation needs from thread analysis, handed in by the composition root so the
/// two features never import each other: a follow-up in an analysis DM re-reads the analysed
/// thread, and Regenerate on an analysis runs it again.
#[async_trait]
pub trait ThreadAnalysis: Send + Sync {
    /// Context for a conversation continuing `root`, an analysis answer.
    async fn follow_up_context(&self, api: &dyn MattermostApi, turn: &Turn, root: &Post) -> Option<Message>;
    /// Streams the analysis of `thread` (`kind`) again into the (cleared) `post`.
    async fn rerun(
        &self,
        api: Arc<dyn MattermostApi>,
        turn: Turn,
        post: Post,
        thread: String,
        kind: String,
    ) -> Result<(), owned::PostActionError>;
}

/// Semantic search over the messages a user can read, offered by the search feature to those
/// that search on a user's behalf (the Mattermost MCP server's `search_posts`).
#[async_trait]
pub trait MessageSearch: Send + Sync {
    /// `None` when semantic search is not set up (off, unlicensed or failing to start): the
    /// caller falls back to Mattermost's own search.
    async fn search_messages(
        &self,
        api: &dyn MattermostApi,
        user_id: &str,
        query: &str,
        scope: &SearchScope,
        max: usize,
    ) -> Option<Result<Vec<FoundMessage>, String>>;
}

/// Narrows a message search.
#[derive(Debug, Clone, Default)]
pub struct SearchScope {
    pub team_id: Option<String>,
    pub channel_id: Option<String>,
}

/// One message a search found, already judged visible to the user.
#[derive(Debug, Clone)]
pub struct FoundMessage {
    pub post_id: String,
    pub channel_id: String,
    pub channel_name: String,
    pub username: String,
    pub content: String,
}

/// Everything one answer needs, resolved once.
pub struct Turn {
    pub bot: BotConfig,
    pub bot_user_id: String,
    pub service: ServiceConfig,
    pub user: User,
    pub channel: Channel,
}

impl Turn {
    /// The requester's language, for what the plugin itself says in the answer.
    pub fn locale(&self) -> Locale {
        Locale::new(&self.user.locale)
    }

    /// Whose quotas this turn's model calls count against.
    pub fn who(&self) -> crate::usage::quota::Who {
        crate::usage::quota::Who {
            user_id: self.user.id.clone(),
            team_id: crate::usage::team_label(&self.channel),
            bot_id: self.bot_user_id.clone(),
            agent_name: if self.bot.display_name.is_empty() {
                self.bot.name.clone()
            } else {
                self.bot.display_name.clone()
            },
            is_admin: Some(self.user.is_system_admin()),
            locale: self.user.locale.clone(),
        }
    }
}

/// The thread an answer to `p` belongs in.
pub fn thread_root(p: &Post) -> String {
    if p.root_id.is_empty() {
        p.id.clone()
    } else {
        p.root_id.clone()
    }
}

/// Streams a model's answer into `reply`: registered for Stop from the start, marked in the KV
/// store for restart recovery, counted and reported at the end. `build` makes the request; its
/// failure ends the post with the error like any other.
pub async fn stream_request(
    core: &AnswerCore,
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
    let locale = turn.locale();
    let build = async {
        if slot.is_none() {
            return Err(llm::LlmError::new(
                llm::ErrorClass::Busy,
                limits::busy_message(&locale),
            ));
        }
        build.await
    };
    let events = match build.await {
        Ok((model, request)) => {
            if core.snapshot().effective.config.enable_llm_trace {
                tracing::info!(agent = %turn.bot.name, operation, request = %trace_view(&request), "LLM call");
            }
            // Citations of the built-in web search's results become the answer's annotations.
            let events = model
                .stream(&request)
                .await
                .map(|e| citations::decorate(e, citations::from_request(&request)));
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
        // Outside a DM, tool calls are the requester's until they share what they returned.
        !turn.channel.is_direct(),
        locale,
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
/// The usage is counted for the service that answered: the turn's own, or its fallback.
pub fn count(
    core: &AnswerCore,
    turn: &Turn,
    spent: impl Into<Spent>,
    sent: Option<&Request>,
    text: &str,
    operation: &str,
) {
    let Spent { usage, answered_by } = spent.into();
    let answered_by = answered_by.as_ref();
    let usage = usage.unwrap_or_else(|| {
        let counter = match answered_by {
            Some(a) => llm::tokens::Counter::for_model(&a.service_type, &a.model),
            None => counter(turn),
        };
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
        provider: answered_by.map_or_else(|| turn.service.service_type.clone(), |a| a.service_type.clone()),
        model: match answered_by {
            Some(a) => a.model.clone(),
            None => sent
                .map(|r| r.model.clone())
                .filter(|m| !m.is_empty())
                .unwrap_or_else(|| model_name(turn)),
        },
        operation: operation.into(),
        operation_subtype: String::new(),
        input_tokens: usage.input_tokens,
        output_tokens: usage.output_tokens,
    });
}

/// What one call spent, and who spent it when a fallback answered.
#[derive(Debug, Clone, Default)]
pub struct Spent {
    /// As the provider reported it; `None`: counted from the request and answer.
    pub usage: Option<llm::Usage>,
    pub answered_by: Option<llm::Answerer>,
}

impl From<Option<llm::Usage>> for Spent {
    fn from(usage: Option<llm::Usage>) -> Self {
        Spent {
            usage,
            answered_by: None,
        }
    }
}

/// [`llm::collect`] for answers: the usage comes with the service that answered, for [`count`].
/// Kept beside `llm::collect` rather than in it: which service answered is the answer core's
/// business (the fallback lives here), not the wire formats'.
pub async fn collect(
    events: llm::EventStream,
) -> (
    String,
    Vec<llm::ToolCall>,
    Spent,
    Result<llm::FinishReason, llm::LlmError>,
) {
    let mut events = events;
    let (mut text, mut calls, mut spent) = (String::new(), Vec::new(), Spent::default());
    while let Some(ev) = events.recv().await {
        match ev {
            llm::Event::Text(t) => text.push_str(&t),
            llm::Event::ToolCalls(c) => calls.extend(c),
            llm::Event::Usage(u) => spent.usage = Some(u),
            llm::Event::AnsweredBy(a) => spent.answered_by = Some(a),
            llm::Event::End(r) => return (text, calls, spent, Ok(r)),
            llm::Event::Error(e) => return (text, calls, spent, Err(e)),
            llm::Event::Reasoning(_) | llm::Event::Thinking(_) | llm::Event::Annotations(_) => {}
        }
    }
    let end = llm::LlmError::new(
        llm::ErrorClass::Malformed,
        "the stream ended without an end event",
    );
    (text, calls, spent, Err(end))
}

/// Logs failures for admins and hands the usage to the sink.
fn report(
    core: &AnswerCore,
    turn: &Turn,
    outcome: &stream::Outcome,
    sent: Option<&Request>,
    operation: &str,
) {
    if let Ending::Failed(e) = &outcome.ending {
        tracing::warn!(
            agent = %turn.bot.name,
            service = %turn.service.name,
            class = ?e.class,
            detail = %e.detail,
            "the AI service failed an answer"
        );
    }
    let spent = Spent {
        usage: outcome.usage,
        answered_by: outcome.answered_by.clone(),
    };
    count(core, turn, spent, sent, &outcome.text, operation);
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
