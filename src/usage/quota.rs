//! Token quotas: daily and monthly limits per user, per team and per agent (UTC days and
//! months), checked before every model call against the usage book, so every cluster node
//! enforces the same totals. A request over a limit gets a polite answer naming the limit and
//! when it resets, and no provider call; past the warning share the user is told once per
//! period (a KV mark every node sees).
//!
//! The check is made before a call and counted after it, so answers already running when a
//! limit is reached may pass it by what they spend (at most the per-user answers in flight).

use jiff::civil::Date;
use jiff::{Timestamp, ToSpan};

use super::book::{BookError, Column, UsageBook};
use crate::config::model::{TokenLimit, TokenQuotas};
use crate::i18n::{Locale, arg};

/// Who a model call is for.
#[derive(Debug, Clone, Default)]
pub struct Who {
    pub user_id: String,
    /// The channel's team (or `dm` / `group`, which no team limit covers).
    pub team_id: String,
    /// The agent's bot user id; empty for calls without an agent.
    pub bot_id: String,
    /// The agent's display name, for the message.
    pub agent_name: String,
    /// `None` when the caller does not know (the LLM Bridge): looked up when it matters.
    pub is_admin: Option<bool>,
    /// The user's Mattermost locale; empty when unknown (looked up with `is_admin`).
    pub locale: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    User,
    Team,
    Agent,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    Day,
    Month,
}

impl Reached {
    /// `user`, `team` or `agent` (the metric's label, the override's scope).
    pub fn scope_label(&self) -> &'static str {
        match self.scope {
            Scope::User => "user",
            Scope::Team => "team",
            Scope::Agent => "agent",
        }
    }
}

/// A limit that is reached or near.
#[derive(Debug, Clone, PartialEq)]
pub struct Reached {
    pub scope: Scope,
    pub period: Period,
    pub id: String,
    pub used: i64,
    pub limit: i64,
    /// When the period ends (UTC midnight).
    pub resets_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    Allow,
    /// Allowed; the first request past the warning share of this limit.
    Warn(Reached),
    Refuse(Reached),
}

/// The limits that apply to one scope and id: an override, else the default.
fn limit_for(q: &TokenQuotas, scope: Scope, id: &str) -> TokenLimit {
    let (name, default) = match scope {
        Scope::User => ("user", q.per_user),
        Scope::Team => ("team", q.per_team),
        Scope::Agent => ("agent", q.per_agent),
    };
    q.overrides
        .iter()
        .find(|o| o.scope == name && o.id == id)
        .map(|o| TokenLimit {
            daily: o.daily,
            monthly: o.monthly,
        })
        .unwrap_or(default)
}

/// The UTC day and the first day of its month, and when each ends.
pub struct Calendar {
    pub today: Date,
    pub month_start: Date,
    pub day_ends: Timestamp,
    pub month_ends: Timestamp,
}

impl Calendar {
    pub fn at(now: Timestamp) -> Self {
        let utc = jiff::tz::TimeZone::UTC;
        let today = now.to_zoned(utc.clone()).date();
        let month_start = today.first_of_month();
        let end = |d: Date| d.to_zoned(utc.clone()).map(|z| z.timestamp()).unwrap_or(now);
        let tomorrow = today.checked_add(1.day()).unwrap_or(today);
        let next_month = month_start.checked_add(1.month()).unwrap_or(month_start);
        Calendar {
            today,
            month_start,
            day_ends: end(tomorrow),
            month_ends: end(next_month),
        }
    }
}

/// Judges one call. `q` must be enabled; admins pass unless `applyToAdmins`.
pub async fn judge(
    book: &UsageBook,
    q: &TokenQuotas,
    who: &Who,
    now: Timestamp,
) -> Result<Verdict, BookError> {
    if !q.enabled || (who.is_admin == Some(true) && !q.apply_to_admins) {
        return Ok(Verdict::Allow);
    }
    let cal = Calendar::at(now);
    let (day, since) = (cal.today.to_string(), cal.month_start.to_string());
    let scopes = [
        (Scope::User, Column::User, who.user_id.as_str()),
        (Scope::Team, Column::Team, who.team_id.as_str()),
        (Scope::Agent, Column::Agent, who.bot_id.as_str()),
    ];
    let mut warn: Option<Reached> = None;
    for (scope, column, id) in scopes {
        if id.is_empty() || (scope == Scope::Team && matches!(id, "dm" | "group" | "unknown")) {
            continue;
        }
        let limit = limit_for(q, scope, id);
        if limit.daily <= 0 && limit.monthly <= 0 {
            continue;
        }
        let (on_day, in_month) = book.spent(column, id, &day, &since).await?;
        for (period, used, max, resets_at) in [
            (Period::Day, on_day, limit.daily, cal.day_ends),
            (Period::Month, in_month, limit.monthly, cal.month_ends),
        ] {
            if max <= 0 {
                continue;
            }
            let reached = Reached {
                scope,
                period,
                id: id.to_owned(),
                used,
                limit: max,
                resets_at,
            };
            if used >= max {
                return Ok(Verdict::Refuse(reached));
            }
            let share = q.warn_at_percent.clamp(1, 100);
            if warn.is_none() && used.saturating_mul(100) >= max.saturating_mul(share) {
                warn = Some(reached);
            }
        }
    }
    Ok(warn.map_or(Verdict::Allow, Verdict::Warn))
}

