//! PostgreSQL: a fixed sample of the users (the 1 in 256 whose id ends in `00`) as a small
//! covering index, so a substring search can learn how frequent its term is in about a
//! millisecond before choosing how to answer — what SQLite learns from counting the FTS5 index
//! as it streams. `pg_trgm`'s GIN index cannot tell that cheaply: it builds the bitmap of every
//! candidate first ("example" at a million users: 231 ms).
//!
//! The predicate is written out again by the query that reads the index
//! (`directory::query::SAMPLE`); PostgreSQL uses a partial index only for a query that repeats
//! its condition.

use super::PostgresOnly;

pub(super) const MIGRATION: PostgresOnly = PostgresOnly {
    name: "m0008_search_sample",
    up: UP,
    down: DOWN,
};

const UP: &[&str] = &["CREATE INDEX IF NOT EXISTS ix_users_search_sample \
     ON users (sort_name) INCLUDE (email_normalized, status, purged_at, entity_id) \
     WHERE right(id::text, 2) = '00'"];

const DOWN: &[&str] = &["DROP INDEX IF EXISTS ix_users_search_sample"];
