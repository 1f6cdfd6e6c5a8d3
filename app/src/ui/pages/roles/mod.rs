//! Roles (operators): what each role may do in Usher (the permission matrix) and in the business
//! applications (seed 000's matrix), and how many people hold it. New role, Edit (says whom it
//! affects and asks before saving) and Delete (only a role nobody holds; built-in roles stay).

mod dialog;

use crate::api::roles::{delete_role, list_roles, PermissionInfo, RoleRow};
use crate::ui::components::confirm::ConfirmButton;
use crate::ui::pages::{counted, error_notice, thousands, RowActions, RowFeedback};
use dialog::RoleDialog;
use leptos::prelude::*;
use leptos_meta::Title;

/// What the page opened a dialog for.
#[derive(Clone, Debug, PartialEq)]
enum Editing {
    New,
    Role(Box<RoleRow>),
}

#[component]
pub fn RolesPage() -> impl IntoView {
    let list = Resource::new(|| (), |_| list_roles());
    let actions = RowActions::<String>::new(move || list.refetch());
    let done = actions.done();
    let editing = RwSignal::new(None::<Editing>);
    view! {
        <Title text="Roles" />
        <div class="page-head">
            <h1>"Roles"</h1>
            <button
                type="button"
                class="button primary"
                on:click=move |_| editing.set(Some(Editing::New))
            >
                "New role"
            </button>
        </div>
        <p class="muted">
            "What each role may do in Usher and in the business applications. A change reaches everyone who holds the role at their next click."
        </p>
        <RowFeedback notice=actions.notice failure=actions.failure />
        <Transition fallback=|| {
            view! { <p class="page-loading">"Loading roles…"</p> }
        }>
            {move || Suspend::new(async move {
                let page = match list.await {
                    Ok(page) => page,
                    Err(error) => return error_notice(&error),
                };
                let permissions = StoredValue::new(page.permissions);
                view! {
                    <h2 class="section-title">"Usher permissions"</h2>
                    <p class="muted table-count">{counted(page.roles.len(), "role", "roles")}</p>
                    <div class="table-wrap card flush">
                        <table class="table roles">
                            <thead>
                                <tr>
                                    <th scope="col">"Role"</th>
                                    <th scope="col">"Held by"</th>
                                    {permissions
                                        .get_value()
                                        .into_iter()
                                        .map(|p| {
                                            view! {
                                                <th scope="col" class="perm" title=p.describe>
                                                    // May break after the dot: "Users." / "Manage".
                                                    {p.name.replace('.', ".\u{200B}")}
                                                </th>
                                            }
                                        })
                                        .collect_view()}
                                    <th scope="col">
                                        <span class="visually-hidden">"Actions"</span>
                                    </th>
                                </tr>
                            </thead>
                            <tbody>
                                {page
                                    .roles
                                    .iter()
                                    .cloned()
                                    .map(|row| role_row(row, permissions, editing, actions))
                                    .collect_view()}
                            </tbody>
                        </table>
                    </div>
                    <h2 class="section-title">"Business access"</h2>
                    <div class="table-wrap card flush">
                        <table class="table business">
                            <thead>
                                <tr>
                                    <th scope="col">"Role"</th>
                                    <th scope="col">"Trading"</th>
                                    <th scope="col">"Credit"</th>
                                    <th scope="col">"Admin"</th>
                                    <th scope="col">"Excel Add-in"</th>
                                </tr>
                            </thead>
                            <tbody>{page.roles.into_iter().map(business_row).collect_view()}</tbody>
                        </table>
                    </div>
                    {move || {
                        editing
                            .get()
                            .map(|what| {
                                let current = match what {
                                    Editing::New => None,
                                    Editing::Role(row) => Some(*row),
                                };
                                view! {
                                    <RoleDialog
                                        current
                                        permissions=permissions.get_value()
                                        on_close=Callback::new(move |_| editing.set(None))
                                        on_done=done
                                    />
                                }
                            })
                    }}
                }
                    .into_any()
            })}
        </Transition>
    }
}

fn role_row(
    row: RoleRow,
    permissions: StoredValue<Vec<PermissionInfo>>,
    editing: RwSignal<Option<Editing>>,
    actions: RowActions<String>,
) -> impl IntoView {
    let key = row.key.clone();
    let pending = actions.pending(key.clone());
    let question = format!(
        "Delete the role {}? Nobody holds it; invitations that are no longer pending forget it. The audit log keeps what it was.",
        row.name
    );
    let may_delete = !row.built_in && row.holders == 0;
    let for_edit = row.clone();
    let row_key = key.clone();
    view! {
        <tr data-key=row_key>
            <th scope="row" data-label="Role" class="strong">
                {row.name.clone()}
                {row.built_in.then(|| view! { <span class="chip">"Built in"</span> })}
                {(!row.description.is_empty())
                    .then(|| {
                        view! { <span class="role-description">{row.description.clone()}</span> }
                    })}
            </th>
            <td data-label="Held by">{counted(row.holders as usize, "person", "people")}</td>
            {permissions
                .get_value()
                .into_iter()
                .map(|p| {
                    let has = row.permissions.contains(&p.name);
                    view! {
                        <td data-label=p.name.clone() class="mark">
                            <span aria-hidden="true">{if has { "✓" } else { "—" }}</span>
                            <span class="visually-hidden">{if has { "Yes" } else { "No" }}</span>
                        </td>
                    }
                })
                .collect_view()}
            <td class="actions">
                <div class="row-actions">
                    {(!row.fixed)
                        .then(|| {
                            view! {
                                <button
                                    type="button"
                                    class="button small"
                                    aria-label=format!("Edit {}", row.name)
                                    on:click=move |_| {
                                        editing.set(Some(Editing::Role(Box::new(for_edit.clone()))))
                                    }
                                >
                                    "Edit"
                                </button>
                            }
                        })}
                    {may_delete
                        .then(|| {
                            view! {
                                <ConfirmButton
                                    label="Delete"
                                    question
                                    confirm_label="Delete role"
                                    on_confirm=Callback::new(move |_| {
                                        actions.run(key.clone(), delete_role(key.clone()))
                                    })
                                    pending
                                />
                            }
                        })}
                </div>
            </td>
        </tr>
    }
}

fn business_row(row: RoleRow) -> impl IntoView {
    view! {
        <tr>
            <th scope="row" data-label="Role" class="strong">
                {row.name}
            </th>
            <td data-label="Trading">{row.trading}</td>
            <td data-label="Credit">{row.credit}</td>
            <td data-label="Admin">{row.admin}</td>
            <td data-label="Excel Add-in">{row.excel_add_in}</td>
        </tr>
    }
}

/// "Held by 1,204 people": what Edit tells before it saves.
pub(super) fn affects(holders: u64) -> String {
    match holders {
        0 => "Nobody holds this role yet.".to_string(),
        1 => "1 person holds this role: they get the new access at their next click.".to_string(),
        n => format!(
            "{} people hold this role: they get the new access at their next click.",
            thousands(n)
        ),
    }
}
