//! Roles and the permissions they carry (the business matrix included).

use serde::{Deserialize, Serialize};

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
}

/// What a role grants in the business applications: the matrix shown on the Roles page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BusinessAccess {
    pub trading: &'static str,
    pub credit: &'static str,
    pub admin: &'static str,
    pub excel_add_in: &'static str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum RoleKey {
    Trader,
    MarketMaker,
    CreditOfficer,
    Admin,
    Operator,
}

impl RoleKey {
    pub const ALL: [RoleKey; 5] = [
        Self::Trader,
        Self::MarketMaker,
        Self::CreditOfficer,
        Self::Admin,
        Self::Operator,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Trader => "trader",
            Self::MarketMaker => "market_maker",
            Self::CreditOfficer => "credit_officer",
            Self::Admin => "admin",
            Self::Operator => "operator",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Trader => "Trader",
            Self::MarketMaker => "Market Maker",
            Self::CreditOfficer => "Credit Officer",
            Self::Admin => "Admin",
            Self::Operator => "Operator",
        }
    }

    /// The Usher permissions a role carries, as seeded by the first migration.
    pub fn permissions(self) -> &'static [Permission] {
        use Permission::*;
        match self {
            Self::Trader | Self::MarketMaker | Self::CreditOfficer => &[],
            Self::Admin => &[UsersRead, UsersManage, InvitationsSend, AuditRead],
            Self::Operator => &Permission::ALL,
        }
    }

    /// The operator role works across every entity.
    pub fn is_global(self) -> bool {
        self == Self::Operator
    }

    /// Granting a role needs `Users.Promote` when the role itself administers users.
    pub fn needs_promote_to_grant(self) -> bool {
        matches!(self, Self::Admin | Self::Operator)
    }

    pub fn business_access(self) -> BusinessAccess {
        let (trading, credit, admin, excel_add_in) = match self {
            Self::Trader => ("Place/cancel orders", "View own entity", "No", "No"),
            Self::MarketMaker => (
                "Place/cancel orders",
                "View own entity",
                "No",
                "Full access",
            ),
            Self::CreditOfficer => ("View only", "Manage limits", "No", "No"),
            Self::Admin | Self::Operator => {
                ("Full access", "Full access", "Full access", "Full access")
            }
        };
        BusinessAccess {
            trading,
            credit,
            admin,
            excel_add_in,
        }
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
        for r in RoleKey::ALL {
            assert_eq!(RoleKey::parse(r.as_str()), Some(r));
        }
        assert_eq!(Permission::UsersPromote.as_str(), "Users.Promote");
    }

    #[test]
    fn business_matrix_matches_the_seed() {
        let mm = RoleKey::MarketMaker.business_access();
        assert_eq!(
            (mm.trading, mm.excel_add_in),
            ("Place/cancel orders", "Full access")
        );
        let co = RoleKey::CreditOfficer.business_access();
        assert_eq!(
            (co.trading, co.credit, co.admin),
            ("View only", "Manage limits", "No")
        );
    }
}
