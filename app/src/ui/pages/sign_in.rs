//! Sign in: a plain server-rendered form that works before (and without) any WebAssembly. It
//! posts to this page; the server signs the person in and answers 303 to where they were going,
//! or renders the page again with the message and the email they typed.

use crate::api::auth::{current_user, sign_in};
use crate::api::AppError;
use crate::ui::components::auth_card::AuthCard;
use crate::ui::components::field::PlainField;
use crate::ui::form_post;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_query_map;

#[component]
pub fn SignInPage() -> impl IntoView {
    let query = use_query_map();
    // Where the person was going when they were sent here (a path of this site only).
    let next = move || {
        let next = query.with_untracked(|q| q.get("next").unwrap_or_default());
        crate::domain::safe_return_path(&next).to_string()
    };
    let posted = form_post::posted();
    let email = posted
        .as_ref()
        .map(|form| form.get("email"))
        .unwrap_or_default();
    // Blocking: the server decides before it sends anything (a redirect or the page).
    let outcome = Resource::new_blocking(
        || (),
        move |_| {
            let posted = posted.clone();
            async move {
                match posted {
                    Some(form) => {
                        let result = sign_in(form.get("email"), form.get("password")).await;
                        #[cfg(feature = "ssr")]
                        if result.is_ok() {
                            form_post::see_other(&next());
                        }
                        Outcome::Tried(result.err())
                    }
                    None => Outcome::Shown {
                        signed_in: matches!(current_user().await, Ok(Some(_))),
                    },
                }
            }
        },
    );
    view! {
        <Title text="Sign in" />
        <AuthCard>
            <h1>"Sign in"</h1>
            <Suspense>
                {move || {
                    let email = email.clone();
                    Suspend::new(async move {
                        let error = match outcome.await {
                            Outcome::Shown { signed_in: true } => {
                                return view! { <Redirect path=next() /> }.into_any();
                            }
                            Outcome::Tried(error) => error,
                            Outcome::Shown { .. } => None,
                        };
                        view! { <SignInForm email error /> }.into_any()
                    })
                }}
            </Suspense>
            <p class="small">
                <a href="/forgot-password">"Forgot password?"</a>
            </p>
        </AuthCard>
    }
}

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
enum Outcome {
    Shown { signed_in: bool },
    Tried(Option<AppError>),
}

#[component]
fn SignInForm(email: String, error: Option<AppError>) -> impl IntoView {
    let field = |name: &str| error.as_ref().and_then(|e| e.field(name));
    let (email_error, password_error) = (field("email"), field("password"));
    let summary = error
        .as_ref()
        .filter(|e| !matches!(e, AppError::Invalid(_)))
        .map(AppError::summary);
    view! {
        <form class="form" method="post" novalidate>
            <PlainField
                label="Email"
                name="email"
                kind="email"
                autocomplete="username"
                value=email
                error=email_error
            />
            <PlainField
                label="Password"
                name="password"
                kind="password"
                autocomplete="current-password"
                value=String::new()
                error=password_error
            />
            <p class="form-error" role="alert">
                {summary}
            </p>
            <button type="submit" class="button primary wide">
                "Sign in"
            </button>
        </form>
    }
}
