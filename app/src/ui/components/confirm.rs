use leptos::html::Button;
use leptos::prelude::*;

/// A destructive button that asks before it acts: the first press shows the question with
/// Confirm and Cancel, so a stray click or keypress never ends anything. The confirm button takes
/// the focus; Escape cancels.
#[component]
pub fn ConfirmButton(
    label: &'static str,
    question: String,
    confirm_label: &'static str,
    on_confirm: Callback<()>,
    #[prop(into)] pending: Signal<bool>,
) -> impl IntoView {
    let asking = RwSignal::new(false);
    let confirm_button = NodeRef::<Button>::new();
    Effect::new(move |_| {
        if asking.get() {
            if let Some(button) = confirm_button.get() {
                let _ = button.focus();
            }
        }
    });
    let question_text = question.clone();
    view! {
        <Show
            when=move || asking.get()
            fallback=move || {
                view! {
                    <button
                        type="button"
                        class="button danger-ghost"
                        on:click=move |_| asking.set(true)
                    >
                        {label}
                    </button>
                }
            }
        >
            <span
                class="confirm"
                role="group"
                aria-label=question.clone()
                on:keydown=move |event| {
                    if event.key() == "Escape" {
                        asking.set(false);
                    }
                }
            >
                <span class="confirm-question">{question_text.clone()}</span>
                <button
                    type="button"
                    class="button danger"
                    node_ref=confirm_button
                    disabled=move || pending.get()
                    on:click=move |_| {
                        asking.set(false);
                        on_confirm.run(());
                    }
                >
                    {confirm_label}
                </button>
                <button type="button" class="button ghost" on:click=move |_| asking.set(false)>
                    "Cancel"
                </button>
            </span>
        </Show>
    }
}
