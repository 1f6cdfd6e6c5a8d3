//! PostgreSQL: each user carries a label that follows the name order, and a GiST index over the
//! label and the searched text hands over a term's matches in that order, so a frequent term's
//! page stops at its 51st match wherever the matches sit (what m0011 does for SQLite).
//!
//! `pg_trgm`'s GIN indexes (m0003) return a term's matches as an unordered bitmap: a term with
//! 25,000 matches ("eld": every Whitfield) had all of them read and sorted for one page. The
//! GiST index here is on `(name_label, sort_name ‖ newline ‖ email_normalized)`, the text with
//! `gist_trgm_ops(siglen=2024)`: each inner page carries a signature of the trigrams below it, and
//! because the first column keeps neighbours in name order together, a subtree without the
//! term's trigrams is skipped whole. Read with `ORDER BY name_label <-> b` (`btree_gist`'s
//! distance) from the cursor's label `b`, it yields matches in label order.
//!
//! `name_label` is an order-keeping label: every placed user's label (below `LABEL_END`) rises
//! with `(sort_name, id)`. A `BEFORE` trigger places every new or renamed user between its
//! placed neighbours (half way, or a small step after a neighbour of the same name) under a
//! transaction-level advisory lock, so writers on any instance place one at a time; when its
//! neighbours leave no room the user takes a label of `LABEL_END` or more, "unplaced", which the
//! directory reads apart and merges in, and which `name_order::tidy` places later. Existing users
//! are numbered evenly across the placed range once, here (one transaction, as every PostgreSQL
//! migration).

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0012_name_order_labels"
    }
}

/// The advisory lock every placement and every tidy holds until its transaction ends ("usher
/// name order" as a number, so no other lock of this database is likely to share it).
pub const PLACEMENT_LOCK: i64 = 0x7573_6865_725f_6e6f;

/// Labels from this one up belong to users not yet placed in name order (2^52). GiST reads
/// `btree_gist`'s distance as a double, exact only for whole numbers below 2^53: with labels as
/// large as SQLite's rowids (2^62) neighbours a few hundred apart tied, came back in any order,
/// and a page could end between two of them and skip the other.
pub const LABEL_END: i64 = 1 << 52;

/// What a transaction that moves labels runs first (`name_order::tidy`): the cache epoch's row,
/// which every writer of users takes first (m0006's statement trigger), then the placement lock,
/// which the trigger here takes second. The same order everywhere, so none waits on another.
/// The row is locked, not raised: a pass that finds nothing left to place changes nothing.
pub fn placement_locks() -> [String; 2] {
    [
        "SELECT n FROM cache_epoch WHERE id = 1 FOR UPDATE".to_string(),
        format!("SELECT pg_advisory_xact_lock({PLACEMENT_LOCK})"),
    ]
}

/// The searched text, exactly as the GiST index holds it: the directory's queries repeat it as
/// literal SQL (an expression index is used only by a query that names the same expression).
/// A newline is in neither a name nor an email address, so no term a person types spans the
/// two; the queries check each column as well.
pub const SEARCHED: &str = "(users.sort_name || E'\\n' || users.email_normalized)";

/// The GiST index, as m0012 creates it and as a bulk load rebuilds it (`seed::bulk_users`).
///
/// Signatures of 2,024 bytes, the most `pg_trgm` allows: an inner page's signature stands for
/// every trigram of the names and emails below it, and emails hold many (the digits of
/// `…1234@…`); at the default size (12 bytes) or at 256 they fill up, no subtree is skipped, and
/// reaching matches 80 % into the order ("oph": every Sophie) read 6,000 pages (34 ms; 300 ms
/// when the index grew row by row). At 2,024 the same page reads about 120 (1–2.6 ms), also
/// after 100,000 more users were added one by one. Measured at a million users.
pub fn name_order_index() -> String {
    format!(
        "CREATE INDEX IF NOT EXISTS {NAME_ORDER_INDEX} ON users USING gist \
         (name_label, {} gist_trgm_ops(siglen=2024))",
        SEARCHED.replace("users.", "")
    )
}

