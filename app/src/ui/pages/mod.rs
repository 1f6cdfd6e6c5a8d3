pub mod accept_invitation;
pub mod account;
pub mod audit;
pub mod entities;
pub mod home;
pub mod invitations;
pub mod mailbox;
pub mod not_found;
pub mod password;
pub mod roles;
pub mod sign_in;
pub mod users;

use crate::api::AppError;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

/// Percent-encodes a query value.
pub(crate) fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// "1 user", "3 users", "1,204 users": a count with the noun it counts.
pub(crate) fn counted(n: usize, one: &str, many: &str) -> String {
    format!(
        "{} {}",
        thousands(n as u64),
        if n == 1 { one } else { many }
    )
}

/// What the last action on a page did: done (green), or done in part (amber), said in words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    pub text: String,
    pub warning: bool,
}

impl From<String> for Notice {
    fn from(text: String) -> Self {
        Notice {
            text,
            warning: false,
        }
    }
}

/// A notice carried to the next page, for an action that ends the page it was taken on.
#[derive(Clone, Copy)]
pub struct Flash(pub RwSignal<Option<Notice>>);

impl Flash {
    /// Leaves `notice` for the next page.
    pub fn leave(self, notice: Notice) {
        self.0.set(Some(notice));
    }

    /// What the previous page left, taken once.
    pub fn take() -> Option<Notice> {
        let Flash(flash) = use_context::<Flash>()?;
        let notice = flash.get_untracked();
        if notice.is_some() {
            flash.set(None);
        }
        notice
    }
}

/// The notice line at the top of a page (hidden while there is nothing to say).
#[component]
pub fn NoticeLine(notice: RwSignal<Option<Notice>>) -> impl IntoView {
    let warning = move || notice.with(|n| n.as_ref().is_some_and(|n| n.warning));
    view! {
        <p
            class=move || if warning() { "notice warning" } else { "notice success" }
            role="status"
            hidden=move || notice.with(Option::is_none)
        >
            {move || notice.get().map(|n| n.text)}
        </p>
    }
}

/// Where a page sits among everything that matches: "51–100 of 54,320 users", "1 user",
/// "1–50 of more than 1,000 users" (counting stopped there). Empty when nothing matches.
pub(crate) fn range_line(
    offset: u64,
    shown: u64,
    total: u64,
    exact: bool,
    one: &str,
    many: &str,
) -> String {
    let of = if exact {
        thousands(total)
    } else {
        format!("more than {}", thousands(total))
    };
    match (total, exact, shown) {
        (0, _, _) => String::new(),
        (1, true, 1) => format!("1 {one}"),
        (_, _, 0) => format!("{of} {many}"),
        _ => format!(
            "{}–{} of {of} {many}",
            thousands(offset + 1),
            thousands(offset + shown)
        ),
    }
}

/// A count with thousands separators: 1000000 → "1,000,000".
pub(crate) fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `path?k=v&…` with the non-empty pairs, for filters kept in the URL.
pub(crate) fn query_href(path: &str, pairs: &[(&str, &String)]) -> String {
    let query: Vec<String> = pairs
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", encode(v)))
        .collect();
    if query.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{}", query.join("&"))
    }
}

/// The value of the input called `name` in the form that `event` submits.
pub(crate) fn form_value(event: &leptos::ev::SubmitEvent, name: &str) -> String {
    use leptos::wasm_bindgen::JsCast;
    event
        .target()
        .and_then(|t| t.dyn_into::<web_sys::HtmlFormElement>().ok())
        .and_then(|f| f.elements().named_item(name))
        .and_then(|e| e.dyn_into::<web_sys::HtmlInputElement>().ok())
        .map(|i| i.value())
        .unwrap_or_default()
}

/// A session ended elsewhere (sign-out, deactivation): go to the sign-in page, client-side.
pub fn go_to_sign_in_if_ended(error: &AppError) {
    if *error == AppError::Unauthenticated {
        use_navigate()("/sign-in", Default::default());
    }
}

/// What a screen shows when its listing could not be read: why, in words (and the sign-in
/// page at once when the session has ended).
pub(crate) fn error_notice(error: &AppError) -> AnyView {
    go_to_sign_in_if_ended(error);
    view! {
        <p class="notice error" role="alert">
            {error.to_string()}
        </p>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    #[test]
    fn counts_get_thousands_separators() {
        assert_eq!(super::thousands(0), "0");
        assert_eq!(super::thousands(999), "999");
        assert_eq!(super::thousands(1_000), "1,000");
        assert_eq!(super::thousands(1_000_004), "1,000,004");
    }
}

/// What a listing page's row actions share (Entities, Roles): which row is working, the server's
/// sentence as a notice, or its refusal as an error line (the sign-in page when the session has
/// ended); the listing is read again after either.
pub(crate) struct RowActions<K: Send + Sync + 'static> {
    pub notice: RwSignal<Option<Notice>>,
    pub failure: RwSignal<Option<String>>,
    busy: RwSignal<Option<K>>,
    refetch: Callback<()>,
}

impl<K: Send + Sync + 'static> Clone for RowActions<K> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<K: Send + Sync + 'static> Copy for RowActions<K> {}

impl<K: Clone + PartialEq + Send + Sync + 'static> RowActions<K> {
    pub fn new(refetch: impl Fn() + Send + Sync + 'static) -> Self {
        Self {
            notice: RwSignal::new(None),
            failure: RwSignal::new(None),
            busy: RwSignal::new(None),
            refetch: Callback::new(move |_| refetch()),
        }
    }

    /// For a dialog that succeeded: its sentence, and the listing read again.
    pub fn done(self) -> Callback<String> {
        Callback::new(move |message: String| {
            self.failure.set(None);
            self.notice.set(Some(Notice::from(message)));
            self.refetch.run(());
        })
    }

    /// Whether `key`'s row is working.
    pub fn pending(self, key: K) -> Signal<bool> {
        Signal::derive(move || self.busy.with(|b| b.as_ref() == Some(&key)))
    }

    /// Runs `call` for `key`'s row.
    pub fn run(
        self,
        key: K,
        call: impl std::future::Future<Output = Result<String, AppError>> + 'static,
    ) {
        self.busy.set(Some(key));
        leptos::task::spawn_local(async move {
            let answer = call.await;
            self.busy.set(None);
            match answer {
                Ok(message) => self.done().run(message),
                Err(error) => {
                    go_to_sign_in_if_ended(&error);
                    self.notice.set(None);
                    self.failure.set(Some(error.to_string()));
                    self.refetch.run(());
                }
            }
        });
    }
}

/// The notice and the error line of `RowActions`.
#[component]
pub(crate) fn RowFeedback(
    notice: RwSignal<Option<Notice>>,
    failure: RwSignal<Option<String>>,
) -> impl IntoView {
    view! {
        <NoticeLine notice />
        <p class="notice error" role="alert" hidden=move || failure.with(Option::is_none)>
            {move || failure.get()}
        </p>
    }
}
