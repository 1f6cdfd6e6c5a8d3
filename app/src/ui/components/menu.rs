//! A WAI-ARIA menu button on the native popover: the list floats in the top layer (never cut
//! off by a table or a card), opens below its button or above it when the window has no room,
//! closes on Escape, Tab, a click outside or a scroll, and is walked with the arrow keys, Home
//! and End. What the items do is the caller's; an item calls [`Menu::close`] first.

use leptos::prelude::*;
use leptos::wasm_bindgen::JsCast;
use leptos::web_sys::{Element, HtmlElement};

/// The two nodes of one menu: its button and its floating list.
#[derive(Clone, Copy)]
pub struct Menu {
    list: NodeRef<leptos::html::Div>,
    button: NodeRef<leptos::html::Button>,
}

impl Menu {
    pub fn new() -> Self {
        Self {
            list: NodeRef::new(),
            button: NodeRef::new(),
        }
    }

    fn is_open(self) -> bool {
        self.list
            .get_untracked()
            .and_then(|l| l.matches(":popover-open").ok())
            .unwrap_or(false)
    }

    /// The items that can take focus, in order.
    fn items(self) -> Vec<HtmlElement> {
        let Some(list) = self.list.get_untracked() else {
            return Vec::new();
        };
        let Ok(found) = list.query_selector_all("[role=menuitem]:not([disabled])") else {
            return Vec::new();
        };
        (0..found.length())
            .filter_map(|i| found.item(i))
            .filter_map(|node| node.dyn_into::<HtmlElement>().ok())
            .collect()
    }

    /// Opens the menu from the keyboard, focusing its first item (or its last, for ArrowUp).
    fn open(self, last: bool) {
        if let Some(el) = self.list.get_untracked() {
            if !self.is_open() {
                let _ = el.show_popover();
            }
        }
        let items = self.items();
        let item = if last { items.last() } else { items.first() };
        if let Some(item) = item {
            let _ = item.focus();
        }
    }

    /// Closes the menu and puts focus back on its button (where a dialog it opens returns it).
    pub fn close(self) {
        if self.is_open() {
            if let Some(el) = self.list.get_untracked() {
                let _ = el.hide_popover();
            }
        }
        if let Some(button) = self.button.get_untracked() {
            let _ = button.focus();
        }
    }

    /// Places the open menu under the right edge of its button, or above it when the window
    /// has no room below; then focuses the first item unless the keyboard already chose one.
    fn place(self) {
        let (Some(el), Some(button)) = (self.list.get_untracked(), self.button.get_untracked())
        else {
            return;
        };
        let window = leptos::prelude::window();
        let size = |v: Result<leptos::wasm_bindgen::JsValue, _>| {
            v.ok().and_then(|v| v.as_f64()).unwrap_or(0.0)
        };
        let (height, width) = (size(window.inner_height()), size(window.inner_width()));
        let at = button.get_bounding_client_rect();
        let (h, w) = (el.offset_height() as f64, el.offset_width() as f64);
        let below = at.bottom() + 4.0;
        let top = if below + h > height - 8.0 && at.top() - 4.0 - h >= 8.0 {
            at.top() - 4.0 - h
        } else {
            below
        };
        let left = (at.right() - w).clamp(8.0, (width - w - 8.0).max(8.0));
        // Through the CSS object model: the Content-Security-Policy refuses style attributes.
        let style = HtmlElement::style(&el);
        let _ = style.set_property("top", &format!("{top:.0}px"));
        let _ = style.set_property("left", &format!("{left:.0}px"));
        let inside = leptos::prelude::document()
            .active_element()
            .is_some_and(|a| el.contains(Some(&a)));
        if !inside {
            if let Some(first) = self.items().first() {
                let _ = first.focus();
            }
        }
    }

    /// The keys of an open menu: arrows move between items (wrapping), Home and End jump,
    /// Escape and Tab close it and return to the button.
    fn keys(self, e: leptos::ev::KeyboardEvent) {
        let items = self.items();
        if items.is_empty() {
            return;
        }
        let active = leptos::prelude::document().active_element();
        let at = items.iter().position(|item| {
            active
                .as_ref()
                .is_some_and(|a| a == item.as_ref() as &Element)
        });
        let n = items.len();
        let target = match e.key().as_str() {
            "ArrowDown" => Some(at.map_or(0, |i| (i + 1) % n)),
            "ArrowUp" => Some(at.map_or(n - 1, |i| (i + n - 1) % n)),
            "Home" => Some(0),
            "End" => Some(n - 1),
            "Escape" | "Tab" => {
                e.prevent_default();
                self.close();
                None
            }
            _ => None,
        };
        if let Some(i) = target {
            e.prevent_default();
            let _ = items[i].focus();
        }
    }
}

impl Default for Menu {
    fn default() -> Self {
        Self::new()
    }
}

/// The ⋮ button and its list. `id` names the list (unique on the page); `label` says whose
/// actions these are. The children are the items: links or buttons with `role="menuitem"` and
/// `tabindex="-1"`.
#[component]
pub fn MenuButton(menu: Menu, id: String, label: String, children: Children) -> impl IntoView {
    let open = RwSignal::new(false);
    // A scrolled page would leave the floating list behind its button: it closes instead.
    // `try_`: a scroll can arrive while a re-rendered table is disposing of this menu.
    let on_scroll = window_event_listener(leptos::ev::scroll, move |_| {
        if open.try_get_untracked() == Some(true) {
            if let Some(el) = menu.list.try_get_untracked().flatten() {
                let _ = el.hide_popover();
            }
        }
    });
    on_cleanup(move || on_scroll.remove());
    view! {
        <button
            type="button"
            class="button icon"
            node_ref=menu.button
            aria-haspopup="menu"
            aria-controls=id.clone()
            aria-expanded=move || open.get().to_string()
            aria-label=label.clone()
            title=label
            popovertarget=id.clone()
            on:keydown=move |e| {
                let key = e.key();
                if key == "ArrowDown" || key == "ArrowUp" {
                    e.prevent_default();
                    menu.open(key == "ArrowUp");
                }
            }
        >
            "⋮"
        </button>
        <div
            class="menu-list"
            role="menu"
            id=id
            popover="auto"
            node_ref=menu.list
            on:toggle=move |_| {
                let shown = menu.is_open();
                open.set(shown);
                if shown {
                    menu.place();
                }
            }
            on:keydown=move |e| menu.keys(e)
        >
            {children()}
        </div>
    }
}
