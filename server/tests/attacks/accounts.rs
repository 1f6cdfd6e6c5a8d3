//! One-time passwords, one's own password, emailed links and forged ids.

use super::*;
use app::backend::mail;
use app::backend::seed::{DEMO_ADMIN, DEMO_MEMBER, DEMO_OPERATOR};
use sea_orm::EntityTrait;
use serde_json::json;
use support::{post, send, Body, Call};
use uuid::Uuid;

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
    // Any other page sends them to the one that changes it, as a real redirect.
    let page = send(addr, Call::get("/users", Some(&cookie))).await;
    assert_eq!(page.status, 303, "{}", page.head);
    assert_eq!(page.header("location"), Some("/account"));
    let account = send(addr, Call::get("/account", Some(&cookie))).await;
    assert_eq!(account.status, 200, "{}", account.head);
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
                    ("seen", "active".into()),
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
