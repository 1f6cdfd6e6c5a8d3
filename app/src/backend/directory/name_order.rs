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
use crate::backend::migration::m0012_name_order_labels::{placement_locks, LABEL_END, SEARCHED};
use sea_orm::{FromQueryResult, Statement, TransactionTrait, Value};

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

#[derive(FromQueryResult)]
struct RowidOnly {
    r: i64,
}

#[derive(FromQueryResult)]
struct Placed {
    r: i64,
    sort_name: String,
    id: Uuid,
}

/// A placed neighbourhood keeps at least this much room between neighbours (2^16), so the
/// triggers can place the next users there.
const MIN_SPACING: i64 = 1 << 16;

/// Places every user the triggers left unplaced: for each, the smallest neighbourhood in name
/// order whose placed bounds leave room is numbered evenly between them, in a short
/// transaction of its own. Returns how many users moved.
pub async fn tidy(db: &crate::backend::Db) -> Result<u64, DbErr> {
    let backend = db.backend();
    let mut moved = 0;
    // Asked of a reader first, so an idle pass never waits for the writer.
    while unplaced(db).await? > 0 {
        let txn = db.begin().await?;
        if backend == DbBackend::Postgres {
            // Each placement by a trigger holds the lock too; taken in the order a writer of
            // users takes them (the cache epoch's row first), so the two never wait on each other.
            for sql in placement_locks() {
                txn.execute_unprepared(&sql).await?;
            }
        }
        let n = place_next(&txn, backend).await?;
        txn.commit().await?;
        if n == 0 {
            break;
        }
        moved += n;
    }
    Ok(moved)
}

/// How many users are not placed yet.
pub async fn unplaced(db: &crate::backend::Db) -> Result<u64, DbErr> {
    let backend = db.backend();
    let sql = format!(
        "SELECT count(*) AS r FROM users WHERE {} >= {}",
        label(backend),
        clean_end(backend)
    );
    let row = RowidOnly::find_by_statement(Statement::from_string(backend, sql))
        .one(db.read())
        .await?;
    Ok(row.map_or(0, |row| row.r as u64))
}

async fn neighbours<C: ConnectionTrait>(
    conn: &C,
    at: (&str, Uuid),
    before: bool,
    placed_only: bool,
    limit: u64,
) -> Result<Vec<Placed>, DbErr> {
    let backend = conn.get_database_backend();
    let col = label(backend);
    let (cmp, way) = if before { ("<", "DESC") } else { (">", "ASC") };
    let placed = if placed_only {
        format!("AND {col} < {}", clean_end(backend))
    } else {
        String::new()
    };
    let mut b = Binds::new(backend);
    let sql = format!(
        "SELECT {col} AS r, sort_name, id FROM users WHERE (sort_name, id) {cmp} ({}, {}) \
         {placed} ORDER BY sort_name {way}, id {way} LIMIT {limit}",
        b.bind(at.0),
        b.bind(at.1)
    );
    Placed::find_by_statement(b.statement(sql)).all(conn).await
}

async fn place_next<C: ConnectionTrait>(txn: &C, backend: DbBackend) -> Result<u64, DbErr> {
    let col = label(backend);
    let end = clean_end(backend);
    let first = format!(
        "SELECT {col} AS r, sort_name, id FROM users WHERE {col} >= {end} \
         ORDER BY {col} LIMIT 1"
    );
    let Some(lost) = Placed::find_by_statement(Statement::from_string(backend, first))
        .one(txn)
        .await?
    else {
        return Ok(0);
    };
    let mut reach = 16;
    loop {
        let at = (lost.sort_name.as_str(), lost.id);
        let mut window = neighbours(txn, at, true, false, reach).await?;
        let whole_start = (window.len() as u64) < reach;
        window.reverse();
        window.push(Placed {
            r: lost.r,
            sort_name: lost.sort_name.clone(),
            id: lost.id,
        });
        let after = neighbours(txn, at, false, false, reach).await?;
        let whole_end = (after.len() as u64) < reach;
        window.extend(after);
        let (head, tail) = (&window[0], &window[window.len() - 1]);
        let lo = match neighbours(txn, (&head.sort_name, head.id), true, true, 1).await?[..] {
            [ref p] => p.r,
            _ => 0,
        };
        let hi = match neighbours(txn, (&tail.sort_name, tail.id), false, true, 1).await?[..] {
            [ref n] => n.r,
            _ => end,
        };
        let spacing = (hi - lo) / (window.len() as i64 + 1);
        if spacing >= MIN_SPACING || (whole_start && whole_end && spacing >= 1) {
            match backend {
                DbBackend::Postgres => relabel(txn, &window, lo, spacing).await?,
                _ => renumber(txn, &window, lo, spacing).await?,
            }
            return Ok(window.len() as u64);
        }
        reach *= 4;
    }
}

/// PostgreSQL: gives `window` (consecutive users in name order) the labels `lo + spacing`,
/// `lo + 2 × spacing`, … (the GiST index follows the column; nothing else refers to it).
async fn relabel<C: ConnectionTrait>(
    txn: &C,
    window: &[Placed],
    lo: i64,
    spacing: i64,
) -> Result<(), DbErr> {
    for (i, row) in window.iter().enumerate() {
        let place = lo + (i as i64 + 1) * spacing;
        if place == row.r {
            continue;
        }
        let mut b = Binds::new(DbBackend::Postgres);
        let sql = format!(
            "UPDATE users SET name_label = {} WHERE id = {}",
            b.bind(place),
            b.bind(row.id)
        );
        txn.execute(b.statement(sql)).await?;
    }
    Ok(())
}

/// SQLite: gives `window` (consecutive users in name order) the rowids `lo + spacing`, `lo + 2 ×
/// spacing`, …, keeping the search index in step: out of the index, through unplaced rowids
/// (so no two users ever share one), to their places, back into the index.
async fn renumber<C: ConnectionTrait>(
    txn: &C,
    window: &[Placed],
    lo: i64,
    spacing: i64,
) -> Result<(), DbErr> {
    let run = |sql: String, values: Vec<Value>| {
        txn.execute(Statement::from_sql_and_values(
            DbBackend::Sqlite,
            sql,
            values,
        ))
    };
    let top = format!("SELECT max(max(rowid) + 1, {CLEAN_END}) AS r FROM users");
    let aside = RowidOnly::find_by_statement(Statement::from_string(DbBackend::Sqlite, top))
        .one(txn)
        .await?
        .map_or(CLEAN_END, |row| row.r);
    for (i, row) in window.iter().enumerate() {
        run(
            "INSERT INTO users_search(users_search, rowid, sort_name, email_normalized) \
             SELECT 'delete', rowid, sort_name, email_normalized FROM users WHERE rowid = ?"
                .into(),
            vec![row.r.into()],
        )
        .await?;
        run(
            "UPDATE users SET rowid = ? WHERE rowid = ?".into(),
            vec![(aside + i as i64).into(), row.r.into()],
        )
        .await?;
    }
    for i in 0..window.len() as i64 {
        let place = lo + (i + 1) * spacing;
        run(
            "UPDATE users SET rowid = ? WHERE rowid = ?".into(),
            vec![place.into(), (aside + i).into()],
        )
        .await?;
        run(
            "INSERT INTO users_search(rowid, sort_name, email_normalized) \
             SELECT rowid, sort_name, email_normalized FROM users WHERE rowid = ?"
                .into(),
            vec![place.into()],
        )
        .await?;
    }
    Ok(())
}
