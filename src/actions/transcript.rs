//! Posts as the text a model reads: "@author (time): message", oldest first, without deleted
//! or system posts.

use plugin_runtime::host::MattermostApi;
use plugin_runtime::host::model::{Post, User};

/// The time of a post in the reader's timezone, to the minute.
fn when(millis: i64, tz: &jiff::tz::TimeZone) -> String {
    jiff::Timestamp::from_millisecond(millis)
        .map(|t| t.to_zoned(tz.clone()).strftime("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

pub use crate::answer::context::user_tz as reader_tz;

/// Whether a post is conversation (not deleted, not a join/leave or other system message).
pub fn is_content(p: &Post) -> bool {
    p.delete_at == 0 && !p.post_type.starts_with("system_")
}

pub async fn render(api: &dyn MattermostApi, posts: &[&Post], reader: &User) -> String {
    let names = crate::answer::context::usernames(api, posts).await;
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
