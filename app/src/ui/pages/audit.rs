//! Audit log (operators every entity, entity admins their own): every change newest first, as
//! sentences, filtered by who acted, the action, whom it was about, the entity and the days it
//! happened on. The filters are a plain GET form, so they live in the URL (a filtered log can be
//! linked to, and a user's page links to theirs) and work before the page has hydrated.

use crate::api::audit::{audit_options, list_audit, AuditQuery, ACTIONS};
use crate::ui::components::audit::AuditTrail;
use crate::ui::components::pager::Pager;
use crate::ui::pages::{counted, error_notice, query_href, thousands};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_query_map};

fn href(q: &AuditQuery) -> String {
    query_href(
        "/audit",
        &[
            ("actor", &q.actor),
            ("action", &q.action),
            ("target", &q.target),
            ("entity", &q.entity),
            ("from", &q.from),
            ("to", &q.to),
            ("after", &q.after),
        ],
    )
}

/// A text filter with its error under it, filled from the URL.
fn text_filter(
    label: &'static str,
    name: &'static str,
    kind: &'static str,
    value: String,
    error: Option<String>,
) -> impl IntoView {
    let error_id = format!("{name}-error");
    let id = format!("filter-{name}");
    // The error stands beside the field, outside its label, so the field's name stays its label.
    view! {
        <div class="filter">
            <label for=id.clone()>{label}</label>
            <input
                id=id
                type=kind
                name=name
                value=value
                aria-invalid=if error.is_some() { "true" } else { "false" }
                aria-describedby=error_id.clone()
            />
            <span class="field-error" id=error_id>
                {error}
            </span>
        </div>
    }
}

#[component]
pub fn AuditPage() -> impl IntoView {
    let params = use_query_map();
    let query = Memo::new(move |_| {
        let p = params.get();
        let get = |k: &str| p.get(k).unwrap_or_default();
        AuditQuery {
            actor: get("actor"),
            action: get("action"),
            target: get("target"),
            entity: get("entity"),
            from: get("from"),
            to: get("to"),
            after: get("after"),
        }
    });
    let list = Resource::new(move || query.get(), list_audit);
    // New events are announced on the newest page; deeper pages are history.
    let news = crate::ui::live::follow(
        move |e| {
            let shown = query.with_untracked(|q| {
                q.after.is_empty()
                    && (q.action.is_empty() || q.action == e.action)
                    && (q.entity.is_empty()
                        || e.entity_id.map(|id| id.to_string()).as_ref() == Some(&q.entity))
            });
            if shown {
                crate::ui::live::Effect::Announce
            } else {
                crate::ui::live::Effect::Ignore
            }
        },
        move || list.refetch(),
    );
    let options = Resource::new(|| (), |_| audit_options());
    let earlier = RwSignal::new(Vec::<String>::new());
    let navigate = use_navigate();
    let go = Callback::new(move |q: AuditQuery| navigate(&href(&q), Default::default()));
    view! {
        <Title text="Audit log" />
        <div class="page-head">
            <h1>"Audit log"</h1>
            <a
                class="button"
                href=move || {
                    let q = AuditQuery {
                        after: String::new(),
                        ..query.get()
                    };
                    href(&q).replacen("/audit", "/export/audit.csv", 1)
                }
                download
            >
                "Export CSV"
            </a>
        </div>
        <crate::ui::live::LiveNews
            news
            one="event"
            many="events"
            on_show=Callback::new(move |_| list.refetch())
        />
        <Transition fallback=|| {
            view! { <p class="page-loading">"Loading the log…"</p> }
        }>
            {move || Suspend::new(async move {
                let q = query.get_untracked();
                let page = list.await;
                let choices = options.await.ok();
                let error = |field: &str| page.as_ref().err().and_then(|e| e.field(field));
                let filtered = q
                    != AuditQuery {
                        after: q.after.clone(),
                        ..Default::default()
                    };
                let filters = view! {
                    <form
                        method="get"
                        action="/audit"
                        class="filters"
                        aria-label="Filters"
                        novalidate
                    >
                        {text_filter("Who", "actor", "email", q.actor.clone(), error("actor"))}
                        <label class="filter">
                            <span>"Action"</span>
                            <select name="action" prop:value=q.action.clone()>
                                <option value="">"Any action"</option>
                                {ACTIONS
                                    .iter()
                                    .map(|(name, label)| {
                                        view! { <option value=*name>{*label}</option> }
                                    })
                                    .collect_view()}
                            </select>
                        </label>
                        {text_filter("About", "target", "text", q.target.clone(), error("target"))}
                        {choices
                            .filter(|c| c.choose_entity)
                            .map(|c| {
                                view! {
                                    <label class="filter">
                                        <span>"Entity"</span>
                                        <select name="entity" prop:value=q.entity.clone()>
                                            <option value="">"All entities"</option>
                                            {c
                                                .entities
                                                .into_iter()
                                                .map(|e| {
                                                    view! { <option value=e.id.to_string()>{e.name}</option> }
                                                })
                                                .collect_view()}
                                        </select>
                                    </label>
                                }
                            })}
                        {text_filter("From", "from", "date", q.from.clone(), error("from"))}
                        {text_filter("To", "to", "date", q.to.clone(), error("to"))}
                        <div class="filter-actions">
                            <button type="submit" class="button primary">
                                "Apply"
                            </button>
                            {filtered
                                .then(|| {
                                    view! {
                                        <a class="button ghost" href="/audit">
                                            "Clear filters"
                                        </a>
                                    }
                                })}
                        </div>
                    </form>
                };
                let body = match page {
                    Ok(page) if page.lines.is_empty() => {
                        view! {
                            <div class="empty-state card">
                                <p class="strong">"No events match."</p>
                                <p class="muted">
                                    "Nothing was recorded that matches these filters."
                                </p>
                            </div>
                        }
                            .into_any()
                    }
                    Ok(page) => {
                        let shown = page.lines.len();
                        let count = if page.offset == 0 && page.next.is_none() {
                            counted(shown, "event", "events")
                        } else {
                            format!(
                                "Events {}–{}, newest first",
                                thousands(page.offset + 1),
                                thousands(page.offset + shown as u64),
                            )
                        };
                        view! {
                            <p class="muted table-count">{count}</p>
                            <div class="card">
                                <AuditTrail lines=page.lines />
                            </div>
                            <Pager
                                first=Signal::derive(move || query.get().after.is_empty())
                                next=page.next
                                on_next=Callback::new(move |next: String| {
                                    let mut q = query.get_untracked();
                                    earlier.update(|e| e.push(q.after.clone()));
                                    q.after = next;
                                    go.run(q);
                                })
                                on_previous=Callback::new(move |_| {
                                    let mut q = query.get_untracked();
                                    let mut stack = earlier.get_untracked();
                                    q.after = stack.pop().unwrap_or_default();
                                    earlier.set(stack);
                                    go.run(q);
                                })
                            />
                        }
                            .into_any()
                    }
                    Err(crate::api::AppError::Invalid(_)) => ().into_any(),
                    Err(e) => error_notice(&e),
                };
                view! {
                    {filters}
                    {body}
                }
                    .into_any()
            })}
        </Transition>
    }
}
