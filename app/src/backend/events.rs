//! Admin events: what changed, for live subscribers (operators, and the admins of the entity
//! concerned). `Events::publish` is the one place they leave from, always after the change's
//! transaction committed, so nobody hears of a change that rolled back.

use chrono::{DateTime, Utc};
use serde::Serialize;
use tokio::sync::broadcast;
use uuid::Uuid;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AdminEvent {
    /// As in the audit log: `invitation.resent`, `user.deactivated`, …
    pub action: String,
    pub entity_id: Option<Uuid>,
    pub target_kind: String,
    pub target_id: Option<Uuid>,
    pub at: DateTime<Utc>,
}

#[derive(Clone)]
pub struct Events {
    sender: broadcast::Sender<AdminEvent>,
}

impl Default for Events {
    fn default() -> Self {
        Self::new()
    }
}

impl Events {
    pub fn new() -> Self {
        let (sender, _) = broadcast::channel(1024);
        Self { sender }
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
}
