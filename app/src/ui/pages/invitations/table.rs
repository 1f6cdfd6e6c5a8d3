use crate::api::invitations::{
    delete_invitation, resend_invitation, revoke_invitation, InvitationPage, InvitationRow,
};
use crate::api::AppError;
use crate::domain::order::Direction;
use crate::ui::components::confirm::ConfirmButton;
use crate::ui::components::modal::StatusBadge;
use crate::ui::components::pager::Pager;
use crate::ui::components::sort::SortHeader;
use crate::ui::pages::{go_to_sign_in_if_ended, range_line};
use leptos::prelude::*;
use leptos::task::spawn_local;
use uuid::Uuid;

#[derive(Clone, Copy)]
enum RowAction {
    Revoke,
    Resend,
    Delete,
}

#[component]
pub fn InvitationsTable(
    page: InvitationPage,
    #[prop(into)] first: Signal<bool>,
    on_next: Callback<String>,
    on_previous: Callback<()>,
    /// The sort in the URL (`""` is last sent, newest first) and how a header changes it.
    sort: String,
    on_sort: Callback<String>,
    notice: RwSignal<Option<crate::ui::pages::Notice>>,
) -> impl IntoView {
    // Last sent reads newest first, Expires soonest first; pressed again, the other way.
    let (sent_now, sent_next) = match sort.as_str() {
        "sent_oldest" => (Some(Direction::Ascending), ""),
        "expires_soonest" | "expires_latest" => (None, ""),
        _ => (Some(Direction::Descending), "sent_oldest"),
    };
    let (expires_now, expires_next) = match sort.as_str() {
        "expires_soonest" => (Some(Direction::Ascending), "expires_latest"),
        "expires_latest" => (Some(Direction::Descending), "expires_soonest"),
        _ => (None, "expires_soonest"),
    };
    let rows = RwSignal::new(page.rows);
    let busy = RwSignal::new(None::<Uuid>);
    let row_error = RwSignal::new(None::<(Uuid, String)>);
    let act = move |id: Uuid, email: String, action: RowAction| {
        busy.set(Some(id));
        row_error.set(None);
        spawn_local(async move {
            let result: Result<Option<InvitationRow>, AppError> = match action {
                RowAction::Revoke => revoke_invitation(id).await.map(Some),
                RowAction::Resend => resend_invitation(id).await.map(Some),
                RowAction::Delete => delete_invitation(id).await.map(|_| None),
            };
            busy.set(None);
            match result {
                Ok(Some(updated)) => {
                    rows.update(|rows| {
                        if let Some(row) = rows.iter_mut().find(|r| r.id == id) {
                            *row = updated;
                        }
                    });
                    notice.set(Some(crate::ui::pages::Notice::from(match action {
                        RowAction::Revoke => {
                            format!("Invitation to {email} revoked. The link no longer works.")
                        }
                        _ => format!(
                            "Invitation to {email} resent. The earlier link no longer works."
                        ),
                    })));
                }
                Ok(None) => {
                    rows.update(|rows| rows.retain(|r| r.id != id));
                    notice.set(Some(crate::ui::pages::Notice::from(format!(
                        "Invitation to {email} deleted."
                    ))));
                }
                Err(error) => {
                    go_to_sign_in_if_ended(&error);
                    row_error.set(Some((id, error.to_string())));
                }
            }
        });
    };
    let (total, offset) = (page.total, page.offset);
    let next = page.next.clone();
    view! {
        <p class="muted table-count" aria-live="polite">
            {move || {
                let shown = rows.with(|r| r.len()) as u64;
                if total == 0 {
                    "No invitations match.".to_string()
                } else {
                    range_line(offset, shown, total, true, "invitation", "invitations")
                }
            }}
        </p>
        <div class="table-wrap card flush">
            <table class="table">
                <thead>
                    <tr>
                        <th scope="col">"Email"</th>
                        <th scope="col">"Entity"</th>
                        <th scope="col">"Roles"</th>
                        <th scope="col">"Status"</th>
                        <th scope="col">"Invited by"</th>
                        <SortHeader label="Sent" now=sent_now next=sent_next.to_string() on_sort />
                        <SortHeader
                            label="Expires"
                            now=expires_now
                            next=expires_next.to_string()
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
                        key=|r| (r.id, r.status.clone(), r.sent_count)
                        let:row
                    >
                        {
                            let id = row.id;
                            let status = row.status.clone();
                            let email = row.email.clone();
                            let pending = Signal::derive(move || busy.get() == Some(id));
                            let run = Callback::new({
                                let email = email.clone();
                                move |action| act(id, email.clone(), action)
                            });
                            let confirmed = move |label: &'static str, action, question: String| {
                                view! {
                                    <ConfirmButton
                                        label
                                        question
                                        confirm_label=label
                                        on_confirm=Callback::new(move |_| run.run(action))
                                        pending
                                    />
                                }
                            };
                            view! {
                                <tr data-email=email.clone()>
                                    <td data-label="Email" class="strong">
                                        {email.clone()}
                                        {(!row.account_elsewhere.is_empty())
                                            .then(|| {
                                                view! {
                                                    <span class="cell-note">
                                                        {row.account_elsewhere.clone()}
                                                    </span>
                                                }
                                            })}
                                    </td>
                                    <td data-label="Entity">{row.entity_name.clone()}</td>
                                    <td data-label="Roles">
                                        {row
                                            .roles
                                            .iter()
                                            .map(|r| view! { <span class="chip">{r.clone()}</span> })
                                            .collect_view()}
                                    </td>
                                    <td data-label="Status">
                                        <StatusBadge status=status.clone() />
                                    </td>
                                    <td data-label="Invited by">{row.invited_by.clone()}</td>
                                    <td data-label="Sent">
                                        <span>{row.last_sent.clone()}</span>
                                        <span class="muted small">
                                            {format!(" · {}×", row.sent_count)}
                                        </span>
                                    </td>
                                    <td data-label="Expires" title=row.expires.clone()>
                                        {row.expires_relative.clone()}
                                    </td>
                                    <td class="actions">
                                        <div class="row-actions">
                                            {row
                                                .can_revoke
                                                .then(|| confirmed(
                                                    "Revoke",
                                                    RowAction::Revoke,
                                                    format!("Revoke the invitation to {email}?"),
                                                ))}
                                            {row
                                                .can_resend
                                                .then(|| {
                                                    view! {
                                                        <button
                                                            type="button"
                                                            class="button small"
                                                            disabled=move || pending.get()
                                                            on:click=move |_| run.run(RowAction::Resend)
                                                        >
                                                            "Resend"
                                                        </button>
                                                    }
                                                })}
                                            {row
                                                .can_delete
                                                .then(|| confirmed(
                                                    "Delete",
                                                    RowAction::Delete,
                                                    format!("Delete the invitation to {email} for good?"),
                                                ))}
                                        </div>
                                        <p class="field-error" role="alert">
                                            {move || {
                                                row_error.get().filter(|(e, _)| *e == id).map(|(_, m)| m)
                                            }}
                                        </p>
                                    </td>
                                </tr>
                            }
                                .into_any()
                        }
                    </For>
                </tbody>
            </table>
        </div>
        <Pager first next on_next on_previous />
    }
}
