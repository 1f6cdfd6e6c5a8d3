use serde::{Deserialize, Serialize};

/// Where a user is in their lifecycle. Permanent deletion leaves a tombstone, which is `Deleted`
/// with `purged_at` set; it is not a status of its own because it cannot be left.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum UserStatus {
    Pending,
    Active,
    Inactive,
    Deleted,
}

impl UserStatus {
    pub const ALL: [UserStatus; 4] = [Self::Pending, Self::Active, Self::Inactive, Self::Deleted];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Active => "active",
            Self::Inactive => "inactive",
            Self::Deleted => "deleted",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.as_str() == s)
    }

    /// The label admins know from the seeds.
    pub fn label(self) -> &'static str {
        match self {
            Self::Pending => "Pending",
            Self::Active => "Active",
            Self::Inactive => "Inactive",
            Self::Deleted => "Deleted",
        }
    }

    /// Only an active account may hold a session.
    pub fn can_sign_in(self) -> bool {
        self == Self::Active
    }
}

/// The status of an invitation as admins see it. `Expired` is never stored: it is a pending
/// invitation whose expiry has passed (see `invitation::effective_status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum InvitationStatus {
    Pending,
    Accepted,
    Expired,
    Revoked,
}

impl InvitationStatus {
    pub const ALL: [InvitationStatus; 4] =
        [Self::Pending, Self::Accepted, Self::Expired, Self::Revoked];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Accepted => "accepted",
            Self::Expired => "expired",
            Self::Revoked => "revoked",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.as_str() == s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_round_trip_through_their_stored_names() {
        for status in UserStatus::ALL {
            assert_eq!(UserStatus::parse(status.as_str()), Some(status));
        }
        for status in InvitationStatus::ALL {
            assert_eq!(InvitationStatus::parse(status.as_str()), Some(status));
        }
        assert_eq!(UserStatus::parse("suspended"), None);
    }

    #[test]
    fn only_active_users_sign_in() {
        let allowed: Vec<_> = UserStatus::ALL
            .into_iter()
            .filter(|s| s.can_sign_in())
            .collect();
        assert_eq!(allowed, vec![UserStatus::Active]);
    }
}
