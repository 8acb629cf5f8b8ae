//! The vector store: our own table in the server's PostgreSQL, with pgvector.
//!
//! The table does not reference Mattermost's tables, so it survives their migrations; whether
//! a user may see a row is decided at query time through the plugin API, never here.

use pgvector::Vector;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{PgPool, Row};

pub const TABLE: &str = "mmai_post_embeddings";
/// Longest any of our statements may run, in milliseconds.
pub const STATEMENT_TIMEOUT_MS: u64 = 30_000;
/// Longest any of our statements waits for a lock, in milliseconds.
pub const LOCK_TIMEOUT_MS: u64 = 10_000;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the server's database is not PostgreSQL ({0}); semantic search needs PostgreSQL with pgvector")]
    NotPostgres(String),
    #[error("the database connection string could not be read: {0}")]
    BadDataSource(String),
    #[error(
        "the search table holds {found}-dimension vectors but the configuration asks for {wanted}; reindex to rebuild it"
    )]
    Dimensions { found: i64, wanted: usize },
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
}

/// One indexed piece of a post.
#[derive(Debug, Clone, PartialEq)]
pub struct Chunk {
    pub post_id: String,
    pub team_id: String,
    pub channel_id: String,
    pub user_id: String,
    pub create_at: i64,
    pub index: i32,
    pub total: i32,
    pub content: String,
}

/// A stored chunk near the query, with its similarity (1 is identical).
#[derive(Debug, Clone)]
pub struct Hit {
    pub chunk: Chunk,
    pub score: f64,
}

/// Narrows a search.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub team_id: Option<String>,
    pub channel_id: Option<String>,
}

#[derive(Clone)]
pub struct Store {
    pool: PgPool,
    dimensions: usize,
}

impl Store {
    /// A pool on `data_source` (the server's `SqlSettings.DataSource`); connects lazily.
    pub fn connect(driver: &str, data_source: &str, dimensions: usize) -> Result<Self, StoreError> {
        if !matches!(driver, "postgres" | "") {
            return Err(StoreError::NotPostgres(driver.to_owned()));
        }
        let options: PgConnectOptions = data_source
            .parse()
            .map_err(|e: sqlx::Error| StoreError::BadDataSource(redact(&e.to_string())))?;
        // Every statement is bounded: a slow query or a lock held by the server's own work
        // fails ours instead of piling up connections on the server's database.
        let options = options.options([
            ("statement_timeout", STATEMENT_TIMEOUT_MS.to_string()),
            ("lock_timeout", LOCK_TIMEOUT_MS.to_string()),
        ]);
        let pool = PgPoolOptions::new()
            .max_connections(4)
            .acquire_timeout(std::time::Duration::from_secs(3))
            .connect_lazy_with(options);
        Ok(Store { pool, dimensions })
    }

    /// Creates the extension, the table and its indexes when missing; refuses a table built
    /// for another vector size instead of failing on every insert.
    pub async fn ensure_schema(&self) -> Result<(), StoreError> {
        sqlx::query("CREATE EXTENSION IF NOT EXISTS vector")
            .execute(&self.pool)
            .await?;
        let found: Option<i64> = sqlx::query_scalar(
            "SELECT atttypmod::bigint FROM pg_attribute WHERE attrelid = to_regclass($1) AND attname = 'embedding'",
        )
        .bind(TABLE)
        .fetch_optional(&self.pool)
        .await?;
        match found {
            Some(n) if n as usize != self.dimensions => {
                return Err(StoreError::Dimensions {
                    found: n,
                    wanted: self.dimensions,
                });
            }
            Some(_) => return Ok(()),
            None => {}
        }
        self.create_table().await
    }

