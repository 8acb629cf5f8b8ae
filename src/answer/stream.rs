//! Streaming a model's answer into bot posts: the accumulated text goes out on the
//! `postupdate` websocket event as it grows (throttled), and the post is saved at the end, on
//! error, on stop, at tool calls and every few seconds in between, so nothing is lost when the
//! plugin stops mid-answer. An answer longer than one post continues in the same thread.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Map, Value, json};
use tokio::time::Instant;

use super::mark::StreamMark;
use super::props::{self, POST_UPDATE_EVENT, ToolCallRecord, ToolCallStatus, event};
use super::registry::StopSignal;
use super::split::{SOFT_LIMIT, split};
use crate::i18n::{Locale, arg};
use crate::llm::{
    Annotation, Answerer, Event, EventStream, FinishReason, LlmError, Thinking, ToolCall, Usage,
};
use plugin_runtime::host::MattermostApi;
use plugin_runtime::host::model::{Post, WebsocketBroadcast};

/// At most one websocket update per interval while text streams in.
pub const PUBLISH_INTERVAL: Duration = Duration::from_millis(150);
/// How often a long answer is saved while it streams.
pub const SAVE_INTERVAL: Duration = Duration::from_secs(10);
/// The most posts one answer may fill (about 160,000 characters); a model asked to echo
/// something endless must not flood a channel.
pub const MAX_ANSWER_POSTS: usize = 10;
/// Ends the last post of an answer that hit `MAX_ANSWER_POSTS`.
const TRUNCATED_NOTE: &str = "answer.note.truncated";
/// Ends the last post when Stop (or deactivation) came while a long answer was being split.
const STOPPED_NOTE: &str = "answer.note.stopped";

#[derive(Debug)]
pub enum Ending {
    Finished(FinishReason),
    /// The answer outgrew `MAX_ANSWER_POSTS`; the model's stream was closed.
    Truncated,
    Failed(LlmError),
    Stopped,
}

#[derive(Debug)]
pub struct Outcome {
    /// The whole answer, across follow-up posts.
    pub text: String,
    /// The answer's posts as saved, first one first.
    pub posts: Vec<Post>,
    pub usage: Option<Usage>,
    pub tool_calls: Vec<ToolCall>,
    pub ending: Ending,
    /// Whether the final save reached the server (false also when a newer stream took the
    /// post over): the restart-recovery mark stays until an answer is really saved.
    pub saved: bool,
    /// Set when the service's fallback answered instead: its usage is that service's.
    pub answered_by: Option<Answerer>,
}

/// The tool calls as recorded, pending the user's decision.
pub fn tool_call_records(calls: &[ToolCall]) -> Vec<ToolCallRecord> {
    calls
        .iter()
        .map(|c| {
            // What the user approves is what runs: hidden characters are made visible first.
            let args: Value = serde_json::from_str(&c.arguments).unwrap_or_else(|_| json!({}));
            ToolCallRecord {
                id: c.id.clone(),
                name: c.name.clone(),
                description: String::new(),
                arguments: super::tools::sanitize_value(&args),
                result: String::new(),
                status: ToolCallStatus::Pending,
            }
        })
        .collect()
}

struct Writer {
    api: Arc<dyn MattermostApi>,
    stop: StopSignal,
    /// Checked before each save: a stream that lost its mark (regenerated on another node)
    /// writes nothing more.
    mark: StreamMark,
    /// Set once the answer hit `MAX_ANSWER_POSTS`.
    truncated: bool,
    /// The requester's language, for what the plugin itself adds to the answer (notes, the
    /// error); the model answers in it on its own.
    locale: Locale,
    /// Outside a DM: tool calls are kept whole for the requester alone (KV), and the post and
    /// its channel see them without arguments.
    private_tools: bool,
    posts: Vec<Post>,
    /// The text of the current (last) post.
    text: String,
    /// Text of earlier posts of this answer.
    done_text: String,
    reasoning: String,
    reasoning_open: bool,
    thinking: Option<Thinking>,
    annotations: Vec<Annotation>,
    /// The fallback that answered, once it announced itself.
    answered_by: Option<Answerer>,
    last_publish: Option<Instant>,
    last_save: Instant,
    dirty: bool,
}

impl Writer {
    fn current(&mut self) -> &mut Post {
        // `posts` starts with one element and only grows.
        let last = self.posts.len() - 1;
        &mut self.posts[last]
    }

