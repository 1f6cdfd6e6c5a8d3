//! The audit log as people read it: each event a sentence ("Nadia Admin deactivated Theo
//! Trader"), the fields it changed ("Status: Active → Inactive"), when, from which address and
//! under which request id. The Audit log page and a user's trail share this rendering.

use super::directory::DirectoryChoices;
use super::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// One event, rendered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditLine {
    pub id: Uuid,
    pub at: String,
    pub sentence: String,
    /// What changed, one field a line: "Status: Active → Inactive".
    pub changes: Vec<String>,
    /// "127.0.0.1 · request 0193…", or empty.
    pub origin: String,
}

/// The actions the log can be filtered by, as (name, label), in the order the filter offers.
pub const ACTIONS: [(&str, &str); 28] = [
    ("user.created", "User created"),
    ("user.updated", "User edited"),
    ("user.deactivated", "User deactivated"),
    ("user.reactivated", "User reactivated"),
    ("user.deleted", "User deleted"),
    ("user.restored", "User restored"),
    ("user.purged", "User deleted permanently"),
    ("user.status_changed", "Status changed"),
    ("user.signed_in", "Signed in"),
    ("user.signed_out", "Signed out"),
    ("user.password_changed", "Password changed"),
    ("user.password_reset", "Password reset"),
    ("user.password_reset_sent", "Reset link sent"),
    ("user.password_reset_requested", "Reset link asked for"),
    ("session.ended", "Session ended"),
    ("sessions.ended_all", "All sessions ended"),
    ("invitation.created", "Invitation sent"),
    ("invitation.resent", "Invitation resent"),
    ("invitation.revoked", "Invitation revoked"),
    ("invitation.deleted", "Invitation deleted"),
    ("invitation.accepted", "Invitation accepted"),
    ("entity.created", "Entity created"),
    ("entity.renamed", "Entity renamed"),
    ("entity.suspended", "Entity suspended"),
    ("entity.resumed", "Entity resumed"),
    ("role.created", "Role created"),
    ("role.updated", "Role edited"),
    ("role.deleted", "Role deleted"),
];

/// What the Audit log page asks for, as its URL carries it (a missing one is empty).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct AuditQuery {
    /// The account email of who acted.
    pub actor: String,
    pub action: String,
    /// The account email of the user the event is about, or any target's id.
    pub target: String,
    pub entity: String,
    /// `YYYY-MM-DD`, UTC, inclusive.
    pub from: String,
    /// `YYYY-MM-DD`, UTC, inclusive.
    pub to: String,
    pub after: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    pub lines: Vec<AuditLine>,
    pub next: Option<String>,
    /// How many events the pages before this one showed.
    pub offset: u64,
}

/// The entity filter's choices (operators choose; entity admins see their own).
#[server(prefix = "/api", endpoint = "audit_options")]
pub async fn audit_options() -> Result<DirectoryChoices, AppError> {
    let choices = super::invitations::entity_choices(crate::domain::Action::ReadAudit).await?;
    Ok(DirectoryChoices {
        choose_entity: choices.choose_entity,
        entities: choices
            .entities
            .into_iter()
            .map(|e| super::directory::EntityChoice {
                id: e.id,
                name: e.name,
            })
            .collect(),
    })
}

/// What a query asks for, checked: the scope the caller may read and the filter, or `None` when
/// it names a person with no account (who has no events; nothing more is said). The page and
/// the CSV export share it.
#[cfg(feature = "ssr")]
pub async fn filter_of(
    db: &sea_orm::DatabaseConnection,
    me: &crate::backend::Caller,
    query: &AuditQuery,
) -> Result<
    Option<(
        crate::backend::access::Authorized<crate::backend::access::Scope>,
        crate::backend::audit_log::Filter,
    )>,
    crate::backend::ServiceError,
> {
    use crate::backend::audit_log::Filter;
    use crate::backend::invitations::listing::Cursor;
    use crate::domain::{Action, FieldErrors};
    let allowed = me.may_list(Action::ReadAudit, Uuid::parse_str(query.entity.trim()).ok())?;
    let mut errors = FieldErrors::new();
    let from = render::day(&query.from, "from", &mut errors);
    let to = render::day(&query.to, "to", &mut errors);
    if let (Some(from), Some(to)) = (from, to) {
        if to < from {
            errors.add("to", "The end comes before the start.");
        }
    }
    let actor = render::person(db, &query.actor, "actor", &mut errors).await?;
    let target = render::person(db, &query.target, "target", &mut errors).await?;
    let action = query.action.trim();
    if !action.is_empty() && !ACTIONS.iter().any(|(name, _)| *name == action) {
        errors.add("action", "Choose an action from the list.");
    }
    errors.into_result()?;
    if matches!(actor, Some(None)) || matches!(target, Some(None)) {
        return Ok(None);
    }
    let filter = Filter {
        actor: actor.flatten(),
        action: (!action.is_empty()).then(|| action.to_string()),
        target: target.flatten(),
        from: from
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|t| t.and_utc()),
        until: to
            .and_then(|d| d.succ_opt()?.and_hms_opt(0, 0, 0))
            .map(|t| t.and_utc()),
        after: Cursor::decode(&query.after),
        limit: 50,
    };
    Ok(Some((allowed, filter)))
}

#[server(prefix = "/api", endpoint = "list_audit", input = Json)]
pub async fn list_audit(query: AuditQuery) -> Result<AuditPage, AppError> {
    use super::context;
    use crate::backend::audit_log;
    let (state, me) = context::require_session().await?;
    let db = state.db.read();
    let offset =
        crate::backend::invitations::listing::Cursor::decode(&query.after).map_or(0, |c| c.shown);
    let Some((allowed, filter)) = filter_of(db, &me, &query).await? else {
        return Ok(AuditPage {
            lines: Vec::new(),
            next: None,
            offset,
        });
    };
    let page = audit_log::list(db, &allowed, &filter).await?;
    Ok(AuditPage {
        lines: page
            .rows
            .iter()
            .map(|e| render::line(e, &page.names))
            .collect(),
        next: page.next.map(|c| c.encode()),
        offset,
    })
}

#[cfg(feature = "ssr")]
pub mod render;
