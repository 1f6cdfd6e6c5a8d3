//! Service tests on real SQLite and real PostgreSQL: every test body runs on both, each on a
//! database of its own.

mod support;

mod invitation_races;
mod invitations;
mod mail;
mod schema;
mod sessions;
mod sign_in;
mod users;
