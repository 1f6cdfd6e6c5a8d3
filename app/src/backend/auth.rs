//! Sign-in. One answer for every failure, the same work whether or not the account exists, and
//! throttling per IP address and per account.

use super::audit::{self, AuditActor, AuditContext, Change, RequestMeta};
use super::entity::{session, user};
use super::error::ServiceError;
use super::{entities, sessions, users, AppState};
use crate::domain::{Email, UserStatus};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use std::net::IpAddr;

/// Longer input than this is refused before any work (a password is at most 1,024 characters,
/// four bytes each at most), so nobody can make the server hash or remember megabytes.
const MAX_PASSWORD_BYTES: usize = 4 * crate::domain::NewPassword::MAX_CHARS;
const MAX_EMAIL_BYTES: usize = 4 * Email::MAX_LEN;

pub async fn sign_in(
    state: &AppState,
    email_input: &str,
    password: &str,
    ip: Option<IpAddr>,
    meta: RequestMeta,
    now: DateTime<Utc>,
) -> Result<(String, session::Model), ServiceError> {
    if let Some(ip) = ip {
        state
            .limiter
            .check_ip(ip, now)
            .map_err(|retry_after_secs| ServiceError::RateLimited { retry_after_secs })?;
    }
    if email_input.len() > MAX_EMAIL_BYTES || password.len() > MAX_PASSWORD_BYTES {
        return Err(ServiceError::BadCredentials);
    }
    let email = Email::parse(email_input).ok();
    // The limiter counts the address as the database compares it; text that is no email
    // address counts under one shared key, so it never grows the limiter.
    let account = email
        .as_ref()
        .map(|e| e.normalized().to_string())
        .unwrap_or_default();
    state
        .limiter
        .check_account(&account, ip, now)
        .map_err(|retry_after_secs| ServiceError::RateLimited { retry_after_secs })?;

    let found = match &email {
        Some(email) => users::find_by_email(state.db.read(), email).await?,
        None => None,
    };
    let hash = found.as_ref().and_then(|u| u.password_hash.clone());
    let password_ok = state
        .passwords
        .verify(password.to_string(), hash)
        .await
        .map_err(|_| ServiceError::RateLimited {
            retry_after_secs: 1,
        })?;
    // A suspended entity's people get the answer of a wrong password: nothing tells a
    // stranger which accounts exist, or that their organisation was suspended.
    let suspended = match &found {
        Some(user) if password_ok => {
            entities::is_suspended(state.db.read(), user.entity_id).await?
        }
        _ => false,
    };
    let user = match found {
        Some(user) if password_ok && may_sign_in(&user) && !suspended => user,
        _ => {
            state.limiter.record_failure(&account, ip, now);
            return Err(ServiceError::BadCredentials);
        }
    };
    state.limiter.record_success(&account, ip);

    let txn = state.db.begin().await?;
    let created = sessions::create(&txn, user.id, &meta, &state.config, now).await?;
    user::Entity::update_many()
        .col_expr(user::Column::LastLoginAt, Expr::value(Some(now)))
        .filter(user::Column::Id.eq(user.id))
        .exec(&txn)
        .await?;
    let ctx = AuditContext {
        actor: AuditActor::user(user.id, &user.email),
        meta,
    };
    let change = Change::user("user.signed_in", &user);
    let event = audit::record(&txn, &ctx, change, now).await?;
    txn.commit().await?;
    state.events.publish([event]);
    Ok(created)
}

fn may_sign_in(user: &user::Model) -> bool {
    user.purged_at.is_none() && UserStatus::parse(&user.status).is_some_and(UserStatus::can_sign_in)
}
