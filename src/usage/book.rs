//! The usage book: tokens per UTC day × agent × user × team × model, in one table of the
//! server's PostgreSQL, so every cluster node adds to the same rows and restarts lose nothing.
//!
//! Records are summed in memory and written every [`FLUSH_DELAY`] as one sorted bulk upsert
//! (rows added to, never overwritten: two nodes writing the same row both count). The memory
//! side is bounded ([`MAX_PENDING`] rows); the table by the retention days.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Serialize;
use sqlx::{PgPool, Row};

use super::{UsageObserver, UsageRecord};
use crate::serverdb::{self, DbError, sql};

pub const TABLE: &str = "mmai_token_usage";
/// How long records gather in memory before one write.
pub const FLUSH_DELAY: Duration = Duration::from_millis(200);
/// Distinct rows waiting at most; past it new rows are dropped (and logged), never memory.
pub const MAX_PENDING: usize = 10_000;
/// Days kept when the configuration does not say.
pub const DEFAULT_RETENTION_DAYS: i64 = 400;
/// Rows one CSV export holds at most.
pub const MAX_EXPORT_ROWS: i64 = 200_000;

#[derive(Debug, thiserror::Error)]
pub enum BookError {
    #[error("usage is not recorded: {0}")]
    Unavailable(String),
    #[error("database: {0}")]
    Db(String),
}

impl From<sqlx::Error> for BookError {
    fn from(e: sqlx::Error) -> Self {
        BookError::Db(serverdb::redact(&e.to_string()))
    }
}

/// One row's identity.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    /// `YYYY-MM-DD`, UTC.
    pub day: String,
    pub user_id: String,
    pub bot_id: String,
    pub team_id: String,
    pub model: String,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Counts {
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub requests: i64,
}

impl Counts {
    fn add(&mut self, o: Counts) {
        self.input_tokens = self.input_tokens.saturating_add(o.input_tokens);
        self.output_tokens = self.output_tokens.saturating_add(o.output_tokens);
        self.requests = self.requests.saturating_add(o.requests);
    }
    pub fn total(&self) -> i64 {
        self.input_tokens.saturating_add(self.output_tokens)
    }
}

/// Today (UTC) as `YYYY-MM-DD`.
pub fn today() -> String {
    jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date()
        .to_string()
}

#[derive(Default)]
struct State {
    pool: Option<(String, PgPool)>,
    schema_ready: bool,
    started: bool,
    retention_days: i64,
    pruned_at: Option<std::time::Instant>,
    dropped: u64,
}

/// How often old days are deleted (by each node; deleting twice is harmless).
const PRUNE_EVERY: Duration = Duration::from_secs(3600);

/// The book. Cheap to share; `observe` never blocks on the database.
pub struct UsageBook {
    enabled: std::sync::atomic::AtomicBool,
    pending: Mutex<HashMap<Key, Counts>>,
    state: Mutex<State>,
    /// Serialises writes and schema creation on this node.
    write: tokio::sync::Mutex<()>,
    wake: Arc<tokio::sync::Notify>,
}

impl Default for UsageBook {
    fn default() -> Self {
        UsageBook {
            enabled: Default::default(),
            pending: Default::default(),
            state: Default::default(),
            write: tokio::sync::Mutex::new(()),
            wake: Arc::new(tokio::sync::Notify::new()),
        }
    }
}

impl UsageBook {
    /// Points the book at the server's database (`None`: nowhere, usage is not kept) and says
    /// whether the license lets it record. A new data source gets a new pool.
    pub fn configure(
        &self,
        data_source: Option<&str>,
        enabled: bool,
        retention_days: i64,
    ) -> Result<(), DbError> {
        self.enabled.store(enabled, std::sync::atomic::Ordering::Relaxed);
        let mut st = self.state.lock().map_err(|_| DbError::NoDataSource)?;
        st.retention_days = retention_days;
        st.pruned_at = None;
        match data_source {
            None => st.pool = None,
            Some(src) if st.pool.as_ref().is_some_and(|(s, _)| s == src) => {}
            Some(src) => {
                st.pool = Some((src.to_owned(), serverdb::pool(src, 2, "usage")?));
                st.schema_ready = false;
            }
        }
        Ok(())
    }

