//! Entities: the customer organisations and the one operator entity. Operators list them with
//! their counts and create, rename, suspend and resume them (`manage`); the demo seeder and
//! `create-admin` make them with `create`.

mod manage;
mod summary;

pub use manage::{add, rename, resume, suspend, EntityForm, NAME_MAX, SLUG_MAX};
pub use summary::{is_suspended, list, Summary, UserCounts};

use super::audit::{self, AuditContext, Change};
use super::entity::entity;
use super::events::AdminEvent;
use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use serde_json::json;
use uuid::Uuid;

/// Makes an entity, with its audit row, in the caller's transaction.
pub async fn create<C: ConnectionTrait>(
    conn: &C,
    name: &str,
    slug: &str,
    is_operator: bool,
    ctx: &AuditContext,
    now: DateTime<Utc>,
) -> Result<entity::Model, DbErr> {
    create_announced(conn, name, slug, is_operator, ctx, now)
        .await
        .map(|(model, _)| model)
}

/// `create`, with the event that announces it once committed.
async fn create_announced<C: ConnectionTrait>(
    conn: &C,
    name: &str,
    slug: &str,
    is_operator: bool,
    ctx: &AuditContext,
    now: DateTime<Utc>,
) -> Result<(entity::Model, AdminEvent), DbErr> {
    let model = entity::Model {
        id: Uuid::now_v7(),
        name: name.to_string(),
        slug: slug.to_string(),
        is_operator,
        created_at: now,
    };
    entity::Entity::insert(entity::ActiveModel {
        id: Set(model.id),
        name: Set(model.name.clone()),
        slug: Set(model.slug.clone()),
        is_operator: Set(is_operator),
        created_at: Set(now),
    })
    .exec_without_returning(conn)
    .await?;
    let change = Change {
        action: "entity.created",
        entity_id: Some(model.id),
        target_kind: "entity",
        target_id: Some(model.id),
        target_label: model.name.clone(),
        before: None,
        after: Some(json!({ "name": name, "slug": slug, "is_operator": is_operator })),
    };
    let event = audit::record(conn, ctx, change, now).await?;
    Ok((model, event))
}

pub async fn find_by_slug<C: ConnectionTrait>(
    conn: &C,
    slug: &str,
) -> Result<Option<entity::Model>, DbErr> {
    entity::Entity::find()
        .filter(entity::Column::Slug.eq(slug))
        .one(conn)
        .await
}

/// The entity operators belong to, made on first use.
pub async fn operator_entity<C: ConnectionTrait>(
    conn: &C,
    ctx: &AuditContext,
    now: DateTime<Utc>,
) -> Result<entity::Model, DbErr> {
    if let Some(existing) = entity::Entity::find()
        .filter(entity::Column::IsOperator.eq(true))
        .one(conn)
        .await?
    {
        return Ok(existing);
    }
    create(conn, "Platform operators", "operators", true, ctx, now).await
}
