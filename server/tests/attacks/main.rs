//! The attack suite: what a stranger, an entity admin or an admin of the operator entity tried
//! against Usher over HTTP, each pinned refused. Every test drives the real router on a free
//! loopback port over its own SQLite file with the demo data.
//!
//! - `strangers`: nobody signed in (bounds, lockout, other hosts, secrets in `--help`);
//! - `admins`: signed-in admins reaching past their rank or entity;
//! - `accounts`: one-time passwords, one's own password, links and forged ids;
//! - `exports`: the CSV export, which a browser always asks to compress.

#[path = "../support/mod.rs"]
mod support;

mod accounts;
mod admins;
mod exports;
mod strangers;

use app::backend::bootstrap;
use app::backend::entity::{outgoing_mail, user};
use app::backend::seed::DEMO_PASSWORD;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{json, Value};
use support::{Answer, Body, TestServer};

pub const OPS_ADMIN: &str = "ops.admin@usher.test";
pub const SECOND_ADMIN: &str = "second.admin@northwind.test";
pub const CONTOSO_ADMIN: &str = "admin@contoso.test";

pub async fn user_row(server: &TestServer, email: &str) -> user::Model {
    user::Entity::find()
        .filter(user::Column::EmailNormalized.eq(email.to_lowercase()))
        .one(server.db.read())
        .await
        .unwrap()
        .unwrap()
}

/// Adds an Admin (or, with `entity` "operators", an Admin of the operator entity).
pub async fn add_admin(server: &TestServer, email: &str, entity: &str) {
    bootstrap::create_admin(
        &server.db,
        email,
        "Extra Admin",
        Some(entity),
        Some(DEMO_PASSWORD.to_string()),
        chrono::Utc::now(),
    )
    .await
    .unwrap();
}

pub fn form(pairs: &[(&str, String)]) -> Body {
    let encoded: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", urlencode(v)))
        .collect();
    Body::Form(encoded.join("&"))
}

pub fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'.' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

pub fn listing(q: &str) -> Body {
    Body::Json(json!({ "query": { "status": "", "entity": "", "q": q, "sort": "", "after": "" } }))
}

pub fn json_of(answer: &Answer) -> Value {
    serde_json::from_str(&answer.body).unwrap_or(Value::Null)
}

pub fn session_cookie(answer: &Answer) -> Option<String> {
    answer.head.lines().find_map(|line| {
        let value = line
            .strip_prefix("set-cookie: ")
            .or_else(|| line.strip_prefix("Set-Cookie: "))?;
        let token = value.strip_prefix("usher_session=")?.split(';').next()?;
        (!token.is_empty()).then(|| token.to_string())
    })
}

/// The newest queued or sent mail to `to`.
pub async fn last_mail_to(server: &TestServer, to: &str) -> Option<outgoing_mail::Model> {
    let mut mails = outgoing_mail::Entity::find()
        .filter(outgoing_mail::Column::ToAddress.eq(to))
        .all(server.db.read())
        .await
        .unwrap();
    mails.sort_by_key(|m| m.id);
    mails.pop()
}

pub fn token_in(text: &str) -> String {
    let start = text.find("#token=").expect("a link") + "#token=".len();
    text[start..].split_whitespace().next().unwrap().to_string()
}
