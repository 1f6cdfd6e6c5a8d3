//! Server functions, grouped by resource. Each is thin: who is asking, parse the input into
//! domain types, one service call, map the error, return a DTO.

pub mod accept;
pub mod account;
pub mod audit;
pub mod auth;
#[cfg(feature = "ssr")]
pub mod context;
pub mod directory;
pub mod entities;
pub mod error;
pub mod invitations;
pub mod mailbox;
pub mod roles;
#[cfg(feature = "ssr")]
pub mod time;
pub mod user_page;
pub mod users;

pub use error::AppError;
