//! Exact directory totals at a million users: `user_counts` holds how many listed users (not
//! purged) each entity has in each status, kept in step with `users` by triggers in the same
//! transaction as the change. A total is then a sum over a handful of rows instead of a scan.
//!
//! On PostgreSQL a change that moves a user between two counters takes the two counter rows in
//! one fixed order, so concurrent status changes queue instead of deadlocking.

use super::run;
use sea_orm::DbBackend;
use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0004_user_counts"
    }
}

const SQLITE_UP: &[&str] = &[
    "CREATE TRIGGER IF NOT EXISTS user_counts_insert AFTER INSERT ON users \
        WHEN new.purged_at IS NULL BEGIN \
        INSERT INTO user_counts (entity_id, status, n) VALUES (new.entity_id, new.status, 1) \
        ON CONFLICT (entity_id, status) DO UPDATE SET n = n + 1; END",
    "CREATE TRIGGER IF NOT EXISTS user_counts_delete AFTER DELETE ON users \
        WHEN old.purged_at IS NULL BEGIN \
        UPDATE user_counts SET n = n - 1 \
        WHERE entity_id = old.entity_id AND status = old.status; END",
    "CREATE TRIGGER IF NOT EXISTS user_counts_update \
        AFTER UPDATE OF entity_id, status, purged_at ON users \
        WHEN old.entity_id IS NOT new.entity_id OR old.status IS NOT new.status \
            OR (old.purged_at IS NULL) <> (new.purged_at IS NULL) BEGIN \
        UPDATE user_counts SET n = n - 1 \
        WHERE old.purged_at IS NULL AND entity_id = old.entity_id AND status = old.status; \
        INSERT INTO user_counts (entity_id, status, n) \
        SELECT new.entity_id, new.status, 1 WHERE new.purged_at IS NULL \
        ON CONFLICT (entity_id, status) DO UPDATE SET n = n + 1; END",
];

const SQLITE_DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS user_counts_update",
    "DROP TRIGGER IF EXISTS user_counts_delete",
    "DROP TRIGGER IF EXISTS user_counts_insert",
];

const POSTGRES_UP: &[&str] = &[
    r#"CREATE OR REPLACE FUNCTION usher_count_users() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    was boolean := TG_OP <> 'INSERT' AND OLD.purged_at IS NULL;
    now_listed boolean := TG_OP <> 'DELETE' AND NEW.purged_at IS NULL;
BEGIN
    IF TG_OP = 'UPDATE' AND was = now_listed AND OLD.entity_id = NEW.entity_id
        AND OLD.status = NEW.status THEN
        RETURN NULL;
    END IF;
    -- Decrement first when the old counter sorts first, so two moves lock in the same order.
    IF was AND (NOT now_listed OR (OLD.entity_id, OLD.status) < (NEW.entity_id, NEW.status)) THEN
        UPDATE user_counts SET n = n - 1 WHERE entity_id = OLD.entity_id AND status = OLD.status;
        was := false;
    END IF;
    IF now_listed THEN
        INSERT INTO user_counts (entity_id, status, n) VALUES (NEW.entity_id, NEW.status, 1)
        ON CONFLICT (entity_id, status) DO UPDATE SET n = user_counts.n + 1;
    END IF;
    IF was THEN
        UPDATE user_counts SET n = n - 1 WHERE entity_id = OLD.entity_id AND status = OLD.status;
    END IF;
    RETURN NULL;
END
$$"#,
    "CREATE TRIGGER user_counts AFTER INSERT OR DELETE OR UPDATE OF entity_id, status, purged_at \
        ON users FOR EACH ROW EXECUTE FUNCTION usher_count_users()",
];

const POSTGRES_DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS user_counts ON users",
    "DROP FUNCTION IF EXISTS usher_count_users()",
];

/// The users there were before the triggers.
const FILL: &str = "INSERT INTO user_counts (entity_id, status, n) \
    SELECT entity_id, status, COUNT(*) FROM users WHERE purged_at IS NULL \
    GROUP BY entity_id, status";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Alias::new("user_counts"))
                .if_not_exists()
                .col(ColumnDef::new(Alias::new("entity_id")).uuid().not_null())
                .col(ColumnDef::new(Alias::new("status")).string().not_null())
                .col(ColumnDef::new(Alias::new("n")).big_integer().not_null())
                .primary_key(
                    Index::create()
                        .col(Alias::new("entity_id"))
                        .col(Alias::new("status")),
                )
                .to_owned(),
        )
        .await?;
        // Triggers first: creating them locks out writers until the migration commits, so no
        // user written meanwhile is missed by the fill or counted twice.
        match m.get_database_backend() {
            DbBackend::Sqlite => run(m, SQLITE_UP).await?,
            _ => run(m, POSTGRES_UP).await?,
        }
        m.get_connection().execute_unprepared(FILL).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        match m.get_database_backend() {
            DbBackend::Sqlite => run(m, SQLITE_DOWN).await?,
            _ => run(m, POSTGRES_DOWN).await?,
        }
        m.drop_table(
            Table::drop()
                .table(Alias::new("user_counts"))
                .if_exists()
                .to_owned(),
        )
        .await
    }
}
