//! Search indexes for the User Directory: substring search of name and email at a million users.
//!
//! SQLite gets an FTS5 table with the trigram tokenizer, kept in step with `users` by triggers
//! (external content: the text lives once, in `users`). PostgreSQL gets `pg_trgm` GIN indexes on
//! the same two columns. Both answer `contains` queries from an index instead of a scan.
//! The remaining indexes serve keyset pages of every sort within one entity.

use super::run;
use sea_orm::DbBackend;
use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0003_directory_search"
    }
}

const SQLITE_UP: &[&str] = &[
    "CREATE VIRTUAL TABLE IF NOT EXISTS users_search USING fts5(\
        sort_name, email_normalized, content='users', content_rowid='rowid', \
        tokenize='trigram')",
    "CREATE TRIGGER IF NOT EXISTS users_search_insert AFTER INSERT ON users BEGIN \
        INSERT INTO users_search(rowid, sort_name, email_normalized) \
        VALUES (new.rowid, new.sort_name, new.email_normalized); END",
    "CREATE TRIGGER IF NOT EXISTS users_search_delete AFTER DELETE ON users BEGIN \
        INSERT INTO users_search(users_search, rowid, sort_name, email_normalized) \
        VALUES ('delete', old.rowid, old.sort_name, old.email_normalized); END",
    "CREATE TRIGGER IF NOT EXISTS users_search_update \
        AFTER UPDATE OF sort_name, email_normalized ON users BEGIN \
        INSERT INTO users_search(users_search, rowid, sort_name, email_normalized) \
        VALUES ('delete', old.rowid, old.sort_name, old.email_normalized); \
        INSERT INTO users_search(rowid, sort_name, email_normalized) \
        VALUES (new.rowid, new.sort_name, new.email_normalized); END",
    // Users created before this migration.
    "INSERT INTO users_search(users_search) VALUES ('rebuild')",
];

const SQLITE_DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS users_search_update",
    "DROP TRIGGER IF EXISTS users_search_delete",
    "DROP TRIGGER IF EXISTS users_search_insert",
    "DROP TABLE IF EXISTS users_search",
];

const POSTGRES_UP: &[&str] = &[
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS ix_users_name_trgm ON users USING gin (sort_name gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS ix_users_email_trgm \
        ON users USING gin (email_normalized gin_trgm_ops)",
    // Prefix search (`LIKE 'abc%'`) by index whatever the database's collation.
    "CREATE INDEX IF NOT EXISTS ix_users_name_prefix ON users (sort_name text_pattern_ops)",
    "CREATE INDEX IF NOT EXISTS ix_users_email_prefix \
        ON users (email_normalized text_pattern_ops)",
];

const POSTGRES_DOWN: &[&str] = &[
    "DROP INDEX IF EXISTS ix_users_email_prefix",
    "DROP INDEX IF EXISTS ix_users_name_prefix",
    "DROP INDEX IF EXISTS ix_users_email_trgm",
    "DROP INDEX IF EXISTS ix_users_name_trgm",
];

/// Keyset pages of the other sorts, within one entity and across all.
const SORT_INDEXES: &[(&str, &[&str])] = &[
    ("ix_users_entity_email", &["entity_id", "email_normalized"]),
    (
        "ix_users_entity_created",
        &["entity_id", "created_at", "id"],
    ),
    (
        "ix_users_entity_last_login",
        &["entity_id", "last_login_at", "id"],
    ),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        match m.get_database_backend() {
            DbBackend::Sqlite => run(m, SQLITE_UP).await?,
            _ => run(m, POSTGRES_UP).await?,
        }
        for (name, columns) in SORT_INDEXES {
            let mut index = Index::create()
                .name(*name)
                .table(Alias::new("users"))
                .if_not_exists()
                .take();
            for column in *columns {
                index.col(Alias::new(*column));
            }
            m.create_index(index).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for (name, _) in SORT_INDEXES {
            m.drop_index(
                Index::drop()
                    .name(*name)
                    .table(Alias::new("users"))
                    .if_exists()
                    .to_owned(),
            )
            .await?;
        }
        match m.get_database_backend() {
            DbBackend::Sqlite => run(m, SQLITE_DOWN).await,
            _ => run(m, POSTGRES_DOWN).await,
        }
    }
}
