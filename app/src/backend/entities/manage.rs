//! New entity, Rename, Suspend and Resume (operators: `Entities.Manage` in the operator scope).
//! Each is one transaction with its audit row. Suspending ends every session of the entity's
//! people in the same transaction, and sign-in and every session read refuse them while the
//! suspension stands (`sessions`, `auth`); nothing of the entity is deleted.

use super::create_announced;
use crate::backend::audit::{self, Change, RequestMeta};
use crate::backend::caller::Caller;
use crate::backend::entity::{entity, entity_suspension, session, user};
use crate::backend::error::{is_unique_violation, ServiceError};
use crate::backend::events::AdminEvent;
use crate::backend::AppState;
use crate::domain::{Action, FieldErrors};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;
use uuid::Uuid;

/// The longest entity name, in characters.
pub const NAME_MAX: usize = 100;
/// The longest slug, in characters.
pub const SLUG_MAX: usize = 40;

/// New entity, as typed.
#[derive(Clone, Debug, Default)]
pub struct EntityForm {
    pub name: String,
    pub slug: String,
}

fn check_name(name: &str, errors: &mut FieldErrors) -> String {
    let name = name.trim();
    if name.is_empty() {
        errors.add("name", "Enter the entity's name.");
    } else if name.chars().count() > NAME_MAX {
        errors.add(
            "name",
            format!("Keep the name to {NAME_MAX} characters or fewer."),
        );
    } else if name.chars().any(char::is_control) {
        errors.add("name", "The name cannot contain line breaks or tabs.");
    }
    name.to_string()
}

/// A slug is what bulk CSV files name an entity by: lowercase letters, digits and hyphens.
fn check_slug(slug: &str, errors: &mut FieldErrors) -> String {
    let slug = slug.trim().to_lowercase();
    let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-';
    if slug.is_empty() {
        errors.add(
            "slug",
            "Enter a slug: the short name bulk CSV files use, like northwind.",
        );
    } else if slug.len() < 2
        || slug.chars().count() > SLUG_MAX
        || !slug.chars().all(allowed)
        || slug.starts_with('-')
        || slug.ends_with('-')
    {
        errors.add(
            "slug",
            format!(
                "Use 2 to {SLUG_MAX} lowercase letters, digits and hyphens, starting and ending with a letter or digit."
            ),
        );
    }
    slug
}

fn slug_taken() -> ServiceError {
    ServiceError::Invalid(FieldErrors::single(
        "slug",
        "Another entity already uses this slug.",
    ))
}

/// New entity. A slug already in use is a field error, also when two operators race for it.
pub async fn add(
    state: &AppState,
    me: &Caller,
    form: EntityForm,
    meta: RequestMeta,
    now: DateTime<Utc>,
) -> Result<entity::Model, ServiceError> {
    me.may_list(Action::ManageEntities, None)?;
    let mut errors = FieldErrors::new();
    let name = check_name(&form.name, &mut errors);
    let slug = check_slug(&form.slug, &mut errors);
    errors.into_result()?;
    let txn = state.db.begin().await?;
    if super::find_by_slug(&txn, &slug).await?.is_some() {
        return Err(slug_taken());
    }
    let created = create_announced(&txn, &name, &slug, false, &me.audit(meta), now).await;
    let (model, event) = match created {
        Err(e) if is_unique_violation(&e) => return Err(slug_taken()),
        other => other?,
    };
    txn.commit().await?;
    state.events.publish([event]);
    Ok(model)
}

/// Rename. The slug stays: CSV files and scripts outside Usher may name the entity by it.
pub async fn rename(
    state: &AppState,
    me: &Caller,
    id: Uuid,
    name: &str,
    meta: RequestMeta,
    now: DateTime<Utc>,
) -> Result<entity::Model, ServiceError> {
    let mut errors = FieldErrors::new();
    let name = check_name(name, &mut errors);
    let txn = state.db.begin().await?;
    let target = me.may_entity(&txn, id).await?.into_target();
    errors.into_result()?;
    if target.name == name {
        return Ok(target);
    }
    entity::Entity::update_many()
        .col_expr(entity::Column::Name, Expr::value(name.clone()))
        .filter(entity::Column::Id.eq(id))
        .exec(&txn)
        .await?;
    let event = audit::record(
        &txn,
        &me.audit(meta),
        change("entity.renamed", &target, &name)
            .before(json!({ "name": target.name }))
            .after(json!({ "name": name })),
        now,
    )
    .await?;
    txn.commit().await?;
    state.events.publish([event]);
    Ok(entity::Model { name, ..target })
}

/// Suspend: nobody of the entity can sign in, and every session of its people ends now.
/// Returns how many sessions ended. The operator entity cannot be suspended.
pub async fn suspend(
    state: &AppState,
    me: &Caller,
    id: Uuid,
    meta: RequestMeta,
    now: DateTime<Utc>,
) -> Result<(entity::Model, u64), ServiceError> {
    let txn = state.db.begin().await?;
    let target = me.may_entity(&txn, id).await?.into_target();
    if target.is_operator {
        return Err(ServiceError::Conflict(
            "The operator entity cannot be suspended: nobody could manage Usher any more.".into(),
        ));
    }
    let already = || ServiceError::Conflict(format!("{} is already suspended.", target.name));
    if super::is_suspended(&txn, id).await? {
        return Err(already());
    }
    let inserted = entity_suspension::Entity::insert(entity_suspension::ActiveModel {
        entity_id: Set(id),
        suspended_at: Set(now),
        suspended_by: Set(me.user.name.clone()),
    })
    .exec_without_returning(&txn)
    .await;
    match inserted {
        Err(e) if is_unique_violation(&e) => return Err(already()),
        other => other?,
    };
    let people = Query::select()
        .column(user::Column::Id)
        .from(user::Entity)
        .and_where(user::Column::EntityId.eq(id))
        .take();
    let ended = session::Entity::delete_many()
        .filter(session::Column::UserId.in_subquery(people))
        .exec(&txn)
        .await?
        .rows_affected;
    let event = audit::record(
        &txn,
        &me.audit(meta),
        change("entity.suspended", &target, &target.name)
            .before(json!({ "status": "active" }))
            .after(json!({ "status": "suspended", "sessions_ended": ended })),
        now,
    )
    .await?;
    txn.commit().await?;
    state.events.publish([event]);
    Ok((target, ended))
}

/// Resume: the entity's people can sign in again.
pub async fn resume(
    state: &AppState,
    me: &Caller,
    id: Uuid,
    meta: RequestMeta,
    now: DateTime<Utc>,
) -> Result<entity::Model, ServiceError> {
    let txn = state.db.begin().await?;
    let target = me.may_entity(&txn, id).await?.into_target();
    let removed = entity_suspension::Entity::delete_by_id(id)
        .exec(&txn)
        .await?
        .rows_affected;
    if removed == 0 {
        return Err(ServiceError::Conflict(format!(
            "{} is not suspended.",
            target.name
        )));
    }
    let event: AdminEvent = audit::record(
        &txn,
        &me.audit(meta),
        change("entity.resumed", &target, &target.name)
            .before(json!({ "status": "suspended" }))
            .after(json!({ "status": "active" })),
        now,
    )
    .await?;
    txn.commit().await?;
    state.events.publish([event]);
    Ok(target)
}

fn change(action: &'static str, target: &entity::Model, label: &str) -> Change {
    Change {
        action,
        entity_id: Some(target.id),
        target_kind: "entity",
        target_id: Some(target.id),
        target_label: label.to_string(),
        before: None,
        after: None,
    }
}
