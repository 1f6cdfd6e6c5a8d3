//! The Leptos UI: the HTML shell, the route table and the signed-in layout.

#[cfg(feature = "ssr")]
pub mod assets;
pub mod components;
pub mod form_post;
pub mod live;
pub mod pages;

use crate::api::auth::current_user;
use crate::api::AppError;
use components::allowed::{Allowed, PageAccess};
use components::header::Header;
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Title};
use leptos_router::components::{Outlet, ParentRoute, Redirect, Route, Router, Routes};
use leptos_router::hooks::use_location;
use leptos_router::{path, SsrMode};
use pages::{
    accept_invitation::AcceptInvitationPage,
    account::AccountPage,
    audit::AuditPage,
    entities::{EntitiesPage, EntityPage},
    home::HomePage,
    invitations::InvitationsPage,
    mailbox::MailboxPage,
    not_found::NotFound,
    password::{ForgotPasswordPage, ResetPasswordPage},
    roles::RolesPage,
    sign_in::SignInPage,
    users::{DirectoryPage, UserPage},
};

/// The HTML document. Its inline scripts carry the request's nonce, which the server's
/// middleware also puts in the Content-Security-Policy header. The sign-in and Forgot password
/// pages get no scripts at all: their forms work as plain posts, so a person signs in without
/// downloading the console.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    let (scripts, stylesheet) = (
        !form_post::is_form_page(),
        assets::stylesheet_href(&options),
    );
    #[cfg(not(feature = "ssr"))]
    let (scripts, stylesheet) = (true, String::new());
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light dark" />
                <link rel="stylesheet" href=stylesheet />
                <link rel="icon" href="/favicon.ico" />
                {scripts
                    .then(|| {
                        view! {
                            <AutoReload options=options.clone() />
                            <HydrationScripts options />
                        }
                    })}
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// Whether the page has hydrated, for submit buttons to wait on.
#[derive(Clone, Copy)]
pub struct Hydrated(pub RwSignal<bool>);

/// True while a form should not be submitted: before hydration, or while `pending`.
pub fn submit_blocked(pending: impl Fn() -> bool + Send + Sync + 'static) -> Signal<bool> {
    let hydrated = use_context::<Hydrated>().map(|h| h.0);
    Signal::derive(move || !hydrated.is_some_and(|h| h.get()) || pending())
}

/// The pages a signed-out visitor may open; every other page of the route table below is
/// behind sign-in, and the server sends a signed-out visitor from it to the sign-in page.
pub const SIGNED_OUT_PAGES: [&str; 4] = [
    "/sign-in",
    "/accept-invitation",
    "/forgot-password",
    "/reset-password",
];

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // Forms submit only once the WebAssembly has taken over (a native post before that would
    // land on the server function's raw answer); browser tests wait for the same marker.
    let hydrated = Hydrated(RwSignal::new(false));
    provide_context(hydrated);
    Effect::new(move |_| {
        hydrated.0.set(true);
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });
    view! {
        <Title formatter=|title: String| {
            if title.is_empty() { "Usher".to_string() } else { format!("{title} · Usher") }
        } />
        <Router>
            <Routes fallback=|| view! { <NotFound /> }>
                // Rendered whole, not streamed: without scripts nothing could swap a streamed part in.
                <Route path=path!("sign-in") view=SignInPage ssr=SsrMode::Async />
                <Route path=path!("accept-invitation") view=AcceptInvitationPage />
                <Route path=path!("forgot-password") view=ForgotPasswordPage ssr=SsrMode::Async />
                <Route path=path!("reset-password") view=ResetPasswordPage />
                <ParentRoute path=path!("") view=SignedInLayout>
                    <Route path=path!("") view=HomePage />
                    <Route path=path!("account") view=AccountPage />
                    <Route
                        path=path!("users")
                        view=|| {
                            view! {
                                <Allowed access=PageAccess::Admins>
                                    <DirectoryPage />
                                </Allowed>
                            }
                        }
                    />
                    <Route
                        path=path!("users/:id")
                        view=|| {
                            view! {
                                <Allowed access=PageAccess::Admins>
                                    <UserPage />
                                </Allowed>
                            }
                        }
                    />
                    <Route
                        path=path!("invitations")
                        view=|| {
                            view! {
                                <Allowed access=PageAccess::Inviters>
                                    <InvitationsPage />
                                </Allowed>
                            }
                        }
                    />
                    <Route
                        path=path!("audit")
                        view=|| {
                            view! {
                                <Allowed access=PageAccess::Auditors>
                                    <AuditPage />
                                </Allowed>
                            }
                        }
                    />
                    <Route
                        path=path!("entities")
                        view=|| {
                            view! {
                                <Allowed access=PageAccess::Entities>
                                    <EntitiesPage />
                                </Allowed>
                            }
                        }
                    />
                    <Route
                        path=path!("entities/:id")
                        view=|| {
                            view! {
                                <Allowed access=PageAccess::Entities>
                                    <EntityPage />
                                </Allowed>
                            }
                        }
                    />
                    <Route
                        path=path!("roles")
                        view=|| {
                            view! {
                                <Allowed access=PageAccess::Roles>
                                    <RolesPage />
                                </Allowed>
                            }
                        }
                    />
                    <Route
                        path=path!("mailbox")
                        view=|| {
                            view! {
                                <Allowed access=PageAccess::Mailbox>
                                    <MailboxPage />
                                </Allowed>
                            }
                        }
                    />
                </ParentRoute>
            </Routes>
        </Router>
    }
}

