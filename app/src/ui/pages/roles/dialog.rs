//! New role and Edit: name, description, the Usher permissions it carries and its business
//! access. The server checks every field, its errors stand next to the field, and what was typed
//! stays. Editing a role someone holds says how many and asks before saving.

use super::affects;
use crate::api::roles::{CreateRole, PermissionInfo, RoleInput, RoleRow, UpdateRole};
use crate::ui::components::field::Field;
use crate::ui::components::modal::{form_action, FormFoot, Modal};
use leptos::prelude::*;

#[component]
pub fn RoleDialog(
    current: Option<RoleRow>,
    permissions: Vec<PermissionInfo>,
    on_close: Callback<()>,
    on_done: Callback<String>,
) -> impl IntoView {
    let editing = current.is_some();
    let start = current.clone().unwrap_or_else(|| RoleRow {
        trading: "No".into(),
        credit: "No".into(),
        admin: "No".into(),
        excel_add_in: "No".into(),
        ..RoleRow::default()
    });
    let holders = start.holders;
    let key = start.key.clone();
    let name = RwSignal::new(start.name);
    let description = RwSignal::new(start.description);
    let chosen = RwSignal::new(start.permissions);
    let trading = RwSignal::new(start.trading);
    let credit = RwSignal::new(start.credit);
    let admin = RwSignal::new(start.admin);
    let excel = RwSignal::new(start.excel_add_in);
    let create = ServerAction::<CreateRole>::new();
    let update = ServerAction::<UpdateRole>::new();
    let (create_field, create_summary) = form_action(create, on_close, on_done);
    let (update_field, update_summary) = form_action(update, on_close, on_done);
    let field = move |f: &'static str| {
        if editing {
            update_field(f)
        } else {
            create_field(f)
        }
    };
    let summary = if editing {
        update_summary
    } else {
        create_summary
    };
    let pending = Signal::derive(move || {
        if editing {
            update.pending().get()
        } else {
            create.pending().get()
        }
    });
    // Saving a role people hold asks once more, saying how many it affects.
    let asked = RwSignal::new(false);
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let role = RoleInput {
            name: name.get_untracked(),
            description: description.get_untracked(),
            permissions: chosen.get_untracked(),
            trading: trading.get_untracked(),
            credit: credit.get_untracked(),
            admin: admin.get_untracked(),
            excel_add_in: excel.get_untracked(),
        };
        if !editing {
            create.dispatch(CreateRole { role });
        } else if holders > 0 && !asked.get_untracked() {
            asked.set(true);
        } else {
            update.dispatch(UpdateRole {
                key: key.clone(),
                role,
            });
        }
    };
    let offered: Vec<PermissionInfo> = permissions
        .into_iter()
        .filter(|p| !p.operator_only)
        .collect();
    let permissions_error = field("permissions");
    view! {
        <Modal title=if editing { "Edit role" } else { "New role" } on_close>
            <form class="form" novalidate on:submit=submit>
                {editing.then(|| view! { <p class="muted">{affects(holders)}</p> })}
                <Field label="Name" name="name" required=true value=name error=field("name") />
                <Field
                    label="Description"
                    name="description"
                    hint="Optional: what the role is for."
                    value=description
                    error=field("description")
                />
                <fieldset
                    class="field roles"
                    class:has-error=move || permissions_error.get().is_some()
                    aria-describedby="permissions-error"
                >
                    <legend>"Usher permissions"</legend>
                    {offered.into_iter().map(|p| permission_check(p, chosen)).collect_view()}
                    <p class="field-error" id="permissions-error">
                        {move || permissions_error.get()}
                    </p>
                </fieldset>
                <Field label="Trading" name="trading" value=trading error=field("trading") />
                <Field label="Credit" name="credit" value=credit error=field("credit") />
                <Field label="Admin" name="admin" value=admin error=field("admin") />
                <Field
                    label="Excel Add-in"
                    name="excel_add_in"
                    value=excel
                    error=field("excel_add_in")
                />
                <p class="notice warning" role="alert" hidden=move || !asked.get()>
                    {format!("Save anyway? {}", affects(holders))}
                </p>
                <FormFoot
                    summary
                    pending
                    on_close
                    label=if editing { "Save" } else { "Create role" }
                    working="Saving…"
                />
            </form>
        </Modal>
    }
}

fn permission_check(p: PermissionInfo, chosen: RwSignal<Vec<String>>) -> impl IntoView {
    let name = p.name.clone();
    let checked = name.clone();
    view! {
        <label class="check">
            <input
                type="checkbox"
                name="permissions"
                value=name.clone()
                prop:checked=move || chosen.with(|c| c.contains(&checked))
                on:change=move |e| {
                    let on = event_target_checked(&e);
                    let name = name.clone();
                    chosen
                        .update(|c| {
                            c.retain(|k| *k != name);
                            if on {
                                c.push(name);
                            }
                        });
                }
            />
            <span>
                <strong>{p.name}</strong>
                " — "
                {p.describe}
            </span>
        </label>
    }
}
