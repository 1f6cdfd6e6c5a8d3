use crate::api::auth::Me;
use leptos::prelude::*;
use leptos_router::components::Redirect;

/// `/` leads to the first page this person can use: the directory for admins, else My account.
#[component]
pub fn HomePage() -> impl IntoView {
    let admin = use_context::<Me>().is_some_and(|me| me.is_admin);
    let path = if admin { "/users" } else { "/account" };
    view! { <Redirect path /> }
}
