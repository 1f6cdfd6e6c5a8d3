//! Background work: the session sweeper, the outbox worker and the name-order upkeep.

use app::backend::{directory, mail, sessions, AppState};
use std::time::Duration;

pub fn spawn(state: AppState) {
    let sweeper = state.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(600));
        loop {
            tick.tick().await;
            match sessions::sweep_expired(&sweeper.db, &sweeper.config, chrono::Utc::now()).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(removed = n, "expired sessions swept"),
                Err(e) => tracing::warn!(error = %e, "session sweep failed"),
            }
        }
    });
    let tidier = state.clone();
    tokio::spawn(async move {
        // SQLite: users the search index could not place in name order when they were written
        // (their neighbours left no room) are placed here; until then the directory reads
        // them apart, so this is upkeep, never correctness.
        let mut tick = tokio::time::interval(Duration::from_secs(30));
        loop {
            tick.tick().await;
            match directory::name_order::tidy(&tidier.db).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(moved = n, "users placed in name order"),
                Err(e) => tracing::warn!(error = %e, "placing users in name order failed"),
            }
        }
    });
    // PostgreSQL: the changes other Usher processes make reach this one's event streams.
    tokio::spawn(app::backend::events::relay(
        state.db.clone(),
        state.events.clone(),
    ));
    tokio::spawn(deliver_mail(state));
}

/// Delivers queued mail as soon as a change queues it, and every few seconds for retries.
async fn deliver_mail(state: AppState) {
    loop {
        let report = mail::deliver_due(&state.db, &state.outbox, chrono::Utc::now(), 100).await;
        let busy = match report {
            Ok(r) => {
                if r.sent + r.retrying + r.failed > 0 {
                    tracing::debug!(
                        sent = r.sent,
                        retrying = r.retrying,
                        failed = r.failed,
                        "outbox pass"
                    );
                }
                r.sent + r.retrying + r.failed >= 100
            }
            Err(e) => {
                tracing::warn!(error = %e, "outbox pass failed");
                false
            }
        };
        if !busy {
            tokio::select! {
                _ = state.outbox.woken() => {}
                _ = tokio::time::sleep(Duration::from_secs(5)) => {}
            }
        }
    }
}
