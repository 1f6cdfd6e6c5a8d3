use super::actions::{Asking, Changed, ConfirmDialog, RowMenu};
use super::form::EditUserDialog;
use crate::api::directory::{DirectoryPage, DirectoryRow};
use crate::api::invitations::InviteChoices;
use crate::api::AppError;
use crate::ui::pages::invitations::encode;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

/// The label of a status, as the seeds write it.
pub fn status_label(status: &str) -> &'static str {
    match status {
        "active" => "Active",
        "pending" => "Pending",
        "inactive" => "Inactive",
        "deleted" => "Deleted",
        _ => "Unknown",
    }
}

/// Where a row leads: a user's page, or an invitation in the Invitations table.
pub fn row_href(row: &DirectoryRow) -> String {
    if row.is_user {
        format!("/users/{}", row.id)
    } else {
        format!("/invitations?q={}", encode(&row.email))
    }
}

#[component]
pub fn DirectoryTable(
    page: DirectoryPage,
    #[prop(into)] first: Signal<bool>,
    on_next: Callback<String>,
    on_previous: Callback<()>,
    notice: RwSignal<Option<String>>,
    options: Resource<Result<InviteChoices, AppError>>,
) -> impl IntoView {
    let rows = RwSignal::new(page.rows);
    let asking = Asking::new();
    let on_changed = Callback::new(move |changed: Changed| {
        rows.update(|rows| match changed.row {
            Some(updated) => {
                if let Some(row) = rows.iter_mut().find(|r| r.id == changed.id) {
                    *row = updated;
                }
            }
            None => rows.retain(|r| r.id != changed.id),
        });
        notice.set(Some(changed.message));
    });
    let navigate = use_navigate();
    let open = move |row: &DirectoryRow| {
        let href = row_href(row);
        let navigate = navigate.clone();
        move |_| navigate(&href, Default::default())
    };
    let (total, exact) = (page.total, page.total_exact);
    let count = move || {
        let shown = rows.with(|r| r.len());
        match (total, exact) {
            (0, _) => "No users match.".to_string(),
            (1, true) => "1 user".to_string(),
            (n, true) => format!("Showing {shown} of {n} users"),
            (n, false) => format!("Showing {shown} of more than {n} users"),
        }
    };
    let next = page.next.clone();
    view! {
        <p class="muted table-count" aria-live="polite">
            {count}
        </p>
        <div class="table-wrap card flush">
            <table class="table directory">
                <thead>
                    <tr>
                        <th scope="col">"Name"</th>
                        <th scope="col">"Email"</th>
                        <th scope="col">"Entity"</th>
                        <th scope="col">"Roles"</th>
                        <th scope="col">"Status"</th>
                        <th scope="col">"Last sign-in"</th>
                        <th scope="col">
                            <span class="visually-hidden">"Actions"</span>
                        </th>
                    </tr>
                </thead>
                <tbody>
                    <For
                        each=move || rows.get()
                        key=|r| (r.id, r.version, r.status.clone())
                        let:row
                    >
                        <tr class="clickable" data-email=row.email.clone() on:click=open(&row)>
                            <td data-label="Name" class="strong">
                                <a href=row_href(&row) on:click=|e| e.stop_propagation()>
                                    {row.name.clone()}
                                </a>
                            </td>
                            <td data-label="Email">{row.email.clone()}</td>
                            <td data-label="Entity">{row.entity_name.clone()}</td>
                            <td data-label="Roles">
                                {row
                                    .roles
                                    .iter()
                                    .map(|r| view! { <span class="chip">{r.clone()}</span> })
                                    .collect_view()}
                            </td>
                            <td data-label="Status">
                                <span class=format!(
                                    "badge {}",
                                    row.status,
                                )>{status_label(&row.status)}</span>
                            </td>
                            <td data-label="Last sign-in" title=row.last_sign_in_exact.clone()>
                                {if row.last_sign_in.is_empty() {
                                    "Never".to_string()
                                } else {
                                    row.last_sign_in.clone()
                                }}
                            </td>
                            <td class="actions" on:click=|e| e.stop_propagation()>
                                <RowMenu row=row.clone() asking on_changed />
                            </td>
                        </tr>
                    </For>
                </tbody>
            </table>
        </div>
        <nav class="pager" aria-label="Pages">
            <button
                type="button"
                class="button"
                disabled=move || first.get()
                on:click=move |_| on_previous.run(())
            >
                "Previous"
            </button>
            <button
                type="button"
                class="button"
                disabled=next.is_none()
                on:click=move |_| {
                    if let Some(next) = next.clone() {
                        on_next.run(next);
                    }
                }
            >
                "Next"
            </button>
        </nav>
        <ConfirmDialog asking on_changed />
        <Show when=move || {
            asking.edit.get().is_some()
        }>
            {move || {
                asking
                    .edit
                    .get()
                    .map(|row| {
                        view! {
                            <EditUserDialog
                                row
                                options
                                on_close=Callback::new(move |_| asking.edit.set(None))
                                on_saved=Callback::new(move |
                                    (saved, message): (DirectoryRow, String)|
                                {
                                    on_changed
                                        .run(Changed {
                                            id: saved.id,
                                            row: Some(saved),
                                            message,
                                        })
                                })
                            />
                        }
                    })
            }}
        </Show>
    }
}
