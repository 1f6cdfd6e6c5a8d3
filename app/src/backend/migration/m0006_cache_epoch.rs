//! The cache epoch: one number the database raises, in the writing transaction, whenever
//! anything a signed-in request or a directory page is built from changes: users, their roles,
//! entities, invitations, the role catalogue, and sessions ended or altered (a session's
//! `last_seen_at` moving is not a change anyone can see). Every request reads it once; what a
//! server instance remembers from an older epoch is not used again. Because the database keeps
//! it, a change made by another instance or by the command line reaches every instance's next
//! request.
//!
//! On PostgreSQL the raise is a statement-level `BEFORE` trigger, so a writing transaction takes
//! the epoch row before any row it changes and writers of these tables queue in one order
//! instead of deadlocking (SQLite already lets one writer in at a time).

use super::run;
use sea_orm::DbBackend;
use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0006_cache_epoch"
    }
}

/// Tables whose every insert, update and delete raises the epoch.
const WATCHED: &[&str] = &[
    "users",
    "user_roles",
    "entities",
    "invitations",
    "invitation_roles",
    "roles",
    "role_permissions",
];

/// Sessions raise it when one ends or changes hands; a touch of `last_seen_at` does not.
const SESSION_COLUMNS: &str = "user_id, token_hash, expires_at";

pub(super) const BUMP: &str = "UPDATE cache_epoch SET n = n + 1 WHERE id = 1";

fn sqlite_up() -> Vec<String> {
    let mut statements = Vec::new();
    for table in WATCHED {
        for event in ["INSERT", "UPDATE", "DELETE"] {
            let name = format!("cache_epoch_{table}_{}", event.to_lowercase());
            statements.push(format!(
                "CREATE TRIGGER IF NOT EXISTS {name} AFTER {event} ON {table} BEGIN {BUMP}; END"
            ));
        }
    }
    statements.push(format!(
        "CREATE TRIGGER IF NOT EXISTS cache_epoch_sessions_delete AFTER DELETE ON sessions \
         BEGIN {BUMP}; END"
    ));
    statements.push(format!(
        "CREATE TRIGGER IF NOT EXISTS cache_epoch_sessions_update \
         AFTER UPDATE OF {SESSION_COLUMNS} ON sessions BEGIN {BUMP}; END"
    ));
    statements
}

fn sqlite_down() -> Vec<String> {
    let mut statements: Vec<String> = WATCHED
        .iter()
        .flat_map(|table| {
            ["insert", "update", "delete"]
                .map(|event| format!("DROP TRIGGER IF EXISTS cache_epoch_{table}_{event}"))
        })
        .collect();
    statements.push("DROP TRIGGER IF EXISTS cache_epoch_sessions_delete".into());
    statements.push("DROP TRIGGER IF EXISTS cache_epoch_sessions_update".into());
    statements
}

fn postgres_up() -> Vec<String> {
    let mut statements = vec![format!(
        "CREATE OR REPLACE FUNCTION usher_raise_cache_epoch() RETURNS trigger \
         LANGUAGE plpgsql AS $$ BEGIN {BUMP}; RETURN NULL; END $$"
    )];
    for table in WATCHED {
        statements.push(format!(
            "CREATE TRIGGER cache_epoch BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} \
             FOR EACH STATEMENT EXECUTE FUNCTION usher_raise_cache_epoch()"
        ));
    }
    statements.push(format!(
        "CREATE TRIGGER cache_epoch BEFORE DELETE OR TRUNCATE OR UPDATE OF {SESSION_COLUMNS} \
         ON sessions FOR EACH STATEMENT EXECUTE FUNCTION usher_raise_cache_epoch()"
    ));
    statements
}

fn postgres_down() -> Vec<String> {
    let mut statements: Vec<String> = WATCHED
        .iter()
        .chain(&["sessions"])
        .map(|table| format!("DROP TRIGGER IF EXISTS cache_epoch ON {table}"))
        .collect();
    statements.push("DROP FUNCTION IF EXISTS usher_raise_cache_epoch()".into());
    statements
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Alias::new("cache_epoch"))
                .if_not_exists()
                .col(
                    ColumnDef::new(Alias::new("id"))
                        .integer()
                        .not_null()
                        .primary_key(),
                )
                .col(ColumnDef::new(Alias::new("n")).big_integer().not_null())
                .to_owned(),
        )
        .await?;
        m.get_connection()
            .execute_unprepared("INSERT INTO cache_epoch (id, n) VALUES (1, 0)")
            .await?;
        let statements = match m.get_database_backend() {
            DbBackend::Sqlite => sqlite_up(),
            _ => postgres_up(),
        };
        run(m, &statements).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let statements = match m.get_database_backend() {
            DbBackend::Sqlite => sqlite_down(),
            _ => postgres_down(),
        };
        run(m, &statements).await?;
        m.drop_table(
            Table::drop()
                .table(Alias::new("cache_epoch"))
                .if_exists()
                .to_owned(),
        )
        .await
    }
}
