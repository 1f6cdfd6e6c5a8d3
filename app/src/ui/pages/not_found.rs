use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Page not found" />
        <main id="main" class="centered">
            <section class="card narrow">
                <p class="eyebrow">"404"</p>
                <h1>"This page does not exist"</h1>
                <p>"The address may be mistyped, or the page may have moved."</p>
                <a class="button primary" href="/">
                    "Go to Usher"
                </a>
            </section>
        </main>
    }
}
