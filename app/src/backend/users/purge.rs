//! Delete permanently: operators with `Users.Promote`, on a user already Deleted, confirmed by
//! typing their email. A tombstone keeps name and email so orders, fills and audit entries still
//! name the person; credentials, sessions, links and roles go, and the address may be used again.
//! The external directory is told afterwards, best effort.

use super::find;
use crate::backend::audit::{self, Change, RequestMeta};
use crate::backend::entity::{one_time_token, session, user, user_role};
use crate::backend::error::ServiceError;
use crate::backend::external::DeletedUser;
use crate::backend::AppState;
use crate::backend::Caller;
use crate::domain::{Action, FieldErrors, UserStatus};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;
use uuid::Uuid;

pub async fn purge(
    state: &AppState,
    me: &Caller,
    id: Uuid,
    typed_email: &str,
    meta: RequestMeta,
    now: DateTime<Utc>,
) -> Result<user::Model, ServiceError> {
    let txn = state.db.begin().await?;
    let target = me.may_user(&txn, Action::DeletePermanently, id).await?;
    if target.status != UserStatus::Deleted.as_str() {
        return Err(ServiceError::Conflict(
            "Delete the user first; only a deleted user can be deleted permanently.".into(),
        ));
    }
    if !typed_email.trim().eq_ignore_ascii_case(&target.email) {
        return Err(FieldErrors::single(
            "typed_email",
            format!("Type {} exactly to confirm.", target.email),
        )
        .into());
    }
    let updated = user::Entity::update_many()
        .col_expr(user::Column::PasswordHash, Expr::value(None::<String>))
        .col_expr(user::Column::ContactEmail, Expr::value(None::<String>))
        .col_expr(user::Column::MustChangePassword, Expr::value(false))
        // The address is free again; the tombstone keeps it for display only.
        .col_expr(
            user::Column::EmailNormalized,
            Expr::value(format!("purged:{}", target.id)),
        )
        .col_expr(user::Column::PurgedAt, Expr::value(Some(now)))
        .col_expr(user::Column::Version, Expr::value(target.version + 1))
        .col_expr(user::Column::UpdatedAt, Expr::value(now))
        .col_expr(user::Column::UpdatedBy, Expr::value(Some(me.user.id)))
        .filter(user::Column::Id.eq(target.id))
        .filter(user::Column::Version.eq(target.version))
        .exec(&txn)
        .await?;
    if updated.rows_affected != 1 {
        return Err(super::changed_meanwhile());
    }
    session::Entity::delete_many()
        .filter(session::Column::UserId.eq(target.id))
        .exec(&txn)
        .await?;
    one_time_token::Entity::delete_many()
        .filter(one_time_token::Column::UserId.eq(target.id))
        .exec(&txn)
        .await?;
    user_role::Entity::delete_many()
        .filter(user_role::Column::UserId.eq(target.id))
        .exec(&txn)
        .await?;
    let change = Change::user("user.purged", &target)
        .before(json!({ "status": "deleted" }))
        .after(json!({ "purged": true }));
    let mut event = audit::record(&txn, &me.audit(meta), change, now).await?;
    // Owning services (orders, credit) listen for this one: the person is gone for good.
    event.action = "deleted".into();
    let tombstone = find(&txn, target.id).await?.ok_or(ServiceError::NotFound)?;
    txn.commit().await?;
    state.events.publish([event]);
    let external = state.external.clone();
    let deleted = DeletedUser {
        id: target.id,
        entity_id: target.entity_id,
        email: target.email.clone(),
    };
    tokio::spawn(async move {
        if let Err(error) = external.user_deleted(&deleted).await {
            tracing::warn!(user = %deleted.id, %error, "external directory not told of a permanent deletion");
        }
    });
    Ok(tombstone)
}
