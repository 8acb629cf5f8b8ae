//! What the usage page shows and exports: sums per day, per agent, per model, and the top
//! users and teams over a range of UTC days, with names resolved through the plugin API; and
//! every row as CSV.

use std::collections::{BTreeMap, HashMap};

use jiff::ToSpan;
use jiff::civil::Date;
use serde::Serialize;

use super::book::{BookError, Column, Counts, Grouping, UsageBook};
use plugin_runtime::host::MattermostApi;

/// The longest range one request may ask for.
pub const MAX_DAYS: i64 = 400;
/// The range when none is given.
pub const DEFAULT_DAYS: i64 = 30;
/// Users and teams listed by name.
pub const TOP: i64 = 10;

#[derive(Debug, thiserror::Error)]
pub enum RangeError {
    #[error("{0} must be a date written YYYY-MM-DD")]
    BadDate(&'static str),
    #[error("from must not be after to")]
    Reversed,
    #[error("a range may span at most {MAX_DAYS} days")]
    TooLong,
}

/// An inclusive range of UTC days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    pub from: Date,
    pub to: Date,
}

impl Range {
    /// From the query's `from` / `to` (either may be missing: the last 30 days to today).
    pub fn parse(from: Option<&str>, to: Option<&str>, today: Date) -> Result<Self, RangeError> {
        let date = |s: Option<&str>, name| match s.filter(|s| !s.is_empty()) {
            None => Ok(None),
            Some(s) => s.parse::<Date>().map(Some).map_err(|_| RangeError::BadDate(name)),
        };
        let to = date(to, "to")?.unwrap_or(today);
        let from = match date(from, "from")? {
            Some(d) => d,
            None => to.checked_sub((DEFAULT_DAYS - 1).days()).unwrap_or(to),
        };
        if from > to {
            return Err(RangeError::Reversed);
        }
        if (to - from).get_days() >= MAX_DAYS as i32 {
            return Err(RangeError::TooLong);
        }
        Ok(Range { from, to })
    }

