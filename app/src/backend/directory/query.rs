//! The conditions of a listing: who may see what, status, search (by index or per row), and
//! capped counts.

use super::*;
use sea_orm::sea_query::Func;
use sea_orm::FromQueryResult;

/// How a search term is matched.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Search {
    None,
    /// One or two characters: name or email starts with them.
    Prefix(String),
    /// Three or more: name or email contains them.
    Contains(String),
    /// Longer than anything stored.
    Impossible,
}

pub(super) fn search_of(text: &str) -> Search {
    let term = text.trim().to_lowercase();
    match term.chars().count() {
        0 => Search::None,
        1 | 2 => Search::Prefix(term),
        n if n > LONGEST_TEXT => Search::Impossible,
        _ => Search::Contains(term),
    }
}

/// `text` as a LIKE pattern matching values that start with it literally.
pub(super) fn prefix_pattern(text: &str) -> String {
    let mut pattern = contains_pattern(text);
    pattern.remove(0);
    pattern
}

/// The upper bound of the range of values that start with `term` (ranges use the indexes).
pub(super) fn prefix_end(term: &str) -> String {
    format!("{term}\u{10FFFF}")
}

pub(super) fn like(column: user::Column, pattern: String) -> SimpleExpr {
    Expr::col((user::Entity, column)).like(LikeExpr::new(pattern).escape('\\'))
}

/// `text` as one FTS5 phrase: quotes doubled, so nothing in it is query syntax.
pub(super) fn fts_phrase(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "\"\""))
}

