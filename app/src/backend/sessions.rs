//! Server-side sessions: the cookie holds a random token, the database only its hash.

use super::audit::{self, AuditActor, AuditContext, Change, RequestMeta};
use super::caller::Caller;
use super::config::Config;
use super::entity::{entity, session, user};
use super::error::ServiceError;
use super::secrets::{hash_token, new_token};
use super::{entities, roles, Db};
use crate::domain::UserStatus;
use chrono::{DateTime, TimeDelta, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, JoinType, QueryFilter,
    QueryOrder, QuerySelect,
};
use serde_json::json;
use std::sync::Arc;
use uuid::Uuid;

/// How stale `last_seen_at` may get before a request writes it again.
const TOUCH_EVERY: TimeDelta = TimeDelta::seconds(60);

/// A session as the cache remembers it: the row as last read or touched, and its caller.
#[derive(Debug)]
pub struct CachedSession {
    session: session::Model,
    user: Caller,
}

pub async fn create<C: ConnectionTrait>(
    conn: &C,
    user_id: Uuid,
    meta: &RequestMeta,
    config: &Config,
    now: DateTime<Utc>,
) -> Result<(String, session::Model), DbErr> {
    let (token, token_hash) = new_token();
    let model = session::Model {
        id: Uuid::now_v7(),
        token_hash,
        user_id,
        created_at: now,
        last_seen_at: now,
        expires_at: now + config.session_max,
        ip: meta.ip.clone(),
        user_agent: meta
            .user_agent
            .as_deref()
            .map(|ua| ua.chars().take(400).collect()),
    };
    session::Entity::insert(session::ActiveModel {
        id: Set(model.id),
        token_hash: Set(model.token_hash.clone()),
        user_id: Set(user_id),
        created_at: Set(now),
        last_seen_at: Set(now),
        expires_at: Set(model.expires_at),
        ip: Set(model.ip.clone()),
        user_agent: Set(model.user_agent.clone()),
    })
    .exec_without_returning(conn)
    .await?;
    Ok((token, model))
}

fn is_live(s: &session::Model, config: &Config, now: DateTime<Utc>) -> bool {
    now < s.expires_at && now < s.last_seen_at + config.session_idle
}

