//! Server side of the audit log's rendering: sentences, changed fields and the filter's inputs.

use super::AuditLine;
use crate::backend::entity::audit_event;
use crate::domain::{Email, FieldErrors};
use chrono::NaiveDate;
use sea_orm::{ConnectionTrait, DbErr};
use serde_json::{Map, Value};
use std::collections::HashMap;
use uuid::Uuid;

/// What each action says, with `{a}` for who acted and `{t}` for what it was about; the second
/// form is for someone acting on themselves.
fn phrase(action: &str) -> (&'static str, &'static str) {
    match action {
        "user.created" => ("{a} created {t}", "{a} created their account"),
        "user.updated" => ("{a} edited {t}", "{a} edited their account"),
        "user.deactivated" => ("{a} deactivated {t}", "{a} deactivated their account"),
        "user.reactivated" => ("{a} reactivated {t}", "{a} reactivated their account"),
        "user.deleted" => ("{a} deleted {t}", "{a} deleted their account"),
        "user.restored" => ("{a} restored {t}", "{a} restored their account"),
        "user.purged" => ("{a} permanently deleted {t}", "{a} permanently deleted {t}"),
        "user.status_changed" => ("{a} changed the status of {t}", "{a} changed their status"),
        "user.signed_in" => ("{a} signed in as {t}", "{a} signed in"),
        "user.signed_out" => ("{a} signed out {t}", "{a} signed out"),
        "user.password_changed" => (
            "{a} changed the password of {t}",
            "{a} changed their password",
        ),
        "user.password_reset" => (
            "{a} reset the password of {t}",
            "{a} set a new password with a reset link",
        ),
        "user.password_reset_sent" => (
            "{a} sent a password reset link to {t}",
            "{a} was sent a password reset link",
        ),
        "user.password_reset_requested" => (
            "{a} asked for a reset link for {t}",
            "{a} asked for a password reset link",
        ),
        "session.ended" => (
            "{a} ended a session of {t}",
            "{a} ended one of their sessions",
        ),
        "sessions.ended_all" => (
            "{a} ended every session of {t}",
            "{a} ended their other sessions",
        ),
        "invitation.created" => ("{a} invited {t}", "{a} invited {t}"),
        "invitation.resent" => (
            "{a} resent the invitation to {t}",
            "{a} resent the invitation to {t}",
        ),
        "invitation.revoked" => (
            "{a} revoked the invitation to {t}",
            "{a} revoked the invitation to {t}",
        ),
        "invitation.deleted" => (
            "{a} deleted the invitation to {t}",
            "{a} deleted the invitation to {t}",
        ),
        "invitation.accepted" => (
            "{a} accepted the invitation to {t}",
            "{a} accepted the invitation to {t}",
        ),
        "entity.created" => ("{a} created the entity {t}", "{a} created the entity {t}"),
        "entity.renamed" => ("{a} renamed the entity {t}", "{a} renamed the entity {t}"),
        "entity.suspended" => ("{a} suspended {t}", "{a} suspended {t}"),
        "entity.resumed" => ("{a} resumed {t}", "{a} resumed {t}"),
        "role.created" => ("{a} created the role {t}", "{a} created the role {t}"),
        "role.updated" => ("{a} edited the role {t}", "{a} edited the role {t}"),
        "role.deleted" => ("{a} deleted the role {t}", "{a} deleted the role {t}"),
        "demo.seeded" => ("{a} loaded the demo data", "{a} loaded the demo data"),
        _ => ("{a}: {action} {t}", "{a}: {action} {t}"),
    }
}

/// "Nadia Admin deactivated Theo Trader": people by their current name where the log knows
/// them, otherwise as the event labelled them (an email, "system").
pub fn sentence(e: &audit_event::Model, names: &HashMap<Uuid, String>) -> String {
    let actor = e
        .actor_id
        .and_then(|id| names.get(&id).cloned())
        .unwrap_or_else(|| e.actor_label.clone());
    let target = (e.target_kind == "user")
        .then_some(e.target_id)
        .flatten()
        .and_then(|id| names.get(&id).cloned())
        .unwrap_or_else(|| e.target_label.clone());
    let themselves = e.actor_id.is_some() && e.actor_id == e.target_id;
    let (other, own) = phrase(&e.action);
    let template = if themselves { own } else { other };
    template
        .replace("{action}", &e.action)
        .replace("{a}", &actor)
        .replace("{t}", &target)
}

