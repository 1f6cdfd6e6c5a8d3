//! An entity's page (operators): its people by status, pending invitations and admins, each
//! leading to the directory or Invitations filtered to it; Rename, Suspend and Resume; and what
//! happened in it lately, with the audit log filtered to it one click away.

use super::dialogs::RenameDialog;
use super::{entity_actions, people};
use crate::api::entities::{get_entity, EntityDetail};
use crate::ui::components::audit::AuditTrail;
use crate::ui::components::modal::StatusBadge;
use crate::ui::live::{self, LiveNews};
use crate::ui::pages::{error_notice, thousands, RowActions, RowFeedback};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use uuid::Uuid;

#[component]
pub fn EntityPage() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| {
        params
            .get()
            .get("id")
            .and_then(|id| Uuid::parse_str(&id).ok())
    });
    let detail = Resource::new(
        move || id.get(),
        |id| async move {
            match id {
                Some(id) => get_entity(id).await,
                None => Err(crate::api::AppError::NotFound),
            }
        },
    );
    let actions = RowActions::<Uuid>::new(move || detail.refetch());
    let renaming = RwSignal::new(false);
    let news = live::follow(
        move |e| {
            if e.entity_id.is_some() && e.entity_id == id.get_untracked() {
                live::Effect::Redraw
            } else {
                live::Effect::Ignore
            }
        },
        move || detail.refetch(),
    );
    view! {
        <p class="crumbs">
            <a href="/entities">"← Entities"</a>
        </p>
        <RowFeedback notice=actions.notice failure=actions.failure />
        <LiveNews
            news
            one="change"
            many="changes"
            on_show=Callback::new(move |_| detail.refetch())
        />
        <Transition fallback=|| {
            view! { <p class="page-loading">"Loading entity…"</p> }
        }>
            {move || Suspend::new(async move {
                match detail.await {
                    Ok(d) => entity_view(d, actions, renaming).into_any(),
                    Err(error) => {
                        view! {
                            <Title text="Entity" />
                            {error_notice(&error)}
                        }
                            .into_any()
                    }
                }
            })}
        </Transition>
    }
}

fn entity_view(
    d: EntityDetail,
    actions: RowActions<Uuid>,
    renaming: RwSignal<bool>,
) -> impl IntoView {
    let row = d.row;
    let id = row.id;
    let suspended = !row.suspended.is_empty();
    let users_href = format!("/users?entity={id}");
    let current = row.name.clone();
    view! {
        <Title text=row.name.clone() />
        <div class="page-head">
            <h1>
                {row.name.clone()} " "
                <StatusBadge status=(if suspended { "suspended" } else { "active" }).to_string() />
            </h1>
            <div class="actions">
                {entity_actions(
                    &row,
                    actions,
                    Callback::new(move |_| renaming.set(true)),
                    "button",
                )}
            </div>
        </div>
        <dl class="card facts">
            <dt>"Slug"</dt>
            <dd>
                <code>{row.slug.clone()}</code>
            </dd>
            <dt>"Users"</dt>
            <dd>
                <a href=users_href.clone()>{people(&row)}</a>
            </dd>
            <dt>"Pending invitations"</dt>
            <dd>
                <a href=format!(
                    "/invitations?entity={id}&status=pending",
                )>{thousands(row.pending_invitations)}</a>
            </dd>
            <dt>"Admins"</dt>
            <dd>{thousands(row.admins)}</dd>
            <dt>"Created"</dt>
            <dd>{row.created.clone()}</dd>
            {suspended
                .then(|| {
                    view! {
                        <dt>"Suspension"</dt>
                        <dd>{row.suspended.clone()}</dd>
                    }
                })}
        </dl>
        <section class="card" aria-labelledby="activity-title">
            <h2 id="activity-title">"Recent activity"</h2>
            {if d.activity.is_empty() {
                view! { <p class="muted">"Nothing recorded yet."</p> }.into_any()
            } else {
                view! { <AuditTrail lines=d.activity /> }.into_any()
            }}
            <p>
                <a href=format!("/audit?entity={id}")>"See all in the audit log"</a>
            </p>
        </section>
        <Show when=move || renaming.get()>
            <RenameDialog
                id
                current=current.clone()
                on_close=Callback::new(move |_| renaming.set(false))
                on_done=actions.done()
            />
        </Show>
    }
}
