//! The authorisation matrix: every server function the program registers, called over HTTP by an
//! operator, an Admin of the operator entity, a Northwind admin, a Northwind member and a
//! signed-out visitor, each aimed at Northwind and at Contoso. Allowed or refused as DESIGN.md
//! says. (Rank, who may act on whom within one entity, is pinned in `attacks.rs`.)
//!
//! The list of functions is read from the running program: a new server function that is not in
//! this table fails the test until someone decides who may call it.

mod support;

use app::backend::entity::{invitation, outgoing_mail, user};
use app::backend::mail::{self, Mail};
use app::backend::seed::{DEMO_ADMIN, DEMO_MEMBER, DEMO_OPERATOR, DEMO_PASSWORD};
use app::backend::{bootstrap, sessions, Db};
use app::domain::RoleKey;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::json;
use std::collections::BTreeSet;
use support::{Body, TestServer};
use uuid::Uuid;

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

/// Ids in one entity that the calls aim at.
#[derive(Clone, Debug)]
struct Target {
    entity: Uuid,
    slug: &'static str,
    /// A user who is nobody signed in for this test.
    user: Uuid,
    user_email: String,
    /// An accepted invitation: Revoke, Resend and Delete all refuse it after authorising.
    accepted_invitation: Uuid,
    mail: Uuid,
    operator_entity: Uuid,
}

