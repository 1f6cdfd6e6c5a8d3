//! A frequent term's page in name order, read from a search index in that order, and the upkeep
//! of the labels that make that possible: SQLite's rowids (migration m0011), PostgreSQL's
//! `name_label` column and its GiST index (m0012).
//!
//! Every placed user's label (below `clean_end`: 2^62 on SQLite, 2^52 on PostgreSQL) rises with
//! `(sort_name, id)`, and the index reads matches in label order (FTS5 in rowid order; GiST by
//! distance from the cursor's label), so it yields a term's matches in the order the directory
//! shows them and the page stops at its `limit`th match, however many there are and wherever
//! they sit in the order. Users the triggers could not place (their neighbours left no room)
//! have labels from there up; they are read apart, sorted, and merged in, so the answer is
//! exact whatever their number, and `tidy` places them in the background.

use super::*;
use crate::backend::migration::m0011_name_order_rowids::CLEAN_END;
use crate::backend::migration::m0012_name_order_labels::{LABEL_END, SEARCHED};
use sea_orm::{FromQueryResult, Statement, TransactionTrait, Value};

mod tidy;
pub use tidy::{tidy, unplaced};

/// A statement's bound values, with the placeholder each takes in the backend's SQL.
struct Binds {
    backend: DbBackend,
    values: Vec<Value>,
}

impl Binds {
    fn new(backend: DbBackend) -> Self {
        Self {
            backend,
            values: Vec::new(),
        }
    }

    fn bind(&mut self, value: impl Into<Value>) -> String {
        self.values.push(value.into());
        match self.backend {
            DbBackend::Postgres => format!("${}", self.values.len()),
            _ => "?".into(),
        }
    }

    fn statement(self, sql: String) -> Statement {
        Statement::from_sql_and_values(self.backend, sql, self.values)
    }
}

/// The column holding a user's label.
fn label(backend: DbBackend) -> &'static str {
    match backend {
        DbBackend::Postgres => "name_label",
        _ => "rowid",
    }
}

/// Where placed labels end and unplaced ones begin.
fn clean_end(backend: DbBackend) -> i64 {
    match backend {
        DbBackend::Postgres => LABEL_END,
        _ => CLEAN_END,
    }
}

