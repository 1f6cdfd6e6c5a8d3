//! Who is asking. Every way in (the session cookie today; an API token or an SSO sign-in later)
//! becomes one `Caller`, built here from the request's headers by one function that server
//! functions and plain routes (the CSV export) share. Services take `&Caller`; what they may do
//! with it is decided in `access` and nowhere else.

use super::audit::{AuditActor, AuditContext, RequestMeta};
use super::config::Config;
use super::entity::{entity, user};
use super::{sessions, Db};
use crate::domain::{Actor, Catalogue, EntityId, Permission, RoleKey, UserId};
use chrono::{DateTime, Utc};
use http::header::COOKIE;
use http::HeaderMap;
use sea_orm::DbErr;
use std::sync::Arc;
use uuid::Uuid;

/// The person behind a caller, without anything secret (no password hash).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Person {
    pub id: Uuid,
    pub entity_id: Uuid,
    pub name: String,
    pub email: String,
    /// Signed in with a one-time password: until it is changed, only changing it and signing
    /// out are allowed.
    pub must_change_password: bool,
}

impl From<&user::Model> for Person {
    fn from(u: &user::Model) -> Self {
        Self {
            id: u.id,
            entity_id: u.entity_id,
            name: u.name.clone(),
            email: u.email.clone(),
            must_change_password: u.must_change_password,
        }
    }
}

/// A signed-in caller: who, in which entity, with which roles and so which permissions.
#[derive(Clone, Debug)]
pub struct Caller {
    pub session_id: Uuid,
    pub user: Person,
    pub entity: entity::Model,
    pub roles: Vec<RoleKey>,
    /// Every role as the database held it at `epoch`.
    pub catalogue: Arc<Catalogue>,
    /// The cache epoch this request read before anything else (see `cache`).
    pub epoch: i64,
    /// The permissions of the roles; read only by `access`.
    pub(super) actor: Actor,
}

impl Caller {
    pub fn new(
        session_id: Uuid,
        user: &user::Model,
        entity: entity::Model,
        roles: Vec<RoleKey>,
        catalogue: Arc<Catalogue>,
        epoch: i64,
    ) -> Self {
        let actor = Actor::from_roles(
            UserId(user.id),
            EntityId(user.entity_id),
            &roles,
            &catalogue,
        );
        Self {
            session_id,
            user: Person::from(user),
            entity,
            roles: catalogue.sorted(roles),
            catalogue,
            epoch,
            actor,
        }
    }

    /// Works across every entity (the Operator role).
    pub fn is_operator(&self) -> bool {
        self.actor.operator
    }

    pub fn has(&self, permission: Permission) -> bool {
        self.actor.has(permission)
    }

    /// Whether the admin pages are any use to this person.
    pub fn is_admin(&self) -> bool {
        self.actor.is_admin()
    }

    /// Role names as people see them, in rank order.
    pub fn role_labels(&self, roles: &[RoleKey]) -> Vec<String> {
        self.catalogue.labels(roles)
    }

    /// The audit actor of what this caller does.
    pub fn audit(&self, meta: RequestMeta) -> AuditContext {
        AuditContext {
            actor: AuditActor::user(self.user.id, &self.user.email),
            meta,
        }
    }
}

/// `__Host-` binds the cookie to this exact origin whenever it can be (it requires Secure).
pub fn cookie_name(config: &Config) -> &'static str {
    if config.secure_cookies {
        "__Host-usher_session"
    } else {
        "usher_session"
    }
}

/// The longest session cookie value looked at: a token is 43 characters.
const MAX_TOKEN_LEN: usize = 128;

/// The session token from a `Cookie` header value.
pub fn token_from_cookie_header(header: &str, name: &str) -> Option<String> {
    header
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.to_string())
        .filter(|value| !value.is_empty() && value.len() <= MAX_TOKEN_LEN)
}

/// The session token a request carries.
pub fn session_token(config: &Config, headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|header| token_from_cookie_header(header, cookie_name(config)))
}

/// The caller a request's headers name, if its session is live and its account may sign in.
pub async fn from_headers(
    db: &Db,
    config: &Config,
    headers: &HeaderMap,
    now: DateTime<Utc>,
) -> Result<Option<Caller>, DbErr> {
    match session_token(config, headers) {
        Some(token) => sessions::authenticate(db, config, &token, now).await,
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::token_from_cookie_header;

    #[test]
    fn finds_the_session_cookie_among_others() {
        let header = "theme=dark; usher_session=abc123; other=1";
        assert_eq!(
            token_from_cookie_header(header, "usher_session"),
            Some("abc123".into())
        );
        assert_eq!(
            token_from_cookie_header("usher_session=", "usher_session"),
            None
        );
        assert_eq!(
            token_from_cookie_header("x_usher_session=1", "usher_session"),
            None
        );
        let huge = format!("usher_session={}", "a".repeat(10_000));
        assert_eq!(token_from_cookie_header(&huge, "usher_session"), None);
    }
}
