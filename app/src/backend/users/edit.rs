//! Edit, for admins: one transaction with its audit row (and its mail), conditional on the
//! version the admin opened; every field checked on the server, all problems at once.

use super::{changed_meanwhile, find};
use crate::backend::audit::{self, Change, RequestMeta};
use crate::backend::entity::{entity, user};
use crate::backend::error::{is_unique_violation, ServiceError};
use crate::backend::invitations::check_roles;
use crate::backend::mail::{self, templates};
use crate::backend::{roles, AppState};
use crate::backend::{sessions, Caller};
use crate::domain::{Action, Email, FieldErrors, PersonName, RoleKey, UserStatus};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde_json::json;
use uuid::Uuid;

use super::manage::contact;

#[derive(Clone, Debug, Default)]
pub struct EditForm {
    pub id: Uuid,
    /// The version the admin saw; a save over a newer one is refused.
    pub version: i32,
    pub name: String,
    pub email: String,
    pub contact_email: String,
    pub roles: Vec<String>,
    /// The admin confirmed changing the account email of an activated user.
    pub confirm_email_change: bool,
}

/// Role changes `me` may not make: granting or removing what needs more power than they have,
/// raising their own power, or removing the last active operator.
async fn check_role_change<C: ConnectionTrait>(
    conn: &C,
    me: &Caller,
    target: &user::Model,
    before: &[RoleKey],
    after: &[RoleKey],
) -> Result<(), String> {
    let added: Vec<RoleKey> = after
        .iter()
        .filter(|r| !before.contains(r))
        .cloned()
        .collect();
    let removed: Vec<RoleKey> = before
        .iter()
        .filter(|r| !after.contains(r))
        .cloned()
        .collect();
    let catalogue = &me.catalogue;
    let raises_own_power = added
        .iter()
        .filter_map(|r| catalogue.get(r))
        .any(|r| r.permissions.iter().any(|p| !me.has(*p)) || (r.is_global && !me.is_operator()));
    if target.id == me.user.id && raises_own_power {
        return Err("You cannot give yourself more power.".into());
    }
    if let Some(role) = removed
        .iter()
        .filter_map(|r| catalogue.get(r))
        .find(|r| r.needs_promote_to_grant() && !me.has(crate::domain::Permission::UsersPromote))
    {
        return Err(format!("You cannot remove the {} role.", role.name));
    }
    if removed.contains(&RoleKey::OPERATOR)
        && target.status == UserStatus::Active.as_str()
        && super::lifecycle::other_active_operators(conn, target.id)
            .await
            .map_err(|e| e.to_string())?
            == 0
    {
        return Err(
            "This is the last active operator; make someone else an operator first.".into(),
        );
    }
    Ok(())
}

