//! What a server function knows about its request: the state, the caller, where they are.

use super::AppError;
use crate::backend::audit::RequestMeta;
use crate::backend::config::Config;
use crate::backend::sessions::{self, SessionUser};
use crate::backend::AppState;
use chrono::{DateTime, Utc};
use http::header::{COOKIE, SET_COOKIE, USER_AGENT};
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

/// `__Host-` binds the cookie to this exact origin whenever it can be (it requires Secure).
pub fn cookie_name(config: &Config) -> &'static str {
    if config.secure_cookies {
        "__Host-usher_session"
    } else {
        "usher_session"
    }
}

/// The session token from a `Cookie` header value.
pub fn token_from_cookie_header(header: &str, name: &str) -> Option<String> {
    header
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.to_string())
        .filter(|value| !value.is_empty())
}

fn session_token(config: &Config) -> Option<String> {
    let parts = parts()?;
    parts
        .headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|header| token_from_cookie_header(header, cookie_name(config)))
}

/// The signed-in person, or `None`.
pub async fn current_session() -> Result<Option<(AppState, SessionUser)>, AppError> {
    let state = state()?;
    let Some(token) = session_token(&state.config) else {
        return Ok(None);
    };
    let user = sessions::authenticate(&state.db, &state.config, &token, now()).await?;
    if user.is_none() {
        clear_session_cookie(&state.config);
    }
    Ok(user.map(|u| (state, u)))
}

/// The signed-in person, or a 401 that sends the browser to the sign-in page.
pub async fn require_session() -> Result<(AppState, SessionUser), AppError> {
    match current_session().await? {
        Some(found) => Ok(found),
        None => Err(crate::backend::ServiceError::Unauthenticated.into()),
    }
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

#[cfg(test)]
mod tests {
    use super::token_from_cookie_header;

    #[test]
    fn finds_the_session_cookie_among_others() {
        let header = "theme=dark; usher_session=abc123; other=1";
        assert_eq!(
            token_from_cookie_header(header, "usher_session"),
            Some("abc123".into())
        );
        assert_eq!(
            token_from_cookie_header("usher_session=", "usher_session"),
            None
        );
        assert_eq!(
            token_from_cookie_header("x_usher_session=1", "usher_session"),
            None
        );
    }
}
