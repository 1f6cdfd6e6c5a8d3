//! The status actions (Deactivate, Reactivate, Delete, Restore): the ⋮ menu of a directory row
//! and the confirmation dialog the ones that take access away ask through.

use super::table::row_href;
use crate::api::directory::{change_user_status, DirectoryRow};
use crate::ui::components::modal::{Modal, ModalActions};
use crate::ui::pages::go_to_sign_in_if_ended;
use leptos::prelude::*;
use leptos::task::spawn_local;

pub fn action_label(action: &str) -> &'static str {
    match action {
        "deactivate" => "Deactivate",
        "reactivate" => "Reactivate",
        "delete" => "Delete",
        "restore" => "Restore",
        _ => "Unknown",
    }
}

/// Whether an action takes access away, and so asks first.
pub fn asks_first(action: &str) -> bool {
    matches!(action, "deactivate" | "delete")
}

fn done_message(row: &DirectoryRow, action: &str) -> String {
    let who = &row.name;
    match action {
        "deactivate" => format!("{who} was deactivated and signed out everywhere."),
        "reactivate" => format!("{who} was reactivated and can sign in again."),
        "delete" => format!("{who} was deleted and signed out everywhere."),
        "restore" => format!("{who} was restored as Inactive. Reactivate to let them sign in."),
        _ => String::new(),
    }
}

/// Runs `action` on `row` as of the version shown; `on_changed` gets the updated row and a
/// message, `on_error` the reason it did not happen.
pub fn run_action(
    row: DirectoryRow,
    action: String,
    busy: RwSignal<bool>,
    on_changed: Callback<(DirectoryRow, String)>,
    on_error: Callback<String>,
) {
    busy.set(true);
    spawn_local(async move {
        let result = change_user_status(row.id, action.clone(), row.version).await;
        busy.set(false);
        match result {
            Ok(updated) => on_changed.run((updated, done_message(&row, &action))),
            Err(error) => {
                go_to_sign_in_if_ended(&error);
                on_error.run(error.to_string());
            }
        }
    });
}

/// The ⋮ menu of one row: Open, then the actions this viewer may take now.
#[component]
pub fn RowMenu(
    row: DirectoryRow,
    asking: RwSignal<Option<(DirectoryRow, String)>>,
    on_changed: Callback<(DirectoryRow, String)>,
) -> impl IntoView {
    let open = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let label = format!("Actions for {}", row.name);
    let href = row_href(&row);
    let items = row
        .actions
        .iter()
        .map(|action| {
            let action = action.clone();
            let row = row.clone();
            let text = action_label(&action);
            view! {
                <button
                    type="button"
                    role="menuitem"
                    class=if asks_first(&action) { "menu-item danger" } else { "menu-item" }
                    disabled=move || busy.get()
                    on:click=move |_| {
                        open.set(false);
                        error.set(None);
                        if asks_first(&action) {
                            asking.set(Some((row.clone(), action.clone())));
                        } else {
                            run_action(
                                row.clone(),
                                action.clone(),
                                busy,
                                on_changed,
                                Callback::new(move |message| error.set(Some(message))),
                            );
                        }
                    }
                >
                    {text}
                </button>
            }
        })
        .collect_view();
    view! {
        <div
            class="menu"
            on:keydown=move |e| {
                if e.key() == "Escape" {
                    open.set(false);
                }
            }
        >
            <button
                type="button"
                class="button ghost icon"
                aria-haspopup="menu"
                aria-expanded=move || open.get().to_string()
                aria-label=label.clone()
                title=label
                on:click=move |_| open.update(|o| *o = !*o)
            >
                "⋮"
            </button>
            <div class="menu-list" role="menu" hidden=move || !open.get()>
                <a class="menu-item" role="menuitem" href=href>
                    "Open"
                </a>
                {items}
            </div>
            <p class="field-error" role="alert">
                {move || error.get()}
            </p>
        </div>
    }
}

/// Asks before Deactivate or Delete, saying what happens to the person.
#[component]
pub fn StatusDialog(
    asking: RwSignal<Option<(DirectoryRow, String)>>,
    on_changed: Callback<(DirectoryRow, String)>,
) -> impl IntoView {
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let close = Callback::new(move |_| {
        asking.set(None);
        error.set(None);
    });
    view! {
        <Show when=move || asking.get().is_some()>
            {move || {
                let (row, action) = asking.get()?;
                let title = if action == "delete" { "Delete user" } else { "Deactivate user" };
                let label = action_label(&action);
                let question = if action == "delete" {
                    format!(
                        "Delete {} ({})? They are signed out at once and hidden from the directory; their history is kept and an operator can restore them. Their open orders and credit requests are not cancelled.",
                        row.name,
                        row.email,
                    )
                } else {
                    format!(
                        "Deactivate {} ({})? They are signed out at once and cannot sign in until reactivated.",
                        row.name,
                        row.email,
                    )
                };
                let confirm = move |_| {
                    run_action(
                        row.clone(),
                        action.clone(),
                        busy,
                        Callback::new(move |done| {
                            asking.set(None);
                            on_changed.run(done);
                        }),
                        Callback::new(move |message| error.set(Some(message))),
                    );
                };
                Some(
                    view! {
                        <Modal title on_close=close>
                            <p>{question}</p>
                            <p class="form-error" role="alert">
                                {move || error.get()}
                            </p>
                            <ModalActions on_close=close>
                                <button
                                    type="button"
                                    class="button danger"
                                    disabled=move || busy.get()
                                    on:click=confirm.clone()
                                >
                                    {label}
                                </button>
                            </ModalActions>
                        </Modal>
                    },
                )
            }}
        </Show>
    }
}
