//! What admins do to one user from a ⋮ menu or the user page: Edit, the status actions
//! (Deactivate, Reactivate, Delete, Restore), Reset password and Delete permanently. The ones
//! that take something away ask first, saying what happens.

use super::table::row_href;
use crate::api::directory::{change_user_status, DirectoryRow};
use crate::api::users::{purge_user, reset_user_password};
use crate::api::AppError;
use crate::ui::components::menu::{Menu, MenuButton};
use crate::ui::components::modal::{Modal, ModalActions};
use crate::ui::pages::go_to_sign_in_if_ended;
use leptos::prelude::*;
use leptos::task::spawn_local;
use uuid::Uuid;

/// The outcome of an action: the row as it is now (`None` once permanently deleted).
#[derive(Clone, Debug)]
pub struct Changed {
    pub id: Uuid,
    pub row: Option<DirectoryRow>,
    pub message: String,
}

/// Where a menu asks for confirmation or for the Edit dialog.
#[derive(Clone, Copy)]
pub struct Asking {
    pub confirm: RwSignal<Option<(DirectoryRow, String)>>,
    pub edit: RwSignal<Option<DirectoryRow>>,
}

impl Asking {
    pub fn new() -> Self {
        Self {
            confirm: RwSignal::new(None),
            edit: RwSignal::new(None),
        }
    }
}

pub fn action_label(action: &str) -> &'static str {
    match action {
        "deactivate" => "Deactivate",
        "reactivate" => "Reactivate",
        "delete" => "Delete",
        "restore" => "Restore",
        "reset_password" => "Reset password",
        "purge" => "Delete permanently",
        "edit" => "Edit",
        _ => "Unknown",
    }
}

/// Whether an action takes something away, and so asks first.
pub fn asks_first(action: &str) -> bool {
    matches!(action, "deactivate" | "delete" | "reset_password" | "purge")
}

/// Whether an action takes something away (shown in red). Reset password asks first too, but
/// it only sends a link: it is not styled like Delete.
pub fn is_destructive(action: &str) -> bool {
    matches!(action, "deactivate" | "delete" | "purge")
}

/// Every action this viewer may take on `row`, in menu order.
pub fn actions_of(row: &DirectoryRow) -> Vec<String> {
    let mut list = Vec::new();
    if row.can_edit {
        list.push("edit".to_string());
    }
    if row.can_reset_password {
        list.push("reset_password".to_string());
    }
    list.extend(row.actions.iter().cloned());
    if row.can_purge {
        list.push("purge".to_string());
    }
    list
}

fn done_message(row: &DirectoryRow, action: &str) -> String {
    let who = &row.name;
    match action {
        "deactivate" => format!("{who} was deactivated and signed out everywhere."),
        "reactivate" => format!("{who} was reactivated and can sign in again."),
        "delete" => format!("{who} was deleted and signed out everywhere."),
        "restore" => format!("{who} was restored as Inactive. Reactivate to let them sign in."),
        "reset_password" => {
            format!("{who} was signed out everywhere and sent a link to choose a new password.")
        }
        "purge" => format!("{who} was deleted permanently."),
        _ => String::new(),
    }
}

fn question(row: &DirectoryRow, action: &str) -> String {
    let who = format!("{} ({})", row.name, row.email);
    match action {
        "delete" => format!("Delete {who}? They are signed out at once and hidden from the directory; their history is kept and an operator can restore them. Their open orders and credit requests are not cancelled."),
        "reset_password" => format!("Reset the password of {who}? Their current password stops working, they are signed out everywhere, and they get an email with a link (valid one hour) to choose a new one."),
        "purge" => format!("Delete {who} permanently? Their password, sessions and roles are removed and the external directory is told. Their name stays on past records. This cannot be undone."),
        _ => format!("Deactivate {who}? They are signed out at once and cannot sign in until reactivated."),
    }
}

/// Runs `action` on `row` as of the version shown.
pub fn run_action(
    row: DirectoryRow,
    action: String,
    typed_email: String,
    busy: RwSignal<bool>,
    on_changed: Callback<Changed>,
    on_error: Callback<String>,
) {
    busy.set(true);
    spawn_local(async move {
        let result: Result<Option<DirectoryRow>, AppError> = match action.as_str() {
            "reset_password" => reset_user_password(row.id, row.version).await.map(Some),
            "purge" => purge_user(row.id, typed_email).await.map(|_| None),
            _ => change_user_status(row.id, action.clone(), row.status.clone())
                .await
                .map(Some),
        };
        busy.set(false);
        match result {
            Ok(updated) => on_changed.run(Changed {
                id: row.id,
                row: updated,
                message: done_message(&row, &action),
            }),
            Err(error) => {
                go_to_sign_in_if_ended(&error);
                on_error.run(
                    error
                        .field("typed_email")
                        .unwrap_or_else(|| error.to_string()),
                );
            }
        }
    });
}

