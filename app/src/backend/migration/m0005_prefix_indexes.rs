//! One- and two-letter searches at a million users. A prefix of the column the directory is
//! sorted by is a range of that column's index; a prefix of the other column (email while
//! sorted by name, name while sorted by email) gets an index on the first letters of that column
//! followed by the sort order, so its first page is also a range read in order. The same
//! expressions serve SQLite and PostgreSQL.
//!
//! On SQLite a frequent substring is looked for by walking the name order and checking each
//! row; `ix_users_name_walk` holds everything that walk reads, so it never touches the table.

use sea_orm::DbBackend;
use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0005_prefix_indexes"
    }
}

/// (index, first letters of, then in the order of).
const PREFIX_INDEXES: &[(&str, &str, usize, &str)] = &[
    ("ix_users_email1_name", "email_normalized", 1, "sort_name"),
    ("ix_users_email2_name", "email_normalized", 2, "sort_name"),
    ("ix_users_name1_email", "sort_name", 1, "email_normalized"),
    ("ix_users_name2_email", "sort_name", 2, "email_normalized"),
];

const WALK_INDEX: &str = "CREATE INDEX IF NOT EXISTS ix_users_name_walk \
    ON users (sort_name, id, email_normalized, status, purged_at, entity_id)";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let conn = m.get_connection();
        for (name, column, letters, order) in PREFIX_INDEXES {
            conn.execute_unprepared(&format!(
                "CREATE INDEX IF NOT EXISTS {name} ON users (substr({column}, 1, {letters}), {order}, id)"
            ))
            .await?;
        }
        if m.get_database_backend() == DbBackend::Sqlite {
            conn.execute_unprepared(WALK_INDEX).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let conn = m.get_connection();
        conn.execute_unprepared("DROP INDEX IF EXISTS ix_users_name_walk")
            .await?;
        for (name, ..) in PREFIX_INDEXES {
            conn.execute_unprepared(&format!("DROP INDEX IF EXISTS {name}"))
                .await?;
        }
        Ok(())
    }
}