    /// Starts the writer (once); it ends when the book is dropped.
    pub fn start(self: &Arc<Self>) {
        match self.state.lock() {
            Ok(mut st) if !st.started => st.started = true,
            _ => return,
        }
        let weak = Arc::downgrade(self);
        tokio::spawn(async move {
            loop {
                let Some(book) = weak.upgrade() else { return };
                let wake = book.wake.clone();
                drop(book);
                wake.notified().await;
                tokio::time::sleep(FLUSH_DELAY).await;
                let Some(book) = weak.upgrade() else { return };
                book.prune_when_due().await;
                if let Err(e) = book.flush().await {
                    tracing::warn!(error = %e, "token usage could not be written; retrying");
                    drop(book);
                    tokio::time::sleep(Duration::from_secs(5)).await;
                    if let Some(book) = weak.upgrade() {
                        book.wake.notify_one();
                    }
                }
            }
        });
    }

    pub fn is_recording(&self) -> bool {
        self.enabled.load(std::sync::atomic::Ordering::Relaxed) && self.pool().is_ok()
    }

    fn pool(&self) -> Result<PgPool, BookError> {
        let st = self
            .state
            .lock()
            .map_err(|_| BookError::Unavailable("poisoned".into()))?;
        st.pool.as_ref().map(|(_, p)| p.clone()).ok_or_else(|| {
            BookError::Unavailable("the server's PostgreSQL database is not reachable from the plugin".into())
        })
    }

    fn add(&self, key: Key, counts: Counts) {
        let Ok(mut p) = self.pending.lock() else { return };
        if let Some(c) = p.get_mut(&key) {
            c.add(counts);
        } else if p.len() < MAX_PENDING {
            p.insert(key, counts);
        } else {
            drop(p);
            if let Ok(mut st) = self.state.lock() {
                st.dropped += 1;
                if st.dropped.is_power_of_two() {
                    tracing::warn!(
                        dropped = st.dropped,
                        "token usage rows dropped: the database is not keeping up"
                    );
                }
            }
            return;
        }
        self.wake.notify_one();
    }

    /// Creates the table once per data source (under an advisory lock: nodes start together).
    async fn ensure_schema(&self, pool: &PgPool) -> Result<(), BookError> {
        if self.state.lock().map(|s| s.schema_ready).unwrap_or(false) {
            return Ok(());
        }
        let mut tx = pool.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock(hashtext($1))")
            .bind(TABLE)
            .execute(&mut *tx)
            .await?;
        for s in [
            format!(
                "CREATE TABLE IF NOT EXISTS {TABLE} (
                    day DATE NOT NULL,
                    user_id TEXT NOT NULL,
                    bot_id TEXT NOT NULL,
                    team_id TEXT NOT NULL,
                    model TEXT NOT NULL,
                    input_tokens BIGINT NOT NULL DEFAULT 0,
                    output_tokens BIGINT NOT NULL DEFAULT 0,
                    requests BIGINT NOT NULL DEFAULT 0,
                    PRIMARY KEY (day, user_id, bot_id, team_id, model))"
            ),
            format!("CREATE INDEX IF NOT EXISTS {TABLE}_user ON {TABLE} (user_id, day)"),
            format!("CREATE INDEX IF NOT EXISTS {TABLE}_team ON {TABLE} (team_id, day)"),
            format!("CREATE INDEX IF NOT EXISTS {TABLE}_bot ON {TABLE} (bot_id, day)"),
        ] {
            sqlx::query(sql(s)).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        if let Ok(mut s) = self.state.lock() {
            s.schema_ready = true;
        }
        Ok(())
    }

