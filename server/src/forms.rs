//! Posts to the pages that work without WebAssembly (`app::ui::form_post`): the fields go on the
//! request and the page renders again, now with the outcome, exactly as a GET would render it.

use app::ui::form_post::FormPost;
use axum::body::{to_bytes, Body};
use axum::extract::Request;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use std::future::Future;
use std::pin::Pin;

/// Far more than these forms hold; the body limit of the guards is already smaller.
const MAX_FORM_BYTES: usize = 64 * 1024;
const MAX_FIELDS: usize = 16;

/// Renders the page whole before answering (no streamed parts: there is no script to place them).
pub type Render =
    Box<dyn Fn(Request<Body>) -> Pin<Box<dyn Future<Output = Response> + Send>> + Send>;

pub async fn post_to_page(render: &std::sync::Mutex<Render>, request: Request) -> Response {
    let (mut parts, body) = request.into_parts();
    let is_form = parts
        .headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return (StatusCode::UNSUPPORTED_MEDIA_TYPE, "expected a form").into_response();
    }
    let Ok(bytes) = to_bytes(body, MAX_FORM_BYTES).await else {
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    };
    let fields: Vec<(String, String)> = form_urlencoded::parse(&bytes)
        .take(MAX_FIELDS)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    parts.extensions.insert(FormPost(fields));
    let answer = {
        let render = render
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        render(Request::from_parts(parts, Body::empty()))
    };
    answer.await
}
