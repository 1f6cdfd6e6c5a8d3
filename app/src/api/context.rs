//! What a server function knows about its request: the state, the caller, where they are.

use super::AppError;
use crate::backend::audit::RequestMeta;
use crate::backend::config::Config;
use crate::backend::{caller, AppState, Caller, ServiceError};
use chrono::{DateTime, Utc};
use http::header::{SET_COOKIE, USER_AGENT};
use http::HeaderValue;
use leptos::prelude::use_context;
use std::net::IpAddr;

/// The peer address, put on each request by the server's middleware.
#[derive(Clone, Copy, Debug)]
pub struct ClientIp(pub IpAddr);

/// A short id per request, in every log line and every 500 answer.
#[derive(Clone, Debug)]
pub struct RequestId(pub String);

pub fn now() -> DateTime<Utc> {
    Utc::now()
}

fn parts() -> Option<http::request::Parts> {
    use_context::<http::request::Parts>()
}

pub fn request_id() -> String {
    parts()
        .and_then(|p| p.extensions.get::<RequestId>().map(|r| r.0.clone()))
        .unwrap_or_else(|| "-".to_string())
}

pub fn state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or_else(|| {
        tracing::error!("AppState missing from the server function context");
        AppError::Internal {
            request_id: request_id(),
        }
    })
}

pub fn client_ip() -> Option<IpAddr> {
    parts().and_then(|p| p.extensions.get::<ClientIp>().map(|ip| ip.0))
}

pub fn meta() -> RequestMeta {
    let parts = parts();
    RequestMeta {
        ip: client_ip().map(|ip| ip.to_string()),
        user_agent: parts
            .as_ref()
            .and_then(|p| p.headers.get(USER_AGENT))
            .and_then(|v| v.to_str().ok())
            .map(str::to_string),
        request_id: Some(request_id()),
    }
}

use crate::backend::caller::cookie_name;

fn session_token(config: &Config) -> Option<String> {
    crate::backend::caller::session_token(config, &parts()?.headers)
}

/// The signed-in caller, or `None`, whatever their password state (`current_user`, sign-out).
pub async fn current_session() -> Result<Option<(AppState, Caller)>, AppError> {
    let state = state()?;
    let Some(headers) = parts().map(|p| p.headers) else {
        return Ok(None);
    };
    let had_cookie = session_token(&state.config).is_some();
    let caller = caller::from_headers(&state.db, &state.config, &headers, now()).await?;
    if caller.is_none() && had_cookie {
        clear_session_cookie(&state.config);
    }
    Ok(caller.map(|c| (state, c)))
}

/// The signed-in caller, even one who must still change a one-time password: only for
/// changing it.
pub async fn require_session_for_password_change() -> Result<(AppState, Caller), AppError> {
    match current_session().await? {
        Some(found) => Ok(found),
        None => Err(ServiceError::Unauthenticated.into()),
    }
}

/// The signed-in caller, or a 401 that sends the browser to the sign-in page. Someone who signed
/// in with a one-time password gets nothing but "change it first" until they do.
pub async fn require_session() -> Result<(AppState, Caller), AppError> {
    let (state, caller) = require_session_for_password_change().await?;
    if caller.user.must_change_password {
        return Err(ServiceError::PasswordChangeRequired.into());
    }
    Ok((state, caller))
}

/// The raw session token of this request, for sign-out.
pub fn request_session_token() -> Option<String> {
    state().ok().and_then(|s| session_token(&s.config))
}

fn set_cookie(value: String) {
    if let (Some(response), Ok(header)) = (
        use_context::<leptos_axum::ResponseOptions>(),
        HeaderValue::from_str(&value),
    ) {
        response.append_header(SET_COOKIE, header);
    }
}

pub fn set_session_cookie(config: &Config, token: &str) {
    let secure = if config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    set_cookie(format!(
        "{}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{secure}",
        cookie_name(config),
        config.session_max.num_seconds()
    ));
}

pub fn clear_session_cookie(config: &Config) {
    let secure = if config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    set_cookie(format!(
        "{}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}",
        cookie_name(config)
    ));
}