pub fn line(e: &audit_event::Model, names: &HashMap<Uuid, String>) -> AuditLine {
    let origin = [
        e.ip.clone(),
        e.request_id.as_ref().map(|r| format!("request {r}")),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" · ");
    AuditLine {
        id: e.id,
        at: crate::api::time::when(e.at),
        sentence: sentence(e, names),
        changes: describe_change(e.before.as_deref(), e.after.as_deref()),
        origin,
    }
}

/// A filter's day (`YYYY-MM-DD`), or a field error.
pub fn day(text: &str, field: &str, errors: &mut FieldErrors) -> Option<NaiveDate> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let parsed = (text.len() == 10)
        .then(|| NaiveDate::parse_from_str(text, "%Y-%m-%d").ok())
        .flatten();
    if parsed.is_none() {
        errors.add(field, "Enter a date as YYYY-MM-DD.");
    }
    parsed
}

/// A filter's person: `None` when empty, `Some(None)` for an address with no account (which then
/// has no events; nothing says whether it exists), or a field error.
pub async fn person<C: ConnectionTrait>(
    conn: &C,
    text: &str,
    field: &str,
    errors: &mut FieldErrors,
) -> Result<Option<Option<Uuid>>, DbErr> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    if let Ok(id) = Uuid::parse_str(text) {
        return Ok(Some(Some(id)));
    }
    match Email::parse(text) {
        Ok(email) => Ok(Some(
            crate::backend::users::find_by_email(conn, &email)
                .await?
                .map(|u| u.id),
        )),
        Err(_) => {
            errors.add(field, "Enter an account email.");
            Ok(None)
        }
    }
}

/// An audit row's before and after (JSON objects) as "Field: before → after" lines, in the
/// order the fields were written; a field only one side has is shown as it was or became.
pub fn describe_change(before: Option<&str>, after: Option<&str>) -> Vec<String> {
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

fn field_label(key: &str) -> String {
    let words = key.replace('_', " ");
    let mut chars = words.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn shown(value: &Value) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

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

    fn event(action: &str, actor: Option<Uuid>, target: Option<Uuid>) -> audit_event::Model {
        audit_event::Model {
            id: Uuid::nil(),
            at: chrono::Utc::now(),
            actor_kind: "user".into(),
            actor_id: actor,
            actor_label: "nadia@northwind.test".into(),
            entity_id: None,
            action: action.into(),
            target_kind: "user".into(),
            target_id: target,
            target_label: "theo@northwind.test".into(),
            before: None,
            after: None,
            ip: None,
            request_id: None,
        }
    }

    #[test]
    fn events_read_as_sentences_with_current_names() {
        let (nadia, theo) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let names = HashMap::from([
            (nadia, "Nadia Admin".to_string()),
            (theo, "Theo Trader".to_string()),
        ]);
        let e = event("user.deactivated", Some(nadia), Some(theo));
        assert_eq!(sentence(&e, &names), "Nadia Admin deactivated Theo Trader");
        let own = event("user.password_changed", Some(theo), Some(theo));
        assert_eq!(sentence(&own, &names), "Theo Trader changed their password");
        // Someone purged since: the label the event was written with.
        let gone = event("user.created", Some(nadia), Some(Uuid::from_u128(3)));
        assert_eq!(
            sentence(&gone, &names),
            "Nadia Admin created theo@northwind.test"
        );
        let system = event("user.created", None, Some(theo));
        assert_eq!(
            sentence(&system, &names),
            "nadia@northwind.test created Theo Trader"
        );
        let unknown = event("user.teleported", Some(nadia), Some(theo));
        assert_eq!(
            sentence(&unknown, &names),
            "Nadia Admin: user.teleported Theo Trader"
        );
        for (action, _) in super::super::ACTIONS {
            assert!(
                !phrase(action).0.contains("{action}"),
                "{action} has no sentence"
            );
        }
    }
}
