use crate::api::auth::{Me, SignOut};
use crate::ui::submit_blocked;
use leptos::prelude::*;
use leptos_router::components::A;

/// The top bar: the product, the pages this person may use, who is signed in, Sign out.
#[component]
pub fn Header(me: Me) -> impl IntoView {
    let sign_out = ServerAction::<SignOut>::new();
    Effect::new(move |_| {
        if let Some(Ok(())) = sign_out.value().get() {
            let _ = window().location().set_href("/sign-in");
        }
    });
    let initials: String = me
        .name
        .split_whitespace()
        .filter_map(|w| w.chars().next())
        .take(2)
        .collect();
    view! {
        <a class="skip-link" href="#main">
            "Skip to content"
        </a>
        <header class="topbar">
            <a class="brand" href="/">
                <span class="brand-mark" aria-hidden="true">
                    "U"
                </span>
                "Usher"
            </a>
            <nav class="nav" aria-label="Main">
                // Until a one-time password is changed, nothing else opens: no links to it.
                {(me.is_admin && !me.must_change_password)
                    .then(|| view! { <A href="/users">"Users"</A> })}
                {(me.can_invite && !me.must_change_password)
                    .then(|| view! { <A href="/invitations">"Invitations"</A> })}
                {(me.can_read_audit && !me.must_change_password)
                    .then(|| view! { <A href="/audit">"Audit log"</A> })}
                {(me.can_manage_entities && !me.must_change_password)
                    .then(|| view! { <A href="/entities">"Entities"</A> })}
                {(me.can_manage_roles && !me.must_change_password)
                    .then(|| view! { <A href="/roles">"Roles"</A> })}
                {(me.mailbox && !me.must_change_password)
                    .then(|| view! { <A href="/mailbox">"Mailbox"</A> })}
                <A href="/account">"My account"</A>
            </nav>
            <div class="who">
                <span class="avatar" aria-hidden="true">
                    {initials}
                </span>
                <span class="who-text">
                    <span class="who-name">{me.name.clone()}</span>
                    <span class="who-entity">{me.entity_name.clone()}</span>
                </span>
                <ActionForm action=sign_out>
                    <button
                        type="submit"
                        class="button ghost"
                        disabled=submit_blocked(move || sign_out.pending().get())
                    >
                        "Sign out"
                    </button>
                </ActionForm>
            </div>
        </header>
    }
}
