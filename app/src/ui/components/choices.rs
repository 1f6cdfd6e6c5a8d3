//! The entity and role pickers that Invite User, Create User and Edit share.

use crate::api::invitations::{EntityOption, RoleOption};
use leptos::prelude::*;

/// The roles on offer in the chosen entity (Operator only in the operator entity). Before an
/// entity is chosen, the roles of the first, without Operator.
pub fn offered_roles(
    entities: StoredValue<Vec<EntityOption>>,
    entity: RwSignal<String>,
) -> Signal<Vec<RoleOption>> {
    Signal::derive(move || {
        let chosen = entity.get();
        entities.with_value(|list| {
            list.iter()
                .find(|e| e.id.to_string() == chosen)
                .map(|e| e.roles.clone())
                .unwrap_or_else(|| {
                    list.first()
                        .map(|e| {
                            e.roles
                                .iter()
                                .filter(|r| r.key != "operator")
                                .cloned()
                                .collect()
                        })
                        .unwrap_or_default()
                })
        })
    })
}

#[component]
pub fn EntitySelect(
    entities: StoredValue<Vec<EntityOption>>,
    entity: RwSignal<String>,
    #[prop(into)] error: Signal<Option<String>>,
) -> impl IntoView {
    view! {
        <div class="field" class:has-error=move || error.get().is_some()>
            <label for="entity">"Entity"</label>
            <select
                id="entity"
                name="entity"
                aria-describedby="entity-error"
                prop:value=move || entity.get()
                on:change=move |e| entity.set(event_target_value(&e))
            >
                <option value="">"Choose an entity…"</option>
                {entities
                    .get_value()
                    .into_iter()
                    .map(|e| view! { <option value=e.id.to_string()>{e.name}</option> })
                    .collect_view()}
            </select>
            <p class="field-error" id="entity-error">
                {move || error.get()}
            </p>
        </div>
    }
}

/// Role checkboxes; `roles` holds the chosen keys.
#[component]
pub fn RolePicker(
    #[prop(into)] offered: Signal<Vec<RoleOption>>,
    roles: RwSignal<Vec<String>>,
    #[prop(into)] error: Signal<Option<String>>,
) -> impl IntoView {
    view! {
        <fieldset
            class="field roles"
            class:has-error=move || error.get().is_some()
            aria-describedby="roles-error"
        >
            <legend>"Roles"</legend>
            {move || {
                offered
                    .get()
                    .into_iter()
                    .map(|role| {
                        let key = role.key.clone();
                        let checked_key = key.clone();
                        view! {
                            <label class="check">
                                <input
                                    type="checkbox"
                                    name="roles"
                                    value=key.clone()
                                    prop:checked=move || roles.with(|r| r.contains(&checked_key))
                                    on:change=move |e| {
                                        let on = event_target_checked(&e);
                                        let key = key.clone();
                                        roles
                                            .update(|r| {
                                                r.retain(|k| *k != key);
                                                if on {
                                                    r.push(key);
                                                }
                                            });
                                    }
                                />
                                {role.label}
                            </label>
                        }
                    })
                    .collect_view()
            }}
            <p class="field-error" id="roles-error">
                {move || error.get()}
            </p>
        </fieldset>
    }
}

/// The "Entity" filter of a listing (operators only): all entities, or one.
#[component]
pub fn EntityFilter(
    /// (id, name) of each entity on offer.
    entities: Vec<(uuid::Uuid, String)>,
    /// The entity in the URL (`""` for all).
    #[prop(into)]
    value: Signal<String>,
    on_change: Callback<String>,
) -> impl IntoView {
    view! {
        <label class="filter">
            <span>"Entity"</span>
            <select
                name="entity"
                on:change=move |e| on_change.run(event_target_value(&e))
                prop:value=move || value.get()
            >
                <option value="">"All entities"</option>
                {entities
                    .into_iter()
                    .map(|(id, name)| view! { <option value=id.to_string()>{name}</option> })
                    .collect_view()}
            </select>
        </label>
    }
}
