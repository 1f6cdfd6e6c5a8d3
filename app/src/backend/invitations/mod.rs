//! Invitations: Invite User, Revoke, Resend, Delete (here), the list (`listing`), accepting a link
//! (`accept`) and bulk invite from CSV (`bulk`). Each change is one transaction holding the
//! invitation, its audit row and its outbox mail; the admin event leaves after the commit.
//! Races are settled by the database: a partial unique index allows one pending invitation per
//! entity and email, and every update is conditional on the state it was decided on.

pub mod accept;
pub mod bulk;
pub mod listing;

use super::audit::{self, AuditContext, Change, RequestMeta};
use super::entity::{entity, invitation, invitation_role};
use super::error::{is_unique_violation, ServiceError};
use super::events::AdminEvent;
use super::mail::{self, templates, Mail};
use super::secrets::new_token;
use super::sessions::SessionUser;
use super::{users, AppState};
use crate::domain::invitation::{decide, effective_status, Command, Outcome, TransitionError};
use crate::domain::{
    authorize, grantable_roles, Action, Email, EntityId, FieldErrors, InvitationStatus, RoleKey,
};
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
    let stored = InvitationStatus::parse(&inv.status).unwrap_or(InvitationStatus::Revoked);
    effective_status(stored, inv.expires_at, now)
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

/// The link in the email. The token travels in the fragment, which browsers never send to a
/// server, so it cannot end up in any access log or Referer header.
pub fn accept_link(public_url: &str, token: &str) -> String {
    format!("{public_url}/accept-invitation#token={token}")
}

fn transition(error: TransitionError) -> ServiceError {
    ServiceError::Conflict(error.to_string())
}

pub(crate) async fn find_entity<C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
) -> Result<Option<entity::Model>, DbErr> {
    entity::Entity::find_by_id(id).one(conn).await
}

