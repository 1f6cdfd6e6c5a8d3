//! Sign-in throughput at the OWASP Argon2id parameters, over real HTTP on loopback.
//!
//! Phase 1 sends sign-ins from a few clients at a time (what the server can sustain) and reports
//! throughput and latency percentiles. Phase 2 fires a burst far larger than the hashing gate and
//! counts how much is refused with 429 instead of queued.
//!
//! Run with `cargo bench -p server --bench sign_in` (or `make bench`).

use app::backend::config::Config;
use app::backend::entity::user;
use app::backend::seed::{self, DEMO_PASSWORD};
use app::backend::{AppState, Db};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const STEADY_REQUESTS: usize = 400;
const STEADY_CLIENTS: usize = 4;
const BURST: usize = 300;

/// One POST to the sign-in server function; returns the status code.
async fn sign_in(addr: SocketAddr, email: &str) -> u16 {
    let body = format!(
        "email={}&password={}",
        email.replace('@', "%40"),
        DEMO_PASSWORD.replace(' ', "+")
    );
    let request = format!(
        "POST /api/sign_in HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-www-form-urlencoded\r\nAccept: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.expect("read");
    let head = String::from_utf8_lossy(&response[..response.len().min(32)]).to_string();
    head.split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index]
}

#[tokio::main]
async fn main() {
    let file = std::env::temp_dir().join(format!("usher-bench-{}.db", uuid::Uuid::new_v4()));
    let db = Db::connect(&format!("sqlite://{}", file.display()))
        .await
        .expect("database");
    db.migrate().await.expect("migrations");
    seed::seed_demo(&db, 200, chrono::Utc::now())
        .await
        .expect("seed");
    let emails: Vec<String> = user::Entity::find()
        .filter(user::Column::Status.eq("active"))
        .all(db.read())
        .await
        .expect("users")
        .into_iter()
        .map(|u| u.email)
        .filter(|e| e.is_ascii())
        .collect();

    let mut config = Config::for_public_url("http://127.0.0.1");
    config.sign_in_per_ip_per_minute = 1_000_000;
    let state = AppState::new(db.clone(), config);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("address");
    let app = server::router::build(state, server::router::leptos_options(addr));
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .expect("serve");
    });
    assert_eq!(
        sign_in(addr, &emails[0]).await,
        200,
        "a warm-up sign-in succeeds"
    );

    // Phase 1: sustained load.
    let started = Instant::now();
    let mut clients = Vec::new();
    for c in 0..STEADY_CLIENTS {
        let emails = emails.clone();
        clients.push(tokio::spawn(async move {
            let mut results = Vec::new();
            for i in (c..STEADY_REQUESTS).step_by(STEADY_CLIENTS) {
                let t = Instant::now();
                let status = sign_in(addr, &emails[i % emails.len()]).await;
                results.push((status, t.elapsed()));
            }
            results
        }));
    }
    let mut latencies = Vec::new();
    let mut statuses = std::collections::BTreeMap::new();
    for client in clients {
        for (status, latency) in client.await.expect("client") {
            *statuses.entry(status).or_insert(0) += 1;
            latencies.push(latency);
        }
    }
    let elapsed = started.elapsed();
    latencies.sort();
    println!("sign-in, sustained: {STEADY_REQUESTS} requests from {STEADY_CLIENTS} clients in {elapsed:.2?}");
    println!(
        "  throughput   {:.1} sign-ins/s",
        STEADY_REQUESTS as f64 / elapsed.as_secs_f64()
    );
    println!(
        "  latency      p50 {:.1?}  p90 {:.1?}  p99 {:.1?}  max {:.1?}",
        percentile(&latencies, 0.50),
        percentile(&latencies, 0.90),
        percentile(&latencies, 0.99),
        latencies[latencies.len() - 1]
    );
    println!("  statuses     {statuses:?}");

    // Phase 2: a burst far beyond what the gate admits.
    let started = Instant::now();
    let burst: Vec<_> = (0..BURST)
        .map(|i| {
            let email = emails[i % emails.len()].clone();
            tokio::spawn(async move {
                let t = Instant::now();
                (sign_in(addr, &email).await, t.elapsed())
            })
        })
        .collect();
    let mut ok = Vec::new();
    let mut refused = 0;
    let mut other = 0;
    for task in burst {
        match task.await.expect("burst task") {
            (200, latency) => ok.push(latency),
            (429, _) => refused += 1,
            _ => other += 1,
        }
    }
    ok.sort();
    println!("sign-in, burst of {BURST} at once: {} signed in, {refused} refused with 429, {other} other, in {:.2?}", ok.len(), started.elapsed());
    if !ok.is_empty() {
        println!(
            "  admitted latency  p50 {:.1?}  p99 {:.1?}",
            percentile(&ok, 0.5),
            percentile(&ok, 0.99)
        );
    }
    db.close().await;
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
    }
}
