//! PostgreSQL: the texts the directory sorts by compare byte by byte (`COLLATE "C"`), whatever
//! the database's own collation.
//!
//! The directory reads users and pending invitations (and, for a short prefix, names and emails)
//! as separate sources, each in index order, and merges them in the application, comparing
//! their sort keys as Rust compares strings: by their UTF-8 bytes. On a database created with a
//! linguistic collation (`en_US.UTF-8`, the default of many installations) PostgreSQL's order
//! differs from that ("ada l" before "adal" or after it, "ë" next to "e"), so a merged page
//! could come out of order and a cursor skip or repeat rows. SQLite already compares text by
//! bytes. Changing a column's collation rebuilds the indexes on it.

use super::PostgresOnly;

pub(super) const MIGRATION: PostgresOnly = PostgresOnly {
    name: "m0010_byte_order_text",
    up: UP,
    down: DOWN,
};

const UP: &[&str] = &[
    "ALTER TABLE users ALTER COLUMN sort_name TYPE text COLLATE \"C\"",
    "ALTER TABLE users ALTER COLUMN email_normalized TYPE text COLLATE \"C\"",
    "ALTER TABLE invitations ALTER COLUMN email_normalized TYPE text COLLATE \"C\"",
];

const DOWN: &[&str] = &[
    "ALTER TABLE invitations ALTER COLUMN email_normalized TYPE text COLLATE \"default\"",
    "ALTER TABLE users ALTER COLUMN email_normalized TYPE text COLLATE \"default\"",
    "ALTER TABLE users ALTER COLUMN sort_name TYPE text COLLATE \"default\"",
];
