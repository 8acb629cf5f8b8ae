//! The LLM Bridge: the agents and services of this plugin offered to the core server (agents
//! list, AI rewrite, recaps, auto-translation) and to other plugins (Playbooks, channel
//! automation), as upstream's `/bridge/v1` API (docs/upstream-facts.md, "LLM Bridge API").
//! Callers are servers, never users: the HTTP layer admits only requests carrying
//! `Mattermost-Plugin-ID`, which Mattermost sets on inter-plugin and core requests alone.
//!
//! Checks run in upstream's order with upstream's messages; provider failures reach callers as
//! their safe `user_message()`, never a provider body or address. Bounded: the body, the posts,
//! the files, the answer's size, its time, and the completions running at once.

pub mod frames;
pub mod request;
pub mod schema;
pub mod tools;

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use serde::Serialize;
use serde_json::Value;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc};
use tokio::time::{Instant, timeout_at};

use crate::agents::access;
use crate::answer::AnswerCore;
use crate::answer::tools::{Tool, ToolContext, ToolProvider};
use crate::config::{BotConfig, ServiceConfig};
use crate::llm::tokens::Counter;
use crate::llm::{self, Effort, LanguageModel, LlmError, Message, ReasoningOptions, Role, ToolCall};
use crate::usage::UsageRecord;
use request::{CompletionRequest, FileAccess};

/// A completion's whole time, tool rounds and the structured-output retry included.
pub const TIMEOUT: Duration = Duration::from_secs(300);
/// Bytes of text one completion may produce.
pub const MAX_ANSWER_BYTES: usize = 4 * 1024 * 1024;
/// Completions running at once over the whole bridge.
pub const MAX_RUNNING: usize = 32;

/// Why a bridge request was refused or failed; each message is the one the caller reads.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BridgeError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    TooLarge(String),
    #[error("{0}")]
    Busy(String),
    #[error("{0}")]
    Failed(String),
}

/// An agent as `GET /bridge/v1/agents` lists it.
#[derive(Debug, Clone, Serialize)]
pub struct AgentInfo {
    pub id: String,
    #[serde(rename = "displayName")]
    pub display_name: String,
    pub username: String,
    pub service_id: String,
    pub service_type: String,
    pub is_default: bool,
}

/// A service as `GET /bridge/v1/services` lists it.
#[derive(Debug, Clone, Serialize)]
pub struct ServiceInfo {
    pub id: String,
    pub name: String,
    #[serde(rename = "type")]
    pub service_type: String,
}

/// Streamed (SSE) or whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Stream,
    NoStream,
}

impl Mode {
    fn subtype(self) -> &'static str {
        match self {
            Mode::Stream => "streaming",
            Mode::NoStream => "nostream",
        }
    }
}

pub struct Bridge {
    core: Arc<AnswerCore>,
    /// Every tool a user could be offered; `allowed_tools` picks among them.
    tools: Arc<dyn ToolProvider>,
    running: Arc<Semaphore>,
}

impl Bridge {
    pub fn new(core: Arc<AnswerCore>, tools: Arc<dyn ToolProvider>) -> Self {
        Bridge {
            core,
            tools,
            running: Arc::new(Semaphore::new(MAX_RUNNING)),
        }
    }

    /// The active agents, only those `user_id` may use when given; by display name, then id.
    pub async fn agents(&self, user_id: Option<&str>) -> Result<Vec<AgentInfo>, BridgeError> {
        let user = request::check_user_query(user_id)?;
        let snap = self.core.snapshot();
        let api = self.core.api();
        let mut out = Vec::new();
        for agent in snap.agents() {
            let Some(bot_id) = snap.bot_ids.get(&agent.name) else {
                continue;
            };
            if let Some(u) = &user
                && access::check_user(api.as_ref(), agent, u).await.is_err()
            {
                continue;
            }
            out.push(AgentInfo {
                id: bot_id.clone(),
                display_name: agent.display_name.clone(),
                username: agent.name.clone(),
                service_id: agent.service_id.clone(),
                service_type: snap
                    .effective
                    .service_for(agent)
                    .map(|s| s.service_type.clone())
                    .unwrap_or_default(),
                is_default: !snap.effective.config.default_bot_name.is_empty()
                    && agent.name == snap.effective.config.default_bot_name,
            });
        }
        out.sort_by(|a, b| (&a.display_name, &a.id).cmp(&(&b.display_name, &b.id)));
        Ok(out)
    }

