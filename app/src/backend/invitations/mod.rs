//! Invitations: Invite User (`invite`), Revoke, Resend and Delete (`lifecycle`), the list (`listing`), accepting a link
//! (`accept`) and bulk invite from CSV (`bulk`). Each change is one transaction holding the
//! invitation, its audit row and its outbox mail; the admin event leaves after the commit.
//! Races are settled by the database: a partial unique index allows one pending invitation per
//! entity and email, and every update is conditional on the state it was decided on.

pub mod accept;
pub mod bulk;
mod invite;
mod lifecycle;
pub mod listing;

pub use invite::invite;
pub(crate) use invite::new_invitation;
pub(crate) use lifecycle::resend_on;
pub use lifecycle::{delete, resend, revoke};

use super::audit::{self, AuditContext, Change, RequestMeta};
use super::entity::{entity, invitation, invitation_role};
use super::error::{is_unique_violation, ServiceError};
use super::events::AdminEvent;
use super::mail::{self, templates, Mail};
use super::secrets::new_token;
use super::Caller;
use super::{users, AppState};
use crate::domain::invitation::{decide, effective_status, Command, Outcome, TransitionError};
use crate::domain::{Action, Email, FieldErrors, InvitationStatus, RoleKey};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use serde_json::json;
use uuid::Uuid;

/// An invitation with what the table shows beside it.
#[derive(Clone, Debug)]
pub struct Detail {
    pub invitation: invitation::Model,
    pub entity_name: String,
    pub inviter_name: Option<String>,
    pub roles: Vec<RoleKey>,
}

impl Detail {
    pub fn status(&self, now: DateTime<Utc>) -> InvitationStatus {
        stored_status(&self.invitation, now)
    }
}

pub fn stored_status(inv: &invitation::Model, now: DateTime<Utc>) -> InvitationStatus {
    effective_status(stored(inv), inv.expires_at, now)
}

/// The status as stored (never `Expired`); an unreadable value reads as revoked, the safe side.
pub(crate) fn stored(inv: &invitation::Model) -> InvitationStatus {
    InvitationStatus::parse(&inv.status).unwrap_or(InvitationStatus::Revoked)
}

/// What Invite User ended in.
#[derive(Clone, Debug)]
pub enum Invited {
    Created(Detail),
    /// The email already has a pending (or lapsed) invitation in that entity: offer Resend.
    AlreadyPending(Detail),
}

#[derive(Clone, Debug)]
pub struct InviteForm {
    pub email: String,
    /// Operators choose; everyone else invites into their own entity.
    pub entity_id: Option<Uuid>,
    pub roles: Vec<String>,
}

pub const ALREADY_A_USER: &str =
    "This email address already belongs to a user. Find them in the User Directory instead.";

/// Whether inviting `email` into `entity` meets an existing user the caller may be told of: a
/// user of that same entity, or any user when the caller is an operator. To an entity admin,
/// another entity's users do not exist: such an address is invited like a fresh one, and the
/// person who opens the link is told the address already has an account elsewhere.
pub(crate) async fn meets_known_user<C: ConnectionTrait>(
    conn: &C,
    me: &Caller,
    entity_id: Uuid,
    email: &Email,
) -> Result<bool, DbErr> {
    Ok(users::find_by_email(conn, email)
        .await?
        .is_some_and(|u| u.entity_id == entity_id || me.may_know_of_user_in(u.entity_id)))
}

/// The roles an invitation carries.
pub(crate) async fn roles_of<C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
) -> Result<Vec<RoleKey>, DbErr> {
    Ok(listing::roles_by_invitation(conn, &[id])
        .await?
        .remove(&id)
        .unwrap_or_default())
}

/// The link in the email. The token travels in the fragment, which browsers never send to a
/// server, so it cannot end up in any access log or Referer header.
pub fn accept_link(public_url: &str, token: &str) -> String {
    format!("{public_url}/accept-invitation#token={token}")
}

pub(crate) async fn find_entity<C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
) -> Result<Option<entity::Model>, DbErr> {
    entity::Entity::find_by_id(id).one(conn).await
}

