//! Bulk invite from CSV: `parse` reads the file, `check` says per row what would happen without
//! writing anything (the preview), and `run` does it for a chunk of rows in one transaction, with
//! multi-row inserts for invitations, roles, audit rows and outbox mail. The browser sends the
//! file chunk by chunk, which is how it shows progress.

use super::{
    active, after_commit, change, check_roles, new_invitation, resend_on, role_rows, snapshot,
};
use crate::backend::access::{Authorized, InvitationAction, Scope};
use crate::backend::audit::{self, RequestMeta};
use crate::backend::entity::{entity, invitation, invitation_role, user};
use crate::backend::error::{is_unique_violation, ServiceError};
use crate::backend::mail;
use crate::backend::AppState;
use crate::backend::Caller;
use crate::domain::{Action, Email, RoleKey};
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use std::collections::HashMap;
use uuid::Uuid;

/// The most rows one file may have.
pub const MAX_ROWS: usize = 10_000;
/// The most rows one `run` call takes.
pub const MAX_CHUNK: usize = 1_000;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BulkRow {
    /// The line in the file, for messages.
    pub line: u64,
    pub email: String,
    pub roles: String,
    pub entity: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RowCheck {
    Invite,
    /// A pending (or lapsed) invitation exists: it will be resent.
    Resend(Uuid),
    AlreadyUser,
    Invalid(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RowResult {
    Invited,
    Resent,
    SkippedUser,
    Invalid(String),
}

/// Line breaks as an editor counts them: `\n`, `\r\n`, and a lone `\r` (old Mac files), as
/// the CSV reader ends records at each.
pub fn line_breaks(bytes: &[u8]) -> u64 {
    let mut count = 0;
    for (i, b) in bytes.iter().enumerate() {
        let lone_cr = *b == b'\r' && bytes.get(i + 1) != Some(&b'\n');
        if *b == b'\n' || lone_cr {
            count += 1;
        }
    }
    count
}

/// Reads `email,roles,entity` rows (a header row is optional; roles are separated by `;`).
pub fn parse(text: &str) -> Result<Vec<BulkRow>, String> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let mut columns = (0usize, Some(1usize), Some(2usize));
    let mut rows = Vec::new();
    let (mut line, mut counted_to) = (1u64, 0usize);
    for (index, record) in reader.records().enumerate() {
        let record = record.map_err(|e| format!("The file is not valid CSV: {e}"))?;
        // The line as an editor shows it (the reader's own count skips blank lines).
        let byte = record.position().map_or(counted_to, |p| p.byte() as usize);
        let mut byte = byte.clamp(counted_to, text.len());
        // A record's position can be the blank lines before it.
        while matches!(text.as_bytes().get(byte), Some(b'\n' | b'\r')) {
            byte += 1;
        }
        line += line_breaks(&text.as_bytes()[counted_to..byte]);
        counted_to = byte;
        if record.iter().all(|f| f.is_empty()) {
            continue;
        }
        if index == 0
            && record
                .get(0)
                .is_some_and(|f| f.eq_ignore_ascii_case("email"))
        {
            let find = |names: &[&str]| {
                record
                    .iter()
                    .position(|f| names.iter().any(|n| f.eq_ignore_ascii_case(n)))
            };
            columns = (
                0,
                find(&["roles", "role"]),
                find(&["entity", "entity slug"]),
            );
            continue;
        }
        let get = |i: Option<usize>| i.and_then(|i| record.get(i)).unwrap_or("").to_string();
        rows.push(BulkRow {
            line,
            email: get(Some(columns.0)),
            roles: get(columns.1),
            entity: get(columns.2),
        });
        if rows.len() > MAX_ROWS {
            return Err(format!(
                "The file has more than {MAX_ROWS} rows; split it into smaller files."
            ));
        }
    }
    if rows.is_empty() {
        return Err(
            "The file has no rows. Each line needs an email and roles, e.g. ada@example.com,Trader"
                .into(),
        );
    }
    Ok(rows)
}

/// A row checked, with what it resolved to.
pub struct Checked {
    pub row: BulkRow,
    pub check: RowCheck,
    resolved: Option<Resolved>,
}

/// A row's address, the entity it may be invited into (the proof of it) and its roles.
type Resolved = (Email, Authorized<entity::Model>, Vec<RoleKey>);

/// `entities` are those in the caller's scope: every entity for an operator, their own else.
fn resolve(
    me: &Caller,
    scope: &Authorized<Scope>,
    entities: &[entity::Model],
    row: &BulkRow,
) -> Result<Resolved, String> {
    let email = Email::parse(&row.email).map_err(|e| e.to_string())?;
    let wanted = row.entity.trim().to_lowercase();
    let entity = match (**scope, wanted.is_empty()) {
        (Some(_), true) => entities.first().cloned(),
        (None, true) => return Err("Name the entity (its slug, such as northwind).".into()),
        (_, false) => entities
            .iter()
            .find(|e| e.slug.to_lowercase() == wanted || e.name.to_lowercase() == wanted)
            .cloned(),
    };
    let entity = match (entity, **scope) {
        (Some(entity), _) => entity,
        (None, Some(_)) => return Err(format!("You can only invite into {}.", me.entity.name)),
        (None, None) => return Err(format!("There is no entity “{}”.", row.entity.trim())),
    };
    let entity = me
        .may_in(Action::SendInvitations, entity)
        .map_err(|_| format!("You can only invite into {}.", me.entity.name))?;
    let roles: Vec<String> = row
        .roles
        .split([';', '|', ','])
        .map(str::to_string)
        .collect();
    let roles = check_roles(me, &entity, &roles)?;
    Ok((email, entity, roles))
}

/// Says per row what `run` would do, reading only.
pub async fn check<C: ConnectionTrait>(
    conn: &C,
    me: &Caller,
    rows: Vec<BulkRow>,
) -> Result<Vec<Checked>, ServiceError> {
    let scope = me.may_list(Action::SendInvitations, None)?;
    let entities = match *scope {
        None => entity::Entity::find().all(conn).await?,
        Some(_) => vec![me.entity.clone()],
    };
    let mut seen: HashMap<(Uuid, String), u64> = HashMap::new();
    let mut checked: Vec<Checked> = rows
        .into_iter()
        .map(|row| match resolve(me, &scope, &entities, &row) {
            Err(reason) => Checked {
                row,
                check: RowCheck::Invalid(reason),
                resolved: None,
            },
            Ok((email, entity, roles)) => {
                let key = (entity.id, email.normalized().to_string());
                if let Some(first) = seen.get(&key) {
                    let reason = format!("Same email and entity as line {first}.");
                    return Checked {
                        row,
                        check: RowCheck::Invalid(reason),
                        resolved: None,
                    };
                }
                seen.insert(key, row.line);
                Checked {
                    row,
                    check: RowCheck::Invite,
                    resolved: Some((email, entity, roles)),
                }
            }
        })
        .collect();
    let emails: Vec<String> = checked
        .iter()
        .filter_map(|c| {
            c.resolved
                .as_ref()
                .map(|(e, _, _)| e.normalized().to_string())
        })
        .collect();
    let (users, pending) = existing(conn, &emails).await?;
    for c in &mut checked {
        if let Some((email, entity, _)) = &c.resolved {
            // Another entity's user is nobody an entity admin may hear of: invited as fresh.
            let known = users
                .get(email.normalized())
                .is_some_and(|owner| *owner == entity.id || me.may_know_of_user_in(*owner));
            if known {
                c.check = RowCheck::AlreadyUser;
            } else if let Some(id) = pending.get(&(entity.id, email.normalized().to_string())) {
                c.check = RowCheck::Resend(*id);
            }
        }
    }
    Ok(checked)
}

/// The entity of each email that belongs to a user, and pending invitations by (entity, email),
/// in chunked queries.
async fn existing<C: ConnectionTrait>(
    conn: &C,
    emails: &[String],
) -> Result<(HashMap<String, Uuid>, HashMap<(Uuid, String), Uuid>), DbErr> {
    let mut users = HashMap::new();
    let mut pending = HashMap::new();
    for chunk in emails.chunks(500) {
        let found = user::Entity::find()
            .filter(user::Column::EmailNormalized.is_in(chunk.iter().cloned()))
            .all(conn)
            .await?;
        users.extend(found.into_iter().map(|u| (u.email_normalized, u.entity_id)));
        let invitations = invitation::Entity::find()
            .filter(invitation::Column::EmailNormalized.is_in(chunk.iter().cloned()))
            .filter(invitation::Column::Status.eq("pending"))
            .all(conn)
            .await?;
        pending.extend(
            invitations
                .into_iter()
                .map(|i| ((i.entity_id, i.email_normalized), i.id)),
        );
    }
    Ok((users, pending))
}

/// Invites (or resends to) a chunk of rows in one transaction; returns a result per row.
pub async fn run(
    state: &AppState,
    me: &Caller,
    rows: Vec<BulkRow>,
    meta: RequestMeta,
    now: DateTime<Utc>,
) -> Result<Vec<(BulkRow, RowResult)>, ServiceError> {
    if rows.len() > MAX_CHUNK {
        return Err(ServiceError::Conflict(format!(
            "Send at most {MAX_CHUNK} rows at a time."
        )));
    }
    // A concurrent invite of the same person makes the multi-row insert fail; checking again
    // then finds it pending and resends instead.
    let mut retries = 2;
    loop {
        match run_once(state, me, rows.clone(), meta.clone(), now).await {
            Err(ServiceError::Db(e)) if retries > 0 && is_unique_violation(&e) => retries -= 1,
            other => return other,
        }
    }
}

async fn run_once(
    state: &AppState,
    me: &Caller,
    rows: Vec<BulkRow>,
    meta: RequestMeta,
    now: DateTime<Utc>,
) -> Result<Vec<(BulkRow, RowResult)>, ServiceError> {
    let txn = state.db.begin().await?;
    let checked = check(&txn, me, rows).await?;
    let ctx = me.audit(meta);
    let (mut invitations, mut roles, mut changes, mut mails, mut events) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut results = Vec::with_capacity(checked.len());
    for c in checked {
        let result = match (&c.check, c.resolved) {
            (RowCheck::Invite, Some((email, entity, granted))) => {
                let (model, mail) = new_invitation(state, me, &entity, &email, &granted, now);
                roles.extend(role_rows(model.id, &granted));
                changes
                    .push(change("invitation.created", &model).after(snapshot(&model, &granted)));
                mails.push(mail);
                invitations.push(active(model));
                RowResult::Invited
            }
            (RowCheck::Resend(id), Some((_, entity, _))) => {
                let resent = match me.may_invitation(&txn, InvitationAction::Resend, *id).await {
                    Ok(inv) => resend_on(&txn, state, me, &entity, inv, &ctx, now).await,
                    Err(refused) => Err(refused),
                };
                match resent {
                    Ok((_, event, mail)) => {
                        events.push(event);
                        mails.push(mail);
                        RowResult::Resent
                    }
                    Err(ServiceError::Conflict(reason)) => RowResult::Invalid(reason),
                    Err(other) => return Err(other),
                }
            }
            (RowCheck::AlreadyUser, _) => RowResult::SkippedUser,
            (RowCheck::Invalid(reason), _) => RowResult::Invalid(reason.clone()),
            (_, None) => RowResult::Invalid("This row could not be checked.".into()),
        };
        results.push((c.row, result));
    }
    while !invitations.is_empty() {
        let rest = invitations.split_off(invitations.len().min(300));
        invitation::Entity::insert_many(std::mem::replace(&mut invitations, rest))
            .exec_without_returning(&txn)
            .await?;
    }
    while !roles.is_empty() {
        let rest = roles.split_off(roles.len().min(1000));
        invitation_role::Entity::insert_many(std::mem::replace(&mut roles, rest))
            .exec_without_returning(&txn)
            .await?;
    }
    while !changes.is_empty() {
        let rest = changes.split_off(changes.len().min(500));
        events.extend(
            audit::record_many(&txn, &ctx, std::mem::replace(&mut changes, rest), now).await?,
        );
    }
    let queued = !mails.is_empty();
    mail::enqueue(&txn, mails, now).await?;
    txn.commit().await?;
    after_commit(state, events, queued);
    Ok(results)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_rows_with_or_without_a_header() {
        let with = parse("Email,Roles,Entity\nada@example.com,Trader;Admin,northwind\n\n\"b@x.io\", Market Maker ,contoso\n").unwrap();
        assert_eq!(with.len(), 2);
        assert_eq!(with[0].email, "ada@example.com");
        assert_eq!(with[0].roles, "Trader;Admin");
        assert_eq!(with[1].roles, "Market Maker");
        assert_eq!(with[1].entity, "contoso");
        assert_eq!(with[1].line, 4);
        let without = parse("ada@example.com,Trader").unwrap();
        assert_eq!(without[0].entity, "");
        let reordered = parse("email,entity,roles\na@x.io,northwind,Trader").unwrap();
        assert_eq!(
            (reordered[0].roles.as_str(), reordered[0].entity.as_str()),
            ("Trader", "northwind")
        );
    }

    #[test]
    fn empty_and_oversized_files_are_refused() {
        assert!(parse("email,roles\n").is_err());
        let big: String = (0..=MAX_ROWS)
            .map(|i| format!("u{i}@x.io,Trader\n"))
            .collect();
        assert!(parse(&big).unwrap_err().contains("more than"));
    }
}
