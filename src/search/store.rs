//! The vector store: our own table in the server's PostgreSQL, with pgvector.
//!
//! The table does not reference Mattermost's tables, so it survives their migrations; whether
//! a user may see a row is decided at query time through the plugin API, never here.

use crate::answer::mark::now_ms;
use pgvector::Vector;
use sqlx::{PgPool, Row};

pub const TABLE: &str = "mmai_post_embeddings";

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

/// How wide pgvector's HNSW candidate list (`hnsw.ef_search`) is: the rows a scan keeps
/// in view while it walks the graph. Wider finds more of the true nearest (recall) at the
/// cost of time. Measured with `make bench` (1M chunks, 384 dimensions): recall@10 is 0.67
/// at pgvector's default of 40, 0.86 at 100, 0.92 at 200, 0.94 at 250 and 0.96 from 300.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScanWidth {
    /// By the size of the index (see [`ScanWidth::floor_for`]), and at least four times the
    /// rows asked for.
    Adaptive,
    /// What the admin set (`parameters.efSearch`), within pgvector's 1..=1000.
    Fixed(i64),
}

impl ScanWidth {
    /// pgvector's upper bound for `hnsw.ef_search`.
    pub const MAX: i64 = 1000;

    /// The narrowest list for an index of about `chunks` rows: a small graph is searched
    /// well by a short list, a large one needs a long one for recall@10 ≥ 0.95.
    pub fn floor_for(chunks: i64) -> i64 {
        match chunks {
            ..200_000 => 100,
            200_000..500_000 => 200,
            _ => 300,
        }
    }

    /// The list for a scan that must yield `wanted` rows from an index of about `chunks`.
    pub fn for_rows(self, wanted: i64, chunks: i64) -> i64 {
        match self {
            ScanWidth::Adaptive => wanted.saturating_mul(4).clamp(Self::floor_for(chunks), Self::MAX),
            ScanWidth::Fixed(ef) => ef.clamp(1, Self::MAX),
        }
    }
}

/// The planner's row estimate of the table, re-read at most this often.
const SIZE_TTL: std::time::Duration = std::time::Duration::from_secs(600);

#[derive(Clone)]
pub struct Store {
    pool: PgPool,
    dimensions: usize,
    width: ScanWidth,
    /// About how many chunks the table holds, and when that was read.
    size: std::sync::Arc<std::sync::Mutex<Option<(std::time::Instant, i64)>>>,
}

impl Store {
    /// A pool on `data_source` (the server's `SqlSettings.DataSource`); connects lazily.
    pub fn connect(driver: &str, data_source: &str, dimensions: usize) -> Result<Self, StoreError> {
        crate::serverdb::check_driver(driver).map_err(|_| StoreError::NotPostgres(driver.to_owned()))?;
        let pool = crate::serverdb::pool(data_source, 4, "search").map_err(|e| match e {
            crate::serverdb::DbError::BadDataSource(m) => StoreError::BadDataSource(m),
            other => StoreError::BadDataSource(other.to_string()),
        })?;
        Ok(Store {
            pool,
            dimensions,
            width: ScanWidth::Adaptive,
            size: Default::default(),
        })
    }

    /// The same store scanning with another candidate list width.
    pub fn with_scan_width(mut self, width: ScanWidth) -> Self {
        self.width = width;
        self
    }

    /// About how many chunks the table holds (the planner's estimate, `pg_class.reltuples`,
    /// kept up by autovacuum and ANALYZE): cheap, and exact enough to size a scan.
    async fn approximate_size(&self, tx: &mut sqlx::Transaction<'_, sqlx::Postgres>) -> i64 {
        if let Ok(guard) = self.size.lock()
            && let Some((at, n)) = *guard
            && at.elapsed() < SIZE_TTL
        {
            return n;
        }
        let n: i64 = sqlx::query_scalar(sql(format!(
            "SELECT GREATEST(reltuples, 0)::int8 FROM pg_class WHERE oid = to_regclass('{TABLE}')"
        )))
        .fetch_optional(&mut **tx)
        .await
        .ok()
        .flatten()
        .unwrap_or(0);
        if let Ok(mut guard) = self.size.lock() {
            *guard = Some((std::time::Instant::now(), n));
        }
        n
    }

    /// The list width for a scan yielding `wanted` rows.
    async fn width_for(&self, tx: &mut sqlx::Transaction<'_, sqlx::Postgres>, wanted: i64) -> i64 {
        let chunks = match self.width {
            ScanWidth::Adaptive => self.approximate_size(tx).await,
            ScanWidth::Fixed(_) => 0,
        };
        self.width.for_rows(wanted, chunks)
    }

