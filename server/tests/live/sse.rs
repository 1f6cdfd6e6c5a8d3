//! A raw server-sent-events client for the tests: the request an EventSource sends, and the
//! stream read frame by frame.

use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// One frame of the stream: its `event`, `id` and `data` fields.
#[derive(Debug, Default, Clone)]
pub struct Frame {
    pub event: String,
    pub id: String,
    pub data: String,
    pub retry: bool,
}

/// A raw SSE client: what a browser's EventSource sends, read frame by frame.
pub struct Stream {
    pub status: u16,
    pub head: String,
    reader: BufReader<TcpStream>,
}

impl Stream {
    pub async fn open(addr: SocketAddr, token: Option<&str>, last: Option<&str>) -> Self {
        let mut request =
            format!("GET /events HTTP/1.1\r\nHost: {addr}\r\nAccept: text/event-stream\r\nConnection: close\r\n");
        if let Some(token) = token {
            request.push_str(&format!("Cookie: usher_session={token}\r\n"));
        }
        if let Some(last) = last {
            request.push_str(&format!("Last-Event-ID: {last}\r\n"));
        }
        request.push_str("\r\n");
        let mut socket = TcpStream::connect(addr).await.unwrap();
        socket.write_all(request.as_bytes()).await.unwrap();
        let mut reader = BufReader::new(socket);
        let mut head = String::new();
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).await.unwrap() == 0 || line == "\r\n" {
                break;
            }
            head.push_str(&line);
        }
        let status = head
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        Self {
            status,
            head,
            reader,
        }
    }

    /// The next frame, or `None` when the stream ended or nothing came within `within`.
    pub async fn next(&mut self, within: Duration) -> Option<Frame> {
        tokio::time::timeout(within, async {
            let mut frame = Frame::default();
            loop {
                let mut line = String::new();
                if self.reader.read_line(&mut line).await.ok()? == 0 {
                    return None;
                }
                let line = line.trim_end_matches(['\r', '\n']);
                if line.is_empty() {
                    if !frame.data.is_empty() || frame.retry {
                        return Some(frame);
                    }
                    continue;
                }
                // Chunk sizes of the chunked encoding, and comments (keep-alives).
                let Some((field, value)) = line.split_once(':') else {
                    continue;
                };
                let value = value.trim_start().to_string();
                match field {
                    "event" => frame.event = value,
                    "id" => frame.id = value,
                    "data" => frame.data = value,
                    "retry" => frame.retry = true,
                    _ => {}
                }
            }
        })
        .await
        .ok()
        .flatten()
    }

    /// Waits for the first frame, sent once the stream listens.
    pub async fn ready(&mut self) {
        let first = self
            .next(Duration::from_secs(5))
            .await
            .expect("a first frame");
        assert!(first.retry, "{first:?}");
    }

    /// The next `admin.event`, skipping anything else.
    pub async fn next_event(&mut self, within: Duration) -> Option<serde_json::Value> {
        let until = Instant::now() + within;
        loop {
            let left = until.saturating_duration_since(Instant::now());
            let frame = self.next(left).await?;
            if frame.event == "admin.event" {
                let mut value: serde_json::Value = serde_json::from_str(&frame.data).unwrap();
                value["frame_id"] = frame.id.into();
                return Some(value);
            }
        }
    }

    /// Whether the stream ends (the server closes it) within `within`; it says so first.
    pub async fn ends(&mut self, within: Duration) -> bool {
        let until = Instant::now() + within;
        let mut said = false;
        loop {
            let left = until.saturating_duration_since(Instant::now());
            match self.next(left).await {
                Some(frame) => said |= frame.event == "closed",
                // `next` gives `None` both at the end and at the deadline.
                None => return said && Instant::now() < until,
            }
        }
    }
}
