//! Keep-alive HTTP clients for the server function, over loopback, and the server they call.

use super::{ms, percentile};
use app::backend::AppState;
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A body for each request: the same one, or the next of a shared list.
#[derive(Clone)]
pub(super) enum Bodies {
    Same(String),
    Each(std::sync::Arc<(Vec<String>, std::sync::atomic::AtomicUsize)>),
}

impl Bodies {
    fn next(&self) -> &str {
        match self {
            Bodies::Same(body) => body,
            Bodies::Each(list) => {
                let i = list.1.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                &list.0[i % list.0.len()]
            }
        }
    }
}

/// One keep-alive connection: POSTs the server function and reads each answer whole.
pub(super) async fn http_client(
    addr: SocketAddr,
    cookie: String,
    bodies: Bodies,
    until: Instant,
) -> Vec<Duration> {
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    stream.set_nodelay(true).unwrap();
    let mut times = Vec::new();
    let mut buffer = vec![0u8; 1 << 20];
    while Instant::now() < until {
        let body = bodies.next();
        let request = format!(
            "POST /api/list_directory HTTP/1.1\r\nHost: {addr}\r\nOrigin: http://127.0.0.1:3000\r\nContent-Type: application/json\r\nAccept: application/json\r\nCookie: {cookie}\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        let t = Instant::now();
        stream.write_all(request.as_bytes()).await.expect("write");
        let mut read = 0;
        loop {
            let n = stream.read(&mut buffer[read..]).await.expect("read");
            assert!(n > 0, "server closed the connection");
            read += n;
            let text = &buffer[..read];
            if let Some(end) = text.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&text[..end]).to_lowercase();
                assert!(head.starts_with("http/1.1 200"), "{head}");
                let length: usize = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .map(|v| v.trim().parse().unwrap())
                    .expect("content-length");
                if read >= end + 4 + length {
                    break;
                }
            }
        }
        times.push(t.elapsed());
    }
    times
}

/// Runs `connections` clients for `seconds` and prints what they got.
pub(super) async fn load(
    label: &str,
    addr: SocketAddr,
    cookie: &str,
    bodies: Bodies,
    connections: usize,
    seconds: u64,
) -> f64 {
    let until = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let clients: Vec<_> = (0..connections)
        .map(|_| tokio::spawn(http_client(addr, cookie.to_string(), bodies.clone(), until)))
        .collect();
    let mut all = Vec::new();
    for c in clients {
        all.extend(c.await.expect("client"));
    }
    let elapsed = started.elapsed();
    all.sort();
    let rate = all.len() as f64 / elapsed.as_secs_f64();
    println!(
        "  {label}, {connections} keep-alive connections, {seconds} s: {rate:.0} requests/s, p50 {}  p99 {}  ({} requests)",
        ms(percentile(&all, 0.5)),
        ms(percentile(&all, 0.99)),
        all.len()
    );
    rate
}

pub(super) async fn serve(state: AppState) -> (SocketAddr, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("address");
    let app = server::router::build(state, server::router::leptos_options(addr));
    let server = tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .expect("serve");
    });
    (addr, server)
}

pub(super) fn list_body(q: &str) -> String {
    serde_json::json!({"query": {"status": "", "entity": "", "q": q, "sort": "", "after": ""}})
        .to_string()
}
