//! Channel summaries (`POST /channel/{id}/interval`): the unread messages or a time range of a
//! channel, summarized (or mined for action items and open questions) into a DM.

use std::sync::Arc;

use serde::Deserialize;
use serde_json::json;

use super::{Checked, check_channel, transcript};
use crate::answer::delivery::{ActionError, Started, result_post};
use crate::answer::prompts::CHANNEL_SUMMARY;
use crate::answer::props;
use crate::answer::{AnswerCore, Turn, one_shot_request, stream_request};
use crate::i18n::{Text, arg};
use crate::llm;
use plugin_runtime::host::MattermostApi;
use plugin_runtime::host::model::{Channel, Post};

pub const PRESETS: &[&str] = &[
    "summarize_unreads",
    "summarize_range",
    "action_items",
    "open_questions",
];
/// The longest period one summary covers: 14 days, in milliseconds (the units of post times).
pub const MAX_SPAN_MS: i64 = 14 * 24 * 60 * 60 * 1000;
/// The newest posts of a period that are read at most.
pub const MAX_POSTS: usize = 1000;
/// The longest request an asker may add to a summary.
const MAX_FOCUS_CHARS: usize = 2000;

/// `POST /channel/{id}/analyze` as the mobile app sends it: `analysis_type:
/// "summarize_channel"` with `days`, or `unreads_only`, or `since`/`until` (ISO 8601), or
/// none of them (the last 14 days), and an optional `prompt` saying what to focus on.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Analyze {
    pub analysis_type: String,
    pub days: Option<i64>,
    pub unreads_only: bool,
    pub since: Option<String>,
    pub until: Option<String>,
    pub prompt: String,
}

pub const SUMMARIZE_CHANNEL: &str = "summarize_channel";
const DAY_MS: i64 = 24 * 60 * 60 * 1000;

fn iso_ms(field: &str, s: &str) -> Result<i64, ActionError> {
    s.trim()
        .parse::<jiff::Timestamp>()
        .map(|t| t.as_millisecond())
        .map_err(|_| ActionError::BadRequest(format!("{field} is not an ISO 8601 time").into()))
}