/// On the server a `Transition` calls its children's closure more than once before it renders
/// them (dry runs, each polled once, to find the resources they read), and a run that got as far
/// as building the page would create the page's resources again and send their data twice. One
/// yield keeps every dry run short of the page; only the render builds it. (The redirects above
/// it need no yield: they create no resources.)
async fn past_dry_runs() {
    #[cfg(feature = "ssr")]
    tokio::task::yield_now().await;
}

/// Everything behind sign-in. The session is checked again on every navigation, so a session
/// ended elsewhere (sign-out, deactivation) sends this browser to the sign-in page at once.
#[component]
fn SignedInLayout() -> impl IntoView {
    let location = use_location();
    // Blocking: the server waits for it before sending anything, so a signed-out visitor gets a
    // real 302 to the sign-in page rather than a page that redirects once the WebAssembly runs.
    let me = Resource::new_blocking(|| (), |_| current_user());
    live::provide(me);
    // Each move to another page asks again who is signed in (access withdrawn ends the session
    // at the next page), but the layout and the page are built again only when the answer
    // changed: rebuilding on every answer built each page twice, and asked for its data twice.
    Effect::new(move |before: Option<String>| {
        let path = location.pathname.get();
        if before.is_some_and(|before| before != path) {
            let elsewhere = path != "/account";
            leptos::task::spawn_local(async move {
                let now = current_user().await;
                // A one-time password sends every other page back to My account.
                let same = matches!(
                    (&now, me.get_untracked()),
                    (Ok(a), Some(Ok(b))) if *a == b
                        && !(elsewhere && a.as_ref().is_some_and(|a| a.must_change_password))
                );
                if !same {
                    me.refetch();
                }
            });
        }
        path
    });
    // What a page that is left behind has to tell the next one (a user deleted permanently).
    provide_context(pages::Flash(RwSignal::new(None)));
    view! {
        <Transition fallback=|| {
            view! {
                <div class="page-loading" aria-busy="true">
                    "Loading…"
                </div>
            }
        }>
            {move || Suspend::new(async move {
                match me.await {
                    Ok(
                        Some(me),
                    ) if me.must_change_password
                        && location.pathname.get_untracked() != "/account" => {
                        // Until a one-time password is changed the server refuses everything
                        // else, so the only page is the one that changes it.
                        view! { <Redirect path="/account" /> }
                            .into_any()
                    }
                    Ok(Some(me)) => {
                        past_dry_runs().await;
                        let must_change = me.must_change_password;
                        provide_context(me.clone());
                        view! {
                            <Header me />
                            <main id="main" class="page">
                                {must_change
                                    .then(|| {
                                        view! {
                                            <p class="notice warning" role="status">
                                                "You signed in with a one-time password. Choose your own password below before you go on."
                                            </p>
                                        }
                                    })}
                                <Outlet />
                            </main>
                        }
                            .into_any()
                    }
                    Ok(None) | Err(AppError::Unauthenticated) => {
                        view! { <Redirect path="/sign-in" /> }.into_any()
                    }
                    Err(error) => {
                        view! {
                            <main id="main" class="page">
                                <p class="notice error" role="alert">
                                    {error.to_string()}
                                </p>
                            </main>
                        }
                            .into_any()
                    }
                }
            })}
        </Transition>
    }
}
