use crate::api::account::{my_sessions, ChangePassword, EndMySession, SessionView};
use crate::api::auth::Me;
use crate::ui::components::confirm::ConfirmButton;
use crate::ui::components::field::Field;
use crate::ui::components::sessions::SessionsTable;
use crate::ui::pages::go_to_sign_in_if_ended;
use crate::ui::submit_blocked;
use leptos::html::Form;
use leptos::prelude::*;
use leptos_meta::Title;

/// My account: who I am, my password, my sessions.
#[component]
pub fn AccountPage() -> impl IntoView {
    let me = expect_context::<Me>();
    // One action for the card and the sessions: a new password ends the other sessions, so
    // the list is read again when it is changed.
    let change = ServerAction::<ChangePassword>::new();
    if me.must_change_password {
        return view! {
            <Title text="Choose your password" />
            <div class="single-column">
                <h1>"Choose your password"</h1>
                <ChangePasswordCard action=change />
            </div>
        }
        .into_any();
    }
    view! {
        <Title text="My account" />
        <h1>"My account"</h1>
        <div class="grid two">
            <section class="card" aria-labelledby="profile-title">
                <h2 id="profile-title">"Profile"</h2>
                <dl class="facts">
                    <dt>"Name"</dt>
                    <dd>{me.name.clone()}</dd>
                    <dt>"Email"</dt>
                    <dd>{me.email.clone()}</dd>
                    <dt>"Entity"</dt>
                    <dd>{me.entity_name.clone()}</dd>
                    <dt>"Roles"</dt>
                    <dd>
                        {me
                            .roles
                            .iter()
                            .map(|r| view! { <span class="chip">{r.clone()}</span> })
                            .collect_view()}
                    </dd>
                </dl>
            </section>
            <ChangePasswordCard action=change />
        </div>
        <SessionsCard changed=change.version() />
    }
    .into_any()
}

#[component]
fn ChangePasswordCard(action: ServerAction<ChangePassword>) -> impl IntoView {
    let form = NodeRef::<Form>::new();
    let error = move || action.value().get().and_then(Result::err);
    let field =
        move |name: &'static str| Signal::derive(move || error().and_then(|e| e.field(name)));
    let must_change = use_context::<Me>().is_some_and(|me| me.must_change_password);
    let navigate = leptos_router::hooks::use_navigate();
    Effect::new(move |_| match action.value().get() {
        Some(Ok(())) => {
            if let Some(form) = form.get() {
                form.reset();
            }
            if must_change {
                // The rest of Usher opens now that the password is the person's own.
                navigate("/", Default::default());
            }
        }
        Some(Err(e)) => go_to_sign_in_if_ended(&e),
        None => {}
    });
    view! {
        <section class="card" aria-labelledby="password-title">
            <h2 id="password-title">"Change password"</h2>
            <ActionForm action=action node_ref=form attr:class="form" attr:novalidate="true">
                <Field
                    label="Current password"
                    name="current_password"
                    kind="password"
                    autocomplete="current-password"
                    required=true
                    error=field("current_password")
                />
                <Field
                    label="New password"
                    name="new_password"
                    kind="password"
                    autocomplete="new-password"
                    required=true
                    hint="At least 12 characters. A few unrelated words work well."
                    error=field("new_password")
                />
                <Field
                    label="Repeat new password"
                    name="confirm_password"
                    kind="password"
                    autocomplete="new-password"
                    required=true
                    error=field("confirm_password")
                />
                <p class="form-error" role="alert">
                    {move || error().map(|e| e.summary())}
                </p>
                <p class="form-success" role="status">
                    {move || {
                        matches!(action.value().get(), Some(Ok(())))
                            .then_some("Password changed. Your other sessions were signed out.")
                    }}
                </p>
                <button
                    type="submit"
                    class="button primary"
                    disabled=submit_blocked(move || action.pending().get())
                >
                    {move || if action.pending().get() { "Changing…" } else { "Change password" }}
                </button>
            </ActionForm>
        </section>
    }
}

#[component]
fn SessionsCard(#[prop(into)] changed: Signal<usize>) -> impl IntoView {
    let end = ServerAction::<EndMySession>::new();
    let sessions = Resource::new(
        move || (end.version().get(), changed.get()),
        |_| my_sessions(),
    );
    Effect::new(move |_| {
        if let Some(Err(e)) = end.value().get() {
            go_to_sign_in_if_ended(&e);
        }
    });
    view! {
        <section class="card" aria-labelledby="sessions-title">
            <h2 id="sessions-title">"My sessions"</h2>
            <p class="muted">
                "Every browser where you are signed in. End any you do not recognise."
            </p>
            <p class="form-error" role="alert">
                {move || end.value().get().and_then(Result::err).map(|e| e.summary())}
            </p>
            <Transition fallback=|| {
                view! { <p aria-busy="true">"Loading sessions…"</p> }
            }>
                {move || Suspend::new(async move {
                    match sessions.await {
                        Ok(list) => view! { <SessionTable list end /> }.into_any(),
                        Err(e) => {
                            go_to_sign_in_if_ended(&e);
                            view! { <p class="notice error">{e.to_string()}</p> }.into_any()
                        }
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn SessionTable(list: Vec<SessionView>, end: ServerAction<EndMySession>) -> impl IntoView {
    let action = move |s: &SessionView| {
        if s.current {
            return view! { <span class="badge info">"This browser"</span> }.into_any();
        }
        let id = s.id;
        view! {
            <ConfirmButton
                label="End session"
                question=format!("End the session on {}?", s.browser)
                confirm_label="End session"
                pending=end.pending()
                on_confirm=Callback::new(move |_| {
                    end.dispatch(EndMySession { id });
                })
            />
        }
        .into_any()
    };
    view! { <SessionsTable list action /> }
}
