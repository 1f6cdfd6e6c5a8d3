//! Server functions of the Invitations page (the invited person's page is `accept`).

use super::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// One row of the Invitations table, with the actions this viewer may take on it now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationRow {
    pub id: Uuid,
    pub email: String,
    pub entity_name: String,
    pub roles: Vec<String>,
    /// pending, accepted, expired or revoked, as of the server's clock.
    pub status: String,
    pub invited_by: String,
    pub sent_count: i32,
    pub last_sent: String,
    pub expires: String,
    pub expires_relative: String,
    pub can_revoke: bool,
    pub can_resend: bool,
    pub can_delete: bool,
    /// Operators only: the address already belongs to a user ("Has an account in Contoso"),
    /// so the invitation cannot be accepted. Empty otherwise.
    pub account_elsewhere: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct InvitationQuery {
    pub status: String,
    pub entity: String,
    pub q: String,
    pub sort: String,
    pub after: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationPage {
    pub rows: Vec<InvitationRow>,
    pub total: u64,
    pub next: Option<String>,
    /// How many rows the pages before this one showed, for "26–50 of 120".
    pub offset: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleOption {
    pub key: String,
    pub label: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntityOption {
    pub id: Uuid,
    pub name: String,
    pub slug: String,
    /// The roles this viewer may grant in this entity.
    pub roles: Vec<RoleOption>,
}

/// What the Invite User dialog and the filters offer this viewer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InviteChoices {
    pub entities: Vec<EntityOption>,
    /// Operators pick the entity; an entity admin invites into their own.
    pub choose_entity: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum InviteResult {
    Invited(InvitationRow),
    /// This email has a pending invitation in that entity already: offer Resend.
    AlreadyPending(InvitationRow),
}

/// A CSV row as checked or as done: `outcome` is invite, resend, user or invalid (preview),
/// invited, resent, user or invalid (result).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkRowView {
    pub line: u64,
    pub email: String,
    pub roles: String,
    pub entity: String,
    pub outcome: String,
    pub message: String,
}

#[cfg(feature = "ssr")]
mod convert {
    use super::*;
    use crate::api::time::{relative, when};
    use crate::backend::invitations::bulk::{BulkRow, RowCheck, RowResult};
    use crate::backend::invitations::Detail;
    use crate::backend::Caller;
    use crate::domain::{Action, InvitationStatus};
    use chrono::{DateTime, Utc};

    pub fn row(me: &Caller, d: Detail, now: DateTime<Utc>) -> InvitationRow {
        let status = d.status(now);
        let entity = d.invitation.entity_id;
        let may_send = me.can(Action::SendInvitations, entity);
        let may_delete = me.can(Action::DeleteInvitation, entity);
        use InvitationStatus::*;
        InvitationRow {
            id: d.invitation.id,
            email: d.invitation.email.clone(),
            roles: me.role_labels(&d.roles),
            status: status.as_str().to_string(),
            invited_by: d.inviter_name.clone().unwrap_or_else(|| "—".into()),
            sent_count: d.invitation.sent_count,
            last_sent: when(d.invitation.last_sent_at),
            expires: when(d.invitation.expires_at),
            expires_relative: if status == Accepted {
                String::new()
            } else {
                relative(d.invitation.expires_at, now)
            },
            can_revoke: may_send && status == Pending,
            can_resend: may_send && status != Accepted,
            can_delete: may_delete && status != Accepted,
            account_elsewhere: String::new(),
            entity_name: d.entity_name,
        }
    }

    pub fn bulk_row(row: BulkRow, outcome: &str, message: String) -> BulkRowView {
        BulkRowView {
            line: row.line,
            email: row.email,
            roles: row.roles,
            entity: row.entity,
            outcome: outcome.to_string(),
            message,
        }
    }

    pub fn checked(row: BulkRow, check: &RowCheck) -> BulkRowView {
        match check {
            RowCheck::Invite => bulk_row(row, "invite", "Will be invited.".into()),
            RowCheck::Resend(_) => bulk_row(
                row,
                "resend",
                "Has a pending invitation: it will be resent.".into(),
            ),
            RowCheck::AlreadyUser => bulk_row(row, "user", "Already a user: skipped.".into()),
            RowCheck::Invalid(reason) => bulk_row(row, "invalid", reason.clone()),
        }
    }

    pub fn result(row: BulkRow, result: RowResult) -> BulkRowView {
        match result {
            RowResult::Invited => bulk_row(row, "invited", "Invited.".into()),
            RowResult::Resent => bulk_row(row, "resent", "Resent.".into()),
            RowResult::SkippedUser => bulk_row(row, "user", "Already a user: skipped.".into()),
            RowResult::Invalid(reason) => bulk_row(row, "invalid", reason),
        }
    }
}

/// The entities `me` may act in for `action` (operators: all, others: their own) with the roles
/// they may grant in each; refused when `me` may not take `action` at all.
#[cfg(feature = "ssr")]
pub(crate) async fn entity_choices(
    action: crate::domain::Action,
) -> Result<InviteChoices, AppError> {
    use super::context;
    use crate::backend::entity::entity;
    use sea_orm::{EntityTrait, QueryOrder};
    let (state, me) = context::require_session().await?;
    let scope = me.may_list(action, None)?;
    let entities = match *scope {
        None => {
            entity::Entity::find()
                .order_by_asc(entity::Column::Name)
                .all(state.db.read())
                .await?
        }
        Some(_) => vec![me.entity.clone()],
    };
    Ok(InviteChoices {
        choose_entity: scope.is_none(),
        entities: entities
            .into_iter()
            .map(|e| EntityOption {
                roles: me
                    .grantable_roles(&e)
                    .into_iter()
                    .map(|r| RoleOption {
                        key: r.as_str().into(),
                        label: me.catalogue.label(&r),
                    })
                    .collect(),
                id: e.id,
                name: e.name,
                slug: e.slug,
            })
            .collect(),
    })
}

#[server(prefix = "/api", endpoint = "invite_options")]
pub async fn invite_options() -> Result<InviteChoices, AppError> {
    entity_choices(crate::domain::Action::SendInvitations).await
}

#[server(prefix = "/api", endpoint = "list_invitations", input = Json)]
pub async fn list_invitations(query: InvitationQuery) -> Result<InvitationPage, AppError> {
    use super::context;
    use crate::backend::invitations::listing::{self, Cursor, Filter, Sort};
    use crate::domain::InvitationStatus;
    let (state, me) = context::require_session().await?;
    let now = context::now();
    let filter = Filter {
        status: InvitationStatus::parse(&query.status),
        entity_id: Uuid::parse_str(&query.entity).ok(),
        search: query.q,
        sort: match query.sort.as_str() {
            "sent_oldest" => Sort::SentOldest,
            "expires_soonest" => Sort::ExpiresSoonest,
            "expires_latest" => Sort::ExpiresLatest,
            _ => Sort::SentNewest,
        },
        after: Cursor::decode(&query.after),
        limit: 25,
    };
    let page = listing::list(state.db.read(), &me, &filter, now).await?;
    let mut rows: Vec<InvitationRow> = page
        .rows
        .into_iter()
        .map(|d| convert::row(&me, d, now))
        .collect();
    if me.is_operator() {
        // The clash an entity admin is never told of: the address is another account's.
        let open: Vec<&str> = rows
            .iter()
            .filter(|r| r.status != "accepted")
            .map(|r| r.email.as_str())
            .collect();
        let owners = listing::account_entities(state.db.read(), &open).await?;
        for row in &mut rows {
            if let Some(entity) = owners.get(&row.email.to_lowercase()) {
                if row.status != "accepted" {
                    row.account_elsewhere = format!("Has an account in {entity}");
                }
            }
        }
    }
    Ok(InvitationPage {
        rows,
        total: page.total,
        next: page.next.map(|c| c.encode()),
        offset: page.offset,
    })
}

#[server(prefix = "/api", endpoint = "invite_user", input = Json)]
pub async fn invite_user(
    email: String,
    entity: String,
    roles: Vec<String>,
) -> Result<InviteResult, AppError> {
    use super::context;
    use crate::backend::invitations::{self, InviteForm, Invited};
    let (state, me) = context::require_session().await?;
    let now = context::now();
    let form = InviteForm {
        email,
        entity_id: Uuid::parse_str(entity.trim()).ok(),
        roles,
    };
    Ok(
        match invitations::invite(&state, &me, form, context::meta(), now).await? {
            Invited::Created(d) => InviteResult::Invited(convert::row(&me, d, now)),
            Invited::AlreadyPending(d) => InviteResult::AlreadyPending(convert::row(&me, d, now)),
        },
    )
}

#[server(prefix = "/api", endpoint = "revoke_invitation")]
pub async fn revoke_invitation(id: Uuid) -> Result<InvitationRow, AppError> {
    use super::context;
    let (state, me) = context::require_session().await?;
    let now = context::now();
    let d = crate::backend::invitations::revoke(&state, &me, id, context::meta(), now).await?;
    Ok(convert::row(&me, d, now))
}

#[server(prefix = "/api", endpoint = "resend_invitation")]
pub async fn resend_invitation(id: Uuid) -> Result<InvitationRow, AppError> {
    use super::context;
    let (state, me) = context::require_session().await?;
    let now = context::now();
    let d = crate::backend::invitations::resend(&state, &me, id, context::meta(), now).await?;
    Ok(convert::row(&me, d, now))
}

#[server(prefix = "/api", endpoint = "delete_invitation")]
pub async fn delete_invitation(id: Uuid) -> Result<(), AppError> {
    use super::context;
    let (state, me) = context::require_session().await?;
    crate::backend::invitations::delete(&state, &me, id, context::meta(), context::now()).await?;
    Ok(())
}

#[server(prefix = "/api", endpoint = "check_bulk_invite", input = Json)]
pub async fn check_bulk_invite(csv: String) -> Result<Vec<BulkRowView>, AppError> {
    use super::context;
    use crate::backend::invitations::bulk;
    use crate::domain::FieldErrors;
    let (state, me) = context::require_session().await?;
    let rows = bulk::parse(&csv)
        .map_err(|e| crate::backend::ServiceError::Invalid(FieldErrors::single("csv", e)))?;
    let checked = bulk::check(state.db.read(), &me, rows).await?;
    Ok(checked
        .into_iter()
        .map(|c| convert::checked(c.row, &c.check))
        .collect())
}

#[server(prefix = "/api", endpoint = "run_bulk_invite", input = Json)]
pub async fn run_bulk_invite(rows: Vec<BulkRowView>) -> Result<Vec<BulkRowView>, AppError> {
    use super::context;
    use crate::backend::invitations::bulk::{self, BulkRow};
    let (state, me) = context::require_session().await?;
    let rows = rows
        .into_iter()
        .map(|r| BulkRow {
            line: r.line,
            email: r.email,
            roles: r.roles,
            entity: r.entity,
        })
        .collect();
    let done = bulk::run(&state, &me, rows, context::meta(), context::now()).await?;
    Ok(done
        .into_iter()
        .map(|(row, result)| convert::result(row, result))
        .collect())
}