/// The GiST index's name.
pub const NAME_ORDER_INDEX: &str = "ix_users_name_order_search";

fn up() -> Vec<String> {
    let end = LABEL_END;
    let middle = LABEL_END / 2;
    // Half the room, or after a neighbour of the same name at most this far (2^20): seeding
    // and bulk loads bring many people of one name one after another, each after the last.
    let same_name_step = 1i64 << 20;
    let lock = PLACEMENT_LOCK;
    vec![
        "CREATE EXTENSION IF NOT EXISTS btree_gist".into(),
        "ALTER TABLE users ADD COLUMN name_label bigint".into(),
        format!(
            "UPDATE users SET name_label = o.place * ({end} / ((SELECT count(*) FROM users) + 1)) \
             FROM (SELECT id, row_number() OVER (ORDER BY sort_name, id) AS place FROM users) o \
             WHERE users.id = o.id"
        ),
        "ALTER TABLE users ALTER COLUMN name_label SET NOT NULL".into(),
        "CREATE INDEX ix_users_name_label ON users (name_label)".into(),
        // The placed users in name order alone: finding a user's placed neighbours is one probe,
        // however many unplaced users sit beside it (a sorted import leaves many in a row, and
        // stepping over each of them, lock held, slowed every insert: 8,000 took 7.9 s).
        format!(
            "CREATE INDEX ix_users_name_placed ON users (sort_name, id) WHERE name_label < {end}"
        ),
        name_order_index(),
        format!(
            "CREATE FUNCTION usher_place_in_name_order() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    p bigint;
    p_name text;
    n bigint;
    room bigint;
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.sort_name IS NOT DISTINCT FROM OLD.sort_name THEN
        RETURN NEW;
    END IF;
    PERFORM pg_advisory_xact_lock({lock});
    SELECT name_label, sort_name INTO p, p_name FROM users
        WHERE (sort_name, id) < (NEW.sort_name, NEW.id) AND name_label < {end} AND id <> NEW.id
        ORDER BY sort_name DESC, id DESC LIMIT 1;
    SELECT name_label INTO n FROM users
        WHERE (sort_name, id) > (NEW.sort_name, NEW.id) AND name_label < {end} AND id <> NEW.id
        ORDER BY sort_name, id LIMIT 1;
    IF p IS NULL AND n IS NULL THEN
        NEW.name_label := {middle};
        RETURN NEW;
    END IF;
    IF p IS NULL THEN
        IF n >= 2 THEN
            NEW.name_label := n / 2;
            RETURN NEW;
        END IF;
    ELSE
        room := coalesce(n, {end}) - p;
        IF room >= 2 THEN
            IF p_name = NEW.sort_name THEN
                NEW.name_label := p + least(room / 2, {same_name_step});
            ELSE
                NEW.name_label := p + room / 2;
            END IF;
            RETURN NEW;
        END IF;
    END IF;
    -- No room between the neighbours: unplaced until name_order::tidy places it.
    SELECT greatest(max(name_label) + 1, {end}) INTO NEW.name_label FROM users;
    RETURN NEW;
END $$"
        ),
        "CREATE TRIGGER users_name_order BEFORE INSERT OR UPDATE OF sort_name ON users \
         FOR EACH ROW EXECUTE FUNCTION usher_place_in_name_order()"
            .into(),
    ]
}

const DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS users_name_order ON users",
    "DROP FUNCTION IF EXISTS usher_place_in_name_order()",
    "DROP INDEX IF EXISTS ix_users_name_order_search",
    "DROP INDEX IF EXISTS ix_users_name_placed",
    "DROP INDEX IF EXISTS ix_users_name_label",
    "ALTER TABLE users DROP COLUMN IF EXISTS name_label",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        match m.get_database_backend() {
            sea_orm::DbBackend::Postgres => super::run(m, &up()).await,
            _ => Ok(()),
        }
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        match m.get_database_backend() {
            sea_orm::DbBackend::Postgres => super::run(m, DOWN).await,
            _ => Ok(()),
        }
    }
}
