//! Who may use an agent, and where: the one check every entry point calls (DMs, mentions,
//! AI actions, `/ai_bots`). Restrictions an admin configured are enforced whatever the license:
//! losing a license must never widen access.

use crate::config::{AccessLevel, BotConfig};
use crate::i18n::{Text, arg};
use plugin_runtime::host::MattermostApi;
use plugin_runtime::host::model::Channel;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    #[error("you are not allowed to use {0}")]
    User(String),
    #[error("{0} is not available in this channel")]
    Channel(String),
}

/// Why a user may not have an agent work on a channel for them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("you cannot read this channel")]
    Unreadable,
    #[error(transparent)]
    Denied(#[from] Denied),
}

impl Denied {
    /// The refusal as a user reads it, in their language (`Display` is the log's English).
    pub fn text(&self) -> Text {
        match self {
            Denied::User(agent) => Text::tr("access.denied.user", &[arg("Agent", agent)]),
            Denied::Channel(agent) => Text::tr("access.denied.channel", &[arg("Agent", agent)]),
        }
    }

    /// The private note a refused user gets where they asked.
    pub fn note(&self) -> Text {
        match self {
            Denied::User(agent) => Text::tr("access.note.user", &[arg("Agent", agent)]),
            Denied::Channel(agent) => Text::tr("access.note.channel", &[arg("Agent", agent)]),
        }
    }
}

impl Refusal {
    /// The refusal as a user reads it, in their language.
    pub fn text(&self) -> Text {
        match self {
            Refusal::Unreadable => Text::tr("access.unreadable", &[]),
            Refusal::Denied(d) => d.text(),
        }
    }
}

async fn in_any_team(api: &dyn MattermostApi, user_id: &str, teams: &[String]) -> bool {
    for t in teams {
        if let Ok(m) = api.get_team_member(t, user_id).await
            && m.delete_at == 0
        {
            return true;
        }
    }
    false
}

/// Whether `user_id` may use `bot` at all.
pub async fn check_user(api: &dyn MattermostApi, bot: &BotConfig, user_id: &str) -> Result<(), Denied> {
    let listed = || bot.user_ids.iter().any(|u| u == user_id);
    let ok = match bot.user_access() {
        AccessLevel::All => true,
        AccessLevel::None => false,
        AccessLevel::Allow => listed() || in_any_team(api, user_id, &bot.team_ids).await,
        AccessLevel::Block => !(listed() || in_any_team(api, user_id, &bot.team_ids).await),
    };
    if ok {
        Ok(())
    } else {
        Err(Denied::User(bot.display_name.clone()))
    }
}

/// Whether `bot` (whose bot account is `bot_user_id`) may work in `channel`. Only the agent's
/// own DMs are exempt, since the user check already decided those; a DM between two people
/// or a group message is restricted like any channel.
pub fn check_channel(bot: &BotConfig, bot_user_id: &str, channel: &Channel) -> Result<(), Denied> {
    if is_dm_with(channel, bot_user_id) {
        return Ok(());
    }
    let listed = bot.channel_ids.contains(&channel.id);
    let ok = match bot.channel_access() {
        AccessLevel::All => true,
        AccessLevel::None => false,
        AccessLevel::Allow => listed,
        AccessLevel::Block => !listed,
    };
    if ok {
        Ok(())
    } else {
        Err(Denied::Channel(bot.display_name.clone()))
    }
}

/// Both checks, as an entry point in a channel needs them.
pub async fn check(
    api: &dyn MattermostApi,
    bot: &BotConfig,
    bot_user_id: &str,
    user_id: &str,
    channel: &Channel,
) -> Result<(), Denied> {
    check_user(api, bot, user_id).await?;
    check_channel(bot, bot_user_id, channel)
}

/// A DM whose two members include `user_id` (Mattermost names DMs `<id>__<id>`).
pub fn is_dm_with(channel: &Channel, user_id: &str) -> bool {
    channel.is_direct() && !user_id.is_empty() && channel.name.split("__").any(|id| id == user_id)
}

/// The caller may read the channel as a user (see [`may_read`]), and the agent may serve them
/// there.
pub async fn authorize(
    api: &dyn MattermostApi,
    bot: &BotConfig,
    bot_user_id: &str,
    user_id: &str,
    channel: &Channel,
) -> Result<(), Refusal> {
    if !may_read(api, user_id, channel).await {
        return Err(Refusal::Unreadable);
    }
    check(api, bot, bot_user_id, user_id, channel).await?;
    Ok(())
}

/// Whether `user_id` reads `channel` as a user would: a public channel with the
/// `read_channel` permission, anything else (private channels, DMs, group messages) only as a
/// member. A system admin's power to open any channel is not a reason to summarise other
/// people's private conversations for them.
pub async fn may_read(api: &dyn MattermostApi, user_id: &str, channel: &Channel) -> bool {
    if channel.channel_type == plugin_runtime::host::model::channel_type::OPEN {
        return api
            .has_permission_to_channel(user_id, &channel.id, "read_channel")
            .await
            .unwrap_or(false);
    }
    api.get_channel_member(&channel.id, user_id).await.is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn channel(id: &str, kind: &str) -> Channel {
        Channel {
            id: id.into(),
            channel_type: kind.into(),
            ..Default::default()
        }
    }

    #[test]
    fn channel_access_matrix() {
        let mut bot = BotConfig {
            display_name: "AI".into(),
            channel_ids: vec!["c1".into()],
            ..Default::default()
        };
        let (listed, other) = (channel("c1", "O"), channel("c2", "P"));
        let mut dm = channel("d", "D");
        dm.name = "user1__bot1".into();
        let mut people_dm = channel("d2", "D");
        people_dm.name = "user1__user2".into();
        let cases = [
            (0, [true, true, true]),
            (1, [true, false, true]),
            (2, [false, true, true]),
            (3, [false, false, true]),
            (9, [false, false, true]),
        ];
        for (level, [on_listed, on_other, on_dm]) in cases {
            bot.channel_access_level = level;
            assert_eq!(
                check_channel(&bot, "bot1", &listed).is_ok(),
                on_listed,
                "level {level} listed"
            );
            assert_eq!(
                check_channel(&bot, "bot1", &other).is_ok(),
                on_other,
                "level {level} other"
            );
            assert_eq!(
                check_channel(&bot, "bot1", &dm).is_ok(),
                on_dm,
                "level {level}: the agent's DMs are decided by user access"
            );
            assert_eq!(
                check_channel(&bot, "bot1", &people_dm).is_ok(),
                level == 0 || level == 2,
                "level {level}: a DM between two people is not the agent's own"
            );
        }
        bot.channel_access_level = 1;
        assert_eq!(
            check_channel(&bot, "bot1", &other),
            Err(Denied::Channel("AI".into()))
        );
    }

    #[test]
    fn refusals_are_said_in_the_users_language() {
        use crate::i18n::Locale;
        let denied = Denied::User("Helper".into());
        let en = denied.note().in_locale(&Locale::new("en"));
        assert!(en.contains("not allowed to use Helper"), "{en}");
        let fr = denied.note().in_locale(&Locale::new("fr"));
        assert!(fr.contains("Helper") && fr != en, "{fr}");
        let es = Refusal::Unreadable.text().in_locale(&Locale::new("es"));
        assert!(es.contains("canal"), "{es}");
        assert!(
            Denied::Channel("Helper".into())
                .text()
                .in_locale(&Locale::new("de"))
                .contains("Kanal")
        );
    }
}
