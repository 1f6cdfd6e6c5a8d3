//! Sign-in throughput at the OWASP Argon2id parameters, over real HTTP on loopback.
//!
//! Phase 0 starts the release server binary as a process of its own and measures its resident
//! memory before and after 1,000 unauthenticated sign-ins with every field at its largest
//! accepted size (a distinct 254-character email each, a 1,024-character password), then 40
//! bodies of 1.5 MB: what a stranger can make it keep.
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
    sign_in_with(addr, email, &DEMO_PASSWORD.replace(' ', "+")).await
}

async fn sign_in_with(addr: SocketAddr, email: &str, password: &str) -> u16 {
    let body = format!("email={}&password={password}", email.replace('@', "%40"));
    let request = format!(
        "POST /api/sign_in HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-www-form-urlencoded\r\nAccept: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    // A refused oversized body may be cut off mid-write; the answer is still read.
    let _ = stream.write_all(request.as_bytes()).await;
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response).await;
    let head = String::from_utf8_lossy(&response[..response.len().min(32)]).to_string();
    head.split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0)
}

/// A process's resident memory, in KiB.
fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// The release server binary on a free loopback port over `database`, until dropped.
struct ServerProcess {
    child: std::process::Child,
    addr: SocketAddr,
}

impl ServerProcess {
    async fn start(database: &std::path::Path) -> Self {
        let addr = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port");
        let mail = std::env::temp_dir().join(format!("usher-bench-mail-{}", addr.port()));
        let child = std::process::Command::new(env!("CARGO_BIN_EXE_server"))
            .arg("serve")
            .env("DATABASE_URL", format!("sqlite://{}", database.display()))
            .env("LEPTOS_SITE_ADDR", addr.to_string())
            .env("USHER_SIGN_IN_PER_IP_PER_MINUTE", "1000000")
            .env("USHER_MAIL_DIR", mail)
            .env("RUST_LOG", "error")
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("the server binary starts");
        let process = Self { child, addr };
        for _ in 0..200 {
            if tokio::net::TcpStream::connect(addr).await.is_ok() {
                return process;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        drop(process);
        panic!("the server did not start listening on {addr}");
    }

    fn rss(&self) -> u64 {
        rss_kib(self.child.id())
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Sends `count` sign-ins made by `make` from `clients` clients; returns the statuses seen.
async fn hostile(
    addr: SocketAddr,
    count: usize,
    clients: usize,
    make: fn(usize) -> (String, String),
) -> std::collections::BTreeMap<u16, usize> {
    let mut tasks = Vec::new();
    for c in 0..clients {
        tasks.push(tokio::spawn(async move {
            let mut statuses = Vec::new();
            for i in (c..count).step_by(clients) {
                let (email, password) = make(i);
                statuses.push(sign_in_with(addr, &email, &password).await);
            }
            statuses
        }));
    }
    let mut seen = std::collections::BTreeMap::new();
    for task in tasks {
        for status in task.await.expect("client") {
            *seen.entry(status).or_insert(0) += 1;
        }
    }
    seen
}

/// The largest fields sign-in accepts: a distinct valid 254-character address (a 64-character
/// local part, the most an address may have), a 1,024-character password (wrong).
fn maximal(i: usize) -> (String, String) {
    let local = format!("{i:06}{}", "x".repeat(58));
    let domain = format!(
        "{}.{}.{}.test",
        "d".repeat(60),
        "e".repeat(60),
        "f".repeat(62)
    );
    let email = format!("{local}@{domain}");
    assert_eq!(email.len(), 254);
    (email, "p".repeat(1024))
}

/// What the attack sent: a 1.5 MB email.
fn oversized(i: usize) -> (String, String) {
    (
        format!("{i}{}@example.test", "a".repeat(1_500_000)),
        "x".into(),
    )
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

    // Phase 0: what strangers can make a server process keep. Its hashing workers are warmed
    // first, so their buffers are resident before the first measurement.
    let process = ServerProcess::start(&file).await;
    hostile(process.addr, 64, 8, maximal).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let before = process.rss();
    let started = Instant::now();
    let statuses = hostile(process.addr, 1_000, 8, maximal).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let after = process.rss();
    println!(
        "unauthenticated sign-ins, 1,000 with maximal fields in {:.2?}: server RSS {before} KiB -> {after} KiB, growth {} KiB (target < 5,120 KiB); statuses {statuses:?}",
        started.elapsed(),
        after.saturating_sub(before)
    );
    let statuses = hostile(process.addr, 40, 4, oversized).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let last = process.rss();
    println!(
        "unauthenticated sign-ins, 40 with a 1.5 MB email: server RSS {after} KiB -> {last} KiB, growth {} KiB; statuses {statuses:?}",
        last.saturating_sub(after)
    );
    drop(process);

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
