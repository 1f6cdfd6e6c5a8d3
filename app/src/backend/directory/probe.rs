//! How a substring search judges its term before answering: SQLite counts it in the FTS5
//! index, PostgreSQL in a fixed sample of the users (m0008); a selective term's matches are then
//! read whole, in one pass, for the page and the exact total.

use super::query::{
    capped_count, contains_check, fts_matches, fts_phrase, in_names_only, users_query, Search,
};
use super::*;
use sea_orm::FromQueryResult;

/// The fixed sample of users PostgreSQL keeps a small covering index of (migration m0008),
/// written exactly as the index's condition so the planner uses it.
const SAMPLE: &str = "right(users.id::text, 2) = '00'";
/// One in this many users is in the sample.
const SAMPLE_RATE: u64 = 256;
// A frequent term's expected matches are far above the cap it is reported beyond.
const _: () = assert!(SAMPLE_RATE * FREQUENT_SAMPLE_HITS > 5 * SEARCH_COUNT_CAP);
/// A term found in at least this many sampled users is frequent: it has more than
/// `SEARCH_COUNT_CAP` matches except with a probability below one in ten million (with at most
/// 1,000 matches the sample holds 3.9 of them on average).
pub(super) const FREQUENT_SAMPLE_HITS: u64 = 20;

/// PostgreSQL: how many of the sampled listed users in scope a term matches, counted up to
/// `FREQUENT_SAMPLE_HITS` from the sample's index alone (about a millisecond at a million users,
/// whatever the term).
pub(super) async fn sample_hits<C: ConnectionTrait>(
    conn: &C,
    scope: Option<Uuid>,
    filter: &Filter,
    term: &str,
) -> Result<u64, DbErr> {
    let backend = conn.get_database_backend();
    let mut query = users_query(backend, scope, filter, &Search::None, false).into_query();
    query
        .and_where(Expr::cust(SAMPLE))
        .and_where(contains_check(backend, "users", term));
    capped_count(conn, query, FREQUENT_SAMPLE_HITS).await
}

/// A row's place in one sort order, read alone so a probe decodes one column besides the id.
#[derive(sea_orm::FromQueryResult)]
struct TextKey {
    id: Uuid,
    k: String,
}

#[derive(sea_orm::FromQueryResult)]
struct TimeKey {
    id: Uuid,
    k: Option<DateTime<Utc>>,
}

/// Every match of a selective term, as a probe found them.
pub(super) enum Found {
    /// Each match's place in the sort order.
    Keys(Vec<(Key, Uuid)>),
    /// How many there are and the ids of the page, sorted by the database.
    Page { total: u64, ids: Vec<Uuid> },
}

impl Found {
    pub(super) fn total(&self) -> u64 {
        match self {
            Found::Keys(keys) => keys.len() as u64,
            Found::Page { total, .. } => *total,
        }
    }
}

/// Asks the search index (SQLite) for every listed user a term matches, in one pass that stops
/// after `SELECTIVE_MATCHES`: `Some` when the term is that selective (the page and the exact
/// total come from its matches), `None` when it is frequent. In name or email order the
/// database sorts the matches and hands over the page alone: passing thousands of keys to the
/// application cost more than finding them ("n wirth", 3,542 matches).
pub(super) async fn fts_probe<C: ConnectionTrait>(
    conn: &C,
    scope: Option<Uuid>,
    filter: &Filter,
    term: &str,
    mark: Option<&Mark>,
    limit: u64,
) -> Result<Option<Found>, DbErr> {
    let backend = conn.get_database_backend();
    // The index alone first: a frequent term is told apart without reading any user row. Not
    // for a term with a space (a name, nearly always selective): its long phrase is the costly
    // part of asking the index (3 ms for "ada lovelace"), so it is asked once, for the page.
    if !in_names_only(term) {
        let mut raw = Query::select();
        raw.from(Alias::new("users_search"))
            .and_where(Expr::cust_with_values(
                "users_search MATCH ?",
                [fts_phrase(term)],
            ));
        if capped_count(conn, raw, SELECTIVE_MATCHES).await? > SELECTIVE_MATCHES {
            return Ok(None);
        }
    }
    let matches = fts_matches(backend, scope, filter, term);
    every_match(conn, matches, filter.sort, mark, limit).await
}

