//! Roles become data people manage (issue 14): each role gets a description, and the roles the
//! first migration seeded are marked built in (they cannot be deleted; Operator cannot be
//! changed). Role names are unique whatever their case. Both tables already raise the cache
//! epoch (m0006), so every instance's next request sees a changed role.

use super::run;
use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0015_role_details"
    }
}

const BUILT_IN: &str = "UPDATE roles SET built_in = TRUE \
     WHERE key IN ('trader', 'market_maker', 'credit_officer', 'admin', 'operator')";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one thing at a time.
        m.alter_table(
            Table::alter()
                .table(Alias::new("roles"))
                .add_column(
                    ColumnDef::new(Alias::new("description"))
                        .text()
                        .not_null()
                        .default(""),
                )
                .take(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Alias::new("roles"))
                .add_column(
                    ColumnDef::new(Alias::new("built_in"))
                        .boolean()
                        .not_null()
                        .default(false),
                )
                .take(),
        )
        .await?;
        run(
            m,
            &[
                BUILT_IN,
                "CREATE UNIQUE INDEX IF NOT EXISTS ux_roles_name ON roles (lower(name))",
            ],
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        run(m, &["DROP INDEX IF EXISTS ux_roles_name"]).await?;
        for column in ["built_in", "description"] {
            m.alter_table(
                Table::alter()
                    .table(Alias::new("roles"))
                    .drop_column(Alias::new(column))
                    .take(),
            )
            .await?;
        }
        Ok(())
    }
}
