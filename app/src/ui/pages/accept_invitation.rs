//! The page an invitation email links to. The token is in the URL fragment, which never reaches
//! the server in a request line: the page reads it once the WebAssembly runs and sends it in a
//! request body.

use crate::api::accept::{invitation_link, AcceptInvitation, LinkState};
use crate::ui::components::field::Field;
use crate::ui::submit_blocked;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::{Meta, Title};

pub(crate) fn token_from_fragment() -> Option<String> {
    let hash = window().location().hash().ok()?;
    let token = hash
        .trim_start_matches('#')
        .strip_prefix("token=")?
        .to_string();
    (!token.is_empty()).then_some(token)
}

#[component]
pub fn AcceptInvitationPage() -> impl IntoView {
    let state = RwSignal::new(None::<Result<LinkState, String>>);
    let token = RwSignal::new(String::new());
    Effect::new(move |_| {
        match token_from_fragment() {
        None => state.set(Some(Ok(LinkState::Problem {
            title: "This link does not work".into(),
            message: "The invitation link is incomplete. Open it again from the email, or ask the admin who invited you to resend it.".into(),
        }))),
        Some(found) => {
            token.set(found.clone());
            spawn_local(async move {
                state.set(Some(invitation_link(found).await.map_err(|e| e.to_string())));
            });
        }
    }
    });
    view! {
        <Title text="Accept invitation" />
        <Meta name="referrer" content="no-referrer" />
        <main id="main" class="centered">
            <div class="card narrow">
                <div class="brand big">
                    <span class="brand-mark" aria-hidden="true">
                        "U"
                    </span>
                    "Usher"
                </div>
                {move || match state.get() {
                    None => {
                        view! {
                            <p class="muted" aria-busy="true">
                                "Checking your invitation…"
                            </p>
                        }
                            .into_any()
                    }
                    Some(Err(message)) => {
                        view! {
                            <p class="notice error" role="alert">
                                {message}
                            </p>
                        }
                            .into_any()
                    }
                    Some(Ok(LinkState::Problem { title, message })) => {
                        problem(title, message).into_any()
                    }
                    Some(
                        Ok(LinkState::Valid { email, entity_name, inviter_name, roles, expires }),
                    ) => {
                        view! { <AcceptForm token email entity_name inviter_name roles expires /> }
                            .into_any()
                    }
                }}
            </div>
        </main>
    }
}

fn problem(title: String, message: String) -> impl IntoView {
    view! {
        <h1>{title}</h1>
        <p role="alert">{message}</p>
        <p>
            <a href="/sign-in">"Go to sign in"</a>
        </p>
    }
}

#[component]
fn AcceptForm(
    token: RwSignal<String>,
    email: String,
    entity_name: String,
    inviter_name: String,
    roles: Vec<String>,
    expires: String,
) -> impl IntoView {
    let action = ServerAction::<AcceptInvitation>::new();
    let name = RwSignal::new(String::new());
    let error = move || action.value().get().and_then(Result::err);
    let field = move |f: &'static str| Signal::derive(move || error().and_then(|e| e.field(f)));
    Effect::new(move |_| {
        if let Some(Ok(())) = action.value().get() {
            let _ = window().location().set_href("/account");
        }
    });
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let value = |name: &str| crate::ui::pages::form_value(&event, name);
        action.dispatch(AcceptInvitation {
            token: token.get_untracked(),
            name: name.get_untracked(),
            password: value("password"),
            confirm_password: value("confirm_password"),
        });
    };
    view! {
        {move || {
            field("token")
                .get()
                .map(|message| problem("This invitation cannot be used".into(), message))
        }}
        <div hidden=move || field("token").get().is_some()>
            <h1>{format!("Join {entity_name}")}</h1>
            <p>{format!("{inviter_name} invited {email} as:")}</p>
            <p>
                {roles.into_iter().map(|r| view! { <span class="chip">{r}</span> }).collect_view()}
            </p>
            <p class="muted small">{format!("This invitation is valid until {expires}.")}</p>
            <form class="form" novalidate on:submit=submit>
                <Field
                    label="Your name"
                    name="name"
                    autocomplete="name"
                    required=true
                    value=name
                    error=field("name")
                />
                <Field
                    label="Choose a password"
                    name="password"
                    kind="password"
                    autocomplete="new-password"
                    required=true
                    hint="At least 12 characters. A few unrelated words work well; any language or symbol is fine."
                    error=field("password")
                />
                <Field
                    label="Repeat the password"
                    name="confirm_password"
                    kind="password"
                    autocomplete="new-password"
                    required=true
                    error=field("confirm_password")
                />
                <p class="form-error" role="alert">
                    {move || error().filter(|e| e.field("token").is_none()).map(|e| e.summary())}
                </p>
                <button
                    type="submit"
                    class="button primary wide"
                    disabled=submit_blocked(move || action.pending().get())
                >
                    {move || {
                        if action.pending().get() {
                            "Creating your account…"
                        } else {
                            "Accept invitation"
                        }
                    }}
                </button>
            </form>
        </div>
    }
}
