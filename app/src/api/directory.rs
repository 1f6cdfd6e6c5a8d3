//! Server functions of the User Directory and of a user's page.

use super::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// One row of the directory: a user, or a pending invitation shown as a Pending person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirectoryRow {
    pub id: Uuid,
    /// False for a pending invitation (its page is the Invitations table).
    pub is_user: bool,
    pub name: String,
    pub email: String,
    pub entity_name: String,
    pub roles: Vec<String>,
    /// active, pending, inactive or deleted.
    pub status: String,
    /// `3 hours ago`, or empty for never.
    pub last_sign_in: String,
    /// The exact time, for a tooltip.
    pub last_sign_in_exact: String,
    pub version: i32,
    /// deactivate, reactivate, delete, restore: what this viewer may do now.
    pub actions: Vec<String>,
    /// Empty when mail goes to the account email.
    pub contact_email: String,
    /// May open Edit.
    pub can_edit: bool,
    /// May send a Reset password link (an active user other than oneself).
    pub can_reset_password: bool,
    /// May Delete permanently (operators with Users.Promote, once the user is Deleted).
    pub can_purge: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct DirectoryQuery {
    /// Comma-separated statuses; empty means the default (all but deleted).
    pub status: String,
    pub entity: String,
    pub q: String,
    pub sort: String,
    pub after: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirectoryPage {
    pub rows: Vec<DirectoryRow>,
    pub total: u64,
    /// False when there are more than `total` (counting stops there to stay fast).
    pub total_exact: bool,
    pub next: Option<String>,
    /// How many rows the pages before this one showed, for "51–100 of 54,320".
    pub offset: u64,
    /// The search this page answers, so a slow answer to an older search is recognised.
    pub q: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntityChoice {
    pub id: Uuid,
    pub name: String,
}

/// What the directory's filters offer this viewer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirectoryChoices {
    /// Operators filter by entity (or see all); an entity admin sees their own only.
    pub entities: Vec<EntityChoice>,
    pub choose_entity: bool,
}

/// Statuses as the URL carries them (`active,pending`), defaulting to all but deleted.
pub fn parse_statuses(text: &str) -> Vec<String> {
    const KNOWN: [&str; 4] = ["active", "pending", "inactive", "deleted"];
    let chosen: Vec<String> = KNOWN
        .iter()
        .filter(|s| text.split(',').any(|t| t.trim() == **s))
        .map(|s| s.to_string())
        .collect();
    if chosen.is_empty() {
        KNOWN[..3].iter().map(|s| s.to_string()).collect()
    } else {
        chosen
    }
}

#[cfg(feature = "ssr")]
pub(crate) mod convert {
    use super::*;
    use crate::api::time::{relative, when};
    use crate::backend::directory::{display_name, Item, Row};
    use crate::backend::entity::user;
    use crate::backend::users::lifecycle::available;
    use crate::backend::Caller;
    use crate::domain::{RoleKey, UserStatus};
    use chrono::{DateTime, Utc};

    pub fn user_row(
        me: &Caller,
        u: &user::Model,
        entity_name: String,
        held: &[RoleKey],
        now: DateTime<Utc>,
    ) -> DirectoryRow {
        use crate::domain::Action;
        let status = UserStatus::parse(&u.status).unwrap_or(UserStatus::Inactive);
        let can_edit = me.can_act_on(Action::ManageUsers, u, held) && status != UserStatus::Deleted;
        DirectoryRow {
            contact_email: u.contact_email.clone().unwrap_or_default(),
            can_edit,
            can_reset_password: can_edit && status == UserStatus::Active && u.id != me.user.id,
            can_purge: status == UserStatus::Deleted
                && me.can_act_on(Action::DeletePermanently, u, held),
            id: u.id,
            is_user: true,
            name: u.name.clone(),
            email: u.email.clone(),
            entity_name,
            roles: me.role_labels(held),
            status: status.as_str().into(),
            last_sign_in: u
                .last_login_at
                .map(|t| relative(t, now))
                .unwrap_or_default(),
            last_sign_in_exact: u.last_login_at.map(when).unwrap_or_default(),
            version: u.version,
            actions: available(me, u, held)
                .into_iter()
                .map(|a| a.as_str().to_string())
                .collect(),
        }
    }

    /// The row of a user just changed, read again with their roles and entity.
    pub async fn fresh_row(
        state: &crate::backend::AppState,
        me: &Caller,
        user: &user::Model,
        now: DateTime<Utc>,
    ) -> Result<DirectoryRow, AppError> {
        use crate::backend::{directory, roles};
        let db = state.db.read();
        let held = roles::roles_of(db, user.id).await?;
        let entity = directory::entity_name(db, user.entity_id).await?;
        Ok(user_row(me, user, entity, &held, now))
    }

    pub fn row(me: &Caller, row: &Row, now: DateTime<Utc>) -> DirectoryRow {
        let roles = me.role_labels(&row.roles);
        match &row.item {
            Item::User(u) => user_row(me, u, row.entity_name.clone(), &row.roles, now),
            Item::Invitation(i) => DirectoryRow {
                id: i.id,
                is_user: false,
                name: display_name(row),
                email: i.email.clone(),
                entity_name: row.entity_name.clone(),
                roles,
                status: "pending".into(),
                last_sign_in: String::new(),
                last_sign_in_exact: String::new(),
                version: i.version,
                actions: Vec::new(),
                contact_email: String::new(),
                can_edit: false,
                can_reset_password: false,
                can_purge: false,
            },
        }
    }
}

#[server(prefix = "/api", endpoint = "directory_options")]
pub async fn directory_options() -> Result<DirectoryChoices, AppError> {
    let choices = super::invitations::entity_choices(crate::domain::Action::ReadUsers).await?;
    Ok(DirectoryChoices {
        choose_entity: choices.choose_entity,
        entities: choices
            .entities
            .into_iter()
            .map(|e| EntityChoice {
                id: e.id,
                name: e.name,
            })
            .collect(),
    })
}

#[server(prefix = "/api", endpoint = "list_directory", input = Json)]
pub async fn list_directory(query: DirectoryQuery) -> Result<DirectoryPage, AppError> {
    use super::context;
    use crate::backend::directory::{self, Cursor, Filter, Order};
    use crate::domain::UserStatus;
    let (state, me) = context::require_session().await?;
    let now = context::now();
    let filter = Filter {
        statuses: parse_statuses(&query.status)
            .iter()
            .filter_map(|s| UserStatus::parse(s))
            .collect(),
        entity_id: Uuid::parse_str(query.entity.trim()).ok(),
        search: query.q.clone(),
        sort: Order::parse(&query.sort),
        after: Cursor::decode(&query.after),
        limit: 50,
    };
    let page = directory::list_cached(&state.db, &me, &filter, now).await?;
    Ok(DirectoryPage {
        rows: page
            .rows
            .iter()
            .map(|r| convert::row(&me, r, now))
            .collect(),
        total: page.total,
        total_exact: page.total_exact,
        next: page.next.as_ref().map(Cursor::encode),
        offset: page.offset,
        q: query.q,
    })
}

/// Deactivate, Reactivate, Delete or Restore, decided on the status the admin saw (`seen`):
/// refused only when that status has changed since.
#[server(prefix = "/api", endpoint = "change_user_status")]
pub async fn change_user_status(
    id: Uuid,
    action: String,
    seen: String,
) -> Result<DirectoryRow, AppError> {
    use super::context;
    use crate::backend::users::lifecycle::{change_status, StatusAction};
    use crate::backend::ServiceError;
    let (state, me) = context::require_session().await?;
    let action = StatusAction::parse(&action)
        .ok_or_else(|| ServiceError::Conflict("Unknown action.".into()))?;
    let seen = crate::domain::UserStatus::parse(&seen)
        .ok_or_else(|| ServiceError::Conflict("Unknown status.".into()))?;
    let now = context::now();
    let user = change_status(&state, &me, id, action, seen, context::meta(), now).await?;
    convert::fresh_row(&state, &me, &user, now).await
}

/// A user as the admin saw them: id and status (what a status action decides on).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seen {
    pub id: Uuid,
    pub status: String,
}

