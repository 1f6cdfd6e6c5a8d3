use leptos::prelude::*;
use leptos_router::components::Redirect;

/// `/` leads to the first page this person can use.
#[component]
pub fn HomePage() -> impl IntoView {
    view! { <Redirect path="/account" /> }
}
