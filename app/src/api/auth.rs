use super::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// The signed-in person as the browser sees them (no hash, no internals).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    pub id: uuid::Uuid,
    pub name: String,
    pub email: String,
    pub entity_name: String,
    pub roles: Vec<String>,
    pub is_admin: bool,
    pub is_operator: bool,
    pub must_change_password: bool,
    /// May use the Invitations page.
    pub can_invite: bool,
    /// May create and edit users (Create User).
    pub can_manage_users: bool,
    /// Operators on a development install (mail written to files) get the Mailbox page.
    pub mailbox: bool,
    /// May use the Entities page (operators with `Entities.Manage`).
    pub can_manage_entities: bool,
    /// May use the Roles page (operators with `Roles.Manage`).
    pub can_manage_roles: bool,
    /// May read the audit log (operators every entity, entity admins their own).
    pub can_read_audit: bool,
}

#[server(prefix = "/api", endpoint = "sign_in")]
pub async fn sign_in(email: String, password: String) -> Result<(), AppError> {
    use super::context;
    use crate::backend::{auth, sessions};
    let mut missing = crate::domain::FieldErrors::new();
    if email.trim().is_empty() {
        missing.add("email", "Enter your email.");
    }
    if password.is_empty() {
        missing.add("password", "Enter your password.");
    }
    missing
        .into_result()
        .map_err(crate::backend::ServiceError::Invalid)?;
    let state = context::state()?;
    let (token, _session) = auth::sign_in(
        &state,
        &email,
        &password,
        context::client_ip(),
        context::meta(),
        context::now(),
    )
    .await?;
    // A browser that was signed in as someone else leaves that session behind, ended.
    if let Some(previous) = context::request_session_token() {
        let ended =
            sessions::end_by_token(&state.db, &previous, context::meta(), context::now()).await?;
        state.events.publish(ended);
    }
    context::set_session_cookie(&state.config, &token);
    Ok(())
}

#[server(prefix = "/api", endpoint = "sign_out")]
pub async fn sign_out() -> Result<(), AppError> {
    use super::context;
    use crate::backend::sessions;
    let state = context::state()?;
    if let Some(token) = context::request_session_token() {
        let ended =
            sessions::end_by_token(&state.db, &token, context::meta(), context::now()).await?;
        state.events.publish(ended);
    }
    context::clear_session_cookie(&state.config);
    Ok(())
}

impl Me {
    /// The caller as the browser is told of them (also what decides which pages they may open).
    #[cfg(feature = "ssr")]
    pub fn of(state: &crate::backend::AppState, s: &crate::backend::Caller) -> Self {
        use crate::domain::Permission;
        Me {
            can_invite: s.has(Permission::InvitationsSend),
            can_manage_users: s.has(Permission::UsersManage),
            mailbox: s.is_operator() && state.outbox.keeps_files(),
            can_manage_entities: s.is_operator() && s.has(Permission::EntitiesManage),
            can_manage_roles: s.is_operator() && s.has(Permission::RolesManage),
            can_read_audit: s.has(Permission::AuditRead),
            id: s.user.id,
            name: s.user.name.clone(),
            email: s.user.email.clone(),
            entity_name: s.entity.name.clone(),
            roles: s.role_labels(&s.roles),
            is_admin: s.is_admin(),
            is_operator: s.is_operator(),
            must_change_password: s.user.must_change_password,
        }
    }
}

#[server(prefix = "/api", endpoint = "current_user")]
pub async fn current_user() -> Result<Option<Me>, AppError> {
    use super::context;
    Ok(context::current_session()
        .await?
        .map(|(state, s)| Me::of(&state, &s)))
}