    /// Every usable service (not filtered by user, as upstream), first of each id; by name,
    /// then id.
    pub async fn services(&self, user_id: Option<&str>) -> Result<Vec<ServiceInfo>, BridgeError> {
        request::check_user_query(user_id)?;
        let snap = self.core.snapshot();
        let mut out: Vec<ServiceInfo> = Vec::new();
        for s in usable_services(&snap.effective) {
            if out.iter().any(|o| o.id == s.id) {
                continue;
            }
            out.push(ServiceInfo {
                id: s.id.clone(),
                name: s.name.clone(),
                service_type: s.service_type.clone(),
            });
        }
        out.sort_by(|a, b| (&a.name, &a.id).cmp(&(&b.name, &b.id)));
        Ok(out)
    }

    /// `POST /bridge/v1/completion/agent/{agent}[/nostream]`, checked and ready to run.
    pub async fn agent_completion(
        &self,
        agent: &str,
        body: &[u8],
        mode: Mode,
    ) -> Result<Completion, BridgeError> {
        request::check_agent_id(agent)?;
        let req = request::parse(body)?;
        request::check_ids(&req)?;
        if req.tool_hooks.as_ref().is_some_and(|h| !h.is_null()) {
            if req.user_id().is_empty() {
                return Err(BridgeError::BadRequest("tool_hooks requires user_id".into()));
            }
            if req.allowed_tools.is_none() {
                return Err(BridgeError::BadRequest(
                    "tool_hooks requires allowed_tools".into(),
                ));
            }
            // Hooks ask the calling plugin before each tool call; calling back into another
            // plugin is not offered, and running the tools without the gate is not an option.
            return Err(BridgeError::BadRequest(
                "tool_hooks is not supported by this plugin".into(),
            ));
        }
        if let Some(allowed) = &req.allowed_tools {
            if allowed.is_empty() {
                return Err(BridgeError::BadRequest(
                    "invalid allowed_tools: allowed_tools cannot be empty when provided".into(),
                ));
            }
            if req.user_id().is_empty() {
                return Err(BridgeError::BadRequest("allowed_tools requires user_id".into()));
            }
        }
        let snap = self.core.snapshot();
        let api = self.core.api();
        let Some(bot) = snap.agent_by_bot_id(agent).cloned() else {
            return Err(BridgeError::NotFound(format!("bot not found with ID: {agent}")));
        };
        let service = snap
            .effective
            .service_for(&bot)
            .cloned()
            .ok_or_else(|| BridgeError::Failed("failed to resolve the agent's service".into()))?;

        // Who may use the agent, and where.
        let mut channel = None;
        if !req.user_id().is_empty() {
            let denied = |why: String| BridgeError::Forbidden(format!("permission denied: {why}"));
            if req.channel_id().is_empty() {
                access::check_user(api.as_ref(), &bot, req.user_id())
                    .await
                    .map_err(|e| denied(e.to_string()))?;
            } else {
                let ch = api
                    .get_channel(req.channel_id())
                    .await
                    .map_err(|_| denied("channel not found".into()))?;
                access::check(api.as_ref(), &bot, agent, req.user_id(), &ch)
                    .await
                    .map_err(|e| denied(e.to_string()))?;
                channel = Some(ch);
            }
        }

        let descriptor = crate::providers::descriptor(&service.service_type);
        let mut tools: Vec<Arc<dyn Tool>> = Vec::new();
        if let Some(allowed) = &req.allowed_tools {
            if bot.disable_tools {
                return Err(BridgeError::BadRequest("agent has tools disabled".into()));
            }
            if !descriptor.is_some_and(|d| d.tools.applies(service.use_responses_api)) {
                return Err(BridgeError::BadRequest(
                    "invalid allowed_tools: the agent's service does not support tools".into(),
                ));
            }
            tools = tools::resolve(
                self.tools.as_ref(),
                api.as_ref(),
                &snap.effective.config,
                req.user_id(),
                allowed,
            )
            .await?;
        }

        let vision =
            bot.enable_vision && descriptor.is_some_and(|d| d.vision.applies(service.use_responses_api));
        let messages = request::to_messages(
            api.as_ref(),
            req.posts(),
            FileAccess {
                user_id: req.user_id(),
                vision,
            },
        )
        .await?;
        let model = if bot.model.is_empty() {
            service.default_model.clone()
        } else {
            bot.model.clone()
        };
        let reasoning = bot.reasoning_enabled.then(|| ReasoningOptions {
            budget_tokens: u32::try_from(bot.thinking_budget).unwrap_or(0),
            effort: Effort::parse(&bot.reasoning_effort),
        });
        let team_id = match channel {
            Some(ch) => crate::usage::team_label(&ch),
            None => self.team_of(req.channel_id()).await,
        };
        let tool_ctx = (!tools.is_empty()).then(|| ToolContext {
            api: api.clone(),
            outbound: self.core.outbound.clone(),
            user_id: req.user_id().to_owned(),
            bot: bot.clone(),
            bot_user_id: agent.to_owned(),
            server_config: self.core.server().config,
        });
        let usage = UsageRecord {
            user_id: req.user_id().to_owned(),
            team_id,
            bot_id: agent.to_owned(),
            bot_username: bot.name.clone(),
            operation: "bridge_agent".into(),
            ..Default::default()
        };
        self.prepare(
            &req,
            Prepared {
                bot: Some(bot),
                service,
                model,
                messages,
                reasoning,
                tools,
                tool_ctx,
                usage,
            },
            mode,
        )
    }

