//! The audit log (`Audit.Read`: operators every entity, entity admins their own): events newest
//! first, filtered by actor, action, target, entity and time, in keyset pages of `(at, id)`.
//! Every filter is a column an index leads with, followed by `at` (m0001, m0014), so a page
//! reads its rows in order from one index range and stops at the 51st.

use super::access::{Authorized, Scope};
use super::entity::{audit_event, user};
use super::invitations::listing::Cursor;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use std::collections::HashMap;
use uuid::Uuid;

/// What to show. `None` everywhere: every event in the caller's scope.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// The user who acted.
    pub actor: Option<Uuid>,
    /// An action's exact name (`user.deactivated`).
    pub action: Option<String>,
    /// What the event is about (a user, an invitation, an entity).
    pub target: Option<Uuid>,
    /// From this moment (inclusive)…
    pub from: Option<DateTime<Utc>>,
    /// …to this one (exclusive).
    pub until: Option<DateTime<Utc>>,
    pub after: Option<Cursor>,
    pub limit: u64,
}

pub struct Page {
    pub rows: Vec<audit_event::Model>,
    pub next: Option<Cursor>,
    /// The current names of the people the rows name (actors and targets), by id.
    pub names: HashMap<Uuid, String>,
}

/// One page of the log, as `allowed` lets the caller see it.
pub async fn list<C: ConnectionTrait>(
    conn: &C,
    allowed: &Authorized<Scope>,
    filter: &Filter,
) -> Result<Page, DbErr> {
    use audit_event::Column as C;
    let mut query = audit_event::Entity::find();
    if let Some(entity) = **allowed {
        query = query.filter(C::EntityId.eq(entity));
    }
    if let Some(actor) = filter.actor {
        query = query.filter(C::ActorId.eq(actor));
    }
    if let Some(action) = &filter.action {
        query = query.filter(C::Action.eq(action.as_str()));
    }
    if let Some(target) = filter.target {
        query = query.filter(C::TargetId.eq(target));
    }
    if let Some(from) = filter.from {
        query = query.filter(C::At.gte(from));
    }
    if let Some(until) = filter.until {
        query = query.filter(C::At.lt(until));
    }
    if let Some(cursor) = filter.after {
        // `at <= cursor` first: a range the index can seek to. With the `OR` alone SQLite read
        // from the newest event down to the cursor (2 s deep in a year of ten million events).
        query = query.filter(C::At.lte(cursor.at)).filter(
            Condition::any()
                .add(Expr::col(C::At).lt(cursor.at))
                .add(Expr::col(C::Id).lt(cursor.id)),
        );
    }
    let limit = filter.limit.clamp(1, 200);
    let mut rows = query
        .order_by_desc(C::At)
        .order_by_desc(C::Id)
        .limit(limit + 1)
        .all(conn)
        .await?;
    let more = rows.len() as u64 > limit;
    rows.truncate(limit as usize);
    let shown = filter.after.map_or(0, |c| c.shown);
    let next = more.then(|| rows.last()).flatten().map(|last| Cursor {
        at: last.at,
        id: last.id,
        shown: shown + rows.len() as u64,
    });
    let names = names_of(conn, &rows).await?;
    Ok(Page { rows, next, names })
}

/// The names of the users the rows name (actors, and targets that are users), in one read.
pub async fn names_of<C: ConnectionTrait>(
    conn: &C,
    rows: &[audit_event::Model],
) -> Result<HashMap<Uuid, String>, DbErr> {
    let mut ids: Vec<Uuid> = rows
        .iter()
        .flat_map(|r| {
            let target = (r.target_kind == "user").then_some(r.target_id).flatten();
            [r.actor_id, target]
        })
        .flatten()
        .collect();
    ids.sort();
    ids.dedup();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(user::Entity::find()
        .select_only()
        .column(user::Column::Id)
        .column(user::Column::Name)
        .filter(user::Column::Id.is_in(ids))
        .into_tuple::<(Uuid, String)>()
        .all(conn)
        .await?
        .into_iter()
        .collect())
}

/// What a stream reconnecting after event `last` missed, oldest first, within `scope` (one
/// entity, or `None` for all): `None` when `last` is unknown or more than `limit` events
/// followed it (the screen then reads everything afresh instead). Transactions commit in their
/// own order, so an event stamped a little before `last` may have committed after it: the
/// replay reaches `OVERLAP` further back, and the browser skips ids it has seen.
pub const OVERLAP: chrono::TimeDelta = chrono::TimeDelta::seconds(5);

pub async fn since<C: ConnectionTrait>(
    conn: &C,
    scope: Option<Uuid>,
    last: Uuid,
    limit: u64,
) -> Result<Option<Vec<super::events::AdminEvent>>, DbErr> {
    use audit_event::Column as C;
    // An event outside the caller's scope is as unknown as one that never was.
    let Some(seen) = audit_event::Entity::find_by_id(last)
        .one(conn)
        .await?
        .filter(|e| scope.is_none() || e.entity_id == scope)
    else {
        return Ok(None);
    };
    let mut query = audit_event::Entity::find()
        .filter(C::At.gte(seen.at - OVERLAP))
        .filter(C::Id.ne(last));
    if let Some(entity) = scope {
        query = query.filter(C::EntityId.eq(entity));
    }
    let rows = query
        .order_by_asc(C::At)
        .order_by_asc(C::Id)
        .limit(limit + 1)
        .all(conn)
        .await?;
    if rows.len() as u64 > limit {
        return Ok(None);
    }
    Ok(Some(
        rows.into_iter()
            .map(|e| super::events::AdminEvent {
                id: e.id,
                action: e.action,
                entity_id: e.entity_id,
                target_kind: e.target_kind,
                target_id: e.target_id,
                actor_id: e.actor_id,
                at: e.at,
            })
            .collect(),
    ))
}
