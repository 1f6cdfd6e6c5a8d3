//! `/events`: the server-sent event stream of one signed-in admin. Operators hear every
//! entity's `admin.event`s, entity admins their own entity's, members nothing (403). A browser
//! that reconnects sends `Last-Event-ID`, and what it missed is replayed from the audit log
//! first (or, after too much, a `reset` tells it to read its screen afresh).
//!
//! The stream ends when its session ends or loses the access (checked whenever an event of the
//! caller's own entity or a role changes arrives, and every few seconds), and when the process
//! shuts down (`Events::close`), so a graceful shutdown never waits for a browser.

use app::backend::events::{AdminEvent, RESET};
use app::backend::{audit_log, caller, AppState, Caller};
use app::domain::Action;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use std::convert::Infallible;
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::mpsc;
use uuid::Uuid;

/// Events replayed at most on reconnection; beyond that the screen reads afresh.
const REPLAY_MAX: u64 = 500;
/// How often a quiet stream checks that its session still has the access.
const RECHECK: Duration = Duration::from_secs(5);
/// Streams one session may hold (tabs), and one process.
const PER_SESSION: usize = 6;
const PER_PROCESS: usize = 5_000;
/// A browser that reads nothing for this long loses its stream, so it can hold up neither a
/// shutdown nor a task.
const SEND_WITHIN: Duration = Duration::from_secs(10);

/// The streams open now, by session.
fn open_streams() -> &'static std::sync::Mutex<std::collections::HashMap<Uuid, usize>> {
    static OPEN: std::sync::OnceLock<std::sync::Mutex<std::collections::HashMap<Uuid, usize>>> =
        std::sync::OnceLock::new();
    OPEN.get_or_init(Default::default)
}

/// A stream's place among the open ones, given back when it ends.
struct Slot(Uuid);

impl Slot {
    fn take(session: Uuid) -> Option<Self> {
        let mut open = open_streams().lock().unwrap_or_else(|p| p.into_inner());
        let total: usize = open.values().sum();
        let mine = open.entry(session).or_default();
        if *mine >= PER_SESSION || total >= PER_PROCESS {
            return None;
        }
        *mine += 1;
        Some(Self(session))
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = open_streams().lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = open.get_mut(&self.0) {
            *n -= 1;
            if *n == 0 {
                open.remove(&self.0);
            }
        }
    }
}

/// Whose events a caller hears: `Some(None)` every entity's, `Some(Some(id))` one entity's,
/// `None` nobody's.
fn scope(me: &Caller) -> Option<Option<Uuid>> {
    if me.user.must_change_password {
        return None;
    }
    me.may_list(Action::ReadUsers, None)
        .ok()
        .map(|allowed| *allowed)
}

async fn caller_now(state: &AppState, headers: &HeaderMap) -> Option<Caller> {
    caller::from_headers(&state.db, &state.config, headers, Utc::now())
        .await
        .ok()
        .flatten()
}

/// The caller again, without touching the session's idle clock: a stream is not the person.
async fn still_live(state: &AppState, headers: &HeaderMap) -> Option<Caller> {
    let token = caller::session_token(&state.config, headers)?;
    app::backend::sessions::still_live(&state.db, &state.config, &token, Utc::now())
        .await
        .ok()
        .flatten()
}

fn frame(event: &AdminEvent) -> Event {
    Event::default()
        .event("admin.event")
        .id(event.id.to_string())
        .json_data(event)
        .unwrap_or_else(|_| Event::default().comment("unserialisable event"))
}

pub async fn events(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some(me) = caller_now(&state, &headers).await else {
        return (StatusCode::UNAUTHORIZED, "Sign in to follow changes.").into_response();
    };
    let Some(scope) = scope(&me) else {
        return (StatusCode::FORBIDDEN, "Only admins follow changes.").into_response();
    };
    let Some(slot) = Slot::take(me.session_id) else {
        return (
            StatusCode::TOO_MANY_REQUESTS,
            [(http::header::RETRY_AFTER, "30")],
            "Too many open windows follow changes; close some.",
        )
            .into_response();
    };
    let last = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| Uuid::parse_str(v.trim()).ok());
    let (sender, receiver) = mpsc::channel::<Event>(64);
    tokio::spawn(async move {
        follow(state, headers, me.entity.id, scope, last, sender).await;
        drop(slot);
    });
    let stream = futures_util::stream::unfold(receiver, |mut receiver| async move {
        receiver
            .recv()
            .await
            .map(|event| (Ok::<_, Infallible>(event), receiver))
    });
    let mut response = Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response();
    // Proxies must not hold the stream back.
    response
        .headers_mut()
        .insert("x-accel-buffering", http::HeaderValue::from_static("no"));
    response
}

/// Feeds one stream until the browser goes, the access goes, or the process shuts down.
async fn follow(
    state: AppState,
    headers: HeaderMap,
    own_entity: Uuid,
    scope: Option<Uuid>,
    last: Option<Uuid>,
    sender: mpsc::Sender<Event>,
) {
    // Subscribed before the replay is read, so nothing falls between the two.
    let mut live = state.events.subscribe();
    let closed = state.events.closed();
    tokio::pin!(closed);
    let send = |event: Event| {
        let sender = sender.clone();
        async move {
            matches!(
                tokio::time::timeout(SEND_WITHIN, sender.send(event)).await,
                Ok(Ok(()))
            )
        }
    };
    if !send(
        Event::default()
            .retry(Duration::from_secs(3))
            .comment("hello"),
    )
    .await
    {
        return;
    }
    if let Some(last) = last {
        match audit_log::since(state.db.read(), scope, last, REPLAY_MAX).await {
            Ok(Some(missed)) => {
                for event in &missed {
                    if !send(frame(event)).await {
                        return;
                    }
                }
            }
            Ok(None) => {
                if !send(Event::default().event("reset").data("read afresh")).await {
                    return;
                }
            }
            Err(error) => {
                tracing::warn!(%error, "replaying events failed");
                if !send(Event::default().event("reset").data("read afresh")).await {
                    return;
                }
            }
        }
    }
    let still_allowed = || async {
        still_live(&state, &headers)
            .await
            .is_some_and(|me| self::scope(&me) == Some(scope))
    };
    let mut recheck = tokio::time::interval(RECHECK);
    recheck.tick().await;
    loop {
        tokio::select! {
            _ = &mut closed => break,
            _ = sender.closed() => return,
            _ = recheck.tick() => {
                if !still_allowed().await {
                    break;
                }
            }
            received = live.recv() => match received {
                // Events may have been lost on their way from another process.
                Ok(event) if event.action == RESET => {
                    if !send(Event::default().event("reset").data("read afresh")).await {
                        return;
                    }
                }
                Ok(event) => {
                    // A change that may concern this caller's own access: their entity's
                    // people and sessions, the entity itself, or a role.
                    let may_concern_me =
                        event.entity_id == Some(own_entity) || event.entity_id.is_none();
                    if may_concern_me && !still_allowed().await {
                        break;
                    }
                    if scope.is_none_or(|entity| event.entity_id == Some(entity))
                        && !send(frame(&event)).await
                    {
                        return;
                    }
                }
                Err(RecvError::Lagged(_)) => {
                    if !send(Event::default().event("reset").data("read afresh")).await {
                        return;
                    }
                }
                Err(RecvError::Closed) => break,
            },
        }
    }
    let _ = send(Event::default().event("closed").data("the stream ended")).await;
}
