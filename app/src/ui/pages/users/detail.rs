//! A user's page: profile, status actions, sessions (End session, End all) and audit trail.

use super::actions::{
    action_label, actions_of, is_destructive, start, Asking, Changed, ConfirmDialog,
};
use super::edit::EditUserDialog;
use super::table::status_label;
use crate::api::account::SessionView;
use crate::api::directory::DirectoryRow;
use crate::api::invitations::InviteChoices;
use crate::api::user_page::{end_user_sessions, get_user, UserDetail};
use crate::api::users::user_form_options;
use crate::api::AppError;
use crate::ui::components::audit::AuditTrail;
use crate::ui::components::confirm::ConfirmButton;
use crate::ui::components::sessions::SessionsTable;
use crate::ui::pages::go_to_sign_in_if_ended;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use uuid::Uuid;

#[component]
pub fn UserPage() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| {
        params
            .get()
            .get("id")
            .and_then(|id| Uuid::parse_str(&id).ok())
    });
    let reload = RwSignal::new(0u32);
    let detail = Resource::new(
        move || (id.get(), reload.get()),
        |(id, _)| async move {
            match id {
                Some(id) => get_user(id).await,
                None => Err(crate::api::AppError::NotFound),
            }
        },
    );
    let notice = RwSignal::new(None::<crate::ui::pages::Notice>);
    let news = crate::ui::live::follow(
        move |e| {
            if e.target_id.is_some() && e.target_id == id.get_untracked() {
                crate::ui::live::Effect::Redraw
            } else {
                crate::ui::live::Effect::Ignore
            }
        },
        move || reload.update(|n| *n += 1),
    );
    let options = Resource::new(|| (), |_| user_form_options());
    let flash = use_context::<crate::ui::pages::Flash>();
    let on_changed = Callback::new(move |changed: Changed| {
        if changed.row.is_none() {
            // Deleted permanently: nothing is left to show here; the directory says so.
            if let Some(flash) = flash {
                flash.leave(changed.message.into());
            }
            leptos_router::hooks::use_navigate()("/users", Default::default());
            return;
        }
        notice.set(Some(crate::ui::pages::Notice::from(changed.message)));
        reload.update(|n| *n += 1);
    });
    view! {
        <p class="crumbs">
            <a href="/users">"← Users"</a>
        </p>
        <crate::ui::pages::NoticeLine notice />
        <crate::ui::live::LiveNews
            news
            one="change"
            many="changes"
            on_show=Callback::new(move |_| reload.update(|n| *n += 1))
        />
        <Transition fallback=|| {
            view! { <p class="page-loading">"Loading user…"</p> }
        }>
            {move || {
                detail
                    .get()
                    .map(|result| match result {
                        Ok(d) => {
                            view! { <UserView d on_changed notice reload options /> }.into_any()
                        }
                        Err(error) => {
                            go_to_sign_in_if_ended(&error);
                            view! {
                                <Title text="User" />
                                <p class="notice error" role="alert">
                                    {error.to_string()}
                                </p>
                            }
                                .into_any()
                        }
                    })
            }}
        </Transition>
    }
}