/// What a bulk action did: the rows changed, and why the others were not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkOutcome {
    pub changed: Vec<DirectoryRow>,
    pub failed: Vec<(Uuid, String)>,
}

/// Deactivate, Reactivate or Delete for the selected users, each in its own transaction (one
/// user's conflict does not hold back the others), at most one page at a time.
#[server(prefix = "/api", endpoint = "bulk_change_status", input = Json)]
pub async fn bulk_change_status(action: String, users: Vec<Seen>) -> Result<BulkOutcome, AppError> {
    use super::context;
    use crate::backend::users::lifecycle::{change_status, StatusAction};
    use crate::backend::ServiceError;
    let (state, me) = context::require_session().await?;
    // Members are refused outright; each user is then authorised on their own entity.
    me.may_list(crate::domain::Action::ManageUsers, None)?;
    let action = StatusAction::parse(&action)
        .filter(|a| *a != StatusAction::Restore)
        .ok_or_else(|| ServiceError::Conflict("Unknown action.".into()))?;
    if users.len() > 200 {
        return Err(ServiceError::Conflict("Select at most 200 users at a time.".into()).into());
    }
    let now = context::now();
    let mut outcome = BulkOutcome {
        changed: Vec::new(),
        failed: Vec::new(),
    };
    for seen in users {
        let Some(status) = crate::domain::UserStatus::parse(&seen.status) else {
            outcome.failed.push((seen.id, "Unknown status.".into()));
            continue;
        };
        match change_status(&state, &me, seen.id, action, status, context::meta(), now).await {
            Ok(user) => outcome
                .changed
                .push(convert::fresh_row(&state, &me, &user, now).await?),
            Err(error @ (ServiceError::Db(_) | ServiceError::Internal(_))) => {
                return Err(error.into())
            }
            Err(error) => outcome
                .failed
                .push((seen.id, AppError::from(error).to_string())),
        }
    }
    // Individual refusals are reported per row, not as the answer's status.
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::OK);
    }
    Ok(outcome)
}
