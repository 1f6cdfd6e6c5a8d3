use leptos::html::Dialog;
use leptos::prelude::*;
use leptos::wasm_bindgen::JsCast;
use leptos::web_sys::HtmlElement;

/// A modal dialog on the browser's own `<dialog>`: opened with `showModal()`, so it floats above
/// everything, the page behind is inert (Tab stays inside, Enter cannot follow a link behind it)
/// and Escape closes it. Focus goes to its first field and back to what opened it afterwards. A
/// click on the backdrop closes it, but asks first when something has been typed.
#[component]
pub fn Modal(title: &'static str, on_close: Callback<()>, children: Children) -> impl IntoView {
    let dialog = NodeRef::<Dialog>::new();
    let title_id = format!("modal-{}", title.to_lowercase().replace(' ', "-"));
    Effect::new(move |_| {
        if let Some(dialog) = dialog.get() {
            if !dialog.open() {
                // Marked in the page rather than held here, so the cleanup below stays Send.
                if let Some(focused) = document().active_element() {
                    let _ = focused.set_attribute(OPENER, "");
                }
                let _ = dialog.show_modal();
                // The browser would focus the first control, the Close button; a form starts
                // at its first field instead.
                let first_field = dialog
                    .query_selector(FIELDS)
                    .ok()
                    .flatten()
                    .and_then(|e| e.dyn_into::<HtmlElement>().ok());
                if let Some(field) = first_field {
                    let _ = field.focus();
                }
            }
        }
    });
    #[cfg(feature = "hydrate")]
    on_cleanup(move || {
        // Closed first: while it is open the page behind is inert and cannot take the focus.
        let open = document()
            .query_selector("dialog.modal-dialog[open]")
            .ok()
            .flatten();
        if let Some(open) =
            open.and_then(|e| e.dyn_into::<leptos::web_sys::HtmlDialogElement>().ok())
        {
            open.close();
        }
        let selector = format!("[{OPENER}]");
        let opener = document().query_selector(&selector).ok().flatten();
        if let Some(opener) = opener.and_then(|e| e.dyn_into::<HtmlElement>().ok()) {
            let _ = opener.remove_attribute(OPENER);
            let _ = opener.focus();
        }
    });
    // Set by the person's own input, not by what the page fills in.
    let typed = RwSignal::new(false);
    let backdrop_click = move |event: leptos::ev::MouseEvent| {
        let Some(dialog) = dialog.get_untracked() else {
            return;
        };
        // Clicks inside the panel land on its children; only the backdrop hits the dialog.
        let on_backdrop = event
            .target()
            .and_then(|t| t.dyn_into::<HtmlElement>().ok())
            .is_some_and(|t| t.is_same_node(Some(&dialog)));
        if on_backdrop
            && (!typed.get_untracked()
                || window()
                    .confirm_with_message("Discard what you typed in this dialog?")
                    .unwrap_or(false))
        {
            on_close.run(());
        }
    };
    view! {
        <dialog
            class="modal-dialog"
            aria-labelledby=title_id.clone()
            node_ref=dialog
            on:click=backdrop_click
            on:input=move |_| typed.set(true)
            on:change=move |_| typed.set(true)
            on:keydown=move |event: leptos::ev::KeyboardEvent| {
                if event.key() == "Tab" {
                    if let Some(dialog) = dialog.get_untracked() {
                        wrap_tab(&dialog, &event);
                    }
                }
            }
            on:cancel=move |event: leptos::ev::Event| {
                event.prevent_default();
                on_close.run(());
            }
        >
            <div class="modal">
                <div class="modal-head">
                    <h2 id=title_id.clone()>{title}</h2>
                    <button
                        type="button"
                        class="button ghost icon"
                        aria-label="Close"
                        on:click=move |_| on_close.run(())
                    >
                        "×"
                    </button>
                </div>
                {children()}
            </div>
        </dialog>
    }
}

/// What a dialog's first field can be.
const FIELDS: &str =
    "input:not([type=hidden]):not([disabled]), select:not([disabled]), textarea:not([disabled])";

