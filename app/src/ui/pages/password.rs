//! Forgot password and the page its link (or an admin's Reset password) leads to.

use crate::api::users::{forgot_password, password_link, ResetPassword};
use crate::api::AppError;
use crate::ui::components::auth_card::AuthCard;
use crate::ui::components::field::{Field, PlainField};
use crate::ui::form_post;
use crate::ui::pages::accept_invitation::token_from_fragment;
use crate::ui::submit_blocked;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::{Meta, Title};

/// The same answer whether or not the address has an account. A plain form, like sign-in.
#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let posted = form_post::posted();
    let email = posted
        .as_ref()
        .map(|form| form.get("email"))
        .unwrap_or_default();
    let outcome = Resource::new_blocking(
        || (),
        move |_| {
            let posted = posted.clone();
            async move {
                match posted {
                    Some(form) => Some(forgot_password(form.get("email")).await),
                    None => None,
                }
            }
        },
    );
    view! {
        <Title text="Forgot password" />
        <AuthCard>
            <h1>"Forgot password"</h1>
            <Suspense>
                {move || {
                    let email = email.clone();
                    Suspend::new(async move {
                        match outcome.await {
                            Some(Ok(())) => {
                                view! {
                                    <p role="status" class="notice success">
                                        {format!(
                                            "If {email} belongs to an active account, a link to choose a new password is on its way. It works once, for one hour.",
                                        )}
                                    </p>
                                }
                                    .into_any()
                            }
                            outcome => {
                                let error = outcome.and_then(Result::err);
                                view! { <ForgotPasswordForm email error /> }.into_any()
                            }
                        }
                    })
                }}
            </Suspense>
            <p>
                <a href="/sign-in">"Back to sign in"</a>
            </p>
        </AuthCard>
    }
}

#[component]
fn ForgotPasswordForm(email: String, error: Option<AppError>) -> impl IntoView {
    let email_error = error.as_ref().and_then(|e| e.field("email"));
    let summary = error
        .as_ref()
        .filter(|e| !matches!(e, AppError::Invalid(_)))
        .map(AppError::summary);
    view! {
        <p class="muted">
            "Enter the email you sign in with. If it belongs to an active account, we send a link to choose a new password."
        </p>
        <form class="form" method="post" novalidate>
            <PlainField
                label="Email"
                name="email"
                kind="email"
                autocomplete="username"
                value=email
                error=email_error
            />
            <p class="form-error" role="alert">
                {summary}
            </p>
            <button type="submit" class="button primary wide">
                "Send reset link"
            </button>
        </form>
    }
}

#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    // None: checking; Some(None): the link does not work; Some(Some(email)): it does.
    let link = RwSignal::new(None::<Option<String>>);
    let token = RwSignal::new(String::new());
    Effect::new(move |_| match token_from_fragment() {
        None => link.set(Some(None)),
        Some(found) => {
            token.set(found.clone());
            spawn_local(async move {
                link.set(Some(password_link(found).await.ok().flatten()));
            });
        }
    });
    let action = ServerAction::<ResetPassword>::new();
    let error = move || action.value().get().and_then(Result::err);
    let field = move |f: &'static str| Signal::derive(move || error().and_then(|e| e.field(f)));
    let done = move || matches!(action.value().get(), Some(Ok(())));
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let value = |name: &str| crate::ui::pages::form_value(&event, name);
        action.dispatch(ResetPassword {
            token: token.get_untracked(),
            password: value("password"),
            confirm_password: value("confirm_password"),
        });
    };
    let broken = move || link.get() == Some(None) || field("token").get().is_some();
    view! {
        <Title text="Choose a new password" />
        <Meta name="referrer" content="no-referrer" />
        <AuthCard>
            {move || match link.get() {
                None => {
                    view! {
                        <p class="muted" aria-busy="true">
                            "Checking your link…"
                        </p>
                    }
                        .into_any()
                }
                Some(_) if done() => {
                    view! {
                        <h1>"Password changed"</h1>
                        <p role="status" class="notice success">
                            "Your new password is set, and every earlier session has been signed out."
                        </p>
                        <p>
                            <a class="button primary" href="/sign-in">
                                "Sign in"
                            </a>
                        </p>
                    }
                        .into_any()
                }
                Some(_) if broken() => {
                    view! {
                        <h1>"This link does not work"</h1>
                        <p role="alert">{crate::api::users::INVALID_LINK}</p>
                        <p>
                            <a href="/forgot-password">"Forgot password"</a>
                        </p>
                    }
                        .into_any()
                }
                Some(email) => {
                    view! {
                        <h1>"Choose a new password"</h1>
                        <p class="muted">{format!("For {}.", email.unwrap_or_default())}</p>
                        <form class="form" novalidate on:submit=submit>
                            <Field
                                label="New password"
                                name="password"
                                kind="password"
                                autocomplete="new-password"
                                required=true
                                hint="At least 12 characters. A few unrelated words work well; any language or symbol is fine."
                                error=field("password")
                            />
                            <Field
                                label="Repeat the new password"
                                name="confirm_password"
                                kind="password"
                                autocomplete="new-password"
                                required=true
                                error=field("confirm_password")
                            />
                            <p class="form-error" role="alert">
                                {move || error().map(|e| e.summary())}
                            </p>
                            <button
                                type="submit"
                                class="button primary wide"
                                disabled=submit_blocked(move || action.pending().get())
                            >
                                "Set new password"
                            </button>
                        </form>
                    }
                        .into_any()
                }
            }}
        </AuthCard>
    }
}
