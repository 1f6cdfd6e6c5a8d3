//! Request id and client address, security headers, and the cross-site check on every
//! state-changing request. What a request must be to be answered at all (its host, its size,
//! sign-in for a page) is in `guards`.

use app::api::context::{ClientIp, RequestId};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::net::SocketAddr;
use std::sync::Arc;
use tracing::Instrument;

pub async fn request_context(mut request: Request, next: Next) -> Response {
    let id = uuid::Uuid::new_v4().simple().to_string()[..12].to_string();
    if let Some(ConnectInfo(peer)) = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .copied()
    {
        request.extensions_mut().insert(ClientIp(peer.ip()));
    }
    request.extensions_mut().insert(RequestId(id.clone()));
    let span = tracing::info_span!("request", id = %id, method = %request.method(), path = %request.uri().path());
    let quiet = request.uri().path().starts_with("/pkg/") || request.uri().path() == "/healthz";
    let started = std::time::Instant::now();
    let mut response = next.run(request).instrument(span.clone()).await;
    if !quiet {
        span.in_scope(|| {
            tracing::info!(
                status = response.status().as_u16(),
                ms = started.elapsed().as_millis() as u64,
                "served"
            )
        });
    }
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert("x-request-id", value);
    }
    response
}

/// The nonce of one response: Leptos puts it on its inline scripts, the middleware in the
/// Content-Security-Policy header, so only those scripts run.
#[derive(Clone, Debug)]
pub struct CspNonce(pub String);

fn new_nonce() -> String {
    use base64::Engine;
    let bytes: [u8; 16] = rand::random();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn page_policy(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'nonce-{nonce}' 'strict-dynamic' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// Headers every response carries; HTML pages get a CSP with their own nonce.
pub async fn security_headers(
    State(https): State<bool>,
    mut request: Request,
    next: Next,
) -> Response {
    let is_static =
        request.uri().path().starts_with("/pkg/") || request.uri().path() == "/favicon.ico";
    // Pages opened from emailed links never tell the next site where they came from.
    let path = request.uri().path();
    let no_referrer = path.starts_with("/accept-invitation") || path.starts_with("/reset-password");
    let nonce = new_nonce();
    request.extensions_mut().insert(CspNonce(nonce.clone()));
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let is_html = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if is_html {
        if let Ok(value) = HeaderValue::from_str(&page_policy(&nonce)) {
            headers.insert(header::CONTENT_SECURITY_POLICY, value);
        }
    }
    if no_referrer {
        headers.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        );
    }
    let defaults = [
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
        ),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "same-origin"),
        (header::HeaderName::from_static("permissions-policy"), "camera=(), microphone=(), geolocation=()"),
        (header::HeaderName::from_static("cross-origin-opener-policy"), "same-origin"),
        (header::CACHE_CONTROL, if is_static { "no-cache" } else { "no-store" }),
    ];
    for (name, value) in defaults {
        headers
            .entry(name)
            .or_insert(HeaderValue::from_static(value));
    }
    if https {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    response
}

/// The origins a browser may send state-changing requests from.
#[derive(Clone)]
pub struct AllowedOrigins(pub Arc<Vec<String>>);

fn is_same_origin(headers: &HeaderMap, allowed: &AllowedOrigins) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return site == "same-origin" || site == "none";
    }
    if let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        let host = headers
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        return allowed.0.iter().any(|a| a == origin)
            || origin == format!("http://{host}")
            || origin == format!("https://{host}");
    }
    // No browser metadata at all: not a browser, so no ambient cookie to abuse, unless it
    // carries one.
    !headers.contains_key(header::COOKIE)
}

/// Refuses POST/PUT/PATCH/DELETE that a browser sent from another site (CSRF), before any
/// handler runs.
pub async fn same_origin_writes(
    State(allowed): State<AllowedOrigins>,
    request: Request,
    next: Next,
) -> Response {
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    if safe || is_same_origin(request.headers(), &allowed) {
        return next.run(request).await;
    }
    tracing::warn!(
        "refused a cross-site {} {}",
        request.method(),
        request.uri().path()
    );
    (
        StatusCode::FORBIDDEN,
        "Cross-site request refused. Reload Usher and try again.",
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn cross_site_writes_are_recognised() {
        let allowed = AllowedOrigins(Arc::new(vec!["https://usher.example".into()]));
        let cases = [
            (
                vec![
                    ("sec-fetch-site", "same-origin"),
                    ("cookie", "usher_session=x"),
                ],
                true,
            ),
            (
                vec![
                    ("sec-fetch-site", "cross-site"),
                    ("cookie", "usher_session=x"),
                ],
                false,
            ),
            (vec![("sec-fetch-site", "same-site")], false),
            (
                vec![("origin", "https://usher.example"), ("cookie", "a=b")],
                true,
            ),
            (
                vec![
                    ("origin", "http://127.0.0.1:3000"),
                    ("host", "127.0.0.1:3000"),
                ],
                true,
            ),
            (
                vec![
                    ("origin", "https://evil.example"),
                    ("host", "usher.example"),
                ],
                false,
            ),
            (vec![("cookie", "usher_session=x")], false),
            (vec![], true),
        ];
        for (pairs, expected) in cases {
            assert_eq!(
                is_same_origin(&headers(&pairs), &allowed),
                expected,
                "{pairs:?}"
            );
        }
    }
}
