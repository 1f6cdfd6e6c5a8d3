//! Any term, not a chosen few: pieces of the demo names, each asked once, through the listing,
//! as whole pages, and from 32 connections that no cache can answer.

use super::load::{list_body, load, serve, Bodies};
use super::{ms, percentile, HTTP_SECONDS};
use app::backend::directory::{self, Filter};
use app::backend::seed;
use app::backend::{AppState, Caller, Db};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

/// Every distinct 3–5-letter piece of the demo names' words, lower case, in a fixed shuffled
/// order (the same on every run, so runs compare).
pub(super) fn name_pieces() -> Vec<String> {
    use rand::seq::SliceRandom;
    use rand::SeedableRng;
    let mut pieces = std::collections::BTreeSet::new();
    for name in seed::FIRST.iter().chain(seed::LAST.iter()) {
        for word in name.split([' ', '-']) {
            let letters: Vec<char> = word.to_lowercase().chars().collect();
            for len in 3..=5 {
                for piece in letters.windows(len) {
                    pieces.insert(piece.iter().collect::<String>());
                }
            }
        }
    }
    let mut pieces: Vec<String> = pieces.into_iter().collect();
    pieces.shuffle(&mut rand::rngs::StdRng::seed_from_u64(13));
    pieces
}

/// Pieces of 3–5 characters across the space of the demo names ("a lov", "id wi"), as a
/// person types a whole name; shuffled like `name_pieces`.
pub(super) fn spanning_pieces() -> Vec<String> {
    use rand::seq::SliceRandom;
    use rand::SeedableRng;
    let mut pieces = std::collections::BTreeSet::new();
    for first in seed::FIRST {
        for last in seed::LAST {
            let name: Vec<char> = format!("{first} {last}").to_lowercase().chars().collect();
            let space = first.chars().count();
            for len in 3..=5 {
                for start in (space + 1).saturating_sub(len - 1)..space {
                    if let Some(piece) = name.get(start..start + len) {
                        pieces.insert(piece.iter().collect::<String>());
                    }
                }
            }
        }
    }
    let mut pieces: Vec<String> = pieces.into_iter().collect();
    pieces.shuffle(&mut rand::rngs::StdRng::seed_from_u64(14));
    pieces
}

fn spread(label: &str, mut times: Vec<(Duration, String)>, target_p99: Duration) {
    times.sort();
    let only: Vec<Duration> = times.iter().map(|(t, _)| *t).collect();
    let p99 = percentile(&only, 0.99);
    let slowest: Vec<String> = times
        .iter()
        .rev()
        .take(5)
        .map(|(t, term)| format!("{term:?} {}", ms(*t)))
        .collect();
    println!(
        "    {label}: {} terms once each, p50 {}  p99 {} (≤ {})  max {}{}",
        times.len(),
        ms(percentile(&only, 0.5)),
        ms(p99),
        ms(target_p99),
        ms(*only.last().unwrap()),
        if p99 <= target_p99 { "" } else { "  OVER" }
    );
    println!("      slowest: {}", slowest.join(", "));
}

/// Each term once through the listing service, as the server function asks it.
pub(super) async fn listing_once(db: &Db, me: &Caller, terms: &[String]) {
    let mut times = Vec::with_capacity(terms.len());
    for term in terms {
        let filter = Filter {
            search: term.clone(),
            ..Filter::default()
        };
        let t = Instant::now();
        directory::list_as(db.read(), me, &filter, chrono::Utc::now())
            .await
            .unwrap();
        times.push((t.elapsed(), term.clone()));
    }
    spread("listing", times, Duration::from_millis(20));
}

/// Each term once as the whole server-rendered directory page a browser gets for
/// `/users?q=…`: session, listing, rendering and hydration data, read to the last byte.
pub(super) async fn pages_once(state: &AppState, token: &str, terms: &[String]) {
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let addr: SocketAddr = "127.0.0.1:3000".parse().unwrap();
    let app = server::router::build(state.clone(), server::router::leptos_options(addr));
    let mut times = Vec::with_capacity(terms.len());
    let mut bytes = 0;
    for term in terms {
        let uri = format!("/users?q={}", term.replace(' ', "%20"));
        let mut request = http::Request::get(uri.as_str())
            .header("host", "127.0.0.1:3000")
            .header("cookie", format!("usher_session={token}"))
            .body(axum::body::Body::empty())
            .unwrap();
        request
            .extensions_mut()
            .insert(axum::extract::ConnectInfo(addr));
        let t = Instant::now();
        let response = app.clone().oneshot(request).await.unwrap();
        assert_eq!(response.status(), 200, "{uri}");
        let body = response.into_body().collect().await.unwrap().to_bytes();
        times.push((t.elapsed(), term.clone()));
        bytes += body.len();
    }
    println!(
        "    pages: {} KB on average",
        bytes / terms.len().max(1) / 1024
    );
    spread("page", times, Duration::from_millis(50));
}

/// 32 connections searching with pieces that do not come back within the page cache's
/// second, so every answer is a search (target ≥ 400/s, p99 ≤ 100 ms).
pub(super) async fn uncached_load(state: AppState, token: &str, pieces: &[String]) {
    let (addr, server) = serve(state).await;
    let cookie = format!("usher_session={token}");
    let bodies: Vec<String> = pieces.iter().map(|p| list_body(p)).collect();
    let count = bodies.len();
    let rate = load(
        "uncached searches: list_directory",
        addr,
        &cookie,
        Bodies::Each(std::sync::Arc::new((bodies, Default::default()))),
        32,
        HTTP_SECONDS,
    )
    .await;
    let cycle = count as f64 / rate;
    println!(
        "    {count} distinct pieces; the same one came back after {cycle:.1} s at the soonest (the page cache keeps a page 1 s){}",
        if cycle > 1.0 { "" } else { "  CACHED: too few pieces for this rate" }
    );
    server.abort();
}
