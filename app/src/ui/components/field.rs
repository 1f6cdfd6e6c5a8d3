use leptos::prelude::*;

/// A labelled input whose server-side error stands right under it.
#[component]
pub fn Field(
    label: &'static str,
    name: &'static str,
    #[prop(default = "text")] kind: &'static str,
    #[prop(default = "off")] autocomplete: &'static str,
    #[prop(optional)] hint: &'static str,
    #[prop(optional)] required: bool,
    #[prop(into)] error: Signal<Option<String>>,
    /// Binds the input to a signal, so what was typed survives a failed submit and re-renders.
    #[prop(optional)]
    value: Option<RwSignal<String>>,
) -> impl IntoView {
    let error_id = format!("{name}-error");
    let hint_id = format!("{name}-hint");
    let described_by = format!("{hint_id} {error_id}");
    view! {
        <div class="field" class:has-error=move || error.get().is_some()>
            <label for=name>{label}</label>
            <input
                id=name
                name=name
                type=kind
                autocomplete=autocomplete
                required=required
                aria-invalid=move || if error.get().is_some() { "true" } else { "false" }
                aria-describedby=described_by
                prop:value=move || value.map(|v| v.get()).unwrap_or_default()
                on:input=move |event| {
                    if let Some(value) = value {
                        value.set(event_target_value(&event));
                    }
                }
            />
            // The hint gives way to the error, which says the same thing more pointedly.
            {(!hint.is_empty())
                .then(|| {
                    view! {
                        <p class="hint" id=hint_id.clone() hidden=move || error.get().is_some()>
                            {hint}
                        </p>
                    }
                })}
            <p class="field-error" id=error_id>
                {move || error.get()}
            </p>
        </div>
    }
}

/// A labelled input for a server-rendered form: its value and error are fixed when it renders.
#[component]
pub fn PlainField(
    label: &'static str,
    name: &'static str,
    kind: &'static str,
    autocomplete: &'static str,
    value: String,
    error: Option<String>,
) -> impl IntoView {
    let error_id = format!("{name}-error");
    let has_error = error.is_some();
    let invalid = if has_error { "true" } else { "false" };
    view! {
        <div class="field" class:has-error=has_error>
            <label for=name>{label}</label>
            <input
                id=name
                name=name
                type=kind
                autocomplete=autocomplete
                required
                value=value
                aria-invalid=invalid
                aria-describedby=error_id.clone()
            />
            <p class="field-error" id=error_id>
                {error}
            </p>
        </div>
    }
}
