//! The audit log page (issue 14) filters by action, actor and target, across entities and
//! within one (an entity admin's log is always within one): indexes that lead with those
//! columns, then the time order, so each filtered page is one index range. (Actor, target and
//! entity alone already lead indexes of their own, m0001.) Without the entity-and-person ones,
//! SQLite answered an entity admin's "who acted" from the entity's index in time order, reading
//! the whole entity (seconds at ten million events) for a person who never acted there.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0014_audit_filters"
    }
}

const INDEXES: [(&str, &[&str]); 4] = [
    ("ix_audit_action_at", &["action", "at", "id"]),
    (
        "ix_audit_entity_action_at",
        &["entity_id", "action", "at", "id"],
    ),
    (
        "ix_audit_entity_actor_at",
        &["entity_id", "actor_id", "at", "id"],
    ),
    (
        "ix_audit_entity_target_at",
        &["entity_id", "target_id", "at", "id"],
    ),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for (name, columns) in INDEXES {
            let mut create = Index::create();
            create
                .name(name)
                .table(Alias::new("audit_events"))
                .if_not_exists();
            for column in columns {
                create.col(Alias::new(*column));
            }
            m.create_index(create).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for (name, _) in INDEXES {
            m.drop_index(
                Index::drop()
                    .name(name)
                    .table(Alias::new("audit_events"))
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}