/// Every row of `query` (the matches of a selective term), up to `SELECTIVE_MATCHES`: in name or
/// email order the page sorted by the database, in the time orders each row's key.
async fn every_match<C: ConnectionTrait>(
    conn: &C,
    query: SelectStatement,
    order: Order,
    mark: Option<&Mark>,
    limit: u64,
) -> Result<Option<Found>, DbErr> {
    if matches!(order.by, Sort::Name | Sort::Email) {
        return sorted_page(conn, query, order, mark, limit).await;
    }
    Ok(all_keys(conn, query, order.by, SELECTIVE_MATCHES)
        .await?
        .map(Found::Keys))
}

#[derive(sea_orm::FromQueryResult)]
struct IdAndTotal {
    id: Uuid,
    n: i64,
}

/// The rows of `query` in name or email order after `mark`, at most `limit`, with how many rows
/// `query` has (up to `SELECTIVE_MATCHES`; `None` beyond), in one statement.
async fn sorted_page<C: ConnectionTrait>(
    conn: &C,
    mut query: SelectStatement,
    order: Order,
    mark: Option<&Mark>,
    limit: u64,
) -> Result<Option<Found>, DbErr> {
    let column = user_column(order.by);
    let way = if order.descending() {
        sea_orm::Order::Desc
    } else {
        sea_orm::Order::Asc
    };
    let (m, w, id, k) = (
        Alias::new("m"),
        Alias::new("w"),
        Alias::new("id"),
        Alias::new("k"),
    );
    let counting = query.clone();
    query.clear_selects();
    query
        .column((user::Entity, user::Column::Id))
        .expr_as(Expr::col((user::Entity, column)), k.clone())
        .limit(SELECTIVE_MATCHES + 1);
    let counted = Query::select()
        .column((m.clone(), id.clone()))
        .column((m.clone(), k.clone()))
        .expr_as(Expr::cust("COUNT(*) OVER ()"), Alias::new("n"))
        .from_subquery(query, m)
        .to_owned();
    let mut page = Query::select();
    page.column((w.clone(), id.clone()))
        .column((w.clone(), Alias::new("n")))
        .from_subquery(counted, w.clone())
        .order_by((w.clone(), k.clone()), way.clone())
        .order_by((w.clone(), id.clone()), way)
        .limit(limit);
    if let Some(Mark {
        key: Key::Text(text),
        id: after,
    }) = mark
    {
        let here = Expr::tuple([Expr::col((w.clone(), k)).into(), Expr::col((w, id)).into()]);
        let there = Expr::tuple([Expr::val(text.clone()).into(), Expr::val(*after).into()]);
        page.and_where(if order.descending() {
            here.lt(there)
        } else {
            here.gt(there)
        });
    }
    let backend = conn.get_database_backend();
    let rows = IdAndTotal::find_by_statement(backend.build(&page))
        .all(conn)
        .await?;
    let total = match rows.first() {
        Some(row) => row.n as u64,
        // Nothing after the mark: the count alone.
        None => capped_count(conn, counting, SELECTIVE_MATCHES).await?,
    };
    Ok((total <= SELECTIVE_MATCHES).then(|| Found::Page {
        total,
        ids: rows.into_iter().map(|row| row.id).collect(),
    }))
}