    /// `POST /bridge/v1/completion/service/{service}[/nostream]`: the service's default model,
    /// no agent, no tools; the ids are attribution only (no access check, as upstream).
    pub async fn service_completion(
        &self,
        service: &str,
        body: &[u8],
        mode: Mode,
    ) -> Result<Completion, BridgeError> {
        let req = request::parse(body)?;
        if req.allowed_tools.is_some() {
            return Err(BridgeError::BadRequest(
                "allowed_tools is only supported for agent completion endpoints".into(),
            ));
        }
        request::check_ids(&req)?;
        let snap = self.core.snapshot();
        let found = {
            let usable: Vec<&ServiceConfig> = usable_services(&snap.effective).collect();
            usable
                .iter()
                .find(|s| s.id == service)
                .or_else(|| usable.iter().find(|s| !s.name.is_empty() && s.name == service))
                .map(|s| (*s).clone())
        };
        let Some(svc) = found else {
            return Err(BridgeError::NotFound(format!("service not found: {service}")));
        };
        let vision = crate::providers::descriptor(&svc.service_type)
            .is_some_and(|d| d.vision.applies(svc.use_responses_api));
        let api = self.core.api();
        let messages = request::to_messages(
            api.as_ref(),
            req.posts(),
            FileAccess {
                user_id: req.user_id(),
                vision,
            },
        )
        .await?;
        let usage = UsageRecord {
            user_id: req.user_id().to_owned(),
            team_id: self.team_of(req.channel_id()).await,
            operation: "bridge_service".into(),
            ..Default::default()
        };
        self.prepare(
            &req,
            Prepared {
                bot: None,
                model: svc.default_model.clone(),
                service: svc,
                messages,
                reasoning: None,
                tools: Vec::new(),
                tool_ctx: None,
                usage,
            },
            mode,
        )
    }

