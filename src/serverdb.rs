//! The server's own PostgreSQL (`SqlSettings.DataSource`), where the plugin keeps its tables
//! (the vector index, per-day token usage) beside Mattermost's, as upstream does. One home for
//! reading the connection string, bounding every session, and keeping credentials out of
//! errors.

use plugin_runtime::host::model::ServerConfig;
use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

/// Longest any of our statements may run, in milliseconds.
pub const STATEMENT_TIMEOUT_MS: u64 = 30_000;
/// Longest any of our statements waits for a lock, in milliseconds.
pub const LOCK_TIMEOUT_MS: u64 = 10_000;

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("the server's database is not PostgreSQL ({0})")]
    NotPostgres(String),
    #[error("the server's SqlSettings.DataSource is empty")]
    NoDataSource,
    #[error("the database connection string could not be read: {0}")]
    BadDataSource(String),
}

/// The data source from the server's (unsanitized) configuration, when it is PostgreSQL.
pub fn data_source(server: &ServerConfig) -> Result<String, DbError> {
    let driver = server.get_str("SqlSettings.DriverName").unwrap_or("postgres");
    check_driver(driver)?;
    match server.get_str("SqlSettings.DataSource") {
        Some(s) if !s.is_empty() => Ok(s.to_owned()),
        _ => Err(DbError::NoDataSource),
    }
}

pub fn check_driver(driver: &str) -> Result<(), DbError> {
    if matches!(driver, "postgres" | "") {
        Ok(())
    } else {
        Err(DbError::NotPostgres(driver.to_owned()))
    }
}

/// A lazily connecting pool of at most `max` sessions on `data_source`, named after `purpose`
/// in `pg_stat_activity`. Every statement is bounded, so a slow query or a lock held by the
/// server's own work fails ours instead of piling up connections on the server's database.
/// Every statement is planned for its values: a generic plan of `ORDER BY embedding <=> $1
/// LIMIT $4` does not know the limit and scans the whole table (after five executions).
pub fn pool(data_source: &str, max: u32, purpose: &str) -> Result<PgPool, DbError> {
    let options: PgConnectOptions = data_source
        .parse()
        .map_err(|e: sqlx::Error| DbError::BadDataSource(redact(&e.to_string())))?;
    let options = options
        .application_name(&format!("mattermost-ai {purpose}"))
        .options([
            ("statement_timeout", STATEMENT_TIMEOUT_MS.to_string()),
            ("lock_timeout", LOCK_TIMEOUT_MS.to_string()),
            ("plan_cache_mode", "force_custom_plan".to_owned()),
        ]);
    Ok(PgPoolOptions::new()
        .max_connections(max)
        .acquire_timeout(std::time::Duration::from_secs(3))
        .connect_lazy_with(options))
}

/// Our statements are built from constants (table names, the configured vector size) only,
/// never from input; values always go as bind parameters.
pub fn sql(s: String) -> sqlx::AssertSqlSafe<String> {
    sqlx::AssertSqlSafe(s)
}

/// A database error without the credentials of a URL-style data source.
pub fn redact(s: &str) -> String {
    match (s.find("://"), s.rfind('@')) {
        (Some(a), Some(b)) if b > a => format!("{}://…{}", &s[..a], &s[b..]),
        _ => s.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_cut_from_errors() {
        let s = redact("error connecting to postgres://mm:p@ss@db:5432/mm");
        assert!(!s.contains("p@ss") && !s.contains("mm:"), "{s}");
        assert!(s.contains("@db:5432"));
    }

    #[test]
    fn only_postgres_is_accepted() {
        assert!(check_driver("mysql").is_err());
        assert!(check_driver("postgres").is_ok());
    }
}
