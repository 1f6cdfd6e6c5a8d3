//! Users: creation, status changes and passwords. Each change is one transaction with its audit row.

pub mod edit;
pub mod lifecycle;
pub mod manage;
pub mod purge;
pub mod reset;

use super::access::Authorized;
use super::audit::{self, AuditContext, Change, RequestMeta};
use super::entity::user;
use super::error::{is_unique_violation, ServiceError};
use super::events::AdminEvent;
use super::passwords::PasswordGate;
use super::rate_limit::SignInLimiter;
use super::sessions;
use super::Caller;
use super::{roles, Db};
use crate::domain::{Email, FieldErrors, NewPassword, PersonName, RoleKey, UserStatus};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use serde_json::json;
use uuid::Uuid;

pub const DUPLICATE_EMAIL: &str = "A user with this email address already exists.";

#[derive(Clone, Debug)]
pub struct NewUser {
    pub entity_id: Uuid,
    pub name: PersonName,
    pub email: Email,
    pub contact_email: Option<Email>,
    pub roles: Vec<RoleKey>,
    pub status: UserStatus,
    pub password_hash: Option<String>,
    pub must_change_password: bool,
}

impl NewUser {
    pub fn into_model(self, created_by: Option<Uuid>, now: DateTime<Utc>) -> user::Model {
        user::Model {
            id: Uuid::now_v7(),
            entity_id: self.entity_id,
            sort_name: self.name.as_str().to_lowercase(),
            name: self.name.as_str().to_string(),
            email: self.email.as_str().to_string(),
            email_normalized: self.email.normalized().to_string(),
            contact_email: self.contact_email.map(|e| e.as_str().to_string()),
            status: self.status.as_str().to_string(),
            password_hash: self.password_hash,
            must_change_password: self.must_change_password,
            last_login_at: None,
            created_at: now,
            created_by,
            updated_at: now,
            updated_by: created_by,
            deleted_at: None,
            deleted_by: None,
            purged_at: None,
            version: 1,
        }
    }
}

pub fn active_model(m: user::Model) -> user::ActiveModel {
    user::ActiveModel {
        id: Set(m.id),
        entity_id: Set(m.entity_id),
        name: Set(m.name),
        sort_name: Set(m.sort_name),
        email: Set(m.email),
        email_normalized: Set(m.email_normalized),
        contact_email: Set(m.contact_email),
        status: Set(m.status),
        password_hash: Set(m.password_hash),
        must_change_password: Set(m.must_change_password),
        last_login_at: Set(m.last_login_at),
        created_at: Set(m.created_at),
        created_by: Set(m.created_by),
        updated_at: Set(m.updated_at),
        updated_by: Set(m.updated_by),
        deleted_at: Set(m.deleted_at),
        deleted_by: Set(m.deleted_by),
        purged_at: Set(m.purged_at),
        version: Set(m.version),
    }
}

/// Inserts a user with their roles and the `user.created` event, in the caller's transaction.
/// A duplicate email is refused by the unique index, not by a look-up first.
pub async fn insert<C: ConnectionTrait>(
    conn: &C,
    new: NewUser,
    ctx: &AuditContext,
    now: DateTime<Utc>,
) -> Result<(user::Model, AdminEvent), ServiceError> {
    let roles = new.roles.clone();
    let model = new.into_model(ctx.actor.id, now);
    match user::Entity::insert(active_model(model.clone()))
        .exec_without_returning(conn)
        .await
    {
        Ok(_) => {}
        Err(e) if is_unique_violation(&e) => {
            return Err(ServiceError::Invalid(FieldErrors::single(
                "email",
                DUPLICATE_EMAIL,
            )))
        }
        Err(e) => return Err(e.into()),
    }
    roles::set_roles(conn, model.id, &roles).await?;
    let change = Change::user("user.created", &model).after(json!({
        "name": model.name,
        "email": model.email,
        "status": model.status,
        "roles": roles.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
    }));
    let event = audit::record(conn, ctx, change, now).await?;
    Ok((model, event))
}

pub async fn find<C: ConnectionTrait>(conn: &C, id: Uuid) -> Result<Option<user::Model>, DbErr> {
    user::Entity::find_by_id(id).one(conn).await
}

pub async fn find_by_email<C: ConnectionTrait>(
    conn: &C,
    email: &Email,
) -> Result<Option<user::Model>, DbErr> {
    user::Entity::find()
        .filter(user::Column::EmailNormalized.eq(email.normalized()))
        .one(conn)
        .await
}

fn status_action(from: UserStatus, to: UserStatus) -> &'static str {
    match (from, to) {
        (UserStatus::Deleted, _) => "user.restored",
        (_, UserStatus::Inactive) => "user.deactivated",
        (_, UserStatus::Deleted) => "user.deleted",
        (UserStatus::Inactive, UserStatus::Active) => "user.reactivated",
        _ => "user.status_changed",
    }
}

/// Moves a user to `to`. Leaving Active ends every session at once, in the same transaction.
/// `expected_version` guards against a lost update when an admin acted on a stale view.
pub async fn set_status(
    db: &Db,
    user_id: Uuid,
    to: UserStatus,
    expected_version: Option<i32>,
    ctx: &AuditContext,
    now: DateTime<Utc>,
) -> Result<user::Model, ServiceError> {
    let txn = db.begin().await?;
    let current = find(&txn, user_id)
        .await?
        .filter(|u| u.purged_at.is_none())
        .ok_or(ServiceError::NotFound)?;
    let current = Authorized::by_console(crate::domain::Action::ManageUsers, current);
    let from = UserStatus::parse(&current.status)
        .ok_or_else(|| ServiceError::Internal("unknown status".into()))?;
    if expected_version.is_some_and(|v| v != current.version) {
        return Err(changed_meanwhile());
    }
    if from == to {
        return Ok(current.into_target());
    }
    apply_status(&txn, &current, from, to, ctx, now).await?;
    let after = find(&txn, user_id).await?.ok_or(ServiceError::NotFound)?;
    txn.commit().await?;
    Ok(after)
}