/// The keys in `sort` of every row of `query` when there are at most `cap`; `None` when more.
async fn all_keys<C: ConnectionTrait>(
    conn: &C,
    mut query: SelectStatement,
    sort: Sort,
    cap: u64,
) -> Result<Option<Vec<(Key, Uuid)>>, DbErr> {
    let column = user_column(sort);
    query.clear_selects();
    query
        .column((user::Entity, user::Column::Id))
        .expr_as(Expr::col((user::Entity, column)), Alias::new("k"))
        .limit(cap + 1);
    let statement = conn.get_database_backend().build(&query);
    let found: Vec<(Key, Uuid)> = match sort {
        Sort::Name | Sort::Email => TextKey::find_by_statement(statement)
            .all(conn)
            .await?
            .into_iter()
            .map(|row| (Key::Text(row.k), row.id))
            .collect(),
        Sort::LastSignIn | Sort::Created => TimeKey::find_by_statement(statement)
            .all(conn)
            .await?
            .into_iter()
            .map(|row| (Key::Time(row.k), row.id))
            .collect(),
    };
    Ok((found.len() as u64 <= cap).then_some(found))
}

/// PostgreSQL: every listed user a term the sample found seldom matches, with their sort keys,
/// read in one pass of the trigram index (in name or email order sorted by the database, which
/// hands over the page) — `Some` when there are at most `SELECTIVE_MATCHES` (the page and the
/// exact total then come from them, instead of asking the index twice),
/// `None` when there are more (then the total is known to pass the cap without counting).
pub(super) async fn trigram_probe<C: ConnectionTrait>(
    conn: &C,
    scope: Option<Uuid>,
    filter: &Filter,
    search: &Search,
    mark: Option<&Mark>,
    limit: u64,
) -> Result<Option<Found>, DbErr> {
    let backend = conn.get_database_backend();
    let query = users_query(backend, scope, filter, search, true).into_query();
    every_match(conn, query, filter.sort, mark, limit).await
}

/// PostgreSQL, in name or email order: the page of a frequent term whose matches the window walk
/// did not reach (a name late in the order: "yusuf", "zoë"). Every match comes from the trigram
/// index and the database sorts them, handing over the page alone. The matches are a
/// `MATERIALIZED` common table expression, so the planner cannot choose to walk the sort index
/// instead, checking each row: for a name near the end of the order that read most of a million
/// rows (4.4 s for "yusuf"; this way about 0.2 s, still over the target: see PERFORMANCE.md).
pub(super) async fn sorted_matches<C: ConnectionTrait>(
    conn: &C,
    scope: Option<Uuid>,
    filter: &Filter,
    search: &Search,
    mark: Option<&Mark>,
    limit: u64,
) -> Result<Vec<Uuid>, DbErr> {
    let backend = conn.get_database_backend();
    let column = user_column(filter.sort.by);
    let way = if filter.sort.descending() {
        "DESC"
    } else {
        "ASC"
    };
    let mut matches = users_query(backend, scope, filter, search, true).into_query();
    matches
        .clear_selects()
        .column((user::Entity, user::Column::Id))
        .expr_as(Expr::col((user::Entity, column)), Alias::new("k"));
    let inner = backend.build(&matches);
    let mut values = inner.values.map(|v| v.0).unwrap_or_default();
    let after = match mark {
        Some(Mark {
            key: Key::Text(text),
            id,
        }) => {
            values.push(text.clone().into());
            values.push((*id).into());
            let beyond = if way == "DESC" { "<" } else { ">" };
            let (k, id) = (values.len() - 1, values.len());
            format!("WHERE (k, id) {beyond} (${k}, ${id})")
        }
        _ => String::new(),
    };
    let sql = format!(
        "WITH m AS MATERIALIZED ({}) SELECT id FROM m {after} \
         ORDER BY k {way}, id {way} LIMIT {limit}",
        inner.sql
    );
    let rows = super::query::IdOnly::find_by_statement(sea_orm::Statement::from_sql_and_values(
        backend, sql, values,
    ))
    .all(conn)
    .await?;
    Ok(rows.into_iter().map(|row| row.id).collect())
}
