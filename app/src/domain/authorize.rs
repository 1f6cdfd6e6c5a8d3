//! Who is asking (`Actor`), what they ask (`Action`), and the one function that decides who may
//! do what where (`authorize`).

use super::ids::{EntityId, UserId};
use super::permission::{Permission, RoleKey};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// Who is asking: a signed-in user with the permissions of their roles.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub user_id: UserId,
    pub entity_id: EntityId,
    pub permissions: BTreeSet<Permission>,
    pub operator: bool,
}

impl Actor {
    pub fn from_roles(user_id: UserId, entity_id: EntityId, roles: &[RoleKey]) -> Self {
        Self {
            user_id,
            entity_id,
            permissions: roles
                .iter()
                .flat_map(|r| r.permissions().iter().copied())
                .collect(),
            operator: roles.iter().any(|r| r.is_global()),
        }
    }

    pub fn has(&self, permission: Permission) -> bool {
        self.permissions.contains(&permission)
    }

    /// Whether the admin pages (directory, invitations, audit) are any use to this person.
    pub fn is_admin(&self) -> bool {
        self.operator || self.has(Permission::UsersRead)
    }
}

/// Everything the server may be asked to do on someone else's behalf.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Action {
    ReadUsers,
    ManageUsers,
    PromoteUsers,
    SendInvitations,
    DeleteInvitation,
    DeletePermanently,
    RestoreUser,
    ReadAudit,
    ManageRoles,
    ManageEntities,
    ManageApiTokens,
}

impl Action {
    pub const ALL: [Action; 11] = [
        Self::ReadUsers,
        Self::ManageUsers,
        Self::PromoteUsers,
        Self::SendInvitations,
        Self::DeleteInvitation,
        Self::DeletePermanently,
        Self::RestoreUser,
        Self::ReadAudit,
        Self::ManageRoles,
        Self::ManageEntities,
        Self::ManageApiTokens,
    ];

    pub fn required_permission(self) -> Permission {
        use Permission::*;
        match self {
            Self::ReadUsers => UsersRead,
            Self::ManageUsers => UsersManage,
            Self::PromoteUsers | Self::DeletePermanently | Self::RestoreUser => UsersPromote,
            Self::SendInvitations | Self::DeleteInvitation => InvitationsSend,
            Self::ReadAudit => AuditRead,
            Self::ManageRoles => RolesManage,
            Self::ManageEntities => EntitiesManage,
            Self::ManageApiTokens => ApiTokensManage,
        }
    }

    /// Actions DESIGN.md reserves for operators whatever permissions a role carries.
    pub fn needs_operator_scope(self) -> bool {
        matches!(
            self,
            Self::DeleteInvitation
                | Self::DeletePermanently
                | Self::RestoreUser
                | Self::ManageRoles
                | Self::ManageEntities
        )
    }
}

/// Why a request was refused. `NotFound` is used whenever the target lies outside the actor's
/// entity, so that nobody learns that it exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Denied {
    NotFound,
    Forbidden,
}

/// What `authorize` allowed; only `authorize` makes one. The access module wraps it, with the
/// target it was decided on, in the proof every service requires (`backend::access::Authorized`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grant {
    action: Action,
    entity: Option<EntityId>,
}

impl Grant {
    /// What the command line is granted: it runs as the machine's operator.
    pub fn console(action: Action) -> Self {
        Self {
            action,
            entity: None,
        }
    }

    pub fn action(&self) -> Action {
        self.action
    }

    /// The entity the action is confined to, or `None` for an operator's global action.
    pub fn entity(&self) -> Option<EntityId> {
        self.entity
    }
}

/// The roles `actor` may hand out in an entity: member roles with `Invitations.Send` or
/// `Users.Manage`, Admin only with `Users.Promote`, and Operator only with `Users.Promote` and only
/// in the operator entity (the operator scope belongs to no customer).
pub fn grantable_roles(actor: &Actor, operator_entity: bool) -> Vec<RoleKey> {
    if !(actor.has(Permission::InvitationsSend) || actor.has(Permission::UsersManage)) {
        return Vec::new();
    }
    RoleKey::ALL
        .into_iter()
        .filter(|role| !role.needs_promote_to_grant() || actor.has(Permission::UsersPromote))
        .filter(|role| !role.is_global() || operator_entity)
        .collect()
}

/// Rank: whether `actor` may act on a person holding `target_roles`, that is whether every one of
/// those roles is one the actor could grant. An Admin of the operator entity therefore cannot
/// touch an operator, and an entity admin cannot touch an Admin. The rule follows what a role
/// carries (`needs_promote_to_grant`, `is_global`), not its name.
pub fn outranks_or_equals(actor: &Actor, target_roles: &[RoleKey]) -> bool {
    target_roles.iter().all(|role| {
        (!role.needs_promote_to_grant() || actor.has(Permission::UsersPromote))
            && (!role.is_global() || actor.operator)
    })
}

