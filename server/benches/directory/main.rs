//! The User Directory at a million users, on SQLite and on PostgreSQL.
//!
//! 1. Query level (the service the server function calls): substring search of 3+ characters
//!    (targets p99 ≤ 20 ms for the first 50 rows), prefix search (p99 ≤ 5 ms), and page 1,000
//!    against page 1 (≤ 1.2×). Also prints the query plans of the searches.
//! 2. HTTP: the signed-in `list_directory` server function over loopback with keep-alive
//!    connections (target ≥ 5,000 requests/s, p99 ≤ 10 ms).
//!
//! 3. Any term, not a chosen few: 200 distinct 3–5-letter pieces of the demo names, each asked
//!    once, through the listing (target p99 ≤ 20 ms) and as the whole server-rendered page
//!    `/users?q=…` (p99 ≤ 50 ms); then 32 connections calling `list_directory` with pieces
//!    that never repeat within the page cache's second (target ≥ 400 searches/s, p99 ≤ 100 ms).
//!    `USHER_BENCH_TERMS_ONLY=1` runs this part alone.
//!
//! The seeded databases are kept between runs (`target/bench-directory-<n>.db` and the
//! PostgreSQL database `usher_bench_directory_<n>`), so only the first run pays for the seed.
//! `USHER_BENCH_USERS` changes the size (default 1,000,000); `USHER_BENCH_SKIP_PG=1` skips
//! PostgreSQL, `USHER_BENCH_SKIP_SQLITE=1` SQLite. Run with `cargo bench -p server --bench directory` (or `make bench`).

use app::backend::config::Config;
use app::backend::directory::{self, Cursor, Filter, Order, Sort};
use app::backend::seed::{self, DEMO_OPERATOR, DEMO_PASSWORD};
use app::backend::Caller;
use app::backend::{auth, sessions, AppState, Db};
use sea_orm::{ConnectionTrait, Database, DbBackend, Statement};
use std::time::{Duration, Instant};

mod load;
mod terms;
use load::{http_client, list_body, load, serve, Bodies};
use terms::{listing_once, name_pieces, pages_once, spanning_pieces, uncached_load};

const RUNS: usize = 60;
const HTTP_CONNECTIONS: usize = 16;
const HTTP_SECONDS: u64 = 10;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

/// Runs the listing `RUNS` times per term and reports p50 and p99 over all of them.
async fn searches(db: &Db, me: &Caller, kind: &str, terms: &[&str]) -> Duration {
    searches_in(db, me, kind, Order::default(), terms).await
}

/// `searches` in another order.
async fn searches_in(db: &Db, me: &Caller, kind: &str, sort: Order, terms: &[&str]) -> Duration {
    let mut all = Vec::new();
    for term in terms {
        let filter = Filter {
            search: term.to_string(),
            sort,
            ..Filter::default()
        };
        let now = chrono::Utc::now();
        let first = directory::list_as(db.read(), me, &filter, now)
            .await
            .unwrap();
        let mut times = Vec::with_capacity(RUNS);
        for _ in 0..RUNS {
            let t = Instant::now();
            directory::list_as(db.read(), me, &filter, now)
                .await
                .unwrap();
            times.push(t.elapsed());
        }
        times.sort();
        println!(
            "    {kind:<9} {:<16} {:>5} rows of {:>6}{}  p50 {:>9}  p99 {:>9}",
            format!("{term:?}"),
            first.rows.len(),
            first.total,
            if first.total_exact { " " } else { "+" },
            ms(percentile(&times, 0.5)),
            ms(percentile(&times, 0.99))
        );
        all.extend(times);
    }
    all.sort();
    let p99 = percentile(&all, 0.99);
    println!(
        "    {kind:<9} all terms: p50 {}  p99 {}",
        ms(percentile(&all, 0.5)),
        ms(p99)
    );
    p99
}

/// The p50 of page 1 and of the page after `thousandth`, timed alternately so that whatever
/// else the machine is doing in those seconds weighs on both alike.
async fn page_times(db: &Db, me: &Caller, thousandth: Option<Cursor>) -> (Duration, Duration) {
    let now = chrono::Utc::now();
    let mut times = [Vec::with_capacity(RUNS), Vec::with_capacity(RUNS)];
    for _ in 0..RUNS {
        for (after, times) in [None, thousandth.clone()].into_iter().zip(times.iter_mut()) {
            let filter = Filter {
                after,
                ..Filter::default()
            };
            let t = Instant::now();
            directory::list_as(db.read(), me, &filter, now)
                .await
                .unwrap();
            times.push(t.elapsed());
        }
    }
    let [mut first, mut later] = times;
    first.sort();
    later.sort();
    (percentile(&first, 0.5), percentile(&later, 0.5))
}

