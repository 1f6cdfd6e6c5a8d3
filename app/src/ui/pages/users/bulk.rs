//! Actions on the selected rows of the directory: Deactivate, Reactivate or Delete them at
//! once, asked first, with a notice naming each user left unchanged and why.

use super::actions::action_label;
use crate::api::directory::{bulk_change_status, DirectoryRow, Seen};
use crate::ui::components::modal::{Modal, ModalActions};
use crate::ui::pages::{counted, go_to_sign_in_if_ended, Notice};
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::collections::BTreeSet;
use uuid::Uuid;

/// Asks before a bulk action, runs it, and reports what changed and what did not.
#[component]
pub fn BulkDialog(
    asking: RwSignal<Option<&'static str>>,
    selected: RwSignal<BTreeSet<Uuid>>,
    rows: RwSignal<Vec<DirectoryRow>>,
    notice: RwSignal<Option<Notice>>,
) -> impl IntoView {
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let close = Callback::new(move |_| {
        asking.set(None);
        error.set(None);
    });
    let run = move |action: &'static str| {
        let users: Vec<Seen> = rows.with_untracked(|rows| {
            rows.iter()
                .filter(|r| selected.with_untracked(|s| s.contains(&r.id)))
                .map(|r| Seen {
                    id: r.id,
                    status: r.status.clone(),
                })
                .collect()
        });
        busy.set(true);
        spawn_local(async move {
            let result = bulk_change_status(action.to_string(), users).await;
            busy.set(false);
            match result {
                Ok(outcome) => {
                    let changed = outcome.changed.len();
                    rows.update(|rows| {
                        for updated in outcome.changed {
                            if let Some(row) = rows.iter_mut().find(|r| r.id == updated.id) {
                                *row = updated;
                            }
                        }
                    });
                    let done = match action {
                        "delete" => "Deleted",
                        "deactivate" => "Deactivated",
                        _ => "Reactivated",
                    };
                    // Each user left as they were, by name, with the reason.
                    let failed: Vec<String> = outcome
                        .failed
                        .iter()
                        .map(|(id, reason)| {
                            let who = rows.with_untracked(|rows| {
                                rows.iter().find(|r| r.id == *id).map(|r| r.name.clone())
                            });
                            format!("{}: {reason}", who.unwrap_or_else(|| "A user".into()))
                        })
                        .collect();
                    let mut text = format!("{done} {}.", counted(changed, "user", "users"));
                    if !failed.is_empty() {
                        text.push_str(&format!(
                            " {} not changed. {}",
                            counted(failed.len(), "user was", "users were"),
                            failed.join(" ")
                        ));
                    }
                    selected.set(BTreeSet::new());
                    notice.set(Some(Notice {
                        warning: !failed.is_empty(),
                        text,
                    }));
                    close.run(());
                }
                Err(e) => {
                    go_to_sign_in_if_ended(&e);
                    error.set(Some(e.to_string()));
                }
            }
        });
    };
    view! {
        <Show when=move || {
            asking.get().is_some()
        }>
            {move || {
                let action = asking.get()?;
                let count = counted(selected.with(|s| s.len()), "user", "users");
                let label = action_label(action);
                let question = match action {
                    "delete" => {
                        format!(
                            "Delete {count}? They are signed out at once and hidden from the directory; an operator can restore them. Their open orders and credit requests are not cancelled.",
                        )
                    }
                    "deactivate" => {
                        format!(
                            "Deactivate {count}? They are signed out at once and cannot sign in until reactivated.",
                        )
                    }
                    _ => format!("Reactivate {count}? They can sign in again."),
                };
                Some(
                    view! {
                        <Modal title="Selected users" on_close=close>
                            <p>{question}</p>
                            <p class="form-error" role="alert">
                                {move || error.get()}
                            </p>
                            <ModalActions on_close=close>
                                <button
                                    type="button"
                                    class=if action == "reactivate" {
                                        "button primary"
                                    } else {
                                        "button danger"
                                    }
                                    disabled=move || busy.get()
                                    on:click=move |_| run(action)
                                >
                                    {move || if busy.get() { "Working…" } else { label }}
                                </button>
                            </ModalActions>
                        </Modal>
                    },
                )
            }}
        </Show>
    }
}
