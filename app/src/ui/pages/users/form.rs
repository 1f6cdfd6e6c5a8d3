//! Create User and Edit: the dialogs. The server checks every field; its errors stand next to
//! the fields and what was typed stays.

use crate::api::directory::DirectoryRow;
use crate::ui::components::field::Field;
use leptos::prelude::*;

/// "Use same as account email" and the contact email it hides.
#[component]
pub(super) fn ContactEmail(
    same: RwSignal<bool>,
    contact: RwSignal<String>,
    #[prop(into)] error: Signal<Option<String>>,
) -> impl IntoView {
    view! {
        <label class="check">
            <input
                type="checkbox"
                name="same_as_account"
                prop:checked=move || same.get()
                on:change=move |e| same.set(event_target_checked(&e))
            />
            "Use same as account email"
        </label>
        <Show when=move || !same.get()>
            <Field
                label="Contact email"
                name="contact_email"
                kind="email"
                hint="Where Usher sends this person's mail."
                value=contact
                error=error
            />
        </Show>
    }
}

/// The role keys of a row, from the labels it shows ("Market Maker" → market_maker).
pub(super) fn role_keys(row: &DirectoryRow) -> Vec<String> {
    row.roles
        .iter()
        .map(|label| label.to_lowercase().replace(' ', "_"))
        .collect()
}
