//! The attack suite: what a stranger, an entity admin or an admin of the operator entity tried
//! against Usher over HTTP, each pinned refused. Every test drives the real router on a free
//! loopback port over its own SQLite file with the demo data.

mod support;

use app::backend::entity::{invitation, outgoing_mail, user};
use app::backend::seed::{DEMO_ADMIN, DEMO_MEMBER, DEMO_OPERATOR, DEMO_PASSWORD};
use app::backend::{bootstrap, mail};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{json, Value};
use std::net::IpAddr;
use support::{post, send, Answer, Body, Call, TestServer};
use uuid::Uuid;

const OPS_ADMIN: &str = "ops.admin@usher.test";
const SECOND_ADMIN: &str = "second.admin@northwind.test";
const CONTOSO_ADMIN: &str = "admin@contoso.test";

async fn user_row(server: &TestServer, email: &str) -> user::Model {
    user::Entity::find()
        .filter(user::Column::EmailNormalized.eq(email.to_lowercase()))
        .one(server.db.read())
        .await
        .unwrap()
        .unwrap()
}

/// Adds an Admin (or, with `entity` "operators", an Admin of the operator entity).
async fn add_admin(server: &TestServer, email: &str, entity: &str) {
    bootstrap::create_admin(
        &server.db,
        email,
        "Extra Admin",
        Some(entity),
        Some(DEMO_PASSWORD.to_string()),
        chrono::Utc::now(),
    )
    .await
    .unwrap();
}