    fn days(&self) -> Vec<Date> {
        let mut out = Vec::new();
        let mut d = self.from;
        while d <= self.to && out.len() <= MAX_DAYS as usize {
            out.push(d);
            match d.tomorrow() {
                Ok(n) => d = n,
                Err(_) => break,
            }
        }
        out
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Named {
    pub id: String,
    pub name: String,
    #[serde(flatten)]
    pub counts: Counts,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Day {
    pub day: String,
    #[serde(flatten)]
    pub counts: Counts,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    pub from: String,
    pub to: String,
    pub totals: Counts,
    /// Every day of the range, zero when nothing was used.
    pub days: Vec<Day>,
    pub agents: Vec<Named>,
    pub models: Vec<Named>,
    pub top_users: Vec<Named>,
    pub top_teams: Vec<Named>,
}

/// Names for ids: agents from the configuration, users and teams through the API. An id
/// that cannot be resolved keeps itself as its name; `dm` and `group` are not teams.
pub struct Names<'a> {
    pub api: &'a dyn MattermostApi,
    /// Bot user id → agent display name.
    pub agents: HashMap<String, String>,
}

impl Names<'_> {
    async fn users(&self, ids: &[String]) -> HashMap<String, String> {
        let mut out = HashMap::new();
        let wanted: Vec<String> = ids.iter().filter(|i| !i.is_empty()).cloned().collect();
        for chunk in wanted.chunks(100) {
            match self.api.get_users_by_ids(chunk).await {
                Ok(users) => out.extend(users.into_iter().map(|u| (u.id, u.username))),
                Err(e) => tracing::debug!(error = %e, "usage: users not resolved"),
            }
        }
        out
    }

    async fn teams(&self, ids: &[String]) -> HashMap<String, String> {
        let mut out = HashMap::new();
        for id in ids {
            let name = match id.as_str() {
                "dm" => "Direct messages".to_owned(),
                "group" => "Group messages".to_owned(),
                "" | "unknown" => continue,
                _ => match self.api.get_team(id).await {
                    Ok(t) => t.display_name,
                    Err(_) => continue,
                },
            };
            out.insert(id.clone(), name);
        }
        out
    }
}

fn named(rows: Vec<(String, Counts)>, names: &HashMap<String, String>) -> Vec<Named> {
    rows.into_iter()
        .map(|(id, counts)| Named {
            name: names.get(&id).cloned().unwrap_or_else(|| id.clone()),
            id,
            counts,
        })
        .collect()
}

pub async fn report(book: &UsageBook, names: &Names<'_>, range: Range) -> Result<Report, BookError> {
    let (from, to) = (range.from.to_string(), range.to.to_string());
    let by_day: BTreeMap<String, Counts> = book
        .grouped(Grouping::Day, &from, &to, MAX_DAYS + 1)
        .await?
        .into_iter()
        .collect();
    let mut totals = Counts::default();
    let days = range
        .days()
        .into_iter()
        .map(|d| {
            let day = d.to_string();
            let counts = by_day.get(&day).copied().unwrap_or_default();
            totals.input_tokens += counts.input_tokens;
            totals.output_tokens += counts.output_tokens;
            totals.requests += counts.requests;
            Day { day, counts }
        })
        .collect();
    let agents = book
        .grouped(Grouping::Column(Column::Agent), &from, &to, 100)
        .await?;
    let models = book.grouped(Grouping::Model, &from, &to, 100).await?;
    let users = book
        .grouped(Grouping::Column(Column::User), &from, &to, TOP)
        .await?;
    let teams = book
        .grouped(Grouping::Column(Column::Team), &from, &to, TOP)
        .await?;
    let user_names = names
        .users(&users.iter().map(|(id, _)| id.clone()).collect::<Vec<_>>())
        .await;
    let team_names = names
        .teams(&teams.iter().map(|(id, _)| id.clone()).collect::<Vec<_>>())
        .await;
    Ok(Report {
        from,
        to,
        totals,
        days,
        agents: named(agents, &names.agents),
        models: named(models, &HashMap::new()),
        top_users: named(users, &user_names),
        top_teams: named(teams, &team_names),
    })
}

/// One CSV field: quoted when it must be (RFC 4180), and a text a spreadsheet would run as a
/// formula (`=`, `+`, `-`, `@` first) is prefixed with `'`.
fn field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_owned()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

pub const CSV_HEADER: &str =
    "day,agent_id,agent,user_id,username,team_id,team,model,input_tokens,output_tokens,requests";

/// Every row of the range as CSV, oldest day first (at most `book::MAX_EXPORT_ROWS`).
pub async fn csv(book: &UsageBook, names: &Names<'_>, range: Range) -> Result<String, BookError> {
    let rows = book.rows(&range.from.to_string(), &range.to.to_string()).await?;
    let mut user_ids: Vec<String> = rows.iter().map(|(k, _)| k.user_id.clone()).collect();
    user_ids.sort();
    user_ids.dedup();
    let mut team_ids: Vec<String> = rows.iter().map(|(k, _)| k.team_id.clone()).collect();
    team_ids.sort();
    team_ids.dedup();
    let users = names.users(&user_ids).await;
    let teams = names.teams(&team_ids).await;
    let mut out = String::with_capacity(64 * (rows.len() + 1));
    out.push_str(CSV_HEADER);
    out.push_str("\r\n");
    let name = |m: &HashMap<String, String>, id: &str| m.get(id).cloned().unwrap_or_default();
    for (k, c) in rows {
        let line = [
            field(&k.day),
            field(&k.bot_id),
            field(&name(&names.agents, &k.bot_id)),
            field(&k.user_id),
            field(&name(&users, &k.user_id)),
            field(&k.team_id),
            field(&name(&teams, &k.team_id)),
            field(&k.model),
            c.input_tokens.to_string(),
            c.output_tokens.to_string(),
            c.requests.to_string(),
        ]
        .join(",");
        out.push_str(&line);
        out.push_str("\r\n");
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_default_to_the_last_thirty_days_and_are_bounded() {
        let today: Date = "2026-12-08".parse().unwrap();
        let r = Range::parse(None, None, today).unwrap();
        assert_eq!(
            (r.from.to_string(), r.to.to_string()),
            ("2026-11-09".into(), "2026-12-08".into())
        );
        assert_eq!(r.days().len(), 30);
        assert!(matches!(
            Range::parse(Some("2026-12-09"), Some("2026-12-08"), today),
            Err(RangeError::Reversed)
        ));
        assert!(matches!(
            Range::parse(Some("2024-01-01"), None, today),
            Err(RangeError::TooLong)
        ));
        assert!(matches!(
            Range::parse(Some("12/08/2026"), None, today),
            Err(RangeError::BadDate("from"))
        ));
    }

    #[test]
    fn csv_fields_are_quoted_and_formulas_defused() {
        assert_eq!(field("plain"), "plain");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(field("-1"), "'-1");
    }
}