/// The search condition on users. `by_index` asks for the form the search index answers;
/// otherwise a per-row check that leaves the sort index free to drive the query.
pub(super) fn user_search(
    backend: DbBackend,
    search: &Search,
    by_index: bool,
) -> Option<SimpleExpr> {
    use user::Column as C;
    match (search, backend) {
        (Search::None, _) => None,
        (Search::Impossible, _) => Some(Expr::val(1).eq(0)),
        (Search::Prefix(term), DbBackend::Sqlite) => {
            // Ranges use the indexes on SQLite, where LIKE would not (it folds case).
            let end = prefix_end(term);
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
        (Search::Contains(term), _) if !by_index => Some(contains_check(backend, "users", term)),
        // PostgreSQL's planner weighs the trigram indexes against the sort order itself.
        (Search::Contains(term), _) if in_names_only(term) => Some(spaced_term(backend, term)),
        (Search::Contains(term), _) => Some(
            like(C::SortName, contains_pattern(term))
                .or(like(C::EmailNormalized, contains_pattern(term))),
        ),
    }
}

/// The names without their spaces, exactly as migration m0009 indexes them (PostgreSQL).
/// Written as literal SQL: with the space and the empty string as bound values, a statement
/// PostgreSQL has switched to its generic plan (after five runs on a connection) no longer
/// matches the index's expression and scans the whole table instead (190–240 ms at a million
/// users, seen in the bench before this was literal).
pub(super) const JOINED_NAME: &str = "replace(users.sort_name, ' ', '')";

/// A term with a space, looked for in names through the index of names without their spaces
/// (m0009): that index has the trigrams across the space ("nwi" of "n wirth"), which the name
/// index lacks, so it hands over far fewer candidates. Taking the spaces out of both sides
/// keeps every match, and the term itself is then checked on each candidate.
fn spaced_term(backend: DbBackend, term: &str) -> SimpleExpr {
    let joined = term.replace(' ', "");
    if joined.chars().count() < 3 {
        // No trigram either way ("a b").
        return like(user::Column::SortName, contains_pattern(term));
    }
    Expr::expr(Expr::cust(JOINED_NAME))
        .like(LikeExpr::new(contains_pattern(&joined)).escape('\\'))
        .and(contains_check(backend, "users", term))
}

/// An email address never holds whitespace (`Email::parse`), so a term with a space can only
/// be in a name, and the email index need not be asked (half the trigram work on PostgreSQL).
pub(super) fn in_names_only(term: &str) -> bool {
    term.chars().any(char::is_whitespace)
}

/// The per-row form of a substring search on the `sort_name` and `email_normalized` of
/// `table`: a function no index answers, so the sort order drives the query.
pub(super) fn contains_check(backend: DbBackend, table: &str, term: &str) -> SimpleExpr {
    let find = Alias::new(if backend == DbBackend::Sqlite {
        "instr"
    } else {
        "strpos"
    });
    let found = |column: &str| {
        Expr::expr(
            Func::cust(find.clone())
                .arg(Expr::col((Alias::new(table), Alias::new(column))))
                .arg(term),
        )
        .gt(0)
    };
    if in_names_only(term) {
        found("sort_name")
    } else {
        found("sort_name").or(found("email_normalized"))
    }
}

pub(super) fn status_condition(backend: DbBackend, statuses: &[UserStatus]) -> SimpleExpr {
    let values: Vec<&str> = statuses.iter().map(|s| s.as_str()).collect();
    if backend == DbBackend::Sqlite {
        // Status never narrows enough to be worth an index; `+` keeps SQLite on the sort order.
        Expr::expr(Expr::cust("+users.status")).is_in(values)
    } else {
        Expr::col((user::Entity, user::Column::Status)).is_in(values)
    }
}

/// Counts the rows of `query`, stopping at `cap + 1`.
pub(super) async fn capped_count<C: ConnectionTrait>(
    conn: &C,
    mut query: SelectStatement,
    cap: u64,
) -> Result<u64, DbErr> {
    query.clear_selects();
    query.expr(Expr::val(1)).limit(cap + 1);
    count_rows(conn, query).await
}

/// How many rows `query` yields.
pub(super) async fn count_rows<C: ConnectionTrait>(
    conn: &C,
    query: SelectStatement,
) -> Result<u64, DbErr> {
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

/// How many users of `scope` (every entity when `None`) have one of `statuses`: exact, from
/// the counters the database keeps with every change (migration m0004), so a million rows cost
/// a few row reads.
pub(super) async fn listed_count<C: ConnectionTrait>(
    conn: &C,
    scope: Option<Uuid>,
    statuses: &[UserStatus],
) -> Result<u64, DbErr> {
    let mut query = Query::select();
    query
        .expr_as(
            Expr::cust("CAST(COALESCE(SUM(n), 0) AS BIGINT)"),
            Alias::new("n"),
        )
        .from(Alias::new("user_counts"))
        .and_where(Expr::col(Alias::new("status")).is_in(statuses.iter().map(|s| s.as_str())));
    if let Some(entity) = scope {
        query.and_where(Expr::col(Alias::new("entity_id")).eq(entity));
    }
    let backend = conn.get_database_backend();
    let row = conn.query_one(backend.build(&query)).await?;
    Ok(row
        .map(|r| r.try_get::<i64>("", "n"))
        .transpose()?
        .unwrap_or(0)
        .max(0) as u64)
}

/// The users a frequent term matches, read from the search index as it streams (SQLite), for a
/// capped count: the index yields matches one by one, so counting to the cap costs the cap's
/// worth of row lookups rather than a walk of the sort order.
pub(super) fn fts_matches(
    backend: DbBackend,
    scope: Option<Uuid>,
    filter: &Filter,
    term: &str,
) -> SelectStatement {
    let mut query = users_query(backend, scope, filter, &Search::None, false).into_query();
    query
        .join(
            sea_orm::JoinType::InnerJoin,
            Alias::new("users_search"),
            Expr::cust("users_search.rowid = users.rowid"),
        )
        .and_where(Expr::cust_with_values(
            "users_search MATCH ?",
            [fts_phrase(term)],
        ));
    query
}

/// The viewer's scope: the entity they may list, or `None` for an operator's "all entities".
pub(super) fn scope(me: &Caller, filter: &Filter) -> Result<Authorized<Scope>, ServiceError> {
    me.may_list(Action::ReadUsers, filter.entity_id)
}

pub(super) fn users_query(
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

/// True when the search index should answer a prefix search: it matches few enough rows.
pub(super) async fn selective<C: ConnectionTrait>(
    conn: &C,
    search: &Search,
) -> Result<bool, DbErr> {
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
        // Answered by `fts_probe`.
        Search::Contains(_) => return Ok(true),
    }
    Ok(capped_count(conn, matches, SELECTIVE_MATCHES).await? <= SELECTIVE_MATCHES)
}

/// How many rows of the sort order a frequent term is looked for in before the search index
/// takes over.
pub(super) const WINDOW: u64 = 16_000;

#[derive(sea_orm::FromQueryResult)]
pub(super) struct IdOnly {
    pub(super) id: Uuid,
}

/// The ids of the first `limit` users a frequent term matches among the next `WINDOW` rows of
/// the sort order after `mark`, in that order. The window is a co-routine that yields
/// rows in its own order and stops being read at the `limit`th match, so a term found early
/// costs only the rows before it. In name order the window is read from the covering index of
/// migration m0005 alone; the table is read only for the page.
pub(super) async fn walk_window<C: ConnectionTrait>(
    conn: &C,
    scope: Option<Uuid>,
    filter: &Filter,
    search: &Search,
    mark: Option<&Mark>,
    limit: u64,
) -> Result<Vec<Uuid>, DbErr> {
    use user::Column as C;
    let backend = conn.get_database_backend();
    let Search::Contains(term) = search else {
        return Ok(Vec::new());
    };
    let (column, descending) = (user_column(filter.sort.by), filter.sort.descending());
    let mut window = after(
        users_query(backend, scope, filter, &Search::None, false),
        column,
        C::Id,
        descending,
        mark,
    )
    .select_only()
    .columns([C::Id, C::SortName, C::EmailNormalized]);
    if backend != DbBackend::Sqlite && !matches!(column, C::SortName | C::EmailNormalized) {
        window = window.column(column);
    }
    let w = Alias::new("w");
    let mut walk = Query::select();
    walk.column((w.clone(), C::Id))
        .from_subquery(window.limit(WINDOW).into_query(), w.clone())
        .and_where(contains_check(backend, "w", term))
        .limit(limit);
    if backend != DbBackend::Sqlite {
        // PostgreSQL keeps the window's order without sorting again when told it; SQLite would
        // sort the whole window instead of stopping at the `limit`th match, and keeps the
        // co-routine's order anyway.
        let order = if descending {
            sea_orm::Order::Desc
        } else {
            sea_orm::Order::Asc
        };
        walk.order_by((w.clone(), column), order.clone())
            .order_by((w.clone(), C::Id), order);
    }
    let found = IdOnly::find_by_statement(backend.build(&walk))
        .all(conn)
        .await?;
    Ok(found.into_iter().map(|row| row.id).collect())
}