    /// The team label of a channel the request names, for the usage log (empty when none).
    async fn team_of(&self, channel_id: &str) -> String {
        if channel_id.is_empty() {
            return String::new();
        }
        match self.core.api().get_channel(channel_id).await {
            Ok(ch) => crate::usage::team_label(&ch),
            Err(_) => String::new(),
        }
    }

    /// The options, the model and a running slot: what is left before the call.
    fn prepare(&self, req: &CompletionRequest, p: Prepared, mode: Mode) -> Result<Completion, BridgeError> {
        let mut messages = p.messages;
        let mut native = false;
        let schema = match &req.json_output_format {
            None | Some(Value::Null) => None,
            Some(v) => {
                let s =
                    schema::parse(v).map_err(|e| BridgeError::BadRequest(format!("invalid options: {e}")))?;
                native = schema::native(&p.service, &s);
                if !native {
                    schema::instruct(&mut messages, &s);
                }
                Some(s)
            }
        };
        let model = llm::factory::build(&p.service, self.core.outbound.clone()).map_err(|e| {
            tracing::warn!(service = %p.service.name, detail = %e.detail, "bridge: the service cannot be used");
            BridgeError::Failed(format!("failed to complete LLM request: {}", e.user_message()))
        })?;
        // Another plugin's calls for a user count against the same quotas as the user's own.
        let model: Arc<dyn LanguageModel> = Arc::new(crate::answer::metered::Metered {
            inner: model,
            infra: self.core.infra.clone(),
            who: crate::usage::quota::Who {
                user_id: p.usage.user_id.clone(),
                team_id: p.usage.team_id.clone(),
                bot_id: p.usage.bot_id.clone(),
                agent_name: p.bot.as_ref().map(|b| b.display_name.clone()).unwrap_or_default(),
                is_admin: None,
                locale: String::new(),
            },
            channel_id: String::new(),
        });
        let permit = self
            .running
            .clone()
            .try_acquire_owned()
            .map_err(|_| BridgeError::Busy("too many completions in progress; try again later".into()))?;
        let counter = Counter::for_model(&p.service.service_type, &p.model);
        let mut usage = p.usage;
        usage.provider = p.service.service_type.clone();
        usage.model = p.model.clone();
        if let Some(op) = req.operation.as_deref().filter(|o| !o.is_empty()) {
            usage.operation = op.to_owned();
        }
        usage.operation_subtype = req
            .operation_subtype
            .clone()
            .filter(|o| !o.is_empty())
            .unwrap_or_else(|| mode.subtype().to_owned());
        let request = llm::Request {
            messages,
            model: p.model,
            max_output_tokens: req.max_tokens(),
            tools: p.tools.iter().map(|t| t.spec()).collect(),
            user_id: Some(req.user_id().to_owned()).filter(|u| !u.is_empty()),
            json_schema: schema.clone().filter(|_| native),
            reasoning: p.reasoning,
            web_search: false,
        };
        Ok(Completion {
            core: self.core.clone(),
            model,
            request,
            schema,
            tools: p.tools,
            tool_ctx: p.tool_ctx,
            counter,
            usage,
            agent: p.bot.map(|b| b.name).unwrap_or_default(),
            service: p.service.name,
            _permit: permit,
        })
    }
}

/// What an endpoint resolved before the shared preparation.
struct Prepared {
    bot: Option<BotConfig>,
    service: ServiceConfig,
    model: String,
    messages: Vec<Message>,
    reasoning: Option<ReasoningOptions>,
    tools: Vec<Arc<dyn Tool>>,
    tool_ctx: Option<ToolContext>,
    usage: UsageRecord,
}

