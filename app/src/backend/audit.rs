//! The append-only audit log. `record` is called inside the transaction of the change it records,
//! so an event exists exactly when its change does. It is also the single place where admin
//! events will be published to live subscribers.

use super::entity::{audit_event, user};
use super::events::AdminEvent;
use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, ConnectionTrait, DbErr, EntityTrait};
use serde_json::Value;
use uuid::Uuid;

/// Who did it.
#[derive(Clone, Debug)]
pub struct AuditActor {
    pub kind: &'static str,
    pub id: Option<Uuid>,
    pub label: String,
}

impl AuditActor {
    pub fn system(label: &str) -> Self {
        Self {
            kind: "system",
            id: None,
            label: label.to_string(),
        }
    }

    pub fn user(id: Uuid, label: &str) -> Self {
        Self {
            kind: "user",
            id: Some(id),
            label: label.to_string(),
        }
    }
}

/// Where the request came from.
#[derive(Clone, Debug, Default)]
pub struct RequestMeta {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub request_id: Option<String>,
}

#[derive(Clone, Debug)]
pub struct AuditContext {
    pub actor: AuditActor,
    pub meta: RequestMeta,
}

impl AuditContext {
    pub fn system(label: &str) -> Self {
        Self {
            actor: AuditActor::system(label),
            meta: RequestMeta::default(),
        }
    }
}

/// One change, as the log shows it.
#[derive(Clone, Debug)]
pub struct Change {
    pub action: &'static str,
    pub entity_id: Option<Uuid>,
    pub target_kind: &'static str,
    pub target_id: Option<Uuid>,
    pub target_label: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

impl Change {
    /// A change to one user, labelled with their account email.
    pub fn user(action: &'static str, user: &user::Model) -> Self {
        Self {
            action,
            entity_id: Some(user.entity_id),
            target_kind: "user",
            target_id: Some(user.id),
            target_label: user.email.clone(),
            before: None,
            after: None,
        }
    }

    /// A change to the caller's own account.
    pub fn caller(action: &'static str, me: &super::caller::Caller) -> Self {
        Self {
            action,
            entity_id: Some(me.user.entity_id),
            target_kind: "user",
            target_id: Some(me.user.id),
            target_label: me.user.email.clone(),
            before: None,
            after: None,
        }
    }

    pub fn before(mut self, before: Value) -> Self {
        self.before = Some(before);
        self
    }

    pub fn after(mut self, after: Value) -> Self {
        self.after = Some(after);
        self
    }
}

impl Change {
    /// The admin event that announces this change (audit row `id`) once it has committed.
    pub fn event(&self, id: Uuid, actor: &AuditActor, now: DateTime<Utc>) -> AdminEvent {
        AdminEvent {
            id,
            actor_id: actor.id,
            action: self.action.to_string(),
            entity_id: self.entity_id,
            target_kind: self.target_kind.to_string(),
            target_id: self.target_id,
            at: now,
        }
    }
}

fn row(
    ctx: &AuditContext,
    change: Change,
    id: Uuid,
    now: DateTime<Utc>,
) -> audit_event::ActiveModel {
    audit_event::ActiveModel {
        id: Set(id),
        at: Set(now),
        actor_kind: Set(ctx.actor.kind.to_string()),
        actor_id: Set(ctx.actor.id),
        actor_label: Set(ctx.actor.label.clone()),
        entity_id: Set(change.entity_id),
        action: Set(change.action.to_string()),
        target_kind: Set(change.target_kind.to_string()),
        target_id: Set(change.target_id),
        target_label: Set(change.target_label),
        before: Set(change.before.map(|v| v.to_string())),
        after: Set(change.after.map(|v| v.to_string())),
        ip: Set(ctx.meta.ip.clone()),
        request_id: Set(ctx.meta.request_id.clone()),
    }
}

/// The latest events about one target (a user's audit trail), newest first.
pub async fn for_target<C: ConnectionTrait>(
    conn: &C,
    target_id: Uuid,
    limit: u64,
) -> Result<Vec<audit_event::Model>, DbErr> {
    use sea_orm::{ColumnTrait, QueryFilter, QueryOrder, QuerySelect};
    audit_event::Entity::find()
        .filter(audit_event::Column::TargetId.eq(target_id))
        .order_by_desc(audit_event::Column::At)
        .order_by_desc(audit_event::Column::Id)
        .limit(limit)
        .all(conn)
        .await
}

/// Writes the audit row of `change` in the caller's transaction and returns the event to publish
/// after it commits.
pub async fn record<C: ConnectionTrait>(
    conn: &C,
    ctx: &AuditContext,
    change: Change,
    now: DateTime<Utc>,
) -> Result<AdminEvent, DbErr> {
    let id = Uuid::now_v7();
    let event = change.event(id, &ctx.actor, now);
    audit_event::Entity::insert(row(ctx, change, id, now))
        .exec_without_returning(conn)
        .await?;
    super::events::notify(conn, std::slice::from_ref(&event)).await?;
    Ok(event)
}

/// `record` for many changes in one statement (bulk work).
pub async fn record_many<C: ConnectionTrait>(
    conn: &C,
    ctx: &AuditContext,
    changes: Vec<Change>,
    now: DateTime<Utc>,
) -> Result<Vec<AdminEvent>, DbErr> {
    if changes.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<Uuid> = changes.iter().map(|_| Uuid::now_v7()).collect();
    let events: Vec<AdminEvent> = changes
        .iter()
        .zip(&ids)
        .map(|(c, id)| c.event(*id, &ctx.actor, now))
        .collect();
    let rows: Vec<_> = changes
        .into_iter()
        .zip(ids)
        .map(|(c, id)| row(ctx, c, id, now))
        .collect();
    audit_event::Entity::insert_many(rows)
        .exec_without_returning(conn)
        .await?;
    super::events::notify(conn, &events).await?;
    Ok(events)
}
