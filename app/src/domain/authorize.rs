//! Who is asking (`Actor`), what they ask (`Action`), and the one function that decides who may
//! do what where (`authorize`).

use super::ids::{EntityId, UserId};
use super::permission::{Catalogue, Permission, Role, RoleKey};
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
    /// The permissions of `roles` as `catalogue` (the database) defines them.
    pub fn from_roles(
        user_id: UserId,
        entity_id: EntityId,
        roles: &[RoleKey],
        catalogue: &Catalogue,
    ) -> Self {
        let held = || roles.iter().filter_map(|k| catalogue.get(k));
        Self {
            user_id,
            entity_id,
            permissions: held().flat_map(|r| r.permissions.iter().copied()).collect(),
            operator: held().any(|r| r.is_global),
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

/// Whether `actor` could hand out `role`: never more than they hold themselves, a role carrying
/// any Usher permission only with `Users.Promote`, and the global role only by an operator.
fn could_grant(actor: &Actor, role: &Role) -> bool {
    (!role.needs_promote_to_grant() || actor.has(Permission::UsersPromote))
        && role.permissions.iter().all(|p| actor.has(*p))
        && (!role.is_global || actor.operator)
}

/// The roles `actor` may hand out in an entity: with `Invitations.Send` or `Users.Manage`, the
/// roles they could grant (`could_grant`); the global role only in the operator entity (the
/// operator scope belongs to no customer).
pub fn grantable_roles(
    actor: &Actor,
    operator_entity: bool,
    catalogue: &Catalogue,
) -> Vec<RoleKey> {
    if !(actor.has(Permission::InvitationsSend) || actor.has(Permission::UsersManage)) {
        return Vec::new();
    }
    catalogue
        .roles()
        .iter()
        .filter(|role| could_grant(actor, role))
        .filter(|role| !role.is_global || operator_entity)
        .map(|role| role.key.clone())
        .collect()
}

/// Rank: whether `actor` may act on a person holding `target_roles`, that is whether every one of
/// those roles is one the actor could grant. An Admin of the operator entity therefore cannot
/// touch an operator, and an entity admin cannot touch an Admin. The rule follows what a role
/// carries, not its name; a role the catalogue does not know outranks everyone.
pub fn outranks_or_equals(actor: &Actor, target_roles: &[RoleKey], catalogue: &Catalogue) -> bool {
    target_roles.iter().all(|key| {
        catalogue
            .get(key)
            .is_some_and(|role| could_grant(actor, role))
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
        Actor::from_roles(
            UserId(Uuid::nil()),
            EntityId(Uuid::from_u128(1)),
            roles,
            &Catalogue::built_in(),
        )
    }

    fn all_roles() -> Vec<RoleKey> {
        Catalogue::built_in()
            .roles()
            .iter()
            .map(|r| r.key.clone())
            .collect()
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
        use RoleKey as R;
        let members = vec![R::TRADER, R::MARKET_MAKER, R::CREDIT_OFFICER];
        // (actor's role, operator entity?, grantable)
        let cases = [
            (
                R::OPERATOR,
                false,
                vec![R::TRADER, R::MARKET_MAKER, R::CREDIT_OFFICER, R::ADMIN],
            ),
            (R::OPERATOR, true, all_roles()),
            (R::ADMIN, false, members.clone()),
            (R::ADMIN, true, members),
            (R::TRADER, false, vec![]),
            (R::CREDIT_OFFICER, false, vec![]),
        ];
        for (role, operator_entity, want) in cases {
            assert_eq!(
                grantable_roles(
                    &actor(std::slice::from_ref(&role)),
                    operator_entity,
                    &Catalogue::built_in()
                ),
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
            for role in all_roles() {
                let a = actor(std::slice::from_ref(&role));
                let got_own = authorize(&a, action, own).map(|_| ());
                let got_other = authorize(&a, action, other).map(|_| ());
                let got_global = authorize(&a, action, None).map(|_| ());
                let (want_own, want_other, want_global) = if role == RoleKey::OPERATOR {
                    (Ok(()), Ok(()), Ok(()))
                } else if role == RoleKey::ADMIN {
                    (
                        admin_own_entity(action),
                        Err(Denied::NotFound),
                        Err(Denied::Forbidden),
                    )
                } else {
                    (
                        Err(Denied::Forbidden),
                        Err(Denied::NotFound),
                        Err(Denied::Forbidden),
                    )
                };
                assert_eq!(got_own, want_own, "{role:?} {action:?} own entity");
                assert_eq!(got_other, want_other, "{role:?} {action:?} other entity");
                assert_eq!(got_global, want_global, "{role:?} {action:?} global");
            }
        }
    }

    #[test]
    fn permissions_of_several_roles_add_up() {
        let a = actor(&[RoleKey::TRADER, RoleKey::ADMIN]);
        assert!(a.has(Permission::UsersManage));
        assert!(!a.operator);
        assert!(a.is_admin());
        assert!(!actor(&[RoleKey::MARKET_MAKER]).is_admin());
    }

    #[test]
    fn nobody_acts_on_more_access_than_they_could_grant() {
        use RoleKey as R;
        let operator_entity_admin = actor(&[R::ADMIN]);
        let operator = actor(&[R::OPERATOR]);
        // (actor, target's roles, may act)
        let cases = [
            (&operator, vec![R::OPERATOR], true),
            (&operator, vec![R::ADMIN, R::TRADER], true),
            (&operator_entity_admin, vec![R::OPERATOR], false),
            (&operator_entity_admin, vec![R::ADMIN], false),
            (
                &operator_entity_admin,
                vec![R::TRADER, R::CREDIT_OFFICER],
                true,
            ),
            (&operator_entity_admin, vec![], true),
            (&operator, vec![R::new("deleted")], false),
        ];
        for (who, target, want) in cases {
            assert_eq!(
                outranks_or_equals(who, &target, &Catalogue::built_in()),
                want,
                "{target:?}"
            );
        }
    }

    /// A role made in the database is ranked by what it carries, whatever its name.
    #[test]
    fn rank_follows_the_permissions_a_role_carries() {
        let mut roles = Catalogue::built_in().roles().to_vec();
        let mut auditor = roles[0].clone();
        auditor.key = RoleKey::new("auditor");
        auditor.name = "Trader Plus".into();
        auditor.permissions = [Permission::AuditRead].into();
        auditor.rank = 10;
        roles.push(auditor);
        let catalogue = Catalogue::new(roles);
        let admin = Actor::from_roles(
            UserId(Uuid::nil()),
            EntityId(Uuid::from_u128(1)),
            &[RoleKey::ADMIN],
            &catalogue,
        );
        let auditor = RoleKey::new("auditor");
        assert!(!grantable_roles(&admin, false, &catalogue).contains(&auditor));
        assert!(!outranks_or_equals(
            &admin,
            std::slice::from_ref(&auditor),
            &catalogue
        ));
        let holder = Actor::from_roles(
            UserId(Uuid::nil()),
            EntityId(Uuid::from_u128(1)),
            &[auditor],
            &catalogue,
        );
        assert!(holder.has(Permission::AuditRead) && !holder.has(Permission::UsersRead));
    }

    #[test]
    fn authorized_remembers_scope() {
        let a = actor(&[RoleKey::ADMIN]);
        let own = EntityId(Uuid::from_u128(1));
        let grant = authorize(&a, Action::ManageUsers, Some(own)).unwrap();
        assert_eq!(grant.entity(), Some(own));
        assert_eq!(grant.action(), Action::ManageUsers);
    }
}
