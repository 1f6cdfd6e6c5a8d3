//! Server functions of a user's page: the user with their sessions and audit trail, and ending
//! their sessions.

use super::audit::AuditLine;
use super::directory::DirectoryRow;
use super::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Everything the user page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserDetail {
    pub row: DirectoryRow,
    /// Empty when mail goes to the account email.
    pub contact_email: String,
    pub created: String,
    pub updated: String,
    pub sessions: Vec<super::account::SessionView>,
    pub can_end_sessions: bool,
    pub audit: Vec<AuditLine>,
}

#[server(prefix = "/api", endpoint = "get_user")]
pub async fn get_user(id: Uuid) -> Result<UserDetail, AppError> {
    use super::account::{describe_user_agent, SessionView};
    use super::context;
    use super::time::when;
    use crate::backend::{audit, directory, roles, sessions};
    use crate::domain::Action;
    let (state, me) = context::require_session().await?;
    let now = context::now();
    let db = state.db.read();
    let user = me.may_user(db, Action::ReadUsers, id).await?.into_target();
    let held = roles::roles_of(db, id).await?;
    let entity = directory::entity_name(db, user.entity_id).await?;
    let can_end_sessions = me.can_act_on(Action::ManageUsers, &user, &held);
    let sessions = sessions::list_for_user(db, id, &state.config, now)
        .await?
        .into_iter()
        .map(|s| SessionView {
            id: s.id,
            browser: describe_user_agent(s.user_agent.as_deref().unwrap_or("")),
            ip: s.ip.unwrap_or_else(|| "unknown".into()),
            created: when(s.created_at),
            last_seen: when(s.last_seen_at),
            current: s.id == me.session_id,
        })
        .collect();
    let events = audit::for_target(db, id, 50).await?;
    let names = crate::backend::audit_log::names_of(db, &events).await?;
    let audit = events
        .iter()
        .map(|e| super::audit::render::line(e, &names))
        .collect();
    Ok(UserDetail {
        contact_email: user.contact_email.clone().unwrap_or_default(),
        created: when(user.created_at),
        updated: when(user.updated_at),
        row: super::directory::convert::user_row(&me, &user, entity, &held, now),
        sessions,
        can_end_sessions,
        audit,
    })
}

/// End session (`session` given) or End all, for an admin on the user's page.
#[server(prefix = "/api", endpoint = "end_user_sessions")]
pub async fn end_user_sessions(user: Uuid, session: Option<Uuid>) -> Result<u64, AppError> {
    use super::context;
    let (state, me) = context::require_session().await?;
    Ok(crate::backend::sessions::end_for_user(
        &state,
        &me,
        user,
        session,
        context::meta(),
        context::now(),
    )
    .await?)
}
