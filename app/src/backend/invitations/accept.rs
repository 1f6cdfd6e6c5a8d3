//! The invited person's side: look a link up, and accept it (name and password) into an Active
//! account in the invitation's entity, signed in. The token is looked up by its hash only.

use super::{change, invitee, stored_status};
use crate::backend::audit;
use crate::backend::audit::RequestMeta;
use crate::backend::entity::invitation;
use crate::backend::error::ServiceError;
use crate::backend::secrets::hash_token;
use crate::backend::users::{self, NewUser};
use crate::backend::{sessions, AppState};
use crate::domain::{
    Email, FieldErrors, InvitationStatus, NewPassword, PersonName, RoleKey, UserStatus,
};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use serde_json::json;

/// Why a link cannot be used; each says what happened and what to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkProblem {
    Unknown,
    Expired,
    Revoked,
    Used,
    /// The address already has an account (in another entity: an admin could not be told).
    AccountExists,
}

impl LinkProblem {
    pub fn message(self) -> &'static str {
        match self {
            Self::Unknown => "This invitation link is not valid. It may have been replaced by a newer invitation email, or copied incompletely. Ask the admin who invited you to resend it.",
            Self::Expired => "This invitation has expired. Invitations are valid for 7 days; ask the admin who invited you to resend it.",
            Self::Revoked => "This invitation was withdrawn by an admin. If you still need access, ask them to resend it.",
            Self::Used => "This invitation has already been accepted. Sign in with the email address it was sent to.",
            Self::AccountExists => "This email address already has an Usher account, so this invitation cannot make another one. Sign in with it if it is yours, or ask the admin who invited you to contact your operator, who can see why.",
        }
    }
}

/// A usable invitation, as the accept page shows it.
#[derive(Clone, Debug)]
pub struct Offer {
    pub email: String,
    pub entity_name: String,
    pub inviter_name: Option<String>,
    pub roles: Vec<RoleKey>,
    pub expires_at: DateTime<Utc>,
}

async fn by_token<C: ConnectionTrait>(
    conn: &C,
    token: &str,
) -> Result<Option<invitation::Model>, DbErr> {
    if token.len() > 200 {
        return Ok(None);
    }
    invitation::Entity::find()
        .filter(invitation::Column::TokenHash.eq(hash_token(token.trim())))
        .one(conn)
        .await
}

async fn has_account<C: ConnectionTrait>(conn: &C, inv: &invitation::Model) -> Result<bool, DbErr> {
    match Email::parse(&inv.email) {
        Ok(email) => Ok(users::find_by_email(conn, &email).await?.is_some()),
        Err(_) => Ok(false),
    }
}

fn problem_of(inv: &invitation::Model, now: DateTime<Utc>) -> Option<LinkProblem> {
    match stored_status(inv, now) {
        InvitationStatus::Pending => None,
        InvitationStatus::Expired => Some(LinkProblem::Expired),
        InvitationStatus::Revoked => Some(LinkProblem::Revoked),
        InvitationStatus::Accepted => Some(LinkProblem::Used),
    }
}