/// Starts `action` from a menu or a button: Edit opens its dialog, the rest ask first or run.
pub fn start(
    row: &DirectoryRow,
    action: &str,
    asking: Asking,
    busy: RwSignal<bool>,
    on_changed: Callback<Changed>,
    on_error: Callback<String>,
) {
    if action == "edit" {
        asking.edit.set(Some(row.clone()));
    } else if asks_first(action) {
        asking.confirm.set(Some((row.clone(), action.to_string())));
    } else {
        run_action(
            row.clone(),
            action.to_string(),
            String::new(),
            busy,
            on_changed,
            on_error,
        );
    }
}

/// The ⋮ menu of one row: Open, then the actions this viewer may take now.
#[component]
pub fn RowMenu(row: DirectoryRow, asking: Asking, on_changed: Callback<Changed>) -> impl IntoView {
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let menu = Menu::new();
    let label = format!("Actions for {}", row.name);
    let id = format!("menu-{}", row.id);
    let href = row_href(&row);
    let items = actions_of(&row)
        .into_iter()
        .map(|action| {
            let row = row.clone();
            let danger = is_destructive(&action);
            view! {
                <button
                    type="button"
                    role="menuitem"
                    tabindex="-1"
                    class=if danger { "menu-item danger" } else { "menu-item" }
                    disabled=move || busy.get()
                    on:click=move |_| {
                        menu.close();
                        error.set(None);
                        start(
                            &row,
                            &action,
                            asking,
                            busy,
                            on_changed,
                            Callback::new(move |m| error.set(Some(m))),
                        );
                    }
                >
                    {action_label(&action)}
                </button>
            }
        })
        .collect_view();
    view! {
        <div class="menu">
            <MenuButton menu id label>
                <a class="menu-item" role="menuitem" tabindex="-1" href=href>
                    "Open"
                </a>
                {items}
            </MenuButton>
            <p class="field-error" role="alert">
                {move || error.get()}
            </p>
        </div>
    }
}

/// Asks before an action that takes something away; Delete permanently also wants the email
/// typed.
#[component]
pub fn ConfirmDialog(asking: Asking, on_changed: Callback<Changed>) -> impl IntoView {
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let typed = RwSignal::new(String::new());
    let close = Callback::new(move |_| {
        asking.confirm.set(None);
        error.set(None);
        typed.set(String::new());
    });
    view! {
        <Show when=move || {
            asking.confirm.get().is_some()
        }>
            {move || {
                let (row, action) = asking.confirm.get()?;
                let title = match action.as_str() {
                    "delete" => "Delete user",
                    "reset_password" => "Reset password",
                    "purge" => "Delete permanently",
                    _ => "Deactivate user",
                };
                let label = action_label(&action);
                let purge = action == "purge";
                let button_class = if is_destructive(&action) {
                    "button danger"
                } else {
                    "button primary"
                };
                let email = row.email.clone();
                let text = question(&row, &action);
                let confirm = move |_| {
                    run_action(
                        row.clone(),
                        action.clone(),
                        typed.get_untracked(),
                        busy,
                        Callback::new(move |done| {
                            close.run(());
                            on_changed.run(done);
                        }),
                        Callback::new(move |message| error.set(Some(message))),
                    );
                };
                Some(
                    view! {
                        <Modal title on_close=close>
                            <p>{text}</p>
                            {purge
                                .then(|| {
                                    view! {
                                        <div class="field">
                                            <label for="typed_email">
                                                {format!("Type {email} to confirm")}
                                            </label>
                                            <input
                                                id="typed_email"
                                                name="typed_email"
                                                autocomplete="off"
                                                prop:value=move || typed.get()
                                                on:input=move |e| typed.set(event_target_value(&e))
                                            />
                                        </div>
                                    }
                                })}
                            <p class="form-error" role="alert">
                                {move || error.get()}
                            </p>
                            <ModalActions on_close=close>
                                <button
                                    type="button"
                                    class=button_class
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
