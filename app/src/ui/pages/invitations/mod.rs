//! Invitations: filters (in the URL), the table with per-row Revoke / Resend / Delete, the
//! Invite User dialog and bulk invite from CSV.

mod bulk;
mod invite;
mod table;

use crate::api::invitations::{invite_options, list_invitations, InvitationQuery};
use crate::ui::components::choices::EntityFilter;
use crate::ui::pages::{error_notice, query_href};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::NavigateOptions;

fn href(q: &InvitationQuery) -> String {
    query_href(
        "/invitations",
        &[
            ("status", &q.status),
            ("entity", &q.entity),
            ("q", &q.q),
            ("sort", &q.sort),
            ("after", &q.after),
        ],
    )
}

#[component]
pub fn InvitationsPage() -> impl IntoView {
    let params = use_query_map();
    let query = Memo::new(move |_| {
        let p = params.get();
        let get = |k: &str| p.get(k).unwrap_or_default();
        InvitationQuery {
            status: get("status"),
            entity: get("entity"),
            q: get("q"),
            sort: get("sort"),
            after: get("after"),
        }
    });
    let list = Resource::new(move || query.get(), list_invitations);
    let news = crate::ui::live::follow(
        move |e| {
            let chosen = query.with_untracked(|q| q.entity.clone());
            let elsewhere =
                !chosen.is_empty() && e.entity_id.map(|id| id.to_string()) != Some(chosen);
            match (e.target_kind.as_str(), e.action.as_str()) {
                _ if elsewhere => crate::ui::live::Effect::Ignore,
                (_, "invitation.created") => crate::ui::live::Effect::Announce,
                ("invitation", _) => crate::ui::live::Effect::Redraw,
                _ => crate::ui::live::Effect::Ignore,
            }
        },
        move || list.refetch(),
    );
    let options = Resource::new(|| (), |_| invite_options());
    // Cursors of the pages before this one, for Previous.
    let earlier = RwSignal::new(Vec::<String>::new());
    let notice = RwSignal::new(None::<crate::ui::pages::Notice>);
    let inviting = RwSignal::new(false);
    let bulk_open = RwSignal::new(false);
    let navigate = use_navigate();
    let go = Callback::new(move |q: InvitationQuery| {
        navigate(
            &href(&q),
            NavigateOptions {
                replace: true,
                scroll: false,
                ..Default::default()
            },
        );
    });
    // A filter change starts again at the first page.
    let set = move |change: fn(&mut InvitationQuery, String)| {
        move |value: String| {
            let mut q = query.get_untracked();
            change(&mut q, value);
            q.after.clear();
            earlier.set(Vec::new());
            go.run(q);
        }
    };
    let on_status = set(|q, v| q.status = v);
    let on_entity = set(|q, v| q.entity = v);
    let on_search = set(|q, v| q.q = v);
    let on_sort = set(|q, v| q.sort = v);
    let refresh = Callback::new(move |message: String| {
        notice.set(Some(crate::ui::pages::Notice::from(message)));
        list.refetch();
    });

    view! {
        <Title text="Invitations" />
        <div class="page-head">
            <h1>"Invitations"</h1>
            <div class="actions">
                <button type="button" class="button" on:click=move |_| bulk_open.set(true)>
                    "Bulk invite"
                </button>
                <button type="button" class="button primary" on:click=move |_| inviting.set(true)>
                    "Invite User"
                </button>
            </div>
        </div>
        <crate::ui::pages::NoticeLine notice />
        <form class="filters" role="search" on:submit=|e| e.prevent_default()>
            <label class="filter">
                <span>"Search"</span>
                <input
                    type="search"
                    placeholder="Email address"
                    maxlength="320"
                    prop:value=move || query.get().q
                    on:input=move |e| on_search(event_target_value(&e))
                />
            </label>
            <label class="filter">
                <span>"Status"</span>
                <select
                    on:change=move |e| on_status(event_target_value(&e))
                    prop:value=move || query.get().status
                >
                    <option value="">"All statuses"</option>
                    <option value="pending">"Pending"</option>
                    <option value="accepted">"Accepted"</option>
                    <option value="expired">"Expired"</option>
                    <option value="revoked">"Revoked"</option>
                </select>
            </label>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match options.await {
                        Ok(o) if o.choose_entity => {
                            view! {
                                <EntityFilter
                                    entities=o
                                        .entities
                                        .into_iter()
                                        .map(|e| (e.id, e.name))
                                        .collect()
                                    value=Signal::derive(move || query.get().entity)
                                    on_change=Callback::new(move |value: String| on_entity(value))
                                />
                            }
                                .into_any()
                        }
                        _ => ().into_any(),
                    }
                })}
            </Suspense>
            <label class="filter">
                <span>"Sort"</span>
                <select
                    on:change=move |e| on_sort(event_target_value(&e))
                    prop:value=move || query.get().sort
                >
                    <option value="">"Last sent, newest first"</option>
                    <option value="sent_oldest">"Last sent, oldest first"</option>
                    <option value="expires_soonest">"Expires, soonest first"</option>
                    <option value="expires_latest">"Expires, latest first"</option>
                </select>
            </label>
        </form>
        <crate::ui::live::LiveNews
            news
            one="change"
            many="changes"
            on_show=Callback::new(move |_| list.refetch())
        />
        <Transition fallback=|| {
            view! { <p class="page-loading">"Loading invitations…"</p> }
        }>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(page) => {
                        view! {
                            <table::InvitationsTable
                                page
                                first=Signal::derive(move || query.get().after.is_empty())
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
                                sort=query.with_untracked(|q| q.sort.clone())
                                on_sort=Callback::new(move |sort: String| on_sort(sort))
                                notice
                            />
                        }
                            .into_any()
                    }
                    Err(error) => error_notice(&error),
                }
            })}
        </Transition>
        <Show when=move || inviting.get()>
            <invite::InviteDialog
                options
                on_close=Callback::new(move |_| inviting.set(false))
                on_done=refresh
            />
        </Show>
        <Show when=move || bulk_open.get()>
            <bulk::BulkInviteDialog
                on_close=Callback::new(move |_| bulk_open.set(false))
                on_done=refresh
            />
        </Show>
    }
}
