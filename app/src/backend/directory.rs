//! The User Directory: users and pending invitations in one list, searched, filtered, sorted and
//! paged by keyset at a million rows.
//!
//! Two sources (users, pending invitations) are each read in index order after their own
//! cursor and merged here, so a page never needs OFFSET and each source resumes exactly where it
//! stopped whatever the database's collation. Search uses the FTS5 trigram index on SQLite and
//! `pg_trgm` on PostgreSQL when the term is selective, and walks the sort index checking each row
//! when it is not (a term found in most rows finds its first 50 rows at once that way).

use super::entity::{entity, invitation, invitation_role, user, user_role};
use super::error::ServiceError;
use super::invitations::listing::contains_pattern;
use super::sessions::SessionUser;
use crate::domain::{authorize, Action, EntityId, RoleKey, UserStatus};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Expr, LikeExpr, Query, SelectStatement, SimpleExpr};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait, Select,
};
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::collections::HashMap;
use uuid::Uuid;

/// The most rows one page may have.
pub const MAX_PAGE: u64 = 200;
/// Totals are counted up to this many; beyond it the directory says "more than".
pub const COUNT_CAP: u64 = 10_000;
/// A search's total is counted up to this many: a longer search narrows before anyone pages
/// that far, and counting matches costs what reading them does.
pub const SEARCH_COUNT_CAP: u64 = 1_000;
/// A search term with at most this many matches is answered from the search index; one with
/// more walks the sort order and checks each row.
const SELECTIVE_MATCHES: u64 = 4_000;
/// Nothing stored is longer than this, so a longer term cannot match.
const LONGEST_TEXT: usize = 320;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Sort {
    /// Name, A to Z.
    #[default]
    Name,
    /// Account email, A to Z.
    Email,
    /// Last sign-in, most recent first; never signed in last.
    LastSignIn,
    /// Created, newest first.
    Created,
}

impl Sort {
    pub fn parse(text: &str) -> Self {
        match text {
            "email" => Self::Email,
            "last_sign_in" => Self::LastSignIn,
            "created" => Self::Created,
            _ => Self::Name,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Name => "name",
            Self::Email => "email",
            Self::LastSignIn => "last_sign_in",
            Self::Created => "created",
        }
    }
}

/// A row's place in the sort order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Key {
    Text(String),
    /// `None` sorts after every time (never signed in).
    Time(Option<DateTime<Utc>>),
}

/// Where one source stopped: the key and id of the last row taken from it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mark {
    pub key: Key,
    pub id: Uuid,
}

/// Where the next page starts, per source. A finished source is not read again.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub users: Option<Mark>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invitations: Option<Mark>,
    #[serde(default)]
    pub users_done: bool,
    #[serde(default)]
    pub invitations_done: bool,
}

impl Cursor {
    pub fn encode(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    pub fn decode(text: &str) -> Option<Self> {
        serde_json::from_str(text).ok()
    }
}

#[derive(Clone, Debug)]
pub struct Filter {
    /// Statuses to show; Pending also brings the pending invitations.
    pub statuses: Vec<UserStatus>,
    /// `None`: every entity the viewer may see (operators: all of them).
    pub entity_id: Option<Uuid>,
    pub search: String,
    pub sort: Sort,
    pub after: Option<Cursor>,
    pub limit: u64,
}

impl Default for Filter {
    fn default() -> Self {
        Self {
            statuses: default_statuses(),
            entity_id: None,
            search: String::new(),
            sort: Sort::Name,
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
    /// Matching rows, counted up to `COUNT_CAP` users (plus the pending invitations).
    pub total: u64,
    /// False when there are more than `total`.
    pub total_exact: bool,
    pub next: Option<Cursor>,
}

/// How a search term is matched.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Search {
    None,
    /// One or two characters: name or email starts with them.
    Prefix(String),
    /// Three or more: name or email contains them.
    Contains(String),
    /// Longer than anything stored.
    Impossible,
}

fn search_of(text: &str) -> Search {
    let term = text.trim().to_lowercase();
    match term.chars().count() {
        0 => Search::None,
        1 | 2 => Search::Prefix(term),
        n if n > LONGEST_TEXT => Search::Impossible,
        _ => Search::Contains(term),
    }
}

/// `text` as a LIKE pattern matching values that start with it literally.
fn prefix_pattern(text: &str) -> String {
    let mut pattern = contains_pattern(text);
    pattern.remove(0);
    pattern
}

fn like(column: user::Column, pattern: String) -> SimpleExpr {
    Expr::col((user::Entity, column)).like(LikeExpr::new(pattern).escape('\\'))
}

/// `text` as one FTS5 phrase: quotes doubled, so nothing in it is query syntax.
fn fts_phrase(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "\"\""))
}