/// The request for `name` aimed at `t`. Each is either harmless or refused by the lifecycle
/// after authorisation (a stale version, an accepted invitation), so one test can call them all.
fn call(name: &str, t: &Target) -> Body {
    use Body::*;
    let stale = 0;
    match name {
        "sign_in" => Form(format!("email={}&password={}", DEMO_MEMBER.replace('@', "%40"), DEMO_PASSWORD.replace(' ', "+"))),
        "sign_out" | "current_user" | "my_sessions" | "invite_options" | "directory_options"
        | "user_form_options" | "mailbox" => Form(String::new()),
        "change_password" => Form("current_password=wrong&new_password=x&confirm_password=x".into()),
        "end_my_session" => Form(format!("id={}", Uuid::now_v7())),
        "list_invitations" => Json(json!({ "query": { "status": "", "entity": t.entity, "q": "", "sort": "", "after": "" } })),
        "invite_user" => Json(json!({ "email": "", "entity": t.entity, "roles": [] })),
        "revoke_invitation" | "resend_invitation" | "delete_invitation" => {
            Form(format!("id={}", t.accepted_invitation))
        }
        "check_bulk_invite" => Json(json!({ "csv": format!("{},Trader,{}", t.user_email, t.slug) })),
        "run_bulk_invite" => Json(json!({ "rows": [{
            "line": 1, "email": t.user_email, "roles": "Trader", "entity": t.slug,
            "outcome": "", "message": ""
        }] })),
        "invitation_link" | "password_link" => Json(json!({ "token": "not-a-token" })),
        "accept_invitation" => Json(json!({
            "token": "not-a-token", "name": "X", "password": "x", "confirm_password": "x"
        })),
        "reset_password" => Json(json!({ "token": "not-a-token", "password": "x", "confirm_password": "x" })),
        "forgot_password" => Form("email=nobody%40example.test".into()),
        "mail_message" => Form(format!("id={}", t.mail)),
        "list_directory" => Json(json!({ "query": { "status": "", "entity": t.entity, "q": "", "sort": "", "after": "" } })),
        "get_user" => Form(format!("id={}", t.user)),
        // A status the user is not in: refused as stale once authorised, so nothing changes.
        "change_user_status" => Form(format!("id={}&action=deactivate&seen=deleted", t.user)),
        "end_user_sessions" => Form(format!("user={}", t.user)),
        "create_user" => Json(json!({ "form": {
            "name": "", "email": "", "contact_email": "", "same_as_account": true,
            "entity": t.entity, "roles": [], "access": "email"
        } })),
        "update_user" => Json(json!({ "form": {
            "id": t.user, "version": stale, "name": "X", "email": t.user_email, "contact_email": "",
            "same_as_account": true, "roles": ["Trader"], "confirm_email_change": false
        } })),
        "reset_user_password" => Form(format!("id={}&version={stale}", t.user)),
        "purge_user" => Json(json!({ "id": t.user, "typed_email": "" })),
        "list_entities" | "audit_options" | "list_roles" => Form(String::new()),
        // A nameless role: refused by its checks once authorised.
        "create_role" => Json(json!({ "role": { "name": "", "description": "", "permissions": [],
            "trading": "", "credit": "", "admin": "", "excel_add_in": "" } })),
        // Operator is fixed and Trader built in: refused by their state once authorised.
        "update_role" => Json(json!({ "key": "operator", "role": { "name": "Operator",
            "description": "", "permissions": [], "trading": "", "credit": "", "admin": "",
            "excel_add_in": "" } })),
        "delete_role" => Json(json!({ "key": "trader" })),
        "list_audit" => Json(json!({ "query": {
            "actor": "", "action": "", "target": "", "entity": t.entity, "from": "", "to": "", "after": ""
        } })),
        "create_entity" => Json(json!({ "name": "", "slug": "" })),
        "get_entity" => Json(json!({ "id": t.entity })),
        "rename_entity" => Json(json!({ "id": t.entity, "name": "" })),
        // Not suspended: refused by its state once authorised.
        "resume_entity" => Json(json!({ "id": t.entity })),
        // The operator entity cannot be suspended: refused once authorised, so nothing ends.
        "suspend_entity" => Json(json!({ "id": t.operator_entity })),
        "bulk_change_status" => Json(json!({
            "action": "deactivate", "users": [{ "id": t.user, "status": "deleted" }]
        })),
        other => panic!(
            "The server function `{other}` is not in the authorisation matrix: add it to `call` and `RULES` in server/tests/authorization.rs with who may call it."
        ),
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

async fn target(db: &Db, slug: &'static str) -> Target {
    let entity = app::backend::entities::find_by_slug(db.read(), slug)
        .await
        .unwrap()
        .unwrap();
    // A member: rank (who may act on an Admin) is pinned in attacks.rs, scope here.
    let candidates = user::Entity::find()
        .filter(user::Column::EntityId.eq(entity.id))
        .filter(user::Column::Status.eq("active"))
        .filter(user::Column::Email.contains("example.test"))
        .order_by_asc(user::Column::SortName)
        .all(db.read())
        .await
        .unwrap();
    let mut user = None;
    for candidate in candidates {
        let held = app::backend::roles::roles_of(db.read(), candidate.id)
            .await
            .unwrap();
        if held
            .iter()
            .all(|r| *r != RoleKey::ADMIN && *r != RoleKey::OPERATOR)
        {
            user = Some(candidate);
            break;
        }
    }
    let user = user.expect("a member in the demo entity");
    // An accepted invitation in this entity.
    let invitation = invitation::Entity::find()
        .filter(invitation::Column::EntityId.eq(entity.id))
        .filter(invitation::Column::Status.eq("revoked"))
        .one(db.read())
        .await
        .unwrap()
        .unwrap();
    invitation::Entity::update_many()
        .col_expr(invitation::Column::Status, Expr::value("accepted"))
        .filter(invitation::Column::Id.eq(invitation.id))
        .exec(db.writer())
        .await
        .unwrap();
    let txn = db.begin().await.unwrap();
    let mail = Mail {
        to: user.email.clone(),
        subject: format!("A message for {slug}"),
        html: "<p>hello</p>".into(),
        text: "hello".into(),
    };
    mail::enqueue(&txn, vec![mail], chrono::Utc::now())
        .await
        .unwrap();
    txn.commit().await.unwrap();
    let mail = outgoing_mail::Entity::find()
        .filter(outgoing_mail::Column::Subject.eq(format!("A message for {slug}")))
        .one(db.read())
        .await
        .unwrap()
        .unwrap();
    let operator_entity = app::backend::entities::find_by_slug(db.read(), "operators")
        .await
        .unwrap()
        .unwrap()
        .id;
    Target {
        operator_entity,
        entity: entity.id,
        slug,
        user: user.id,
        user_email: user.email,
        accepted_invitation: invitation.id,
        mail: mail.id,
    }
}

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
