//! Mailbox (development installs, operators): the mail Usher wrote to files, newest first, so a
//! newcomer can invite, open the mail and accept it in one browser.

use crate::api::mailbox::{mail_message, mailbox};
use crate::ui::components::modal::StatusBadge;
use crate::ui::pages::go_to_sign_in_if_ended;
use leptos::prelude::*;
use leptos_meta::Title;
use uuid::Uuid;

/// The text with its web addresses as links.
fn linkified(text: String) -> impl IntoView {
    text.split_inclusive(char::is_whitespace)
        .map(|word| {
            let trimmed = word.trim_end();
            if trimmed.starts_with("https://") || trimmed.starts_with("http://") {
                let rest = word[trimmed.len()..].to_string();
                view! {
                    <a href=trimmed.to_string() rel="external">
                        {trimmed.to_string()}
                    </a>
                    {rest}
                }
                .into_any()
            } else {
                word.to_string().into_any()
            }
        })
        .collect_view()
}

#[component]
pub fn MailboxPage() -> impl IntoView {
    let list = Resource::new(|| (), |_| mailbox());
    let open = RwSignal::new(None::<Uuid>);
    let message = Resource::new(
        move || open.get(),
        |id| async move {
            match id {
                Some(id) => Some(mail_message(id).await),
                None => None,
            }
        },
    );
    view! {
        <Title text="Mailbox" />
        <div class="page-head">
            <h1>"Mailbox"</h1>
            <button type="button" class="button" on:click=move |_| list.refetch()>
                "Refresh"
            </button>
        </div>
        <p class="muted">
            "Mail is written to files on this installation (no SMTP_URL is set). Only operators see it here."
        </p>
        <div class="grid mailbox">
            <Transition fallback=|| {
                view! { <p class="page-loading">"Loading mail…"</p> }
            }>
                {move || Suspend::new(async move {
                    match list.await {
                        Ok(mails) if mails.is_empty() => {
                            view! { <p class="card muted">"No mail yet."</p> }.into_any()
                        }
                        Ok(mails) => {
                            view! {
                                <ul class="card flush mail-list" aria-label="Messages">
                                    {mails
                                        .into_iter()
                                        .map(|m| {
                                            let id = m.id;
                                            view! {
                                                <li>
                                                    <button
                                                        type="button"
                                                        class="mail-item"
                                                        aria-pressed=move || (open.get() == Some(id)).to_string()
                                                        on:click=move |_| open.set(Some(id))
                                                    >
                                                        <span class="mail-subject">{m.subject.clone()}</span>
                                                        <span class="muted small">
                                                            {format!("To {} · {}", m.to, m.at)}
                                                        </span>
                                                        <StatusBadge status=m.status.clone() />
                                                    </button>
                                                </li>
                                            }
                                        })
                                        .collect_view()}
                                </ul>
                            }
                                .into_any()
                        }
                        Err(e) => {
                            go_to_sign_in_if_ended(&e);
                            view! {
                                <p class="notice error" role="alert">
                                    {e.to_string()}
                                </p>
                            }
                                .into_any()
                        }
                    }
                })}
            </Transition>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    match message.await {
                        None => {
                            view! { <p class="card muted">"Choose a message to read it."</p> }
                                .into_any()
                        }
                        Some(Err(e)) => {
                            view! {
                                <p class="notice error" role="alert">
                                    {e.to_string()}
                                </p>
                            }
                                .into_any()
                        }
                        Some(Ok(m)) => {
                            view! {
                                <article class="card mail" aria-label="Message">
                                    <h2>{m.summary.subject.clone()}</h2>
                                    <p class="muted small">
                                        {format!(
                                            "To {} · {} · {}",
                                            m.summary.to,
                                            m.summary.at,
                                            m.summary.status,
                                        )}
                                    </p>
                                    {m
                                        .summary
                                        .last_error
                                        .clone()
                                        .map(|e| {
                                            view! {
                                                <p class="notice warning">
                                                    {format!("Last delivery error: {e}")}
                                                </p>
                                            }
                                        })}
                                    <pre class="mail-body">{linkified(m.text)}</pre>
                                </article>
                            }
                                .into_any()
                        }
                    }
                })}
            </Transition>
        </div>
    }
}
