//! The Invitations table: filter by status (expired computed from the clock), entity and email,
//! sort by last sent or expiry, keyset pages (no OFFSET) and a total.

use super::Detail;
use crate::backend::entity::{entity, invitation, invitation_role, user};
use crate::backend::error::ServiceError;
use crate::backend::Caller;
use crate::domain::{Action, InvitationStatus, RoleKey};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, LikeExpr};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Select,
};
use std::collections::HashMap;
use uuid::Uuid;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Sort {
    #[default]
    SentNewest,
    SentOldest,
    ExpiresSoonest,
    ExpiresLatest,
}

/// Where the next page starts: the sort value and id of the last row shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cursor {
    pub at: DateTime<Utc>,
    pub id: Uuid,
    /// How many rows the pages before this one showed, so a page can say "26–50 of …".
    pub shown: u64,
}

impl Cursor {
    pub fn encode(&self) -> String {
        format!(
            "{}_{}_{}",
            self.at.timestamp_micros(),
            self.id.simple(),
            self.shown
        )
    }

    pub fn decode(text: &str) -> Option<Self> {
        let mut parts = text.splitn(3, '_');
        let (micros, id) = (parts.next()?, parts.next()?);
        Some(Self {
            at: DateTime::from_timestamp_micros(micros.parse().ok()?)?,
            id: Uuid::parse_str(id).ok()?,
            // Cursors written before the count was carried start counting again.
            shown: parts.next().map_or(Some(0), |n| n.parse().ok())?,
        })
    }
}

#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub status: Option<InvitationStatus>,
    /// `None`: every entity the viewer may see (operators: all of them).
    pub entity_id: Option<Uuid>,
    pub search: String,
    pub sort: Sort,
    pub after: Option<Cursor>,
    pub limit: u64,
}

pub struct Page {
    pub rows: Vec<Detail>,
    pub total: u64,
    pub next: Option<Cursor>,
    /// How many rows the pages before this one showed (0 on the first page).
    pub offset: u64,
}

