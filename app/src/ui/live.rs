//! Live updates in the browser: one `EventSource` on `/events` per signed-in admin, opened once
//! the page has hydrated. The browser reconnects by itself and sends the last event's id, so the
//! server replays what was missed. Pages say which events concern them (`follow`): a change to
//! something they show is redrawn in place (the page's data is read again, a burst of changes
//! once), and something new is announced with a button rather than pushed into the page under
//! the reader's eyes. Nothing a person is typing is touched: forms keep their own state.

use crate::api::auth::Me;
use leptos::prelude::*;
use serde::Deserialize;
use uuid::Uuid;

/// An `admin.event` as the stream sends it.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct LiveEvent {
    pub id: Uuid,
    pub action: String,
    pub entity_id: Option<Uuid>,
    pub target_kind: String,
    pub target_id: Option<Uuid>,
    pub actor_id: Option<Uuid>,
}

/// What the signed-in layout provides: the latest event from someone else, and a count of
/// resets (the stream could not replay everything missed: read everything afresh).
#[derive(Clone, Copy)]
pub struct Live {
    latest: RwSignal<Option<LiveEvent>>,
    resets: RwSignal<u32>,
}

/// What a page does with an event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    Ignore,
    /// Something the page shows changed: read the page's data again.
    Redraw,
    /// Something new appeared: say so, and read it when the person asks.
    Announce,
}

/// Provides `Live` and, once `me` is known to be an admin, opens the stream (in the browser only).
pub fn provide(me: Resource<Result<Option<Me>, crate::api::AppError>>) {
    let live = Live {
        latest: RwSignal::new(None),
        resets: RwSignal::new(0),
    };
    provide_context(live);
    #[cfg(feature = "hydrate")]
    {
        let opened = StoredValue::new(false);
        leptos::prelude::Effect::new(move |_| {
            let admin = me.with(
                |m| matches!(m, Some(Ok(Some(me))) if me.is_admin && !me.must_change_password),
            );
            let own = me.with(|m| match m {
                Some(Ok(Some(me))) => Some(me.id),
                _ => None,
            });
            if admin && !opened.get_value() {
                opened.set_value(true);
                open(live, own);
            }
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = me;
}

#[cfg(feature = "hydrate")]
fn open(live: Live, me: Option<Uuid>) {
    use leptos::wasm_bindgen::closure::Closure;
    use leptos::wasm_bindgen::JsCast;
    use leptos::web_sys::{EventSource, MessageEvent};
    use std::collections::VecDeque;
    let Ok(source) = EventSource::new("/events") else {
        return;
    };
    // Replays reach a little back in time; each event is acted on once.
    let mut seen: VecDeque<Uuid> = VecDeque::new();
    let on_event = Closure::<dyn FnMut(MessageEvent)>::new(move |message: MessageEvent| {
        let Some(text) = message.data().as_string() else {
            return;
        };
        let Ok(event) = serde_json::from_str::<LiveEvent>(&text) else {
            return;
        };
        if seen.contains(&event.id) {
            return;
        }
        if seen.len() == 256 {
            seen.pop_front();
        }
        seen.push_back(event.id);
        // This browser's own changes already show: its pages read again after each action.
        if me.is_some() && event.actor_id == me {
            return;
        }
        live.latest.set(Some(event));
    });
    let on_reset = Closure::<dyn FnMut(MessageEvent)>::new(move |_: MessageEvent| {
        live.resets.update(|n| *n += 1);
    });
    let _ =
        source.add_event_listener_with_callback("admin.event", on_event.as_ref().unchecked_ref());
    let _ = source.add_event_listener_with_callback("reset", on_reset.as_ref().unchecked_ref());
    // The stream lives as long as the page: the listeners stay with it.
    on_event.forget();
    on_reset.forget();
    std::mem::forget(source);
}

/// Follows the live events for a page: `judge` says what each one means to it, `refresh` reads
/// the page's data again. Returns how many new things were announced and not yet shown.
pub fn follow(
    judge: impl Fn(&LiveEvent) -> Effect + Send + Sync + 'static,
    refresh: impl Fn() + Clone + Send + Sync + 'static,
) -> RwSignal<u32> {
    let news = RwSignal::new(0u32);
    let Some(live) = use_context::<Live>() else {
        return news;
    };
    let again = refresh.clone();
    leptos::prelude::Effect::new(move |before: Option<u32>| {
        let resets = live.resets.get();
        if before.is_some_and(|b| b != resets) {
            again();
        }
        resets
    });
    // A burst of changes (a bulk action) reads the page once.
    let waiting = StoredValue::new(false);
    let redraw = move || {
        if waiting.get_value() {
            return;
        }
        waiting.set_value(true);
        let refresh = refresh.clone();
        set_timeout(
            move || {
                waiting.set_value(false);
                // They may have started something meanwhile.
                if busy_here() {
                    news.update(|n| *n += 1);
                } else {
                    refresh();
                }
            },
            std::time::Duration::from_millis(300),
        );
    };
    leptos::prelude::Effect::new(move |before: Option<Option<Uuid>>| {
        let event = live.latest.get();
        let id = event.as_ref().map(|e| e.id);
        // The event that was latest when the page opened is already in what it read.
        if before.is_none() {
            return id;
        }
        if let Some(event) = event {
            match untrack(|| judge(&event)) {
                Effect::Ignore => {}
                // Someone in the middle of something (a dialog, a menu, a field, a row they
                // are on) keeps it: the change waits for them to ask.
                Effect::Redraw if busy_here() => news.update(|n| *n += 1),
                Effect::Redraw => redraw(),
                Effect::Announce => news.update(|n| *n += 1),
            }
        }
        id
    });
    news
}

fn busy_here() -> bool {
    let doc = document();
    let open = |selector: &str| doc.query_selector(selector).ok().flatten().is_some();
    let focus_inside = doc.active_element().is_some_and(|el| {
        matches!(el.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT")
            || el.closest("table").ok().flatten().is_some()
    });
    open("dialog[open]") || open("[role=menu]:popover-open") || focus_inside
}

/// "3 new — Show": shown while something new waits; Show reads it and clears the count.
#[component]
pub fn LiveNews(
    news: RwSignal<u32>,
    /// "user or invitation", "event".
    one: &'static str,
    many: &'static str,
    on_show: Callback<()>,
) -> impl IntoView {
    view! {
        // Polite, but not a `status`: the page's own notices keep that role.
        <p class="live-news" aria-live="polite" hidden=move || news.get() == 0>
            <span>
                {move || {
                    let n = news.get();
                    format!("{n} new {}", if n == 1 { one } else { many })
                }}
            </span>
            <button
                type="button"
                class="button small"
                on:click=move |_| {
                    news.set(0);
                    on_show.run(());
                }
            >
                "Show"
            </button>
        </p>
    }
}
