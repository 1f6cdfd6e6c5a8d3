//! Usher: a user directory and invitation manager. This crate is the whole application: pure
//! domain rules, the server-side services, the server functions and the Leptos UI.
#![recursion_limit = "256"]

pub mod api;
#[cfg(feature = "ssr")]
pub mod backend;
pub mod domain;
pub mod ui;

pub use ui::{shell, App};
