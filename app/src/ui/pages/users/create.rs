//! Create User: the dialog, and the temporary password shown once.

use crate::api::invitations::InviteChoices;
use crate::api::users::{CreateUser, NewUserForm};
use crate::api::AppError;
use crate::ui::components::choices::{offered_roles, EntitySelect, RolePicker};
use crate::ui::components::field::Field;
use crate::ui::components::modal::{FormFoot, Modal};
use leptos::prelude::*;

use super::form::ContactEmail;

#[component]
pub fn CreateUserDialog(
    options: Resource<Result<InviteChoices, AppError>>,
    on_close: Callback<()>,
    on_done: Callback<String>,
) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let same = RwSignal::new(true);
    let contact = RwSignal::new(String::new());
    let entity = RwSignal::new(String::new());
    let roles = RwSignal::new(Vec::<String>::new());
    let access = RwSignal::new("email".to_string());
    let action = ServerAction::<CreateUser>::new();
    let error = move || action.value().get().and_then(Result::err);
    let field =
        move |name: &'static str| Signal::derive(move || error().and_then(|e| e.field(name)));
    let created = move || action.value().get().and_then(Result::ok);
    Effect::new(move |_| {
        if let Some(user) = created() {
            if user.temporary_password.is_none() {
                on_done.run(if user.mailed {
                    format!(
                        "{} was created. A set-password email is on its way.",
                        user.name
                    )
                } else {
                    format!(
                        "{} was created. They sign in through single sign-on.",
                        user.name
                    )
                });
                on_close.run(());
            }
        }
    });
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        action.dispatch(CreateUser {
            form: NewUserForm {
                name: name.get_untracked(),
                email: email.get_untracked(),
                contact_email: contact.get_untracked(),
                same_as_account: same.get_untracked(),
                entity: entity.get_untracked(),
                roles: roles.get_untracked(),
                access: access.get_untracked(),
            },
        });
    };
    let ways = [
        ("email", "Send a set-password email"),
        (
            "temporary",
            "Temporary password (shown once; they change it at first sign-in)",
        ),
    ];
    view! {
        <Modal title="Create User" on_close>
            {move || {
                created()
                    .and_then(|user| {
                        let password = user.temporary_password.clone()?;
                        Some(
                            view! {
                                <div class="notice success" role="status">
                                    <p>
                                        {format!(
                                            "{} was created. Give them this temporary password; it is shown only now, and they must change it at first sign-in:",
                                            user.name,
                                        )}
                                    </p>
                                    <p class="secret mono" aria-label="Temporary password">
                                        {password}
                                    </p>
                                </div>
                                <div class="modal-actions">
                                    <button
                                        type="button"
                                        class="button primary"
                                        on:click=move |_| {
                                            on_done.run(format!("{} was created.", user.name));
                                            on_close.run(());
                                        }
                                    >
                                        "Done"
                                    </button>
                                </div>
                            },
                        )
                    })
            }}
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
                    let choose = options.choose_entity;
                    let entities = StoredValue::new(options.entities.clone());
                    if !choose {
                        if let Some(own) = options.entities.first() {
                            entity.set(own.id.to_string());
                        }
                    }
                    let offered = offered_roles(entities, entity);
                    view! {
                        <form
                            class="form"
                            novalidate
                            on:submit=submit
                            hidden=move || created().is_some_and(|u| u.temporary_password.is_some())
                        >
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
                                hint="They sign in with it; unique across the platform."
                                value=email
                                error=field("email")
                            />
                            <ContactEmail same contact error=field("contact_email") />
                            {choose
                                .then(|| {
                                    view! { <EntitySelect entities entity error=field("entity") /> }
                                })}
                            <RolePicker offered roles error=field("roles") />
                            <fieldset
                                class="field"
                                class:has-error=move || field("access").get().is_some()
                            >
                                <legend>"How they sign in"</legend>
                                {ways
                                    .into_iter()
                                    .map(|(value, label)| {
                                        view! {
                                            <label class="check">
                                                <input
                                                    type="radio"
                                                    name="access"
                                                    value=value
                                                    prop:checked=move || access.get() == value
                                                    on:change=move |_| access.set(value.to_string())
                                                />
                                                {label}
                                            </label>
                                        }
                                    })
                                    .collect_view()}
                                <p class="field-error">{move || field("access").get()}</p>
                            </fieldset>
                            <FormFoot
                                summary=Signal::derive(move || error().map(|e| e.summary()))
                                pending=action.pending()
                                on_close
                                label="Create User"
                                working="Creating…"
                            />
                        </form>
                    }
                        .into_any()
                })}
            </Suspense>
        </Modal>
    }
}
