use crate::api::invitations::{resend_invitation, InviteChoices, InviteResult, InviteUser};
use crate::api::AppError;
use crate::ui::components::choices::{offered_roles, EntitySelect, RolePicker};
use crate::ui::components::field::Field;
use crate::ui::components::modal::{FormFoot, Modal};
use leptos::prelude::*;
use leptos::task::spawn_local;

/// Invite User: email, entity (operators), roles. Errors stand next to their fields and what was
/// typed stays; an email with a pending invitation offers Resend instead of a duplicate.
#[component]
pub fn InviteDialog(
    options: Resource<Result<InviteChoices, AppError>>,
    on_close: Callback<()>,
    on_done: Callback<String>,
) -> impl IntoView {
    let email = RwSignal::new(String::new());
    let entity = RwSignal::new(String::new());
    let roles = RwSignal::new(Vec::<String>::new());
    let action = ServerAction::<InviteUser>::new();
    let resending = RwSignal::new(false);
    let resend_error = RwSignal::new(None::<String>);
    let error = move || action.value().get().and_then(Result::err);
    let field =
        move |name: &'static str| Signal::derive(move || error().and_then(|e| e.field(name)));
    let already = move || match action.value().get() {
        Some(Ok(InviteResult::AlreadyPending(row))) => Some(row),
        _ => None,
    };
    Effect::new(move |_| {
        if let Some(Ok(InviteResult::Invited(row))) = action.value().get() {
            on_done.run(format!("Invitation sent to {}.", row.email));
            on_close.run(());
        }
    });
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        action.dispatch(InviteUser {
            email: email.get_untracked(),
            entity: entity.get_untracked(),
            roles: roles.get_untracked(),
        });
    };
    view! {
        <Modal title="Invite User" on_close>
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
                    // The roles on offer depend on the entity (Operator only in the operator entity).
                    view! {
                        <form class="form" novalidate on:submit=submit>
                            <Field
                                label="Email"
                                name="email"
                                kind="email"
                                autocomplete="off"
                                required=true
                                value=email
                                error=field("email")
                            />
                            {choose
                                .then(|| {
                                    view! { <EntitySelect entities entity error=field("entity") /> }
                                })}
                            <RolePicker offered roles error=field("roles") />
                            {move || {
                                already()
                                    .map(|row| {
                                        let id = row.id;
                                        view! {
                                            <div class="notice warning" role="status">
                                                <p>
                                                    {format!(
                                                        "{} already has a {} invitation to {} (sent {}). Resend it instead of inviting again?",
                                                        row.email,
                                                        row.status,
                                                        row.entity_name,
                                                        row.last_sent,
                                                    )}
                                                </p>
                                                <button
                                                    type="button"
                                                    class="button primary"
                                                    disabled=move || resending.get()
                                                    on:click=move |_| {
                                                        resending.set(true);
                                                        spawn_local(async move {
                                                            let result = resend_invitation(id).await;
                                                            resending.set(false);
                                                            match result {
                                                                Ok(row) => {
                                                                    on_done.run(format!("Invitation resent to {}.", row.email));
                                                                    on_close.run(());
                                                                }
                                                                Err(e) => resend_error.set(Some(e.to_string())),
                                                            }
                                                        });
                                                    }
                                                >
                                                    "Resend"
                                                </button>
                                                <p class="field-error" role="alert">
                                                    {move || resend_error.get()}
                                                </p>
                                            </div>
                                        }
                                    })
                            }}
                            <FormFoot
                                summary=Signal::derive(move || error().map(|e| e.summary()))
                                pending=action.pending()
                                on_close
                                label="Send invitation"
                                working="Sending…"
                            />
                        </form>
                    }
                        .into_any()
                })}
            </Suspense>
        </Modal>
    }
}
