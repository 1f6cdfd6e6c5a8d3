//! Bulk invite of 10,000 CSV rows, as the browser sends it (chunks of 500, one transaction each),
//! including the invitation roles, audit rows and outbox mail. Target: ≤ 5 s in all.
//! Runs on SQLite, and on PostgreSQL when one answers at DATABASE_URL_PG (default
//! postgres://postgres@127.0.0.1:5432/postgres).
//!
//! Run with `cargo bench -p server --bench bulk_invite` (or `make bench`).

use app::backend::config::Config;
use app::backend::entity::{invitation, outgoing_mail};
use app::backend::invitations::bulk::{self, RowResult};
use app::backend::seed::{self, DEMO_OPERATOR, DEMO_PASSWORD};
use app::backend::{auth, sessions, AppState, Db};
use sea_orm::{ConnectionTrait, Database, EntityTrait, PaginatorTrait};
use std::time::Instant;

const ROWS: usize = 10_000;
const CHUNK: usize = 500;

async fn measure(label: &str, db: Db) {
    db.migrate().await.expect("migrations");
    let now = chrono::Utc::now();
    seed::seed_demo(&db, 0, now).await.expect("seed");
    let state = AppState::new(db.clone(), Config::for_public_url("http://127.0.0.1:3000"));
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
    let mut csv = String::from("email,roles,entity\n");
    for i in 0..ROWS {
        let entity = if i % 2 == 0 { "northwind" } else { "contoso" };
        csv.push_str(&format!(
            "bulk.person{i}@example.com,Trader;Market Maker,{entity}\n"
        ));
    }

    let started = Instant::now();
    let rows = bulk::parse(&csv).expect("parse");
    let checked = bulk::check(db.read(), &me, rows.clone())
        .await
        .expect("check");
    let preview = started.elapsed();
    assert_eq!(checked.len(), ROWS);

    let started = Instant::now();
    let mut invited = 0;
    for chunk in rows.chunks(CHUNK) {
        let done = bulk::run(&state, &me, chunk.to_vec(), Default::default(), now)
            .await
            .expect("run");
        invited += done
            .iter()
            .filter(|(_, r)| *r == RowResult::Invited)
            .count();
    }
    let run = started.elapsed();
    let invitations = invitation::Entity::find().count(db.read()).await.unwrap();
    let mails = outgoing_mail::Entity::find()
        .count(db.read())
        .await
        .unwrap();
    assert_eq!(invited, ROWS);
    assert!(mails as usize >= ROWS);
    println!(
        "{label:>10}: preview (parse + check) {:>6.0} ms | invite {ROWS} rows in chunks of {CHUNK}: {:>6.0} ms ({:.0} rows/s) | {invitations} invitations, {mails} outbox rows",
        preview.as_secs_f64() * 1000.0,
        run.as_secs_f64() * 1000.0,
        ROWS as f64 / run.as_secs_f64()
    );
    db.close().await;
}

#[tokio::main]
async fn main() {
    let file = std::env::temp_dir().join(format!("usher-bench-{}.db", uuid::Uuid::new_v4()));
    let db = Db::connect(&format!("sqlite://{}", file.display()))
        .await
        .expect("sqlite");
    measure("SQLite", db).await;
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
    }

    let admin_url = std::env::var("DATABASE_URL_PG")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let Ok(admin) = Database::connect(&admin_url).await else {
        println!("PostgreSQL: not reachable at {admin_url}, skipped");
        return;
    };
    let name = format!("usher_bench_{}", uuid::Uuid::new_v4().simple());
    admin
        .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
        .await
        .unwrap();
    let (base, _) = admin_url.rsplit_once('/').unwrap();
    let db = Db::connect(&format!("{base}/{name}"))
        .await
        .expect("postgres");
    measure("PostgreSQL", db).await;
    admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
        .await
        .unwrap();
}
