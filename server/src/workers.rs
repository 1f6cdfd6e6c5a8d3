//! Background work: the session sweeper. (The outbox worker joins it with the invitations.)

use app::backend::{sessions, AppState};
use std::time::Duration;

pub fn spawn(state: AppState) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(600));
        loop {
            tick.tick().await;
            match sessions::sweep_expired(&state.db, &state.config, chrono::Utc::now()).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(removed = n, "expired sessions swept"),
                Err(e) => tracing::warn!(error = %e, "session sweep failed"),
            }
        }
    });
}