/// `text` as a LIKE pattern that matches it literally anywhere (`%`, `_` and `\` are escaped).
pub fn contains_pattern(text: &str) -> String {
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

fn filtered(
    me: &Caller,
    filter: &Filter,
    now: DateTime<Utc>,
) -> Result<Select<invitation::Entity>, ServiceError> {
    use invitation::Column as C;
    crate::backend::directory::check_search(&filter.search)?;
    let scope = me.may_list(Action::SendInvitations, filter.entity_id)?;
    let mut query = invitation::Entity::find();
    if let Some(entity) = *scope {
        query = query.filter(C::EntityId.eq(entity));
    }
    query = match filter.status {
        None => query,
        Some(InvitationStatus::Pending) => query
            .filter(C::Status.eq("pending"))
            .filter(C::ExpiresAt.gt(now)),
        Some(InvitationStatus::Expired) => query
            .filter(C::Status.eq("pending"))
            .filter(C::ExpiresAt.lte(now)),
        Some(other) => query.filter(C::Status.eq(other.as_str())),
    };
    let search: String = filter
        .search
        .trim()
        .to_lowercase()
        .chars()
        .take(320)
        .collect();
    if !search.is_empty() {
        query = query.filter(
            Expr::col(C::EmailNormalized)
                .like(LikeExpr::new(contains_pattern(&search)).escape('\\')),
        );
    }
    Ok(query)
}

pub async fn list<C: ConnectionTrait>(
    conn: &C,
    me: &Caller,
    filter: &Filter,
    now: DateTime<Utc>,
) -> Result<Page, ServiceError> {
    use invitation::Column as C;
    let query = filtered(me, filter, now)?;
    let total = query.clone().count(conn).await?;
    let (column, descending) = match filter.sort {
        Sort::SentNewest => (C::LastSentAt, true),
        Sort::SentOldest => (C::LastSentAt, false),
        Sort::ExpiresSoonest => (C::ExpiresAt, false),
        Sort::ExpiresLatest => (C::ExpiresAt, true),
    };
    let mut page = query;
    if let Some(cursor) = filter.after {
        let (past, past_id) = if descending {
            (
                Expr::col(column).lt(cursor.at),
                Expr::col(C::Id).lt(cursor.id),
            )
        } else {
            (
                Expr::col(column).gt(cursor.at),
                Expr::col(C::Id).gt(cursor.id),
            )
        };
        page = page.filter(
            Condition::any().add(past).add(
                Condition::all()
                    .add(Expr::col(column).eq(cursor.at))
                    .add(past_id),
            ),
        );
    }
    let limit = filter.limit.clamp(1, 200);
    let offset = filter.after.map_or(0, |c| c.shown);
    page = if descending {
        page.order_by_desc(column).order_by_desc(C::Id)
    } else {
        page.order_by_asc(column).order_by_asc(C::Id)
    };
    let mut models = page.limit(limit + 1).all(conn).await?;
    let more = models.len() as u64 > limit;
    models.truncate(limit as usize);
    let next = more.then(|| models.last()).flatten().map(|last| Cursor {
        at: if matches!(column, C::LastSentAt) {
            last.last_sent_at
        } else {
            last.expires_at
        },
        id: last.id,
        shown: offset + models.len() as u64,
    });
    Ok(Page {
        rows: details(conn, models).await?,
        total,
        next,
        offset,
    })
}

pub async fn roles_by_invitation<C: ConnectionTrait>(
    conn: &C,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<RoleKey>>, DbErr> {
    let rows = invitation_role::Entity::find()
        .filter(invitation_role::Column::InvitationId.is_in(ids.iter().copied()))
        .all(conn)
        .await?;
    let mut map: HashMap<Uuid, Vec<RoleKey>> = HashMap::new();
    for row in rows {
        map.entry(row.invitation_id)
            .or_default()
            .push(RoleKey::new(row.role_key));
    }
    for roles in map.values_mut() {
        roles.sort();
    }
    Ok(map)
}

/// Entity names, inviter names and roles for a page of invitations, in three queries.
pub async fn details<C: ConnectionTrait>(
    conn: &C,
    models: Vec<invitation::Model>,
) -> Result<Vec<Detail>, DbErr> {
    let ids: Vec<Uuid> = models.iter().map(|m| m.id).collect();
    let mut roles = roles_by_invitation(conn, &ids).await?;
    let entity_ids: Vec<Uuid> = models.iter().map(|m| m.entity_id).collect();
    let entities: HashMap<Uuid, String> = entity::Entity::find()
        .filter(entity::Column::Id.is_in(entity_ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|e| (e.id, e.name))
        .collect();
    let inviter_ids: Vec<Uuid> = models.iter().filter_map(|m| m.invited_by).collect();
    let inviters: HashMap<Uuid, String> = if inviter_ids.is_empty() {
        HashMap::new()
    } else {
        user::Entity::find()
            .filter(user::Column::Id.is_in(inviter_ids))
            .all(conn)
            .await?
            .into_iter()
            .map(|u| (u.id, u.name))
            .collect()
    };
    Ok(models
        .into_iter()
        .map(|m| Detail {
            entity_name: entities.get(&m.entity_id).cloned().unwrap_or_default(),
            inviter_name: m.invited_by.and_then(|id| inviters.get(&id).cloned()),
            roles: roles.remove(&m.id).unwrap_or_default(),
            invitation: m,
        })
        .collect())
}

pub async fn detail<C: ConnectionTrait>(
    conn: &C,
    model: invitation::Model,
) -> Result<Detail, DbErr> {
    Ok(details(conn, vec![model]).await?.remove(0))
}

/// The entity name of each of `emails` that belongs to a user, by normalised email: the clash
/// operators see on the Invitations page.
pub async fn account_entities<C: ConnectionTrait>(
    conn: &C,
    emails: &[&str],
) -> Result<HashMap<String, String>, DbErr> {
    let normalized: Vec<String> = emails
        .iter()
        .filter_map(|e| crate::domain::Email::parse(e).ok())
        .map(|e| e.normalized().to_string())
        .collect();
    if normalized.is_empty() {
        return Ok(HashMap::new());
    }
    let found = user::Entity::find()
        .filter(user::Column::EmailNormalized.is_in(normalized))
        .all(conn)
        .await?;
    let names: HashMap<Uuid, String> = entity::Entity::find()
        .filter(entity::Column::Id.is_in(found.iter().map(|u| u.entity_id)))
        .all(conn)
        .await?
        .into_iter()
        .map(|e| (e.id, e.name))
        .collect();
    Ok(found
        .into_iter()
        .map(|u| {
            let name = names.get(&u.entity_id).cloned().unwrap_or_default();
            (u.email_normalized, name)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_text_is_matched_literally() {
        assert_eq!(contains_pattern("a%b_c\\d"), "%a\\%b\\_c\\\\d%");
        assert_eq!(contains_pattern(""), "%%");
    }

    #[test]
    fn cursors_round_trip() {
        let cursor = Cursor {
            at: DateTime::from_timestamp_micros(1_790_000_000_123_456).unwrap(),
            id: Uuid::now_v7(),
            shown: 25,
        };
        assert_eq!(Cursor::decode(&cursor.encode()), Some(cursor));
        assert_eq!(Cursor::decode("garbage"), None);
    }
}