fn form(pairs: &[(&str, String)]) -> Body {
    let encoded: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", urlencode(v)))
        .collect();
    Body::Form(encoded.join("&"))
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'.' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn listing(q: &str) -> Body {
    Body::Json(json!({ "query": { "status": "", "entity": "", "q": q, "sort": "", "after": "" } }))
}

fn json_of(answer: &Answer) -> Value {
    serde_json::from_str(&answer.body).unwrap_or(Value::Null)
}

fn session_cookie(answer: &Answer) -> Option<String> {
    answer.head.lines().find_map(|line| {
        let value = line
            .strip_prefix("set-cookie: ")
            .or_else(|| line.strip_prefix("Set-Cookie: "))?;
        let token = value.strip_prefix("usher_session=")?.split(';').next()?;
        (!token.is_empty()).then(|| token.to_string())
    })
}

/// The newest queued or sent mail to `to`.
async fn last_mail_to(server: &TestServer, to: &str) -> Option<outgoing_mail::Model> {
    let mut mails = outgoing_mail::Entity::find()
        .filter(outgoing_mail::Column::ToAddress.eq(to))
        .all(server.db.read())
        .await
        .unwrap();
    mails.sort_by_key(|m| m.id);
    mails.pop()
}

fn token_in(text: &str) -> String {
    let start = text.find("#token=").expect("a link") + "#token=".len();
    text[start..].split_whitespace().next().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_a_stranger_sends_is_bounded_before_any_work() {
    let server = TestServer::start(|_| {}).await;
    let addr = server.addr;
    // A body past the endpoint's limit is refused by its length, before anyone reads it.
    let huge = "a".repeat(1_500_000);
    for name in ["sign_in", "forgot_password", "accept_invitation"] {
        let answer = post(addr, name, None, form(&[("email", huge.clone())])).await;
        assert_eq!(answer.status, 413, "{name}");
    }
    // Under the body limit but no email address: refused without growing the limiter, which
    // keys on fixed-size digests of the address as the database compares it.
    let long = format!("{}@example.test", "x".repeat(50_000));
    for n in 0..40 {
        let typed = format!("{n}{long}");
        let answer = post(
            addr,
            "sign_in",
            None,
            form(&[("email", typed), ("password", "p".repeat(5_000))]),
        )
        .await;
        assert_eq!(answer.status, 401, "{}", answer.body);
    }
    assert!(
        server.state.limiter.tracked() <= 3,
        "the limiter holds {} entries after 40 long emails",
        server.state.limiter.tracked()
    );
    // A search is at most 200 characters: refused next to the field, and never cached.
    let admin = server.token(DEMO_ADMIN).await;
    let before = server.db.caches().pages.len();
    let answer = post(
        addr,
        "list_directory",
        Some(&admin),
        listing(&"ab".repeat(5_000)),
    )
    .await;
    assert_eq!(answer.status, 422, "{}", answer.body);
    assert!(answer.body.contains("at most 200 characters"));
    assert_eq!(server.db.caches().pages.len(), before);
    let answer = post(
        addr,
        "list_invitations",
        Some(&admin),
        listing(&"ab".repeat(5_000)),
    )
    .await;
    assert_eq!(answer.status, 422);
    let answer = send(
        addr,
        Call::get(
            &format!("/export/users.csv?q={}", "ab".repeat(5_000)),
            Some(&admin),
        ),
    )
    .await;
    assert_eq!(answer.status, 422);
    // Malformed bodies and wrong content types are a client's mistake, never a 500.
    for (name, body) in [
        (
            "list_directory",
            Body::Raw("application/json", b"{\"query\":".to_vec()),
        ),
        ("list_directory", Body::Raw("text/plain", b"hello".to_vec())),
        (
            "sign_in",
            Body::Raw("application/json", b"[1,2,3]".to_vec()),
        ),
        ("change_user_status", form(&[("id", "not-a-uuid".into())])),
    ] {
        let answer = post(addr, name, Some(&admin), body).await;
        assert!(
            (400..500).contains(&answer.status),
            "{name}: {} {}",
            answer.status,
            answer.body
        );
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authentication_mail_goes_to_the_account_email_only() {
    let server = TestServer::start(|_| {}).await;
    let addr = server.addr;
    add_admin(&server, SECOND_ADMIN, "northwind").await;
    let admin = server.token(DEMO_ADMIN).await;
    let peer = user_row(&server, DEMO_MEMBER).await;
    // An admin points the member's contact email at an outside address…
    let answer = post(
        addr,
        "update_user",
        Some(&admin),
        Body::Json(json!({ "form": {
            "id": peer.id, "version": peer.version, "name": peer.name, "email": peer.email,
            "contact_email": "mallory@outside.test", "same_as_account": false,
            "roles": ["Trader"], "confirm_email_change": false
        } })),
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    // …the address it replaced is told…
    let notice = last_mail_to(&server, DEMO_MEMBER).await.expect("a notice");
    assert!(
        notice.subject.contains("contact email"),
        "{}",
        notice.subject
    );
    assert!(notice.body_text.contains("mallory@outside.test"));
    // …and Forgot password still mails the account email, never the contact address.
    let answer = post(
        addr,
        "forgot_password",
        None,
        form(&[("email", DEMO_MEMBER.into())]),
    )
    .await;
    assert_eq!(answer.status, 200);
    let mut reset = None;
    for _ in 0..100 {
        reset = last_mail_to(&server, DEMO_MEMBER)
            .await
            .filter(|m| m.body_text.contains("reset-password#token="));
        if reset.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(reset.is_some(), "the reset link went to the account email");
    // An admin's Reset password too.
    let peer = user_row(&server, DEMO_MEMBER).await;
    let answer = post(
        addr,
        "reset_user_password",
        Some(&admin),
        form(&[
            ("id", peer.id.to_string()),
            ("version", peer.version.to_string()),
        ]),
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let outside = outgoing_mail::Entity::find()
        .filter(outgoing_mail::Column::ToAddress.eq("mallory@outside.test"))
        .all(server.db.read())
        .await
        .unwrap();
    assert!(
        outside.is_empty(),
        "no mail at all went to the outside address"
    );
    server.stop().await;
}

/// Who may act on whom, within one entity: the rank rows of the authorisation matrix.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nobody_acts_on_more_access_than_they_could_grant() {
    let server = TestServer::start(|_| {}).await;
    let addr = server.addr;
    add_admin(&server, OPS_ADMIN, "operators").await;
    add_admin(&server, SECOND_ADMIN, "northwind").await;
    let operator = server.token(DEMO_OPERATOR).await;
    let ops_admin = server.token(OPS_ADMIN).await;
    let admin = server.token(DEMO_ADMIN).await;
    // (actor, target, allowed)
    let cases = [
        (&ops_admin, DEMO_OPERATOR, false),
        (&admin, SECOND_ADMIN, false),
        (&admin, DEMO_MEMBER, true),
        (&operator, SECOND_ADMIN, true),
    ];
    for (who, target, allowed) in cases {
        // Each call is harmless when allowed: a stale version, or ending sessions.
        let u = user_row(&server, target).await;
        let id = u.id.to_string();
        let stale = (u.version + 100).to_string();
        let calls = [
            (
                "change_user_status",
                form(&[
                    ("id", id.clone()),
                    ("action", "deactivate".into()),
                    ("version", stale.clone()),
                ]),
            ),
            (
                "reset_user_password",
                form(&[("id", id.clone()), ("version", stale.clone())]),
            ),
            ("end_user_sessions", form(&[("user", id.clone())])),
            (
                "update_user",
                Body::Json(json!({ "form": {
                    "id": u.id, "version": u.version + 100, "name": "Renamed", "email": u.email,
                    "contact_email": "", "same_as_account": true, "roles": ["Trader"],
                    "confirm_email_change": false
                } })),
            ),
            ("get_user", form(&[("id", id.clone())])),
        ];
        for (name, body) in calls {
            let answer = post(addr, name, Some(who), body).await;
            let refused = answer.status == 403 && answer.body.contains("Outranked");
            let want_refused = !allowed && name != "get_user";
            assert_eq!(
                refused, want_refused,
                "{name} on {target}: {} {}",
                answer.status, answer.body
            );
            if name == "get_user" {
                assert_eq!(
                    answer.status, 200,
                    "{name} on {target}: reading stays allowed"
                );
                let row = &json_of(&answer)["row"];
                assert_eq!(
                    row["can_edit"].as_bool(),
                    Some(allowed),
                    "the page offers only what the server allows"
                );
            }
        }
        let answer = post(
            addr,
            "bulk_change_status",
            Some(who),
            Body::Json(json!({ "action": "deactivate", "users": [{ "id": u.id, "version": u.version + 100 }] })),
        )
        .await;
        assert_eq!(answer.status, 200);
        assert_eq!(
            answer.body.contains("more access than you can grant"),
            !allowed,
            "bulk on {target}: {}",
            answer.body
        );
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_one_time_password_opens_nothing_but_changing_it() {
    let server = TestServer::start(|_| {}).await;
    let addr = server.addr;
    let (_, one_time) = bootstrap::create_admin(
        &server.db,
        "fresh.operator@usher.test",
        "Fresh Operator",
        None,
        None,
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    let one_time = one_time.expect("a generated password");
    let answer = post(
        addr,
        "sign_in",
        None,
        form(&[
            ("email", "fresh.operator@usher.test".into()),
            ("password", one_time.clone()),
        ]),
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let cookie = session_cookie(&answer).expect("a session");
    for (name, body) in [
        ("list_directory", listing("")),
        ("my_sessions", form(&[])),
        ("directory_options", form(&[])),
        ("list_invitations", listing("")),
    ] {
        let answer = post(addr, name, Some(&cookie), body).await;
        assert_eq!(answer.status, 403, "{name}: {}", answer.body);
        assert!(
            answer.body.contains("PasswordChangeRequired"),
            "{}",
            answer.body
        );
    }
    let export = send(addr, Call::get("/export/users.csv", Some(&cookie))).await;
    assert_eq!(export.status, 403);
    // Who they are is still answered (the page shows the password form), and so is the change.
    let me = post(addr, "current_user", Some(&cookie), form(&[])).await;
    assert_eq!(json_of(&me)["must_change_password"], json!(true));
    let answer = post(
        addr,
        "change_password",
        Some(&cookie),
        form(&[
            ("current_password", one_time),
            ("new_password", "a quiet harbour at dawn".into()),
            ("confirm_password", "a quiet harbour at dawn".into()),
        ]),
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let answer = post(addr, "list_directory", Some(&cookie), listing("")).await;
    assert_eq!(
        answer.status, 200,
        "everything opens once the password is their own"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resend_rechecks_every_role_the_invitation_carries() {
    let server = TestServer::start(|_| {}).await;
    let addr = server.addr;
    let operator = server.token(DEMO_OPERATOR).await;
    let admin = server.token(DEMO_ADMIN).await;
    let northwind = user_row(&server, DEMO_ADMIN).await.entity_id;
    let answer = post(
        addr,
        "invite_user",
        Some(&operator),
        Body::Json(json!({ "email": "future.admin@northwind.test", "entity": northwind, "roles": ["Admin"] })),
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let id = json_of(&answer)["Invited"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let answer = post(
        addr,
        "revoke_invitation",
        Some(&operator),
        form(&[("id", id.clone())]),
    )
    .await;
    assert_eq!(answer.status, 200);
    // The entity admin may not grant Admin, so may not bring that invitation back to life.
    let answer = post(
        addr,
        "resend_invitation",
        Some(&admin),
        form(&[("id", id.clone())]),
    )
    .await;
    assert_eq!(answer.status, 409, "{}", answer.body);
    assert!(answer.body.contains("carries the Admin role"));
    // Nor through a bulk invite that meets it (pending again after the operator's resend).
    let answer = post(
        addr,
        "resend_invitation",
        Some(&operator),
        form(&[("id", id.clone())]),
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let answer = post(
        addr,
        "run_bulk_invite",
        Some(&admin),
        Body::Json(json!({ "rows": [{
            "line": 1, "email": "future.admin@northwind.test", "roles": "Trader", "entity": "",
            "outcome": "", "message": ""
        }] })),
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert!(
        answer.body.contains("carries the Admin role"),
        "{}",
        answer.body
    );
    let inv = invitation::Entity::find_by_id(Uuid::parse_str(&id).unwrap())
        .one(server.db.read())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(inv.sent_count, 2, "only the operator's resend went out");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_entitys_users_do_not_exist_to_an_entity_admin() {
    let server = TestServer::start(|_| {}).await;
    let addr = server.addr;
    let admin = server.token(DEMO_ADMIN).await;
    let operator = server.token(DEMO_OPERATOR).await;
    // Contoso's admin, invited by Northwind's: answered as for a fresh address.
    let answer = post(
        addr,
        "check_bulk_invite",
        Some(&admin),
        Body::Json(
            json!({ "csv": format!("{CONTOSO_ADMIN},Trader\nfresh.person@example.test,Trader") }),
        ),
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let outcomes: Vec<String> = json_of(&answer)
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["outcome"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        outcomes,
        ["invite", "invite"],
        "the preview tells the two apart in nothing"
    );
    let answer = post(
        addr,
        "invite_user",
        Some(&admin),
        Body::Json(json!({ "email": CONTOSO_ADMIN, "entity": "", "roles": ["Trader"] })),
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert!(json_of(&answer)["Invited"].is_object());
    // A user of the admin's own entity is named as such.
    let answer = post(
        addr,
        "invite_user",
        Some(&admin),
        Body::Json(json!({ "email": DEMO_MEMBER, "entity": "", "roles": ["Trader"] })),
    )
    .await;
    assert_eq!(answer.status, 422);
    assert!(answer.body.contains("already belongs to a user"));
    // The person who opens the link is told, and so is an operator on the Invitations page.
    let mail = last_mail_to(&server, CONTOSO_ADMIN).await.unwrap();
    let token = token_in(&mail.body_text);
    let link = post(
        addr,
        "invitation_link",
        None,
        Body::Json(json!({ "token": token })),
    )
    .await;
    assert!(
        link.body.contains("already has an Usher account"),
        "{}",
        link.body
    );
    let listed = post(
        addr,
        "list_invitations",
        Some(&operator),
        listing(CONTOSO_ADMIN),
    )
    .await;
    assert!(
        listed.body.contains("Has an account in Contoso Markets"),
        "{}",
        listed.body
    );
    let listed = post(
        addr,
        "list_invitations",
        Some(&admin),
        listing(CONTOSO_ADMIN),
    )
    .await;
    assert!(!listed.body.contains("Has an account"), "{}", listed.body);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_strangers_guesses_never_lock_the_owner_out() {
    let server = TestServer::start(|_| {}).await;
    let addr = server.addr;
    let stranger: IpAddr = "127.0.0.2".parse().unwrap();
    let owner: IpAddr = "127.0.0.3".parse().unwrap();
    let mut statuses = Vec::new();
    for _ in 0..12 {
        let mut call = Call::post(
            "/api/sign_in",
            None,
            form(&[
                ("email", DEMO_MEMBER.into()),
                ("password", "wrong guess".into()),
            ]),
        );
        call.from = Some(stranger);
        statuses.push(send(addr, call).await.status);
    }
    assert_eq!(statuses[..10], [401; 10]);
    assert_eq!(statuses[10..], [429; 2], "the guessing address waits");
    let mut call = Call::post(
        "/api/sign_in",
        None,
        form(&[
            ("email", DEMO_MEMBER.into()),
            ("password", DEMO_PASSWORD.into()),
        ]),
    );
    call.from = Some(owner);
    let answer = send(addr, call).await;
    assert_eq!(
        answer.status, 200,
        "the owner elsewhere signs in: {}",
        answer.body
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_for_another_host_are_refused() {
    let server = TestServer::start(|_| {}).await;
    let addr = server.addr;
    let rebound = |path: &'static str, body: Body| {
        let mut call = Call::post(path, None, body);
        call.host = Some("attacker.example:3000");
        call.headers = vec![("Origin", "http://attacker.example:3000".into())];
        call
    };
    let answer = send(
        addr,
        rebound(
            "/api/sign_in",
            form(&[
                ("email", DEMO_MEMBER.into()),
                ("password", DEMO_PASSWORD.into()),
            ]),
        ),
    )
    .await;
    assert_eq!(answer.status, 421, "{}", answer.body);
    assert!(session_cookie(&answer).is_none());
    let mut page = Call::get("/sign-in", None);
    page.host = Some("attacker.example");
    assert_eq!(send(addr, page).await.status, 421);
    let mut health = Call::get("/healthz", None);
    health.host = Some("10.0.0.7:3000");
    assert_eq!(
        send(addr, health).await.status,
        200,
        "probes may address the machine"
    );
    let mut local = Call::get("/sign-in", None);
    local.host = Some("localhost:3000");
    assert_eq!(
        send(addr, local).await.status,
        200,
        "loopback aliases in development"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_database_keeps_no_delivered_link() {
    let server = TestServer::start(|_| {}).await;
    let addr = server.addr;
    let operator = server.token(DEMO_OPERATOR).await;
    let northwind = user_row(&server, DEMO_ADMIN).await.entity_id;
    let answer = post(
        addr,
        "invite_user",
        Some(&operator),
        Body::Json(
            json!({ "email": "new.face@example.test", "entity": northwind, "roles": ["Trader"] }),
        ),
    )
    .await;
    assert_eq!(answer.status, 200);
    let report = mail::deliver_due(&server.db, &server.state.outbox, chrono::Utc::now(), 100)
        .await
        .unwrap();
    assert!(report.sent > 0);
    let rows = outgoing_mail::Entity::find()
        .all(server.db.read())
        .await
        .unwrap();
    let leaking: Vec<_> = rows
        .iter()
        .filter(|m| {
            m.status == "sent"
                && (m.body_text.contains("#token=") || m.body_html.contains("#token="))
        })
        .map(|m| m.to_address.clone())
        .collect();
    assert!(
        leaking.is_empty(),
        "delivered mail with a live link in the database: {leaking:?}"
    );
    // The Mailbox still shows the message, read from the mail folder.
    let sent = rows
        .iter()
        .find(|m| m.to_address == "new.face@example.test")
        .unwrap();
    let answer = post(
        addr,
        "mail_message",
        Some(&operator),
        form(&[("id", sent.id.to_string())]),
    )
    .await;
    assert!(
        answer.body.contains("accept-invitation#token="),
        "{}",
        answer.body
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changing_ones_own_password_has_an_attempt_limit() {
    let server = TestServer::start(|_| {}).await;
    let member = server.token(DEMO_MEMBER).await;
    let mut statuses = Vec::new();
    for _ in 0..11 {
        let answer = post(
            server.addr,
            "change_password",
            Some(&member),
            form(&[
                ("current_password", "not it".into()),
                ("new_password", "a quiet harbour at dawn".into()),
                ("confirm_password", "a quiet harbour at dawn".into()),
            ]),
        )
        .await;
        statuses.push(answer.status);
    }
    assert_eq!(statuses[..10], [422; 10]);
    assert_eq!(statuses[10], 429);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_ids_and_cursors_reveal_nothing() {
    let server = TestServer::start(|_| {}).await;
    let addr = server.addr;
    let admin = server.token(DEMO_ADMIN).await;
    let contoso = user_row(&server, CONTOSO_ADMIN).await;
    let nobody = Uuid::now_v7();
    // Another entity's user and a made-up id answer alike.
    for id in [contoso.id, nobody] {
        for (name, body) in [
            ("get_user", form(&[("id", id.to_string())])),
            ("end_user_sessions", form(&[("user", id.to_string())])),
            (
                "change_user_status",
                form(&[
                    ("id", id.to_string()),
                    ("action", "deactivate".into()),
                    ("version", "1".into()),
                ]),
            ),
            ("resend_invitation", form(&[("id", id.to_string())])),
        ] {
            let answer = post(addr, name, Some(&admin), body).await;
            assert_eq!(answer.status, 404, "{name} {id}: {}", answer.body);
        }
    }
    // A forged cursor or entity is ignored or confined, never another entity's rows.
    for after in ["garbage", "%%%", "eyJ4IjoxfQ", &"z".repeat(150)] {
        let answer = post(
            addr,
            "list_directory",
            Some(&admin),
            Body::Json(json!({ "query": { "status": "", "entity": contoso.entity_id, "q": "", "sort": "", "after": after } })),
        )
        .await;
        assert_eq!(answer.status, 404, "{}", answer.body);
        let answer = post(
            addr,
            "list_directory",
            Some(&admin),
            Body::Json(json!({ "query": { "status": "", "entity": "", "q": "", "sort": "", "after": after } })),
        )
        .await;
        assert_eq!(answer.status, 200, "{after}: {}", answer.body);
        assert!(!answer.body.contains("contoso.test"));
    }
    // A replayed password link is spent.
    let member = user_row(&server, DEMO_MEMBER).await;
    let answer = post(
        addr,
        "reset_user_password",
        Some(&admin),
        form(&[
            ("id", member.id.to_string()),
            ("version", member.version.to_string()),
        ]),
    )
    .await;
    assert_eq!(answer.status, 200);
    let token = token_in(&last_mail_to(&server, DEMO_MEMBER).await.unwrap().body_text);
    let reset = || {
        Body::Json(
            json!({ "token": token, "password": "a quiet harbour at dawn", "confirm_password": "a quiet harbour at dawn" }),
        )
    };
    assert_eq!(
        post(addr, "reset_password", None, reset()).await.status,
        200
    );
    assert_eq!(
        post(addr, "reset_password", None, reset()).await.status,
        422
    );
    server.stop().await;
}

#[test]
fn help_never_prints_secrets_from_the_environment() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_server"))
        .arg("serve")
        .arg("--help")
        .env(
            "DATABASE_URL",
            "postgres://usher:hunter2-secret@db.internal/usher",
        )
        .env("SMTP_URL", "smtp://mail:smtp-secret@mail.internal:587")
        .env("USHER_EXTERNAL_DIRECTORY_TOKEN", "token-secret")
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&output.stdout);
    assert!(help.contains("DATABASE_URL"), "{help}");
    for secret in ["hunter2-secret", "smtp-secret", "token-secret"] {
        assert!(!help.contains(secret), "--help printed {secret}");
    }
}
