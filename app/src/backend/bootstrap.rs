//! Bootstrapping: the first operator, or an entity's first admin, from the command line.

use super::audit::AuditContext;
use super::entity::user;
use super::error::ServiceError;
use super::passwords::hash_unthrottled;
use super::secrets::generate_password;
use super::users::{self, NewUser};
use super::{entities, Db};
use crate::domain::{Email, FieldErrors, NewPassword, PersonName, RoleKey, UserStatus};
use chrono::{DateTime, Utc};

/// Creates a first operator (no entity) or an entity admin. Without a password, one is
/// generated, returned once, and must be changed at first sign-in.
pub async fn create_admin(
    db: &Db,
    email: &str,
    name: &str,
    entity_slug: Option<&str>,
    password: Option<String>,
    now: DateTime<Utc>,
) -> Result<(user::Model, Option<String>), ServiceError> {
    create_account(db, email, name, entity_slug, None, password, now).await
}

/// `create-user`: an account with one role in an entity, from the command line (scripted
/// set-ups). `role` `None` means the entity's Admin, or an operator without an entity.
pub async fn create_account(
    db: &Db,
    email: &str,
    name: &str,
    entity_slug: Option<&str>,
    role: Option<&str>,
    password: Option<String>,
    now: DateTime<Utc>,
) -> Result<(user::Model, Option<String>), ServiceError> {
    let mut errors = FieldErrors::new();
    let email = errors.check("email", Email::parse(email));
    let name = errors.check("name", PersonName::parse(name));
    let (password, generated) = match password {
        Some(p) => (p, false),
        None => (generate_password(), true),
    };
    let personal = [
        email.as_ref().map(|e| e.as_str()).unwrap_or(""),
        name.as_ref().map(|n| n.as_str()).unwrap_or(""),
    ];
    errors.check("password", NewPassword::parse(&password, &personal));
    errors.into_result()?;
    let (email, name) = (email.expect("checked"), name.expect("checked"));
    let hash = hash_unthrottled(password.clone()).await;

    let ctx = AuditContext::system("create-admin");
    let txn = db.begin().await?;
    let (entity, roles) = match entity_slug {
        Some(slug) => {
            let entity = entities::find_by_slug(&txn, slug).await?.ok_or_else(|| {
                ServiceError::Invalid(FieldErrors::single(
                    "entity",
                    format!("There is no entity with the slug {slug:?}."),
                ))
            })?;
            let catalogue = super::roles::load(&txn).await?;
            let role = match role {
                None => RoleKey::ADMIN,
                Some(name) => catalogue
                    .find(name)
                    .filter(|r| !r.is_global)
                    .map(|r| r.key.clone())
                    .ok_or_else(|| {
                        let names: Vec<&str> = catalogue
                            .roles()
                            .iter()
                            .filter(|r| !r.is_global)
                            .map(|r| r.key.as_str())
                            .collect();
                        ServiceError::Invalid(FieldErrors::single(
                            "role",
                            format!("--role must be one of {}.", names.join(", ")),
                        ))
                    })?,
            };
            (entity, vec![role])
        }
        None => (
            entities::operator_entity(&txn, &ctx, now).await?,
            vec![RoleKey::OPERATOR],
        ),
    };
    let new = NewUser {
        entity_id: entity.id,
        name,
        email,
        contact_email: None,
        roles,
        status: UserStatus::Active,
        password_hash: Some(hash),
        must_change_password: generated,
    };
    let (user, _) = users::insert(&txn, new, &ctx, now).await?;
    txn.commit().await?;
    Ok((user, generated.then_some(password)))
}
