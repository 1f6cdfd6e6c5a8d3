//! Create User, for admins. Each is one transaction with its audit row (and its mail);
//! every field is checked on the server and all problems are reported at once.

use super::reset::{issue_token, Purpose};
use super::{insert, NewUser};
use crate::backend::audit::RequestMeta;
use crate::backend::entity::user;
use crate::backend::error::ServiceError;
use crate::backend::invitations::check_roles;
use crate::backend::mail::{self, templates};
use crate::backend::secrets::generate_password;
use crate::backend::AppState;
use crate::backend::Caller;
use crate::domain::{Action, Email, FieldErrors, PersonName, UserStatus};
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// How a new user gets in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// A password shown once to the admin; the user must change it at first sign-in.
    TemporaryPassword,
    /// A mail with a one-time link to choose a password.
    SetPasswordEmail,
}

impl Access {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "temporary" => Some(Self::TemporaryPassword),
            "email" => Some(Self::SetPasswordEmail),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct CreateForm {
    pub name: String,
    pub email: String,
    /// Empty: mail goes to the account email ("Use same as account email").
    pub contact_email: String,
    /// Operators choose; an entity admin creates in their own entity.
    pub entity_id: Option<Uuid>,
    pub roles: Vec<String>,
    pub access: String,
}

pub struct Created {
    pub user: user::Model,
    /// The temporary password, shown to the admin once and never stored in clear.
    pub temporary_password: Option<String>,
}

/// Never prints the temporary password.
impl std::fmt::Debug for Created {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Created")
            .field("user", &self.user.id)
            .field(
                "temporary_password",
                &self.temporary_password.as_ref().map(|_| "…"),
            )
            .finish()
    }
}

pub(super) fn contact(errors: &mut FieldErrors, text: &str) -> Option<Email> {
    if text.trim().is_empty() {
        None
    } else {
        errors.check("contact_email", Email::parse(text))
    }
}

pub async fn create(
    state: &AppState,
    me: &Caller,
    form: CreateForm,
    meta: RequestMeta,
    now: DateTime<Utc>,
) -> Result<Created, ServiceError> {
    let mut errors = FieldErrors::new();
    let name = errors.check("name", PersonName::parse(&form.name));
    let email = errors.check("email", Email::parse(&form.email));
    let contact_email = contact(&mut errors, &form.contact_email);
    let entity = me
        .may_in_entity(state.db.read(), Action::ManageUsers, form.entity_id)
        .await?;
    let roles = match &entity {
        None => {
            errors.add("entity", "Choose the entity of the new user.");
            None
        }
        Some(entity) => errors.check("roles", check_roles(me, entity, &form.roles)),
    };
    let access = Access::parse(&form.access);
    if form.access == "sso" {
        // Offered once an entity has single sign-on; until then it would make an account
        // nobody can sign in to.
        errors.add(
            "access",
            "Single sign-on is not set up yet: send a set-password email or give a temporary password.",
        );
    } else if access.is_none() {
        errors.add("access", "Choose how the new user signs in.");
    }
    errors.into_result()?;
    let (name, email, entity, roles, access) = (
        name.expect("checked"),
        email.expect("checked"),
        entity.expect("checked"),
        roles.expect("checked"),
        access.expect("checked"),
    );

    let temporary_password = (access == Access::TemporaryPassword).then(generate_password);
    let password_hash = match &temporary_password {
        Some(password) => Some(state.passwords.hash(password.clone()).await.map_err(|_| {
            ServiceError::RateLimited {
                retry_after_secs: 1,
            }
        })?),
        None => None,
    };
    let new = NewUser {
        entity_id: entity.id,
        name,
        email,
        contact_email,
        roles,
        status: UserStatus::Active,
        password_hash,
        must_change_password: temporary_password.is_some(),
    };
    let ctx = me.audit(meta);
    let txn = state.db.begin().await?;
    let (user, created) = insert(&txn, new, &ctx, now).await?;
    let mut mails = Vec::new();
    if access == Access::SetPasswordEmail {
        let (token, expires_at) = issue_token(&txn, user.id, Purpose::FirstLogin, now).await?;
        // Authentication mail: to the account email only.
        mails.push(templates::set_password(
            &user.email,
            &user.name,
            &entity.name,
            &super::reset::reset_link(&state.config.public_url, &token),
            expires_at,
            false,
        ));
    }
    let queued = !mails.is_empty();
    mail::enqueue(&txn, mails, now).await?;
    txn.commit().await?;
    state.events.publish([created]);
    if queued {
        state.outbox.wake();
    }
    Ok(Created {
        user,
        temporary_password,
    })
}
