//! Edit: the dialog, opened on the version the admin saw.

use crate::api::directory::DirectoryRow;
use crate::api::invitations::InviteChoices;
use crate::api::users::{EditUserForm, UpdateUser};
use crate::api::AppError;
use crate::ui::components::choices::RolePicker;
use crate::ui::components::field::Field;
use crate::ui::components::modal::{FormFoot, Modal};
use leptos::prelude::*;

use super::form::{role_keys, ContactEmail};

#[component]
pub fn EditUserDialog(
    row: DirectoryRow,
    options: Resource<Result<InviteChoices, AppError>>,
    on_close: Callback<()>,
    on_saved: Callback<(DirectoryRow, String)>,
) -> impl IntoView {
    let original_email = row.email.clone();
    let activated = row.status != "pending";
    let name = RwSignal::new(row.name.clone());
    let email = RwSignal::new(row.email.clone());
    let same = RwSignal::new(row.contact_email.is_empty());
    let contact = RwSignal::new(row.contact_email.clone());
    let roles = RwSignal::new(Vec::<String>::new());
    let confirm_email = RwSignal::new(false);
    let action = ServerAction::<UpdateUser>::new();
    let error = move || action.value().get().and_then(Result::err);
    let field =
        move |name: &'static str| Signal::derive(move || error().and_then(|e| e.field(name)));
    Effect::new(move |_| {
        if let Some(Ok(saved)) = action.value().get() {
            let message = format!("Changes to {} saved.", saved.name);
            on_saved.run((saved, message));
            on_close.run(());
        }
    });
    let email_changes = Signal::derive(move || {
        activated && email.get().trim().to_lowercase() != original_email.to_lowercase()
    });
    let id = row.id;
    let version = row.version;
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        action.dispatch(UpdateUser {
            form: EditUserForm {
                id,
                version,
                name: name.get_untracked(),
                email: email.get_untracked(),
                contact_email: contact.get_untracked(),
                same_as_account: same.get_untracked(),
                roles: roles.get_untracked(),
                confirm_email_change: confirm_email.get_untracked(),
            },
        });
    };
    let row = StoredValue::new(row);
    view! {
        <Modal title="Edit user" on_close>
            <Suspense fallback=|| {
                view! { <p class="muted">"Loading…"</p> }
            }>
                {move || Suspend::new(async move {
                    let options = match options.await {
                        Ok(o) => o,
                        Err(e) => {
                            return view! {
                                <p class="notice error" role="alert">
                                    {e.to_string()}
                                </p>
                            }
                                .into_any();
                        }
                    };
                    let held = row.with_value(role_keys);
                    if roles.get_untracked().is_empty() {
                        roles.set(held.clone());
                    }
                    let entity_name = row.with_value(|r| r.entity_name.clone());
                    let mut offered: Vec<_> = options
                        .entities
                        .iter()
                        .find(|e| e.name == entity_name)
                        .map(|e| e.roles.clone())
                        .unwrap_or_default();
                    for key in &held {
                        if !offered.iter().any(|r| &r.key == key) {
                            let label = row
                                .with_value(|r| {
                                    r.roles
                                        .iter()
                                        .find(|l| l.to_lowercase().replace(' ', "_") == *key)
                                        .cloned()
                                })
                                .unwrap_or_else(|| key.clone());
                            offered
                                .push(crate::api::invitations::RoleOption {
                                    key: key.clone(),
                                    label,
                                });
                        }
                    }
                    // Roles held but not grantable by this admin stay visible (and kept).
                    view! {
                        <form class="form" novalidate on:submit=submit>
                            <Field
                                label="Name"
                                name="name"
                                required=true
                                value=name
                                error=field("name")
                            />
                            <Field
                                label="Account email"
                                name="email"
                                kind="email"
                                required=true
                                hint=if activated {
                                    "After activation only an operator may change it: the user is signed out everywhere and both addresses are told."
                                } else {
                                    "Free to change while the user is Pending."
                                }
                                value=email
                                error=field("email")
                            />
                            <Show when=move || email_changes.get()>
                                <label class="check warning">
                                    <input
                                        type="checkbox"
                                        name="confirm_email_change"
                                        prop:checked=move || confirm_email.get()
                                        on:change=move |e| {
                                            confirm_email.set(event_target_checked(&e))
                                        }
                                    />
                                    "Change the account email: sign them out everywhere and tell both addresses"
                                </label>
                            </Show>
                            <ContactEmail same contact error=field("contact_email") />
                            <RolePicker
                                offered=Signal::stored(offered)
                                roles
                                error=field("roles")
                            />
                            <FormFoot
                                summary=Signal::derive(move || error().map(|e| e.summary()))
                                pending=action.pending()
                                on_close
                                label="Save changes"
                                working="Saving…"
                            />
                        </form>
                    }
                        .into_any()
                })}
            </Suspense>
        </Modal>
    }
}
