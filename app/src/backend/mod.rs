//! Server-only code: persistence, services (one module per aggregate) and secrets handling.
//! Every state change is one transaction that also writes its audit event.

pub mod access;
pub mod audit;
pub mod audit_log;
pub mod auth;
pub mod bootstrap;
pub mod cache;
pub mod caller;
pub mod config;
pub mod db;
pub mod directory;
pub mod entities;
pub mod entity;
pub mod error;
pub mod events;
pub mod external;
pub mod invitations;
pub mod mail;
pub mod migration;
#[cfg(test)]
mod parser_properties;
pub mod passwords;
pub mod rate_limit;
pub mod roles;
pub mod secrets;
pub mod seed;
pub mod sessions;
pub mod state;
pub mod users;

pub use caller::Caller;
pub use db::Db;
pub use error::ServiceError;
pub use state::AppState;
