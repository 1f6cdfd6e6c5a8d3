//! The User Directory: search as you type, filters and sort in the URL, keyset pages, status
//! badges, row click to the user's page and a ⋮ menu of quick actions per row.

mod actions;
mod bulk;
mod create;
mod detail;
mod edit;
mod form;
mod table;

pub use detail::UserPage;

use crate::api::directory::{directory_options, list_directory, parse_statuses, DirectoryQuery};
use crate::api::users::user_form_options;
use crate::domain::order::Order;
use crate::ui::components::choices::EntityFilter;
use crate::ui::live;
use crate::ui::pages::{error_notice, query_href};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::NavigateOptions;

const STATUSES: [(&str, &str); 4] = [
    ("active", "Active"),
    ("pending", "Pending"),
    ("inactive", "Inactive"),
    ("deleted", "Deleted"),
];

fn href(q: &DirectoryQuery) -> String {
    query_href(
        "/users",
        &[
            ("q", &q.q),
            ("status", &q.status),
            ("entity", &q.entity),
            ("sort", &q.sort),
            ("after", &q.after),
        ],
    )
}

fn is_focused(field: &leptos::web_sys::HtmlInputElement) -> bool {
    let field: &leptos::web_sys::Element = field.as_ref();
    document().active_element().is_some_and(|a| &a == field)
}