/// The attribute that marks the element to give the focus back to.
const OPENER: &str = "data-dialog-opener";

/// Tab from the last control goes to the first, Shift+Tab from the first to the last, so the
/// focus never leaves the dialog (not even for the browser's own toolbar).
fn wrap_tab(dialog: &HtmlElement, event: &leptos::ev::KeyboardEvent) {
    const FOCUSABLE: &str = "a[href], button:not([disabled]), input:not([disabled]):not([type=hidden]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex='-1'])";
    let Ok(nodes) = dialog.query_selector_all(FOCUSABLE) else {
        return;
    };
    let controls: Vec<HtmlElement> = (0..nodes.length())
        .filter_map(|i| nodes.item(i))
        .filter_map(|n| n.dyn_into::<HtmlElement>().ok())
        .filter(|e| e.offset_parent().is_some())
        .collect();
    let (Some(first), Some(last)) = (controls.first(), controls.last()) else {
        return;
    };
    let active = document().active_element();
    let at = |e: &HtmlElement| active.as_ref().is_some_and(|a| a.is_same_node(Some(e)));
    let outside = !active.as_ref().is_some_and(|a| dialog.contains(Some(a)));
    if event.shift_key() && (at(first) || outside) {
        event.prevent_default();
        let _ = last.focus();
    } else if !event.shift_key() && (at(last) || outside) {
        event.prevent_default();
        let _ = first.focus();
    }
}

/// The foot of a dialog form: Cancel, then the dialog's own button(s).
#[component]
pub fn ModalActions(on_close: Callback<()>, children: Children) -> impl IntoView {
    view! {
        <div class="modal-actions">
            <button type="button" class="button ghost" on:click=move |_| on_close.run(())>
                "Cancel"
            </button>
            {children()}
        </div>
    }
}

/// The foot of a dialog's form: what went wrong as a whole, Cancel, and the submit button, which
/// says when it is working and waits for the page to be ready.
#[component]
pub fn FormFoot(
    #[prop(into)] summary: Signal<Option<String>>,
    #[prop(into)] pending: Signal<bool>,
    on_close: Callback<()>,
    label: &'static str,
    working: &'static str,
) -> impl IntoView {
    view! {
        <p class="form-error" role="alert">
            {move || summary.get()}
        </p>
        <ModalActions on_close>
            <button
                type="submit"
                class="button primary"
                disabled=crate::ui::submit_blocked(move || pending.get())
            >
                {move || if pending.get() { working } else { label }}
            </button>
        </ModalActions>
    }
}

/// A status as colour and text, so it reads without colour too.
#[component]
pub fn StatusBadge(#[prop(into)] status: Signal<String>) -> impl IntoView {
    // Named as the seeds write statuses: "Pending", not "pending".
    let label = move || {
        let status = status.get();
        let mut chars = status.chars();
        chars
            .next()
            .map(|first| first.to_uppercase().chain(chars).collect::<String>())
            .unwrap_or_default()
    };
    view! { <span class=move || format!("badge {}", status.get())>{label}</span> }
}

/// A dialog's form action: its last answer's errors, per field and as a whole; once it
/// succeeds, the server's sentence goes to `on_done` and the dialog closes.
pub fn form_action<A>(
    action: ServerAction<A>,
    on_close: Callback<()>,
    on_done: Callback<String>,
) -> (
    impl Fn(&'static str) -> Signal<Option<String>> + Copy,
    Signal<Option<String>>,
)
where
    A: leptos::server_fn::ServerFn<Output = String, Error = crate::api::AppError>
        + Clone
        + Send
        + Sync
        + 'static,
{
    Effect::new(move |_| {
        if let Some(Ok(message)) = action.value().get() {
            on_done.run(message);
            on_close.run(());
        }
    });
    let error = move || action.value().get().and_then(Result::err);
    let field =
        move |name: &'static str| Signal::derive(move || error().and_then(|e| e.field(name)));
    (field, Signal::derive(move || error().map(|e| e.summary())))
}
