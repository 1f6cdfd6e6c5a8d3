//! The authorisation matrix: every server function the program registers, called over HTTP by an
//! operator, an Admin of the operator entity, a Northwind admin, a Northwind member and a
//! signed-out visitor, each aimed at Northwind and at Contoso. Allowed or refused as DESIGN.md
//! says. (Rank, who may act on whom within one entity, is pinned in `attacks.rs`.)
//!
//! The list of functions is read from the running program: a new server function that is not in
//! this table fails the test until someone decides who may call it.

#[path = "../support/mod.rs"]
mod support;
mod targets;

use app::backend::seed::{DEMO_ADMIN, DEMO_MEMBER, DEMO_OPERATOR, DEMO_PASSWORD};
use app::backend::{bootstrap, sessions};
use std::collections::BTreeSet;
use support::{Body, TestServer};
use targets::{call, target};

/// An Admin of the operator entity: an admin, but of neither Northwind nor Contoso.
const OPERATOR_ENTITY_ADMIN: &str = "ops.admin@usher.test";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Who {
    Operator,
    OperatorEntityAdmin,
    Admin,
    Member,
    SignedOut,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Scope {
    Own,
    Other,
}

/// Who may call a function, as DESIGN.md's table of people says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Rule {
    /// Anyone, signed in or not (sign-in, links from emails).
    Public,
    /// Anyone signed in, about themselves.
    SignedIn,
    /// Any admin or operator: nothing in the call names an entity.
    Admins,
    /// Admins in their own entity; operators everywhere.
    EntityAdmin,
    /// Admins of their own entity, whose rows about other entities are refused one by one.
    EntityAdminPerRow,
    /// Operators only.
    Operator,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Expect {
    Allowed,
    Refused,
    /// Answered, with every row refused.
    RowsRefused,
}

fn expected(rule: Rule, who: Who, scope: Scope) -> Expect {
    use Expect::*;
    match (rule, who, scope) {
        (Rule::Public, _, _) => Allowed,
        (_, Who::SignedOut, _) => Refused,
        (Rule::SignedIn, _, _) => Allowed,
        (_, Who::Operator, _) => Allowed,
        (Rule::Operator, _, _) => Refused,
        (_, Who::Member, _) => Refused,
        (Rule::Admins, Who::Admin, _) => Allowed,
        (Rule::EntityAdmin, Who::Admin, Scope::Own) => Allowed,
        (Rule::EntityAdmin, Who::Admin, Scope::Other) => Refused,
        (Rule::EntityAdminPerRow, Who::Admin, Scope::Own) => Allowed,
        (Rule::EntityAdminPerRow, Who::Admin, Scope::Other) => RowsRefused,
        // Both demo entities are another entity to an admin of the operator entity.
        (rule, Who::OperatorEntityAdmin, _) => expected(rule, Who::Admin, Scope::Other),
    }
}

const RULES: &[(&str, Rule)] = &[
    ("sign_in", Rule::Public),
    ("sign_out", Rule::Public),
    ("current_user", Rule::Public),
    ("invitation_link", Rule::Public),
    ("accept_invitation", Rule::Public),
    ("forgot_password", Rule::Public),
    ("password_link", Rule::Public),
    ("reset_password", Rule::Public),
    ("change_password", Rule::SignedIn),
    ("my_sessions", Rule::SignedIn),
    ("end_my_session", Rule::SignedIn),
    ("invite_options", Rule::Admins),
    ("list_invitations", Rule::EntityAdmin),
    ("invite_user", Rule::EntityAdmin),
    ("revoke_invitation", Rule::EntityAdmin),
    ("resend_invitation", Rule::EntityAdmin),
    ("check_bulk_invite", Rule::EntityAdminPerRow),
    ("run_bulk_invite", Rule::EntityAdminPerRow),
    ("directory_options", Rule::Admins),
    ("list_directory", Rule::EntityAdmin),
    ("get_user", Rule::EntityAdmin),
    ("change_user_status", Rule::EntityAdmin),
    ("end_user_sessions", Rule::EntityAdmin),
    ("user_form_options", Rule::Admins),
    ("create_user", Rule::EntityAdmin),
    ("update_user", Rule::EntityAdmin),
    ("reset_user_password", Rule::EntityAdmin),
    ("bulk_change_status", Rule::EntityAdminPerRow),
    ("delete_invitation", Rule::Operator),
    ("purge_user", Rule::Operator),
    ("mailbox", Rule::Operator),
    ("mail_message", Rule::Operator),
    ("audit_options", Rule::Admins),
    ("list_audit", Rule::EntityAdmin),
    ("list_entities", Rule::Operator),
    ("get_entity", Rule::Operator),
    ("create_entity", Rule::Operator),
    ("rename_entity", Rule::Operator),
    ("suspend_entity", Rule::Operator),
    ("resume_entity", Rule::Operator),
    ("list_roles", Rule::Operator),
    ("create_role", Rule::Operator),
    ("update_role", Rule::Operator),
    ("delete_role", Rule::Operator),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_server_function_allows_and_refuses_as_designed() {
    let server = TestServer::start(|_| {}).await;
    let (addr, state, db) = (server.addr, server.state.clone(), server.db.clone());
    bootstrap::create_admin(
        &db,
        OPERATOR_ENTITY_ADMIN,
        "Olga Ops",
        Some("operators"),
        Some(DEMO_PASSWORD.to_string()),
        chrono::Utc::now(),
    )
    .await
    .unwrap();

    // Every registered server function must be in the table, and nothing else.
    let registered: BTreeSet<String> = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, _)| path.trim_start_matches("/api/").to_string())
        .collect();
    let known: BTreeSet<String> = RULES.iter().map(|(n, _)| n.to_string()).collect();
    if let Some(name) = registered.difference(&known).next() {
        panic!("The server function `{name}` is not in the authorisation matrix: add it to `call` and `RULES` in server/tests/authorization.rs with who may call it.");
    }
    assert_eq!(
        registered, known,
        "RULES names functions that no longer exist"
    );

    let own = target(&db, "northwind").await;
    let other = target(&db, "contoso").await;
    let token = |email: &'static str| server.token(email);
    let people = [
        (Who::Operator, Some(token(DEMO_OPERATOR).await)),
        (
            Who::OperatorEntityAdmin,
            Some(token(OPERATOR_ENTITY_ADMIN).await),
        ),
        (Who::Admin, Some(token(DEMO_ADMIN).await)),
        (Who::Member, Some(token(DEMO_MEMBER).await)),
        (Who::SignedOut, None),
    ];

    let mut failures = Vec::new();
    for (name, rule) in RULES {
        for (who, session) in &people {
            for (scope, t) in [(Scope::Own, &own), (Scope::Other, &other)] {
                // Sign-in is the form of someone with no session; sign-out gets a session of
                // its own so the others stay signed in.
                let spare;
                let cookie = match *name {
                    "sign_in" => None,
                    "sign_out" if session.is_some() => {
                        spare = token(match who {
                            Who::Operator => DEMO_OPERATOR,
                            Who::OperatorEntityAdmin => OPERATOR_ENTITY_ADMIN,
                            Who::Admin => DEMO_ADMIN,
                            _ => DEMO_MEMBER,
                        })
                        .await;
                        Some(spare.as_str())
                    }
                    _ => session.as_deref(),
                };
                let mut body = call(name, t);
                if *name == "end_my_session" {
                    if let Some(session) = session {
                        // One of my other sessions.
                        let mine =
                            sessions::authenticate(&db, &state.config, session, chrono::Utc::now())
                                .await
                                .unwrap()
                                .unwrap();
                        let spare = server.token(&mine.user.email).await;
                        let spare =
                            sessions::authenticate(&db, &state.config, &spare, chrono::Utc::now())
                                .await
                                .unwrap()
                                .unwrap();
                        body = Body::Form(format!("id={}", spare.session_id));
                    }
                }
                let answer = support::post(addr, name, cookie, body).await;
                let (status, body) = (answer.status, answer.body);
                let want = expected(*rule, *who, scope);
                let refused = matches!(status, 401 | 403 | 404);
                let ok = match want {
                    Expect::Allowed => !refused && status != 0 && status < 500,
                    Expect::Refused if *who == Who::SignedOut => status == 401,
                    Expect::Refused => refused,
                    Expect::RowsRefused if *name == "bulk_change_status" => {
                        status == 200
                            && body.contains("\"changed\":[]")
                            && body.contains("We could not find that")
                    }
                    Expect::RowsRefused => {
                        status == 200 && body.contains("invalid") && !body.contains("\"invite\"")
                    }
                };
                if !ok {
                    failures.push(format!(
                        "{name} as {who:?} on {scope:?} entity: expected {want:?}, got {status} {}",
                        body.chars().take(160).collect::<String>()
                    ));
                }
            }
        }
    }
    server.stop().await;
    assert!(
        failures.is_empty(),
        "{} wrong answers:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
