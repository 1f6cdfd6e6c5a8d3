//! Server functions of Create User, Edit, Reset password, and the signed-out password pages
//! (Forgot password, choose a new password from a link).

use super::directory::DirectoryRow;
use super::invitations::InviteChoices;
use super::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What a broken password link says (the server's own words, for the page without a round trip).
pub const INVALID_LINK: &str = "This link does not work any more: it was used, it expired (links last one hour), or a newer one was sent. Ask for a new one with Forgot password.";

/// What Create User hands back: the new user, and their temporary password, shown once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedUser {
    pub id: Uuid,
    pub name: String,
    pub email: String,
    pub temporary_password: Option<String>,
    pub mailed: bool,
}

/// The entities and grantable roles for Create User and Edit.
#[server(prefix = "/api", endpoint = "user_form_options")]
pub async fn user_form_options() -> Result<InviteChoices, AppError> {
    super::invitations::entity_choices(crate::domain::Action::ManageUsers).await
}

/// The Create User form as typed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct NewUserForm {
    pub name: String,
    pub email: String,
    pub contact_email: String,
    pub same_as_account: bool,
    pub entity: String,
    pub roles: Vec<String>,
    /// temporary, email or sso.
    pub access: String,
}

/// The Edit form as typed, with the version it was opened on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EditUserForm {
    pub id: Uuid,
    pub version: i32,
    pub name: String,
    pub email: String,
    pub contact_email: String,
    pub same_as_account: bool,
    pub roles: Vec<String>,
    pub confirm_email_change: bool,
}

#[server(prefix = "/api", endpoint = "create_user", input = Json)]
pub async fn create_user(form: NewUserForm) -> Result<CreatedUser, AppError> {
    use super::context;
    use crate::backend::users::manage::{create, CreateForm};
    let (state, me) = context::require_session().await?;
    let access = form.access.clone();
    let form = CreateForm {
        name: form.name,
        email: form.email,
        contact_email: if form.same_as_account {
            String::new()
        } else {
            form.contact_email
        },
        entity_id: Uuid::parse_str(form.entity.trim()).ok(),
        roles: form.roles,
        access: form.access,
    };
    let created = create(&state, &me, form, context::meta(), context::now()).await?;
    Ok(CreatedUser {
        id: created.user.id,
        name: created.user.name,
        email: created.user.email,
        temporary_password: created.temporary_password,
        mailed: access == "email",
    })
}

#[server(prefix = "/api", endpoint = "update_user", input = Json)]
pub async fn update_user(form: EditUserForm) -> Result<DirectoryRow, AppError> {
    use super::context;
    use crate::backend::users::edit::{edit, EditForm};
    let (state, me) = context::require_session().await?;
    let form = EditForm {
        id: form.id,
        version: form.version,
        name: form.name,
        email: form.email,
        contact_email: if form.same_as_account {
            String::new()
        } else {
            form.contact_email
        },
        roles: form.roles,
        confirm_email_change: form.confirm_email_change,
    };
    let now = context::now();
    let user = edit(&state, &me, form, context::meta(), now).await?;
    super::directory::convert::fresh_row(&state, &me, &user, now).await
}

/// Reset password: sends the user a one-hour link, clears the old password, ends every session.
#[server(prefix = "/api", endpoint = "reset_user_password")]
pub async fn reset_user_password(id: Uuid, version: i32) -> Result<DirectoryRow, AppError> {
    use super::context;
    let (state, me) = context::require_session().await?;
    let now = context::now();
    let user =
        crate::backend::users::reset::admin_reset(&state, &me, id, version, context::meta(), now)
            .await?;
    super::directory::convert::fresh_row(&state, &me, &user, now).await
}

/// Forgot password: the same answer, at the same speed, whether or not the account exists.
#[server(prefix = "/api", endpoint = "forgot_password")]
pub async fn forgot_password(email: String) -> Result<(), AppError> {
    use super::context;
    let state = context::state()?;
    if let Some(ip) = context::client_ip() {
        if let Err(retry_after_secs) = state.limiter.check_ip(ip, context::now()) {
            return Err(crate::backend::ServiceError::RateLimited { retry_after_secs }.into());
        }
    }
    // Say what is wrong with the address itself; whether it has an account stays unsaid.
    let problem = if email.trim().is_empty() {
        Some("Enter the email you sign in with.".to_string())
    } else if email.len() > 4 * crate::domain::Email::MAX_LEN {
        Some("This is longer than any email address.".to_string())
    } else {
        crate::domain::Email::parse(&email)
            .err()
            .map(|e| e.to_string())
    };
    if let Some(problem) = problem {
        let fields = crate::domain::FieldErrors::single("email", problem);
        return Err(crate::backend::ServiceError::Invalid(fields).into());
    }
    let meta = context::meta();
    tokio::spawn(async move {
        let result =
            crate::backend::users::reset::forgot(&state, &email, meta, chrono::Utc::now()).await;
        if let Err(error) = result {
            tracing::error!(%error, "forgot password failed");
        }
    });
    Ok(())
}

/// Whether a password link works, and for whom.
#[server(prefix = "/api", endpoint = "password_link", input = Json)]
pub async fn password_link(token: String) -> Result<Option<String>, AppError> {
    use super::context;
    use crate::backend::users::reset::{look_up, Link};
    let state = context::state()?;
    Ok(match look_up(&state, &token, context::now()).await? {
        Link::Valid { email, .. } => Some(email),
        Link::Invalid => None,
    })
}

#[server(prefix = "/api", endpoint = "reset_password", input = Json)]
pub async fn reset_password(
    token: String,
    password: String,
    confirm_password: String,
) -> Result<(), AppError> {
    use super::context;
    let state = context::state()?;
    crate::backend::users::reset::reset(
        &state,
        &token,
        &password,
        &confirm_password,
        context::meta(),
        context::now(),
    )
    .await?;
    Ok(())
}

/// Delete permanently, confirmed by typing the user's email.
#[server(prefix = "/api", endpoint = "purge_user", input = Json)]
pub async fn purge_user(id: Uuid, typed_email: String) -> Result<(), AppError> {
    use super::context;
    let (state, me) = context::require_session().await?;
    crate::backend::users::purge::purge(
        &state,
        &me,
        id,
        &typed_email,
        context::meta(),
        context::now(),
    )
    .await?;
    Ok(())
}
