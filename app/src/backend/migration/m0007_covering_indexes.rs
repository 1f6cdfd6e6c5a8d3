//! PostgreSQL: the name and email orders as covering indexes, holding every column a listing
//! filters on (status, purged, entity) besides the other search column. A prefix search's total
//! then counts two index-only ranges instead of visiting the table for each match (a prefix
//! "zo" counted in 1.5 ms instead of 21 ms at a million users). SQLite already walks its own
//! covering index (m0005) and counts prefixes from the two sort indexes fast enough.

use super::PostgresOnly;

pub(super) const MIGRATION: PostgresOnly = PostgresOnly {
    name: "m0007_covering_indexes",
    up: UP,
    down: DOWN,
};

const UP: &[&str] = &[
    "CREATE INDEX IF NOT EXISTS ix_users_name_cover ON users (sort_name, id) \
     INCLUDE (email_normalized, status, purged_at, entity_id)",
    "CREATE INDEX IF NOT EXISTS ix_users_email_cover ON users (email_normalized, id) \
     INCLUDE (sort_name, status, purged_at, entity_id)",
];

const DOWN: &[&str] = &[
    "DROP INDEX IF EXISTS ix_users_email_cover",
    "DROP INDEX IF EXISTS ix_users_name_cover",
];