    async fn publish(&self, post_id: &str, fields: Map<String, Value>) {
        // A newer stream owns the post: its clients must not see this one's text or end.
        if self.stop.superseded() {
            return;
        }
        let mut payload = Map::new();
        payload.insert(event::POST_ID.into(), json!(post_id));
        payload.extend(fields);
        let broadcast = WebsocketBroadcast {
            channel_id: self.posts[0].channel_id.clone(),
            ..Default::default()
        };
        if let Err(e) = self
            .api
            .publish_websocket_event(POST_UPDATE_EVENT, payload, &broadcast)
            .await
        {
            tracing::warn!(post_id, error = %e, "could not publish a post update");
        }
    }

    async fn control(&self, control: &str, extra: Map<String, Value>) {
        let mut fields = Map::new();
        fields.insert(event::CONTROL.into(), json!(control));
        fields.extend(extra);
        let id = self.posts.last().map(|p| p.id.clone()).unwrap_or_default();
        self.publish(&id, fields).await;
    }

    async fn publish_text(&mut self) {
        let id = self.current().id.clone();
        let mut f = Map::new();
        f.insert(event::NEXT.into(), json!(super::inert::inert_images(&self.text)));
        self.publish(&id, f).await;
        self.last_publish = Some(Instant::now());
        self.dirty = false;
    }

    async fn publish_reasoning(&mut self, done: bool) {
        let control = if done {
            event::CONTROL_REASONING_DONE
        } else {
            event::CONTROL_REASONING
        };
        let mut f = Map::new();
        f.insert(event::REASONING.into(), json!(self.reasoning));
        self.control(control, f).await;
        self.last_publish = Some(Instant::now());
    }

    fn apply_props(&mut self) {
        let reasoning = self.reasoning.clone();
        let thinking = self.thinking.clone();
        let annotations = self.annotations.clone();
        let p = self.current();
        if !reasoning.is_empty() {
            p.props.insert(props::REASONING.into(), json!(reasoning));
        }
        if let Some(t) = thinking
            && !t.signature.is_empty()
        {
            p.props
                .insert(props::REASONING_SIGNATURE.into(), json!(t.signature));
        }
        if !annotations.is_empty() {
            let s = serde_json::to_string(&annotations).unwrap_or_default();
            p.props.insert(props::ANNOTATIONS.into(), json!(s));
        }
    }

    /// Saves the current post; false when it could not be (or must not be) written.
    async fn save(&mut self) -> bool {
        self.last_save = Instant::now();
        if !self.stop.superseded() && !self.mark.still_ours().await {
            self.stop.supersede();
        }
        if self.stop.superseded() {
            return false;
        }
        self.apply_props();
        let text = super::inert::inert_images(&self.text).into_owned();
        let post = self.current();
        post.message = text;
        let post = post.clone();
        match self.api.update_post(&post).await {
            Ok(saved) => {
                *self.current() = saved;
                true
            }
            Err(e) => {
                tracing::error!(post_id = %post.id, error = %e, "could not save the answer");
                false
            }
        }
    }

    /// Moves whatever does not fit the current post into a follow-up post in the same thread.
    async fn overflow(&mut self) {
        while self.text.chars().count() > SOFT_LIMIT {
            if self.stop.token.is_cancelled() {
                self.cut_here(&self.note(STOPPED_NOTE));
                return;
            }
            if self.posts.len() >= MAX_ANSWER_POSTS {
                self.cut_here(&self.note(TRUNCATED_NOTE));
                self.truncated = true;
                return;
            }
            let (first, rest) = split(&self.text, SOFT_LIMIT);
            self.text = first;
            self.save().await;
            self.publish_text().await;
            self.control(event::CONTROL_END, Map::new()).await;
            self.done_text.push_str(&self.text);
            let origin = self.posts[0].clone();
            let mut next = Post {
                user_id: origin.user_id.clone(),
                channel_id: origin.channel_id.clone(),
                root_id: if origin.root_id.is_empty() {
                    origin.id.clone()
                } else {
                    origin.root_id.clone()
                },
                post_type: origin.post_type.clone(),
                props: origin.props.clone(),
                ..Default::default()
            };
            for k in [
                props::REASONING,
                props::REASONING_SIGNATURE,
                props::ANNOTATIONS,
                props::PENDING_TOOL_CALL,
                props::PENDING_TOOL_CALL_REDACTED,
                props::PENDING_TOOL_RESULT,
                props::AUTO_APPROVED_TOOL_CALL,
                props::ERROR,
            ] {
                next.props.remove(k);
            }
            next.props.insert(props::CONTINUATION_OF.into(), json!(origin.id));
            next.props.insert(props::NO_REGEN.into(), json!("true"));
            match self.api.create_post(&next).await {
                Ok(created) => {
                    self.posts.push(created);
                    self.text = rest;
                    self.control(event::CONTROL_START, Map::new()).await;
                }
                Err(e) => {
                    // Without a follow-up post the rest cannot be shown; say so where it is.
                    tracing::error!(error = %e, "could not create a follow-up post for a long answer");
                    self.text = self.note("answer.note.rest_not_posted");
                    self.done_text.push_str(&rest);
                    return;
                }
            }
        }
    }
}

