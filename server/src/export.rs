//! CSV exports: the User Directory (exactly the rows the current filter shows: search, statuses,
//! entity, sort) and the audit log (exactly the events its filter shows), every page of them,
//! streamed as they are read so a million rows start at once and never sit in memory together.

use app::api::audit::{filter_of, render, AuditQuery};
use app::api::directory::parse_statuses;
use app::backend::audit_log;
use app::backend::directory::{self, display_name, Filter, Item, Order, Row};
use app::backend::entity::audit_event;
use app::backend::invitations::listing::Cursor;
use app::backend::{caller, AppState, Caller, ServiceError};
use app::domain::{Action, Catalogue, UserStatus};
use axum::body::{Body, Bytes};
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
pub struct ExportQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    entity: String,
    #[serde(default)]
    sort: String,
}

/// One CSV cell: quoted when needed, and never read as a formula by a spreadsheet.
pub fn cell(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_string()
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

fn time(t: Option<DateTime<Utc>>) -> String {
    t.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default()
}

fn line(catalogue: &Catalogue, row: &Row) -> String {
    let roles = catalogue.labels(&row.roles);
    let (email, status, last, created) = match &row.item {
        Item::User(u) => (
            u.email.clone(),
            UserStatus::parse(&u.status)
                .map(|s| s.label())
                .unwrap_or("Unknown"),
            time(u.last_login_at),
            time(Some(u.created_at)),
        ),
        Item::Invitation(i) => (
            i.email.clone(),
            "Pending",
            String::new(),
            time(Some(i.created_at)),
        ),
    };
    let cells = [
        display_name(row),
        email,
        row.entity_name.clone(),
        roles.join("; "),
        status.to_string(),
        last,
        created,
    ];
    let mut line = cells.iter().map(|c| cell(c)).collect::<Vec<_>>().join(",");
    line.push_str("\r\n");
    line
}

async fn signed_in(state: &AppState, headers: &HeaderMap) -> Option<Caller> {
    caller::from_headers(&state.db, &state.config, headers, Utc::now())
        .await
        .ok()
        .flatten()
}

/// Exports running at once on this instance: each holds a read connection while it streams, so
/// more would starve the pages everyone else is loading.
const EXPORTS_AT_ONCE: usize = 2;

fn export_slots() -> &'static tokio::sync::Semaphore {
    static SLOTS: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    SLOTS.get_or_init(|| tokio::sync::Semaphore::new(EXPORTS_AT_ONCE))
}

fn busy() -> Response {
    (
        StatusCode::TOO_MANY_REQUESTS,
        [(header::RETRY_AFTER, "10")],
        "Another export is still running. Try again when it has finished.",
    )
        .into_response()
}