/// The roles of the form, checked against what `me` may grant in `entity`.
pub(crate) fn check_roles(
    me: &SessionUser,
    entity: &entity::Model,
    raw: &[String],
) -> Result<Vec<RoleKey>, String> {
    let allowed = grantable_roles(&me.actor, entity.is_operator);
    let mut roles = Vec::new();
    for name in raw.iter().map(|r| r.trim()).filter(|r| !r.is_empty()) {
        let role = RoleKey::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(name) || k.label().eq_ignore_ascii_case(name))
            .ok_or_else(|| {
                format!(
                    "“{name}” is not a role. Use Trader, Market Maker, Credit Officer or Admin."
                )
            })?;
        if !allowed.contains(&role) {
            return Err(if role.is_global() && !entity.is_operator {
                "The Operator role can only be granted in the operator entity.".to_string()
            } else {
                format!("You cannot grant the {} role.", role.label())
            });
        }
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

/// The entity an invitation goes to: the operator's choice, or the admin's own entity.
async fn target_entity<C: ConnectionTrait>(
    conn: &C,
    me: &SessionUser,
    chosen: Option<Uuid>,
) -> Result<entity::Model, ServiceError> {
    let id = match chosen {
        Some(id) => id,
        None if me.actor.operator => {
            return Err(FieldErrors::single("entity", "Choose the entity to invite into.").into())
        }
        None => me.entity.id,
    };
    authorize(&me.actor, Action::SendInvitations, Some(EntityId(id)))?;
    find_entity(conn, id).await?.ok_or(ServiceError::NotFound)
}

pub(crate) fn invitation_mail(
    state: &AppState,
    email: &str,
    entity: &str,
    inviter: &str,
    roles: &[RoleKey],
    token: &str,
    expires_at: DateTime<Utc>,
) -> Mail {
    let labels: Vec<&str> = roles.iter().map(|r| r.label()).collect();
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

/// Builds a fresh invitation row (status pending, a new token) and its mail.
pub(crate) fn new_invitation(
    state: &AppState,
    me: &SessionUser,
    entity: &entity::Model,
    email: &Email,
    roles: &[RoleKey],
    now: DateTime<Utc>,
) -> (invitation::Model, Mail) {
    let (token, token_hash) = new_token();
    let model = invitation::Model {
        id: Uuid::now_v7(),
        entity_id: entity.id,
        email: email.as_str().to_string(),
        email_normalized: email.normalized().to_string(),
        status: InvitationStatus::Pending.as_str().to_string(),
        token_hash,
        expires_at: now + crate::domain::invitation::VALIDITY,
        sent_count: 1,
        last_sent_at: now,
        invited_by: Some(me.user.id),
        accepted_user_id: None,
        created_at: now,
        updated_at: now,
        version: 1,
    };
    let mail = invitation_mail(
        state,
        email.as_str(),
        &entity.name,
        &me.user.name,
        roles,
        &token,
        model.expires_at,
    );
    (model, mail)
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

/// Invite User.
pub async fn invite(
    state: &AppState,
    me: &SessionUser,
    form: InviteForm,
    meta: RequestMeta,
    now: DateTime<Utc>,
) -> Result<Invited, ServiceError> {
    let db = &state.db;
    let mut errors = FieldErrors::new();
    let email = errors.check("email", Email::parse(&form.email));
    let entity = match target_entity(db.read(), me, form.entity_id).await {
        Ok(entity) => Some(entity),
        Err(ServiceError::Invalid(e)) => {
            errors.0.extend(e.0);
            None
        }
        Err(other) => return Err(other),
    };
    let roles = match &entity {
        Some(entity) => errors.check("roles", check_roles(me, entity, &form.roles)),
        // Without an entity the roles cannot be checked in full, but an empty choice can.
        None if form.roles.iter().all(|r| r.trim().is_empty()) => {
            errors.add("roles", "Choose at least one role.");
            None
        }
        None => None,
    };
    errors.into_result()?;
    let (email, entity, roles) = (
        email.expect("checked"),
        entity.expect("checked"),
        roles.expect("checked"),
    );
    if users::find_by_email(db.read(), &email).await?.is_some() {
        return Err(FieldErrors::single("email", ALREADY_A_USER).into());
    }

    let (model, mail) = new_invitation(state, me, &entity, &email, &roles, now);
    let txn = db.begin().await?;
    match invitation::Entity::insert(active(model.clone()))
        .exec_without_returning(&txn)
        .await
    {
        Ok(_) => {}
        Err(e) if is_unique_violation(&e) => {
            txn.rollback().await?;
            let existing = find_pending(db.read(), entity.id, &email)
                .await?
                .ok_or_else(|| {
                    ServiceError::Conflict("The invitation changed meanwhile.".into())
                })?;
            return Ok(Invited::AlreadyPending(
                listing::detail(db.read(), existing).await?,
            ));
        }
        Err(e) => return Err(e.into()),
    }
    invitation_role::Entity::insert_many(role_rows(model.id, &roles))
        .exec_without_returning(&txn)
        .await?;
    let ctx = me.audit(meta);
    let event = audit::record(
        &txn,
        &ctx,
        change("invitation.created", &model).after(snapshot(&model, &roles)),
        now,
    )
    .await?;
    mail::enqueue(&txn, vec![mail], now).await?;
    txn.commit().await?;
    after_commit(state, vec![event], true);
    Ok(Invited::Created(Detail {
        invitation: model,
        entity_name: entity.name,
        inviter_name: Some(me.user.name.clone()),
        roles,
    }))
}

/// Loads an invitation the actor may act on; another entity's reads as not found.
async fn load_for<C: ConnectionTrait>(
    conn: &C,
    me: &SessionUser,
    action: Action,
    id: Uuid,
) -> Result<invitation::Model, ServiceError> {
    let inv = invitation::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(ServiceError::NotFound)?;
    authorize(&me.actor, action, Some(EntityId(inv.entity_id)))?;
    Ok(inv)
}

async fn roles_of<C: ConnectionTrait>(conn: &C, id: Uuid) -> Result<Vec<RoleKey>, DbErr> {
    Ok(listing::roles_by_invitation(conn, &[id])
        .await?
        .remove(&id)
        .unwrap_or_default())
}

/// Revoke: pending only; the link stops working at once.
pub async fn revoke(
    state: &AppState,
    me: &SessionUser,
    id: Uuid,
    meta: RequestMeta,
    now: DateTime<Utc>,
) -> Result<Detail, ServiceError> {
    let txn = state.db.begin().await?;
    let inv = load_for(&txn, me, Action::SendInvitations, id).await?;
    decide(stored(&inv), inv.expires_at, Command::Revoke, now).map_err(transition)?;
    let updated = invitation::Entity::update_many()
        .col_expr(invitation::Column::Status, Expr::value("revoked"))
        .col_expr(invitation::Column::UpdatedAt, Expr::value(now))
        .col_expr(
            invitation::Column::Version,
            Expr::col(invitation::Column::Version).add(1),
        )
        .filter(invitation::Column::Id.eq(id))
        .filter(invitation::Column::Status.eq("pending"))
        .filter(invitation::Column::ExpiresAt.gt(now))
        .exec(&txn)
        .await?;
    if updated.rows_affected != 1 {
        return Err(ServiceError::Conflict(
            "The invitation was accepted or changed meanwhile.".into(),
        ));
    }
    let event = audit::record(
        &txn,
        &me.audit(meta),
        change("invitation.revoked", &inv)
            .before(json!({ "status": "pending" }))
            .after(json!({ "status": "revoked" })),
        now,
    )
    .await?;
    let fresh = reload(&txn, id).await?;
    txn.commit().await?;
    after_commit(state, vec![event], false);
    listing::detail(state.db.read(), fresh)
        .await
        .map_err(Into::into)
}

fn stored(inv: &invitation::Model) -> InvitationStatus {
    InvitationStatus::parse(&inv.status).unwrap_or(InvitationStatus::Revoked)
}

async fn reload<C: ConnectionTrait>(conn: &C, id: Uuid) -> Result<invitation::Model, ServiceError> {
    invitation::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(ServiceError::NotFound)
}

/// Resend: a new token (the old link dies), a fresh 7 days, revoked back to pending, the email
/// again. Always the same record.
pub async fn resend(
    state: &AppState,
    me: &SessionUser,
    id: Uuid,
    meta: RequestMeta,
    now: DateTime<Utc>,
) -> Result<Detail, ServiceError> {
    let txn = state.db.begin().await?;
    let inv = load_for(&txn, me, Action::SendInvitations, id).await?;
    let entity = find_entity(&txn, inv.entity_id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let (fresh, event, mail) =
        resend_on(&txn, state, me, &entity, inv, &me.audit(meta), now).await?;
    mail::enqueue(&txn, vec![mail], now).await?;
    txn.commit().await?;
    after_commit(state, vec![event], true);
    listing::detail(state.db.read(), fresh)
        .await
        .map_err(Into::into)
}

/// Resend inside the caller's transaction (Resend, and bulk invite meeting a pending invitation):
/// the refreshed invitation, its event and its mail.
pub(crate) async fn resend_on<C: ConnectionTrait>(
    conn: &C,
    state: &AppState,
    me: &SessionUser,
    entity: &entity::Model,
    inv: invitation::Model,
    ctx: &AuditContext,
    now: DateTime<Utc>,
) -> Result<(invitation::Model, AdminEvent, Mail), ServiceError> {
    let Outcome::Store {
        new_expiry: Some(expires),
        ..
    } = decide(stored(&inv), inv.expires_at, Command::Resend, now).map_err(transition)?
    else {
        return Err(ServiceError::Internal(
            "resend decided without an expiry".into(),
        ));
    };
    let email = Email::parse(&inv.email).map_err(|e| ServiceError::Internal(e.to_string()))?;
    if users::find_by_email(conn, &email).await?.is_some() {
        return Err(ServiceError::Conflict(ALREADY_A_USER.into()));
    }
    let roles = roles_of(conn, inv.id).await?;
    let (token, token_hash) = new_token();
    // Conditional on the version it was decided on: of two Resends at once, one wins and the
    // other is told; either way exactly one token is live.
    let updated = invitation::Entity::update_many()
        .col_expr(invitation::Column::Status, Expr::value("pending"))
        .col_expr(invitation::Column::TokenHash, Expr::value(token_hash))
        .col_expr(invitation::Column::ExpiresAt, Expr::value(expires))
        .col_expr(
            invitation::Column::SentCount,
            Expr::col(invitation::Column::SentCount).add(1),
        )
        .col_expr(invitation::Column::LastSentAt, Expr::value(now))
        .col_expr(invitation::Column::UpdatedAt, Expr::value(now))
        .col_expr(
            invitation::Column::Version,
            Expr::col(invitation::Column::Version).add(1),
        )
        .filter(invitation::Column::Id.eq(inv.id))
        .filter(invitation::Column::Version.eq(inv.version))
        .exec(conn)
        .await;
    match updated {
        Ok(done) if done.rows_affected == 1 => {}
        Ok(_) => {
            return Err(ServiceError::Conflict(
                "The invitation changed meanwhile.".into(),
            ))
        }
        Err(e) if is_unique_violation(&e) => {
            return Err(ServiceError::Conflict(
                "Another pending invitation for this email exists in this entity; resend that one."
                    .into(),
            ))
        }
        Err(e) => return Err(e.into()),
    }
    let fresh = reload(conn, inv.id).await?;
    let event = audit::record(
        conn,
        ctx,
        change("invitation.resent", &inv)
            .before(snapshot(&inv, &roles))
            .after(snapshot(&fresh, &roles)),
        now,
    )
    .await?;
    let mail = invitation_mail(
        state,
        &inv.email,
        &entity.name,
        &me.user.name,
        &roles,
        &token,
        expires,
    );
    Ok((fresh, event, mail))
}

/// Delete: pending or revoked, operators only; a hard delete, kept in the audit log.
pub async fn delete(
    state: &AppState,
    me: &SessionUser,
    id: Uuid,
    meta: RequestMeta,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    let txn = state.db.begin().await?;
    let inv = load_for(&txn, me, Action::DeleteInvitation, id).await?;
    decide(stored(&inv), inv.expires_at, Command::Delete, now).map_err(transition)?;
    let roles = roles_of(&txn, id).await?;
    invitation_role::Entity::delete_many()
        .filter(invitation_role::Column::InvitationId.eq(id))
        .exec(&txn)
        .await?;
    let deleted = invitation::Entity::delete_many()
        .filter(invitation::Column::Id.eq(id))
        .filter(invitation::Column::Status.is_in(["pending", "revoked"]))
        .exec(&txn)
        .await?;
    if deleted.rows_affected != 1 {
        return Err(ServiceError::Conflict(
            "The invitation was accepted or changed meanwhile.".into(),
        ));
    }
    let event = audit::record(
        &txn,
        &me.audit(meta),
        change("invitation.deleted", &inv).before(snapshot(&inv, &roles)),
        now,
    )
    .await?;
    txn.commit().await?;
    after_commit(state, vec![event], false);
    Ok(())
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