    async fn create_table(&self) -> Result<(), StoreError> {
        let dims = self.dimensions;
        let statements = [
            format!(
                "CREATE TABLE IF NOT EXISTS {TABLE} (
                    id TEXT PRIMARY KEY,
                    post_id TEXT NOT NULL,
                    team_id TEXT NOT NULL,
                    channel_id TEXT NOT NULL,
                    user_id TEXT NOT NULL,
                    create_at BIGINT NOT NULL,
                    chunk_index INT NOT NULL,
                    total_chunks INT NOT NULL,
                    content TEXT NOT NULL,
                    embedding vector({dims}) NOT NULL)"
            ),
            format!("CREATE INDEX IF NOT EXISTS {TABLE}_post ON {TABLE} (post_id)"),
            format!("CREATE INDEX IF NOT EXISTS {TABLE}_channel ON {TABLE} (channel_id, create_at)"),
            format!(
                "CREATE INDEX IF NOT EXISTS {TABLE}_hnsw ON {TABLE} USING hnsw (embedding vector_cosine_ops)"
            ),
        ];
        for s in statements {
            sqlx::query(sql(s)).execute(&self.pool).await?;
        }
        Ok(())
    }

    /// Drops and recreates the table (a reindex, or a new vector size).
    pub async fn reset(&self) -> Result<(), StoreError> {
        sqlx::query("CREATE EXTENSION IF NOT EXISTS vector")
            .execute(&self.pool)
            .await?;
        sqlx::query(sql(format!("DROP TABLE IF EXISTS {TABLE}")))
            .execute(&self.pool)
            .await?;
        self.create_table().await
    }

    /// Replaces a post's chunks with these (one transaction: searches never see half a post).
    pub async fn replace_post(&self, post_id: &str, chunks: &[(Chunk, Vec<f32>)]) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(sql(format!("DELETE FROM {TABLE} WHERE post_id = $1")))
            .bind(post_id)
            .execute(&mut *tx)
            .await?;
        for (c, v) in chunks {
            sqlx::query(sql(format!(
                "INSERT INTO {TABLE} (id, post_id, team_id, channel_id, user_id, create_at, chunk_index, total_chunks, content, embedding)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
            )))
            .bind(format!("{}_{}", c.post_id, c.index))
            .bind(&c.post_id)
            .bind(&c.team_id)
            .bind(&c.channel_id)
            .bind(&c.user_id)
            .bind(c.create_at)
            .bind(c.index)
            .bind(c.total)
            .bind(&c.content)
            .bind(Vector::from(v.clone()))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn delete_post(&self, post_id: &str) -> Result<(), StoreError> {
        sqlx::query(sql(format!("DELETE FROM {TABLE} WHERE post_id = $1")))
            .bind(post_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The nearest chunks by cosine distance, best first, skipping `offset`.
    pub async fn nearest(
        &self,
        query: &[f32],
        filter: &Filter,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<Hit>, StoreError> {
        let rows = sqlx::query(sql(format!(
            "SELECT post_id, team_id, channel_id, user_id, create_at, chunk_index, total_chunks, content,
                    1 - (embedding <=> $1) AS score
             FROM {TABLE}
             WHERE ($2::text IS NULL OR team_id = $2)
               AND ($3::text IS NULL OR channel_id = $3)
             ORDER BY embedding <=> $1
             LIMIT $4 OFFSET $5"
        )))
        .bind(Vector::from(query.to_vec()))
        .bind(&filter.team_id)
        .bind(&filter.channel_id)
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Hit {
                    chunk: Chunk {
                        post_id: r.try_get("post_id")?,
                        team_id: r.try_get("team_id")?,
                        channel_id: r.try_get("channel_id")?,
                        user_id: r.try_get("user_id")?,
                        create_at: r.try_get("create_at")?,
                        index: r.try_get("chunk_index")?,
                        total: r.try_get("total_chunks")?,
                        content: r.try_get("content")?,
                    },
                    score: r.try_get::<f64, _>("score")?.max(0.0),
                })
            })
            .collect()
    }

    /// How many posts are indexed.
    pub async fn post_count(&self) -> Result<i64, StoreError> {
        Ok(
            sqlx::query_scalar(sql(format!("SELECT count(DISTINCT post_id) FROM {TABLE}")))
                .fetch_one(&self.pool)
                .await?,
        )
    }

    /// Mattermost's own posts, oldest first after (create_at, id), for a reindex: the plugin
    /// reads the server's `Posts` table as the server stores it.
    pub async fn server_posts_after(
        &self,
        after: (i64, &str),
        limit: i64,
    ) -> Result<Vec<ServerPost>, StoreError> {
        let rows = sqlx::query(
            "SELECT p.Id AS id, p.CreateAt AS create_at, p.UserId AS user_id, p.ChannelId AS channel_id,
                    p.Message AS message, p.Type AS post_type, COALESCE(c.TeamId, '') AS team_id,
                    COALESCE(c.Type, '') AS channel_type, COALESCE(c.Name, '') AS channel_name
             FROM Posts p LEFT JOIN Channels c ON c.Id = p.ChannelId
             WHERE p.DeleteAt = 0 AND (p.CreateAt, p.Id) > ($1, $2)
             ORDER BY p.CreateAt, p.Id
             LIMIT $3",
        )
        .bind(after.0)
        .bind(after.1)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ServerPost {
                    id: r.try_get("id")?,
                    create_at: r.try_get("create_at")?,
                    user_id: r.try_get("user_id")?,
                    channel_id: r.try_get("channel_id")?,
                    message: r.try_get("message")?,
                    post_type: r.try_get("post_type")?,
                    team_id: r.try_get("team_id")?,
                    channel_type: r.try_get("channel_type")?,
                    channel_name: r.try_get("channel_name")?,
                })
            })
            .collect()
    }
}

