//! Password links: an admin's Reset password, Forgot password on the sign-in page, and the
//! set-password mail of a new account. The token travels in the URL fragment and only its hash
//! is stored; it works once, and setting the password ends every session of the account.

use super::{changed_meanwhile, find};
use crate::backend::audit::{self, AuditActor, AuditContext, Change, RequestMeta};
use crate::backend::entity::{entity, one_time_token, user};
use crate::backend::error::ServiceError;
use crate::backend::mail::{self, templates};
use crate::backend::secrets::{hash_token, new_token};
use crate::backend::AppState;
use crate::backend::{sessions, Caller};
use crate::domain::{Action, Email, FieldErrors, NewPassword, UserStatus};
use chrono::{DateTime, TimeDelta, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use serde_json::json;
use uuid::Uuid;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// Reset password or Forgot password: valid for one hour.
    PasswordReset,
    /// The set-password mail of a new account: valid as long as an invitation.
    FirstLogin,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Self::PasswordReset => "password_reset",
            Self::FirstLogin => "first_login",
        }
    }

    fn validity(self) -> TimeDelta {
        match self {
            Self::PasswordReset => TimeDelta::hours(1),
            Self::FirstLogin => crate::domain::invitation::VALIDITY,
        }
    }
}

pub fn reset_link(public_url: &str, token: &str) -> String {
    format!("{public_url}/reset-password#token={token}")
}

/// A new one-time token for `user_id`; earlier unused links of the account stop working.
pub(crate) async fn issue_token<C: ConnectionTrait>(
    conn: &C,
    user_id: Uuid,
    purpose: Purpose,
    now: DateTime<Utc>,
) -> Result<(String, DateTime<Utc>), DbErr> {
    one_time_token::Entity::delete_many()
        .filter(one_time_token::Column::UserId.eq(user_id))
        .filter(one_time_token::Column::UsedAt.is_null())
        .exec(conn)
        .await?;
    let (token, token_hash) = new_token();
    let expires_at = now + purpose.validity();
    one_time_token::Entity::insert(one_time_token::ActiveModel {
        id: Set(Uuid::now_v7()),
        token_hash: Set(token_hash),
        purpose: Set(purpose.as_str().to_string()),
        user_id: Set(user_id),
        expires_at: Set(expires_at),
        used_at: Set(None),
        created_at: Set(now),
    })
    .exec_without_returning(conn)
    .await?;
    Ok((token, expires_at))
}

async fn reset_mail<C: ConnectionTrait>(
    conn: &C,
    state: &AppState,
    user: &user::Model,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let (token, expires_at) = issue_token(conn, user.id, Purpose::PasswordReset, now).await?;
    let entity = entity::Entity::find_by_id(user.entity_id)
        .one(conn)
        .await?
        .map(|e| e.name)
        .unwrap_or_default();
    // Authentication mail goes to the account email only, never the contact email.
    let mail = templates::set_password(
        &user.email,
        &user.name,
        &entity,
        &reset_link(&state.config.public_url, &token),
        expires_at,
        true,
    );
    mail::enqueue(conn, vec![mail], now).await
}

/// Reset password, by an admin: the current password stops working and every session ends at
/// once (a reset is what an admin does when an account may be in the wrong hands); the user
/// gets a one-hour link to choose a new one.
pub async fn admin_reset(
    state: &AppState,
    me: &Caller,
    user_id: Uuid,
    expected_version: i32,
    meta: RequestMeta,
    now: DateTime<Utc>,
) -> Result<user::Model, ServiceError> {
    let txn = state.db.begin().await?;
    let target = me.may_user(&txn, Action::ManageUsers, user_id).await?;
    if target.version != expected_version {
        return Err(changed_meanwhile());
    }
    if target.status != UserStatus::Active.as_str() {
        return Err(ServiceError::Conflict(
            "Only an active user's password can be reset. Reactivate them first.".into(),
        ));
    }
    if target.id == me.user.id {
        return Err(ServiceError::Conflict(
            "Change your own password on My account.".into(),
        ));
    }
    let updated = user::Entity::update_many()
        .col_expr(user::Column::PasswordHash, Expr::value(None::<String>))
        .col_expr(user::Column::Version, Expr::value(target.version + 1))
        .col_expr(user::Column::UpdatedAt, Expr::value(now))
        .col_expr(user::Column::UpdatedBy, Expr::value(Some(me.user.id)))
        .filter(user::Column::Id.eq(target.id))
        .filter(user::Column::Version.eq(target.version))
        .exec(&txn)
        .await?;
    if updated.rows_affected != 1 {
        return Err(changed_meanwhile());
    }
    let ended = sessions::end_all_for_user(&txn, target.id, None).await?;
    reset_mail(&txn, state, &target, now).await?;
    let change = Change::user("user.password_reset_sent", &target)
        .after(json!({ "sessions_ended": ended, "password_cleared": true }));
    let event = audit::record(&txn, &me.audit(meta), change, now).await?;
    let saved = find(&txn, target.id).await?.ok_or(ServiceError::NotFound)?;
    txn.commit().await?;
    state.events.publish([event]);
    state.outbox.wake();
    Ok(saved)
}

