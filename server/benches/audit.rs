//! The audit log at ten million events, on SQLite and on PostgreSQL (issue 14: a filtered page
//! p99 ≤ 50 ms). Every query is asked once (nothing caches audit pages anyway), as an operator
//! and as an entity admin, with each kind of filter the page offers: none, each action, an
//! entity, a person who acted, a person the event is about, one day, a day and an action, and a
//! page deep in the past (a cursor at a random moment of the year).
//!
//! The seeded databases are kept between runs (`target/bench-audit-<n>.db` and the PostgreSQL
//! database `usher_bench_audit_<n>`), so only the first run pays for the seed (`seed-demo`'s own
//! path: 10,000 users, then the events). `USHER_BENCH_EVENTS` changes the size;
//! `USHER_BENCH_SKIP_PG=1` skips PostgreSQL, `USHER_BENCH_SKIP_SQLITE=1` SQLite. Run with
//! `cargo bench -p server --bench audit`.

use app::backend::access::{Authorized, Scope};
use app::backend::audit_log::{self, Filter};
use app::backend::config::Config;
use app::backend::entity::audit_event;
use app::backend::invitations::listing::Cursor;
use app::backend::seed::{self, DEMO_ADMIN, DEMO_OPERATOR, DEMO_PASSWORD};
use app::backend::{auth, sessions, AppState, Caller, Db};
use app::domain::Action;
use chrono::{TimeDelta, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sea_orm::{
    ConnectionTrait, Database, DbBackend, EntityTrait, PaginatorTrait, QuerySelect, Statement,
};
use std::time::{Duration, Instant};
use uuid::Uuid;

const USERS: usize = 10_000;
/// Queries of each kind.
const EACH: usize = 40;

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

async fn caller(state: &AppState, email: &str) -> Caller {
    let now = Utc::now();
    let (token, _) = auth::sign_in(state, email, DEMO_PASSWORD, None, Default::default(), now)
        .await
        .expect("sign in");
    sessions::authenticate(&state.db, &state.config, &token, now)
        .await
        .unwrap()
        .unwrap()
}

/// Times one page per filter and prints p50, p99 and the slowest for the kind.
async fn kind(
    db: &Db,
    allowed: &Authorized<Scope>,
    label: &str,
    filters: Vec<Filter>,
    all: &mut Vec<Duration>,
) {
    let mut times = Vec::with_capacity(filters.len());
    let mut rows = 0;
    for filter in &filters {
        let t = Instant::now();
        let page = audit_log::list(db.read(), allowed, filter).await.unwrap();
        times.push(t.elapsed());
        rows += page.rows.len();
    }
    times.sort();
    println!(
        "    {label:<28} {:>4} pages {:>6} rows  p50 {:>9}  p99 {:>9}  max {:>9}",
        times.len(),
        rows,
        ms(percentile(&times, 0.5)),
        ms(percentile(&times, 0.99)),
        ms(*times.last().unwrap())
    );
    all.extend(times);
}

async fn measure(label: &str, db: Db, events: usize) {
    db.migrate().await.expect("migrations");
    if !seed::has_users(&db).await.unwrap() {
        let started = Instant::now();
        seed::seed_demo(&db, USERS, Utc::now()).await.expect("seed");
        seed::seed_events(&db, events, Utc::now())
            .await
            .expect("events");
        seed::settle(&db).await.expect("settle");
        println!(
            "  seeded {USERS} users and {events} events in {:.1?}",
            started.elapsed()
        );
    }
    let stored = audit_event::Entity::find().count(db.read()).await.unwrap();
    let mut config = Config::for_public_url("http://127.0.0.1:3000");
    config.sign_in_per_ip_per_minute = 1_000_000;
    let state = AppState::new(db.clone(), config);
    let operator = caller(&state, DEMO_OPERATOR).await;
    let admin = caller(&state, DEMO_ADMIN).await;
    println!("{label} ({stored} events):");
    // The people events are by and about, and the actions, as the seed wrote them.
    let people: Vec<Uuid> = audit_event::Entity::find()
        .select_only()
        .column(audit_event::Column::ActorId)
        .distinct()
        .limit(2_000)
        .into_tuple::<Option<Uuid>>()
        .all(db.read())
        .await
        .unwrap()
        .into_iter()
        .flatten()
        .collect();
    let actions: Vec<&str> = app::api::audit::ACTIONS.iter().map(|(a, _)| *a).collect();
    let mut rng = StdRng::seed_from_u64(7);
    let now = Utc::now();
    let day = |rng: &mut StdRng| {
        let d = (now - TimeDelta::days(rng.random_range(1..365))).date_naive();
        let from = d.and_hms_opt(0, 0, 0).unwrap().and_utc();
        (from, from + TimeDelta::days(1))
    };
    let page = Filter {
        limit: 50,
        ..Filter::default()
    };
    let mut all = Vec::new();
    for (who, me) in [("operator", &operator), ("entity admin", &admin)] {
        let allowed = me.may_list(Action::ReadAudit, None).unwrap();
        println!("  as {who}:");
        kind(&db, &allowed, "newest", vec![page.clone(); 5], &mut all).await;
        let by_action = actions
            .iter()
            .map(|a| Filter {
                action: Some(a.to_string()),
                ..page.clone()
            })
            .collect();
        kind(&db, &allowed, "each action", by_action, &mut all).await;
        let pick = |rng: &mut StdRng| people[rng.random_range(0..people.len())];
        let actors = (0..EACH)
            .map(|_| Filter {
                actor: Some(pick(&mut rng)),
                ..page.clone()
            })
            .collect();
        kind(&db, &allowed, "who acted", actors, &mut all).await;
        let targets = (0..EACH)
            .map(|_| Filter {
                target: Some(pick(&mut rng)),
                ..page.clone()
            })
            .collect();
        kind(&db, &allowed, "about whom", targets, &mut all).await;
        let days = (0..EACH)
            .map(|_| {
                let (from, until) = day(&mut rng);
                Filter {
                    from: Some(from),
                    until: Some(until),
                    ..page.clone()
                }
            })
            .collect();
        kind(&db, &allowed, "one day", days, &mut all).await;
        let day_actions = (0..EACH)
            .map(|i| {
                let (from, until) = day(&mut rng);
                Filter {
                    from: Some(from),
                    until: Some(until),
                    action: Some(actions[i % actions.len()].to_string()),
                    ..page.clone()
                }
            })
            .collect();
        kind(
            &db,
            &allowed,
            "one day and an action",
            day_actions,
            &mut all,
        )
        .await;
        let deep = (0..EACH)
            .map(|_| Filter {
                after: Some(Cursor {
                    at: now - TimeDelta::minutes(rng.random_range(1..525_600)),
                    id: Uuid::max(),
                    shown: 0,
                }),
                ..page.clone()
            })
            .collect();
        kind(&db, &allowed, "a page deep in the year", deep, &mut all).await;
    }
    let entity = admin.entity.id;
    let allowed = operator.may_list(Action::ReadAudit, Some(entity)).unwrap();
    println!("  as operator, one entity:");
    kind(&db, &allowed, "newest", vec![page.clone(); 5], &mut all).await;
    all.sort();
    println!(
        "  every page ({}): p50 {}  p99 {}  (target p99 ≤ 50 ms)",
        all.len(),
        ms(percentile(&all, 0.5)),
        ms(percentile(&all, 0.99))
    );
}

#[tokio::main]
async fn main() {
    let events: usize = std::env::var("USHER_BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000_000);
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target");
    if !std::env::var("USHER_BENCH_SKIP_SQLITE").is_ok_and(|v| v == "1") {
        let file = dir.join(format!("bench-audit-{events}.db"));
        let db = Db::connect(&format!("sqlite://{}", file.display()))
            .await
            .expect("sqlite");
        measure("SQLite", db, events).await;
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
    let name = format!("usher_bench_audit_{events}");
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
    measure("PostgreSQL", db, events).await;
}
