//! Live updates at fan-out: how long an admin event takes to reach every open `/events` stream.
//!
//! The real router on loopback over a fresh SQLite file with the demo data; `STREAMS` operators'
//! sessions (each its own, as `STREAMS` people would have) each hold a stream, read by a raw
//! HTTP client. Then `CHANGES` renames of the operator entity are made one after another: each
//! is an event every stream hears and one that may concern the streams' own access, so every
//! stream also checks its session again (the expensive path). Reported: the time from the
//! change's commit to its arrival at the last of the streams, as percentiles over the changes.
//!
//! Run with `cargo bench -p server --bench live` (or `make bench`).

use app::backend::audit::RequestMeta;
use app::backend::config::Config;
use app::backend::seed::{self, DEMO_OPERATOR};
use app::backend::{entities, sessions, users, AppState, Db};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

const STREAMS: usize = 500;
const CHANGES: usize = 40;

type Arrivals = Arc<Mutex<HashMap<String, Vec<Instant>>>>;

/// Holds one stream open and notes when each event id arrives.
async fn listen(
    addr: SocketAddr,
    token: String,
    arrivals: Arrivals,
    ready: tokio::sync::mpsc::Sender<()>,
) {
    let mut socket = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let request = format!(
        "GET /events HTTP/1.1\r\nHost: {addr}\r\nAccept: text/event-stream\r\nCookie: usher_session={token}\r\n\r\n"
    );
    socket.write_all(request.as_bytes()).await.unwrap();
    let mut reader = BufReader::new(socket);
    let mut said_ready = false;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).await.unwrap_or(0) == 0 {
            return;
        }
        if !said_ready && line.starts_with("retry:") {
            said_ready = true;
            let _ = ready.send(()).await;
        }
        if let Some(id) = line.strip_prefix("id: ") {
            let at = Instant::now();
            arrivals
                .lock()
                .unwrap()
                .entry(id.trim().to_string())
                .or_default()
                .push(at);
        }
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1]
}

#[tokio::main]
async fn main() {
    let file = std::env::temp_dir().join(format!("usher-bench-live-{}.db", uuid::Uuid::new_v4()));
    let db = Db::connect(&format!("sqlite://{}", file.display()))
        .await
        .unwrap();
    db.migrate().await.unwrap();
    seed::seed_demo(&db, 24, chrono::Utc::now()).await.unwrap();
    let config = Config::for_public_url("http://127.0.0.1");
    let state = AppState::new(db.clone(), config.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = server::router::build(state.clone(), server::router::leptos_options(addr));
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap();
    });

    let email = app::domain::Email::parse(DEMO_OPERATOR).unwrap();
    let operator = users::find_by_email(db.read(), &email)
        .await
        .unwrap()
        .unwrap();
    let now = chrono::Utc::now();
    let mut tokens = Vec::new();
    for _ in 0..STREAMS {
        let (token, _) = sessions::create(
            db.writer(),
            operator.id,
            &RequestMeta::default(),
            &config,
            now,
        )
        .await
        .unwrap();
        tokens.push(token);
    }
    let arrivals: Arrivals = Arc::default();
    let (ready, mut readies) = tokio::sync::mpsc::channel(STREAMS);
    let opening = Instant::now();
    for token in tokens.iter().cloned() {
        tokio::spawn(listen(addr, token, arrivals.clone(), ready.clone()));
    }
    for _ in 0..STREAMS {
        readies.recv().await.unwrap();
    }
    println!(
        "{STREAMS} streams open in {:.0} ms",
        opening.elapsed().as_secs_f64() * 1000.0
    );

    let me = sessions::authenticate(&db, &config, &tokens[0], chrono::Utc::now())
        .await
        .unwrap()
        .unwrap();
    let mut latencies = Vec::new();
    for i in 0..CHANGES {
        let changed = Instant::now();
        let name = format!("Operators {i}");
        entities::rename(
            &state,
            &me,
            me.entity.id,
            &name,
            RequestMeta::default(),
            chrono::Utc::now(),
        )
        .await
        .unwrap();
        let committed = Instant::now();
        // Wait until every stream has the newest event.
        let id = loop {
            let newest = arrivals
                .lock()
                .unwrap()
                .iter()
                .filter(|(_, at)| at.iter().any(|t| *t >= changed))
                .map(|(id, at)| (id.clone(), at.len()))
                .max_by_key(|(id, _)| id.clone());
            match newest {
                Some((id, n)) if n == STREAMS => break id,
                _ if committed.elapsed() > Duration::from_secs(30) => {
                    panic!("event {i} did not reach every stream")
                }
                _ => tokio::time::sleep(Duration::from_millis(1)).await,
            }
        };
        let last = *arrivals.lock().unwrap()[&id].iter().max().unwrap();
        latencies.push(last.saturating_duration_since(committed));
    }
    latencies.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "an event to all {STREAMS} streams ({CHANGES} changes, each rechecking every session): p50 {:.1} ms, p90 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        ms(percentile(&latencies, 0.50)),
        ms(percentile(&latencies, 0.90)),
        ms(percentile(&latencies, 0.99)),
        ms(*latencies.last().unwrap()),
    );
    state.events.close();
    db.close().await;
    let _ = std::fs::remove_file(&file);
}
