//! Server functions of the Roles page (operators): the matrix of roles × permissions with each
//! role's business access and holders, New role, Edit and Delete. Each action answers with the
//! sentence the page shows; the page then reads the roles again.

use super::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

/// One role as the Roles page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct RoleRow {
    pub key: String,
    pub name: String,
    pub description: String,
    /// Permission names (`Users.Read`) the role carries.
    pub permissions: Vec<String>,
    pub trading: String,
    pub credit: String,
    pub admin: String,
    pub excel_add_in: String,
    pub built_in: bool,
    /// Operator: cannot be changed.
    pub fixed: bool,
    /// How many people hold it.
    pub holders: u64,
}

/// A permission as the matrix heads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PermissionInfo {
    pub name: String,
    pub describe: String,
    /// Only the Operator role carries it: not offered for other roles.
    pub operator_only: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RolesPage {
    pub roles: Vec<RoleRow>,
    pub permissions: Vec<PermissionInfo>,
}

/// New role and Edit, as typed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct RoleInput {
    pub name: String,
    pub description: String,
    pub permissions: Vec<String>,
    pub trading: String,
    pub credit: String,
    pub admin: String,
    pub excel_add_in: String,
}

#[cfg(feature = "ssr")]
impl From<RoleInput> for crate::backend::roles::manage::RoleForm {
    fn from(input: RoleInput) -> Self {
        Self {
            name: input.name,
            description: input.description,
            permissions: input.permissions,
            business: crate::domain::BusinessAccess {
                trading: input.trading,
                credit: input.credit,
                admin: input.admin,
                excel_add_in: input.excel_add_in,
            },
        }
    }
}

#[server(prefix = "/api", endpoint = "list_roles")]
pub async fn list_roles() -> Result<RolesPage, AppError> {
    use super::context;
    use crate::backend::roles::manage::holders;
    use crate::domain::{Action, Permission};
    let (state, me) = context::require_session().await?;
    me.may_list(Action::ManageRoles, None)?;
    let held = holders(state.db.read()).await?;
    let roles = me
        .catalogue
        .roles()
        .iter()
        .map(|r| RoleRow {
            key: r.key.as_str().into(),
            name: r.name.clone(),
            description: r.description.clone(),
            permissions: r.permissions.iter().map(|p| p.as_str().into()).collect(),
            trading: r.business.trading.clone(),
            credit: r.business.credit.clone(),
            admin: r.business.admin.clone(),
            excel_add_in: r.business.excel_add_in.clone(),
            built_in: r.built_in,
            fixed: r.is_global,
            holders: held.get(r.key.as_str()).copied().unwrap_or(0),
        })
        .collect();
    let permissions = Permission::ALL
        .into_iter()
        .map(|p| PermissionInfo {
            name: p.as_str().into(),
            describe: p.describe().into(),
            operator_only: p.operator_only(),
        })
        .collect();
    Ok(RolesPage { roles, permissions })
}

#[server(prefix = "/api", endpoint = "create_role", input = Json)]
pub async fn create_role(role: RoleInput) -> Result<String, AppError> {
    use super::context;
    let (state, me) = context::require_session().await?;
    let made = crate::backend::roles::manage::create(
        &state,
        &me,
        role.into(),
        context::meta(),
        context::now(),
    )
    .await?;
    Ok(format!("{} created.", made.name))
}

#[server(prefix = "/api", endpoint = "update_role", input = Json)]
pub async fn update_role(key: String, role: RoleInput) -> Result<String, AppError> {
    use super::context;
    let (state, me) = context::require_session().await?;
    let saved = crate::backend::roles::manage::update(
        &state,
        &me,
        &key,
        role.into(),
        context::meta(),
        context::now(),
    )
    .await?;
    Ok(format!(
        "{} saved: its holders have the new access from their next click.",
        saved.name
    ))
}

#[server(prefix = "/api", endpoint = "delete_role", input = Json)]
pub async fn delete_role(key: String) -> Result<String, AppError> {
    use super::context;
    let (state, me) = context::require_session().await?;
    let gone =
        crate::backend::roles::manage::delete(&state, &me, &key, context::meta(), context::now())
            .await?;
    Ok(format!("{} deleted.", gone.name))
}
