//! Meeting summaries from Calls or Zoom transcripts (`POST /post/{id}/summarize_transcription`)
//! and posting a summary back to the meeting's channel (`POST /post/{id}/postback_summary`).
//! A transcript too long for the model is summarized in parts that fit, then combined.

use std::sync::Arc;

use serde_json::{Value, json};

use super::{Checked, check_post};
use crate::answer::delivery::{ActionError, Started, result_post};
use crate::answer::prompts::MEETING_SUMMARY;
use crate::answer::props;
use crate::answer::{
    ANSWER_RESERVE_TOKENS, AnswerCore, Turn, count, model_name, one_shot_request, stream_request,
};
use crate::i18n::{Text, arg};
use crate::llm::{self, Message, Request, Role};
use plugin_runtime::host::MattermostApi;
use plugin_runtime::host::model::{Channel, FileInfo, Post};

const MEETING_BOTS: &[&str] = &["calls", "zoom"];
/// Room left in the input for the prompt and the answer, in tokens.
const CHUNK_MARGIN: u64 = 2_000;
/// The largest transcript read (a day of talk as WebVTT is a few MB).
pub const MAX_TRANSCRIPT_BYTES: i64 = 16 * 1024 * 1024;
/// The most parts of one transcript summarized (one model call each, then the combination).
pub const MAX_PARTS: usize = 12;

/// A WebVTT transcript as "[hh:mm:ss] Speaker: text" lines.
pub fn vtt_to_lines(vtt: &str) -> Vec<String> {
    let mut out = Vec::new();
    let normalized = vtt.replace("\r\n", "\n");
    for block in normalized.split("\n\n") {
        let mut lines = block.lines();
        let Some(timing) = lines.by_ref().find(|l| l.contains("-->")) else {
            continue;
        };
        let start = timing.split("-->").next().unwrap_or("").trim();
        let start = start.split('.').next().unwrap_or(start);
        let text = lines.collect::<Vec<_>>().join(" ");
        let text = speaker_tags(&text);
        if !text.trim().is_empty() {
            out.push(format!("[{start}] {}", text.trim()));
        }
    }
    out
}

/// `<v Alice>hi</v>` → `Alice: hi`; other markup dropped.
fn speaker_tags(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('>') else {
            out.push_str(&rest[open..]);
            return out;
        };
        let tag = &rest[open + 1..open + close];
        if let Some(name) = tag.strip_prefix("v ") {
            out.push_str(name.trim());
            out.push_str(": ");
        }
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    out
}

/// Splits lines into chunks of at most `limit` estimated tokens (a longer line is its own chunk).
pub fn chunks(lines: &[String], limit: u64) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut cur_tokens = 0;
    for l in lines {
        let t = llm::tokens::estimate(l) + 1;
        if cur_tokens + t > limit && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
            cur_tokens = 0;
        }
        cur.push_str(l);
        cur.push('\n');
        cur_tokens += t;
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// A transcript over `MAX_TRANSCRIPT_BYTES` is refused, with the limit.
fn too_large() -> ActionError {
    ActionError::BadRequest(Text::tr(
        "meeting.transcript_too_large",
        &[arg("Megabytes", MAX_TRANSCRIPT_BYTES / (1024 * 1024))],
    ))
}

/// The transcript file of a meeting post: Calls' `captions[0].file_id`, else an attached
/// `.vtt` or text file. Only a file that belongs to this post is read (attached to it, or
/// uploaded for it): a caption pointing at any other file of the server is ignored.
async fn transcript_file(api: &dyn MattermostApi, post: &Post) -> Result<FileInfo, ActionError> {
    let belongs = |info: &FileInfo| post.file_ids.contains(&info.id) || info.post_id == post.id;
    let caption = post
        .props
        .get("captions")
        .and_then(Value::as_array)
        .and_then(|c| c.first())
        .and_then(|c| c.get("file_id"))
        .and_then(Value::as_str);
    let mut found = None;
    if let Some(id) = caption
        && let Ok(info) = api.get_file_info(id).await
        && belongs(&info)
    {
        found = Some(info);
    }
    if found.is_none() {
        for id in &post.file_ids {
            if let Ok(info) = api.get_file_info(id).await {
                let ext = info.extension.to_ascii_lowercase();
                if belongs(&info) && (ext == "vtt" || ext == "txt" || info.mime_type.starts_with("text/")) {
                    found = Some(info);
                    break;
                }
            }
        }
    }
    let info = found.ok_or_else(|| ActionError::BadRequest(Text::tr("meeting.no_transcript", &[])))?;
    if info.size > MAX_TRANSCRIPT_BYTES {
        return Err(too_large());
    }
    Ok(info)
}

