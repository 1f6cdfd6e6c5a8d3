//! The directory's table: one page of rows with their status badges and menus, the selection,
//! sortable headers, the range line and the pager; phone cards share its rows.

use super::actions::{Asking, Changed, ConfirmDialog, RowMenu};
use super::bulk::BulkDialog;
use super::edit::EditUserDialog;
use crate::api::directory::{DirectoryPage, DirectoryRow};
use crate::api::invitations::InviteChoices;
use crate::api::AppError;
use crate::domain::order::{Order, Sort};
use crate::ui::components::pager::Pager;
use crate::ui::components::sort::SortHeader;
use crate::ui::pages::{encode, range_line};
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use std::collections::BTreeSet;
use uuid::Uuid;

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
    notice: RwSignal<Option<crate::ui::pages::Notice>>,
    options: Resource<Result<InviteChoices, AppError>>,
    /// The sort in the URL (`""` is by name) and how a column header changes it. A plain value:
    /// each new sort is a new page, and so a new table.
    sort: String,
    on_sort: Callback<String>,
    /// Shown with an empty result when the person has searched or filtered.
    on_clear: Option<Callback<()>>,
) -> impl IntoView {
    let rows = RwSignal::new(page.rows);
    let total = RwSignal::new(page.total);
    let offset = page.offset;
    let asking = Asking::new();
    let selected = RwSignal::new(BTreeSet::<Uuid>::new());
    let bulk_asking = RwSignal::new(None::<&'static str>);
    let on_changed = Callback::new(move |changed: Changed| {
        rows.update(|rows| match changed.row {
            Some(updated) => {
                if let Some(row) = rows.iter_mut().find(|r| r.id == changed.id) {
                    *row = updated;
                }
            }
            None => {
                rows.retain(|r| r.id != changed.id);
                total.update(|t| *t = t.saturating_sub(1));
            }
        });
        notice.set(Some(crate::ui::pages::Notice::from(changed.message)));
    });
    let navigate = use_navigate();
    // A click anywhere on a row opens it, unless it landed on something with its own job.
    let open = move |row: &DirectoryRow| {
        let href = row_href(row);
        let navigate = navigate.clone();
        move |event: leptos::ev::MouseEvent| {
            use leptos::wasm_bindgen::JsCast;
            let inside_control = event
                .target()
                .and_then(|t| t.dyn_into::<leptos::web_sys::Element>().ok())
                .and_then(|el| {
                    el.closest("a, button, input, label, [role=menu]")
                        .ok()
                        .flatten()
                })
                .is_some();
            if !inside_control {
                navigate(&href, Default::default());
            }
        }
    };
    let exact = page.total_exact;
    let count = move || {
        let shown = rows.with(|r| r.len()) as u64;
        range_line(offset, shown, total.get(), exact, "user", "users")
    };
    let next = page.next.clone();
    let selectable = move || {
        rows.with(|rows| {
            rows.iter()
                .filter(|r| r.can_edit)
                .map(|r| r.id)
                .collect::<Vec<_>>()
        })
    };
    let all_selected = move || {
        let ids = selectable();
        !ids.is_empty() && selected.with(|s| ids.iter().all(|id| s.contains(id)))
    };
    view! {
        <div
            class="bulk-bar"
            role="region"
            aria-label="Selected users"
            hidden=move || selected.with(|s| s.is_empty())
        >
            <span class="strong">{move || format!("{} selected", selected.with(|s| s.len()))}</span>
            <button
                type="button"
                class="button danger-ghost"
                on:click=move |_| bulk_asking.set(Some("deactivate"))
            >
                "Deactivate"
            </button>
            <button
                type="button"
                class="button"
                on:click=move |_| bulk_asking.set(Some("reactivate"))
            >
                "Reactivate"
            </button>
            <button
                type="button"
                class="button danger-ghost"
                on:click=move |_| bulk_asking.set(Some("delete"))
            >
                "Delete"
            </button>
            <button
                type="button"
                class="button ghost"
                on:click=move |_| selected.set(BTreeSet::new())
            >
                "Clear selection"
            </button>
        </div>
        <p class="muted table-count" aria-live="polite">
            {count}
        </p>
        <div class="empty-state card" hidden=move || !rows.with(Vec::is_empty)>
            <p class="strong">"No users match."</p>
            {on_clear
                .map(|clear| {
                    view! {
                        <p class="muted">"Nobody here matches this search and these filters."</p>
                        <button type="button" class="button" on:click=move |_| clear.run(())>
                            "Clear filters"
                        </button>
                    }
                })}
        </div>
        <div class="table-wrap card flush" hidden=move || rows.with(Vec::is_empty)>
            <table class="table directory">
                <thead>
                    <tr>
                        <th scope="col" class="select">
                            <input
                                type="checkbox"
                                aria-label="Select all on this page"
                                prop:checked=all_selected
                                on:change=move |e| {
                                    let on = event_target_checked(&e);
                                    let ids = selectable();
                                    selected
                                        .update(|s| {
                                            for id in ids {
                                                if on {
                                                    s.insert(id);
                                                } else {
                                                    s.remove(&id);
                                                }
                                            }
                                        });
                                }
                            />
                        </th>
                        <DirectoryHeader label="Name" column=Sort::Name sort=sort.clone() on_sort />
                        <DirectoryHeader
                            label="Email"
                            column=Sort::Email
                            sort=sort.clone()
                            on_sort
                        />
                        <th scope="col">"Entity"</th>
                        <th scope="col">"Roles"</th>
                        <th scope="col">"Status"</th>
                        <DirectoryHeader
                            label="Last sign-in"
                            column=Sort::LastSignIn
                            sort=sort.clone()
                            on_sort
                        />
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
                            <td class="select">
                                {row
                                    .can_edit
                                    .then(|| {
                                        let id = row.id;
                                        view! {
                                            <input
                                                type="checkbox"
                                                aria-label=format!("Select {}", row.name)
                                                prop:checked=move || selected.with(|s| s.contains(&id))
                                                on:change=move |e| {
                                                    let on = event_target_checked(&e);
                                                    selected
                                                        .update(|s| {
                                                            if on {
                                                                s.insert(id);
                                                            } else {
                                                                s.remove(&id);
                                                            }
                                                        });
                                                }
                                            />
                                        }
                                    })}
                            </td>
                            <td data-label="Name" class="strong">
                                <a href=row_href(&row)>{row.name.clone()}</a>
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
                            <td class="actions">
                                <RowMenu row=row.clone() asking on_changed />
                            </td>
                        </tr>
                    </For>
                </tbody>
            </table>
        </div>
        <Pager first next on_next on_previous />
        <ConfirmDialog asking on_changed />
        <BulkDialog asking=bulk_asking selected rows notice />
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

/// A column header that sorts the directory by its column: the first press sorts by it the
/// column's natural way (names A to Z, sign-ins newest first), the next the other way.
#[component]
fn DirectoryHeader(
    label: &'static str,
    column: Sort,
    sort: String,
    on_sort: Callback<String>,
) -> impl IntoView {
    let now = Order::parse(&sort);
    let active = now.by == column;
    let next = Order {
        by: column,
        reversed: active && !now.reversed,
    }
    .as_param();
    view! { <SortHeader label now=active.then(|| now.direction()) next on_sort /> }
}
