use leptos::prelude::*;

/// The calm single card of the pages a signed-out person sees.
#[component]
pub fn AuthCard(children: Children) -> impl IntoView {
    view! {
        <main id="main" class="centered">
            <section class="card narrow auth-card">
                <div class="brand big">
                    <span class="brand-mark" aria-hidden="true">
                        "U"
                    </span>
                    "Usher"
                </div>
                {children()}
            </section>
        </main>
    }
}
