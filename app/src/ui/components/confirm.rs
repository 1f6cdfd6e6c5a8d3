use super::modal::{Modal, ModalActions};
use leptos::prelude::*;

/// A destructive button that asks before it acts: the press opens a small dialog with the
/// question, Cancel and the confirming button, so a stray click or keypress never ends anything
/// and the question never squeezes the row it belongs to. Escape or Cancel leave everything as
/// it was, and the focus goes back to the button.
#[component]
pub fn ConfirmButton(
    label: &'static str,
    question: String,
    confirm_label: &'static str,
    on_confirm: Callback<()>,
    #[prop(into)] pending: Signal<bool>,
) -> impl IntoView {
    let asking = RwSignal::new(false);
    let close = Callback::new(move |_| asking.set(false));
    let question = StoredValue::new(question);
    view! {
        <button type="button" class="button danger-ghost" on:click=move |_| asking.set(true)>
            {label}
        </button>
        <Show when=move || asking.get()>
            <Modal title=label on_close=close>
                <p>{question.get_value()}</p>
                <ModalActions on_close=close>
                    <button
                        type="button"
                        class="button danger"
                        disabled=move || pending.get()
                        on:click=move |_| {
                            asking.set(false);
                            on_confirm.run(());
                        }
                    >
                        {confirm_label}
                    </button>
                </ModalActions>
            </Modal>
        </Show>
    }
}