/// The roles of the form, checked against what `me` may grant in `entity`.
pub(crate) fn check_roles(
    me: &Caller,
    entity: &entity::Model,
    raw: &[String],
) -> Result<Vec<RoleKey>, String> {
    let allowed = me.grantable_roles(entity);
    let mut roles = Vec::new();
    for name in raw.iter().map(|r| r.trim()).filter(|r| !r.is_empty()) {
        let role = me.catalogue.find(name).ok_or_else(|| {
            let names: Vec<&str> = allowed
                .iter()
                .filter_map(|k| me.catalogue.get(k))
                .map(|r| r.name.as_str())
                .collect();
            format!("“{name}” is not a role. Use {}.", names.join(", "))
        })?;
        if !allowed.contains(&role.key) {
            return Err(if role.is_global && !entity.is_operator {
                "The Operator role can only be granted in the operator entity.".to_string()
            } else {
                format!("You cannot grant the {} role.", role.name)
            });
        }
        let role = role.key.clone();
        if !roles.contains(&role) {
            roles.push(role);
        }
    }
    if roles.is_empty() {
        return Err("Choose at least one role.".to_string());
    }
    roles.sort();
    Ok(roles)
}

pub(crate) fn invitation_mail(
    state: &AppState,
    email: &str,
    entity: &str,
    inviter: &str,
    roles: &[String],
    token: &str,
    expires_at: DateTime<Utc>,
) -> Mail {
    let labels: Vec<&str> = roles.iter().map(String::as_str).collect();
    templates::invitation(
        email,
        entity,
        inviter,
        &labels,
        &accept_link(&state.config.public_url, token),
        expires_at,
    )
}

pub(crate) fn change(action: &'static str, inv: &invitation::Model) -> Change {
    Change {
        action,
        entity_id: Some(inv.entity_id),
        target_kind: "invitation",
        target_id: Some(inv.id),
        target_label: inv.email.clone(),
        before: None,
        after: None,
    }
}

pub(crate) fn snapshot(inv: &invitation::Model, roles: &[RoleKey]) -> serde_json::Value {
    json!({
        "email": inv.email,
        "status": inv.status,
        "expires_at": inv.expires_at,
        "sent_count": inv.sent_count,
        "roles": roles.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
    })
}

/// Announces committed changes and wakes the mail worker.
pub(crate) fn after_commit(state: &AppState, events: Vec<AdminEvent>, mail_queued: bool) {
    state.events.publish(events);
    if mail_queued {
        state.outbox.wake();
    }
}

pub(crate) fn active(m: invitation::Model) -> invitation::ActiveModel {
    invitation::ActiveModel {
        id: Set(m.id),
        entity_id: Set(m.entity_id),
        email: Set(m.email),
        email_normalized: Set(m.email_normalized),
        status: Set(m.status),
        token_hash: Set(m.token_hash),
        expires_at: Set(m.expires_at),
        sent_count: Set(m.sent_count),
        last_sent_at: Set(m.last_sent_at),
        invited_by: Set(m.invited_by),
        accepted_user_id: Set(m.accepted_user_id),
        created_at: Set(m.created_at),
        updated_at: Set(m.updated_at),
        version: Set(m.version),
    }
}

pub(crate) fn role_rows(id: Uuid, roles: &[RoleKey]) -> Vec<invitation_role::ActiveModel> {
    roles
        .iter()
        .map(|r| invitation_role::ActiveModel {
            invitation_id: Set(id),
            role_key: Set(r.as_str().to_string()),
        })
        .collect()
}

/// The pending (possibly lapsed) invitation of an email in an entity.
pub(crate) async fn find_pending<C: ConnectionTrait>(
    conn: &C,
    entity_id: Uuid,
    email: &Email,
) -> Result<Option<invitation::Model>, DbErr> {
    invitation::Entity::find()
        .filter(invitation::Column::EntityId.eq(entity_id))
        .filter(invitation::Column::EmailNormalized.eq(email.normalized()))
        .filter(invitation::Column::Status.eq(InvitationStatus::Pending.as_str()))
        .one(conn)
        .await
}

/// Audit context for a person acting through an invitation link (not yet a user).
pub(crate) fn invitee(email: &str, meta: RequestMeta) -> AuditContext {
    AuditContext {
        actor: audit::AuditActor {
            kind: "invitee",
            id: None,
            label: email.to_string(),
        },
        meta,
    }
}
