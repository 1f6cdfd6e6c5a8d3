//! Pages that work without WebAssembly (sign-in, Forgot password): their forms are plain HTML
//! posts to the page's own address, and the server renders the page again with the outcome.
//! The server puts the posted fields on the request; the page reads them here while it renders.

/// The pages whose forms post to themselves; the server sends them no WebAssembly at all.
pub const FORM_PAGES: [&str; 2] = ["/sign-in", "/forgot-password"];

/// The fields of a form posted to the page being rendered (server side only).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FormPost(pub Vec<(String, String)>);

impl FormPost {
    /// The first value posted under `name`, or "" when there is none.
    pub fn get(&self, name: &str) -> String {
        self.0
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
            .unwrap_or_default()
    }
}

/// The form posted with this request, if it is a post to the page being rendered.
pub fn posted() -> Option<FormPost> {
    #[cfg(feature = "ssr")]
    {
        leptos::prelude::use_context::<http::request::Parts>()?
            .extensions
            .get::<FormPost>()
            .cloned()
    }
    #[cfg(not(feature = "ssr"))]
    {
        None
    }
}

/// After a successful post: `303 See Other` to `path`, so reloading does not post again.
#[cfg(feature = "ssr")]
pub fn see_other(path: &str) {
    if let (Some(response), Ok(location)) = (
        leptos::prelude::use_context::<leptos_axum::ResponseOptions>(),
        http::HeaderValue::from_str(path),
    ) {
        response.set_status(http::StatusCode::SEE_OTHER);
        response.insert_header(http::header::LOCATION, location);
    }
}

/// Whether the page being rendered on the server is one that gets no WebAssembly.
#[cfg(feature = "ssr")]
pub fn is_form_page() -> bool {
    leptos::prelude::use_context::<http::request::Parts>()
        .is_some_and(|parts| FORM_PAGES.contains(&parts.uri.path()))
}
