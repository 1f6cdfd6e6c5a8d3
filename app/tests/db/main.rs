//! Service tests on real SQLite and real PostgreSQL: every test body runs on both, each on a
//! database of its own.

mod support;

mod audit_log;
mod bulk_invite;
mod caches;
mod directory;
mod directory_frequent;
mod directory_search;
mod entities;
mod invitation_listing;
mod invitation_races;
mod invitation_support;
mod invitations;
mod mail;
mod name_order;
mod name_order_upkeep;
mod roles;
mod schema;
mod sessions;
mod sign_in;
mod user_admin;
mod user_edit;
mod user_lifecycle;
mod user_purge;
mod users;
