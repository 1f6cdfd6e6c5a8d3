use super::entity::user_role;
use crate::domain::RoleKey;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use uuid::Uuid;

/// The roles a user holds, in the catalogue's order.
pub async fn roles_of<C: ConnectionTrait>(conn: &C, user_id: Uuid) -> Result<Vec<RoleKey>, DbErr> {
    let rows = user_role::Entity::find()
        .filter(user_role::Column::UserId.eq(user_id))
        .all(conn)
        .await?;
    let mut roles: Vec<RoleKey> = rows
        .iter()
        .filter_map(|r| RoleKey::parse(&r.role_key))
        .collect();
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

pub fn labels(roles: &[RoleKey]) -> Vec<String> {
    roles.iter().map(|r| r.label().to_string()).collect()
}
