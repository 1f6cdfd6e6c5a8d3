//! Roles as data: the `roles` and `role_permissions` tables are the source of truth for what a
//! role carries. Every request reads them as one `Catalogue`, remembered per cache epoch (both
//! tables raise it, m0006), so a changed role is seen by the next request on every instance.

mod form;
pub mod manage;

use super::entity::{role, role_permission, user_role};
use super::Db;
use crate::domain::{BusinessAccess, Catalogue, Permission, Role, RoleKey};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use std::sync::Arc;
use uuid::Uuid;

/// Every role with its permissions, read on `conn`.
pub async fn load<C: ConnectionTrait>(conn: &C) -> Result<Catalogue, DbErr> {
    let rows = role::Entity::find().all(conn).await?;
    let grants = role_permission::Entity::find().all(conn).await?;
    let roles = rows
        .into_iter()
        .map(|r| Role {
            permissions: grants
                .iter()
                .filter(|g| g.role_key == r.key)
                .filter_map(|g| Permission::parse(&g.permission))
                .collect(),
            key: RoleKey::new(r.key),
            name: r.name,
            description: r.description,
            business: BusinessAccess {
                trading: r.trading,
                credit: r.credit,
                admin: r.admin_access,
                excel_add_in: r.excel_add_in,
            },
            is_global: r.is_global,
            built_in: r.built_in,
            rank: r.rank,
        })
        .collect();
    Ok(Catalogue::new(roles))
}

/// The catalogue as of `epoch` (read by the request before anything else).
pub async fn catalogue(db: &Db, epoch: i64) -> Result<Arc<Catalogue>, DbErr> {
    if let Some(hit) = db.caches().catalogue.get(epoch, &()) {
        return Ok(hit);
    }
    let fresh = Arc::new(load(db.read()).await?);
    db.caches().catalogue.put(epoch, (), fresh.clone());
    Ok(fresh)
}

/// The catalogue now, for a request that has no caller (accepting an invitation).
pub async fn current(db: &Db) -> Result<Arc<Catalogue>, DbErr> {
    let epoch = db.epoch().await?;
    catalogue(db, epoch).await
}

/// The roles a user holds, by key.
pub async fn roles_of<C: ConnectionTrait>(conn: &C, user_id: Uuid) -> Result<Vec<RoleKey>, DbErr> {
    let rows = user_role::Entity::find()
        .filter(user_role::Column::UserId.eq(user_id))
        .all(conn)
        .await?;
    let mut roles: Vec<RoleKey> = rows.into_iter().map(|r| RoleKey::new(r.role_key)).collect();
    roles.sort();
    Ok(roles)
}

/// Replaces a user's roles.
pub async fn set_roles<C: ConnectionTrait>(
    conn: &C,
    user_id: Uuid,
    roles: &[RoleKey],
) -> Result<(), DbErr> {
    user_role::Entity::delete_many()
        .filter(user_role::Column::UserId.eq(user_id))
        .exec(conn)
        .await?;
    if roles.is_empty() {
        return Ok(());
    }
    let rows = roles.iter().map(|role| user_role::ActiveModel {
        user_id: Set(user_id),
        role_key: Set(role.as_str().to_string()),
    });
    user_role::Entity::insert_many(rows)
        .exec_without_returning(conn)
        .await?;
    Ok(())
}