#[component]
pub fn DirectoryPage() -> impl IntoView {
    let params = use_query_map();
    let query = Memo::new(move |_| {
        let p = params.get();
        let get = |k: &str| p.get(k).unwrap_or_default();
        DirectoryQuery {
            status: get("status"),
            entity: get("entity"),
            q: get("q"),
            sort: get("sort"),
            after: get("after"),
        }
    });
    // Each change of the query fetches again; an answer to an older query never replaces a
    // newer one (the resource keeps only the latest run's result).
    let list = Resource::new(move || query.get(), list_directory);
    let options = Resource::new(|| (), |_| directory_options());
    let form_options = Resource::new(|| (), |_| user_form_options());
    let creating = RwSignal::new(false);
    let can_create = use_context::<crate::api::auth::Me>().is_some_and(|me| me.can_manage_users);
    let earlier = RwSignal::new(Vec::<String>::new());
    let notice = RwSignal::new(crate::ui::pages::Flash::take());
    let navigate = use_navigate();
    let go = Callback::new(move |(q, replace): (DirectoryQuery, bool)| {
        navigate(
            &href(&q),
            NavigateOptions {
                replace,
                scroll: false,
                ..Default::default()
            },
        );
    });
    // A filter change starts again at the first page.
    let set = move |change: &dyn Fn(&mut DirectoryQuery), replace: bool| {
        let mut q = query.get_untracked();
        change(&mut q);
        q.after.clear();
        earlier.set(Vec::new());
        go.run((q, replace));
    };
    let chosen = Memo::new(move |_| parse_statuses(&query.get().status));
    let toggle_status = move |status: &'static str, on: bool| {
        let mut list = chosen.get_untracked();
        list.retain(|s| s != status);
        if on {
            list.push(status.to_string());
        }
        let text = STATUSES
            .iter()
            .filter(|(s, _)| list.iter().any(|c| c == s))
            .map(|(s, _)| *s)
            .collect::<Vec<_>>()
            .join(",");
        set(&|q| q.status = text.clone(), false);
    };

    // The search field is the server's until the page hydrates: what a person typed into it
    // by then is kept and searched for, never replaced by the query the page was opened with.
    // Later, a query changed elsewhere (Back, Clear filters) shows in the field.
    let search_input = NodeRef::<leptos::html::Input>::new();
    Effect::new(move |hydrated: Option<()>| {
        let q = query.with(|q| q.q.clone());
        let Some(field) = search_input.get() else {
            return;
        };
        let typed = field.value();
        if typed == q {
            return;
        }
        if hydrated.is_none() {
            set(&|q| q.q = typed.clone(), true);
        } else if !is_focused(&field) {
            // Never under the person's fingers: what they type is the query.
            field.set_value(&q);
        }
    });
    // Set while a listing for a changed query is on its way (the old rows stay meanwhile).
    let loading = RwSignal::new(false);
    // Someone else's change to people or invitations: rows shown are redrawn; new ones wait.
    let news = live::follow(
        move |e| {
            let chosen = query.with_untracked(|q| q.entity.clone());
            let elsewhere =
                !chosen.is_empty() && e.entity_id.map(|id| id.to_string()) != Some(chosen);
            match (e.target_kind.as_str(), e.action.as_str()) {
                _ if elsewhere => live::Effect::Ignore,
                (_, "user.created" | "invitation.created") => live::Effect::Announce,
                ("user" | "invitation", _) => live::Effect::Redraw,
                _ => live::Effect::Ignore,
            }
        },
        move || list.refetch(),
    );

    view! {
        <Title text="Users" />
        <div class="page-head">
            <h1>"Users"</h1>
            <div class="actions">
                <a
                    class="button"
                    download
                    href=move || {
                        let mut q = query.get();
                        q.after.clear();
                        href(&q).replacen("/users", "/export/users.csv", 1)
                    }
                >
                    "Export CSV"
                </a>
                <a class="button" href="/invitations">
                    "Invitations"
                </a>
                {can_create
                    .then(|| {
                        view! {
                            <button
                                type="button"
                                class="button primary"
                                on:click=move |_| creating.set(true)
                            >
                                "Create User"
                            </button>
                        }
                    })}
            </div>
        </div>
        <crate::ui::pages::NoticeLine notice />
        <form class="filters" role="search" on:submit=|e| e.prevent_default()>
            <label class="filter grow">
                <span>"Search"</span>
                <input
                    type="search"
                    name="q"
                    placeholder="Name or email"
                    autocomplete="off"
                    node_ref=search_input
                    value=query.get_untracked().q
                    on:input=move |e| {
                        let text = event_target_value(&e);
                        set(&|q| q.q = text.clone(), true);
                    }
                />
            </label>
            <fieldset class="filter status-filter">
                <legend>"Status"</legend>
                {STATUSES
                    .into_iter()
                    .map(|(status, label)| {
                        view! {
                            <label class="check">
                                <input
                                    type="checkbox"
                                    name="status"
                                    value=status
                                    prop:checked=move || chosen.get().iter().any(|s| s == status)
                                    on:change=move |e| toggle_status(
                                        status,
                                        event_target_checked(&e),
                                    )
                                />
                                {label}
                            </label>
                        }
                    })
                    .collect_view()}
            </fieldset>
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
                                    on_change=Callback::new(move |value: String| {
                                        set(&|q| q.entity = value.clone(), false)
                                    })
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
                    name="sort"
                    on:change=move |e| {
                        let value = event_target_value(&e);
                        set(&|q| q.sort = value.clone(), false);
                    }
                    prop:value=move || Order::parse(&query.get().sort).as_param()
                >
                    {
                        let current = query.with_untracked(|q| Order::parse(&q.sort));
                        Order::CHOICES
                            .map(|order| {
                                view! {
                                    <option value=order.as_param() selected=order == current>
                                        {order.label()}
                                    </option>
                                }
                            })
                            .collect_view()
                    }
                </select>
            </label>
        </form>
        // While a listing for a changed query is on its way the rows shown stay, dimmed, and
        // the line above them says so. Outside the Transition: it outlives each table.
        <live::LiveNews
            news
            one="change"
            many="changes"
            on_show=Callback::new(move |_| list.refetch())
        />
        <div class="listing" aria-busy=move || loading.get().to_string()>
            <p class="listing-status muted" role="status">
                {move || loading.get().then_some("Searching…")}
            </p>
            <Transition
                fallback=|| {
                    view! { <p class="page-loading">"Loading users…"</p> }
                }
                set_pending=SignalSetter::map(move |pending| {
                    if cfg!(not(feature = "ssr")) {
                        let _ = loading.try_set(pending);
                    }
                })
            >
                {move || Suspend::new(async move {
                    match list.await {
                        Ok(page) => {
                            let filtered = query
                                .with_untracked(|q| {
                                    !(q.q.is_empty() && q.status.is_empty() && q.entity.is_empty())
                                });
                            view! {
                                <table::DirectoryTable
                                    page
                                    first=Signal::derive(move || query.get().after.is_empty())
                                    on_next=Callback::new(move |next: String| {
                                        let mut q = query.get_untracked();
                                        earlier.update(|e| e.push(q.after.clone()));
                                        q.after = next;
                                        go.run((q, false));
                                    })
                                    on_previous=Callback::new(move |_| {
                                        let mut q = query.get_untracked();
                                        let mut stack = earlier.get_untracked();
                                        q.after = stack.pop().unwrap_or_default();
                                        earlier.set(stack);
                                        go.run((q, false));
                                    })
                                    notice
                                    options=form_options
                                    sort=query.with_untracked(|q| q.sort.clone())
                                    on_sort=Callback::new(move |sort: String| {
                                        set(&|q| q.sort = sort.clone(), false)
                                    })
                                    on_clear=filtered
                                        .then(|| {
                                            Callback::new(move |_| {
                                                set(
                                                    &|q| {
                                                        q.q.clear();
                                                        q.status.clear();
                                                        q.entity.clear();
                                                    },
                                                    false,
                                                )
                                            })
                                        })
                                />
                            }
                                .into_any()
                        }
                        Err(error) => error_notice(&error),
                    }
                })}
            </Transition>
        </div>
        <Show when=move || creating.get()>
            <create::CreateUserDialog
                options=form_options
                on_close=Callback::new(move |_| creating.set(false))
                on_done=Callback::new(move |message: String| {
                    notice.set(Some(crate::ui::pages::Notice::from(message)));
                    list.refetch();
                })
            />
        </Show>
    }
}
