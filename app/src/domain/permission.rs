//! Usher's permissions, and roles as data: the database holds every role with the permissions
//! it carries and its business access; the domain only knows how to read them (`Catalogue`) and
//! the built-in roles the first migration seeds.

use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::collections::BTreeSet;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Permission {
    UsersRead,
    UsersManage,
    UsersPromote,
    InvitationsSend,
    AuditRead,
    RolesManage,
    EntitiesManage,
    ApiTokensManage,
}

impl Permission {
    pub const ALL: [Permission; 8] = [
        Self::UsersRead,
        Self::UsersManage,
        Self::UsersPromote,
        Self::InvitationsSend,
        Self::AuditRead,
        Self::RolesManage,
        Self::EntitiesManage,
        Self::ApiTokensManage,
    ];

    /// The name used in the database, the API and the seeds (`Users.Promote`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::UsersRead => "Users.Read",
            Self::UsersManage => "Users.Manage",
            Self::UsersPromote => "Users.Promote",
            Self::InvitationsSend => "Invitations.Send",
            Self::AuditRead => "Audit.Read",
            Self::RolesManage => "Roles.Manage",
            Self::EntitiesManage => "Entities.Manage",
            Self::ApiTokensManage => "ApiTokens.Manage",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }

    /// What the permission lets its holder do, for the Roles page.
    pub fn describe(self) -> &'static str {
        match self {
            Self::UsersRead => "See the directory, users and invitations",
            Self::UsersManage => "Create, edit, deactivate and delete users",
            Self::UsersPromote => "Grant admin roles",
            Self::InvitationsSend => "Invite, revoke and resend",
            Self::AuditRead => "Read the audit log",
            Self::RolesManage => "Manage roles (operators only)",
            Self::EntitiesManage => "Manage entities (operators only)",
            Self::ApiTokensManage => "Manage API tokens",
        }
    }

    /// Permissions only the operator scope can use: a role confined to one entity never
    /// carries them.
    pub fn operator_only(self) -> bool {
        matches!(self, Self::RolesManage | Self::EntitiesManage)
    }
}

/// A role's key: built-in ones are constants, others come from the database.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct RoleKey(Cow<'static, str>);

impl RoleKey {
    pub const TRADER: RoleKey = RoleKey(Cow::Borrowed("trader"));
    pub const MARKET_MAKER: RoleKey = RoleKey(Cow::Borrowed("market_maker"));
    pub const CREDIT_OFFICER: RoleKey = RoleKey(Cow::Borrowed("credit_officer"));
    pub const ADMIN: RoleKey = RoleKey(Cow::Borrowed("admin"));
    pub const OPERATOR: RoleKey = RoleKey(Cow::Borrowed("operator"));