/// The page of a frequent term in name order (either way) after `mark`: at most `limit` users,
/// in order, however many match and wherever they sit in the order. Placed matches stream from
/// the search index in label order; unplaced ones are read whole (there are few) in the same
/// statement and merged in.
pub(super) async fn page<C: ConnectionTrait + TransactionTrait>(
    conn: &C,
    scope: Option<Uuid>,
    filter: &Filter,
    term: &str,
    mark: Option<&Mark>,
    limit: u64,
) -> Result<Vec<user::Model>, DbErr> {
    let backend = conn.get_database_backend();
    let descending = filter.sort.descending();
    let mark = match mark {
        Some(Mark {
            key: Key::Text(name),
            id,
        }) => Some((name.clone(), *id)),
        _ => None,
    };
    let way = if descending { "DESC" } else { "ASC" };
    let col = label(backend);
    let end = clean_end(backend);
    let (beyond, back, back_way, edge) = if descending {
        ("<", ">=", "ASC", end)
    } else {
        (">", "<=", "DESC", -1)
    };
    // A bigint, as the label: PostgreSQL's GiST index answers no comparison of it with an int.
    let edge = match backend {
        DbBackend::Postgres => format!("CAST({edge} AS bigint)"),
        _ => edge.to_string(),
    };
    let mut b = Binds::new(backend);
    // After a mark, the placed stream starts beyond the last placed user at or before it
    // (the first at or after it, descending): placed labels rise with the order, so every
    // placed user past the mark is past that label, whether or not the mark's own user is still
    // there. Asked inside the page's statement, so both read one snapshot (a `tidy` may
    // renumber between two statements), and each row is checked against the mark as well.
    let bound = |b: &mut Binds| match &mark {
        Some((name, id)) => format!(
            "coalesce((SELECT {col} FROM users WHERE (sort_name, id) {back} ({}, {}) \
             AND {col} < {end} ORDER BY sort_name {back_way}, id {back_way} LIMIT 1), {edge})",
            b.bind(name.clone()),
            b.bind(*id)
        ),
        None => edge.clone(),
    };
    let past_mark = |b: &mut Binds| match &mark {
        Some((name, id)) => format!(
            "AND (users.sort_name, users.id) {beyond} ({}, {})",
            b.bind(name.clone()),
            b.bind(*id)
        ),
        None => String::new(),
    };
    let placed = match backend {
        DbBackend::Postgres => {
            // GiST reads by distance from the bound: beyond it, nearest first, is label order.
            let matching = pg_match(&mut b, term);
            let from = bound(&mut b);
            let after = past_mark(&mut b);
            let listed = listed(scope, filter, &mut b);
            let near = bound(&mut b);
            format!(
                "SELECT users.* FROM users WHERE {matching} AND users.{col} {beyond} {from} \
                 AND users.{col} < {end} {after} AND {listed} \
                 ORDER BY users.{col} <-> {near} LIMIT {limit}"
            )
        }
        _ => {
            let phrase = b.bind(fts_phrase(term));
            let from = bound(&mut b);
            let after = past_mark(&mut b);
            let listed = listed(scope, filter, &mut b);
            // The index drives (CROSS JOIN keeps it outside) and its rowid order is the page's
            // order: no sort, and reading stops at the `limit`th listed match.
            format!(
                "SELECT users.* FROM users_search CROSS JOIN users \
                 ON users.rowid = users_search.rowid \
                 WHERE users_search MATCH {phrase} AND users_search.rowid {beyond} {from} \
                 AND users_search.rowid < {end} {after} AND {listed} \
                 ORDER BY users_search.rowid {way} LIMIT {limit}"
            )
        }
    };
    let unplaced_matches = match backend {
        DbBackend::Postgres => format!(
            "SELECT users.* FROM users WHERE users.{col} >= {end} AND {}",
            pg_match(&mut b, term)
        ),
        _ => format!(
            "SELECT users.* FROM users_search CROSS JOIN users \
             ON users.rowid = users_search.rowid \
             WHERE users_search MATCH {} AND users_search.rowid >= {end}",
            b.bind(fts_phrase(term))
        ),
    };
    let listed_unplaced = listed(scope, filter, &mut b);
    let after = past_mark(&mut b);
    let unplaced = format!(
        "{unplaced_matches} AND {listed_unplaced} {after} \
         ORDER BY users.sort_name {way}, users.id {way} LIMIT {limit}"
    );
    let sql = format!("SELECT * FROM ({placed}) AS p UNION ALL SELECT * FROM ({unplaced}) AS u");
    let statement = b.statement(sql);
    let mut rows = match backend {
        DbBackend::Postgres => {
            // Without bitmap scans for this statement: PostgreSQL cannot estimate how many rows
            // a trigram pattern matches, guesses a hundred, and would rather collect every match
            // from the GiST index as a bitmap and sort them (25,000 for "mil": 50–100 ms) than
            // read them in order and stop at the page's last (under a millisecond).
            let txn = conn.begin().await?;
            let before = Setting::find_by_statement(Statement::from_string(
                backend,
                "SELECT current_setting('enable_bitmapscan') AS v, \
                 set_config('enable_bitmapscan', 'off', true) AS off",
            ))
            .one(&txn)
            .await?
            .map_or_else(|| "on".to_string(), |s| s.v);
            let rows = user::Model::find_by_statement(statement).all(&txn).await?;
            // Inside a caller's transaction this was a savepoint, whose setting would outlive
            // it: the caller's own value back.
            let mut restore = Binds::new(backend);
            let sql = format!(
                "SELECT set_config('enable_bitmapscan', {}, true)",
                restore.bind(before)
            );
            txn.execute(restore.statement(sql)).await?;
            txn.commit().await?;
            rows
        }
        _ => user::Model::find_by_statement(statement).all(conn).await?,
    };
    // The placed rows come in order, then the unplaced ones: merged.
    rows.sort_by(|a, b| {
        let ord = (&a.sort_name, a.id).cmp(&(&b.sort_name, b.id));
        if descending {
            ord.reverse()
        } else {
            ord
        }
    });
    rows.truncate(limit as usize);
    Ok(rows)
}

/// PostgreSQL: the term in the text the GiST index holds (which the index answers), and in the
/// name or the email itself (so no match spans the two).
fn pg_match(b: &mut Binds, term: &str) -> String {
    let pattern = b.bind(contains_pattern(term));
    let t = b.bind(term.to_string());
    let within = if in_names_only(term) {
        format!("strpos(users.sort_name, {t}) > 0")
    } else {
        format!("(strpos(users.sort_name, {t}) > 0 OR strpos(users.email_normalized, {t}) > 0)")
    };
    format!("{SEARCHED} LIKE {pattern} AND {within}")
}

/// What every statement here asks of a user besides the term: listed, of a shown status, in
/// scope.
fn listed(scope: Option<Uuid>, filter: &Filter, b: &mut Binds) -> String {
    let marks: Vec<String> = filter.statuses.iter().map(|s| b.bind(s.as_str())).collect();
    let mut sql = format!(
        "users.purged_at IS NULL AND users.status IN ({})",
        marks.join(", ")
    );
    if let Some(entity) = scope {
        sql.push_str(&format!(" AND users.entity_id = {}", b.bind(entity)));
    }
    sql
}

#[derive(FromQueryResult)]
struct Setting {
    v: String,
}
