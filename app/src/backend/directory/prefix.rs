//! One- and two-letter searches: names and emails that start with the term, read as index
//! ranges in the sort order (m0005) and, on PostgreSQL, counted from covering indexes (m0007).

use super::query::{capped_count, count_rows, prefix_end, users_query, Search};
use super::*;

/// A one- or two-letter search in name or email order, as two sources each read in the sort
/// order from an index (migration m0005): the sort column's own prefix is a range of its index;
/// the other column's prefix is an equality on its first letters, whose index continues in the
/// sort order. `None` for the time orders, which go the general way.
pub(super) fn prefix_streams(
    backend: DbBackend,
    scope: Option<Uuid>,
    filter: &Filter,
    search: &Search,
) -> Option<[Select<user::Entity>; 2]> {
    use user::Column as C;
    let Search::Prefix(term) = search else {
        return None;
    };
    let (own, other) = match filter.sort.by {
        Sort::Name => (C::SortName, "email_normalized"),
        Sort::Email => (C::EmailNormalized, "sort_name"),
        Sort::LastSignIn | Sort::Created => return None,
    };
    let own = listed_range(backend, scope, filter, own, term);
    let letters = term.chars().count();
    // Literal lengths, so the expression is the one the index was built on.
    let first_letters = Expr::cust(format!("substr(users.{other}, 1, {letters})"));
    let other = users_query(backend, scope, filter, &Search::None, false)
        .filter(Expr::expr(first_letters).eq(term.clone()));
    Some([own, other])
}

/// The listed users whose `column` starts with `term`, as a range of that column.
fn listed_range(
    backend: DbBackend,
    scope: Option<Uuid>,
    filter: &Filter,
    column: user::Column,
    term: &str,
) -> Select<user::Entity> {
    users_query(backend, scope, filter, &Search::None, false)
        .filter(Expr::col((user::Entity, column)).gte(term))
        .filter(Expr::col((user::Entity, column)).lt(prefix_end(term)))
}

/// A prefix search's two matching ranges, names and emails, in no particular order: what its
/// total is counted from on PostgreSQL, each an index-only range of a covering index (m0007).
pub(super) fn prefix_ranges(
    backend: DbBackend,
    scope: Option<Uuid>,
    filter: &Filter,
    search: &Search,
) -> Option<[Select<user::Entity>; 2]> {
    let Search::Prefix(term) = search else {
        return None;
    };
    let range = |column| listed_range(backend, scope, filter, column, term);
    Some([
        range(user::Column::SortName),
        range(user::Column::EmailNormalized),
    ])
}

/// The capped count of matches read from two sources: each one's first `cap + 1` ids, united
/// without duplicates. More than `cap` in the union means more than `cap` matches; otherwise
/// both sources were read whole and the union is exact. The first source alone is counted
/// first: beyond the cap on its own (a frequent letter), nothing needs uniting.
pub(super) async fn union_count<C: ConnectionTrait>(
    conn: &C,
    sources: &[Select<user::Entity>; 2],
    cap: u64,
) -> Result<u64, DbErr> {
    let first = capped_count(conn, sources[0].clone().into_query(), cap).await?;
    if first > cap {
        return Ok(first);
    }
    let ids = |source: &Select<user::Entity>, alias: &str| {
        let limited = source
            .clone()
            .select_only()
            .column(user::Column::Id)
            .limit(cap + 1)
            .into_query();
        Query::select()
            .column(user::Column::Id)
            .from_subquery(limited, Alias::new(alias))
            .to_owned()
    };
    let union = ids(&sources[0], "a")
        .union(
            sea_orm::sea_query::UnionType::Distinct,
            ids(&sources[1], "b"),
        )
        .to_owned();
    count_rows(conn, union).await
}