pub async fn edit(
    state: &AppState,
    me: &Caller,
    form: EditForm,
    meta: RequestMeta,
    now: DateTime<Utc>,
) -> Result<user::Model, ServiceError> {
    let txn = state.db.begin().await?;
    let current = me.may_user(&txn, Action::ManageUsers, form.id).await?;
    if current.version != form.version {
        return Err(changed_meanwhile());
    }
    let entity = entity::Entity::find_by_id(current.entity_id)
        .one(&txn)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let before_roles = roles::roles_of(&txn, current.id).await?;

    let mut errors = FieldErrors::new();
    let name = errors.check("name", PersonName::parse(&form.name));
    let email = errors.check("email", Email::parse(&form.email));
    let contact_email = contact(&mut errors, &form.contact_email);
    let new_roles = errors.check(
        "roles",
        check_roles_keeping(me, &entity, &form.roles, &before_roles),
    );
    let email_changes = email
        .as_ref()
        .is_some_and(|e| e.normalized() != current.email_normalized);
    let activated = current.status != UserStatus::Pending.as_str();
    if email_changes && activated {
        if !me.is_operator() {
            errors.add(
                "email",
                "The account email of an activated user can only be changed by an operator.",
            );
        } else if !form.confirm_email_change {
            errors.add(
                "email",
                "Confirm the change: the user is signed out everywhere and both addresses are told.",
            );
        }
    }
    if let Some(roles) = &new_roles {
        if let Err(message) = check_role_change(&txn, me, &current, &before_roles, roles).await {
            errors.add("roles", message);
        }
    }
    errors.into_result()?;
    let (name, email, roles) = (
        name.expect("checked"),
        email.expect("checked"),
        new_roles.expect("checked"),
    );

    let contact_value = contact_email.map(|e| e.as_str().to_string());
    let updated = user::Entity::update_many()
        .col_expr(user::Column::Name, Expr::value(name.as_str()))
        .col_expr(
            user::Column::SortName,
            Expr::value(name.as_str().to_lowercase()),
        )
        .col_expr(user::Column::Email, Expr::value(email.as_str()))
        .col_expr(
            user::Column::EmailNormalized,
            Expr::value(email.normalized()),
        )
        .col_expr(
            user::Column::ContactEmail,
            Expr::value(contact_value.clone()),
        )
        .col_expr(user::Column::Version, Expr::value(current.version + 1))
        .col_expr(user::Column::UpdatedAt, Expr::value(now))
        .col_expr(user::Column::UpdatedBy, Expr::value(Some(me.user.id)))
        .filter(user::Column::Id.eq(current.id))
        .filter(user::Column::Version.eq(current.version))
        .exec(&txn)
        .await;
    match updated {
        Ok(r) if r.rows_affected == 1 => {}
        Ok(_) => return Err(changed_meanwhile()),
        Err(e) if is_unique_violation(&e) => {
            return Err(FieldErrors::single("email", super::DUPLICATE_EMAIL).into())
        }
        Err(e) => return Err(e.into()),
    }
    if roles != before_roles {
        roles::set_roles(&txn, current.id, &roles).await?;
    }
    let mut before = serde_json::Map::new();
    let mut after = serde_json::Map::new();
    let mut diff = |field: &str, old: serde_json::Value, new: serde_json::Value| {
        if old != new {
            before.insert(field.into(), old);
            after.insert(field.into(), new);
        }
    };
    diff("name", json!(current.name), json!(name.as_str()));
    diff("email", json!(current.email), json!(email.as_str()));
    diff(
        "contact_email",
        json!(current.contact_email),
        json!(contact_value),
    );
    fn labels(roles: &[RoleKey]) -> Vec<&str> {
        roles.iter().map(|r| r.as_str()).collect()
    }
    diff("roles", json!(labels(&before_roles)), json!(labels(&roles)));
    let mut mails = Vec::new();
    // Where non-authentication mail went before: told when that changes, so a contact address
    // cannot be moved away without its owner hearing of it.
    let previous_contact = current.contact_email.as_deref().unwrap_or(&current.email);
    let next_contact = contact_value.as_deref().unwrap_or(email.as_str());
    let contact_moves = !previous_contact.eq_ignore_ascii_case(next_contact);
    // (An account-email change tells both addresses already.)
    if contact_moves && !(email_changes && activated) {
        mails.push(templates::contact_email_changed(
            previous_contact,
            name.as_str(),
            previous_contact,
            next_contact,
        ));
    }
    if email_changes && activated {
        let ended = sessions::end_all_for_user(&txn, current.id, None).await?;
        after.insert("sessions_ended".into(), json!(ended));
        for to in [&current.email, &email.as_str().to_string()] {
            mails.push(templates::email_changed(
                to,
                name.as_str(),
                &current.email,
                email.as_str(),
            ));
        }
    }
    let change = Change::user("user.updated", &current)
        .before(before.into())
        .after(after.into());
    let event = audit::record(&txn, &me.audit(meta), change, now).await?;
    let queued = !mails.is_empty();
    mail::enqueue(&txn, mails, now).await?;
    let saved = find(&txn, current.id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    txn.commit().await?;
    state.events.publish([event]);
    if queued {
        state.outbox.wake();
    }
    Ok(saved)
}

/// The roles of the edit form: roles the user already holds may stay even when `me` could not
/// grant them (an entity admin editing a fellow Admin's name keeps their Admin role).
fn check_roles_keeping(
    me: &Caller,
    entity: &entity::Model,
    raw: &[String],
    held: &[RoleKey],
) -> Result<Vec<RoleKey>, String> {
    let named = |r: &RoleKey, name: &str| {
        r.as_str().eq_ignore_ascii_case(name.trim())
            || me.catalogue.label(r).eq_ignore_ascii_case(name.trim())
    };
    let (kept, rest): (Vec<String>, Vec<String>) = raw
        .iter()
        .cloned()
        .partition(|name| held.iter().any(|r| named(r, name)));
    let mut roles: Vec<RoleKey> = held
        .iter()
        .filter(|r| kept.iter().any(|k| named(r, k)))
        .cloned()
        .collect();
    if !rest.iter().all(|r| r.trim().is_empty()) {
        for role in check_roles(me, entity, &rest)? {
            if !roles.contains(&role) {
                roles.push(role);
            }
        }
    }
    if roles.is_empty() {
        return Err("Choose at least one role.".to_string());
    }
    roles.sort();
    Ok(roles)
}
