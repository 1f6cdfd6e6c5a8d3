//! What admins do to a user from the directory: Deactivate, Reactivate, Delete (soft), Restore.
//! Each is authorised against the user's entity (another entity's user reads as not found),
//! decided on the row read inside the transaction, and written conditionally on its version.
//! A status action is refused as stale only when the status the admin saw has changed since:
//! an edit of the name or the user changing their own password does not bear on it.

use super::{apply_status, find};
use crate::backend::audit::RequestMeta;
use crate::backend::entity::{user, user_role};
use crate::backend::error::ServiceError;
use crate::backend::{AppState, Caller};
use crate::domain::{Action, RoleKey, UserStatus};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use uuid::Uuid;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatusAction {
    Deactivate,
    Reactivate,
    Delete,
    Restore,
}

impl StatusAction {
    pub const ALL: [StatusAction; 4] = [
        Self::Deactivate,
        Self::Reactivate,
        Self::Delete,
        Self::Restore,
    ];

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == text)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Deactivate => "deactivate",
            Self::Reactivate => "reactivate",
            Self::Delete => "delete",
            Self::Restore => "restore",
        }
    }

    /// The button, as the seeds name it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Deactivate => "Deactivate",
            Self::Reactivate => "Reactivate",
            Self::Delete => "Delete",
            Self::Restore => "Restore",
        }
    }

    /// Where it leads. A restored user comes back Inactive: access that was taken away is
    /// given back only by a deliberate Reactivate.
    pub fn target(self) -> UserStatus {
        match self {
            Self::Deactivate | Self::Restore => UserStatus::Inactive,
            Self::Reactivate => UserStatus::Active,
            Self::Delete => UserStatus::Deleted,
        }
    }

    /// Whether the lifecycle allows it from `from`.
    pub fn allowed_from(self, from: UserStatus) -> bool {
        use UserStatus::*;
        match self {
            Self::Deactivate => matches!(from, Active | Pending),
            Self::Reactivate => from == Inactive,
            Self::Delete => matches!(from, Active | Pending | Inactive),
            Self::Restore => from == Deleted,
        }
    }

    pub fn permission(self) -> Action {
        match self {
            Self::Restore => Action::RestoreUser,
            _ => Action::ManageUsers,
        }
    }

    /// Whether it takes access away (refused on oneself and on the last operator).
    fn withdraws_access(self) -> bool {
        matches!(self, Self::Deactivate | Self::Delete)
    }
}

/// The actions `me` may take now on `user`, who holds `held`, for the buttons.
pub fn available(me: &Caller, user: &user::Model, held: &[RoleKey]) -> Vec<StatusAction> {
    let status = UserStatus::parse(&user.status).unwrap_or(UserStatus::Inactive);
    StatusAction::ALL
        .into_iter()
        .filter(|a| a.allowed_from(status))
        .filter(|a| me.can_act_on(a.permission(), user, held))
        .filter(|a| !(a.withdraws_access() && user.id == me.user.id))
        .collect()
}

/// Active operators other than `except`, counted so that two requests withdrawing the last two
/// operators at once cannot both pass: on PostgreSQL the count waits for a transaction-scoped
/// lock that every such check takes, so the second counts after the first committed (each
/// statement reads afresh under READ COMMITTED). SQLite runs write transactions one at a time.
pub(crate) async fn other_active_operators<C: ConnectionTrait>(
    conn: &C,
    except: Uuid,
) -> Result<u64, DbErr> {
    if conn.get_database_backend() == DbBackend::Postgres {
        conn.execute_unprepared("SELECT pg_advisory_xact_lock(7340001)")
            .await?;
    }
    let operators = Query::select()
        .column(user_role::Column::UserId)
        .from(user_role::Entity)
        .and_where(user_role::Column::RoleKey.eq(RoleKey::OPERATOR.as_str()))
        .to_owned();
    let ids: Vec<Uuid> = user::Entity::find()
        .select_only()
        .column(user::Column::Id)
        .filter(user::Column::Id.in_subquery(operators))
        .filter(user::Column::Status.eq(UserStatus::Active.as_str()))
        .filter(user::Column::PurgedAt.is_null())
        .filter(Expr::col(user::Column::Id).ne(except))
        .order_by_asc(user::Column::Id)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(ids.len() as u64)
}

pub async fn change_status(
    state: &AppState,
    me: &Caller,
    id: Uuid,
    action: StatusAction,
    seen: UserStatus,
    meta: RequestMeta,
    now: DateTime<Utc>,
) -> Result<user::Model, ServiceError> {
    let txn = state.db.begin().await?;
    let current = me.may_user(&txn, action.permission(), id).await?;
    let from = UserStatus::parse(&current.status)
        .ok_or_else(|| ServiceError::Internal("unknown status".into()))?;
    if from != seen {
        return Err(ServiceError::Conflict(format!(
            "Someone else changed this user since you looked: they are {} now.",
            from.label()
        )));
    }
    if !action.allowed_from(from) {
        return Err(ServiceError::Conflict(format!(
            "{} is not possible for a user who is {}.",
            action.label(),
            from.label()
        )));
    }
    if action.withdraws_access() {
        if current.id == me.user.id {
            return Err(ServiceError::Conflict(format!(
                "You cannot {} your own account.",
                action.as_str()
            )));
        }
        let roles = crate::backend::roles::roles_of(&txn, current.id).await?;
        if roles.contains(&RoleKey::OPERATOR)
            && from == UserStatus::Active
            && other_active_operators(&txn, current.id).await? == 0
        {
            return Err(ServiceError::Conflict(
                "This is the last active operator; make someone else an operator first.".into(),
            ));
        }
    }
    let event = apply_status(&txn, &current, from, action.target(), &me.audit(meta), now).await?;
    let after = find(&txn, id).await?.ok_or(ServiceError::NotFound)?;
    txn.commit().await?;
    state.events.publish([event]);
    Ok(after)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lifecycle_allows_what_the_design_says() {
        use UserStatus::*;
        let table = [
            (StatusAction::Deactivate, [true, true, false, false]),
            (StatusAction::Reactivate, [false, false, true, false]),
            (StatusAction::Delete, [true, true, true, false]),
            (StatusAction::Restore, [false, false, false, true]),
        ];
        for (action, allowed) in table {
            for (from, expected) in [Pending, Active, Inactive, Deleted]
                .into_iter()
                .zip(allowed)
            {
                assert_eq!(
                    action.allowed_from(from),
                    expected,
                    "{action:?} from {from:?}"
                );
            }
        }
        assert_eq!(StatusAction::Restore.target(), Inactive);
        assert_eq!(StatusAction::parse("restore"), Some(StatusAction::Restore));
        assert_eq!(StatusAction::parse("purge"), None);
    }
}
