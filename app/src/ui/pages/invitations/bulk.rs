use crate::api::invitations::{check_bulk_invite, run_bulk_invite, BulkRowView};
use crate::ui::components::modal::{Modal, ModalActions};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos::wasm_bindgen::JsCast;

/// Rows per request while inviting: each chunk is one transaction, and the bar moves per chunk.
const CHUNK: usize = 500;
/// Rows listed in the preview and the result; the counts cover every row.
const LISTED: usize = 200;

#[derive(Clone, PartialEq)]
enum Stage {
    Input,
    Preview(Vec<BulkRowView>),
    Running { done: usize, total: usize },
    Done(Vec<BulkRowView>),
}

fn count(rows: &[BulkRowView], outcome: &str) -> usize {
    rows.iter().filter(|r| r.outcome == outcome).count()
}

/// Bulk invite from CSV: paste or pick a file, check every row first (nothing is written), then
/// invite with a progress bar and a result per row.
#[component]
pub fn BulkInviteDialog(on_close: Callback<()>, on_done: Callback<String>) -> impl IntoView {
    let csv = RwSignal::new(String::new());
    let stage = RwSignal::new(Stage::Input);
    let error = RwSignal::new(None::<String>);
    let checking = RwSignal::new(false);
    let read_file = move |event: leptos::ev::Event| {
        let Some(input) = event
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            return;
        };
        let Some(file) = input.files().and_then(|f| f.get(0)) else {
            return;
        };
        spawn_local(async move {
            match wasm_bindgen_futures::JsFuture::from(file.text()).await {
                Ok(text) => csv.set(text.as_string().unwrap_or_default()),
                Err(_) => error.set(Some("The file could not be read.".into())),
            }
        });
    };
    let check = move |_| {
        checking.set(true);
        error.set(None);
        spawn_local(async move {
            let result = check_bulk_invite(csv.get_untracked()).await;
            checking.set(false);
            match result {
                Ok(rows) => stage.set(Stage::Preview(rows)),
                Err(e) => error.set(Some(e.field("csv").unwrap_or_else(|| e.to_string()))),
            }
        });
    };
    let run = move |rows: Vec<BulkRowView>| {
        let (work, mut results): (Vec<_>, Vec<_>) = rows
            .into_iter()
            .partition(|r| r.outcome == "invite" || r.outcome == "resend");
        let total = work.len();
        stage.set(Stage::Running { done: 0, total });
        spawn_local(async move {
            for chunk in work.chunks(CHUNK) {
                match run_bulk_invite(chunk.to_vec()).await {
                    Ok(done) => results.extend(done),
                    Err(e) => {
                        error.set(Some(format!("Stopped after {} rows: {e}", results.len())));
                        break;
                    }
                }
                stage.update(|s| {
                    if let Stage::Running { done, .. } = s {
                        *done += chunk.len();
                    }
                });
            }
            results.sort_by_key(|r| r.line);
            let invited = count(&results, "invited") + count(&results, "resent");
            on_done.run(format!("Bulk invite finished: {invited} invitations sent."));
            stage.set(Stage::Done(results));
        });
    };
    let summary = |rows: &[BulkRowView], kinds: &[(&'static str, &'static str)]| {
        kinds
            .iter()
            .map(|(outcome, label)| (count(rows, outcome), *label, outcome.to_string()))
            .filter(|(n, _, _)| *n > 0)
            .map(|(n, label, outcome)| {
                view! {
                    <li class=format!("tally {outcome}")>
                        <strong>{n}</strong>
                        " "
                        {label}
                    </li>
                }
            })
            .collect_view()
    };
    let listing = |rows: Vec<BulkRowView>| {
        let hidden = rows.len().saturating_sub(LISTED);
        view! {
            <div class="table-wrap scroll">
                <table class="table compact">
                    <thead>
                        <tr>
                            <th scope="col">"Line"</th>
                            <th scope="col">"Email"</th>
                            <th scope="col">"Roles"</th>
                            <th scope="col">"Entity"</th>
                            <th scope="col">"Result"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {rows
                            .into_iter()
                            .take(LISTED)
                            .map(|r| {
                                view! {
                                    <tr class=format!("bulk-{}", r.outcome)>
                                        <td>{r.line}</td>
                                        <td>{r.email}</td>
                                        <td>{r.roles}</td>
                                        <td>{r.entity}</td>
                                        <td>
                                            <span class=format!(
                                                "badge {}",
                                                r.outcome,
                                            )>{r.outcome.clone()}</span>
                                            " "
                                            {r.message}
                                        </td>
                                    </tr>
                                }
                            })
                            .collect_view()}
                    </tbody>
                </table>
            </div>
            {(hidden > 0)
                .then(|| {
                    view! { <p class="muted small">{format!("…and {hidden} more rows.")}</p> }
                })}
        }
    };
    view! {
        <Modal title="Bulk invite" on_close>
            {move || match stage.get() {
                Stage::Input => {
                    view! {
                        <div class="form">
                            <p class="muted">
                                "One person per line: "<code>"email,roles,entity"</code>
                                ". Separate several roles with “;”. Entity is the slug (such as northwind); entity admins may leave it empty. A header row is optional."
                            </p>
                            <div class="field">
                                <label for="csv-file">"CSV file"</label>
                                <input
                                    id="csv-file"
                                    type="file"
                                    accept=".csv,text/csv"
                                    on:change=read_file
                                />
                            </div>
                            <div class="field">
                                <label for="csv-text">"Or paste the rows"</label>
                                <textarea
                                    id="csv-text"
                                    rows="8"
                                    spellcheck="false"
                                    prop:value=move || csv.get()
                                    on:input=move |e| csv.set(event_target_value(&e))
                                    placeholder="ada@example.com,Trader;Market Maker,northwind"
                                ></textarea>
                            </div>
                            <p class="form-error" role="alert">
                                {move || error.get()}
                            </p>
                            <ModalActions on_close>
                                <button
                                    type="button"
                                    class="button primary"
                                    disabled=move || {
                                        checking.get() || csv.with(|c| c.trim().is_empty())
                                    }
                                    on:click=check
                                >
                                    {move || {
                                        if checking.get() { "Checking…" } else { "Check rows" }
                                    }}
                                </button>
                            </ModalActions>
                        </div>
                    }
                        .into_any()
                }
                Stage::Preview(rows) => {
                    let ready = count(&rows, "invite") + count(&rows, "resend");
                    let for_run = rows.clone();
                    view! {
                        <div class="form">
                            <p>"Nothing has been sent yet. Check the rows, then invite."</p>
                            <ul class="tallies">
                                {summary(
                                    &rows,
                                    &[
                                        ("invite", "to invite"),
                                        ("resend", "to resend"),
                                        ("user", "already users (skipped)"),
                                        ("invalid", "with problems (skipped)"),
                                    ],
                                )}
                            </ul>
                            {listing(rows)}
                            <div class="modal-actions">
                                <button
                                    type="button"
                                    class="button ghost"
                                    on:click=move |_| stage.set(Stage::Input)
                                >
                                    "Back"
                                </button>
                                <button
                                    type="button"
                                    class="button primary"
                                    disabled=ready == 0
                                    on:click=move |_| run(for_run.clone())
                                >
                                    {format!("Invite {ready} people")}
                                </button>
                            </div>
                        </div>
                    }
                        .into_any()
                }
                Stage::Running { done, total } => {
                    view! {
                        <div class="form" aria-busy="true">
                            <p>{format!("Inviting… {done} of {total}")}</p>
                            <progress
                                max=total
                                value=done
                                aria-label="Bulk invite progress"
                            ></progress>
                        </div>
                    }
                        .into_any()
                }
                Stage::Done(rows) => {
                    view! {
                        <div class="form">
                            <ul class="tallies">
                                {summary(
                                    &rows,
                                    &[
                                        ("invited", "invited"),
                                        ("resent", "resent"),
                                        ("user", "skipped: already users"),
                                        ("invalid", "skipped: problems"),
                                    ],
                                )}
                            </ul>
                            <p class="form-error" role="alert">
                                {move || error.get()}
                            </p>
                            {listing(rows)}
                            <div class="modal-actions">
                                <button
                                    type="button"
                                    class="button primary"
                                    on:click=move |_| on_close.run(())
                                >
                                    "Done"
                                </button>
                            </div>
                        </div>
                    }
                        .into_any()
                }
            }}
        </Modal>
    }
}
