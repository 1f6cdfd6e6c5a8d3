//! The Entities page's table: every entity with its users by status, its pending invitations
//! and its admins. Each figure is one grouped read for all entities at once: users by status
//! from the `user_counts` the triggers keep (m0004), admins through `user_roles` by role and
//! pending invitations by status (both indexed in m0013), so the page does not read users.

use crate::backend::access::{Authorized, Scope};
use crate::backend::entity::{entity, entity_suspension, invitation, user, user_role};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Expr, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect, Statement,
};
use std::collections::HashMap;
use uuid::Uuid;

/// How many listed users an entity has in each status.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct UserCounts {
    pub active: u64,
    pub pending: u64,
    pub inactive: u64,
    pub deleted: u64,
}

/// One row of the Entities page.
#[derive(Clone, Debug)]
pub struct Summary {
    pub entity: entity::Model,
    pub suspension: Option<entity_suspension::Model>,
    pub users: UserCounts,
    pub pending_invitations: u64,
    /// Users who are not deleted and hold Admin (or, in the operator entity, Operator).
    pub admins: u64,
}

/// Whether nobody of the entity may sign in now.
pub async fn is_suspended<C: ConnectionTrait>(conn: &C, entity_id: Uuid) -> Result<bool, DbErr> {
    Ok(entity_suspension::Entity::find_by_id(entity_id)
        .one(conn)
        .await?
        .is_some())
}

/// Every entity, the operator entity first, then by name.
pub async fn list<C: ConnectionTrait>(
    conn: &C,
    _allowed: &Authorized<Scope>,
    now: DateTime<Utc>,
) -> Result<Vec<Summary>, DbErr> {
    let entities = entity::Entity::find().all(conn).await?;
    let mut suspensions: HashMap<Uuid, entity_suspension::Model> =
        entity_suspension::Entity::find()
            .all(conn)
            .await?
            .into_iter()
            .map(|s| (s.entity_id, s))
            .collect();
    let users = user_counts(conn).await?;
    let pending: HashMap<Uuid, i64> = invitation::Entity::find()
        .select_only()
        .column(invitation::Column::EntityId)
        .column_as(invitation::Column::Id.count(), "n")
        .filter(invitation::Column::Status.eq("pending"))
        .filter(invitation::Column::ExpiresAt.gt(now))
        .group_by(invitation::Column::EntityId)
        .into_tuple::<(Uuid, i64)>()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    let admins = admin_counts(conn).await?;
    let mut rows: Vec<Summary> = entities
        .into_iter()
        .map(|entity| Summary {
            suspension: suspensions.remove(&entity.id),
            users: users.get(&entity.id).copied().unwrap_or_default(),
            pending_invitations: count(pending.get(&entity.id)),
            admins: count(admins.get(&entity.id)),
            entity,
        })
        .collect();
    rows.sort_by_cached_key(|s| (!s.entity.is_operator, s.entity.name.to_lowercase()));
    Ok(rows)
}

fn count(n: Option<&i64>) -> u64 {
    n.map_or(0, |n| (*n).max(0) as u64)
}

async fn user_counts<C: ConnectionTrait>(conn: &C) -> Result<HashMap<Uuid, UserCounts>, DbErr> {
    let backend = conn.get_database_backend();
    let rows = conn
        .query_all(Statement::from_string(
            backend,
            "SELECT entity_id, status, n FROM user_counts",
        ))
        .await?;
    let mut counts: HashMap<Uuid, UserCounts> = HashMap::new();
    for row in rows {
        let entity_id: Uuid = row.try_get("", "entity_id")?;
        let status: String = row.try_get("", "status")?;
        let n: i64 = row.try_get("", "n")?;
        let n = n.max(0) as u64;
        let c = counts.entry(entity_id).or_default();
        match status.as_str() {
            "active" => c.active += n,
            "pending" => c.pending += n,
            "inactive" => c.inactive += n,
            "deleted" => c.deleted += n,
            _ => {}
        }
    }
    Ok(counts)
}

async fn admin_counts<C: ConnectionTrait>(conn: &C) -> Result<HashMap<Uuid, i64>, DbErr> {
    let users = Alias::new("users");
    let roles = Alias::new("user_roles");
    let statement = Query::select()
        .column((users.clone(), user::Column::EntityId))
        .expr_as(
            Expr::col((users.clone(), user::Column::Id)).count_distinct(),
            Alias::new("n"),
        )
        .from(roles.clone())
        .inner_join(
            users.clone(),
            Expr::col((users.clone(), user::Column::Id))
                .equals((roles.clone(), user_role::Column::UserId)),
        )
        .and_where(Expr::col((roles, user_role::Column::RoleKey)).is_in(["admin", "operator"]))
        .and_where(Expr::col((users.clone(), user::Column::PurgedAt)).is_null())
        .and_where(Expr::col((users.clone(), user::Column::Status)).ne("deleted"))
        .group_by_col((users, user::Column::EntityId))
        .take();
    let backend = conn.get_database_backend();
    let rows = conn.query_all(backend.build(&statement)).await?;
    rows.into_iter()
        .map(|row| Ok((row.try_get("", "entity_id")?, row.try_get("", "n")?)))
        .collect()
}