pub async fn summarize(
    core: &Arc<AnswerCore>,
    user_id: &str,
    post_id: &str,
    bot: Option<&str>,
) -> Result<Started, ActionError> {
    let (Checked { api, channel, turn }, post) =
        check_post(core, user_id, post_id, bot, |e| e.meeting_summaries).await?;
    let author = api
        .get_user(&post.user_id)
        .await
        .map_err(|_| ActionError::NotFound(Text::tr("meeting.author_not_found", &[])))?;
    if !(author.is_bot && MEETING_BOTS.contains(&author.username.as_str())) {
        return Err(ActionError::BadRequest(Text::tr("meeting.not_meeting_post", &[])));
    }
    let file = transcript_file(api.as_ref(), &post).await?;
    let data = api
        .get_file(&file.id)
        .await
        .map_err(|e| ActionError::Failed(e.for_user("reading the transcript").into()))?;
    if data.len() as i64 > MAX_TRANSCRIPT_BYTES {
        return Err(too_large());
    }
    let text = String::from_utf8_lossy(&data).into_owned();
    let lines = if text.trim_start().starts_with("WEBVTT") {
        vtt_to_lines(&text)
    } else {
        text.lines().map(str::to_owned).collect()
    };
    let reply = result_post(
        api.as_ref(),
        &turn,
        "",
        &[
            (props::TRANSCRIPT_POST, json!(post.id)),
            (props::NO_REGEN, json!("true")),
        ],
    )
    .await?;
    let started = Started::of(&reply);
    let core = core.clone();
    tokio::spawn(async move {
        let progress = crate::answer::stream::Progress::new(api.clone(), &reply);
        let built = build(&core, &turn, &channel, &lines, &progress);
        stream_request(&core, api, &turn, reply, built, "meeting_summary").await;
    });
    Ok(started)
}

fn system(core: &AnswerCore, turn: &Turn, channel: &Channel, vars: Value) -> Result<String, llm::LlmError> {
    let mut v = json!({"bot_name": turn.bot.display_name, "channel_name": channel.display_name});
    if let (Some(o), Some(extra)) = (v.as_object_mut(), vars.as_object()) {
        o.extend(extra.clone());
    }
    core.prompts
        .render(MEETING_SUMMARY, v)
        .map_err(|e| llm::LlmError::new(llm::ErrorClass::BadRequest, e.to_string()))
}

/// The final request; parts of a long transcript are summarized first (each call counted).
async fn build(
    core: &Arc<AnswerCore>,
    turn: &Turn,
    channel: &Channel,
    lines: &[String],
    progress: &crate::answer::stream::Progress,
) -> Result<(Arc<dyn llm::LanguageModel>, Request), llm::LlmError> {
    let model = core.model(turn)?;
    let model_name = model_name(turn);
    let limit = llm::budget::input_limit(&turn.service, &model_name);
    // A part must fit beside the prompt and the room kept for the answer.
    let room = limit.saturating_sub(ANSWER_RESERVE_TOKENS + CHUNK_MARGIN);
    let chunk_limit = (limit * 3 / 4).saturating_sub(CHUNK_MARGIN).min(room).max(500);
    let parts = chunks(lines, chunk_limit);
    if parts.len() <= 1 {
        let sys = system(core, turn, channel, json!({}))?;
        return Ok((model, one_shot_request(turn, sys, lines.join("\n"))));
    }
    let mut notes = Vec::new();
    // A transcript too long for a bounded number of calls is summarized up to that point, and
    // the summary says so.
    let total = parts.len();
    let n = total.min(MAX_PARTS);
    for (i, part) in parts.into_iter().take(n).enumerate() {
        progress
            .step(crate::answer::props::progress::TRANSCRIPT_PARTS, i + 1, n)
            .await;
        let sys = system(
            core,
            turn,
            channel,
            json!({"partial": true, "part": i + 1, "parts": n}),
        )?;
        let req = one_shot_request(turn, sys, part);
        let (text, _, usage, end) = crate::answer::collect(model.stream(&req).await?).await;
        count(core, turn, usage, Some(&req), &text, "meeting_summary_part");
        end?;
        notes.push(format!("Notes of part {} of {n}:\n{text}", i + 1));
    }
    if total > n {
        notes.push(format!(
            "(The transcript continues for {} more parts that were not summarized; say so in the summary.)",
            total - n
        ));
    }
    let sys = system(core, turn, channel, json!({"combine": true}))?;
    let req = Request {
        messages: vec![
            Message::text(Role::System, sys),
            Message::text(Role::User, notes.join("\n\n")),
        ],
        ..one_shot_request(turn, String::new(), String::new())
    };
    Ok((model, req))
}