    pub fn new(key: impl Into<String>) -> Self {
        Self(Cow::Owned(key.into()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What a role grants in the business applications: the matrix of seed 000.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct BusinessAccess {
    pub trading: String,
    pub credit: String,
    pub admin: String,
    pub excel_add_in: String,
}

/// A role as the database holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Role {
    pub key: RoleKey,
    pub name: String,
    pub description: String,
    pub permissions: BTreeSet<Permission>,
    pub business: BusinessAccess,
    /// Works across every entity: only the built-in Operator role.
    pub is_global: bool,
    /// Seeded by the first migration: cannot be deleted (and Operator cannot be changed).
    pub built_in: bool,
    /// The order roles are listed in.
    pub rank: i32,
}

impl Role {
    /// Granting a role that carries any Usher permission needs `Users.Promote`: the rank rule
    /// follows what a role carries, not its name.
    pub fn needs_promote_to_grant(&self) -> bool {
        !self.permissions.is_empty() || self.is_global
    }
}

/// Every role, in rank order: read from the database once per cache epoch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Catalogue {
    roles: Vec<Role>,
}

impl Catalogue {
    pub fn new(mut roles: Vec<Role>) -> Self {
        roles.sort_by(|a, b| (a.rank, &a.name).cmp(&(b.rank, &b.name)));
        Self { roles }
    }

    pub fn roles(&self) -> &[Role] {
        &self.roles
    }

    pub fn get(&self, key: &RoleKey) -> Option<&Role> {
        self.roles.iter().find(|r| &r.key == key)
    }

    /// A role named by its key or its name, in any case (a CSV row, a form); a key first.
    pub fn find(&self, name: &str) -> Option<&Role> {
        let name = name.trim();
        self.roles
            .iter()
            .find(|r| r.key.as_str().eq_ignore_ascii_case(name))
            .or_else(|| {
                self.roles
                    .iter()
                    .find(|r| r.name.eq_ignore_ascii_case(name))
            })
    }

    /// The name people see; a key the catalogue does not know shows as itself.
    pub fn label(&self, key: &RoleKey) -> String {
        self.get(key)
            .map_or_else(|| key.as_str().to_string(), |r| r.name.clone())
    }

    /// Names in rank order.
    pub fn labels(&self, keys: &[RoleKey]) -> Vec<String> {
        let mut known: Vec<&Role> = self
            .roles
            .iter()
            .filter(|r| keys.contains(&r.key))
            .collect();
        known.sort_by_key(|r| r.rank);
        known.into_iter().map(|r| r.name.clone()).collect()
    }

    /// Keys in rank order (unknown keys last).
    pub fn sorted(&self, mut keys: Vec<RoleKey>) -> Vec<RoleKey> {
        keys.sort_by_key(|k| {
            (
                self.roles
                    .iter()
                    .position(|r| &r.key == k)
                    .unwrap_or(usize::MAX),
                k.clone(),
            )
        });
        keys.dedup();
        keys
    }

    /// The built-in roles as the first migration seeds them: the seeds' four and the operator.
    pub fn built_in() -> Self {
        use Permission::*;
        let role = |key: RoleKey, name: &str, perms: &[Permission], b: [&str; 4], rank| Role {
            key,
            name: name.into(),
            description: String::new(),
            permissions: perms.iter().copied().collect(),
            business: BusinessAccess {
                trading: b[0].into(),
                credit: b[1].into(),
                admin: b[2].into(),
                excel_add_in: b[3].into(),
            },
            is_global: rank == 4,
            built_in: true,
            rank,
        };
        let full = ["Full access"; 4];
        Self::new(vec![
            role(
                RoleKey::TRADER,
                "Trader",
                &[],
                ["Place/cancel orders", "View own entity", "No", "No"],
                0,
            ),
            role(
                RoleKey::MARKET_MAKER,
                "Market Maker",
                &[],
                [
                    "Place/cancel orders",
                    "View own entity",
                    "No",
                    "Full access",
                ],
                1,
            ),
            role(
                RoleKey::CREDIT_OFFICER,
                "Credit Officer",
                &[],
                ["View only", "Manage limits", "No", "No"],
                2,
            ),
            role(
                RoleKey::ADMIN,
                "Admin",
                &[UsersRead, UsersManage, InvitationsSend, AuditRead],
                full,
                3,
            ),
            role(RoleKey::OPERATOR, "Operator", &Permission::ALL, full, 4),
        ])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for p in Permission::ALL {
            assert_eq!(Permission::parse(p.as_str()), Some(p));
        }
        assert_eq!(Permission::UsersPromote.as_str(), "Users.Promote");
        let c = Catalogue::built_in();
        assert_eq!(c.find("market maker").unwrap().key, RoleKey::MARKET_MAKER);
        assert_eq!(c.find("credit_officer").unwrap().name, "Credit Officer");
        assert_eq!(c.label(&RoleKey::new("gone")), "gone");
        assert_eq!(
            c.labels(&[RoleKey::ADMIN, RoleKey::TRADER]),
            ["Trader", "Admin"]
        );
    }

    #[test]
    fn business_matrix_matches_the_seed() {
        let c = Catalogue::built_in();
        let mm = &c.get(&RoleKey::MARKET_MAKER).unwrap().business;
        assert_eq!(
            (mm.trading.as_str(), mm.excel_add_in.as_str()),
            ("Place/cancel orders", "Full access")
        );
        let co = &c.get(&RoleKey::CREDIT_OFFICER).unwrap().business;
        assert_eq!(
            (co.trading.as_str(), co.credit.as_str(), co.admin.as_str()),
            ("View only", "Manage limits", "No")
        );
    }
}
