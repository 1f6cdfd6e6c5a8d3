//! SQLite: each user's rowid follows the name order, so the search index yields a term's
//! matches in the order the directory shows them and a page stops at its 51st match.
//!
//! The FTS5 index (m0003) is keyed by `users.rowid` and reads its matches in rowid order. A
//! frequent term ("eld": 25,000 Whitfields at a million users) used to be answered by finding
//! every match and sorting them by name; with rowids in name order the same index hands over
//! the first page's matches in order and stops. The rowid is an order-keeping label: every
//! user's rowid below `CLEAN_END` rises with `(sort_name, id)`. A new or renamed user takes a
//! rowid between its neighbours' (half way, or a small step after a neighbour of the same
//! name, the bulk pattern of many people sharing a name); when its neighbours leave no room it
//! takes a rowid of `CLEAN_END` or more instead, "unplaced", which the directory reads apart
//! and merges in (`directory::name_order`), and which `name_order::tidy` places later by
//! spreading the rowids of its neighbourhood. Nothing refers to a user by rowid but the search
//! index, which these triggers keep in step.
//!
//! Existing users are numbered evenly across the whole range once, here.

use super::m0006_cache_epoch::BUMP;
use sea_orm::DbBackend;
use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0011_name_order_rowids"
    }
}

/// Rowids from this one up belong to users not yet placed in name order (2^62).
pub const CLEAN_END: i64 = 1 << 62;

/// The rowid a user with the new values of a row (`new.sort_name`, `new.id`) takes: between
/// the placed users before and after it, or a fresh unplaced one when they leave no room.
/// `SELECT` form so a trigger can use it; `new` is the trigger's row.
fn placed_rowid() -> String {
    let end = CLEAN_END;
    let middle = CLEAN_END / 2;
    // Half the room, or after a neighbour of the same name at most this far (2^24): seeding
    // and bulk loads bring many people of one name one after another, each after the last.
    let same_name_step = 1i64 << 24;
    format!(
        "coalesce((SELECT CASE \
            WHEN p IS NULL AND n IS NULL THEN {middle} \
            WHEN p IS NULL THEN CASE WHEN n >= 2 THEN n / 2 END \
            WHEN coalesce(n, {end}) - p >= 2 THEN p + CASE \
                WHEN (SELECT sort_name FROM users WHERE rowid = p) = new.sort_name \
                THEN min((coalesce(n, {end}) - p) / 2, {same_name_step}) \
                ELSE (coalesce(n, {end}) - p) / 2 END \
            END \
          FROM (SELECT \
            (SELECT rowid FROM users WHERE (sort_name, id) < (new.sort_name, new.id) \
                AND rowid < {end} ORDER BY sort_name DESC, id DESC LIMIT 1) AS p, \
            (SELECT rowid FROM users WHERE (sort_name, id) > (new.sort_name, new.id) \
                AND rowid < {end} ORDER BY sort_name, id LIMIT 1) AS n)), \
          max((SELECT max(rowid) FROM users) + 1, {end}))"
    )
}

