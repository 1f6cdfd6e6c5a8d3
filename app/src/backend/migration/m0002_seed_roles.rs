//! The four roles of the seeds and the operator scope, with their permissions and business matrix.

use crate::domain::Catalogue;
use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0002_seed_roles"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let mut roles = Query::insert()
            .into_table(Alias::new("roles"))
            .columns(
                [
                    "key",
                    "name",
                    "is_global",
                    "rank",
                    "trading",
                    "credit",
                    "admin_access",
                    "excel_add_in",
                ]
                .map(Alias::new),
            )
            .to_owned();
        let mut permissions = Query::insert()
            .into_table(Alias::new("role_permissions"))
            .columns(["role_key", "permission"].map(Alias::new))
            .to_owned();
        for role in Catalogue::built_in().roles() {
            let access = &role.business;
            roles.values_panic([
                role.key.as_str().into(),
                role.name.as_str().into(),
                role.is_global.into(),
                role.rank.into(),
                access.trading.as_str().into(),
                access.credit.as_str().into(),
                access.admin.as_str().into(),
                access.excel_add_in.as_str().into(),
            ]);
            for permission in &role.permissions {
                permissions.values_panic([role.key.as_str().into(), permission.as_str().into()]);
            }
        }
        m.exec_stmt(roles).await?;
        m.exec_stmt(permissions).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.exec_stmt(
            Query::delete()
                .from_table(Alias::new("role_permissions"))
                .to_owned(),
        )
        .await?;
        m.exec_stmt(Query::delete().from_table(Alias::new("roles")).to_owned())
            .await?;
        Ok(())
    }
}