/// The search condition on users. `by_index` asks for the form the search index answers;
/// otherwise a per-row check that leaves the sort index free to drive the query.
fn user_search(backend: DbBackend, search: &Search, by_index: bool) -> Option<SimpleExpr> {
    use user::Column as C;
    match (search, backend) {
        (Search::None, _) => None,
        (Search::Impossible, _) => Some(Expr::val(1).eq(0)),
        (Search::Prefix(term), DbBackend::Sqlite) => {
            // Ranges use the indexes on SQLite, where LIKE would not (it folds case).
            let end = format!("{term}\u{10FFFF}");
            let range = |column: C, name: &str| {
                let col: SimpleExpr = if by_index {
                    Expr::col((user::Entity, column)).into()
                } else {
                    // `+column` keeps SQLite from choosing this index over the sort order.
                    Expr::cust(format!("+users.{name}"))
                };
                Expr::expr(col.clone())
                    .gte(term.clone())
                    .and(Expr::expr(col).lt(end.clone()))
            };
            Some(range(C::SortName, "sort_name").or(range(C::EmailNormalized, "email_normalized")))
        }
        (Search::Prefix(term), _) => Some(
            like(C::SortName, prefix_pattern(term))
                .or(like(C::EmailNormalized, prefix_pattern(term))),
        ),
        (Search::Contains(term), DbBackend::Sqlite) if by_index => Some(Expr::cust_with_values(
            "users.rowid IN (SELECT rowid FROM users_search WHERE users_search MATCH ?)",
            [fts_phrase(term)],
        )),
        (Search::Contains(term), DbBackend::Sqlite) => Some(Expr::cust_with_values(
            "(instr(users.sort_name, ?) > 0 OR instr(users.email_normalized, ?) > 0)",
            [term.clone(), term.clone()],
        )),
        // PostgreSQL's planner weighs the trigram indexes against the sort order itself.
        (Search::Contains(term), _) => Some(
            like(C::SortName, contains_pattern(term))
                .or(like(C::EmailNormalized, contains_pattern(term))),
        ),
    }
}

fn status_condition(backend: DbBackend, statuses: &[UserStatus]) -> SimpleExpr {
    let values: Vec<&str> = statuses.iter().map(|s| s.as_str()).collect();
    if backend == DbBackend::Sqlite {
        // Status never narrows enough to be worth an index; `+` keeps SQLite on the sort order.
        Expr::expr(Expr::cust("+users.status")).is_in(values)
    } else {
        Expr::col((user::Entity, user::Column::Status)).is_in(values)
    }
}

/// Counts the rows of `query`, stopping at `cap + 1`.
async fn capped_count<C: ConnectionTrait>(
    conn: &C,
    mut query: SelectStatement,
    cap: u64,
) -> Result<u64, DbErr> {
    query.clear_selects();
    query.expr(Expr::val(1)).limit(cap + 1);
    let outer = Query::select()
        .expr_as(Expr::cust("COUNT(*)"), Alias::new("n"))
        .from_subquery(query, Alias::new("matches"))
        .to_owned();
    let backend = conn.get_database_backend();
    let row = conn.query_one(backend.build(&outer)).await?;
    Ok(row
        .map(|r| r.try_get::<i64>("", "n"))
        .transpose()?
        .unwrap_or(0) as u64)
}

/// The viewer's scope: the entity they may list, or `None` for an operator's "all entities".
fn scope(me: &SessionUser, filter: &Filter) -> Result<Option<Uuid>, ServiceError> {
    let scope = match (me.actor.operator, filter.entity_id) {
        (true, chosen) => chosen,
        (false, chosen) => Some(chosen.unwrap_or(me.entity.id)),
    };
    authorize(&me.actor, Action::ReadUsers, scope.map(EntityId))?;
    Ok(scope)
}

