//! The Usher server: configuration, the axum router with its middleware, background workers
//! and the command line. `main.rs` only parses arguments and calls `cli::run`.
#![recursion_limit = "256"]

pub mod assets;
pub mod cli;
pub mod config;
pub mod export;
pub mod forms;
pub mod guards;
pub mod live;
pub mod middleware;
pub mod router;
pub mod workers;
