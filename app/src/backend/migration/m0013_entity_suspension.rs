//! Entities can be suspended (issue 14): a row in `entity_suspensions` says since when and by
//! whom; while it exists nobody of the entity may sign in, and everything else of the entity is
//! kept. A table of its own rather than a column, so what the suspension needs (when, by whom)
//! stays apart from the entity's name and slug. Like every table sessions are judged by, a change
//! to it raises the cache epoch (m0006), so every instance's next request sees it.
//!
//! Two indexes serve the Entities page's counts without reading every user: each entity's admins
//! (`user_roles` by role) and each entity's pending invitations.

use super::m0006_cache_epoch::BUMP;
use super::run;
use sea_orm::DbBackend;
use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0013_entity_suspension"
    }
}

fn name(s: &str) -> Alias {
    Alias::new(s)
}

const INDEXES: [(&str, &str, &[&str]); 2] = [
    ("ix_user_roles_role", "user_roles", &["role_key", "user_id"]),
    (
        "ix_invitations_status_entity",
        "invitations",
        &["status", "entity_id", "expires_at"],
    ),
];

fn epoch_triggers(backend: DbBackend) -> Vec<String> {
    match backend {
        DbBackend::Sqlite => ["insert", "update", "delete"]
            .map(|event| {
                format!(
                    "CREATE TRIGGER IF NOT EXISTS cache_epoch_entity_suspensions_{event} \
                     AFTER {} ON entity_suspensions BEGIN {BUMP}; END",
                    event.to_uppercase()
                )
            })
            .to_vec(),
        _ => vec![
            "CREATE TRIGGER cache_epoch BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE \
                   ON entity_suspensions FOR EACH STATEMENT \
                   EXECUTE FUNCTION usher_raise_cache_epoch()"
                .to_string(),
        ],
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(name("entity_suspensions"))
                .if_not_exists()
                .col(
                    ColumnDef::new(name("entity_id"))
                        .uuid()
                        .not_null()
                        .primary_key(),
                )
                .col(
                    ColumnDef::new(name("suspended_at"))
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .col(ColumnDef::new(name("suspended_by")).string().not_null())
                .foreign_key(
                    ForeignKey::create()
                        .from(name("entity_suspensions"), name("entity_id"))
                        .to(name("entities"), name("id"))
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .take(),
        )
        .await?;
        run(m, &epoch_triggers(m.get_database_backend())).await?;
        for (index, table, columns) in INDEXES {
            let mut create = Index::create();
            create.name(index).table(name(table)).if_not_exists();
            for column in columns {
                create.col(name(column));
            }
            m.create_index(create).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for (index, table, _) in INDEXES {
            m.drop_index(Index::drop().name(index).table(name(table)).to_owned())
                .await?;
        }
        // Dropping the table drops its triggers on both databases.
        m.drop_table(
            Table::drop()
                .table(name("entity_suspensions"))
                .if_exists()
                .take(),
        )
        .await
    }
}