#[component]
fn UserView(
    d: UserDetail,
    on_changed: Callback<Changed>,
    notice: RwSignal<Option<crate::ui::pages::Notice>>,
    reload: RwSignal<u32>,
    options: Resource<Result<InviteChoices, AppError>>,
) -> impl IntoView {
    let row = d.row.clone();
    let asking = Asking::new();
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let buttons = actions_of(&row)
        .into_iter()
        .map(|action| {
            let row = row.clone();
            view! {
                <button
                    type="button"
                    class=if is_destructive(&action) {
                        "button danger-ghost"
                    } else {
                        "button ghost"
                    }
                    disabled=move || busy.get()
                    on:click=move |_| {
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
    let contact = if d.contact_email.is_empty() {
        "Same as account email".to_string()
    } else {
        d.contact_email.clone()
    };
    view! {
        <Title text=row.name.clone() />
        <div class="page-head">
            <h1>
                {row.name.clone()} " "
                <span class=format!("badge {}", row.status)>{status_label(&row.status)}</span>
            </h1>
            <div class="actions">{buttons}</div>
        </div>
        <p class="form-error" role="alert">
            {move || error.get()}
        </p>
        <section class="card" aria-labelledby="profile-title">
            <h2 id="profile-title">"Profile"</h2>
            <dl class="facts">
                <dt>"Account email"</dt>
                <dd>{row.email.clone()}</dd>
                <dt>"Contact email"</dt>
                <dd>{contact}</dd>
                <dt>"Entity"</dt>
                <dd>{row.entity_name.clone()}</dd>
                <dt>"Roles"</dt>
                <dd>
                    {row
                        .roles
                        .iter()
                        .map(|r| view! { <span class="chip">{r.clone()}</span> })
                        .collect_view()}
                </dd>
                <dt>"Last sign-in"</dt>
                <dd>
                    {if row.last_sign_in_exact.is_empty() {
                        "Never".to_string()
                    } else {
                        row.last_sign_in_exact.clone()
                    }}
                </dd>
                <dt>"Created"</dt>
                <dd>{d.created.clone()}</dd>
                <dt>"Updated"</dt>
                <dd>{d.updated.clone()}</dd>
            </dl>
        </section>
        <Sessions d=d.clone() notice reload />
        <section class="card" aria-labelledby="audit-title">
            <div class="section-head">
                <h2 id="audit-title">"Audit trail"</h2>
                {use_context::<crate::api::auth::Me>()
                    .is_some_and(|me| me.can_read_audit)
                    .then(|| {
                        view! {
                            <a href=format!(
                                "/audit?target={}",
                                d.row.id,
                            )>"See all in the audit log"</a>
                        }
                    })}
            </div>
            {if d.audit.is_empty() {
                view! { <p class="muted">"Nothing recorded yet."</p> }.into_any()
            } else {
                view! { <AuditTrail lines=d.audit.clone() /> }.into_any()
            }}
        </section>
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

#[component]
fn Sessions(
    d: UserDetail,
    notice: RwSignal<Option<crate::ui::pages::Notice>>,
    reload: RwSignal<u32>,
) -> impl IntoView {
    let user = d.row.id;
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let end = move |session: Option<Uuid>| {
        busy.set(true);
        spawn_local(async move {
            let result = end_user_sessions(user, session).await;
            busy.set(false);
            match result {
                Ok(n) => {
                    notice.set(Some(crate::ui::pages::Notice::from(match session {
                        Some(_) => "Session ended.".to_string(),
                        None => format!(
                            "{} ended.",
                            super::super::counted(n as usize, "session", "sessions")
                        ),
                    })));
                    reload.update(|r| *r += 1);
                }
                Err(e) => {
                    go_to_sign_in_if_ended(&e);
                    error.set(Some(e.to_string()));
                }
            }
        });
    };
    let can_end = d.can_end_sessions;
    let count = d.sessions.len();
    view! {
        <section class="card" aria-labelledby="sessions-title">
            <div class="card-head">
                <h2 id="sessions-title">"Sessions"</h2>
                {(can_end && count > 0)
                    .then(|| {
                        view! {
                            <ConfirmButton
                                label="End all"
                                question=format!(
                                    "End all {}?",
                                    super::super::counted(count, "session", "sessions"),
                                )
                                confirm_label="End all"
                                pending=busy
                                on_confirm=Callback::new(move |_| end(None))
                            />
                        }
                    })}
            </div>
            <p class="form-error" role="alert">
                {move || error.get()}
            </p>
            {if d.sessions.is_empty() {
                view! { <p class="muted">"Not signed in anywhere."</p> }.into_any()
            } else {
                let action = move |s: &SessionView| {
                    let id = s.id;
                    let question = format!("End the session on {}?", s.browser);
                    can_end
                        .then(|| {
                            view! {
                                <ConfirmButton
                                    label="End session"
                                    question
                                    confirm_label="End session"
                                    pending=busy
                                    on_confirm=Callback::new(move |_| end(Some(id)))
                                />
                            }
                        })
                        .into_any()
                };
                view! { <SessionsTable list=d.sessions.clone() action /> }.into_any()
            }}
        </section>
    }
}
