//! Pages only some signed-in people may use. Anyone else gets a plain "no access" page (HTTP
//! 403): none of the page's controls, and none of its server calls.

use crate::api::auth::Me;
use leptos::prelude::*;
use leptos_meta::Title;

/// Who may open a page that not every signed-in person may.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PageAccess {
    /// The User Directory and a user's page.
    Admins,
    /// The Invitations page.
    Inviters,
    /// The development Mailbox: operators, when mail goes to files.
    Mailbox,
    /// The Entities page: operators.
    Entities,
    /// The Roles page: operators.
    Roles,
    /// The Audit log: operators and entity admins.
    Auditors,
}

impl PageAccess {
    pub fn allows(self, me: &Me) -> bool {
        match self {
            Self::Admins => me.is_admin,
            Self::Inviters => me.can_invite,
            Self::Mailbox => me.mailbox,
            Self::Entities => me.can_manage_entities,
            Self::Roles => me.can_manage_roles,
            Self::Auditors => me.can_read_audit,
        }
    }
}

/// The restricted pages, as the route table writes their paths; the server answers 403 for
/// them to anyone they do not allow (the page itself then says "No access").
pub const RESTRICTED_PAGES: [(&str, PageAccess); 8] = [
    ("/users", PageAccess::Admins),
    ("/users/:id", PageAccess::Admins),
    ("/invitations", PageAccess::Inviters),
    ("/mailbox", PageAccess::Mailbox),
    ("/entities", PageAccess::Entities),
    ("/entities/:id", PageAccess::Entities),
    ("/roles", PageAccess::Roles),
    ("/audit", PageAccess::Auditors),
];

#[component]
pub fn Allowed(access: PageAccess, children: Children) -> impl IntoView {
    match use_context::<Me>() {
        Some(me) if access.allows(&me) => children().into_any(),
        _ => view! { <NoAccess /> }.into_any(),
    }
}

#[component]
fn NoAccess() -> impl IntoView {
    view! {
        <Title text="No access" />
        <section class="card narrow no-access" aria-labelledby="no-access-title">
            <h1 id="no-access-title">"No access"</h1>
            <p>
                "This page is for administrators, and your account does not have access to it. If you need it, ask an admin of your organisation."
            </p>
            <a class="button primary" href="/account">
                "Go to My account"
            </a>
        </section>
    }
}
