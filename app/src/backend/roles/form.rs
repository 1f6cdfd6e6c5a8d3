//! New role and Edit, as typed, and the checks that turn it into a role: every field bounded
//! and named in its error, names unique whatever their case and never another role's key,
//! permissions known and not the operator scope's own, Admin keeping user management.

use crate::domain::{BusinessAccess, Catalogue, FieldErrors, Permission, Role, RoleKey};
use std::collections::BTreeSet;

/// The longest role name, in characters.
pub const NAME_MAX: usize = 60;
/// The longest description, in characters.
pub const DESCRIPTION_MAX: usize = 300;
/// The longest business access cell ("Place/cancel orders"), in characters.
pub const ACCESS_MAX: usize = 60;

/// New role or Edit, as typed.
#[derive(Clone, Debug, Default)]
pub struct RoleForm {
    pub name: String,
    pub description: String,
    /// Permission names (`Users.Read`).
    pub permissions: Vec<String>,
    pub business: BusinessAccess,
}

fn bounded(field: &str, value: &str, max: usize, errors: &mut FieldErrors) -> String {
    let value = value.trim();
    if value.chars().count() > max {
        errors.add(field, format!("Keep this to {max} characters or fewer."));
    } else if value.chars().any(char::is_control) {
        errors.add(field, "This cannot contain line breaks or tabs.");
    }
    value.to_string()
}

/// The role `form` describes, checked against the catalogue; `editing` is the role it replaces.
pub(super) fn check(
    form: &RoleForm,
    catalogue: &Catalogue,
    editing: Option<&Role>,
) -> Result<Role, FieldErrors> {
    let mut errors = FieldErrors::new();
    let name = bounded("name", &form.name, NAME_MAX, &mut errors);
    if name.is_empty() {
        errors.add("name", "Enter the role's name.");
    } else if catalogue.roles().iter().any(|r| {
        // Forms and CSV files name a role by its name or its key: neither may be ambiguous.
        let other = Some(&r.key) != editing.map(|e| &e.key);
        other
            && (r.name.to_lowercase() == name.to_lowercase()
                || r.key.as_str().eq_ignore_ascii_case(&name))
    }) {
        errors.add("name", format!("There is already a role named {name}."));
    }
    let description = bounded(
        "description",
        &form.description,
        DESCRIPTION_MAX,
        &mut errors,
    );
    let mut permissions = BTreeSet::new();
    for raw in form.permissions.iter().take(Permission::ALL.len() + 1) {
        match Permission::parse(raw.trim()) {
            Some(p) if p.operator_only() => errors.add(
                "permissions",
                format!("Only the Operator role carries {}.", p.as_str()),
            ),
            Some(p) => {
                permissions.insert(p);
            }
            None => errors.add("permissions", "Choose permissions from the list."),
        }
    }
    if editing.is_some_and(|r| r.key == RoleKey::ADMIN)
        && !(permissions.contains(&Permission::UsersRead)
            && permissions.contains(&Permission::UsersManage))
    {
        errors.add(
            "permissions",
            "Admin keeps user management: Users.Read and Users.Manage stay.",
        );
    }
    let cell = |field: &str, value: &str, errors: &mut FieldErrors| {
        let value = bounded(field, value, ACCESS_MAX, errors);
        if value.is_empty() {
            "No".to_string()
        } else {
            value
        }
    };
    let business = BusinessAccess {
        trading: cell("trading", &form.business.trading, &mut errors),
        credit: cell("credit", &form.business.credit, &mut errors),
        admin: cell("admin", &form.business.admin, &mut errors),
        excel_add_in: cell("excel_add_in", &form.business.excel_add_in, &mut errors),
    };
    errors.into_result()?;
    Ok(Role {
        key: editing.map_or_else(|| key_for(&name, catalogue), |r| r.key.clone()),
        name,
        description,
        permissions,
        business,
        is_global: false,
        built_in: editing.is_some_and(|r| r.built_in),
        rank: editing.map_or_else(
            || catalogue.roles().iter().map(|r| r.rank).max().unwrap_or(0) + 1,
            |r| r.rank,
        ),
    })
}

/// A key for a new role: its name in lowercase ASCII with underscores, unique in the catalogue.
fn key_for(name: &str, catalogue: &Catalogue) -> RoleKey {
    let mut base: String = name
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    base = base
        .split('_')
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("_");
    if base.is_empty() {
        base = "role".into();
    }
    base.truncate(40);
    let taken = |k: &str| catalogue.roles().iter().any(|r| r.key.as_str() == k);
    let key = (1..)
        .map(|n| {
            if n == 1 {
                base.clone()
            } else {
                format!("{base}_{n}")
            }
        })
        .find(|k| !taken(k))
        .expect("some suffix is free");
    RoleKey::new(key)
}