/// The services the configuration left usable, in configuration order.
fn usable_services(e: &crate::config::Effective) -> impl Iterator<Item = &ServiceConfig> {
    e.services
        .iter()
        .map(|i| &e.config.services[*i])
        .filter(|s| crate::providers::descriptor(&s.service_type).is_some())
}

/// A checked request, ready to call the model.
pub struct Completion {
    core: Arc<AnswerCore>,
    model: Arc<dyn LanguageModel>,
    request: llm::Request,
    schema: Option<Value>,
    tools: Vec<Arc<dyn Tool>>,
    tool_ctx: Option<ToolContext>,
    counter: Counter,
    /// Filled with the tokens when the completion ends, then recorded.
    usage: UsageRecord,
    agent: String,
    service: String,
    _permit: OwnedSemaphorePermit,
}

/// Why a completion stopped without an answer.
enum Stop {
    /// The message for the caller.
    Failed(String),
    /// The caller went away (a stream nobody reads).
    Gone,
}

impl Completion {
    /// The whole answer (`/nostream`): the text, or the JSON document a schema asked for.
    pub async fn complete(mut self) -> Result<String, BridgeError> {
        let result = self.run(None).await;
        self.record();
        match result {
            Ok(text) => Ok(text),
            Err(Stop::Failed(m)) => Err(BridgeError::Failed(m)),
            Err(Stop::Gone) => Err(BridgeError::Failed(
                "failed to complete LLM request: cancelled".into(),
            )),
        }
    }

    /// The answer as SSE frames: text as it comes (or the JSON document at the end when a
    /// schema was asked for), the usage, then the end frame; a failure ends with one error
    /// frame after whatever text was sent. Dropping the receiver cancels the model call.
    pub fn stream(mut self) -> mpsc::Receiver<Bytes> {
        let (tx, rx) = mpsc::channel(64);
        tokio::spawn(async move {
            let result = self.run(Some(&tx)).await;
            self.record();
            match result {
                Ok(doc) => {
                    if self.schema.is_some() {
                        for f in frames::text(&doc) {
                            if tx.send(f).await.is_err() {
                                return;
                            }
                        }
                    }
                    let _ = tx
                        .send(frames::usage(self.usage.input_tokens, self.usage.output_tokens))
                        .await;
                    let _ = tx.send(frames::end()).await;
                }
                Err(Stop::Failed(m)) => {
                    let _ = tx.send(frames::error(&m)).await;
                }
                Err(Stop::Gone) => {}
            }
        });
        rx
    }

    fn record(&self) {
        self.core.usage.record(self.usage.clone());
    }

    fn failed(&self, e: &LlmError) -> Stop {
        tracing::warn!(
            agent = %self.agent,
            service = %self.service,
            class = ?e.class,
            detail = %e.detail,
            "bridge: the AI service failed a completion"
        );
        Stop::Failed(format!("failed to complete LLM request: {}", e.user_message()))
    }

    fn timed_out(&self) -> Stop {
        self.failed(&LlmError::new(
            llm::ErrorClass::Timeout,
            "the bridge completion timed out",
        ))
    }

    /// Model rounds until a text answer: tool calls run between rounds (bounded), and an
    /// answer that misses the schema is asked for once more.
    async fn run(&mut self, forward: Option<&mpsc::Sender<Bytes>>) -> Result<String, Stop> {
        let deadline = Instant::now() + TIMEOUT;
        // Text goes out as it comes only when nothing needs checking at the end.
        let forward = forward.filter(|_| self.schema.is_none());
        let mut tool_rounds = 0;
        let mut retried = false;
        let mut total = 0usize;
        let mut answer = String::new();
        loop {
            let (text, calls) = self.round(deadline, forward, &mut total).await?;
            answer.push_str(&text);
            if !calls.is_empty() && !self.tools.is_empty() && tool_rounds < tools::MAX_TOOL_ROUNDS {
                tool_rounds += 1;
                self.run_tools(text, calls).await;
                continue;
            }
            let Some(schema) = &self.schema else {
                return Ok(answer);
            };
            match schema::extract(&answer, schema) {
                Ok(doc) => return Ok(doc),
                Err(why) if !retried => {
                    retried = true;
                    self.request
                        .messages
                        .push(Message::text(Role::Assistant, answer.clone()));
                    self.request.messages.push(Message::text(
                        Role::User,
                        format!("That answer is not a JSON document matching the schema ({why}). Answer again with only the JSON document."),
                    ));
                    answer.clear();
                }
                Err(why) => {
                    tracing::warn!(agent = %self.agent, service = %self.service, why, "bridge: the answer did not match json_output_format");
                    return Err(Stop::Failed(
                        "failed to complete LLM request: the model's answer did not match json_output_format"
                            .into(),
                    ));
                }
            }
        }
    }

