//! Admin events: what changed, for live subscribers (operators, and the admins of the entity
//! concerned). `Events::publish` is the one place they leave from, always after the change's
//! transaction committed, so nobody hears of a change that rolled back.
//!
//! With PostgreSQL, several Usher processes may serve one database: each change also sends its
//! events with `NOTIFY` inside its own transaction (`notify`), which PostgreSQL delivers only
//! when that transaction commits, and every process relays what the others sent to its own
//! subscribers (`relay`). A process skips its own notifications: it published them already.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement};
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;
use tokio::sync::{broadcast, watch};
use uuid::Uuid;

/// The PostgreSQL channel events cross processes on.
pub const CHANNEL: &str = "usher_events";
/// The action of the marker `relay` publishes when events from other processes may have been
/// lost (its connection to PostgreSQL broke): streams tell their browsers to read afresh.
pub const RESET: &str = "stream.reset";
/// Events per notification: a notification carries at most 8,000 bytes.
const PER_NOTIFY: usize = 16;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminEvent {
    /// The audit row's id: time-ordered, so a reconnecting stream resumes after it.
    pub id: Uuid,
    /// As in the audit log: `invitation.resent`, `user.deactivated`, …
    pub action: String,
    pub entity_id: Option<Uuid>,
    pub target_kind: String,
    pub target_id: Option<Uuid>,
    /// Who made the change (a user), so their own screens need not announce it.
    pub actor_id: Option<Uuid>,
    pub at: DateTime<Utc>,
}

/// This process, as its notifications name it.
fn instance() -> Uuid {
    static ID: OnceLock<Uuid> = OnceLock::new();
    *ID.get_or_init(Uuid::new_v4)
}

#[derive(Serialize, Deserialize)]
struct Notification {
    origin: Uuid,
    events: Vec<AdminEvent>,
}

#[derive(Clone)]
pub struct Events {
    sender: broadcast::Sender<AdminEvent>,
    closing: watch::Sender<bool>,
}

impl Default for Events {
    fn default() -> Self {
        Self::new()
    }
}

impl Events {
    pub fn new() -> Self {
        let (sender, _) = broadcast::channel(1024);
        Self {
            sender,
            closing: watch::channel(false).0,
        }
    }

    /// Sends committed changes to whoever listens; with nobody listening they are dropped
    /// (the audit log keeps them).
    pub fn publish(&self, events: impl IntoIterator<Item = AdminEvent>) {
        for event in events {
            let _ = self.sender.send(event);
        }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<AdminEvent> {
        self.sender.subscribe()
    }

    /// Tells every stream to end: the process is shutting down.
    pub fn close(&self) {
        self.closing.send_replace(true);
    }

    /// Resolves once `close` was called.
    pub fn closed(&self) -> impl std::future::Future<Output = ()> + Send + 'static {
        let mut closing = self.closing.subscribe();
        async move {
            let _ = closing.wait_for(|closed| *closed).await;
        }
    }
}

fn reset_marker() -> AdminEvent {
    AdminEvent {
        id: Uuid::now_v7(),
        action: RESET.into(),
        entity_id: None,
        target_kind: String::new(),
        target_id: None,
        actor_id: None,
        at: Utc::now(),
    }
}

/// Sends `events` to the other processes, in the caller's transaction (PostgreSQL only).
pub async fn notify<C: ConnectionTrait>(conn: &C, events: &[AdminEvent]) -> Result<(), DbErr> {
    if conn.get_database_backend() != DbBackend::Postgres {
        return Ok(());
    }
    for chunk in events.chunks(PER_NOTIFY) {
        let payload = serde_json::to_string(&Notification {
            origin: instance(),
            events: chunk.to_vec(),
        })
        .map_err(|e| DbErr::Custom(e.to_string()))?;
        conn.execute(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_notify($1, $2)",
            [CHANNEL.into(), payload.into()],
        ))
        .await?;
    }
    Ok(())
}

/// Relays the events other processes committed to this one's subscribers, until `events` is
/// closed (PostgreSQL only; returns at once on SQLite). A lost connection is made again; what
/// was sent meanwhile is in the audit log, where a stream reconnecting with its last id finds it.
pub async fn relay(db: super::Db, events: Events) {
    let Some(pool) = (db.backend() == DbBackend::Postgres)
        .then(|| db.writer().get_postgres_connection_pool().clone())
    else {
        return;
    };
    let closed = events.closed();
    tokio::pin!(closed);
    loop {
        let mut listener = match sqlx::postgres::PgListener::connect_with(&pool).await {
            Ok(listener) => listener,
            Err(error) => {
                tracing::warn!(%error, "cannot listen for other instances' events");
                tokio::select! {
                    _ = &mut closed => return,
                    _ = tokio::time::sleep(std::time::Duration::from_secs(5)) => continue,
                }
            }
        };
        if let Err(error) = listener.listen(CHANNEL).await {
            tracing::warn!(%error, "cannot listen for other instances' events");
            tokio::select! {
                _ = &mut closed => return,
                _ = tokio::time::sleep(std::time::Duration::from_secs(5)) => continue,
            }
        }
        loop {
            let received = tokio::select! {
                _ = &mut closed => return,
                received = listener.recv() => received,
            };
            match received {
                Ok(message) => match serde_json::from_str::<Notification>(message.payload()) {
                    Ok(n) if n.origin != instance() => events.publish(n.events),
                    Ok(_) => {}
                    Err(error) => tracing::warn!(%error, "an event notification did not parse"),
                },
                Err(error) => {
                    tracing::warn!(%error, "listening for other instances' events failed");
                    events.publish([reset_marker()]);
                    break;
                }
            }
        }
    }
}
