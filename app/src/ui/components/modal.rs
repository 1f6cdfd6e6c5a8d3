use leptos::html::Div;
use leptos::prelude::*;

/// A modal dialog: labelled by its title, Escape or the backdrop closes it, and focus moves
/// into it when it opens.
#[component]
pub fn Modal(title: &'static str, on_close: Callback<()>, children: Children) -> impl IntoView {
    let panel = NodeRef::<Div>::new();
    let title_id = format!("modal-{}", title.to_lowercase().replace(' ', "-"));
    Effect::new(move |_| {
        if let Some(panel) = panel.get() {
            let first = panel
                .query_selector("input:not([type=hidden]), select, textarea, button")
                .ok()
                .flatten();
            if let Some(element) = first {
                use leptos::wasm_bindgen::JsCast;
                if let Ok(element) = element.dyn_into::<leptos::web_sys::HtmlElement>() {
                    let _ = element.focus();
                }
            }
        }
    });
    view! {
        <div class="modal-backdrop" on:click=move |_| on_close.run(())>
            <div
                class="modal"
                role="dialog"
                aria-modal="true"
                aria-labelledby=title_id.clone()
                node_ref=panel
                on:click=|event| event.stop_propagation()
                on:keydown=move |event| {
                    if event.key() == "Escape" {
                        on_close.run(());
                    }
                }
            >
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
        </div>
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

/// A status as colour and text, so it reads without colour too.
#[component]
pub fn StatusBadge(#[prop(into)] status: Signal<String>) -> impl IntoView {
    view! { <span class=move || format!("badge {}", status.get())>{move || status.get()}</span> }
}