fn users_query(
    backend: DbBackend,
    scope: Option<Uuid>,
    filter: &Filter,
    search: &Search,
    by_index: bool,
) -> Select<user::Entity> {
    let mut query = user::Entity::find()
        .filter(user::Column::PurgedAt.is_null())
        .filter(status_condition(backend, &filter.statuses));
    if let Some(entity) = scope {
        query = query.filter(user::Column::EntityId.eq(entity));
    }
    if let Some(condition) = user_search(backend, search, by_index) {
        query = query.filter(condition);
    }
    query
}

/// True when the search index should answer: the term matches few enough rows.
async fn selective<C: ConnectionTrait>(conn: &C, search: &Search) -> Result<bool, DbErr> {
    let backend = conn.get_database_backend();
    if backend != DbBackend::Sqlite {
        return Ok(true);
    }
    let mut matches = Query::select();
    match search {
        Search::None | Search::Impossible => return Ok(false),
        Search::Prefix(_) => {
            matches.from(Alias::new("users")).cond_where(
                user_search(backend, search, true).expect("a prefix search has a condition"),
            );
        }
        Search::Contains(term) => {
            matches
                .from(Alias::new("users_search"))
                .and_where(Expr::cust_with_values(
                    "users_search MATCH ?",
                    [fts_phrase(term)],
                ));
        }
    }
    Ok(capped_count(conn, matches, SELECTIVE_MATCHES).await? <= SELECTIVE_MATCHES)
}

/// How many rows of the sort order a frequent term is looked for in before the search index
/// takes over.
const WINDOW: u64 = 4_000;

/// `users.rowid IN (the next WINDOW rows of the sort order after mark, filters applied)`.
fn window_of(
    backend: DbBackend,
    scope: Option<Uuid>,
    filter: &Filter,
    mark: Option<&Mark>,
) -> SimpleExpr {
    let (column, descending) = user_order(filter.sort);
    let rows = after(
        users_query(backend, scope, filter, &Search::None, false),
        column,
        user::Column::Id,
        descending,
        mark,
    )
    .select_only()
    .expr(Expr::cust("users.rowid"))
    .limit(WINDOW)
    .into_query();
    let built = backend.build(&rows);
    Expr::cust_with_values(
        format!("users.rowid IN ({})", built.sql),
        built.values.map(|v| v.0).unwrap_or_default(),
    )
}

/// The order of one source, as (column, descending). `LastSignIn` also has its null phase.
fn user_order(sort: Sort) -> (user::Column, bool) {
    use user::Column as C;
    match sort {
        Sort::Name => (C::SortName, false),
        Sort::Email => (C::EmailNormalized, false),
        Sort::LastSignIn => (C::LastLoginAt, true),
        Sort::Created => (C::CreatedAt, true),
    }
}

fn user_key(sort: Sort, u: &user::Model) -> Key {
    match sort {
        Sort::Name => Key::Text(u.sort_name.clone()),
        Sort::Email => Key::Text(u.email_normalized.clone()),
        Sort::LastSignIn => Key::Time(u.last_login_at),
        Sort::Created => Key::Time(Some(u.created_at)),
    }
}

fn key_value(key: &Key) -> sea_orm::Value {
    match key {
        Key::Text(text) => text.clone().into(),
        Key::Time(time) => (*time).into(),
    }
}

/// Rows of `query` after `mark` in the order `(column, id)`, ascending or descending.
fn after<E: EntityTrait>(
    query: Select<E>,
    column: E::Column,
    id: E::Column,
    descending: bool,
    mark: Option<&Mark>,
) -> Select<E> {
    let query = match mark {
        None => query,
        Some(mark) => {
            let here = Expr::tuple([Expr::col(column).into(), Expr::col(id).into()]);
            let there = Expr::tuple([
                Expr::val(key_value(&mark.key)).into(),
                Expr::val(mark.id).into(),
            ]);
            query.filter(if descending {
                here.lt(there)
            } else {
                here.gt(there)
            })
        }
    };
    if descending {
        query.order_by_desc(column).order_by_desc(id)
    } else {
        query.order_by_asc(column).order_by_asc(id)
    }
}

