//! "React for me" (`POST /post/{id}/react`): the agent picks one emoji for a post and the
//! reaction is added as the user who asked.

use std::sync::Arc;

use super::{Checked, check_post};
use crate::answer::delivery::ActionError;
use crate::answer::prompts::EMOJI_REACTION;
use crate::answer::{AnswerCore, count, model_name};
use crate::i18n::{Text, arg};
use crate::llm::{self, Message, Request, Role};
use plugin_runtime::host::model::Reaction;

/// System emoji the agent may pick: common reactions, by their Mattermost names.
pub const EMOJI: &[&str] = &[
    "+1",
    "thumbsup",
    "-1",
    "thumbsdown",
    "smile",
    "smiley",
    "grinning",
    "grin",
    "joy",
    "laughing",
    "sweat_smile",
    "rofl",
    "wink",
    "blush",
    "slightly_smiling_face",
    "upside_down_face",
    "heart_eyes",
    "star_struck",
    "kissing_heart",
    "relieved",
    "sunglasses",
    "nerd_face",
    "thinking_face",
    "face_with_monocle",
    "neutral_face",
    "expressionless",
    "no_mouth",
    "roll_eyes",
    "smirk",
    "grimacing",
    "hushed",
    "open_mouth",
    "astonished",
    "flushed",
    "pleading_face",
    "cry",
    "sob",
    "scream",
    "confounded",
    "disappointed",
    "worried",
    "frowning",
    "angry",
    "rage",
    "exploding_head",
    "partying_face",
    "hugs",
    "shushing_face",
    "zipper_mouth_face",
    "sleeping",
    "sleepy",
    "yawning_face",
    "mask",
    "face_with_thermometer",
    "dizzy_face",
    "cowboy_hat_face",
    "clown_face",
    "innocent",
    "sweat",
    "clap",
    "raised_hands",
    "pray",
    "muscle",
    "wave",
    "ok_hand",
    "v",
    "crossed_fingers",
    "point_up",
    "point_down",
    "point_left",
    "point_right",
    "raised_hand",
    "handshake",
    "writing_hand",
    "eyes",
    "brain",
    "heart",
    "orange_heart",
    "yellow_heart",
    "green_heart",
    "blue_heart",
    "purple_heart",
    "black_heart",
    "broken_heart",
    "sparkling_heart",
    "two_hearts",
    "fire",
    "star",
    "star2",
    "sparkles",
    "zap",
    "boom",
    "collision",
    "tada",
    "confetti_ball",
    "balloon",
    "gift",
    "trophy",
    "medal_sports",
    "1st_place_medal",
    "rocket",
    "airplane",
    "car",
    "ship",
    "hourglass",
    "alarm_clock",
    "stopwatch",
    "calendar",
    "memo",
    "pencil2",
    "books",
    "book",
    "bulb",
    "mag",
    "lock",
    "key",
    "hammer",
    "wrench",
    "gear",
    "link",
    "paperclip",
    "pushpin",
    "bookmark",
    "chart_with_upwards_trend",
    "chart_with_downwards_trend",
    "bar_chart",
    "moneybag",
    "dollar",
    "coffee",
    "tea",
    "beer",
    "beers",
    "champagne",
    "pizza",
    "cake",
    "birthday",
    "cookie",
    "doughnut",
    "apple",
    "taco",
    "popcorn",
    "sun_with_face",
    "sunny",
    "cloud",
    "rainbow",
    "snowflake",
    "umbrella",
    "ocean",
    "earth_americas",
    "seedling",
    "evergreen_tree",
    "four_leaf_clover",
    "rose",
    "sunflower",
    "dog",
    "cat",
    "unicorn",
    "bee",
    "turtle",
    "penguin",
    "owl",
    "rabbit",
    "monkey",
    "see_no_evil",
    "hear_no_evil",
    "speak_no_evil",
    "100",
    "white_check_mark",
    "heavy_check_mark",
    "ballot_box_with_check",
    "x",
    "heavy_multiplication_x",
    "negative_squared_cross_mark",
    "warning",
    "no_entry",
    "no_entry_sign",
    "question",
    "grey_question",
    "exclamation",
    "bangbang",
    "interrobang",
    "heavy_plus_sign",
    "heavy_minus_sign",
    "arrow_up",
    "arrow_down",
    "arrows_counterclockwise",
    "repeat",
    "new",
    "free",
    "cool",
    "up",
    "ok",
    "sos",
    "speech_balloon",
    "thought_balloon",
    "bell",
    "loudspeaker",
    "mega",
    "trumpet",
    "musical_note",
    "notes",
    "microphone",
    "headphones",
    "video_game",
    "dart",
    "game_die",
    "jigsaw",
    "crystal_ball",
    "magic_wand",
    "shipit",
    "computer",
    "keyboard",
    "bug",
    "robot",
    "alien",
    "ghost",
    "skull",
    "poop",
    "zzz",
    "dash",
    "saluting_face",
    "melting_face",
    "heart_hands",
    "rotating_light",
    "construction",
    "checkered_flag",
    "triangular_flag_on_post",
    "white_flag",
    "milky_way",
    "comet",
    "crescent_moon",
    "full_moon",
    "new_moon",
];

