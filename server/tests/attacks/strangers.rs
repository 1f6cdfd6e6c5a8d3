//! Nobody signed in: what a stranger can send, guess or name.

use super::*;
use app::backend::seed::{DEMO_ADMIN, DEMO_MEMBER, DEMO_PASSWORD};

use std::net::IpAddr;
use support::{post, send, Body, Call};

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