async fn fetch_users<C: ConnectionTrait>(
    conn: &C,
    base: Select<user::Entity>,
    sort: Sort,
    mark: Option<&Mark>,
    limit: u64,
) -> Result<Vec<user::Model>, DbErr> {
    use user::Column as C;
    let (column, descending) = user_order(sort);
    if sort != Sort::LastSignIn {
        return after(base, column, C::Id, descending, mark)
            .limit(limit)
            .all(conn)
            .await;
    }
    // Those who signed in, most recent first, then those who never did (newest id first).
    let mut rows = Vec::new();
    let in_null_phase = matches!(
        mark,
        Some(Mark {
            key: Key::Time(None),
            ..
        })
    );
    if !in_null_phase {
        rows = after(
            base.clone().filter(C::LastLoginAt.is_not_null()),
            column,
            C::Id,
            true,
            mark,
        )
        .limit(limit)
        .all(conn)
        .await?;
    }
    if (rows.len() as u64) < limit {
        let mut nulls = base.filter(C::LastLoginAt.is_null());
        if let Some(mark) = mark.filter(|_| in_null_phase) {
            nulls = nulls.filter(C::Id.lt(mark.id));
        }
        rows.extend(
            nulls
                .order_by_desc(C::Id)
                .limit(limit - rows.len() as u64)
                .all(conn)
                .await?,
        );
    }
    Ok(rows)
}

/// Pending invitations (not expired) as directory rows.
fn invitations_query(
    scope: Option<Uuid>,
    search: &Search,
    now: DateTime<Utc>,
) -> Select<invitation::Entity> {
    use invitation::Column as C;
    let mut query = invitation::Entity::find()
        .filter(C::Status.eq("pending"))
        .filter(C::ExpiresAt.gt(now));
    if let Some(entity) = scope {
        query = query.filter(C::EntityId.eq(entity));
    }
    let pattern = match search {
        Search::None => None,
        Search::Impossible => return query.filter(Expr::val(1).eq(0)),
        Search::Prefix(term) => Some(prefix_pattern(term)),
        Search::Contains(term) => Some(contains_pattern(term)),
    };
    if let Some(pattern) = pattern {
        query =
            query.filter(Expr::col(C::EmailNormalized).like(LikeExpr::new(pattern).escape('\\')));
    }
    query
}

fn invitation_key(sort: Sort, i: &invitation::Model) -> Key {
    match sort {
        Sort::Name | Sort::Email => Key::Text(i.email_normalized.clone()),
        Sort::LastSignIn => Key::Time(None),
        Sort::Created => Key::Time(Some(i.created_at)),
    }
}

async fn fetch_invitations<C: ConnectionTrait>(
    conn: &C,
    base: Select<invitation::Entity>,
    sort: Sort,
    mark: Option<&Mark>,
    limit: u64,
) -> Result<Vec<invitation::Model>, DbErr> {
    use invitation::Column as C;
    let query = match sort {
        Sort::Name | Sort::Email => after(base, C::EmailNormalized, C::Id, false, mark),
        Sort::Created => after(base, C::CreatedAt, C::Id, true, mark),
        Sort::LastSignIn => {
            let base = match mark {
                Some(mark) => base.filter(C::Id.lt(mark.id)),
                None => base,
            };
            base.order_by_desc(C::Id)
        }
    };
    query.limit(limit).all(conn).await
}

/// The order of the merged list: the same as each source's.
fn compare(sort: Sort, a: &(Key, Uuid), b: &(Key, Uuid)) -> Ordering {
    let by_key = match (&a.0, &b.0) {
        (Key::Text(x), Key::Text(y)) => x.cmp(y),
        // Later first; never (None) last.
        (Key::Time(x), Key::Time(y)) => match (x, y) {
            (Some(x), Some(y)) => y.cmp(x),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        },
        (Key::Text(_), Key::Time(_)) => Ordering::Less,
        (Key::Time(_), Key::Text(_)) => Ordering::Greater,
    };
    let by_id = match sort {
        Sort::Name | Sort::Email => a.1.cmp(&b.1),
        Sort::LastSignIn | Sort::Created => b.1.cmp(&a.1),
    };
    by_key.then(by_id)
}

