//! A database of its own on the PostgreSQL at `DATABASE_URL`, as the server's database of a
//! simulated Mattermost (`SqlSettings.DataSource`): created empty, dropped at the end, so a run
//! never sees another's rows and leaves nothing behind.

use std::time::Duration;

use sqlx::Connection;

pub struct ScratchDb {
    /// The database's URL, for `SqlSettings.DataSource`.
    pub url: String,
    name: String,
    admin_url: String,
}

/// `url` with its database replaced by `name` (a query such as `sslmode` kept).
pub fn with_database(url: &str, name: &str) -> Option<String> {
    let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
    let authority = base.find("://")? + 3;
    let path = base[authority..].find('/').map_or(base.len(), |i| authority + i);
    let mut out = format!("{}/{name}", &base[..path]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    Some(out)
}

impl ScratchDb {
    /// A new database named `<prefix>_<id>` on the server at `admin_url`.
    pub async fn create(admin_url: &str, prefix: &str) -> Result<Self, String> {
        let connect = sqlx::PgConnection::connect(admin_url);
        let mut admin = match tokio::time::timeout(Duration::from_secs(5), connect).await {
            Ok(Ok(c)) => c,
            Ok(Err(e)) => return Err(format!("PostgreSQL refused the connection ({e})")),
            Err(_) => return Err("PostgreSQL did not answer within 5 s".into()),
        };
        let name = format!("{prefix}_{}", crate::new_id());
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut admin)
            .await
            .map_err(|e| format!("creating a database: {e}"))?;
        let _ = admin.close().await;
        let url = with_database(admin_url, &name).ok_or("DATABASE_URL is not a URL")?;
        Ok(ScratchDb {
            url,
            name,
            admin_url: admin_url.to_owned(),
        })
    }

    /// Drops the database (its sessions ended first).
    pub async fn drop_now(self) {
        if let Ok(mut admin) = sqlx::PgConnection::connect(&self.admin_url).await {
            let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
            let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(&mut admin).await;
            let _ = admin.close().await;
        }
    }
}
