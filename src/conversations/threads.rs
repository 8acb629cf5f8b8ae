//! The user's conversations with the agents (`GET /ai_threads`): the root posts they wrote in
//! their DMs with the agents they may use, newest first, with their titles.

use serde::Serialize;

use super::Conversations;

/// Conversations listed at most, newest first (upstream's limit).
const MAX_THREADS: usize = 60;
/// Posts read per DM page, and pages read at most, while collecting root posts.
const PAGE: i64 = 200;
const MAX_PAGES: i64 = 5;

/// Upstream's `AIThread`.
#[derive(Debug, Serialize)]
pub struct Thread {
    id: String,
    message: String,
    title: String,
    channel_id: String,
    reply_count: i64,
    update_at: i64,
    /// The agent's bot user id (the mobile app groups conversations by agent with it).
    bot_id: String,
}

/// `GET /ai_threads`: the root posts of the user's DMs with the agents they may use.
pub async fn list(core: &Conversations, user: &str) -> Vec<Thread> {
    let api = core.api();
    let snap = core.snapshot();
    let mut roots = Vec::new();
    for agent in snap.agents() {
        let Some(bot_id) = snap.bot_ids.get(&agent.name) else {
            continue;
        };
        if crate::agents::access::check_user(api.as_ref(), agent, user)
            .await
            .is_err()
        {
            continue;
        }
        let dm = match api.get_direct_channel(user, bot_id).await {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(error = %e, "could not open a DM with an agent");
                continue;
            }
        };
        let mut found = 0usize;
        for page in 0..MAX_PAGES {
            let Ok(list) = api.get_posts_for_channel(&dm.id, page, PAGE).await else {
                break;
            };
            let n = list.order.len();
            for p in list.posts.into_values() {
                if p.root_id.is_empty() && p.delete_at == 0 && p.user_id == user {
                    roots.push((p, bot_id.clone()));
                    found += 1;
                }
            }
            if (n as i64) < PAGE || found >= MAX_THREADS {
                break;
            }
        }
    }
    roots.sort_by_key(|(p, _)| std::cmp::Reverse(p.create_at));
    roots.dedup_by(|a, b| a.0.id == b.0.id);
    roots.truncate(MAX_THREADS);
    let mut out = Vec::with_capacity(roots.len());
    for (p, bot_id) in roots {
        out.push(Thread {
            title: super::titles::title(api.as_ref(), &p.id).await,
            id: p.id,
            message: p.message,
            channel_id: p.channel_id,
            reply_count: p.reply_count,
            update_at: p.update_at.max(p.last_reply_at),
            bot_id,
        });
    }
    out
}