pub async fn list<C: ConnectionTrait>(
    conn: &C,
    me: &SessionUser,
    filter: &Filter,
    now: DateTime<Utc>,
) -> Result<Page, ServiceError> {
    let backend = conn.get_database_backend();
    let scope = scope(me, filter)?;
    let search = search_of(&filter.search);
    let limit = filter.limit.clamp(1, MAX_PAGE);
    let cursor = filter.after.clone().unwrap_or_default();
    let by_index = selective(conn, &search).await?;
    let with_invitations = filter.statuses.contains(&UserStatus::Pending);

    let users_base = users_query(backend, scope, filter, &search, by_index);
    let cap = if search == Search::None {
        COUNT_CAP
    } else {
        SEARCH_COUNT_CAP
    };
    let users_total = capped_count(conn, users_base.clone().into_query(), cap).await?;
    let users = if cursor.users_done || filter.statuses.is_empty() {
        Vec::new()
    } else if by_index || search == Search::None || filter.sort == Sort::LastSignIn {
        fetch_users(
            conn,
            users_base,
            filter.sort,
            cursor.users.as_ref(),
            limit + 1,
        )
        .await?
    } else {
        // A frequent term: look for the page among the next rows of the sort order first; only
        // when they hold too few matches (the term is frequent elsewhere in the order) let the
        // search index find every match and sort them.
        let window = window_of(backend, scope, filter, cursor.users.as_ref());
        let walked = fetch_users(
            conn,
            users_base.filter(window),
            filter.sort,
            cursor.users.as_ref(),
            limit + 1,
        )
        .await?;
        if walked.len() as u64 > limit {
            walked
        } else {
            let indexed = users_query(backend, scope, filter, &search, true);
            fetch_users(conn, indexed, filter.sort, cursor.users.as_ref(), limit + 1).await?
        }
    };
    let (invitations, invitations_total) = if with_invitations {
        let base = invitations_query(scope, &search, now);
        let total = capped_count(conn, base.clone().into_query(), cap).await?;
        let rows = if cursor.invitations_done {
            Vec::new()
        } else {
            fetch_invitations(
                conn,
                base,
                filter.sort,
                cursor.invitations.as_ref(),
                limit + 1,
            )
            .await?
        };
        (rows, total)
    } else {
        (Vec::new(), 0)
    };

    // Merge the two ordered lists, taking at most `limit` rows.
    let users_fetched = users.len() as u64;
    let invitations_fetched = invitations.len() as u64;
    let mut users = users.into_iter().peekable();
    let mut invitations = invitations.into_iter().peekable();
    let mut taken = Vec::with_capacity(limit as usize);
    let mut next = cursor.clone();
    while (taken.len() as u64) < limit {
        let user_head = users.peek().map(|u| (user_key(filter.sort, u), u.id));
        let invitation_head = invitations
            .peek()
            .map(|i| (invitation_key(filter.sort, i), i.id));
        let take_user = match (&user_head, &invitation_head) {
            (None, None) => break,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (Some(u), Some(i)) => compare(filter.sort, u, i) != Ordering::Greater,
        };
        if take_user {
            let (key, id) = user_head.expect("peeked");
            next.users = Some(Mark { key, id });
            taken.push(Item::User(users.next().expect("peeked")));
        } else {
            let (key, id) = invitation_head.expect("peeked");
            next.invitations = Some(Mark { key, id });
            taken.push(Item::Invitation(invitations.next().expect("peeked")));
        }
    }
    next.users_done = cursor.users_done || (users.peek().is_none() && users_fetched <= limit);
    next.invitations_done =
        cursor.invitations_done || (invitations.peek().is_none() && invitations_fetched <= limit);
    let more = !(next.users_done && next.invitations_done);

    Ok(Page {
        rows: details(conn, taken).await?,
        total: users_total.min(cap) + invitations_total.min(cap),
        total_exact: users_total <= cap && invitations_total <= cap,
        next: more.then_some(next),
    })
}

