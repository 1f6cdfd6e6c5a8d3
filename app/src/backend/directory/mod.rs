//! The User Directory: users and pending invitations in one list, searched, filtered, sorted and
//! paged by keyset at a million rows.
//!
//! Two sources (users, pending invitations) are each read in index order after their own
//! cursor and merged here, so a page never needs OFFSET and each source resumes exactly where it
//! stopped whatever the database's collation. Totals without a search come from counters the
//! database keeps per entity and status. One- and two-letter searches read two index ranges in
//! the sort order (name prefix, email prefix) and merge them. Longer terms use the FTS5 trigram
//! index on SQLite and `pg_trgm` on PostgreSQL when selective. A frequent term in name order is
//! read from an index in name order (SQLite: the FTS5 index in rowid order, m0011; PostgreSQL:
//! a GiST index on a label column, m0012; `name_order`), so its page stops at the 51st match
//! wherever the matches sit; otherwise a frequent term walks a window of the sort order
//! checking each row (a term found in most rows finds its first 50 rows at once that way) and
//! only falls back to sorting every match when the window holds too few. SQLite tells selective
//! and frequent apart by counting the term in its FTS5 index, PostgreSQL in a fixed sample of
//! one user in 256 (m0008).

use super::access::{Authorized, Scope};
use super::entity::{entity, invitation, invitation_role, user, user_role};
use super::error::ServiceError;
use super::invitations::listing::contains_pattern;
use super::Caller;
pub use crate::domain::order::{Direction, Order, Sort};
use crate::domain::{Action, RoleKey, UserStatus};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Expr, LikeExpr, Query, SelectStatement, SimpleExpr};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait, Select, TransactionTrait,
};
use std::cmp::Ordering;
use std::collections::HashMap;
use uuid::Uuid;

mod cached;
mod cursor;
mod details;
mod merge;
pub mod name_order;
mod order;
mod prefix;
mod probe;
mod query;
pub use cached::{list_cached, PageKey};
pub use cursor::{Cursor, Key, Mark};
use details::details;
pub use details::{display_name, entity_name};
use merge::merge;
use order::*;
use prefix::*;
use probe::*;
use query::*;

/// The most rows one page may have.
pub const MAX_PAGE: u64 = 200;
/// The longest search looked for; a longer one is refused before any work.
pub const MAX_SEARCH_CHARS: usize = 200;

/// Refuses a search longer than `MAX_SEARCH_CHARS`, next to the search field.
pub fn check_search(search: &str) -> Result<(), ServiceError> {
    if search.len() > MAX_SEARCH_CHARS && search.chars().count() > MAX_SEARCH_CHARS {
        return Err(crate::domain::FieldErrors::single(
            "q",
            format!("Search for at most {MAX_SEARCH_CHARS} characters."),
        )
        .into());
    }
    Ok(())
}
/// Pending invitations are counted up to this many; beyond it the directory says "more than".
pub const COUNT_CAP: u64 = 10_000;
/// A search's total is counted up to this many: a longer search narrows before anyone pages
/// that far, and counting matches costs what reading them does.
pub const SEARCH_COUNT_CAP: u64 = 1_000;
/// A search term with at most this many matches is answered from the search index; one with
/// more walks the sort order and checks each row.
const SELECTIVE_MATCHES: u64 = 4_000;
/// Nothing stored is longer than this, so a longer term cannot match.
const LONGEST_TEXT: usize = 320;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Filter {
    /// Statuses to show; Pending also brings the pending invitations.
    pub statuses: Vec<UserStatus>,
    /// `None`: every entity the viewer may see (operators: all of them).
    pub entity_id: Option<Uuid>,
    pub search: String,
    pub sort: Order,
    pub after: Option<Cursor>,
    pub limit: u64,
}

impl Default for Filter {
    fn default() -> Self {
        Self {
            statuses: default_statuses(),
            entity_id: None,
            search: String::new(),
            sort: Order::default(),
            after: None,
            limit: 50,
        }
    }
}

/// Deleted users are hidden unless asked for.
pub fn default_statuses() -> Vec<UserStatus> {
    vec![
        UserStatus::Active,
        UserStatus::Pending,
        UserStatus::Inactive,
    ]
}

#[derive(Clone, Debug)]
pub enum Item {
    User(user::Model),
    Invitation(invitation::Model),
}

#[derive(Clone, Debug)]
pub struct Row {
    pub item: Item,
    pub entity_name: String,
    pub roles: Vec<RoleKey>,
}

impl Row {
    pub fn id(&self) -> Uuid {
        match &self.item {
            Item::User(u) => u.id,
            Item::Invitation(i) => i.id,
        }
    }
}

