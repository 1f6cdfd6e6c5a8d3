//! What a caller may do, decided in one place. Two rules live here and nowhere else:
//! - **scope**: operators act in every entity, everyone else in their own; another entity's
//!   target is "not found", never a hint that it exists;
//! - **rank**: nobody acts on a person whose access exceeds what the caller could grant, and
//!   nobody resends an invitation carrying a role they could not grant.
//!
//! An answer that allows is an `Authorized<T>`: the target as loaded, with the grant. Only this
//! module makes one, and the services that change or reveal anything take it as a parameter, so
//! a new service cannot be written without asking.

use super::caller::Caller;
use super::entity::{entity, invitation, user};
use super::error::ServiceError;
use super::{invitations, roles, users};
use crate::domain::{
    authorize, grantable_roles, outranks_or_equals, Action, EntityId, Grant, RoleKey,
};
use sea_orm::{ConnectionTrait, EntityTrait};
use std::ops::Deref;
use uuid::Uuid;

/// Proof that a caller may take an action on `T` (a user, an invitation, an entity, a scope).
#[derive(Debug, Clone)]
pub struct Authorized<T> {
    grant: Grant,
    target: T,
}

impl<T> Authorized<T> {
    pub fn action(&self) -> Action {
        self.grant.action()
    }

    pub fn into_target(self) -> T {
        self.target
    }

    /// The command line acts as the machine's operator (`set-status`, `create-admin`): whoever
    /// can run it can already read the database.
    pub(crate) fn by_console(action: Action, target: T) -> Self {
        Self {
            grant: Grant::console(action),
            target,
        }
    }
}

impl<T> Deref for Authorized<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.target
    }
}

/// The entities a listing may show: one, or (operators) all of them.
pub type Scope = Option<Uuid>;

/// What may be done to an invitation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InvitationAction {
    Revoke,
    /// Also re-checks that the sender may grant every role the invitation carries.
    Resend,
    Delete,
}

impl InvitationAction {
    fn action(self) -> Action {
        match self {
            Self::Revoke | Self::Resend => Action::SendInvitations,
            Self::Delete => Action::DeleteInvitation,
        }
    }
}

/// Refused by rank: the target holds more access than the caller could grant.
pub const OUTRANKED: &str =
    "This person has more access than you can grant, so you cannot change their account.";

impl Caller {
    /// The scope of a listing or a bulk action: the operator's choice (`None` for all), or the
    /// caller's own entity whatever they chose.
    pub fn may_list(
        &self,
        action: Action,
        chosen: Option<Uuid>,
    ) -> Result<Authorized<Scope>, ServiceError> {
        let scope = if self.is_operator() {
            chosen
        } else {
            Some(chosen.unwrap_or(self.entity.id))
        };
        let grant = authorize(&self.actor, action, scope.map(EntityId))?;
        Ok(Authorized {
            grant,
            target: scope,
        })
    }

    /// The entity something is created in (Create User, Invite User): the operator's choice, or
    /// the caller's own. `None` when an operator has not chosen yet.
    pub async fn may_in_entity<C: ConnectionTrait>(
        &self,
        conn: &C,
        action: Action,
        chosen: Option<Uuid>,
    ) -> Result<Option<Authorized<entity::Model>>, ServiceError> {
        let id = match chosen {
            Some(id) => id,
            None if self.is_operator() => return Ok(None),
            None => self.entity.id,
        };
        authorize(&self.actor, action, Some(EntityId(id)))?;
        let entity = entity::Entity::find_by_id(id)
            .one(conn)
            .await?
            .ok_or(ServiceError::NotFound)?;
        self.may_in(action, entity).map(Some)
    }

    /// `action` in an entity already read (a bulk invite's rows name theirs by slug).
    pub fn may_in(
        &self,
        action: Action,
        entity: entity::Model,
    ) -> Result<Authorized<entity::Model>, ServiceError> {
        let grant = authorize(&self.actor, action, Some(EntityId(entity.id)))?;
        Ok(Authorized {
            grant,
            target: entity,
        })
    }