/// What the link leads to at `now`.
pub async fn look_up(
    state: &AppState,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Result<Offer, LinkProblem>, ServiceError> {
    let conn = state.db.read();
    let Some(inv) = by_token(conn, token).await? else {
        return Ok(Err(LinkProblem::Unknown));
    };
    if let Some(problem) = problem_of(&inv, now) {
        return Ok(Err(problem));
    }
    if has_account(conn, &inv).await? {
        return Ok(Err(LinkProblem::AccountExists));
    }
    let detail = super::listing::detail(conn, inv).await?;
    Ok(Ok(Offer {
        email: detail.invitation.email.clone(),
        entity_name: detail.entity_name,
        inviter_name: detail.inviter_name,
        roles: detail.roles,
        expires_at: detail.invitation.expires_at,
    }))
}

pub struct AcceptForm {
    pub token: String,
    pub name: String,
    pub password: String,
    pub confirm: String,
}

/// The field that carries a link problem, so the page can show it in place of the form.
pub const TOKEN_FIELD: &str = "token";

fn link_error(problem: LinkProblem) -> ServiceError {
    ServiceError::Invalid(FieldErrors::single(TOKEN_FIELD, problem.message()))
}

/// What is wrong with the link as it is now, read again after a race was lost (`otherwise`
/// when the link itself is still fine).
async fn problem_now(
    state: &AppState,
    token: &str,
    now: DateTime<Utc>,
    otherwise: LinkProblem,
) -> Result<LinkProblem, ServiceError> {
    Ok(match by_token(state.db.read(), token).await? {
        Some(current) => problem_of(&current, now).unwrap_or(otherwise),
        None => LinkProblem::Unknown,
    })
}

/// Accepts: creates the user Active with the invitation's entity and roles, spends the token and
/// opens a session, all in one transaction. Returns the session token for the cookie.
pub async fn accept(
    state: &AppState,
    form: AcceptForm,
    meta: RequestMeta,
    now: DateTime<Utc>,
) -> Result<String, ServiceError> {
    let inv = by_token(state.db.read(), &form.token)
        .await?
        .ok_or(link_error(LinkProblem::Unknown))?;
    if let Some(problem) = problem_of(&inv, now) {
        return Err(link_error(problem));
    }
    if has_account(state.db.read(), &inv).await? {
        // Another accept of this very link may have made the account since it was read.
        let problem = problem_now(state, &form.token, now, LinkProblem::AccountExists).await?;
        return Err(link_error(problem));
    }
    // Nobody of a suspended entity may sign in, so nobody joins one either (the invitation
    // stays pending and works again once the entity is resumed).
    if crate::backend::entities::is_suspended(state.db.read(), inv.entity_id).await? {
        return Err(ServiceError::Conflict(
            "This organisation's access to Usher is suspended, so the invitation cannot be accepted now. Ask the person who invited you."
                .into(),
        ));
    }
    let mut errors = FieldErrors::new();
    let name = errors.check("name", PersonName::parse(&form.name));
    let password = errors.check(
        "password",
        NewPassword::parse(&form.password, &[&inv.email, form.name.trim()]),
    );
    if form.password != form.confirm {
        errors.add("confirm_password", "The two passwords do not match.");
    }
    errors.into_result()?;
    let email = Email::parse(&inv.email).map_err(|e| ServiceError::Internal(e.to_string()))?;
    let hash = state
        .passwords
        .hash(password.expect("checked").expose().to_string())
        .await
        .map_err(|_| ServiceError::RateLimited {
            retry_after_secs: 1,
        })?;

    let txn = state.db.begin().await?;
    let roles = super::listing::roles_by_invitation(&txn, &[inv.id])
        .await?
        .remove(&inv.id)
        .unwrap_or_default();
    let ctx = invitee(&inv.email, meta.clone());
    let new = NewUser {
        entity_id: inv.entity_id,
        name: name.expect("checked"),
        email,
        contact_email: None,
        roles: roles.clone(),
        status: UserStatus::Active,
        password_hash: Some(hash),
        must_change_password: false,
    };
    // Spend the token first, and only if it is still the live one: a Revoke, a Resend or another
    // Accept that got there first leaves nothing to update, and this transaction rolls back.
    let spent = invitation::Entity::update_many()
        .col_expr(invitation::Column::Status, Expr::value("accepted"))
        .col_expr(invitation::Column::UpdatedAt, Expr::value(now))
        .col_expr(
            invitation::Column::Version,
            Expr::col(invitation::Column::Version).add(1),
        )
        .filter(invitation::Column::Id.eq(inv.id))
        .filter(invitation::Column::TokenHash.eq(inv.token_hash.clone()))
        .filter(invitation::Column::Status.eq("pending"))
        .filter(invitation::Column::ExpiresAt.gt(now))
        .exec(&txn)
        .await?;
    if spent.rows_affected != 1 {
        txn.rollback().await?;
        let problem = problem_now(state, &form.token, now, LinkProblem::Used).await?;
        return Err(link_error(problem));
    }
    let (user, created) = match users::insert(&txn, new, &ctx, now).await {
        Ok(made) => made,
        Err(ServiceError::Invalid(_)) => return Err(link_error(LinkProblem::AccountExists)),
        Err(other) => return Err(other),
    };
    invitation::Entity::update_many()
        .col_expr(
            invitation::Column::AcceptedUserId,
            Expr::value(Some(user.id)),
        )
        .filter(invitation::Column::Id.eq(inv.id))
        .exec(&txn)
        .await?;
    let event = audit::record(
        &txn,
        &ctx,
        change("invitation.accepted", &inv)
            .before(json!({ "status": "pending" }))
            .after(json!({ "status": "accepted", "user_id": user.id })),
        now,
    )
    .await?;
    let (token, _) = sessions::create(&txn, user.id, &meta, &state.config, now).await?;
    txn.commit().await?;
    super::after_commit(state, vec![event, created], false);
    Ok(token)
}