    /// One model call: its text (forwarded as it comes when asked) and tool calls.
    async fn round(
        &mut self,
        deadline: Instant,
        forward: Option<&mpsc::Sender<Bytes>>,
        total: &mut usize,
    ) -> Result<(String, Vec<ToolCall>), Stop> {
        let mut events = match timeout_at(deadline, self.model.stream(&self.request)).await {
            Err(_) => return Err(self.timed_out()),
            Ok(Err(e)) => return Err(self.failed(&e)),
            Ok(Ok(s)) => s,
        };
        let (mut text, mut calls, mut usage) = (String::new(), Vec::new(), None);
        let ended = loop {
            let ev = match timeout_at(deadline, events.recv()).await {
                Err(_) => break Err(self.timed_out()),
                Ok(None) => {
                    break Err(self.failed(&LlmError::new(
                        llm::ErrorClass::Malformed,
                        "the stream ended without an end event",
                    )));
                }
                Ok(Some(ev)) => ev,
            };
            match ev {
                llm::Event::Text(t) => {
                    *total += t.len();
                    if *total > MAX_ANSWER_BYTES {
                        break Err(Stop::Failed(format!(
                            "failed to complete LLM request: the answer is longer than {MAX_ANSWER_BYTES} bytes"
                        )));
                    }
                    if let Some(tx) = forward {
                        for f in frames::text(&t) {
                            if tx.send(f).await.is_err() {
                                return Err(Stop::Gone);
                            }
                        }
                    }
                    text.push_str(&t);
                }
                llm::Event::ToolCalls(c) => calls.extend(c),
                llm::Event::Usage(u) => usage = Some(u),
                llm::Event::End(_) => break Ok(()),
                llm::Event::Error(e) => break Err(self.failed(&e)),
                llm::Event::Reasoning(_)
                | llm::Event::Thinking(_)
                | llm::Event::Annotations(_)
                | llm::Event::AnsweredBy(_) => {}
            }
        };
        // Counted whatever happened: the provider's figures, else our count of what was sent.
        let u = usage.unwrap_or_else(|| llm::Usage {
            input_tokens: llm::budget::request_tokens(&self.request.messages, &self.counter),
            output_tokens: self.counter.count(&text),
        });
        self.usage.input_tokens += u.input_tokens;
        self.usage.output_tokens += u.output_tokens;
        ended.map(|()| (text, calls))
    }

    /// Runs the calls the model made (only allowed tools exist here) and adds the turns.
    async fn run_tools(&mut self, text: String, calls: Vec<ToolCall>) {
        let Some(ctx) = &self.tool_ctx else {
            return;
        };
        let mut turns = vec![Message {
            tool_calls: calls.clone(),
            ..Message::text(Role::Assistant, text)
        }];
        for call in calls {
            let result = crate::answer::tools::run(&self.tools, ctx, &call.name, &call.arguments).await;
            let out = match result {
                Ok(out) => out,
                Err(e) => format!("Error: {e}"),
            };
            turns.push(Message::tool_result(call.id.clone(), out));
        }
        self.request.messages.extend(turns);
    }
}
