//! What the HTTP-level tests share: the real router on a free loopback port over a fresh SQLite
//! file with the demo data, and a raw HTTP/1.1 client that sends exactly the bytes a test means
//! (no client library fixing up headers an attacker would not fix up).

#![allow(dead_code)]

use app::backend::config::{Config, MailTransport};
use app::backend::seed::{self, DEMO_PASSWORD};
use app::backend::{auth, AppState, Db};
use std::net::{IpAddr, SocketAddr};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use uuid::Uuid;

pub struct TestServer {
    pub addr: SocketAddr,
    pub state: AppState,
    pub db: Db,
    pub mail_dir: std::path::PathBuf,
    file: std::path::PathBuf,
}

impl TestServer {
    /// `tune` adjusts the configuration before the server starts.
    pub async fn start(tune: impl FnOnce(&mut Config)) -> Self {
        let id = Uuid::new_v4();
        let file = std::env::temp_dir().join(format!("usher-http-{id}.db"));
        let db = Db::connect(&format!("sqlite://{}", file.display()))
            .await
            .unwrap();
        db.migrate().await.unwrap();
        seed::seed_demo(&db, 24, chrono::Utc::now()).await.unwrap();
        let mail_dir = std::env::temp_dir().join(format!("usher-http-mail-{id}"));
        let mut config = Config::for_public_url("http://127.0.0.1");
        config.sign_in_per_ip_per_minute = 100_000;
        config.mail.transport = MailTransport::Files(mail_dir.clone());
        tune(&mut config);
        let state = AppState::new(db.clone(), config);
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
        Self {
            addr,
            state,
            db,
            mail_dir,
            file,
        }
    }

    /// A session token for a demo person (signed in without going through HTTP).
    pub async fn token(&self, email: &str) -> String {
        self.token_with(email, DEMO_PASSWORD).await
    }

    pub async fn token_with(&self, email: &str, password: &str) -> String {
        auth::sign_in(
            &self.state,
            email,
            password,
            None,
            Default::default(),
            chrono::Utc::now(),
        )
        .await
        .unwrap()
        .0
    }

    pub async fn stop(self) {
        self.db.close().await;
        let _ = std::fs::remove_file(&self.file);
        let _ = std::fs::remove_dir_all(&self.mail_dir);
    }
}

pub enum Body {
    Form(String),
    Json(serde_json::Value),
    Raw(&'static str, Vec<u8>),
}

/// A request as a test builds it.
pub struct Call<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub cookie: Option<&'a str>,
    pub body: Body,
    /// `Host` (defaults to the server's address) and any other headers.
    pub host: Option<&'a str>,
    pub headers: Vec<(&'a str, String)>,
    /// The client address to send from (any of 127.0.0.0/8).
    pub from: Option<IpAddr>,
}

impl<'a> Call<'a> {
    pub fn post(path: &'a str, cookie: Option<&'a str>, body: Body) -> Self {
        Self {
            method: "POST",
            path,
            cookie,
            body,
            host: None,
            headers: Vec::new(),
            from: None,
        }
    }

    pub fn get(path: &'a str, cookie: Option<&'a str>) -> Self {
        Self {
            method: "GET",
            body: Body::Raw("text/plain", Vec::new()),
            ..Self::post(path, cookie, Body::Form(String::new()))
        }
    }
}

pub struct Answer {
    pub status: u16,
    pub head: String,
    pub body: String,
    /// The body's bytes as sent, chunked framing removed.
    pub bytes: Vec<u8>,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.trim().eq_ignore_ascii_case(name).then(|| value.trim())
        })
    }
}

/// The body of a `Transfer-Encoding: chunked` answer, unframed.
fn dechunk(mut raw: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    while let Some(end) = raw.windows(2).position(|w| w == b"\r\n") {
        let size = std::str::from_utf8(&raw[..end])
            .ok()
            .and_then(|s| usize::from_str_radix(s.split(';').next()?.trim(), 16).ok())
            .unwrap_or(0);
        raw = &raw[end + 2..];
        if size == 0 || raw.len() < size {
            break;
        }
        body.extend_from_slice(&raw[..size]);
        raw = raw.get(size + 2..).unwrap_or_default();
    }
    body
}

pub async fn send(addr: SocketAddr, call: Call<'_>) -> Answer {
    let (content_type, bytes) = match call.body {
        Body::Form(text) => ("application/x-www-form-urlencoded", text.into_bytes()),
        Body::Json(value) => ("application/json", value.to_string().into_bytes()),
        Body::Raw(kind, bytes) => (kind, bytes),
    };
    let host = call.host.map(str::to_string).unwrap_or(addr.to_string());
    let mut head = format!(
        "{} {} HTTP/1.1\r\nHost: {host}\r\nContent-Type: {content_type}\r\nAccept: application/json\r\nContent-Length: {}\r\nConnection: close\r\n",
        call.method,
        call.path,
        bytes.len()
    );
    if !call
        .headers
        .iter()
        .any(|(n, _)| n.eq_ignore_ascii_case("origin"))
    {
        head.push_str("Origin: http://127.0.0.1\r\n");
    }
    if let Some(token) = call.cookie {
        head.push_str(&format!("Cookie: usher_session={token}\r\n"));
    }
    for (name, value) in &call.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    if let Some(from) = call.from {
        socket.bind(SocketAddr::new(from, 0)).unwrap();
    }
    let mut stream = socket.connect(addr).await.expect("connect");
    stream.write_all(head.as_bytes()).await.expect("write");
    // A server that refuses early may close before a large body is sent: that is an answer too.
    let _ = stream.write_all(&bytes).await;
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response).await;
    let split = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or(response.len());
    let head = String::from_utf8_lossy(&response[..split]).to_string();
    let raw = response.get(split + 4..).unwrap_or_default();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0);
    let chunked = head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked");
    let bytes = if chunked { dechunk(raw) } else { raw.to_vec() };
    let body = String::from_utf8_lossy(&bytes).to_string();
    Answer {
        status,
        head,
        body,
        bytes,
    }
}

/// POST to a server function.
pub async fn post(addr: SocketAddr, name: &str, cookie: Option<&str>, body: Body) -> Answer {
    let path = format!("/api/{name}");
    send(addr, Call::post(&path, cookie, body)).await
}
