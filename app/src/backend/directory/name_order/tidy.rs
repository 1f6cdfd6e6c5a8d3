//! Placing the users the triggers left unplaced (`tidy`), on both databases: each one's smallest
//! neighbourhood with room is numbered evenly, in a short transaction of its own.

use super::*;
use crate::backend::migration::m0012_name_order_labels::placement_locks;

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