pub struct Page {
    pub rows: Vec<Row>,
    /// Matching rows: users exactly without a search, a search's up to `SEARCH_COUNT_CAP`; plus
    /// the pending invitations, up to `COUNT_CAP`.
    pub total: u64,
    /// False when there are more than `total`.
    pub total_exact: bool,
    pub next: Option<Cursor>,
    /// How many rows the pages before this one showed (0 on the first page).
    pub offset: u64,
}

/// `list` for `me`, asking for the scope first (reads outside a request: tests, benches).
pub async fn list_as<C: ConnectionTrait + TransactionTrait>(
    conn: &C,
    me: &Caller,
    filter: &Filter,
    now: DateTime<Utc>,
) -> Result<Page, ServiceError> {
    let scope = me.may_list(Action::ReadUsers, filter.entity_id)?;
    list(conn, &scope, filter, now).await
}

/// One page of the directory, in the scope the caller was granted (`Caller::may_list` with
/// `Action::ReadUsers`): the proof is the only way to say which entities a page may show.
pub async fn list<C: ConnectionTrait + TransactionTrait>(
    conn: &C,
    scope: &Authorized<Scope>,
    filter: &Filter,
    now: DateTime<Utc>,
) -> Result<Page, ServiceError> {
    check_search(&filter.search)?;
    let backend = conn.get_database_backend();
    let scope: Option<Uuid> = **scope;
    let search = search_of(&filter.search);
    let limit = filter.limit.clamp(1, MAX_PAGE);
    let cursor = filter.after.clone().unwrap_or_default();
    let streams = prefix_streams(backend, scope, filter, &search);
    // A substring search first learns whether its term is selective: on SQLite the search
    // index is asked once (a selective term's matches come back whole, page and exact total
    // from them); on PostgreSQL a fixed sample of the users is (m0008), and a term it finds
    // seldom has its matches read whole from the trigram index. A frequent term walks the sort
    // order checking each row, except in name order, where an index yields its matches in that
    // order (m0011, m0012).
    // `beyond_cap`: the term is known to match more than the count cap, so it is not counted.
    let (by_index, probed, beyond_cap) = match (&search, backend) {
        (Search::Contains(term), DbBackend::Sqlite) => {
            let mark = cursor.users.as_ref();
            match fts_probe(conn, scope, filter, term, mark, limit + 1).await? {
                Some(found) => (true, Some(found), false),
                None => (false, None, false),
            }
        }
        (Search::Contains(term), _) => {
            let hits = sample_hits(conn, scope, filter, term).await?;
            if hits >= FREQUENT_SAMPLE_HITS {
                (false, None, true)
            } else {
                let mark = cursor.users.as_ref();
                let found = trigram_probe(conn, scope, filter, &search, mark, limit + 1).await?;
                let beyond_cap = found.is_none();
                (true, found, beyond_cap)
            }
        }
        _ => (
            streams.is_some() || selective(conn, &search).await?,
            None,
            false,
        ),
    };
    let with_invitations = filter.statuses.contains(&UserStatus::Pending);

    let users_base = users_query(backend, scope, filter, &search, by_index);
    let cap = if search == Search::None {
        COUNT_CAP
    } else {
        SEARCH_COUNT_CAP
    };
    // Without a search the counters are exact; a selective term's matches were all read.
    let user_cap = if search == Search::None || probed.is_some() {
        u64::MAX
    } else {
        cap
    };
    // The total, the page and the pending invitations are independent: asked at once, on
    // connections of their own.
    let probed_total = probed.as_ref().map(Found::total);
    let users_total = async {
        if let Some(total) = probed_total {
            return Ok(total);
        }
        match &search {
            Search::None => listed_count(conn, scope, &filter.statuses).await,
            // By the sample or the probe, more than the cap: not counted again.
            Search::Contains(_) if beyond_cap => Ok(cap + 1),
            Search::Prefix(_) if backend == DbBackend::Postgres => {
                let ranges = prefix_ranges(backend, scope, filter, &search)
                    .expect("a prefix search has ranges");
                union_count(conn, &ranges, cap).await
            }
            Search::Contains(term) if backend == DbBackend::Sqlite && !by_index => {
                capped_count(conn, fts_matches(backend, scope, filter, term), cap).await
            }
            _ => capped_count(conn, users_base.clone().into_query(), cap).await,
        }
    };
    let users = async {
        if cursor.users_done || filter.statuses.is_empty() {
            Ok(Vec::new())
        } else if let Some(found) = probed {
            match found {
                Found::Keys(keys) => {
                    let mark = cursor.users.as_ref();
                    fetch_by_keys(conn, keys, filter.sort, mark, limit + 1).await
                }
                Found::Page { ids, .. } => fetch_in_order(conn, ids).await,
            }
        } else if let Some(streams) = streams {
            let [a, b] = streams.map(|stream| {
                fetch_users(conn, stream, filter.sort, cursor.users.as_ref(), limit + 1)
            });
            let (a, b) = tokio::try_join!(a, b)?;
            let mut merged = a;
            merged.extend(b);
            merged.sort_by(|a, b| {
                let a = (user_key(filter.sort.by, a), a.id);
                let b = (user_key(filter.sort.by, b), b.id);
                compare(filter.sort, &a, &b)
            });
            // Someone whose name and email both start with the term came from both sources.
            merged.dedup_by_key(|u| u.id);
            merged.truncate(limit as usize + 1);
            Ok(merged)
        } else if let Some(term) = in_name_order(&search, backend, filter.sort.by) {
            // A frequent term in name order: the search index yields its matches in that order
            // (m0011, m0012), so the page is its first `limit` listed matches. Within one
            // entity the entity's own rows are walked first: the index's matches are everyone's,
            // and a small entity may hold few of a term every entity has.
            let mark = cursor.users.as_ref();
            let walked = match scope {
                Some(_) => {
                    let walked = walk_window(conn, scope, filter, &search, mark, limit + 1).await?;
                    // The walk saw every listed user of the entity: its matches are all there are.
                    let whole = walked.len() as u64 > limit
                        || listed_count(conn, scope, &filter.statuses).await? <= WINDOW;
                    whole.then_some(walked)
                }
                None => None,
            };
            match walked {
                Some(ids) => fetch_in_order(conn, ids).await,
                None => name_order::page(conn, scope, filter, term, mark, limit + 1).await,
            }
        } else if by_index || search == Search::None || filter.sort.by == Sort::LastSignIn {
            fetch_users(
                conn,
                users_base.clone(),
                filter.sort,
                cursor.users.as_ref(),
                limit + 1,
            )
            .await
        } else {
            // A frequent term: look for the page among the next rows of the sort order first;
            // only when they hold too few matches (the term is frequent elsewhere in the order)
            // let the search index find every match and sort them.
            let walked = walk_window(
                conn,
                scope,
                filter,
                &search,
                cursor.users.as_ref(),
                limit + 1,
            )
            .await?;
            if walked.len() as u64 > limit {
                fetch_in_order(conn, walked).await
            } else if backend == DbBackend::Postgres
                && matches!(filter.sort.by, Sort::Name | Sort::Email)
            {
                let mark = cursor.users.as_ref();
                let ids = sorted_matches(conn, scope, filter, &search, mark, limit + 1).await?;
                fetch_in_order(conn, ids).await
            } else {
                let indexed = users_query(backend, scope, filter, &search, true);
                fetch_users(conn, indexed, filter.sort, cursor.users.as_ref(), limit + 1).await
            }
        }
    };
    let invitations = async {
        if !with_invitations {
            return Ok((Vec::new(), 0));
        }
        let base = invitations_query(scope, &search, now);
        let total = capped_count(conn, base.clone().into_query(), cap);
        let rows = async {
            if cursor.invitations_done {
                Ok(Vec::new())
            } else {
                fetch_invitations(
                    conn,
                    base.clone(),
                    filter.sort,
                    cursor.invitations.as_ref(),
                    limit + 1,
                )
                .await
            }
        };
        let (total, rows) = tokio::try_join!(total, rows)?;
        Ok::<_, DbErr>((rows, total))
    };
    let (users_total, users, (invitations, invitations_total)) =
        tokio::try_join!(users_total, users, invitations)?;

    let (taken, next) = merge(filter.sort, users, invitations, &cursor, limit);
    Ok(Page {
        rows: details(conn, taken).await?,
        total: users_total.min(user_cap) + invitations_total.min(cap),
        total_exact: users_total <= user_cap && invitations_total <= cap,
        next,
        offset: cursor.shown,
    })
}

/// The term of a search whose page an index reads in name order (`name_order`), when it is one.
/// Not on PostgreSQL for a term with a space: `pg_trgm` keeps no trigram across a space, so the
/// name-order index knows "e ka" by few and common trigrams and reads most of itself before its
/// page is full (seconds); the names without their spaces (m0009) answer it instead.
fn in_name_order(search: &Search, backend: DbBackend, sort: Sort) -> Option<&str> {
    match (search, sort) {
        (Search::Contains(term), Sort::Name)
            if backend == DbBackend::Sqlite || !in_names_only(term) =>
        {
            Some(term)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests;