/// Entity names and roles for a page of rows, in three queries.
async fn details<C: ConnectionTrait>(conn: &C, items: Vec<Item>) -> Result<Vec<Row>, DbErr> {
    let mut user_ids = Vec::new();
    let mut invitation_ids = Vec::new();
    let mut entity_ids = Vec::new();
    for item in &items {
        match item {
            Item::User(u) => {
                user_ids.push(u.id);
                entity_ids.push(u.entity_id);
            }
            Item::Invitation(i) => {
                invitation_ids.push(i.id);
                entity_ids.push(i.entity_id);
            }
        }
    }
    entity_ids.sort();
    entity_ids.dedup();
    let entities: HashMap<Uuid, String> = if entity_ids.is_empty() {
        HashMap::new()
    } else {
        entity::Entity::find()
            .filter(entity::Column::Id.is_in(entity_ids))
            .all(conn)
            .await?
            .into_iter()
            .map(|e| (e.id, e.name))
            .collect()
    };
    let mut roles: HashMap<Uuid, Vec<RoleKey>> = HashMap::new();
    if !user_ids.is_empty() {
        for row in user_role::Entity::find()
            .filter(user_role::Column::UserId.is_in(user_ids))
            .all(conn)
            .await?
        {
            if let Some(role) = RoleKey::parse(&row.role_key) {
                roles.entry(row.user_id).or_default().push(role);
            }
        }
    }
    if !invitation_ids.is_empty() {
        for row in invitation_role::Entity::find()
            .filter(invitation_role::Column::InvitationId.is_in(invitation_ids))
            .all(conn)
            .await?
        {
            if let Some(role) = RoleKey::parse(&row.role_key) {
                roles.entry(row.invitation_id).or_default().push(role);
            }
        }
    }
    Ok(items
        .into_iter()
        .map(|item| {
            let (id, entity_id) = match &item {
                Item::User(u) => (u.id, u.entity_id),
                Item::Invitation(i) => (i.id, i.entity_id),
            };
            let mut roles = roles.remove(&id).unwrap_or_default();
            roles.sort();
            Row {
                entity_name: entities.get(&entity_id).cloned().unwrap_or_default(),
                roles,
                item,
            }
        })
        .collect())
}

/// An entity's name, for a row changed outside a listing.
pub async fn entity_name<C: ConnectionTrait>(conn: &C, id: Uuid) -> Result<String, DbErr> {
    Ok(entity::Entity::find_by_id(id)
        .one(conn)
        .await?
        .map(|e| e.name)
        .unwrap_or_default())
}

/// The name a directory row shows: the user's, or for an invitation the part of the email
/// before the @ (the person has not told us their name yet).
pub fn display_name(row: &Row) -> String {
    match &row.item {
        Item::User(u) => u.name.clone(),
        Item::Invitation(i) => i.email.split('@').next().unwrap_or_default().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_pick_their_kind_of_search() {
        assert_eq!(search_of("  "), Search::None);
        assert_eq!(search_of(" Ad "), Search::Prefix("ad".into()));
        assert_eq!(search_of("LOVE"), Search::Contains("love".into()));
        assert_eq!(search_of("Zoë"), Search::Contains("zoë".into()));
        assert_eq!(search_of(&"x".repeat(10_000)), Search::Impossible);
    }

    #[test]
    fn fts_phrases_quote_everything() {
        assert_eq!(fts_phrase(r#"a"b OR c*"#), r#""a""b OR c*""#);
        assert_eq!(prefix_pattern("a_%"), "a\\_\\%%");
    }

    #[test]
    fn cursors_round_trip() {
        let cursor = Cursor {
            users: Some(Mark {
                key: Key::Text("o'brien \"x\"".into()),
                id: Uuid::now_v7(),
            }),
            invitations: Some(Mark {
                key: Key::Time(None),
                id: Uuid::now_v7(),
            }),
            users_done: false,
            invitations_done: true,
        };
        assert_eq!(Cursor::decode(&cursor.encode()), Some(cursor));
        assert_eq!(Cursor::decode("garbage"), None);
    }

    #[test]
    fn merge_order_puts_never_signed_in_last() {
        let t = Utc::now();
        let a = (Key::Time(Some(t)), Uuid::now_v7());
        let b = (Key::Time(None), Uuid::now_v7());
        assert_eq!(compare(Sort::LastSignIn, &a, &b), Ordering::Less);
        let x = (Key::Text("ada".into()), Uuid::now_v7());
        let y = (Key::Text("bob".into()), Uuid::now_v7());
        assert_eq!(compare(Sort::Name, &x, &y), Ordering::Less);
    }
}