pub async fn users_csv(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<ExportQuery>,
) -> Response {
    let Some(me) = signed_in(&state, &headers).await else {
        return (StatusCode::UNAUTHORIZED, "Sign in to export users.").into_response();
    };
    if me.user.must_change_password {
        return (StatusCode::FORBIDDEN, "Choose your own password first.").into_response();
    }
    if query.q.chars().count() > directory::MAX_SEARCH_CHARS {
        return (StatusCode::UNPROCESSABLE_ENTITY, "The search is too long.").into_response();
    }
    let Ok(slot) = export_slots().try_acquire() else {
        return busy();
    };
    let filter = Filter {
        statuses: parse_statuses(&query.status)
            .iter()
            .filter_map(|s| UserStatus::parse(s))
            .collect(),
        entity_id: uuid::Uuid::parse_str(query.entity.trim()).ok(),
        search: query.q,
        sort: Order::parse(&query.sort),
        after: None,
        limit: directory::MAX_PAGE,
    };
    let now = Utc::now();
    let scope = match me.may_list(Action::ReadUsers, filter.entity_id) {
        Ok(scope) => scope,
        Err(ServiceError::NotFound) => return StatusCode::NOT_FOUND.into_response(),
        Err(_) => return StatusCode::FORBIDDEN.into_response(),
    };
    // The first page is read before answering, so a refusal is a proper status, not a broken file.
    let first = match directory::list(state.db.read(), &scope, &filter, now).await {
        Ok(page) => page,
        Err(ServiceError::NotFound) => return StatusCode::NOT_FOUND.into_response(),
        Err(ServiceError::Forbidden) => return StatusCode::FORBIDDEN.into_response(),
        Err(error) => {
            tracing::error!(%error, "export failed");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let mut first_chunk = "Name,Email,Entity,Roles,Status,Last sign-in,Created\r\n".to_string();
    for row in &first.rows {
        first_chunk.push_str(&line(&me.catalogue, row));
    }
    let catalogue = me.catalogue.clone();
    let more = move |cursor| {
        let (state, scope, mut filter) = (state.clone(), scope.clone(), filter.clone());
        let catalogue = catalogue.clone();
        async move {
            filter.after = Some(cursor);
            let page = directory::list(state.db.read(), &scope, &filter, now)
                .await
                .map_err(|e| e.to_string())?;
            let lines = page.rows.iter().map(|row| line(&catalogue, row)).collect();
            Ok((lines, page.next))
        }
    };
    let name = format!("usher-users-{}.csv", now.format("%Y-%m-%d"));
    csv_response(name, first_chunk, first.next, slot, more)
}

/// A CSV download that starts with `first` and goes on with what `more` reads after each cursor,
/// streamed as it is read. The export slot is held for as long as the stream lives, and given
/// back when it ends or the browser goes away.
fn csv_response<C, F, Fut>(
    name: String,
    first: String,
    next: Option<C>,
    slot: tokio::sync::SemaphorePermit<'static>,
    more: F,
) -> Response
where
    C: Send + 'static,
    F: Fn(C) -> Fut + Clone + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<(String, Option<C>), String>> + Send + 'static,
{
    let slot = std::sync::Arc::new(slot);
    // Fused: a compressing body polls once more after the end, which a bare `unfold` answers
    // with a panic (the download arrived empty in every browser, which all ask for gzip or br).
    let start = (Some(Bytes::from(first)), next);
    let stream = futures_util::stream::unfold(start, move |(ready, after)| {
        let (more, _slot) = (more.clone(), slot.clone());
        async move {
            if let Some(chunk) = ready {
                return Some((Ok::<Bytes, std::io::Error>(chunk), (None, after)));
            }
            match more(after?).await {
                Ok((chunk, next)) => Some((Ok(Bytes::from(chunk)), (None, next))),
                Err(error) => {
                    tracing::error!(%error, "export stopped");
                    Some((Err(std::io::Error::other("export stopped")), (None, None)))
                }
            }
        }
    })
    .fuse();
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        Body::from_stream(stream),
    )
        .into_response()
}

const AUDIT_HEADER: &str = "Time,Event,Who,Action,About,Changes,IP,Request id\r\n";

fn audit_line(
    e: &audit_event::Model,
    names: &std::collections::HashMap<uuid::Uuid, String>,
) -> String {
    let cells = [
        time(Some(e.at)),
        render::sentence(e, names),
        e.actor_label.clone(),
        e.action.clone(),
        e.target_label.clone(),
        render::describe_change(e.before.as_deref(), e.after.as_deref()).join("; "),
        e.ip.clone().unwrap_or_default(),
        e.request_id.clone().unwrap_or_default(),
    ];
    let mut line = cells.iter().map(|c| cell(c)).collect::<Vec<_>>().join(",");
    line.push_str("\r\n");
    line
}

/// The audit log as CSV: exactly the events the page's filter shows, every page of them, newest
/// first.
pub async fn audit_csv(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<AuditQuery>,
) -> Response {
    let Some(me) = signed_in(&state, &headers).await else {
        return (StatusCode::UNAUTHORIZED, "Sign in to export the audit log.").into_response();
    };
    if me.user.must_change_password {
        return (StatusCode::FORBIDDEN, "Choose your own password first.").into_response();
    }
    let Ok(slot) = export_slots().try_acquire() else {
        return busy();
    };
    let name = format!("usher-audit-{}.csv", Utc::now().format("%Y-%m-%d"));
    let (allowed, mut filter) = match filter_of(state.db.read(), &me, &query).await {
        Ok(Some(found)) => found,
        // Nobody has that address: the header and no events, as for anyone without events.
        Ok(None) => {
            let none = |_: Cursor| async { Ok((String::new(), None)) };
            return csv_response(name, AUDIT_HEADER.to_string(), None, slot, none);
        }
        Err(ServiceError::NotFound) => return StatusCode::NOT_FOUND.into_response(),
        Err(ServiceError::Forbidden) => return StatusCode::FORBIDDEN.into_response(),
        Err(ServiceError::Invalid(_)) => {
            let why = "Check the filters on the Audit log page.";
            return (StatusCode::UNPROCESSABLE_ENTITY, why).into_response();
        }
        Err(error) => {
            tracing::error!(%error, "audit export failed");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    filter.after = None;
    filter.limit = 200;
    // The first page is read before answering, so a failure is a proper status.
    let first = match audit_log::list(state.db.read(), &allowed, &filter).await {
        Ok(page) => page,
        Err(error) => {
            tracing::error!(%error, "audit export failed");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let mut first_chunk = AUDIT_HEADER.to_string();
    for e in &first.rows {
        first_chunk.push_str(&audit_line(e, &first.names));
    }
    let more = move |cursor| {
        let (state, allowed) = (state.clone(), allowed.clone());
        let filter = audit_log::Filter {
            after: Some(cursor),
            ..filter.clone()
        };
        async move {
            let page = audit_log::list(state.db.read(), &allowed, &filter)
                .await
                .map_err(|e| e.to_string())?;
            let chunk = page
                .rows
                .iter()
                .map(|e| audit_line(e, &page.names))
                .collect();
            Ok((chunk, page.next))
        }
    };
    csv_response(name, first_chunk, first.next, slot, more)
}

#[cfg(test)]
mod tests {
    use super::cell;

    #[test]
    fn cells_are_quoted_and_never_formulas() {
        assert_eq!(cell("Ada"), "Ada");
        assert_eq!(cell("Lovelace, Ada"), "\"Lovelace, Ada\"");
        assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(cell("+1"), "'+1");
        assert_eq!(cell("@cmd"), "'@cmd");
    }
}