/// Deny by default: `target` is the entity the action touches, `None` for global actions.
pub fn authorize(actor: &Actor, action: Action, target: Option<EntityId>) -> Result<Grant, Denied> {
    if !actor.operator {
        match target {
            Some(entity) if entity != actor.entity_id => return Err(Denied::NotFound),
            None => return Err(Denied::Forbidden),
            Some(_) => {}
        }
        if action.needs_operator_scope() {
            return Err(Denied::Forbidden);
        }
    }
    if !actor.has(action.required_permission()) {
        return Err(Denied::Forbidden);
    }
    Ok(Grant {
        action,
        entity: target,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn actor(roles: &[RoleKey]) -> Actor {
        Actor::from_roles(UserId(Uuid::nil()), EntityId(Uuid::from_u128(1)), roles)
    }

    /// Expected outcome per action for an entity admin acting inside their own entity.
    fn admin_own_entity(action: Action) -> Result<(), Denied> {
        use Action::*;
        match action {
            ReadUsers | ManageUsers | SendInvitations | ReadAudit => Ok(()),
            _ => Err(Denied::Forbidden),
        }
    }

    #[test]
    fn who_may_grant_which_role() {
        use RoleKey::*;
        let members = vec![Trader, MarketMaker, CreditOfficer];
        // (actor's role, operator entity?, grantable)
        let cases = [
            (
                Operator,
                false,
                vec![Trader, MarketMaker, CreditOfficer, Admin],
            ),
            (Operator, true, RoleKey::ALL.to_vec()),
            (Admin, false, members.clone()),
            (Admin, true, members),
            (Trader, false, vec![]),
            (CreditOfficer, false, vec![]),
        ];
        for (role, operator_entity, want) in cases {
            assert_eq!(
                grantable_roles(&actor(&[role]), operator_entity),
                want,
                "{role:?} in operator entity: {operator_entity}"
            );
        }
    }

    #[test]
    fn every_role_action_and_entity_cell() {
        let own = Some(EntityId(Uuid::from_u128(1)));
        let other = Some(EntityId(Uuid::from_u128(2)));
        for action in Action::ALL {
            for role in RoleKey::ALL {
                let a = actor(&[role]);
                let got_own = authorize(&a, action, own).map(|_| ());
                let got_other = authorize(&a, action, other).map(|_| ());
                let got_global = authorize(&a, action, None).map(|_| ());
                let (want_own, want_other, want_global) = match role {
                    RoleKey::Operator => (Ok(()), Ok(()), Ok(())),
                    RoleKey::Admin => (
                        admin_own_entity(action),
                        Err(Denied::NotFound),
                        Err(Denied::Forbidden),
                    ),
                    _ => (
                        Err(Denied::Forbidden),
                        Err(Denied::NotFound),
                        Err(Denied::Forbidden),
                    ),
                };
                assert_eq!(got_own, want_own, "{role:?} {action:?} own entity");
                assert_eq!(got_other, want_other, "{role:?} {action:?} other entity");
                assert_eq!(got_global, want_global, "{role:?} {action:?} global");
            }
        }
    }

    #[test]
    fn permissions_of_several_roles_add_up() {
        let a = actor(&[RoleKey::Trader, RoleKey::Admin]);
        assert!(a.has(Permission::UsersManage));
        assert!(!a.operator);
        assert!(a.is_admin());
        assert!(!actor(&[RoleKey::MarketMaker]).is_admin());
    }

    #[test]
    fn nobody_acts_on_more_access_than_they_could_grant() {
        use RoleKey::*;
        let operator_entity_admin = actor(&[Admin]);
        let operator = actor(&[Operator]);
        // (actor, target's roles, may act)
        let cases = [
            (&operator, vec![Operator], true),
            (&operator, vec![Admin, Trader], true),
            (&operator_entity_admin, vec![Operator], false),
            (&operator_entity_admin, vec![Admin], false),
            (&operator_entity_admin, vec![Trader, CreditOfficer], true),
            (&operator_entity_admin, vec![], true),
        ];
        for (who, target, want) in cases {
            assert_eq!(outranks_or_equals(who, &target), want, "{target:?}");
        }
    }

    #[test]
    fn authorized_remembers_scope() {
        let a = actor(&[RoleKey::Admin]);
        let own = EntityId(Uuid::from_u128(1));
        let grant = authorize(&a, Action::ManageUsers, Some(own)).unwrap();
        assert_eq!(grant.entity(), Some(own));
        assert_eq!(grant.action(), Action::ManageUsers);
    }
}