/// The KV key that marks a warning as given, for one limit and period.
pub fn warned_key(r: &Reached, cal_day: &str) -> String {
    let period = match r.period {
        Period::Day => cal_day.to_owned(),
        Period::Month => cal_day.get(..7).unwrap_or(cal_day).to_owned(),
    };
    let scope = match r.scope {
        Scope::User => "u",
        Scope::Team => "t",
        Scope::Agent => "a",
    };
    // Ids are 26 characters; the key stays under Mattermost's 150.
    format!("quota_warned_{scope}_{}_{period}", r.id)
}

fn thousands(n: i64) -> String {
    let digits = n.max(0).to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// When the limit resets, in words: "in 5 h 20 min" today, the date for a month.
fn resets(l: &Locale, r: &Reached, now: Timestamp) -> String {
    match r.period {
        Period::Day => {
            let mins = ((r.resets_at.as_second() - now.as_second()).max(60)) / 60;
            l.tr(
                "quota.resets.day",
                &[arg("Hours", mins / 60), arg("Minutes", mins % 60)],
            )
        }
        Period::Month => {
            let date = r.resets_at.to_zoned(jiff::tz::TimeZone::UTC).date();
            l.tr("quota.resets.month", &[arg("Date", date)])
        }
    }
}

/// The polite refusal: which limit, and when it resets.
pub fn refusal(l: &Locale, r: &Reached, who: &Who, now: Timestamp) -> String {
    let id = match (r.scope, r.period) {
        (Scope::User, Period::Day) => "quota.refused.user.day",
        (Scope::User, Period::Month) => "quota.refused.user.month",
        (Scope::Team, Period::Day) => "quota.refused.team.day",
        (Scope::Team, Period::Month) => "quota.refused.team.month",
        (Scope::Agent, Period::Day) => "quota.refused.agent.day",
        (Scope::Agent, Period::Month) => "quota.refused.agent.month",
    };
    let first = l.tr(
        id,
        &[arg("Limit", thousands(r.limit)), arg("Agent", &who.agent_name)],
    );
    format!("{first} {}", resets(l, r, now))
}

/// The warning past the share: how much of which limit is used.
pub fn warning(l: &Locale, r: &Reached, who: &Who, now: Timestamp) -> String {
    let id = match (r.scope, r.period) {
        (Scope::User, Period::Day) => "quota.warning.user.day",
        (Scope::User, Period::Month) => "quota.warning.user.month",
        (Scope::Team, Period::Day) => "quota.warning.team.day",
        (Scope::Team, Period::Month) => "quota.warning.team.month",
        (Scope::Agent, Period::Day) => "quota.warning.agent.day",
        (Scope::Agent, Period::Month) => "quota.warning.agent.month",
    };
    let percent = r.used.saturating_mul(100) / r.limit.max(1);
    let first = l.tr(
        id,
        &[
            arg("Percent", percent),
            arg("Limit", thousands(r.limit)),
            arg("Agent", &who.agent_name),
        ],
    );
    format!("{first} {}", resets(l, r, now))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_end_at_utc_midnight() {
        let now: Timestamp = "2026-12-31T22:30:00Z".parse().unwrap();
        let c = Calendar::at(now);
        assert_eq!(c.today.to_string(), "2026-12-31");
        assert_eq!(c.month_start.to_string(), "2026-12-01");
        assert_eq!(c.day_ends.to_string(), "2027-01-01T00:00:00Z");
        assert_eq!(c.month_ends.to_string(), "2027-01-01T00:00:00Z");
    }

    #[test]
    fn overrides_replace_the_defaults() {
        let mut q = TokenQuotas::default();
        q.per_user.daily = 100;
        q.overrides.push(crate::config::model::TokenLimitOverride {
            scope: "user".into(),
            id: "vip".into(),
            daily: 1000,
            monthly: 0,
        });
        assert_eq!(limit_for(&q, Scope::User, "someone").daily, 100);
        assert_eq!(limit_for(&q, Scope::User, "vip").daily, 1000);
        assert_eq!(limit_for(&q, Scope::Team, "vip").daily, 0);
    }

    #[test]
    fn the_refusal_names_the_limit_and_the_reset() {
        let now: Timestamp = "2026-12-08T18:40:00Z".parse().unwrap();
        let cal = Calendar::at(now);
        let r = Reached {
            scope: Scope::User,
            period: Period::Day,
            id: "u".into(),
            used: 120_000,
            limit: 100_000,
            resets_at: cal.day_ends,
        };
        let en = refusal(&Locale::new("en"), &r, &Who::default(), now);
        assert!(en.contains("daily limit of 100,000"), "{en}");
        assert!(en.contains("5 h 20 min"), "{en}");
        let de = refusal(&Locale::new("de"), &r, &Who::default(), now);
        assert_ne!(de, en);
        assert!(de.contains("100,000") || de.contains("100.000"), "{de}");
        assert_eq!(warned_key(&r, "2026-12-08"), "quota_warned_u_u_2026-12-08");
    }
}
