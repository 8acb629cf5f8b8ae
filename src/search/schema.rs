//! The index table's shape: created when missing, brought up to date when an older version of
//! the plugin made it, rebuilt for a reindex, and its vector index built after a bulk load.
//!
//! Statements that rewrite or index the whole table run with a longer statement timeout than
//! the store's other statements (still bounded), and with more memory for the index build,
//! which is what makes an HNSW build fast.

use sqlx::Row;

use super::store::{Store, StoreError, TABLE, sql};

/// The HNSW index on the embeddings.
pub const VECTOR_INDEX: &str = "mmai_post_embeddings_hnsw";
/// How long a table rewrite or an index build may run.
const LONG_STATEMENT: &str = "2h";
/// Memory for one HNSW build (PostgreSQL's default, 64 MB, makes a large build spill and crawl).
const BUILD_MEMORY: &str = "512MB";
/// Words of the text index: `simple` keeps every token as written (identifiers, names, any
/// language), which is what the words side of hybrid search looks for.
const TEXT_VECTOR: &str = "to_tsvector('simple', content)";

/// What the table looks like now.
#[derive(Debug, Clone, PartialEq)]
pub enum Shape {
    /// Present, built for this vector size.
    Ready,
    /// No table yet.
    Missing,
    /// Built for another vector size: only a reindex can use it.
    OtherDimensions(i64),
}

impl Store {
    /// Whether the table exists and for which vector size.
    pub async fn shape(&self) -> Result<Shape, StoreError> {
        sqlx::query("CREATE EXTENSION IF NOT EXISTS vector")
            .execute(self.pool())
            .await?;
        let found: Option<i64> = sqlx::query_scalar(
            "SELECT atttypmod::bigint FROM pg_attribute WHERE attrelid = to_regclass($1) AND attname = 'embedding'",
        )
        .bind(TABLE)
        .fetch_optional(self.pool())
        .await?;
        Ok(match found {
            None => Shape::Missing,
            Some(n) if n as usize != self.dimensions() => Shape::OtherDimensions(n),
            Some(_) => Shape::Ready,
        })
    }

    /// Creates the table and its indexes when missing, and adds what an older version of the
    /// plugin did not have (the time each chunk was stored, the text index). Refuses a table
    /// built for another vector size instead of failing on every insert.
    pub async fn ensure_schema(&self) -> Result<(), StoreError> {
        match self.shape().await? {
            Shape::OtherDimensions(found) => Err(StoreError::Dimensions {
                found,
                wanted: self.dimensions(),
            }),
            Shape::Missing => {
                self.create_table().await?;
                self.build_vector_index().await
            }
            Shape::Ready => self.upgrade().await,
        }
    }

    async fn create_table(&self) -> Result<(), StoreError> {
        let dims = self.dimensions();
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
                    indexed_at BIGINT NOT NULL DEFAULT 0,
                    content_tsv tsvector GENERATED ALWAYS AS ({TEXT_VECTOR}) STORED,
                    embedding vector({dims}) NOT NULL)"
            ),
            format!("CREATE INDEX IF NOT EXISTS {TABLE}_post ON {TABLE} (post_id)"),
            format!("CREATE INDEX IF NOT EXISTS {TABLE}_channel ON {TABLE} (channel_id, create_at)"),
            format!("CREATE INDEX IF NOT EXISTS {TABLE}_tsv ON {TABLE} USING gin (content_tsv)"),
        ];
        for s in statements {
            sqlx::query(sql(s)).execute(self.pool()).await?;
        }
        Ok(())
    }

    /// Brings a table made by an earlier version up to date (each step is a no-op once done).
    async fn upgrade(&self) -> Result<(), StoreError> {
        let columns: Vec<String> = sqlx::query_scalar(
            "SELECT attname::text FROM pg_attribute WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped",
        )
        .bind(TABLE)
        .fetch_all(self.pool())
        .await?;
        let has = |c: &str| columns.iter().any(|x| x == c);
        if has("indexed_at") && has("content_tsv") {
            return Ok(());
        }
        let mut tx = self.pool().begin().await?;
        sqlx::query(sql(format!("SET LOCAL statement_timeout = '{LONG_STATEMENT}'")))
            .execute(&mut *tx)
            .await?;
        for s in [
            format!("ALTER TABLE {TABLE} ADD COLUMN IF NOT EXISTS indexed_at BIGINT NOT NULL DEFAULT 0"),
            format!(
                "ALTER TABLE {TABLE} ADD COLUMN IF NOT EXISTS content_tsv tsvector GENERATED ALWAYS AS ({TEXT_VECTOR}) STORED"
            ),
            format!("CREATE INDEX IF NOT EXISTS {TABLE}_tsv ON {TABLE} USING gin (content_tsv)"),
        ] {
            sqlx::query(sql(s)).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        tracing::info!("the search index table was brought up to date (chunk times, text index)");
        Ok(())
    }

    /// Drops and recreates the table without its vector index, for a bulk load: inserting
    /// into an HNSW index row by row is many times slower than building it once afterwards.
    pub async fn reset_for_load(&self) -> Result<(), StoreError> {
        sqlx::query("CREATE EXTENSION IF NOT EXISTS vector")
            .execute(self.pool())
            .await?;
        sqlx::query(sql(format!("DROP TABLE IF EXISTS {TABLE}")))
            .execute(self.pool())
            .await?;
        self.create_table().await
    }

    /// Builds the HNSW index if it is missing (after a bulk load, or when a load was cut
    /// short).
    pub async fn build_vector_index(&self) -> Result<(), StoreError> {
        let mut tx = self.pool().begin().await?;
        for s in [
            format!("SET LOCAL statement_timeout = '{LONG_STATEMENT}'"),
            format!("SET LOCAL maintenance_work_mem = '{BUILD_MEMORY}'"),
            format!(
                "CREATE INDEX IF NOT EXISTS {VECTOR_INDEX} ON {TABLE} USING hnsw (embedding vector_cosine_ops)"
            ),
        ] {
            sqlx::query(sql(s)).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Drops the vector index (a benchmark compares searches with and without it).
    pub async fn drop_vector_index(&self) -> Result<(), StoreError> {
        sqlx::query(sql(format!("DROP INDEX IF EXISTS {VECTOR_INDEX}")))
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Whether the vector index exists and is usable.
    pub async fn has_vector_index(&self) -> Result<bool, StoreError> {
        let row = sqlx::query(
            "SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = $1",
        )
        .bind(VECTOR_INDEX)
        .fetch_optional(self.pool())
        .await?;
        Ok(match row {
            Some(r) => r.try_get::<bool, _>(0)?,
            None => false,
        })
    }
}