    /// Writes what is pending. On failure the rows go back (as far as the bound allows).
    pub async fn flush(&self) -> Result<(), BookError> {
        let _one = self.write.lock().await;
        let rows: Vec<(Key, Counts)> = match self.pending.lock() {
            Ok(mut p) => p.drain().collect(),
            Err(_) => return Ok(()),
        };
        if rows.is_empty() {
            return Ok(());
        }
        let result = self.write_rows(&rows).await;
        if result.is_err() {
            for (k, c) in rows {
                self.add(k, c);
            }
        }
        result
    }

    async fn write_rows(&self, rows: &[(Key, Counts)]) -> Result<(), BookError> {
        let pool = self.pool()?;
        self.ensure_schema(&pool).await?;
        // Sorted: two nodes upserting overlapping rows lock them in the same order (no deadlock).
        let mut rows = rows.to_vec();
        rows.sort_by(|a, b| a.0.cmp(&b.0));
        let col = |f: fn(&Key) -> &String| rows.iter().map(|(k, _)| f(k).clone()).collect::<Vec<_>>();
        let num = |f: fn(&Counts) -> i64| rows.iter().map(|(_, c)| f(c)).collect::<Vec<_>>();
        sqlx::query(sql(format!(
            "INSERT INTO {TABLE} AS u (day, user_id, bot_id, team_id, model, input_tokens, output_tokens, requests)
             SELECT d::date, a, b, c, m, i, o, r
             FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int8[], $7::int8[], $8::int8[])
                  AS x(d, a, b, c, m, i, o, r)
             ON CONFLICT (day, user_id, bot_id, team_id, model) DO UPDATE SET
                input_tokens = u.input_tokens + EXCLUDED.input_tokens,
                output_tokens = u.output_tokens + EXCLUDED.output_tokens,
                requests = u.requests + EXCLUDED.requests"
        )))
        .bind(col(|k| &k.day))
        .bind(col(|k| &k.user_id))
        .bind(col(|k| &k.bot_id))
        .bind(col(|k| &k.team_id))
        .bind(col(|k| &k.model))
        .bind(num(|c| c.input_tokens))
        .bind(num(|c| c.output_tokens))
        .bind(num(|c| c.requests))
        .execute(&pool)
        .await?;
        Ok(())
    }

    /// Tokens spent since `since` (inclusive, `YYYY-MM-DD`) and on `day`, for the rows
    /// `column` = `id` (`user_id`, `team_id` or `bot_id`), written and pending.
    pub async fn spent(
        &self,
        column: Column,
        id: &str,
        day: &str,
        since: &str,
    ) -> Result<(i64, i64), BookError> {
        let pool = self.pool()?;
        self.ensure_schema(&pool).await?;
        let c = column.name();
        let row = sqlx::query(sql(format!(
            "SELECT COALESCE(SUM(input_tokens + output_tokens) FILTER (WHERE day = $2::date), 0)::int8,
                    COALESCE(SUM(input_tokens + output_tokens), 0)::int8
             FROM {TABLE} WHERE {c} = $1 AND day >= $3::date"
        )))
        .bind(id)
        .bind(day)
        .bind(since)
        .fetch_one(&pool)
        .await?;
        let (mut on_day, mut total): (i64, i64) = (row.try_get(0)?, row.try_get(1)?);
        if let Ok(p) = self.pending.lock() {
            for (k, v) in p
                .iter()
                .filter(|(k, _)| column.of(k) == id && k.day.as_str() >= since)
            {
                total = total.saturating_add(v.total());
                if k.day == day {
                    on_day = on_day.saturating_add(v.total());
                }
            }
        }
        Ok((on_day, total))
    }

    /// Sums between two days (inclusive), grouped by `by`, largest first, at most `limit` rows.
    pub async fn grouped(
        &self,
        by: Grouping,
        from: &str,
        to: &str,
        limit: i64,
    ) -> Result<Vec<(String, Counts)>, BookError> {
        let pool = self.pool()?;
        self.ensure_schema(&pool).await?;
        let (expr, order) = match by {
            Grouping::Day => ("day::text", "1"),
            Grouping::Column(c) => (c.name(), "SUM(input_tokens + output_tokens) DESC, 1"),
            Grouping::Model => ("model", "SUM(input_tokens + output_tokens) DESC, 1"),
        };
        let rows = sqlx::query(sql(format!(
            "SELECT {expr}, SUM(input_tokens)::int8, SUM(output_tokens)::int8, SUM(requests)::int8
             FROM {TABLE} WHERE day BETWEEN $1::date AND $2::date
             GROUP BY 1 ORDER BY {order} LIMIT $3"
        )))
        .bind(from)
        .bind(to)
        .bind(limit)
        .fetch_all(&pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get::<String, _>(0)?,
                    Counts {
                        input_tokens: r.try_get(1)?,
                        output_tokens: r.try_get(2)?,
                        requests: r.try_get(3)?,
                    },
                ))
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }

    /// Every row between two days, oldest first, at most [`MAX_EXPORT_ROWS`].
    pub async fn rows(&self, from: &str, to: &str) -> Result<Vec<(Key, Counts)>, BookError> {
        let pool = self.pool()?;
        self.ensure_schema(&pool).await?;
        let rows = sqlx::query(sql(format!(
            "SELECT day::text, user_id, bot_id, team_id, model, input_tokens, output_tokens, requests
             FROM {TABLE} WHERE day BETWEEN $1::date AND $2::date
             ORDER BY day, bot_id, user_id, team_id, model LIMIT $3"
        )))
        .bind(from)
        .bind(to)
        .bind(MAX_EXPORT_ROWS)
        .fetch_all(&pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    Key {
                        day: r.try_get(0)?,
                        user_id: r.try_get(1)?,
                        bot_id: r.try_get(2)?,
                        team_id: r.try_get(3)?,
                        model: r.try_get(4)?,
                    },
                    Counts {
                        input_tokens: r.try_get(5)?,
                        output_tokens: r.try_get(6)?,
                        requests: r.try_get(7)?,
                    },
                ))
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }

    async fn prune_when_due(&self) {
        let days = match self.state.lock() {
            Ok(mut st) if st.pool.is_some() && st.pruned_at.is_none_or(|t| t.elapsed() >= PRUNE_EVERY) => {
                st.pruned_at = Some(std::time::Instant::now());
                st.retention_days
            }
            _ => return,
        };
        match self.prune(days).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(rows = n, "old token usage deleted"),
            Err(e) => tracing::warn!(error = %e, "old token usage could not be deleted"),
        }
    }

    /// Deletes days older than `days` days (0: the default). Returns the rows removed.
    pub async fn prune(&self, days: i64) -> Result<u64, BookError> {
        let pool = self.pool()?;
        self.ensure_schema(&pool).await?;
        let days = if days <= 0 { DEFAULT_RETENTION_DAYS } else { days };
        let r = sqlx::query(sql(format!(
            "DELETE FROM {TABLE} WHERE day < (now() AT TIME ZONE 'UTC')::date - $1::int"
        )))
        .bind(days as i32)
        .execute(&pool)
        .await?;
        Ok(r.rows_affected())
    }
}

impl UsageObserver for UsageBook {
    fn observe(&self, r: &UsageRecord) {
        if !self.enabled.load(std::sync::atomic::Ordering::Relaxed) {
            return;
        }
        let clamp = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
        self.add(
            Key {
                day: today(),
                user_id: r.user_id.clone(),
                bot_id: r.bot_id.clone(),
                team_id: r.team_id.clone(),
                model: r.model.clone(),
            },
            Counts {
                input_tokens: clamp(r.input_tokens),
                output_tokens: clamp(r.output_tokens),
                requests: 1,
            },
        );
    }
}

/// A column usage is counted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    User,
    Team,
    Agent,
}

impl Column {
    fn name(self) -> &'static str {
        match self {
            Column::User => "user_id",
            Column::Team => "team_id",
            Column::Agent => "bot_id",
        }
    }
    fn of(self, k: &Key) -> &str {
        match self {
            Column::User => &k.user_id,
            Column::Team => &k.team_id,
            Column::Agent => &k.bot_id,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grouping {
    Day,
    Column(Column),
    Model,
}
