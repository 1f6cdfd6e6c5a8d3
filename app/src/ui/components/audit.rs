use crate::api::audit::AuditLine;
use leptos::prelude::*;

/// Events as sentences, newest first, each with the fields it changed, when, and from where.
/// The Audit log page and a user's trail show events the same way.
#[component]
pub fn AuditTrail(lines: Vec<AuditLine>) -> impl IntoView {
    view! {
        <ol class="audit-trail">
            {lines
                .into_iter()
                .map(|line| {
                    view! {
                        <li>
                            <span class="strong">{line.sentence}</span>
                            <span class="muted small">{format!(" · {}", line.at)}</span>
                            {(!line.changes.is_empty())
                                .then(|| {
                                    view! {
                                        <ul class="audit-changes">
                                            {line
                                                .changes
                                                .into_iter()
                                                .map(|c| view! { <li>{c}</li> })
                                                .collect_view()}
                                        </ul>
                                    }
                                })}
                            {(!line.origin.is_empty())
                                .then(|| view! { <p class="muted small mono">{line.origin}</p> })}
                        </li>
                    }
                })
                .collect_view()}
        </ol>
    }
}
