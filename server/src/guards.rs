//! What a request must be before anything answers it: for this server's host (DNS rebinding),
//! within its endpoint's size, and, for a page behind sign-in, from someone signed in who may
//! use that page.

use app::api::auth::Me;
use app::backend::{caller, AppState};
use app::ui::components::allowed::RESTRICTED_PAGES;
use axum::extract::{Request, State};
use axum::http::{header, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

/// The hosts this server answers for: the public URL's, and (when that is a loopback address,
/// as in development) any loopback name on any port. A request naming another host is refused
/// before anything runs, so a page on another site whose name was pointed at this machine (DNS
/// rebinding) cannot talk to it with the browser's help.
#[derive(Clone, Debug)]
pub struct AllowedHosts {
    public: String,
    loopback: bool,
}

fn split_host(authority: &str) -> (&str, Option<&str>) {
    if let Some(rest) = authority.strip_prefix('[') {
        // [::1]:3000
        return match rest.split_once(']') {
            Some((host, port)) => (host, port.strip_prefix(':')),
            None => (authority, None),
        };
    }
    match authority.rsplit_once(':') {
        Some((host, port)) if !host.contains(':') => (host, Some(port)),
        _ => (authority, None),
    }
}

fn is_loopback_name(host: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    host == "localhost"
        || host.ends_with(".localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

impl AllowedHosts {
    pub fn for_public_url(public_url: &str) -> Self {
        let authority = public_url
            .parse::<http::Uri>()
            .ok()
            .and_then(|u| u.authority().map(|a| a.as_str().to_ascii_lowercase()))
            .unwrap_or_default();
        let loopback = is_loopback_name(split_host(&authority).0);
        Self {
            public: authority,
            loopback,
        }
    }

    pub fn allows(&self, host: &str) -> bool {
        let host = host.to_ascii_lowercase();
        if host == self.public {
            return true;
        }
        // The default port may be left out by one side and written by the other.
        let (name, port) = split_host(&host);
        let (public_name, public_port) = split_host(&self.public);
        let default_port = matches!(port, None | Some("80") | Some("443"));
        let public_default = matches!(public_port, None | Some("80") | Some("443"));
        if name == public_name && default_port && public_default {
            return true;
        }
        self.loopback && is_loopback_name(name)
    }
}

/// Refuses a request whose `Host` is not one this server answers for (421 Misdirected Request).
/// `/healthz` stays open to probes that address the machine directly.
pub async fn known_host(
    State(allowed): State<Arc<AllowedHosts>>,
    request: Request,
    next: Next,
) -> Response {
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .or_else(|| request.uri().authority().map(|a| a.as_str()))
        .unwrap_or("");
    if request.uri().path() == "/healthz" || allowed.allows(host) {
        return next.run(request).await;
    }
    tracing::warn!(host = %host.chars().take(100).collect::<String>(), "refused a request for another host");
    (
        StatusCode::MISDIRECTED_REQUEST,
        "This Usher answers only at its own address.",
    )
        .into_response()
}

/// The page paths behind sign-in (`/users/:id` as the route table writes them).
#[derive(Clone, Debug)]
pub struct SignedInPages(pub Arc<Vec<String>>);

/// Whether `path` is a page the route table writes as `pattern` (`:id` takes one segment).
fn path_matches(pattern: &str, path: &str) -> bool {
    let path = if path.len() > 1 {
        path.trim_end_matches('/')
    } else {
        path
    };
    let (mut want, mut got) = (pattern.split('/'), path.split('/'));
    loop {
        match (want.next(), got.next()) {
            (None, None) => return true,
            (Some(w), Some(g)) if w.starts_with(':') && !g.is_empty() => {}
            (Some(w), Some(g)) if w == g => {}
            _ => return false,
        }
    }
}

impl SignedInPages {
    fn contains(&self, path: &str) -> bool {
        self.0.iter().any(|pattern| path_matches(pattern, path))
    }
}

/// Percent-encodes a query value.
fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A page behind sign-in, asked for by a signed-out visitor, is answered with a real redirect
/// (303) to the sign-in page, which returns them where they were going once they are in; by
/// someone who signed in with a one-time password, with one to My account, where they change it
/// (the layout's client-side redirect is only for a browser already in the app). A page
/// the caller may not use (a member on the User Directory) is answered 403; the page itself
/// then says "No access". Decided here, before the page renders, from the same caller and the
/// same rules (`RESTRICTED_PAGES`) the page uses.
pub async fn page_access(
    State((state, pages)): State<(AppState, SignedInPages)>,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path();
    let page = matches!(*request.method(), Method::GET | Method::HEAD) && pages.contains(path);
    if !page {
        return next.run(request).await;
    }
    let now = chrono::Utc::now();
    let refused = match caller::from_headers(&state.db, &state.config, request.headers(), now).await
    {
        Ok(None) => {
            let target = request
                .uri()
                .path_and_query()
                .map(|p| p.as_str())
                .unwrap_or("/");
            let location = format!("/sign-in?next={}", encode(target));
            return (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response();
        }
        // Until a one-time password is changed the only page is the one that changes it.
        Ok(Some(caller)) if caller.user.must_change_password && path != "/account" => {
            return (StatusCode::SEE_OTHER, [(header::LOCATION, "/account")]).into_response();
        }
        Ok(Some(caller)) => RESTRICTED_PAGES
            .iter()
            .find(|(pattern, _)| path_matches(pattern, path))
            .is_some_and(|(_, access)| !access.allows(&Me::of(&state, &caller))),
        // The page reports what went wrong itself.
        Err(_) => false,
    };
    let mut response = next.run(request).await;
    if refused && response.status() == StatusCode::OK {
        *response.status_mut() = StatusCode::FORBIDDEN;
    }
    response
}

/// The largest request body a path takes: a bulk invite carries a CSV file (10,000 rows), every
/// other form a few fields. Bounded before any handler reads it, so nobody can make the server
/// hold or parse megabytes it never needed.
pub fn body_limit(path: &str) -> usize {
    match path {
        "/api/check_bulk_invite" | "/api/run_bulk_invite" => 4 << 20,
        _ => 64 << 10,
    }
}

fn too_large(limit: usize) -> Response {
    (
        StatusCode::PAYLOAD_TOO_LARGE,
        format!(
            "The request is larger than Usher takes here ({} KB).",
            limit >> 10
        ),
    )
        .into_response()
}

/// Refuses a body over `body_limit` by its `Content-Length`, and cuts off a body sent without
/// one (chunked) when it passes the limit.
pub async fn bounded_bodies(request: Request, next: Next) -> Response {
    let limit = body_limit(request.uri().path());
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return too_large(limit);
    }
    let (parts, body) = request.into_parts();
    let body = axum::body::Body::new(http_body_util::Limited::new(body, limit));
    next.run(Request::from_parts(parts, body)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_behind_sign_in_are_matched_as_the_route_table_writes_them() {
        let pages = SignedInPages(Arc::new(
            ["/", "/account", "/users", "/users/:id"]
                .map(String::from)
                .to_vec(),
        ));
        for path in ["/", "/users", "/users/", "/users/0190", "/account"] {
            assert!(pages.contains(path), "{path}");
        }
        for path in [
            "/sign-in",
            "/users/a/b",
            "/pkg/usher.js",
            "/no/such/page",
            "/api/sign_in",
        ] {
            assert!(!pages.contains(path), "{path}");
        }
        assert_eq!(
            encode("/invitations?status=pending"),
            "/invitations%3Fstatus%3Dpending"
        );
    }

    #[test]
    fn only_the_public_host_is_answered() {
        let public = AllowedHosts::for_public_url("https://usher.example.com");
        assert!(public.allows("usher.example.com"));
        assert!(public.allows("USHER.example.com:443"));
        assert!(!public.allows("evil.example"));
        assert!(
            !public.allows("127.0.0.1:3000"),
            "no loopback aliases in production"
        );
        assert!(!public.allows(""));
        let dev = AllowedHosts::for_public_url("http://127.0.0.1:3000");
        for host in [
            "127.0.0.1:3000",
            "localhost:3000",
            "[::1]:8080",
            "127.0.0.1:41234",
        ] {
            assert!(dev.allows(host), "{host}");
        }
        assert!(!dev.allows("attacker.example:3000"));
        assert!(!dev.allows("127.0.0.1.attacker.example"));
    }
}
