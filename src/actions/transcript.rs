//! Posts as the text a model reads: "@author (time): message", oldest first, without deleted
//! or system posts.

use std::collections::HashMap;

use crate::host::MattermostApi;
use crate::host::model::{Post, User};

/// The time of a post in the reader's timezone, to the minute.
fn when(millis: i64, tz: &jiff::tz::TimeZone) -> String {
    jiff::Timestamp::from_millisecond(millis)
        .map(|t| t.to_zoned(tz.clone()).strftime("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

pub fn reader_tz(u: &User) -> jiff::tz::TimeZone {
    let name = if u.timezone.get("useAutomaticTimezone").map(String::as_str) == Some("true") {
        u.timezone.get("automaticTimezone")
    } else {
        u.timezone.get("manualTimezone")
    };
    name.filter(|n| !n.is_empty())
        .and_then(|n| jiff::tz::TimeZone::get(n).ok())
        .unwrap_or(jiff::tz::TimeZone::UTC)
}

/// Whether a post is conversation (not deleted, not a join/leave or other system message).
pub fn is_content(p: &Post) -> bool {
    p.delete_at == 0 && !p.post_type.starts_with("system_")
}

pub async fn render(api: &dyn MattermostApi, posts: &[&Post], reader: &User) -> String {
    let mut ids: Vec<String> = posts.iter().map(|p| p.user_id.clone()).collect();
    ids.sort();
    ids.dedup();
    let names: HashMap<String, String> = api
        .get_users_by_ids(&ids)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|u| (u.id, u.username))
        .collect();
    let tz = reader_tz(reader);
    posts
        .iter()
        .filter(|p| is_content(p))
        .map(|p| {
            format!(
                "@{} ({}): {}",
                names.get(&p.user_id).map(String::as_str).unwrap_or("unknown"),
                when(p.create_at, &tz),
                p.message
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}