/// The plans of the statements the listing runs for each kind of search, as the database
/// explains them (default filter, name order, first page).
async fn explain(db: &Db) {
    let backend = db.backend();
    let (explain, listed) = match backend {
        DbBackend::Sqlite => (
            "EXPLAIN QUERY PLAN",
            "users.purged_at IS NULL AND +users.status IN ('active', 'pending', 'inactive')",
        ),
        _ => (
            "EXPLAIN",
            "users.purged_at IS NULL AND users.status IN ('active', 'pending', 'inactive')",
        ),
    };
    let prefix = [
        (
            "prefix \"k\", names from the name index",
            format!("SELECT id FROM users WHERE {listed} AND users.sort_name >= 'k' AND users.sort_name < 'k\u{10FFFF}' ORDER BY sort_name, id LIMIT 51"),
        ),
        (
            "prefix \"k\", emails from the first-letter index in name order",
            format!("SELECT id FROM users WHERE {listed} AND substr(users.email_normalized, 1, 1) = 'k' ORDER BY sort_name, id LIMIT 51"),
        ),
    ];
    let contains = match backend {
        DbBackend::Sqlite => vec![
            (
                "selective \"lace.12\": every match from the trigram index",
                format!("SELECT users.id, users.sort_name FROM users INNER JOIN users_search ON users_search.rowid = users.rowid WHERE {listed} AND users_search MATCH '\"lace.12\"' LIMIT 4001"),
            ),
            (
                "frequent \"eld\" in name order: the trigram index in rowid order, which is name order (m0011)",
                format!("SELECT users.* FROM users_search CROSS JOIN users ON users.rowid = users_search.rowid WHERE users_search MATCH '\"eld\"' AND users_search.rowid < 4611686018427387904 AND {listed} ORDER BY users_search.rowid LIMIT 51"),
            ),
            (
                "frequent \"love\" by email: a window of the email order, covering index only",
                format!("SELECT w.id FROM (SELECT id, sort_name, email_normalized FROM users WHERE {listed} ORDER BY email_normalized, id LIMIT 16000) AS w WHERE (instr(w.sort_name, 'love') > 0 OR instr(w.email_normalized, 'love') > 0) LIMIT 51"),
            ),
        ],
        _ => vec![
            (
                "\"love\": how often, from the 1-in-256 sample (m0008), index only",
                format!("SELECT COUNT(*) FROM (SELECT 1 FROM users WHERE {listed} AND right(users.id::text, 2) = '00' AND (strpos(users.sort_name, 'love') > 0 OR strpos(users.email_normalized, 'love') > 0) LIMIT 21) AS m"),
            ),
            (
                "frequent \"love\": a window of the name order, covering index only",
                format!("SELECT w.id FROM (SELECT id, sort_name, email_normalized FROM users WHERE {listed} ORDER BY sort_name, id LIMIT 16000) AS w WHERE (strpos(w.sort_name, 'love') > 0 OR strpos(w.email_normalized, 'love') > 0) ORDER BY w.sort_name, w.id LIMIT 51"),
            ),
            (
                "selective \"n wirth\": the index of names without spaces (m0009; no email holds a space), then the term",
                format!("SELECT id FROM users WHERE {listed} AND replace(sort_name, ' ', '') LIKE '%nwirth%' AND strpos(sort_name, 'n wirth') > 0 ORDER BY sort_name, id LIMIT 51"),
            ),
        ],
    };
    for (label, sql) in prefix.into_iter().chain(contains) {
        let rows = db
            .read()
            .query_all(Statement::from_string(backend, format!("{explain} {sql}")))
            .await
            .unwrap();
        println!("    plan, {label}:");
        for row in rows {
            let line: String = match backend {
                DbBackend::Sqlite => row.try_get("", "detail").unwrap_or_default(),
                _ => row.try_get("", "QUERY PLAN").unwrap_or_default(),
            };
            println!("      {line}");
        }
    }
}

async fn http(state: AppState, token: &str) {
    let (addr, server) = serve(state).await;
    let cookie = format!("usher_session={token}");
    let body = Bodies::Same(list_body(""));
    // Warm-up.
    http_client(
        addr,
        cookie.clone(),
        body.clone(),
        Instant::now() + Duration::from_secs(1),
    )
    .await;
    load(
        "HTTP list_directory",
        addr,
        &cookie,
        body,
        HTTP_CONNECTIONS,
        HTTP_SECONDS,
    )
    .await;
    server.abort();
}

