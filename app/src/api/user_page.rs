//! Server functions of a user's page: the user with their sessions and audit trail, and ending
//! their sessions.

use super::directory::DirectoryRow;
use super::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// One line of a user's audit trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditLine {
    pub id: Uuid,
    pub at: String,
    pub actor: String,
    pub action: String,
    /// What changed, one field a line: "Status: Active → Inactive".
    pub changes: Vec<String>,
}

/// An audit row's before and after (JSON objects) as "Field: before → after" lines, in the
/// order the fields were written; a field only one side has is shown as it was or became.
#[cfg(feature = "ssr")]
pub fn describe_change(before: Option<&str>, after: Option<&str>) -> Vec<String> {
    use serde_json::{Map, Value};
    let parse = |text: Option<&str>| -> Map<String, Value> {
        match text.and_then(|t| serde_json::from_str::<Value>(t).ok()) {
            Some(Value::Object(map)) => map,
            Some(other) => Map::from_iter([("value".to_string(), other)]),
            None => Map::new(),
        }
    };
    let (before, after) = (parse(before), parse(after));
    let mut keys: Vec<&String> = before.keys().collect();
    keys.extend(after.keys().filter(|k| !before.contains_key(*k)));
    keys.into_iter()
        .map(|key| {
            let field = field_label(key);
            match (before.get(key), after.get(key)) {
                (Some(b), Some(a)) if b == a => format!("{field}: {}", shown(a)),
                (Some(b), Some(a)) => format!("{field}: {} → {}", shown(b), shown(a)),
                (Some(b), None) => format!("{field}: {} → —", shown(b)),
                (None, Some(a)) => format!("{field}: {}", shown(a)),
                (None, None) => field,
            }
        })
        .collect()
}

#[cfg(feature = "ssr")]
fn field_label(key: &str) -> String {
    let words = key.replace('_', " ");
    let mut chars = words.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(feature = "ssr")]
fn shown(value: &serde_json::Value) -> String {
    use serde_json::Value;
    match value {
        Value::Null => "—".into(),
        Value::Bool(true) => "yes".into(),
        Value::Bool(false) => "no".into(),
        Value::String(text) if text.is_empty() => "—".into(),
        Value::String(text) => match crate::domain::UserStatus::parse(text) {
            Some(status) => status.label().to_string(),
            None => text.clone(),
        },
        Value::Array(items) if items.is_empty() => "none".into(),
        Value::Array(items) => items.iter().map(shown).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}

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
    let audit = audit::for_target(db, id, 50)
        .await?
        .into_iter()
        .map(|e| AuditLine {
            id: e.id,
            at: when(e.at),
            actor: e.actor_label,
            action: e.action,
            changes: describe_change(e.before.as_deref(), e.after.as_deref()),
        })
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

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::describe_change;

    #[test]
    fn audit_changes_read_as_field_before_after() {
        assert_eq!(
            describe_change(
                Some(r#"{"status":"active"}"#),
                Some(r#"{"status":"inactive","sessions_ended":2}"#)
            ),
            ["Status: Active → Inactive", "Sessions ended: 2"]
        );
        assert_eq!(
            describe_change(
                Some(r#"{"name":"Ada L","roles":["trader"]}"#),
                Some(r#"{"name":"Ada Lovelace","roles":["trader","admin"]}"#)
            ),
            [
                "Name: Ada L → Ada Lovelace",
                "Roles: trader → trader, admin"
            ]
        );
        assert_eq!(
            describe_change(None, Some(r#"{"contact_email":null}"#)),
            ["Contact email: —"]
        );
        assert!(describe_change(None, None).is_empty());
        assert_eq!(
            describe_change(Some("not json"), None),
            Vec::<String>::new()
        );
    }
}