/// Posts a meeting summary back into the meeting's thread, for the user who asked for it.
pub async fn postback(
    core: &Arc<AnswerCore>,
    user_id: &str,
    post_id: &str,
) -> Result<(String, String), ActionError> {
    let api = core.api();
    let summary = api
        .get_post(post_id)
        .await
        .map_err(|_| ActionError::NotFound(Text::tr("action.post_not_found", &[])))?;
    if !core.snapshot().bot_ids.values().any(|b| *b == summary.user_id) {
        return Err(ActionError::BadRequest(Text::tr("action.not_agent_post", &[])));
    }
    if summary.prop_str(props::REQUESTER) != Some(user_id) {
        return Err(ActionError::Forbidden(Text::tr("meeting.only_requester", &[])));
    }
    let transcript_id = summary
        .prop_str(props::TRANSCRIPT_POST)
        .ok_or_else(|| ActionError::BadRequest(Text::tr("meeting.not_summary", &[])))?;
    let transcript = api
        .get_post(transcript_id)
        .await
        .map_err(|_| ActionError::NotFound(Text::tr("meeting.post_deleted", &[])))?;
    match api
        .has_permission_to_channel(user_id, &transcript.channel_id, "create_post")
        .await
    {
        Ok(true) => {}
        _ => {
            return Err(ActionError::Forbidden(Text::tr("meeting.cannot_post", &[])));
        }
    }
    // The agent posts there in its own name: its channel restriction applies.
    let snap = core.snapshot();
    let bot = snap
        .agent_by_bot_id(&summary.user_id)
        .cloned()
        .ok_or_else(|| ActionError::BadRequest(Text::tr("action.agent_gone", &[])))?;
    let channel = api
        .get_channel(&transcript.channel_id)
        .await
        .map_err(|_| ActionError::NotFound(Text::tr("meeting.channel_not_found", &[])))?;
    crate::agents::access::check(api.as_ref(), &bot, &summary.user_id, user_id, &channel)
        .await
        .map_err(ActionError::from)?;
    let root = if transcript.root_id.is_empty() {
        transcript.id.clone()
    } else {
        transcript.root_id.clone()
    };
    let mut p = Post {
        user_id: summary.user_id.clone(),
        channel_id: transcript.channel_id.clone(),
        root_id: root.clone(),
        message: summary.message.clone(),
        post_type: props::POSTBACK_POST_TYPE.into(),
        ..Default::default()
    };
    p.props.insert(props::POSTBACK_USER.into(), json!(user_id));
    let created = api
        .create_post(&p)
        .await
        .map_err(|e| ActionError::Failed(e.for_user("posting the summary").into()))?;
    Ok((root, created.channel_id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vtt_keeps_times_and_speakers() {
        let vtt = "WEBVTT\n\n1\n00:00:01.000 --> 00:00:04.000\n<v Alice>Hello all</v>\n\n2\n00:01:10.500 --> 00:01:12.000\n<v Bob>Agreed,\nship it</v>\n";
        assert_eq!(
            vtt_to_lines(vtt),
            vec!["[00:00:01] Alice: Hello all", "[00:01:10] Bob: Agreed, ship it"]
        );
    }

    #[test]
    fn chunks_fit_the_limit() {
        let lines: Vec<String> = (0..100)
            .map(|i| format!("[00:00:{i:02}] A: word word word word"))
            .collect();
        let c = chunks(&lines, 100);
        assert!(c.len() > 3);
        assert!(c.iter().all(|x| llm::tokens::estimate(x) <= 110));
        assert_eq!(c.concat().lines().count(), 100);
    }
}