impl Writer {
    /// Keeps the whole calls for the post's requester, before the post or an event shows them
    /// redacted. Without them the calls cannot run; nothing private is shown either way.
    async fn keep_private(&mut self, calls: &[ToolCallRecord]) {
        let post = self.current();
        let Some(key) = post
            .prop_str(props::REQUESTER)
            .map(|requester| props::tool_call_private_key(&post.id, requester))
        else {
            tracing::warn!("a tool post without a requester: its calls cannot be kept");
            return;
        };
        let bytes = serde_json::to_vec(calls).unwrap_or_default();
        if let Err(e) = self
            .api
            .kv_set_with_expiry(&key, &bytes, props::PRIVATE_TOOL_DATA_SECONDS)
            .await
        {
            tracing::warn!(error = %e, "could not keep a channel tool post's calls");
        }
    }

    /// A note the plugin adds after the answer's text (`id` is its message), a paragraph of
    /// its own.
    fn note(&self, id: &str) -> String {
        format!("\n\n{}", self.locale.tr(id, &[]))
    }

    /// Ends the answer in the current post: what fits, then `note`.
    fn cut_here(&mut self, note: &str) {
        let keep = SOFT_LIMIT.saturating_sub(note.chars().count());
        let (mut head, _) = split(&self.text, keep);
        head.push_str(note);
        self.text = head;
    }
}

/// What the plugin adds to the answer's text for how it ended: a note, or the error (also kept
/// in the `llm_error` prop), in the requester's language.
fn end_text(w: &mut Writer, ending: &Ending, no_tool_calls: bool) {
    let empty = w.text.is_empty() && w.done_text.is_empty();
    match ending {
        Ending::Finished(_) if empty && no_tool_calls => {
            w.text = w.locale.tr("answer.empty", &[]);
        }
        Ending::Finished(FinishReason::Length) => {
            let note = w.note("answer.note.output_limit");
            w.text.push_str(&note);
        }
        Ending::Finished(FinishReason::ContentFilter) => {
            let note = w.note("answer.note.content_filter");
            w.text.push_str(&note);
        }
        Ending::Failed(e) => {
            let message = e.user_message_in(&w.locale);
            let sep = if empty { "" } else { "\n\n" };
            let said = w.locale.tr("answer.error", &[arg("Message", &message)]);
            w.text.push_str(&format!("{sep}{said}"));
            w.current().props.insert(props::ERROR.into(), json!(message));
        }
        _ => {}
    }
    // Last, so it reads as a footnote to the whole answer, error included.
    if let Some(a) = &w.answered_by {
        let note = format!(
            "\n\n{}",
            w.locale.tr(
                "answer.note.fallback",
                &[arg("Model", &a.model), arg("Service", &a.service_name)],
            )
        );
        w.text.push_str(&note);
    }
}

