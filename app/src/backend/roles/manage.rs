//! New role, Edit and Delete (operators: `Roles.Manage` in the operator scope). Each is one
//! transaction with its audit row; the change raises the cache epoch, so the next request of
//! every holder, on every instance, is decided by the role as it now is.
//!
//! What cannot be broken: Operator is fixed (it is the scope that manages everything else),
//! Admin keeps user management, built-in roles cannot be deleted, a role someone holds (or a
//! pending invitation carries) cannot be deleted, and a role confined to an entity never carries
//! a permission only the operator scope can use.

use super::form::check;
pub use super::form::{RoleForm, ACCESS_MAX, DESCRIPTION_MAX, NAME_MAX};
use super::load;
use crate::backend::audit::{self, Change, RequestMeta};
use crate::backend::caller::Caller;
use crate::backend::entity::{invitation, invitation_role, role, role_permission, user_role};
use crate::backend::error::{is_unique_violation, ServiceError};
use crate::backend::AppState;
use crate::domain::{Action, FieldErrors, InvitationStatus, Role, RoleKey};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QuerySelect, SqlErr,
};
use serde_json::json;
use std::collections::HashMap;

fn snapshot(role: &Role) -> serde_json::Value {
    json!({
        "name": role.name,
        "description": role.description,
        "permissions": role.permissions.iter().map(|p| p.as_str()).collect::<Vec<_>>(),
        "trading": role.business.trading,
        "credit": role.business.credit,
        "admin": role.business.admin,
        "excel_add_in": role.business.excel_add_in,
    })
}

fn change(action: &'static str, role: &Role) -> Change {
    Change {
        action,
        entity_id: None,
        target_kind: "role",
        target_id: None,
        target_label: role.name.clone(),
        before: None,
        after: None,
    }
}

fn name_taken(name: &str) -> ServiceError {
    ServiceError::Invalid(FieldErrors::single(
        "name",
        format!("There is already a role named {name}."),
    ))
}

/// Writes `role`'s row and permissions (replacing what the key held).
async fn write<C: ConnectionTrait>(
    conn: &C,
    role: &Role,
    insert: bool,
) -> Result<(), ServiceError> {
    let row = role::ActiveModel {
        key: Set(role.key.as_str().to_string()),
        name: Set(role.name.clone()),
        is_global: Set(role.is_global),
        rank: Set(role.rank),
        trading: Set(role.business.trading.clone()),
        credit: Set(role.business.credit.clone()),
        admin_access: Set(role.business.admin.clone()),
        excel_add_in: Set(role.business.excel_add_in.clone()),
        description: Set(role.description.clone()),
        built_in: Set(role.built_in),
    };
    let written = if insert {
        role::Entity::insert(row)
            .exec_without_returning(conn)
            .await
            .map(|_| ())
    } else {
        role::Entity::update(row).exec(conn).await.map(|_| ())
    };
    match written {
        Err(e) if is_unique_violation(&e) => return Err(name_taken(&role.name)),
        other => other?,
    }
    role_permission::Entity::delete_many()
        .filter(role_permission::Column::RoleKey.eq(role.key.as_str()))
        .exec(conn)
        .await?;
    if !role.permissions.is_empty() {
        let rows = role
            .permissions
            .iter()
            .map(|p| role_permission::ActiveModel {
                role_key: Set(role.key.as_str().to_string()),
                permission: Set(p.as_str().to_string()),
            });
        role_permission::Entity::insert_many(rows)
            .exec_without_returning(conn)
            .await?;
    }
    Ok(())
}

/// Writes the change's audit row, commits, and announces it.
async fn finish(
    state: &AppState,
    txn: sea_orm::DatabaseTransaction,
    me: &Caller,
    meta: RequestMeta,
    change: Change,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    let event = audit::record(&txn, &me.audit(meta), change, now).await?;
    txn.commit().await?;
    state.events.publish([event]);
    Ok(())
}

/// New role.
pub async fn create(
    state: &AppState,
    me: &Caller,
    form: RoleForm,
    meta: RequestMeta,
    now: DateTime<Utc>,
) -> Result<Role, ServiceError> {
    me.may_list(Action::ManageRoles, None)?;
    let txn = state.db.begin().await?;
    let catalogue = load(&txn).await?;
    let role = check(&form, &catalogue, None)?;
    write(&txn, &role, true).await?;
    let created = change("role.created", &role).after(snapshot(&role));
    finish(state, txn, me, meta, created, now).await?;
    Ok(role)
}