async fn measure(label: &str, db: Db, users: usize) {
    db.migrate().await.expect("migrations");
    if !seed::has_users(&db).await.unwrap() {
        let started = Instant::now();
        seed::seed_demo(&db, users, chrono::Utc::now())
            .await
            .expect("seed");
        // `seed_demo` settles the database as `seed-demo` does (checkpoint, VACUUM ANALYZE):
        // what follows measures what a person gets right after the seed.
        println!("  seeded {users} users in {:.1?}", started.elapsed());
    }
    let now = chrono::Utc::now();
    let mut config = Config::for_public_url("http://127.0.0.1:3000");
    config.sign_in_per_ip_per_minute = 1_000_000;
    let state = AppState::new(db.clone(), config);
    let (token, _) = auth::sign_in(
        &state,
        DEMO_OPERATOR,
        DEMO_PASSWORD,
        None,
        Default::default(),
        now,
    )
    .await
    .expect("sign in");
    let me = sessions::authenticate(&db, &state.config, &token, now)
        .await
        .unwrap()
        .unwrap();
    println!("{label} ({users} users):");
    let pieces = name_pieces();
    assert!(pieces.len() >= 600, "{} pieces", pieces.len());
    listing_once(&db, &me, &pieces[..200]).await;
    pages_once(&state, &token, &pieces[200..400]).await;
    let mut mixed = pieces[400..].to_vec();
    mixed.extend(spanning_pieces());
    {
        use rand::seq::SliceRandom;
        use rand::SeedableRng;
        mixed.shuffle(&mut rand::rngs::StdRng::seed_from_u64(15));
    }
    uncached_load(state.clone(), &token, &mixed).await;
    if std::env::var("USHER_BENCH_TERMS_ONLY").is_ok_and(|v| v == "1") {
        db.close().await;
        return;
    }
    let substring = searches(
        &db,
        &me,
        "substring",
        &[
            "love",
            "lace.12",
            "example",
            "rsen",
            "ingrid wil",
            "zzzq",
            "ada lovelace",
            "ada",
            "zoë ok",
            // Between rare and frequent for PostgreSQL's sample: 3,750 and 1,875 matches.
            "n wirth",
            "y wang",
        ],
    )
    .await;
    // One or two letters: names or emails that start with them.
    let prefix = searches(&db, &me, "prefix", &["a", "mo", "zo", "k", "ad", "ë"]).await;
    // The other way round: Z to A, and the stalest sign-ins first.
    let terms = ["", "a", "love", "lace.12", "ada lovelace"];
    let z_to_a = Order {
        by: Sort::Name,
        reversed: true,
    };
    let backwards = searches_in(&db, &me, "Z to A", z_to_a, &terms).await;
    let stalest = Order {
        by: Sort::LastSignIn,
        reversed: true,
    };
    let stalest = searches_in(&db, &me, "stalest", stalest, &terms).await;

    let mut filter = Filter::default();
    for _ in 0..999 {
        let page = directory::list_as(db.read(), &me, &filter, now)
            .await
            .unwrap();
        filter.after = page.next;
    }
    let (first, thousandth) = page_times(&db, &me, filter.after.clone()).await;
    println!(
        "    pages     page 1 p50 {}  page 1,000 p50 {}  ratio {:.2}",
        ms(first),
        ms(thousandth),
        thousandth.as_secs_f64() / first.as_secs_f64()
    );
    println!(
        "    summary   substring p99 {} (≤ 20 ms)  prefix p99 {} (≤ 5 ms)  \
         Z to A p99 {}  stalest first p99 {}",
        ms(substring),
        ms(prefix),
        ms(backwards),
        ms(stalest)
    );
    explain(&db).await;
    http(state, &token).await;
    db.close().await;
}

#[tokio::main]
async fn main() {
    let users: usize = std::env::var("USHER_BENCH_USERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target");
    let file = dir.join(format!("bench-directory-{users}.db"));
    if !std::env::var("USHER_BENCH_SKIP_SQLITE").is_ok_and(|v| v == "1") {
        let db = Db::connect(&format!("sqlite://{}", file.display()))
            .await
            .expect("sqlite");
        measure("SQLite", db, users).await;
    }

    if std::env::var("USHER_BENCH_SKIP_PG").is_ok_and(|v| v == "1") {
        return;
    }
    let admin_url = std::env::var("DATABASE_URL_PG")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let Ok(admin) = Database::connect(&admin_url).await else {
        println!("PostgreSQL not reachable at {admin_url}: skipped");
        return;
    };
    let name = format!("usher_bench_directory_{users}");
    let exists = admin
        .query_one(Statement::from_string(
            DbBackend::Postgres,
            format!("SELECT 1 AS one FROM pg_database WHERE datname = '{name}'"),
        ))
        .await
        .unwrap()
        .is_some();
    if !exists {
        admin
            .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
            .await
            .expect("create database");
    }
    let _ = admin.close().await;
    let (base, _) = admin_url.rsplit_once('/').expect("URL has a path");
    let db = Db::connect(&format!("{base}/{name}"))
        .await
        .expect("postgres");
    measure("PostgreSQL", db, users).await;
}