/// Streams `events` into `post` (already created) until the stream ends or `stop` fires.
/// Before each save it checks with `mark` that it still owns the post. What the plugin adds to
/// the answer (notes, an error) is in the requester's `locale`.
pub async fn run(
    api: Arc<dyn MattermostApi>,
    post: Post,
    mut events: EventStream,
    stop: StopSignal,
    mark: StreamMark,
    private_tools: bool,
    locale: Locale,
) -> Outcome {
    let cancel = stop.token.clone();
    let mut w = Writer {
        api,
        stop,
        mark,
        truncated: false,
        locale,
        private_tools,
        text: post.message.clone(),
        posts: vec![post],
        done_text: String::new(),
        reasoning: String::new(),
        reasoning_open: false,
        thinking: None,
        annotations: Vec::new(),
        answered_by: None,
        last_publish: None,
        last_save: Instant::now(),
        dirty: false,
    };
    w.control(event::CONTROL_START, Map::new()).await;
    let (mut usage, mut tool_calls) = (None, Vec::new());
    let ending = loop {
        let flush_at = w
            .last_publish
            .map(|t| t + PUBLISH_INTERVAL)
            .unwrap_or_else(Instant::now);
        let ev = tokio::select! {
            biased;
            _ = cancel.cancelled() => break Ending::Stopped,
            _ = tokio::time::sleep_until(flush_at), if w.dirty => {
                w.publish_text().await;
                continue;
            }
            ev = events.recv() => ev,
        };
        let Some(ev) = ev else {
            break Ending::Failed(LlmError::new(
                crate::llm::ErrorClass::Malformed,
                "the answer stream ended without an end event",
            ));
        };
        match ev {
            Event::Text(t) => {
                if w.reasoning_open {
                    w.reasoning_open = false;
                    w.publish_reasoning(true).await;
                }
                w.text.push_str(&t);
                w.dirty = true;
                if w.text.chars().count() > SOFT_LIMIT {
                    w.overflow().await;
                    if w.truncated {
                        break Ending::Truncated;
                    }
                }
                let due = w.last_publish.is_none_or(|t| t.elapsed() >= PUBLISH_INTERVAL);
                if due {
                    w.publish_text().await;
                }
                if w.last_save.elapsed() >= SAVE_INTERVAL {
                    w.save().await;
                }
            }
            Event::Reasoning(r) => {
                w.reasoning.push_str(&r);
                w.reasoning_open = true;
                if w.last_publish.is_none_or(|t| t.elapsed() >= PUBLISH_INTERVAL) {
                    w.publish_reasoning(false).await;
                }
            }
            Event::Thinking(t) => {
                if w.reasoning.is_empty() {
                    w.reasoning = t.text.clone();
                }
                w.thinking = Some(t);
                w.reasoning_open = false;
                w.publish_reasoning(true).await;
            }
            Event::Annotations(a) => {
                w.annotations.extend(a);
                let s = serde_json::to_string(&w.annotations).unwrap_or_default();
                let mut f = Map::new();
                f.insert(event::ANNOTATIONS.into(), json!(s));
                w.control(event::CONTROL_ANNOTATIONS, f).await;
            }
            Event::ToolCalls(c) => tool_calls.extend(c),
            Event::Usage(u) => usage = Some(u),
            Event::End(reason) => break Ending::Finished(reason),
            Event::Error(e) => break Ending::Failed(e),
            Event::AnsweredBy(a) => {
                let p = w.current();
                p.props
                    .insert(props::FALLBACK_SERVICE.into(), json!(a.service_name));
                p.props.insert(props::FALLBACK_MODEL.into(), json!(a.model));
                w.answered_by = Some(a);
            }
        }
    };
    // Dropping the stream closes the upstream request (the Stop button's promise).
    drop(events);
    if w.reasoning_open {
        w.publish_reasoning(true).await;
    }
    end_text(&mut w, &ending, tool_calls.is_empty());
    w.overflow().await;
    if !tool_calls.is_empty() {
        let mut records = tool_call_records(&tool_calls);
        if w.private_tools {
            w.keep_private(&records).await;
            records = props::redacted(&records);
            w.current()
                .props
                .insert(props::PENDING_TOOL_CALL_REDACTED.into(), json!(props::TRUE));
        }
        let prop = props::tool_calls_value(&records);
        w.current()
            .props
            .insert(props::PENDING_TOOL_CALL.into(), json!(prop.clone()));
        let mut f = Map::new();
        f.insert(event::TOOL_CALL.into(), json!(prop));
        w.control(event::CONTROL_TOOL_CALL, f).await;
    }
    let saved = w.save().await;
    w.publish_text().await;
    if matches!(ending, Ending::Stopped) {
        w.control(event::CONTROL_CANCEL, Map::new()).await;
    }
    w.control(event::CONTROL_END, Map::new()).await;
    let text = format!("{}{}", w.done_text, w.text);
    Outcome {
        text,
        posts: w.posts,
        usage,
        tool_calls,
        ending,
        saved,
        answered_by: w.answered_by,
    }
}

/// Tells the clients watching `post` how far the work before its text has come (see
/// [`super::props::POST_PROGRESS_EVENT`]). Best effort: a failed publish is only logged.
pub struct Progress {
    api: Arc<dyn MattermostApi>,
    post_id: String,
    channel_id: String,
}

impl Progress {
    pub fn new(api: Arc<dyn MattermostApi>, post: &Post) -> Self {
        Progress {
            api,
            post_id: post.id.clone(),
            channel_id: post.channel_id.clone(),
        }
    }

    pub async fn step(&self, stage: &str, step: usize, steps: usize) {
        use super::props::progress;
        let mut payload = Map::new();
        payload.insert(event::POST_ID.into(), json!(self.post_id));
        payload.insert(progress::STAGE.into(), json!(stage));
        payload.insert(progress::STEP.into(), json!(step));
        payload.insert(progress::STEPS.into(), json!(steps));
        let broadcast = WebsocketBroadcast {
            channel_id: self.channel_id.clone(),
            ..Default::default()
        };
        if let Err(e) = self
            .api
            .publish_websocket_event(super::props::POST_PROGRESS_EVENT, payload, &broadcast)
            .await
        {
            tracing::warn!(post_id = %self.post_id, error = %e, "could not publish progress");
        }
    }
}
