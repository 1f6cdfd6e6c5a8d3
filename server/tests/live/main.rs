//! `/events` (issue 14): who hears what, replay after a reconnection, streams that end with
//! the session or the process, and (with PostgreSQL) a change made through one Usher process
//! reaching a browser connected to another.

mod sse;
#[path = "../support/mod.rs"]
mod support;

use app::backend::audit::RequestMeta;
use app::backend::entities;
use app::backend::seed::{DEMO_ADMIN, DEMO_MEMBER, DEMO_OPERATOR};
use app::backend::{sessions, Caller, Db};
use sse::Stream;
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use support::{send, Call, TestServer};
use tokio::net::TcpStream;

async fn caller(db: &Db, server: &TestServer, token: &str) -> Caller {
    sessions::authenticate(db, &server.state.config, token, chrono::Utc::now())
        .await
        .unwrap()
        .unwrap()
}

async fn entity(db: &Db, slug: &str) -> uuid::Uuid {
    entities::find_by_slug(db.read(), slug)
        .await
        .unwrap()
        .unwrap()
        .id
}

#[tokio::test]
async fn admins_hear_their_scope_and_streams_end_with_the_session_or_the_process() {
    let server = TestServer::start(|_| {}).await;
    let addr = server.addr;
    // Strangers and members get no stream.
    assert_eq!(send(addr, Call::get("/events", None)).await.status, 401);
    let member = server.token(DEMO_MEMBER).await;
    assert_eq!(
        send(addr, Call::get("/events", Some(&member))).await.status,
        403
    );

    let op_token = server.token(DEMO_OPERATOR).await;
    let nadia_token = server.token(DEMO_ADMIN).await;
    let carla_token = server.token("admin@contoso.test").await;
    let mut op = Stream::open(addr, Some(&op_token), None).await;
    assert_eq!(op.status, 200, "{}", op.head);
    assert!(op.head.contains("text/event-stream"), "{}", op.head);
    let mut nadia = Stream::open(addr, Some(&nadia_token), None).await;
    let mut carla = Stream::open(addr, Some(&carla_token), None).await;
    for stream in [&mut op, &mut nadia, &mut carla] {
        stream.ready().await;
    }

    let operator = caller(&server.db, &server, &op_token).await;
    let (contoso, northwind) = (
        entity(&server.db, "contoso").await,
        entity(&server.db, "northwind").await,
    );
    let now = chrono::Utc::now();
    let meta = RequestMeta::default();
    entities::rename(
        &server.state,
        &operator,
        contoso,
        "Contoso Live",
        meta.clone(),
        now,
    )
    .await
    .unwrap();
    entities::rename(
        &server.state,
        &operator,
        northwind,
        "Northwind Live",
        meta.clone(),
        now,
    )
    .await
    .unwrap();
    let wait = Duration::from_secs(5);
    let first = op.next_event(wait).await.unwrap();
    let second = op.next_event(wait).await.unwrap();
    assert_eq!(first["entity_id"], contoso.to_string());
    assert_eq!(second["entity_id"], northwind.to_string());
    assert_eq!(first["action"], "entity.renamed");
    // The frame's id is the audit row's, for Last-Event-ID.
    assert_eq!(first["frame_id"], first["id"]);
    // Northwind's admin hears Northwind's change first: Contoso's, made before, never came.
    assert_eq!(
        nadia.next_event(wait).await.unwrap()["entity_id"],
        northwind.to_string()
    );
    assert_eq!(
        carla.next_event(wait).await.unwrap()["entity_id"],
        contoso.to_string()
    );
    assert!(carla.next_event(Duration::from_millis(500)).await.is_none());

    // Reconnecting after the first event replays the second (and never the first again).
    let first_id = first["id"].as_str().unwrap().to_string();
    let mut again = Stream::open(addr, Some(&op_token), Some(&first_id)).await;
    again.ready().await;
    let mut replayed = Vec::new();
    while let Some(event) = again.next_event(Duration::from_millis(500)).await {
        replayed.push(event["id"].as_str().unwrap().to_string());
    }
    assert!(
        replayed.contains(&second["id"].as_str().unwrap().to_string()),
        "{replayed:?}"
    );
    assert!(!replayed.contains(&first_id));
    // An id the log does not know: the browser is told to read afresh.
    let mut unknown = Stream::open(
        addr,
        Some(&op_token),
        Some(&uuid::Uuid::now_v7().to_string()),
    )
    .await;
    unknown.ready().await;
    let reset = unknown.next(wait).await.unwrap();
    assert_eq!(reset.event, "reset");

    // Another entity's event id is as unknown to an entity admin as one that never was: no replay
    // and no hint whether it exists.
    let northwind_event = second["id"].as_str().unwrap().to_string();
    let mut probe = Stream::open(addr, Some(&carla_token), Some(&northwind_event)).await;
    probe.ready().await;
    assert_eq!(probe.next(wait).await.unwrap().event, "reset");
    drop(probe);
    // One session holds a few streams (tabs), not thousands.
    let token = server.token("admin@contoso.test").await;
    let mut held = Vec::new();
    for _ in 0..6 {
        let mut tab = Stream::open(addr, Some(&token), None).await;
        assert_eq!(tab.status, 200);
        tab.ready().await;
        held.push(tab);
    }
    let refused = Stream::open(addr, Some(&token), None).await;
    assert_eq!(refused.status, 429, "{}", refused.head);
    // Another session of the same person is counted apart.
    let elsewhere = server.token("admin@contoso.test").await;
    assert_eq!(Stream::open(addr, Some(&elsewhere), None).await.status, 200);
    drop(held);

    // Signing out ends that session's stream at once (the sign-out is an event of its entity).
    let signed_out = send(
        addr,
        Call::post(
            "/api/sign_out",
            Some(&carla_token),
            support::Body::Form(String::new()),
        ),
    )
    .await;
    assert!(signed_out.status < 400, "{}", signed_out.body);
    let started = Instant::now();
    assert!(carla.ends(wait).await);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    // Losing the access with no event about it (the command line, another process on SQLite)
    // ends the stream at the next check.
    let nadia_id = caller(&server.db, &server, &nadia_token).await.user.id;
    let ctx = app::backend::audit::AuditContext::system("test");
    app::backend::users::set_status(
        &server.db,
        nadia_id,
        app::domain::UserStatus::Inactive,
        None,
        &ctx,
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    assert!(nadia.ends(Duration::from_secs(8)).await);
    let refused = Stream::open(addr, Some(&nadia_token), None).await;
    assert_eq!(refused.status, 401);

    // Shutting down ends every stream at once.
    server.state.events.close();
    assert!(op.ends(Duration::from_secs(2)).await);
    assert!(again.ends(Duration::from_secs(2)).await);
    server.stop().await;
}

/// A fresh PostgreSQL database with the demo data: its URL and name, or `None` (with a note)
/// when PostgreSQL does not answer.
async fn postgres_with_demo() -> Option<(String, String, String)> {
    use sea_orm::ConnectionTrait;
    let admin_url = std::env::var("DATABASE_URL_PG")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let admin = match sea_orm::Database::connect(&admin_url).await {
        Ok(conn) => conn,
        Err(e) if std::env::var("USHER_REQUIRE_PG").is_ok_and(|v| v == "1") => {
            panic!("PostgreSQL is required but {admin_url} failed: {e}")
        }
        Err(_) => {
            eprintln!("PostgreSQL not reachable at {admin_url}: skipped");
            return None;
        }
    };
    let name = format!("usher_test_{}", uuid::Uuid::new_v4().simple());
    admin
        .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
        .await
        .unwrap();
    let _ = admin.close().await;
    let (base, _) = admin_url.rsplit_once('/').unwrap();
    let url = format!("{base}/{name}");
    let db = Db::connect(&url).await.unwrap();
    db.migrate().await.unwrap();
    app::backend::seed::seed_demo(&db, 24, chrono::Utc::now())
        .await
        .unwrap();
    db.close().await;
    Some((url, admin_url, name))
}

/// An Usher process (`server serve`) on a free loopback port.
struct Process {
    child: std::process::Child,
    addr: SocketAddr,
}

impl Process {
    async fn start(url: &str, mail: &std::path::Path) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        let child = std::process::Command::new(env!("CARGO_BIN_EXE_server"))
            .arg("serve")
            .env("DATABASE_URL", url)
            .env("LEPTOS_SITE_ADDR", addr.to_string())
            .env("USHER_PUBLIC_URL", format!("http://{addr}"))
            .env("USHER_MAIL_DIR", mail)
            .env("RUST_LOG", "warn")
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("start the server binary");
        let until = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(addr).await.is_err()
            || send(addr, Call::get("/healthz", None)).await.status != 200
        {
            assert!(Instant::now() < until, "the server on {addr} did not start");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Self { child, addr }
    }

    /// SIGTERM, as a service manager stops it; whether it exited within `within`.
    async fn terminate(&mut self, within: Duration) -> bool {
        let pid = self.child.id().to_string();
        std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap();
        let until = Instant::now() + within;
        while Instant::now() < until {
            if self.child.try_wait().unwrap().is_some() {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let _ = self.child.kill();
        false
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Two Usher processes on one PostgreSQL database: a change made through one reaches a stream
/// held by the other within a second (`NOTIFY` in the change's transaction, `LISTEN` in each
/// process), and a process told to stop ends its streams and exits promptly.
#[tokio::test]
async fn a_change_through_one_process_reaches_a_stream_on_another() {
    let Some((url, admin_url, name)) = postgres_with_demo().await else {
        return;
    };
    let mail = std::env::temp_dir().join(format!("usher-live-mail-{name}"));
    let mut a = Process::start(&url, &mail).await;
    let mut b = Process::start(&url, &mail).await;
    let db = Db::connect(&url).await.unwrap();
    let config = app::backend::config::Config::for_public_url(&format!("http://{}", a.addr));
    let state = app::backend::AppState::new(db.clone(), config);
    let token = app::backend::auth::sign_in(
        &state,
        DEMO_OPERATOR,
        app::backend::seed::DEMO_PASSWORD,
        None,
        RequestMeta::default(),
        chrono::Utc::now(),
    )
    .await
    .unwrap()
    .0;
    let mut stream = Stream::open(b.addr, Some(&token), None).await;
    assert_eq!(stream.status, 200, "{}", stream.head);
    stream.ready().await;
    // Give B's listener a moment to be in place after its start.
    tokio::time::sleep(Duration::from_millis(300)).await;

    let northwind = entity(&db, "northwind").await;
    let origin = format!("http://{}", a.addr);
    let started = Instant::now();
    let mut rename = Call::post(
        "/api/rename_entity",
        Some(&token),
        support::Body::Json(serde_json::json!({ "id": northwind, "name": "Northwind Across" })),
    );
    rename.headers.push(("Origin", origin));
    let answer = send(a.addr, rename).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let event = stream
        .next_event(Duration::from_secs(5))
        .await
        .expect("the change reached the other process");
    let took = started.elapsed();
    assert_eq!(event["action"], "entity.renamed");
    assert_eq!(event["entity_id"], northwind.to_string());
    assert!(took < Duration::from_secs(1), "took {took:?}");
    println!("a change through one process reached the other's stream in {took:?}");

    // SIGTERM with a stream open: the stream ends and the process exits at once.
    let stopping = Instant::now();
    assert!(b.terminate(Duration::from_secs(5)).await, "B did not stop");
    assert!(stream.ends(Duration::from_secs(1)).await);
    println!("stopped with an open stream in {:?}", stopping.elapsed());
    assert!(a.terminate(Duration::from_secs(5)).await);
    db.close().await;
    let _ = std::fs::remove_dir_all(&mail);
    if let Ok(admin) = sea_orm::Database::connect(&admin_url).await {
        use sea_orm::ConnectionTrait;
        let _ = admin
            .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
            .await;
        let _ = admin.close().await;
    }
}
