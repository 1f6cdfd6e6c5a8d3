//! PostgreSQL: the name and email orders as covering indexes, holding every column a listing
//! filters on (status, purged, entity) besides the other search column. A prefix search's total
//! then counts two index-only ranges instead of visiting the table for each match (a prefix
//! "zo" counted in 1.5 ms instead of 21 ms at a million users). SQLite already walks its own
//! covering index (m0005) and counts prefixes from the two sort indexes fast enough.

use super::run_on_postgres;
use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0007_covering_indexes"
    }
}

const POSTGRES_UP: &[&str] = &[
    "CREATE INDEX IF NOT EXISTS ix_users_name_cover ON users (sort_name, id) \
     INCLUDE (email_normalized, status, purged_at, entity_id)",
    "CREATE INDEX IF NOT EXISTS ix_users_email_cover ON users (email_normalized, id) \
     INCLUDE (sort_name, status, purged_at, entity_id)",
];

const POSTGRES_DOWN: &[&str] = &[
    "DROP INDEX IF EXISTS ix_users_email_cover",
    "DROP INDEX IF EXISTS ix_users_name_cover",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        run_on_postgres(m, POSTGRES_UP).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        run_on_postgres(m, POSTGRES_DOWN).await
    }
}