/// Writes a status change decided on `current`: conditional on its version, ending every
/// session when the user may no longer sign in, with its audit row. In the caller's transaction.
pub(crate) async fn apply_status<C: ConnectionTrait>(
    txn: &C,
    current: &Authorized<user::Model>,
    from: UserStatus,
    to: UserStatus,
    ctx: &AuditContext,
    now: DateTime<Utc>,
) -> Result<AdminEvent, ServiceError> {
    let deleted = to == UserStatus::Deleted;
    let updated = user::Entity::update_many()
        .col_expr(user::Column::Status, Expr::value(to.as_str()))
        .col_expr(user::Column::Version, Expr::value(current.version + 1))
        .col_expr(user::Column::UpdatedAt, Expr::value(now))
        .col_expr(user::Column::UpdatedBy, Expr::value(ctx.actor.id))
        .col_expr(user::Column::DeletedAt, Expr::value(deleted.then_some(now)))
        .col_expr(
            user::Column::DeletedBy,
            Expr::value(if deleted { ctx.actor.id } else { None }),
        )
        .filter(user::Column::Id.eq(current.id))
        .filter(user::Column::Version.eq(current.version))
        .exec(txn)
        .await?;
    if updated.rows_affected == 0 {
        return Err(changed_meanwhile());
    }
    let ended = if to.can_sign_in() {
        0
    } else {
        sessions::end_all_for_user(txn, current.id, None).await?
    };
    let mut after = json!({ "status": to.as_str() });
    if ended > 0 {
        after["sessions_ended"] = json!(ended);
    }
    let change = Change::user(status_action(from, to), current)
        .before(json!({ "status": from.as_str() }))
        .after(after);
    Ok(audit::record(txn, ctx, change, now).await?)
}

pub fn changed_meanwhile() -> ServiceError {
    ServiceError::Conflict("This user was changed by someone else.".into())
}

/// The form a person fills in to change their own password.
#[derive(Clone, Debug)]
pub struct PasswordChange {
    pub current: String,
    pub new: String,
    pub confirm: String,
}

/// Changes the signed-in person's password; their other sessions end, this one stays.
pub async fn change_own_password(
    db: &Db,
    passwords: &PasswordGate,
    limiter: &SignInLimiter,
    me: &Caller,
    form: PasswordChange,
    meta: RequestMeta,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    let mut errors = FieldErrors::new();
    let new = errors.check(
        "new_password",
        NewPassword::parse(&form.new, &[&me.user.email, &me.user.name]),
    );
    if form.new != form.confirm {
        errors.add("confirm_password", "The two new passwords do not match.");
    }
    let stored_hash = find(db.read(), me.user.id)
        .await?
        .ok_or(ServiceError::Unauthenticated)?
        .password_hash;
    if form.current.chars().count() > NewPassword::MAX_CHARS {
        return Err(
            FieldErrors::single("current_password", "This is not your current password.").into(),
        );
    }
    limiter
        .check_account(&me.user.id.to_string(), None, now)
        .map_err(|retry_after_secs| ServiceError::RateLimited { retry_after_secs })?;
    let current_ok = passwords
        .verify(form.current.clone(), stored_hash.clone())
        .await
        .map_err(|_| ServiceError::RateLimited {
            retry_after_secs: 1,
        })?;
    if !current_ok {
        limiter.record_failure(&me.user.id.to_string(), None, now);
        errors.add("current_password", "This is not your current password.");
    }
    if form.current == form.new && current_ok {
        errors.add(
            "new_password",
            "Choose a password different from the current one.",
        );
    }
    errors.into_result()?;
    let new = new.expect("checked above");
    let hash = passwords
        .hash(new.expose().to_string())
        .await
        .map_err(|_| ServiceError::RateLimited {
            retry_after_secs: 1,
        })?;

    let txn = db.begin().await?;
    let updated = user::Entity::update_many()
        .col_expr(user::Column::PasswordHash, Expr::value(Some(hash)))
        .col_expr(user::Column::MustChangePassword, Expr::value(false))
        .col_expr(
            user::Column::Version,
            Expr::col(user::Column::Version).add(1),
        )
        .col_expr(user::Column::UpdatedAt, Expr::value(now))
        .col_expr(user::Column::UpdatedBy, Expr::value(Some(me.user.id)))
        .filter(user::Column::Id.eq(me.user.id))
        .filter(user::Column::PasswordHash.eq(stored_hash))
        .exec(&txn)
        .await?;
    if updated.rows_affected == 0 {
        return Err(ServiceError::Conflict(
            "Your password was changed elsewhere. Sign in again.".into(),
        ));
    }
    let ended = sessions::end_all_for_user(&txn, me.user.id, Some(me.session_id)).await?;
    let change =
        Change::caller("user.password_changed", me).after(json!({ "other_sessions_ended": ended }));
    audit::record(&txn, &me.audit(meta), change, now).await?;
    txn.commit().await?;
    Ok(())
}
