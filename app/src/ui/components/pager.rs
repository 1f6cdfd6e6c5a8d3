use leptos::prelude::*;

/// Previous / Next under a keyset-paged table.
#[component]
pub fn Pager(
    #[prop(into)] first: Signal<bool>,
    next: Option<String>,
    on_next: Callback<String>,
    on_previous: Callback<()>,
) -> impl IntoView {
    view! {
        <nav class="pager" aria-label="Pages">
            <button
                type="button"
                class="button"
                disabled=move || first.get()
                on:click=move |_| on_previous.run(())
            >
                "Previous"
            </button>
            <button
                type="button"
                class="button"
                disabled=next.is_none()
                on:click=move |_| {
                    if let Some(next) = next.clone() {
                        on_next.run(next);
                    }
                }
            >
                "Next"
            </button>
        </nav>
    }
}