    /// The pool, for the schema module and the benchmarks.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    pub fn dimensions(&self) -> usize {
        self.dimensions
    }

    /// Replaces a post's chunks with these (one transaction: searches never see half a post).
    pub async fn replace_post(&self, post_id: &str, chunks: &[(Chunk, Vec<f32>)]) -> Result<(), StoreError> {
        self.replace_posts(&[post_id.to_owned()], chunks).await
    }

    /// Replaces the chunks of `post_ids` with these, in one transaction and two statements
    /// (a delete and one insert of every row from arrays), whatever the number of rows.
    pub async fn replace_posts(
        &self,
        post_ids: &[String],
        chunks: &[(Chunk, Vec<f32>)],
    ) -> Result<(), StoreError> {
        let now = now_ms();
        let n = chunks.len();
        let mut cols = Columns::with_capacity(n);
        for (c, v) in chunks {
            cols.id.push(format!("{}_{}", c.post_id, c.index));
            cols.post_id.push(c.post_id.clone());
            cols.team_id.push(c.team_id.clone());
            cols.channel_id.push(c.channel_id.clone());
            cols.user_id.push(c.user_id.clone());
            cols.create_at.push(c.create_at);
            cols.index.push(c.index);
            cols.total.push(c.total);
            cols.content.push(c.content.clone());
            cols.embedding.push(Vector::from(v.clone()));
        }
        let mut tx = self.pool.begin().await?;
        sqlx::query(sql(format!("DELETE FROM {TABLE} WHERE post_id = ANY($1)")))
            .bind(post_ids)
            .execute(&mut *tx)
            .await?;
        if n > 0 {
            sqlx::query(sql(format!(
                "INSERT INTO {TABLE} (id, post_id, team_id, channel_id, user_id, create_at, chunk_index, total_chunks, content, indexed_at, embedding)
                 SELECT id, post_id, team_id, channel_id, user_id, create_at, chunk_index, total_chunks, content, $10, embedding
                 FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::int[], $8::int[], $9::text[], $11::vector[])
                   AS t(id, post_id, team_id, channel_id, user_id, create_at, chunk_index, total_chunks, content, embedding)"
            )))
            .bind(&cols.id)
            .bind(&cols.post_id)
            .bind(&cols.team_id)
            .bind(&cols.channel_id)
            .bind(&cols.user_id)
            .bind(&cols.create_at)
            .bind(&cols.index)
            .bind(&cols.total)
            .bind(&cols.content)
            .bind(now)
            .bind(&cols.embedding)
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
    ///
    /// The HNSW scan's candidate list (`hnsw.ef_search`, 40 by default) is widened per
    /// [`ScanWidth`], and with a team or channel filter, which pgvector applies after the
    /// scan, the scan goes on (iteratively) until enough rows pass it.
    pub async fn nearest(
        &self,
        query: &[f32],
        filter: &Filter,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<Hit>, StoreError> {
        let mut tx = self.pool.begin().await?;
        let ef = self.width_for(&mut tx, limit + offset).await;
        widen_scan(&mut tx, ef, filter).await?;
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
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        rows.iter().map(hit).collect()
    }

    /// Vector and lexical results fused by reciprocal rank (RRF, k = 60): the `depth` nearest
    /// chunks by meaning and the `depth` best full-text matches of `terms` (OR'ed literal terms,
    /// see [`super::hybrid::text_query`]) each give a chunk 1/(60 + rank); the best sums
    /// come first. A literal identifier that embeddings blur (a ticket key, an error code)
    /// still comes up through the text side. The score is still the cosine similarity.
    pub async fn hybrid(
        &self,
        query: &[f32],
        terms: &super::hybrid::TextQuery,
        filter: &Filter,
        depth: i64,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<Hit>, StoreError> {
        let mut tx = self.pool.begin().await?;
        let ef = self.width_for(&mut tx, depth).await;
        widen_scan(&mut tx, ef, filter).await?;
        let rows = sqlx::query(sql(format!(
            "WITH v AS (
                SELECT id, row_number() OVER (ORDER BY d) AS r FROM (
                    SELECT id, embedding <=> $1 AS d FROM {TABLE}
                    WHERE ($2::text IS NULL OR team_id = $2) AND ($3::text IS NULL OR channel_id = $3)
                    ORDER BY embedding <=> $1 LIMIT $4) near),
             m AS (
                SELECT e.id, e.content_tsv FROM {TABLE} e
                WHERE e.content_tsv @@ {TEXT_QUERY}
                  AND ($2::text IS NULL OR e.team_id = $2) AND ($3::text IS NULL OR e.channel_id = $3)
                LIMIT {LEXICAL_SCAN} + 1),
             l AS (
                SELECT id, row_number() OVER (ORDER BY rank DESC, id) AS r FROM (
                    SELECT m.id, ts_rank_cd(m.content_tsv, {TEXT_QUERY}, 1) AS rank FROM m
                    WHERE (SELECT count(*) FROM m) <= {LEXICAL_SCAN}
                    ORDER BY rank DESC LIMIT $4) words),
             fused AS (
                SELECT id, sum(1.0 / (60 + r)) AS f FROM (SELECT * FROM v UNION ALL SELECT * FROM l) both_lists
                GROUP BY id)
             SELECT e.post_id, e.team_id, e.channel_id, e.user_id, e.create_at, e.chunk_index, e.total_chunks, e.content,
                    1 - (e.embedding <=> $1) AS score
             FROM fused JOIN {TABLE} e ON e.id = fused.id
             ORDER BY fused.f DESC, e.id
             LIMIT $6 OFFSET $7"
        )))
        .bind(Vector::from(query.to_vec()))
        .bind(&filter.team_id)
        .bind(&filter.channel_id)
        .bind(depth)
        .bind(&terms.terms)
        .bind(limit)
        .bind(offset)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        rows.iter().map(hit).collect()
    }

    /// How many posts are indexed.
    pub async fn post_count(&self) -> Result<i64, StoreError> {
        Ok(
            sqlx::query_scalar(sql(format!("SELECT count(DISTINCT post_id) FROM {TABLE}")))
                .fetch_one(&self.pool)
                .await?,
        )
    }

    /// Mattermost's own posts that belong in the index, oldest first after (create_at, id),
    /// for a reindex: people's messages (no system or plugin posts, no bots, webhooks or
    /// plugins speaking), read from the server's `Posts` table as the server stores it.
    pub async fn server_posts_after(
        &self,
        after: (i64, &str),
        limit: i64,
    ) -> Result<Vec<ServerPost>, StoreError> {
        let rows = sqlx::query(
            "SELECT p.Id AS id, p.CreateAt AS create_at, p.UserId AS user_id, p.ChannelId AS channel_id,
                    p.Message AS message, p.Type AS post_type, COALESCE(c.TeamId, '') AS team_id,
                    COALESCE(c.Type::text, '') AS channel_type, COALESCE(c.Name, '') AS channel_name
             FROM Posts p
             LEFT JOIN Channels c ON c.Id = p.ChannelId
             WHERE p.DeleteAt = 0 AND (p.CreateAt, p.Id) > ($1, $2)
               AND p.Type = '' AND p.Message <> ''
               AND NOT EXISTS (SELECT 1 FROM Bots b WHERE b.UserId = p.UserId)
               AND COALESCE(p.Props->>'from_bot', '') <> 'true'
               AND COALESCE(p.Props->>'from_webhook', '') <> 'true'
               AND COALESCE(p.Props->>'from_plugin', '') <> 'true'
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

    /// Of `ids` (posts that belong in the index), those with no chunk, or whose text was
    /// edited after their chunks were stored.
    pub async fn missing_or_stale(&self, ids: &[String]) -> Result<Vec<String>, StoreError> {
        Ok(sqlx::query_scalar(sql(format!(
            "SELECT p.Id FROM Posts p
             WHERE p.Id = ANY($1)
               AND (NOT EXISTS (SELECT 1 FROM {TABLE} e WHERE e.post_id = p.Id)
                    OR p.EditAt > (SELECT min(e.indexed_at) FROM {TABLE} e WHERE e.post_id = p.Id))"
        )))
        .bind(ids)
        .fetch_all(&self.pool)
        .await?)
    }
}

/// Most rows a full-text match list is ranked over. Terms that match more are not selective
/// (common words): their ranking would be costly (it reads every matching row) and add
/// little to the vector side, so the words side is left out. Rare terms (identifiers,
/// names, unusual words), where it matters, match far fewer.
pub const LEXICAL_SCAN: i64 = 2_000;

/// The question's literal terms as a tsquery (`$5`). An expression of the parameter, not a
/// joined row, so the planner (which plans every query for its values, see `connect`) turns
/// it into a constant and uses the GIN index.
const TEXT_QUERY: &str = "to_tsquery('simple', $5)";

/// Sets pgvector's HNSW candidate list for this transaction to `ef` rows, and with a filter
/// lets the scan continue until enough rows pass it.
async fn widen_scan(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    ef: i64,
    filter: &Filter,
) -> Result<(), StoreError> {
    sqlx::query(sql(format!("SET LOCAL hnsw.ef_search = {ef}")))
        .execute(&mut **tx)
        .await?;
    if filter.team_id.is_some() || filter.channel_id.is_some() {
        sqlx::query("SET LOCAL hnsw.iterative_scan = strict_order")
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

fn hit(r: &sqlx::postgres::PgRow) -> Result<Hit, StoreError> {
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
}

/// The columns of many chunks, for one insert from arrays.
struct Columns {
    id: Vec<String>,
    post_id: Vec<String>,
    team_id: Vec<String>,
    channel_id: Vec<String>,
    user_id: Vec<String>,
    create_at: Vec<i64>,
    index: Vec<i32>,
    total: Vec<i32>,
    content: Vec<String>,
    embedding: Vec<Vector>,
}

impl Columns {
    fn with_capacity(n: usize) -> Self {
        Columns {
            id: Vec::with_capacity(n),
            post_id: Vec::with_capacity(n),
            team_id: Vec::with_capacity(n),
            channel_id: Vec::with_capacity(n),
            user_id: Vec::with_capacity(n),
            create_at: Vec::with_capacity(n),
            index: Vec::with_capacity(n),
            total: Vec::with_capacity(n),
            content: Vec::with_capacity(n),
            embedding: Vec::with_capacity(n),
        }
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

    /// Posts with chunks in the index.
    pub async fn indexed_post_count(&self) -> Result<i64, StoreError> {
        self.post_count().await
    }
}

pub(super) use crate::serverdb::sql;

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
