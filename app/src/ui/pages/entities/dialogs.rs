//! New entity and Rename: the server checks every field, its errors stand next to the field,
//! and what was typed stays.

use crate::api::entities::{CreateEntity, RenameEntity};
use crate::ui::components::field::Field;
use crate::ui::components::modal::{form_action, FormFoot, Modal};
use leptos::prelude::*;
use uuid::Uuid;

/// The slug a name suggests: "Northwind Trading Ltd." → "northwind-trading-ltd".
pub fn slug_for(name: &str) -> String {
    let mut slug = String::new();
    for c in name.trim().chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    slug.trim_end_matches('-')
        .chars()
        .take(40)
        .collect::<String>()
        .trim_end_matches('-')
        .to_string()
}

#[component]
pub fn NewEntityDialog(on_close: Callback<()>, on_done: Callback<String>) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let slug = RwSignal::new(String::new());
    // The slug follows the name until someone types a slug of their own.
    Effect::new(move |before: Option<String>| {
        let now = name.get();
        let suggested_before = slug_for(&before.unwrap_or_default());
        if slug.get_untracked() == suggested_before {
            slug.set(slug_for(&now));
        }
        now
    });
    let action = ServerAction::<CreateEntity>::new();
    let (field, summary) = form_action(action, on_close, on_done);
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        action.dispatch(CreateEntity {
            name: name.get_untracked(),
            slug: slug.get_untracked(),
        });
    };
    view! {
        <Modal title="New entity" on_close>
            <form class="form" novalidate on:submit=submit>
                <Field label="Name" name="name" required=true value=name error=field("name") />
                <Field
                    label="Slug"
                    name="slug"
                    hint="Lowercase letters, digits and hyphens. Bulk invitation files name the entity by it; it cannot be changed later."
                    required=true
                    value=slug
                    error=field("slug")
                />
                <FormFoot
                    summary
                    pending=action.pending()
                    on_close
                    label="Create entity"
                    working="Creating…"
                />
            </form>
        </Modal>
    }
}

#[component]
pub fn RenameDialog(
    id: Uuid,
    current: String,
    on_close: Callback<()>,
    on_done: Callback<String>,
) -> impl IntoView {
    let name = RwSignal::new(current);
    let action = ServerAction::<RenameEntity>::new();
    let (field, summary) = form_action(action, on_close, on_done);
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        action.dispatch(RenameEntity {
            id,
            name: name.get_untracked(),
        });
    };
    view! {
        <Modal title="Rename entity" on_close>
            <form class="form" novalidate on:submit=submit>
                <Field
                    label="Name"
                    name="name"
                    hint="The slug stays as it is."
                    required=true
                    value=name
                    error=field("name")
                />
                <FormFoot
                    summary
                    pending=action.pending()
                    on_close
                    label="Rename"
                    working="Renaming…"
                />
            </form>
        </Modal>
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_name_suggests_its_slug() {
        assert_eq!(
            super::slug_for("Northwind Trading Ltd."),
            "northwind-trading-ltd"
        );
        assert_eq!(super::slug_for("  Ærø & Co  "), "r-co");
        assert_eq!(super::slug_for(""), "");
        assert_eq!(super::slug_for(&"a b ".repeat(30)).len(), 39);
    }
}