fn sqlite_up() -> Vec<String> {
    let end = CLEAN_END;
    let place = placed_rowid();
    let mut up: Vec<String> = [
        // One transaction: no other process may write a user while the triggers are away
        // (SQLite migrations run outside one; the writer pool has a single connection).
        "BEGIN IMMEDIATE",
        "DROP TRIGGER IF EXISTS users_search_insert",
        "DROP TRIGGER IF EXISTS users_search_update",
        "DROP TRIGGER IF EXISTS users_search_delete",
        "DROP TABLE IF EXISTS users_search",
        // Existing users, numbered evenly in name order across the placed range.
        "CREATE TEMP TABLE usher_name_order AS \
            SELECT rowid AS old, row_number() OVER (ORDER BY sort_name, id) AS place FROM users",
        "CREATE INDEX temp.usher_name_order_old ON usher_name_order (old)",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    // A user moving to another rowid changes nothing anyone sees: no new cache epoch (m0006),
    // from the numbering below on.
    up.push("DROP TRIGGER IF EXISTS cache_epoch_users_update".into());
    up.push(format!(
        "CREATE TRIGGER cache_epoch_users_update AFTER UPDATE ON users \
         WHEN old.rowid = new.rowid BEGIN {BUMP}; END"
    ));
    // Each user straight to its place when every rowid in use is below the spacing (rowids
    // SQLite handed out itself: no place can be one of them); otherwise (a database numbered
    // before, migrated down and up again) through negative rowids first, which no user has.
    let step = format!("({end} / ((SELECT count(*) FROM usher_name_order) + 1))");
    up.push(format!(
        "UPDATE users SET rowid = \
            (SELECT place FROM usher_name_order WHERE old = users.rowid) \
            * CASE WHEN (SELECT max(old) FROM usher_name_order) < {step} THEN {step} ELSE -1 END"
    ));
    up.push(format!(
        "UPDATE users SET rowid = -rowid * {step} WHERE rowid < 0"
    ));
    up.push("DROP TABLE temp.usher_name_order".into());
    up.push(
        "CREATE VIRTUAL TABLE users_search USING fts5(\
            sort_name, email_normalized, content='users', content_rowid='rowid', \
            tokenize='trigram')"
            .into(),
    );
    up.push("INSERT INTO users_search(users_search) VALUES ('rebuild')".into());
    // A new user: placed, then indexed under the rowid it ends with.
    up.push(format!(
        "CREATE TRIGGER users_search_insert AFTER INSERT ON users BEGIN \
            UPDATE users SET rowid = {place} WHERE rowid = new.rowid; \
            INSERT INTO users_search(rowid, sort_name, email_normalized) \
            SELECT rowid, sort_name, email_normalized FROM users WHERE id = new.id; END"
    ));
    // A new name or email: out of the index; placed again when the name changed; back in.
    up.push(format!(
        "CREATE TRIGGER users_search_update AFTER UPDATE OF sort_name, email_normalized ON users \
         BEGIN \
            INSERT INTO users_search(users_search, rowid, sort_name, email_normalized) \
            VALUES ('delete', old.rowid, old.sort_name, old.email_normalized); \
            UPDATE users SET rowid = {place} \
            WHERE rowid = new.rowid AND new.sort_name IS NOT old.sort_name; \
            INSERT INTO users_search(rowid, sort_name, email_normalized) \
            SELECT rowid, sort_name, email_normalized FROM users WHERE id = new.id; END"
    ));
    up.push(
        "CREATE TRIGGER users_search_delete AFTER DELETE ON users BEGIN \
            INSERT INTO users_search(users_search, rowid, sort_name, email_normalized) \
            VALUES ('delete', old.rowid, old.sort_name, old.email_normalized); END"
            .into(),
    );
    up.push("COMMIT".into());
    up
}

/// Back to m0003's and m0006's triggers (rowids stay where they are; nothing else reads them).
fn sqlite_down() -> Vec<String> {
    vec![
        "DROP TRIGGER IF EXISTS cache_epoch_users_update".into(),
        format!("CREATE TRIGGER cache_epoch_users_update AFTER UPDATE ON users BEGIN {BUMP}; END"),
        "DROP TRIGGER IF EXISTS users_search_update".into(),
        "DROP TRIGGER IF EXISTS users_search_insert".into(),
        "CREATE TRIGGER users_search_insert AFTER INSERT ON users BEGIN \
            INSERT INTO users_search(rowid, sort_name, email_normalized) \
            VALUES (new.rowid, new.sort_name, new.email_normalized); END"
            .into(),
        "CREATE TRIGGER users_search_update \
            AFTER UPDATE OF sort_name, email_normalized ON users BEGIN \
            INSERT INTO users_search(users_search, rowid, sort_name, email_normalized) \
            VALUES ('delete', old.rowid, old.sort_name, old.email_normalized); \
            INSERT INTO users_search(rowid, sort_name, email_normalized) \
            VALUES (new.rowid, new.sort_name, new.email_normalized); END"
            .into(),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        match m.get_database_backend() {
            DbBackend::Sqlite => super::run(m, &sqlite_up()).await,
            _ => Ok(()),
        }
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        match m.get_database_backend() {
            DbBackend::Sqlite => super::run(m, &sqlite_down()).await,
            _ => Ok(()),
        }
    }
}
