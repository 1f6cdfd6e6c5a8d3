use crate::api::auth::{current_user, SignIn};
use crate::ui::submit_blocked;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_query_map;

#[component]
pub fn SignInPage() -> impl IntoView {
    let already = Resource::new_blocking(|| (), |_| current_user());
    let action = ServerAction::<SignIn>::new();
    let result = action.value();
    // Where the person was going when they were sent here (a path of this site only).
    let query = use_query_map();
    let next = move || {
        let next = query.with_untracked(|q| q.get("next").unwrap_or_default());
        crate::domain::safe_return_path(&next).to_string()
    };
    // A full page load after sign-in: every page starts from the new session.
    Effect::new(move |_| {
        if let Some(Ok(())) = result.get() {
            let _ = window().location().set_href(&next());
        }
    });
    let error = move || result.get().and_then(Result::err).map(|e| e.summary());
    view! {
        <Title text="Sign in" />
        <Suspense>
            {move || Suspend::new(async move {
                matches!(already.await, Ok(Some(_))).then(|| view! { <Redirect path=next() /> })
            })}
        </Suspense>
        <main id="main" class="centered">
            <section class="card narrow auth-card">
                <div class="brand big">
                    <span class="brand-mark" aria-hidden="true">
                        "U"
                    </span>
                    "Usher"
                </div>
                <h1>"Sign in"</h1>
                <ActionForm action=action attr:class="form" attr:novalidate="true">
                    <div class="field">
                        <label for="email">"Email"</label>
                        <input
                            id="email"
                            name="email"
                            type="email"
                            autocomplete="username"
                            required
                        />
                    </div>
                    <div class="field">
                        <label for="password">"Password"</label>
                        <input
                            id="password"
                            name="password"
                            type="password"
                            autocomplete="current-password"
                            required
                        />
                    </div>
                    <p class="form-error" role="alert">
                        {error}
                    </p>
                    <button
                        type="submit"
                        class="button primary wide"
                        disabled=submit_blocked(move || action.pending().get())
                    >
                        {move || if action.pending().get() { "Signing in…" } else { "Sign in" }}
                    </button>
                </ActionForm>
                <p class="small">
                    <a href="/forgot-password">"Forgot password?"</a>
                </p>
            </section>
        </main>
    }
}