/// The person behind a session token, if the session is live and the account may sign in.
/// Called on every request, so an ended session or a deactivated account is refused at once.
///
/// The request reads the cache epoch first; a session remembered under that same epoch has
/// seen no change to itself, its user, their roles or entity since, so it is answered from
/// memory while it is live and recently touched. Anything else reads the database.
pub async fn authenticate(
    db: &Db,
    config: &Config,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Option<Caller>, DbErr> {
    look_up(db, config, token, now, true).await
}

/// `authenticate` for something the person did not do (an open live-updates stream checking
/// its session): the session's idle clock is not touched, so a forgotten tab does not keep it
/// signed in.
pub async fn still_live(
    db: &Db,
    config: &Config,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Option<Caller>, DbErr> {
    look_up(db, config, token, now, false).await
}

async fn look_up(
    db: &Db,
    config: &Config,
    token: &str,
    now: DateTime<Utc>,
    touch: bool,
) -> Result<Option<Caller>, DbErr> {
    let epoch = db.epoch().await?;
    let token_hash = hash_token(token);
    if let Some(hit) = db.caches().sessions.get(epoch, &token_hash) {
        let fresh = !touch
            || (now >= hit.session.last_seen_at && now - hit.session.last_seen_at <= TOUCH_EVERY);
        if fresh && is_live(&hit.session, config, now) {
            return Ok(Some(hit.user.clone()));
        }
    }
    let found = read_session(db, config, &token_hash, now, epoch, touch).await?;
    match &found {
        Some((session, user)) => db.caches().sessions.put(
            epoch,
            token_hash,
            Arc::new(CachedSession {
                session: session.clone(),
                user: user.clone(),
            }),
        ),
        None => db.caches().sessions.remove(&token_hash),
    }
    Ok(found.map(|(_, user)| user))
}

/// The session and its person from the database, touching `last_seen_at` when it is stale.
async fn read_session(
    db: &Db,
    config: &Config,
    token_hash: &str,
    now: DateTime<Utc>,
    epoch: i64,
    touch: bool,
) -> Result<Option<(session::Model, Caller)>, DbErr> {
    // The session and its user in one round trip.
    let to_user = session::Entity::belongs_to(user::Entity)
        .from(session::Column::UserId)
        .to(user::Column::Id)
        .into();
    let Some((mut session, user)) = session::Entity::find()
        .filter(session::Column::TokenHash.eq(token_hash))
        .select_also(user::Entity)
        .join(JoinType::LeftJoin, to_user)
        .one(db.read())
        .await?
    else {
        return Ok(None);
    };
    if !is_live(&session, config, now) {
        session::Entity::delete_by_id(session.id)
            .exec(db.writer())
            .await?;
        return Ok(None);
    }
    let Some(user) = user else {
        return Ok(None);
    };
    let can_sign_in = UserStatus::parse(&user.status).is_some_and(UserStatus::can_sign_in);
    if !can_sign_in || user.purged_at.is_some() {
        return Ok(None);
    }
    let Some(entity) = entity::Entity::find_by_id(user.entity_id)
        .one(db.read())
        .await?
    else {
        return Ok(None);
    };
    // A suspended entity's sessions were ended when it was suspended; one made by a sign-in
    // that raced the suspension ends here, at its first use.
    if entities::is_suspended(db.read(), entity.id).await? {
        return Ok(None);
    }
    let roles = roles::roles_of(db.read(), user.id).await?;
    if touch && now - session.last_seen_at > TOUCH_EVERY {
        session::Entity::update_many()
            .col_expr(session::Column::LastSeenAt, now.into())
            .filter(session::Column::Id.eq(session.id))
            .exec(db.writer())
            .await?;
        session.last_seen_at = now;
    }
    let catalogue = roles::catalogue(db, epoch).await?;
    let caller = Caller::new(session.id, &user, entity, roles, catalogue, epoch);
    Ok(Some((session, caller)))
}

/// The live sessions of a user, newest first.
pub async fn list_for_user<C: ConnectionTrait>(
    conn: &C,
    user_id: Uuid,
    config: &Config,
    now: DateTime<Utc>,
) -> Result<Vec<session::Model>, DbErr> {
    let sessions = session::Entity::find()
        .filter(session::Column::UserId.eq(user_id))
        .order_by_desc(session::Column::LastSeenAt)
        .all(conn)
        .await?;
    Ok(sessions
        .into_iter()
        .filter(|s| is_live(s, config, now))
        .collect())
}

/// Ends every session of a user (but `except`), inside the caller's transaction.
pub async fn end_all_for_user<C: ConnectionTrait>(
    conn: &C,
    user_id: Uuid,
    except: Option<Uuid>,
) -> Result<u64, DbErr> {
    let mut query = session::Entity::delete_many().filter(session::Column::UserId.eq(user_id));
    if let Some(keep) = except {
        query = query.filter(session::Column::Id.ne(keep));
    }
    Ok(query.exec(conn).await?.rows_affected)
}

/// Ends one of the user's own sessions; another person's session is "not found".
pub async fn end_own(
    db: &Db,
    me: &Caller,
    session_id: Uuid,
    meta: RequestMeta,
    now: DateTime<Utc>,
) -> Result<super::events::AdminEvent, ServiceError> {
    let txn = db.begin().await?;
    let ended = session::Entity::delete_many()
        .filter(session::Column::Id.eq(session_id))
        .filter(session::Column::UserId.eq(me.user.id))
        .exec(&txn)
        .await?
        .rows_affected;
    if ended == 0 {
        return Err(ServiceError::NotFound);
    }
    let change = Change::caller("session.ended", me).before(json!({ "session": session_id }));
    let event = audit::record(&txn, &me.audit(meta), change, now).await?;
    txn.commit().await?;
    Ok(event)
}

/// An admin ends one session of a user (`Some`) or all of them (`None`).
pub async fn end_for_user(
    state: &super::AppState,
    me: &Caller,
    user_id: Uuid,
    session_id: Option<Uuid>,
    meta: RequestMeta,
    now: DateTime<Utc>,
) -> Result<u64, ServiceError> {
    let txn = state.db.begin().await?;
    let target = me
        .may_user(&txn, crate::domain::Action::ManageUsers, user_id)
        .await?;
    let mut query = session::Entity::delete_many().filter(session::Column::UserId.eq(user_id));
    if let Some(id) = session_id {
        query = query.filter(session::Column::Id.eq(id));
    }
    let ended = query.exec(&txn).await?.rows_affected;
    if session_id.is_some() && ended == 0 {
        return Err(ServiceError::NotFound);
    }
    let change = match session_id {
        Some(id) => Change::user("session.ended", &target).before(json!({ "session": id })),
        None => Change::user("sessions.ended_all", &target).after(json!({ "ended": ended })),
    };
    let event = audit::record(&txn, &me.audit(meta), change, now).await?;
    txn.commit().await?;
    state.events.publish([event]);
    Ok(ended)
}

/// Sign-out: the session is gone from the database, whatever the browser keeps. Returns the
/// event to publish once committed (none for a token that opened nothing).
pub async fn end_by_token(
    db: &Db,
    token: &str,
    meta: RequestMeta,
    now: DateTime<Utc>,
) -> Result<Option<super::events::AdminEvent>, DbErr> {
    let txn = db.begin().await?;
    let found = session::Entity::find()
        .filter(session::Column::TokenHash.eq(hash_token(token)))
        .one(&txn)
        .await?;
    let mut event = None;
    if let Some(session) = found {
        session::Entity::delete_by_id(session.id).exec(&txn).await?;
        if let Some(user) = user::Entity::find_by_id(session.user_id).one(&txn).await? {
            let ctx = AuditContext {
                actor: AuditActor::user(user.id, &user.email),
                meta,
            };
            let change = Change::user("user.signed_out", &user);
            event = Some(audit::record(&txn, &ctx, change, now).await?);
        }
    }
    txn.commit().await?;
    Ok(event)
}

/// Removes sessions past their idle or absolute expiry; returns how many.
pub async fn sweep_expired(db: &Db, config: &Config, now: DateTime<Utc>) -> Result<u64, DbErr> {
    let expired = session::Column::ExpiresAt
        .lte(now)
        .or(session::Column::LastSeenAt.lte(now - config.session_idle));
    // A delete raises the cache epoch even when it finds nothing (PostgreSQL): look first.
    let any = session::Entity::find()
        .filter(expired.clone())
        .one(db.read())
        .await?;
    if any.is_none() {
        return Ok(0);
    }
    let txn = db.begin().await?;
    let removed = session::Entity::delete_many()
        .filter(expired)
        .exec(&txn)
        .await?
        .rows_affected;
    txn.commit().await?;
    Ok(removed)
}
