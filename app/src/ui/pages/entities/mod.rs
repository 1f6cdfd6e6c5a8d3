//! Entities (operators): every organisation with its people by status, pending invitations and
//! admins; New entity, Rename, Suspend (asks first) and Resume. Each name leads to the entity's
//! users, each count of invitations to its pending invitations, both filtered.

mod detail;
mod dialogs;

pub use detail::EntityPage;

use crate::api::entities::{list_entities, resume_entity, suspend_entity, EntityRow};
use crate::ui::components::confirm::ConfirmButton;
use crate::ui::components::modal::StatusBadge;
use crate::ui::pages::{counted, error_notice, thousands, RowActions, RowFeedback};
use dialogs::{NewEntityDialog, RenameDialog};
use leptos::prelude::*;
use leptos_meta::Title;
use uuid::Uuid;

/// "12 active · 3 pending · 1 deleted": the statuses someone is in, or "No users".
pub(super) fn people(row: &EntityRow) -> String {
    let parts: Vec<String> = [
        (row.active, "active"),
        (row.pending, "pending"),
        (row.inactive, "inactive"),
        (row.deleted, "deleted"),
    ]
    .into_iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, status)| format!("{} {status}", thousands(n)))
    .collect();
    if parts.is_empty() {
        "No users".to_string()
    } else {
        parts.join(" · ")
    }
}

/// What Suspend asks before it acts.
fn suspend_question(row: &EntityRow) -> String {
    let signed_in = row.active + row.pending;
    format!(
        "Suspend {}? Its {} cannot sign in until it is resumed, and anyone signed in now is signed out at once. Nothing is deleted.",
        row.name,
        counted(signed_in as usize, "active user", "active users"),
    )
}

#[component]
pub fn EntitiesPage() -> impl IntoView {
    let list = Resource::new(|| (), |_| list_entities());
    let actions = RowActions::<Uuid>::new(move || list.refetch());
    let done = actions.done();
    let creating = RwSignal::new(false);
    let renaming = RwSignal::new(None::<EntityRow>);
    view! {
        <Title text="Entities" />
        <div class="page-head">
            <h1>"Entities"</h1>
            <button type="button" class="button primary" on:click=move |_| creating.set(true)>
                "New entity"
            </button>
        </div>
        <RowFeedback notice=actions.notice failure=actions.failure />
        <Transition fallback=|| {
            view! { <p class="page-loading">"Loading entities…"</p> }
        }>
            {move || Suspend::new(async move {
                let rows = match list.await {
                    Ok(rows) => rows,
                    Err(error) => return error_notice(&error),
                };
                view! {
                    <p class="muted table-count">{counted(rows.len(), "entity", "entities")}</p>
                    <div class="table-wrap card flush">
                        <table class="table entities">
                            <thead>
                                <tr>
                                    <th scope="col">"Name"</th>
                                    <th scope="col">"Slug"</th>
                                    <th scope="col">"Status"</th>
                                    <th scope="col">"Users"</th>
                                    <th scope="col">"Pending invitations"</th>
                                    <th scope="col">"Admins"</th>
                                    <th scope="col">
                                        <span class="visually-hidden">"Actions"</span>
                                    </th>
                                </tr>
                            </thead>
                            <tbody>
                                {rows
                                    .into_iter()
                                    .map(|row| entity_row(row, actions, renaming))
                                    .collect_view()}
                            </tbody>
                        </table>
                    </div>
                }
                    .into_any()
            })}
        </Transition>
        <Show when=move || creating.get()>
            <NewEntityDialog on_close=Callback::new(move |_| creating.set(false)) on_done=done />
        </Show>
        {move || {
            renaming
                .get()
                .map(|row| {
                    view! {
                        <RenameDialog
                            id=row.id
                            current=row.name
                            on_close=Callback::new(move |_| renaming.set(None))
                            on_done=done
                        />
                    }
                })
        }}
    }
}

fn entity_row(
    row: EntityRow,
    actions: RowActions<Uuid>,
    renaming: RwSignal<Option<EntityRow>>,
) -> impl IntoView {
    let id = row.id;
    let suspended = !row.suspended.is_empty();
    let status = if suspended { "suspended" } else { "active" };
    let users_href = format!("/users?entity={id}");
    let invitations_href = format!("/invitations?entity={id}&status=pending");
    let for_rename = row.clone();
    view! {
        <tr data-slug=row.slug.clone()>
            <td data-label="Name" class="strong">
                <a href=format!("/entities/{id}")>{row.name.clone()}</a>
                {row.is_operator.then(|| view! { <span class="chip">"Operators"</span> })}
            </td>
            <td data-label="Slug">
                <code>{row.slug.clone()}</code>
            </td>
            <td data-label="Status" title=row.suspended.clone()>
                <StatusBadge status=status.to_string() />
            </td>
            <td data-label="Users">
                <a href=users_href>{people(&row)}</a>
            </td>
            <td data-label="Pending invitations">
                <a href=invitations_href>{thousands(row.pending_invitations)}</a>
            </td>
            <td data-label="Admins">{thousands(row.admins)}</td>
            <td class="actions">
                <div class="row-actions">
                    {entity_actions(
                        &row,
                        actions,
                        Callback::new(move |_| renaming.set(Some(for_rename.clone()))),
                        "button small",
                    )}
                </div>
            </td>
        </tr>
    }
}

/// Rename, and Suspend (asks first) or Resume; the operator entity is never suspended.
pub(super) fn entity_actions(
    row: &EntityRow,
    actions: RowActions<Uuid>,
    on_rename: Callback<()>,
    class: &'static str,
) -> impl IntoView {
    let id = row.id;
    let pending = actions.pending(id);
    let question = suspend_question(row);
    view! {
        <button type="button" class=class on:click=move |_| on_rename.run(())>
            "Rename"
        </button>
        {match (row.is_operator, !row.suspended.is_empty()) {
            (true, _) => ().into_any(),
            (false, true) => {
                view! {
                    <button
                        type="button"
                        class=class
                        disabled=move || pending.get()
                        on:click=move |_| actions.run(id, resume_entity(id))
                    >
                        "Resume"
                    </button>
                }
                    .into_any()
            }
            (false, false) => {
                view! {
                    <ConfirmButton
                        label="Suspend"
                        question
                        confirm_label="Suspend"
                        on_confirm=Callback::new(move |_| actions.run(id, suspend_entity(id)))
                        pending
                    />
                }
                    .into_any()
            }
        }}
    }
}
