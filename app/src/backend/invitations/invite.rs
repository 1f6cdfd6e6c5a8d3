//! Invite User: one invitation, its roles, its audit row and its mail in one transaction; a
//! second pending invitation for the same email and entity is refused by the unique index and
//! offered as Resend instead.

use super::*;
use crate::backend::access::Authorized;

/// The entity an invitation goes to: the operator's choice, or the admin's own entity.
async fn target_entity<C: ConnectionTrait>(
    conn: &C,
    me: &Caller,
    chosen: Option<Uuid>,
) -> Result<Authorized<entity::Model>, ServiceError> {
    me.may_in_entity(conn, Action::SendInvitations, chosen)
        .await?
        .ok_or_else(|| FieldErrors::single("entity", "Choose the entity to invite into.").into())
}

/// Builds a fresh invitation row (status pending, a new token) and its mail.
pub(crate) fn new_invitation(
    state: &AppState,
    me: &Caller,
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
        &me.role_labels(roles),
        &token,
        model.expires_at,
    );
    (model, mail)
}

/// Invite User.
pub async fn invite(
    state: &AppState,
    me: &Caller,
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
    if meets_known_user(db.read(), me, entity.id, &email).await? {
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
        entity_name: entity.into_target().name,
        inviter_name: Some(me.user.name.clone()),
        roles,
    }))
}