/// The mobile request as the interval it means. Unread messages start where the user last
/// viewed the channel (`last_viewed_at`).
pub async fn interval_of(
    api: &dyn MattermostApi,
    user_id: &str,
    channel_id: &str,
    req: Analyze,
    now: i64,
) -> Result<Interval, ActionError> {
    if req.analysis_type != SUMMARIZE_CHANNEL {
        return Err(ActionError::BadRequest(
            format!("unknown analysis_type {:?}", req.analysis_type).into(),
        ));
    }
    let prompt = req.prompt;
    if req.since.is_some() || req.until.is_some() {
        let since = req
            .since
            .as_deref()
            .ok_or_else(|| ActionError::BadRequest("since is required with until".into()))?;
        let start_time = iso_ms("since", since)?;
        let end_time = match req.until.as_deref() {
            Some(u) => iso_ms("until", u)?,
            None => 0,
        };
        return Ok(Interval {
            start_time,
            end_time,
            preset_prompt: "summarize_range".into(),
            prompt,
        });
    }
    if let Some(days) = req.days {
        if !(1..=14).contains(&days) {
            return Err(ActionError::BadRequest(Text::tr(
                "summary.days",
                &[arg("Days", MAX_SPAN_MS / DAY_MS)],
            )));
        }
        return Ok(Interval {
            start_time: now - days * DAY_MS,
            end_time: now,
            preset_prompt: "summarize_range".into(),
            prompt,
        });
    }
    if req.unreads_only {
        let viewed = api
            .get_channel_member(channel_id, user_id)
            .await
            .map(|m| m.last_viewed_at)
            .unwrap_or(0);
        return Ok(Interval {
            // Nothing viewed yet: the newest 14 days (the period is shortened to that).
            start_time: viewed.max(1),
            end_time: 0,
            preset_prompt: "summarize_unreads".into(),
            prompt,
        });
    }
    Ok(Interval {
        start_time: now - MAX_SPAN_MS,
        end_time: now,
        preset_prompt: "summarize_range".into(),
        prompt,
    })
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Interval {
    pub start_time: i64,
    pub end_time: i64,
    pub preset_prompt: String,
    pub prompt: String,
}

/// Checks the period; an unread period longer than the span is shortened to its newest part.
pub fn period(req: &Interval, now: i64) -> Result<(i64, i64), ActionError> {
    if req.start_time <= 0 {
        return Err(ActionError::BadRequest(
            "start_time is required (milliseconds since the epoch)".into(),
        ));
    }
    let end = if req.end_time == 0 { now } else { req.end_time };
    if req.start_time >= end {
        return Err(ActionError::BadRequest(Text::tr("summary.start_after_end", &[])));
    }
    if end - req.start_time > MAX_SPAN_MS {
        if req.end_time == 0 && req.preset_prompt != "summarize_range" {
            return Ok((end - MAX_SPAN_MS, end));
        }
        return Err(ActionError::BadRequest(Text::tr(
            "summary.period_too_long",
            &[arg("Days", MAX_SPAN_MS / DAY_MS)],
        )));
    }
    Ok((req.start_time, end))
}

/// `POST /channel/{id}/analyze`: the mobile app's channel summary, into the DM.
pub async fn analyze(
    core: &Arc<AnswerCore>,
    user_id: &str,
    channel_id: &str,
    req: Analyze,
    bot: Option<&str>,
) -> Result<Started, ActionError> {
    let api = core.api();
    let interval = interval_of(
        api.as_ref(),
        user_id,
        channel_id,
        req,
        crate::answer::mark::now_ms(),
    )
    .await?;
    start(core, user_id, channel_id, interval, bot).await
}

pub async fn start(
    core: &Arc<AnswerCore>,
    user_id: &str,
    channel_id: &str,
    req: Interval,
    bot: Option<&str>,
) -> Result<Started, ActionError> {
    if !PRESETS.contains(&req.preset_prompt.as_str()) {
        return Err(ActionError::BadRequest(
            format!("unknown preset_prompt {:?}", req.preset_prompt).into(),
        ));
    }
    let (from, to) = period(&req, crate::answer::mark::now_ms())?;
    let Checked { api, channel, turn } =
        check_channel(core, user_id, channel_id, bot, |e| e.channel_summaries).await?;
    let reply = result_post(
        api.as_ref(),
        &turn,
        "",
        &[
            (props::NO_REGEN, json!("true")),
            (props::PROMPT_TYPE, json!(req.preset_prompt)),
        ],
    )
    .await?;
    let started = Started::of(&reply);
    let core = core.clone();
    tokio::spawn(async move {
        let built = build(
            &core,
            api.as_ref(),
            &turn,
            &channel,
            &req.preset_prompt,
            req.prompt.trim(),
            from,
            to,
        );
        stream_request(&core, api.clone(), &turn, reply, built, &req.preset_prompt).await;
    });
    Ok(started)
}

/// The channel's content posts created in [from, to], oldest first, at most the newest MAX_POSTS.
pub async fn posts_between(
    api: &dyn MattermostApi,
    channel_id: &str,
    from: i64,
    to: i64,
) -> Result<Vec<Post>, llm::LlmError> {
    // GetPostsSince answers by update time; the period is about creation time.
    let list = api
        .get_posts_since(channel_id, from.saturating_sub(1))
        .await
        .map_err(|e| llm::LlmError::new(llm::ErrorClass::BadRequest, format!("reading the channel: {e}")))?;
    let mut posts: Vec<Post> = list
        .posts
        .into_values()
        .filter(|p| p.create_at >= from && p.create_at <= to && transcript::is_content(p))
        .collect();
    posts.sort_by_key(|p| p.create_at);
    if posts.len() > MAX_POSTS {
        posts.drain(..posts.len() - MAX_POSTS);
    }
    Ok(posts)
}

#[allow(clippy::too_many_arguments)]
async fn build(
    core: &Arc<AnswerCore>,
    api: &dyn MattermostApi,
    turn: &Turn,
    channel: &Channel,
    preset: &str,
    focus: &str,
    from: i64,
    to: i64,
) -> Result<(Arc<dyn llm::LanguageModel>, llm::Request), llm::LlmError> {
    let model = core.model(turn)?;
    let posts = posts_between(api, &channel.id, from, to).await?;
    let refs: Vec<&Post> = posts.iter().collect();
    let mut text = if refs.is_empty() {
        "(No messages were posted in this period.)".to_owned()
    } else {
        transcript::render(api, &refs, &turn.user).await
    };
    // What the asker wants from the summary is theirs to say, after the messages.
    if !focus.is_empty() {
        let focus: String = focus.chars().take(MAX_FOCUS_CHARS).collect();
        text.push_str(&format!("\n\n---\nWhat I want from this summary: {focus}"));
    }
    let tz = transcript::reader_tz(&turn.user);
    let fmt = |ms: i64| {
        jiff::Timestamp::from_millisecond(ms)
            .map(|t| t.to_zoned(tz.clone()).strftime("%Y-%m-%d %H:%M %Z").to_string())
            .unwrap_or_default()
    };
    let period = format!("between {} and {}", fmt(from), fmt(to));
    let name = if channel.display_name.is_empty() {
        channel.name.clone()
    } else {
        channel.display_name.clone()
    };
    let system = core
        .prompts
        .render(
            CHANNEL_SUMMARY,
            json!({
                "bot_name": turn.bot.display_name,
                "current_time": crate::answer::context::local_time(&turn.user),
                "channel_name": name,
                "period": period,
                "kind": preset,
                "custom_instructions": turn.bot.custom_instructions.trim(),
            }),
        )
        .map_err(|e| llm::LlmError::new(llm::ErrorClass::BadRequest, e.to_string()))?;
    Ok((model, one_shot_request(turn, system, text)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(start: i64, end: i64, preset: &str) -> Interval {
        Interval {
            start_time: start,
            end_time: end,
            preset_prompt: preset.into(),
            prompt: String::new(),
        }
    }

    #[test]
    fn periods_are_checked_in_milliseconds() {
        let now = 1_800_000_000_000;
        let hour = 3_600_000;
        assert_eq!(
            period(&req(now - hour, 0, "summarize_unreads"), now).unwrap(),
            (now - hour, now)
        );
        assert!(period(&req(now, now - hour, "summarize_range"), now).is_err());
        assert!(period(&req(0, 0, "summarize_unreads"), now).is_err());
        // Three weeks of unreads: the newest 14 days; a three-week explicit range is refused.
        let three_weeks = 21 * 24 * hour;
        assert_eq!(
            period(&req(now - three_weeks, 0, "summarize_unreads"), now).unwrap(),
            (now - MAX_SPAN_MS, now)
        );
        assert!(period(&req(now - three_weeks, now, "summarize_range"), now).is_err());
        assert!(period(&req(now - 13 * 24 * hour, now, "summarize_range"), now).is_ok());
    }
}
