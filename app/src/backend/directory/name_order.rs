//! SQLite: a frequent term's page in name order read from the search index in that order, and
//! the upkeep of the rowids that make that possible (migration m0011).
//!
//! Every placed user's rowid (below `CLEAN_END`) rises with `(sort_name, id)`, and the FTS5
//! index reads matches in rowid order, so the index yields a term's matches in the order the
//! directory shows them and the page stops at its `limit`th match, however many there are and
//! wherever they sit in the order. Users the triggers could not place (their neighbours left no
//! room) have rowids from `CLEAN_END` up; they are read apart, sorted, and merged in, so the
//! answer is exact whatever their number, and `tidy` places them in the background.

use super::*;
use crate::backend::migration::m0011_name_order_rowids::CLEAN_END;
use sea_orm::{FromQueryResult, Statement, Value};

/// The page of a frequent term in name order (either way) after `mark`: at most `limit` users,
/// in order, however many match and wherever they sit in the order. Placed matches stream from
/// the search index in rowid order; unplaced ones are read whole (there are few) in the same
/// statement and merged in.
pub(super) async fn page<C: ConnectionTrait>(
    conn: &C,
    scope: Option<Uuid>,
    filter: &Filter,
    term: &str,
    mark: Option<&Mark>,
    limit: u64,
) -> Result<Vec<user::Model>, DbErr> {
    let descending = filter.sort.descending();
    let mark = match mark {
        Some(Mark {
            key: Key::Text(name),
            id,
        }) => Some((name.clone(), *id)),
        _ => None,
    };
    let way = if descending { "DESC" } else { "ASC" };
    let (beyond, back, back_way, edge) = if descending {
        ("<", ">=", "ASC", CLEAN_END)
    } else {
        (">", "<=", "DESC", 0)
    };
    let mut values: Vec<Value> = vec![fts_phrase(term).into()];
    // After a mark, the placed stream starts beyond the last placed user at or before it
    // (the first at or after it, descending): placed rowids rise with the order, so every
    // placed user past the mark is past that rowid, whether or not the mark's own user is still
    // there. Asked inside the page's statement, so both read one snapshot (a `tidy` may
    // renumber between two statements), and each row is checked against the mark as well.
    let range = match &mark {
        Some((name, id)) => {
            values.extend([
                name.clone().into(),
                (*id).into(),
                name.clone().into(),
                (*id).into(),
            ]);
            format!(
                "users_search.rowid {beyond} coalesce((SELECT rowid FROM users \
                 WHERE (sort_name, id) {back} (?, ?) AND rowid < {CLEAN_END} \
                 ORDER BY sort_name {back_way}, id {back_way} LIMIT 1), {edge}) \
                 AND users_search.rowid < {CLEAN_END} AND (users.sort_name, users.id) {beyond} (?, ?)"
            )
        }
        None => format!("users_search.rowid < {CLEAN_END}"),
    };
    let listed_placed = listed(scope, filter, &mut values);
    // The index drives (CROSS JOIN keeps it outside) and its rowid order is the page's order:
    // no sort, and reading stops at the `limit`th listed match.
    let placed = format!(
        "SELECT users.* FROM users_search CROSS JOIN users ON users.rowid = users_search.rowid \
         WHERE users_search MATCH ? AND {range} AND {listed_placed} \
         ORDER BY users_search.rowid {way} LIMIT {limit}"
    );
    values.push(fts_phrase(term).into());
    let listed_unplaced = listed(scope, filter, &mut values);
    let after = match &mark {
        Some((name, id)) => {
            values.push(name.clone().into());
            values.push((*id).into());
            format!("AND (users.sort_name, users.id) {beyond} (?, ?)")
        }
        None => String::new(),
    };
    let unplaced = format!(
        "SELECT users.* FROM users_search CROSS JOIN users ON users.rowid = users_search.rowid \
         WHERE users_search MATCH ? AND users_search.rowid >= {CLEAN_END} AND {listed_unplaced} \
         {after} ORDER BY users.sort_name {way}, users.id {way} LIMIT {limit}"
    );
    let sql = format!("SELECT * FROM ({placed}) UNION ALL SELECT * FROM ({unplaced})");
    let mut rows = user::Model::find_by_statement(Statement::from_sql_and_values(
        DbBackend::Sqlite,
        sql,
        values,
    ))
    .all(conn)
    .await?;
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

/// What every statement here asks of a user besides the term: listed, of a shown status, in
/// scope. Appends its values to `values`.
fn listed(scope: Option<Uuid>, filter: &Filter, values: &mut Vec<Value>) -> String {
    let marks = vec!["?"; filter.statuses.len()].join(", ");
    values.extend(filter.statuses.iter().map(|s| Value::from(s.as_str())));
    let mut sql = format!("users.purged_at IS NULL AND users.status IN ({marks})");
    if let Some(entity) = scope {
        sql.push_str(" AND users.entity_id = ?");
        values.push(entity.into());
    }
    sql
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

/// Places every user the triggers left unplaced (SQLite; nothing to do on PostgreSQL): for
/// each, the smallest neighbourhood in name order whose placed bounds leave room is numbered
/// evenly between them, in a short transaction of its own. Returns how many users moved.
pub async fn tidy(db: &crate::backend::Db) -> Result<u64, DbErr> {
    if db.backend() != DbBackend::Sqlite {
        return Ok(0);
    }
    let mut moved = 0;
    // Asked of a reader first, so an idle pass never waits for the writer.
    while unplaced(db).await? > 0 {
        let txn = db.begin().await?;
        let n = place_next(&txn).await?;
        txn.commit().await?;
        if n == 0 {
            break;
        }
        moved += n;
    }
    Ok(moved)
}

/// How many users are not placed yet (SQLite).
pub async fn unplaced(db: &crate::backend::Db) -> Result<u64, DbErr> {
    if db.backend() != DbBackend::Sqlite {
        return Ok(0);
    }
    let sql = format!("SELECT count(*) AS r FROM users WHERE rowid >= {CLEAN_END}");
    let row = RowidOnly::find_by_statement(Statement::from_string(DbBackend::Sqlite, sql))
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
    let (cmp, way) = if before { ("<", "DESC") } else { (">", "ASC") };
    let placed = if placed_only {
        format!("AND rowid < {CLEAN_END}")
    } else {
        String::new()
    };
    let sql = format!(
        "SELECT rowid AS r, sort_name, id FROM users WHERE (sort_name, id) {cmp} (?, ?) {placed} \
         ORDER BY sort_name {way}, id {way} LIMIT {limit}"
    );
    let values: [Value; 2] = [at.0.into(), at.1.into()];
    Placed::find_by_statement(Statement::from_sql_and_values(
        DbBackend::Sqlite,
        sql,
        values,
    ))
    .all(conn)
    .await
}

async fn place_next<C: ConnectionTrait>(txn: &C) -> Result<u64, DbErr> {
    let first = format!(
        "SELECT rowid AS r, sort_name, id FROM users WHERE rowid >= {CLEAN_END} \
         ORDER BY rowid LIMIT 1"
    );
    let Some(lost) = Placed::find_by_statement(Statement::from_string(DbBackend::Sqlite, first))
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
            _ => CLEAN_END,
        };
        let spacing = (hi - lo) / (window.len() as i64 + 1);
        if spacing >= MIN_SPACING || (whole_start && whole_end && spacing >= 1) {
            renumber(txn, &window, lo, spacing).await?;
            return Ok(window.len() as u64);
        }
        reach *= 4;
    }
}

/// Gives `window` (consecutive users in name order) the rowids `lo + spacing`, `lo + 2 ×
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