impl Store {
    /// Indexed post ids after `after`, in order, at most `limit` (a sweep's next page).
    pub async fn indexed_post_ids_after(&self, after: &str, limit: i64) -> Result<Vec<String>, StoreError> {
        Ok(sqlx::query_scalar(sql(format!(
            "SELECT DISTINCT post_id FROM {TABLE} WHERE post_id > $1 ORDER BY post_id LIMIT $2"
        )))
        .bind(after)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Of `ids`, the posts the server no longer has: removed from its Posts table (data
    /// retention deletes rows without telling plugins) or marked deleted.
    pub async fn gone_from_server(&self, ids: &[String]) -> Result<Vec<String>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT t.id FROM unnest($1::text[]) AS t(id)
             WHERE NOT EXISTS (SELECT 1 FROM Posts p WHERE p.Id = t.id AND p.DeleteAt = 0)",
        )
        .bind(ids)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Removes these posts' chunks.
    pub async fn delete_posts(&self, ids: &[String]) -> Result<u64, StoreError> {
        Ok(
            sqlx::query(sql(format!("DELETE FROM {TABLE} WHERE post_id = ANY($1)")))
                .bind(ids)
                .execute(&self.pool)
                .await?
                .rows_affected(),
        )
    }

    /// Roughly how many posts a reindex will read (for the progress figure).
    pub async fn server_post_estimate(&self) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT count(*) FROM Posts WHERE DeleteAt = 0 AND Message <> '' AND Type = ''",
        )
        .fetch_one(&self.pool)
        .await?)
    }
}

/// Statements are built from our constant table name and the configured vector size only,
/// never from input; values always go as bind parameters.
fn sql(s: String) -> sqlx::AssertSqlSafe<String> {
    sqlx::AssertSqlSafe(s)
}

/// A row of the server's Posts table (with its channel's team and type).
#[derive(Debug, Clone)]
pub struct ServerPost {
    pub id: String,
    pub create_at: i64,
    pub user_id: String,
    pub channel_id: String,
    pub message: String,
    pub post_type: String,
    pub team_id: String,
    pub channel_type: String,
    /// For direct channels, the two user ids joined by `__`.
    pub channel_name: String,
}

/// Error texts from the driver may quote the connection string; its password never leaves.
fn redact(s: &str) -> String {
    match (s.find("://"), s.find('@')) {
        (Some(a), Some(b)) if b > a => format!("{}://…{}", &s[..a], &s[b..]),
        _ => s.to_owned(),
    }
}