    /// An entity the caller may manage (operators), read on `conn`; to anyone else another
    /// entity reads as not found and their own as forbidden.
    pub async fn may_entity<C: ConnectionTrait>(
        &self,
        conn: &C,
        id: Uuid,
    ) -> Result<Authorized<entity::Model>, ServiceError> {
        authorize(&self.actor, Action::ManageEntities, Some(EntityId(id)))?;
        let entity = entity::Entity::find_by_id(id)
            .one(conn)
            .await?
            .ok_or(ServiceError::NotFound)?;
        self.may_in(Action::ManageEntities, entity)
    }

    /// Whether the caller may be told that a user of `entity` exists: to anyone but an
    /// operator, another entity's users do not (an invitation to such an address answers as
    /// for a fresh one).
    pub fn may_know_of_user_in(&self, entity: Uuid) -> bool {
        self.is_operator() || entity == self.entity.id
    }

    /// A user the caller may take `action` on, read on `conn` (inside the transaction that
    /// acts). Another entity's user and a tombstone read as not found; anything but reading is
    /// refused on someone who outranks the caller.
    pub async fn may_user<C: ConnectionTrait>(
        &self,
        conn: &C,
        action: Action,
        id: Uuid,
    ) -> Result<Authorized<user::Model>, ServiceError> {
        let user = users::find(conn, id)
            .await?
            .filter(|u| u.purged_at.is_none())
            .ok_or(ServiceError::NotFound)?;
        let grant = authorize(&self.actor, action, Some(EntityId(user.entity_id)))?;
        if action != Action::ReadUsers && user.id != self.user.id {
            let held = roles::roles_of(conn, user.id).await?;
            if !outranks_or_equals(&self.actor, &held, &self.catalogue) {
                return Err(ServiceError::Outranked);
            }
        }
        Ok(Authorized {
            grant,
            target: user,
        })
    }

    /// An invitation the caller may act on; another entity's reads as not found.
    pub async fn may_invitation<C: ConnectionTrait>(
        &self,
        conn: &C,
        what: InvitationAction,
        id: Uuid,
    ) -> Result<Authorized<invitation::Model>, ServiceError> {
        let inv = invitation::Entity::find_by_id(id)
            .one(conn)
            .await?
            .ok_or(ServiceError::NotFound)?;
        self.may_invitation_row(conn, what, inv).await
    }

    /// `may_invitation` for an invitation already read (bulk invite meeting a pending one).
    pub async fn may_invitation_row<C: ConnectionTrait>(
        &self,
        conn: &C,
        what: InvitationAction,
        inv: invitation::Model,
    ) -> Result<Authorized<invitation::Model>, ServiceError> {
        let grant = authorize(&self.actor, what.action(), Some(EntityId(inv.entity_id)))?;
        if what == InvitationAction::Resend {
            let entity = invitations::find_entity(conn, inv.entity_id)
                .await?
                .ok_or(ServiceError::NotFound)?;
            let carried = invitations::roles_of(conn, inv.id).await?;
            let grantable = self.grantable_roles(&entity);
            if let Some(role) = carried.iter().find(|r| !grantable.contains(r)) {
                return Err(ServiceError::Conflict(format!(
                    "This invitation carries the {} role, which you cannot grant; ask an operator to resend it.",
                    self.catalogue.label(role)
                )));
            }
        }
        Ok(Authorized { grant, target: inv })
    }

    /// The roles the caller may hand out in `entity`.
    pub fn grantable_roles(&self, entity: &entity::Model) -> Vec<RoleKey> {
        grantable_roles(&self.actor, entity.is_operator, &self.catalogue)
    }

    /// For the buttons a screen shows: whether `action` in `entity` would be allowed.
    pub fn can(&self, action: Action, entity: Uuid) -> bool {
        authorize(&self.actor, action, Some(EntityId(entity))).is_ok()
    }

    /// For the buttons of a user's row: `can`, and rank.
    pub fn can_act_on(&self, action: Action, target: &user::Model, held: &[RoleKey]) -> bool {
        self.can(action, target.entity_id)
            && (action == Action::ReadUsers
                || target.id == self.user.id
                || outranks_or_equals(&self.actor, held, &self.catalogue))
    }
}
