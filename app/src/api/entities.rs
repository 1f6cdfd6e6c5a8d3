//! Server functions of the Entities page (operators): the table, New entity, Rename, Suspend
//! and Resume. Each action answers with the sentence the page shows; the page then reads the
//! table again, so its counts are fresh.

use super::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// One row of the Entities table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntityRow {
    pub id: Uuid,
    pub name: String,
    pub slug: String,
    pub is_operator: bool,
    /// "Suspended 4 Dec 2026, 14:05 UTC by Olivia Operator"; empty while active.
    pub suspended: String,
    pub active: u64,
    pub pending: u64,
    pub inactive: u64,
    pub deleted: u64,
    pub pending_invitations: u64,
    pub admins: u64,
    pub created: String,
}

/// An entity's page: its row, and what happened in it lately.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntityDetail {
    pub row: EntityRow,
    /// The latest events of the entity, newest first.
    pub activity: Vec<super::audit::AuditLine>,
}

/// Events an entity's page shows; the audit log has the rest.
pub const ACTIVITY: u64 = 10;

#[cfg(feature = "ssr")]
fn row_of(s: crate::backend::entities::Summary) -> EntityRow {
    use super::time;
    EntityRow {
        id: s.entity.id,
        name: s.entity.name,
        slug: s.entity.slug,
        is_operator: s.entity.is_operator,
        suspended: s
            .suspension
            .map(|x| {
                format!(
                    "Suspended {} by {}",
                    time::when(x.suspended_at),
                    x.suspended_by
                )
            })
            .unwrap_or_default(),
        active: s.users.active,
        pending: s.users.pending,
        inactive: s.users.inactive,
        deleted: s.users.deleted,
        pending_invitations: s.pending_invitations,
        admins: s.admins,
        created: time::when(s.entity.created_at),
    }
}

#[server(prefix = "/api", endpoint = "list_entities")]
pub async fn list_entities() -> Result<Vec<EntityRow>, AppError> {
    use super::context;
    use crate::backend::entities;
    use crate::domain::Action;
    let (state, me) = context::require_session().await?;
    let allowed = me.may_list(Action::ManageEntities, None)?;
    let rows = entities::list(state.db.read(), &allowed, context::now()).await?;
    Ok(rows.into_iter().map(row_of).collect())
}

#[server(prefix = "/api", endpoint = "get_entity", input = Json)]
pub async fn get_entity(id: Uuid) -> Result<EntityDetail, AppError> {
    use super::context;
    use crate::backend::{audit_log, entities};
    use crate::domain::Action;
    let (state, me) = context::require_session().await?;
    let db = state.db.read();
    me.may_entity(db, id).await?;
    let allowed = me.may_list(Action::ManageEntities, None)?;
    let row = entities::list(db, &allowed, context::now())
        .await?
        .into_iter()
        .find(|s| s.entity.id == id)
        .ok_or(AppError::NotFound)?;
    let in_entity = me.may_list(Action::ReadAudit, Some(id))?;
    let filter = audit_log::Filter {
        limit: ACTIVITY,
        ..Default::default()
    };
    let page = audit_log::list(db, &in_entity, &filter).await?;
    Ok(EntityDetail {
        row: row_of(row),
        activity: page
            .rows
            .iter()
            .map(|e| super::audit::render::line(e, &page.names))
            .collect(),
    })
}

#[server(prefix = "/api", endpoint = "create_entity", input = Json)]
pub async fn create_entity(name: String, slug: String) -> Result<String, AppError> {
    use super::context;
    use crate::backend::entities::{self, EntityForm};
    let (state, me) = context::require_session().await?;
    let form = EntityForm { name, slug };
    let made = entities::add(&state, &me, form, context::meta(), context::now()).await?;
    Ok(format!("{} created (slug {}).", made.name, made.slug))
}

#[server(prefix = "/api", endpoint = "rename_entity", input = Json)]
pub async fn rename_entity(id: Uuid, name: String) -> Result<String, AppError> {
    use super::context;
    let (state, me) = context::require_session().await?;
    let now = context::now();
    let renamed =
        crate::backend::entities::rename(&state, &me, id, &name, context::meta(), now).await?;
    Ok(format!("Renamed to {}.", renamed.name))
}

#[server(prefix = "/api", endpoint = "suspend_entity", input = Json)]
pub async fn suspend_entity(id: Uuid) -> Result<String, AppError> {
    use super::context;
    let (state, me) = context::require_session().await?;
    let now = context::now();
    let (entity, ended) =
        crate::backend::entities::suspend(&state, &me, id, context::meta(), now).await?;
    let sessions = match ended {
        0 => "Nobody was signed in.".to_string(),
        1 => "1 open session was ended.".to_string(),
        n => format!("{n} open sessions were ended."),
    };
    Ok(format!(
        "{} is suspended: its people cannot sign in until it is resumed. {sessions}",
        entity.name
    ))
}

#[server(prefix = "/api", endpoint = "resume_entity", input = Json)]
pub async fn resume_entity(id: Uuid) -> Result<String, AppError> {
    use super::context;
    let (state, me) = context::require_session().await?;
    let now = context::now();
    let entity = crate::backend::entities::resume(&state, &me, id, context::meta(), now).await?;
    Ok(format!(
        "{} is active again: its people can sign in.",
        entity.name
    ))
}
