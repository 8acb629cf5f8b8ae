//! The simulated server's own database tables, for features that read them the way the
//! plugin does on a real server (the semantic search reindex, its health check and catch-up):
//! Mattermost's `Posts`, `Channels` and `Bots` with the column names and types of its
//! PostgreSQL schema (`server/channels/db/migrations/postgres`), including the
//! `channel_type` enum of `Channels.Type`, so a query that works here works there.

use sqlx::PgConnection;

/// The tables (and the enum), created when missing.
pub const TABLES: &str = "
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'channel_type') THEN
    CREATE TYPE channel_type AS ENUM ('P', 'G', 'O', 'D');
  END IF;
END $$;
CREATE TABLE IF NOT EXISTS Posts (
    Id varchar(26) PRIMARY KEY, CreateAt bigint, UpdateAt bigint, EditAt bigint, DeleteAt bigint,
    IsPinned boolean, UserId varchar(26), ChannelId varchar(26), RootId varchar(26),
    OriginalId varchar(26), Message varchar(65535), Type varchar(26), Props jsonb,
    Hashtags varchar(1000), Filenames varchar(4000), FileIds varchar(300),
    HasReactions boolean, RemoteId varchar(26));
CREATE INDEX IF NOT EXISTS idx_posts_create_at_id ON Posts (CreateAt, Id);
CREATE TABLE IF NOT EXISTS Channels (
    Id varchar(26) PRIMARY KEY, CreateAt bigint, UpdateAt bigint, DeleteAt bigint,
    TeamId varchar(26), Type channel_type, DisplayName varchar(64), Name varchar(64),
    Header varchar(1024), Purpose varchar(250), LastPostAt bigint, TotalMsgCount bigint,
    CreatorId varchar(26));
CREATE TABLE IF NOT EXISTS Bots (
    UserId varchar(26) PRIMARY KEY, Description varchar(1024), OwnerId varchar(190),
    LastIconUpdate bigint, CreateAt bigint, UpdateAt bigint, DeleteAt bigint);
";

pub async fn create_tables(c: &mut PgConnection) -> Result<(), sqlx::Error> {
    sqlx::raw_sql(TABLES).execute(c).await?;
    Ok(())
}

/// A channel row (`kind` is Mattermost's one-letter type: O, P, D, G).
pub async fn insert_channel(
    c: &mut PgConnection,
    id: &str,
    team_id: &str,
    kind: &str,
    name: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO Channels (Id, CreateAt, UpdateAt, DeleteAt, TeamId, Type, DisplayName, Name)
         VALUES ($1, 0, 0, 0, $2, $3::channel_type, $4, $4)",
    )
    .bind(id)
    .bind(team_id)
    .bind(kind)
    .bind(name)
    .execute(c)
    .await?;
    Ok(())
}

/// A post row as the server writes it.
#[derive(Debug, Clone, Default)]
pub struct PostRow {
    pub id: String,
    pub create_at: i64,
    pub edit_at: i64,
    pub delete_at: i64,
    pub user_id: String,
    pub channel_id: String,
    pub message: String,
    pub post_type: String,
    pub props: serde_json::Value,
}

pub async fn insert_post(c: &mut PgConnection, p: &PostRow) -> Result<(), sqlx::Error> {
    insert_posts(c, std::slice::from_ref(p)).await
}

/// Many post rows in one statement.
pub async fn insert_posts(c: &mut PgConnection, rows: &[PostRow]) -> Result<(), sqlx::Error> {
    let col = |f: fn(&PostRow) -> String| rows.iter().map(f).collect::<Vec<String>>();
    let num = |f: fn(&PostRow) -> i64| rows.iter().map(f).collect::<Vec<i64>>();
    sqlx::query(
        "INSERT INTO Posts (Id, CreateAt, UpdateAt, EditAt, DeleteAt, IsPinned, UserId, ChannelId, RootId,
                            OriginalId, Message, Type, Props, Hashtags, Filenames, FileIds, HasReactions, RemoteId)
         SELECT id, c, c, e, d, false, u, ch, '', '', m, t, p::jsonb, '', '[]', '[]', false, ''
         FROM UNNEST($1::text[], $2::bigint[], $3::bigint[], $4::bigint[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[])
           AS r(id, c, e, d, u, ch, m, t, p)",
    )
    .bind(col(|p| p.id.clone()))
    .bind(num(|p| p.create_at))
    .bind(num(|p| p.edit_at))
    .bind(num(|p| p.delete_at))
    .bind(col(|p| p.user_id.clone()))
    .bind(col(|p| p.channel_id.clone()))
    .bind(col(|p| p.message.clone()))
    .bind(col(|p| p.post_type.clone()))
    .bind(col(|p| if p.props.is_null() { "{}".into() } else { p.props.to_string() }))
    .execute(c)
    .await?;
    Ok(())
}

/// A bot user (its posts never enter the index).
pub async fn insert_bot(c: &mut PgConnection, user_id: &str) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO Bots (UserId, Description, OwnerId, LastIconUpdate, CreateAt, UpdateAt, DeleteAt) VALUES ($1, '', '', 0, 0, 0, 0)")
        .bind(user_id)
        .execute(c)
        .await?;
    Ok(())
}
