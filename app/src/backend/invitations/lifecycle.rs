//! Revoke, Resend and Delete. Each update is conditional on the state it was decided on, so a
//! racing Accept, Revoke or Resend finds nothing to change and is told so.

use super::*;
use crate::backend::access::{Authorized, InvitationAction};

fn transition(error: TransitionError) -> ServiceError {
    ServiceError::Conflict(error.to_string())
}

/// Revoke: pending only; the link stops working at once.
pub async fn revoke(
    state: &AppState,
    me: &Caller,
    id: Uuid,
    meta: RequestMeta,
    now: DateTime<Utc>,
) -> Result<Detail, ServiceError> {
    let txn = state.db.begin().await?;
    let inv = me
        .may_invitation(&txn, InvitationAction::Revoke, id)
        .await?
        .into_target();
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
    me: &Caller,
    id: Uuid,
    meta: RequestMeta,
    now: DateTime<Utc>,
) -> Result<Detail, ServiceError> {
    let txn = state.db.begin().await?;
    let inv = me
        .may_invitation(&txn, InvitationAction::Resend, id)
        .await?;
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
    me: &Caller,
    entity: &entity::Model,
    inv: Authorized<invitation::Model>,
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
    if meets_known_user(conn, me, inv.entity_id, &email).await? {
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
        &me.role_labels(&roles),
        &token,
        expires,
    );
    Ok((fresh, event, mail))
}

/// Delete: pending or revoked, operators only; a hard delete, kept in the audit log.
pub async fn delete(
    state: &AppState,
    me: &Caller,
    id: Uuid,
    meta: RequestMeta,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    let txn = state.db.begin().await?;
    let inv = me
        .may_invitation(&txn, InvitationAction::Delete, id)
        .await?
        .into_target();
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