/// Forgot password. The caller answers the same whatever happens here, and runs it off the
/// request so that its timing says nothing either: only an active account gets a mail.
pub async fn forgot(
    state: &AppState,
    email: &str,
    meta: RequestMeta,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    let Ok(email) = Email::parse(email) else {
        return Ok(());
    };
    let txn = state.db.begin().await?;
    let Some(user) = super::find_by_email(&txn, &email).await? else {
        return Ok(());
    };
    if user.status != UserStatus::Active.as_str() || user.purged_at.is_some() {
        return Ok(());
    }
    reset_mail(&txn, state, &user, now).await?;
    let ctx = AuditContext {
        actor: AuditActor {
            kind: "anonymous",
            id: None,
            label: "forgot password".into(),
        },
        meta,
    };
    let event = audit::record(
        &txn,
        &ctx,
        Change::user("user.password_reset_requested", &user),
        now,
    )
    .await?;
    txn.commit().await?;
    state.events.publish([event]);
    state.outbox.wake();
    Ok(())
}

/// What a password link leads to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Link {
    Valid {
        email: String,
        name: String,
    },
    /// Unknown, used, expired, or the account can no longer sign in: one answer for all.
    Invalid,
}

async fn live_token<C: ConnectionTrait>(
    conn: &C,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Option<(one_time_token::Model, user::Model)>, DbErr> {
    // A token Usher wrote is 43 characters; anything much longer is not one, and is not hashed.
    if token.len() > 128 {
        return Ok(None);
    }
    let Some(row) = one_time_token::Entity::find()
        .filter(one_time_token::Column::TokenHash.eq(hash_token(token.trim())))
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    if row.used_at.is_some() || row.expires_at <= now {
        return Ok(None);
    }
    let user = find(conn, row.user_id).await?;
    Ok(user
        .filter(|u| u.status == UserStatus::Active.as_str() && u.purged_at.is_none())
        .map(|u| (row, u)))
}

pub async fn look_up(state: &AppState, token: &str, now: DateTime<Utc>) -> Result<Link, DbErr> {
    Ok(match live_token(state.db.read(), token, now).await? {
        Some((_, user)) => Link::Valid {
            email: user.email,
            name: user.name,
        },
        None => Link::Invalid,
    })
}

pub use crate::api::users::INVALID_LINK;

/// Sets the password from a link: spends the token (once, whoever races), stores the new hash
/// and ends every session of the account.
pub async fn reset(
    state: &AppState,
    token: &str,
    password: &str,
    confirm: &str,
    meta: RequestMeta,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    let Some((row, user)) = live_token(state.db.read(), token, now).await? else {
        return Err(FieldErrors::single("token", INVALID_LINK).into());
    };
    let mut errors = FieldErrors::new();
    let new = errors.check(
        "password",
        NewPassword::parse(password, &[&user.email, &user.name]),
    );
    if password != confirm {
        errors.add("confirm_password", "The two passwords do not match.");
    }
    errors.into_result()?;
    let hash = state
        .passwords
        .hash(new.expect("checked").expose().to_string())
        .await
        .map_err(|_| ServiceError::RateLimited {
            retry_after_secs: 1,
        })?;
    let txn = state.db.begin().await?;
    let spent = one_time_token::Entity::update_many()
        .col_expr(one_time_token::Column::UsedAt, Expr::value(Some(now)))
        .filter(one_time_token::Column::Id.eq(row.id))
        .filter(one_time_token::Column::UsedAt.is_null())
        .filter(one_time_token::Column::ExpiresAt.gt(now))
        .exec(&txn)
        .await?;
    if spent.rows_affected != 1 {
        return Err(FieldErrors::single("token", INVALID_LINK).into());
    }
    let updated = user::Entity::update_many()
        .col_expr(user::Column::PasswordHash, Expr::value(Some(hash)))
        .col_expr(user::Column::MustChangePassword, Expr::value(false))
        .col_expr(
            user::Column::Version,
            Expr::col(user::Column::Version).add(1),
        )
        .col_expr(user::Column::UpdatedAt, Expr::value(now))
        .filter(user::Column::Id.eq(user.id))
        .filter(user::Column::Status.eq(UserStatus::Active.as_str()))
        .exec(&txn)
        .await?;
    if updated.rows_affected != 1 {
        return Err(FieldErrors::single("token", INVALID_LINK).into());
    }
    let ended = sessions::end_all_for_user(&txn, user.id, None).await?;
    let ctx = AuditContext {
        actor: AuditActor::user(user.id, &user.email),
        meta,
    };
    let change =
        Change::user("user.password_reset", &user).after(json!({ "sessions_ended": ended }));
    let event = audit::record(&txn, &ctx, change, now).await?;
    txn.commit().await?;
    state.events.publish([event]);
    Ok(())
}