pub fn known(name: &str) -> bool {
    EMOJI.contains(&name)
}

/// The emoji name in a model's answer: the first word, without colons, lowercased.
pub fn parse(answer: &str) -> String {
    answer
        .split_whitespace()
        .next()
        .unwrap_or("")
        .trim_matches(|c: char| c == ':' || c == '`' || c == '"' || c == '\'' || c == '.')
        .to_lowercase()
}

pub async fn react(
    core: &Arc<AnswerCore>,
    user_id: &str,
    post_id: &str,
    bot: Option<&str>,
) -> Result<String, ActionError> {
    let (Checked { api, turn, .. }, post) = check_post(core, user_id, post_id, bot, |e| e.ai_actions).await?;
    let _slot = core
        .user_slots
        .try_take(user_id)
        .ok_or_else(|| ActionError::Busy(crate::answer::limits::busy()))?;
    let locale = turn.locale();
    let fail = |e: llm::LlmError| ActionError::Failed(e.user_message_in(&locale).into());
    let model = core.model(&turn).map_err(fail)?;
    let system = core
        .prompts
        .render(EMOJI_REACTION, ())
        .map_err(|e| ActionError::Failed(e.to_string().into()))?;
    let request = Request {
        messages: vec![
            Message::text(Role::System, system),
            Message::text(Role::User, post.message.chars().take(4000).collect::<String>()),
        ],
        model: model_name(&turn),
        max_output_tokens: Some(500),
        user_id: Some(user_id.to_owned()),
        ..Default::default()
    };
    let (answer, _, usage, end) = crate::answer::collect(model.stream(&request).await.map_err(fail)?).await;
    count(core, &turn, usage, Some(&request), &answer, "react");
    end.map_err(fail)?;
    let mut emoji = parse(&answer);
    if emoji == "thumbsup" {
        emoji = "+1".into();
    }
    if !known(&emoji) {
        return Err(ActionError::Failed(Text::tr(
            "react.unknown_emoji",
            &[arg("Emoji", emoji.chars().take(40).collect::<String>())],
        )));
    }
    api.add_reaction(&Reaction {
        user_id: user_id.to_owned(),
        post_id: post.id.clone(),
        emoji_name: emoji.clone(),
        ..Default::default()
    })
    .await
    .map_err(|e| ActionError::Failed(e.for_user("adding the reaction").into()))?;
    Ok(emoji)
}

#[cfg(test)]
mod tests {
    #[test]
    fn answers_become_emoji_names() {
        assert_eq!(super::parse(":tada:"), "tada");
        assert_eq!(super::parse("Rocket."), "rocket");
        assert!(super::known("white_check_mark"));
        assert!(!super::known("definitely_not_an_emoji"));
    }
}