/// Edit: every holder's next request is decided by the role as saved.
pub async fn update(
    state: &AppState,
    me: &Caller,
    key: &str,
    form: RoleForm,
    meta: RequestMeta,
    now: DateTime<Utc>,
) -> Result<Role, ServiceError> {
    me.may_list(Action::ManageRoles, None)?;
    let txn = state.db.begin().await?;
    let catalogue = load(&txn).await?;
    let before = catalogue
        .get(&RoleKey::new(key))
        .ok_or(ServiceError::NotFound)?;
    if before.is_global {
        return Err(ServiceError::Conflict(
            "The Operator role is fixed: it is what manages everything else.".into(),
        ));
    }
    let role = check(&form, &catalogue, Some(before))?;
    if &role == before {
        return Ok(role);
    }
    write(&txn, &role, false).await?;
    let edited = {
        // Only what changed: the log says "Permissions: … → …", not every field.
        let (mut was, mut is) = (snapshot(before), snapshot(&role));
        if let (Some(was), Some(is)) = (was.as_object_mut(), is.as_object_mut()) {
            let same: Vec<String> = was
                .iter()
                .filter(|(k, v)| is.get(*k) == Some(v))
                .map(|(k, _)| k.clone())
                .collect();
            for key in same {
                was.remove(&key);
                is.remove(&key);
            }
        }
        change("role.updated", &role).before(was).after(is)
    };
    finish(state, txn, me, meta, edited, now).await?;
    Ok(role)
}

/// Delete: only a role nobody holds and no pending invitation carries. Invitations that are no
/// longer pending forget it (the audit log keeps what they carried).
pub async fn delete(
    state: &AppState,
    me: &Caller,
    key: &str,
    meta: RequestMeta,
    now: DateTime<Utc>,
) -> Result<Role, ServiceError> {
    me.may_list(Action::ManageRoles, None)?;
    let txn = state.db.begin().await?;
    let catalogue = load(&txn).await?;
    let role = catalogue
        .get(&RoleKey::new(key))
        .ok_or(ServiceError::NotFound)?
        .clone();
    if role.built_in {
        return Err(ServiceError::Conflict(format!(
            "{} is built in and cannot be deleted.",
            role.name
        )));
    }
    let held = user_role::Entity::find()
        .filter(user_role::Column::RoleKey.eq(key))
        .count(&txn)
        .await?;
    if held > 0 {
        return Err(ServiceError::Conflict(format!(
            "{held} {} {} this role; take it from them first.",
            if held == 1 { "person" } else { "people" },
            if held == 1 { "holds" } else { "hold" },
        )));
    }
    let carrying = Query::select()
        .column(invitation_role::Column::InvitationId)
        .from(invitation_role::Entity)
        .and_where(invitation_role::Column::RoleKey.eq(key))
        .take();
    let pending = invitation::Entity::find()
        .filter(invitation::Column::Id.in_subquery(carrying))
        .filter(invitation::Column::Status.eq(InvitationStatus::Pending.as_str()))
        .count(&txn)
        .await?;
    if pending > 0 {
        return Err(ServiceError::Conflict(format!(
            "{pending} pending {} this role; revoke {} first.",
            if pending == 1 {
                "invitation carries"
            } else {
                "invitations carry"
            },
            if pending == 1 { "it" } else { "them" },
        )));
    }
    // Only invitations that are no longer pending: one sent meanwhile keeps the key referenced,
    // and the role's delete below then fails as a conflict instead of emptying it.
    let settled = Query::select()
        .column(invitation::Column::Id)
        .from(invitation::Entity)
        .and_where(invitation::Column::Status.ne(InvitationStatus::Pending.as_str()))
        .take();
    invitation_role::Entity::delete_many()
        .filter(invitation_role::Column::RoleKey.eq(key))
        .filter(invitation_role::Column::InvitationId.in_subquery(settled))
        .exec(&txn)
        .await?;
    role_permission::Entity::delete_many()
        .filter(role_permission::Column::RoleKey.eq(key))
        .exec(&txn)
        .await?;
    // Someone given the role meanwhile (PostgreSQL) holds it now: the key is still referenced.
    let deleted = role::Entity::delete_many()
        .filter(role::Column::Key.eq(key))
        .filter(Expr::col(role::Column::BuiltIn).eq(false))
        .exec(&txn)
        .await;
    if let Err(e) = &deleted {
        if matches!(e.sql_err(), Some(SqlErr::ForeignKeyConstraintViolation(_))) {
            return Err(ServiceError::Conflict(
                "Someone was given this role, or invited with it, meanwhile; take it from them first.".into(),
            ));
        }
    }
    deleted?;
    let deleted = change("role.deleted", &role).before(snapshot(&role));
    finish(state, txn, me, meta, deleted, now).await?;
    Ok(role)
}

/// How many people hold each role (from the `(role_key, user_id)` index; purged accounts hold
/// none).
pub async fn holders<C: ConnectionTrait>(conn: &C) -> Result<HashMap<String, u64>, ServiceError> {
    let rows: Vec<(String, i64)> = user_role::Entity::find()
        .select_only()
        .column(user_role::Column::RoleKey)
        .column_as(user_role::Column::UserId.count(), "n")
        .group_by(user_role::Column::RoleKey)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(k, n)| (k, n.max(0) as u64))
        .collect())
}
