//! The name order's labels through an upgrade (m0011 on SQLite, m0012 on PostgreSQL), a large
//! load, and writers racing the background `tidy`.

use crate::invitation_support::entity_id;
use crate::name_order::{all_placed_and_listed, check_placement, listed_both_ways, scalar};
use crate::support::prelude::*;
use app::backend::directory::name_order;

/// How many migrations to undo to be before `name`: it and every later one.
fn undo_to_before(name: &str) -> Option<u32> {
    use app::backend::migration::Migrator;
    use sea_orm_migration::MigratorTrait;
    let all = Migrator::migrations();
    let at = all
        .iter()
        .position(|m| m.name() == name)
        .expect("a known migration");
    Some((all.len() - at) as u32)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_existing_directory_is_numbered_in_name_order_on_upgrade() {
    use app::backend::migration::Migrator;
    use sea_orm_migration::MigratorTrait;
    let t = crate::support::sqlite().await;
    // The directory as it was before m0011: rowids in the order users were written.
    Migrator::down(t.db.writer(), undo_to_before("m0011_name_order_rowids"))
        .await
        .unwrap();
    seed::seed_demo(&t.db, 4_500, Utc::now()).await.unwrap();
    let out_of_order = scalar(
        &t,
        "SELECT count(*) FROM (SELECT rowid AS r, \
         lag(rowid) OVER (ORDER BY sort_name, id) AS p FROM users) WHERE r <= p",
    )
    .await;
    assert!(
        out_of_order > 1000,
        "only {out_of_order} out of order before"
    );
    t.db.migrate().await.unwrap();
    assert_eq!(name_order::unplaced(&t.db).await.unwrap(), 0);
    check_placement(&t).await;
    let operator = acting_as(&t, DEMO_OPERATOR).await;
    listed_both_ways(&t, &operator, "example.test").await;
    // New users after the upgrade are placed by the new triggers.
    let northwind = entity_id(&t, "northwind").await;
    crate::directory_frequent::add_user_with_id(
        &t,
        false,
        northwind,
        "Ada After Upgrade",
        "ada.after@example.test",
    )
    .await;
    check_placement(&t).await;
    listed_both_ways(&t, &operator, "example.test").await;
    // Down and up again over rowids already spread: the numbering passes through rowids no user
    // holds, so it never collides with one still to move.
    Migrator::down(t.db.writer(), undo_to_before("m0011_name_order_rowids"))
        .await
        .unwrap();
    crate::directory_frequent::add_user_with_id(
        &t,
        false,
        northwind,
        "Ada Between Upgrades",
        "ada.between@example.test",
    )
    .await;
    t.db.migrate().await.unwrap();
    all_placed_and_listed(&t, &operator).await;
    t.finish().await;
}

/// PostgreSQL: users written before m0012 get labels in name order when it runs, and the
/// directory lists them through the new index.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn existing_users_get_labels_on_upgrade_postgres() {
    use app::backend::migration::Migrator;
    use sea_orm_migration::MigratorTrait;
    let Some(t) = crate::support::postgres().await else {
        return;
    };
    seed::seed_demo(&t.db, 0, Utc::now()).await.unwrap();
    let northwind = entity_id(&t, "northwind").await;
    Migrator::down(t.db.writer(), undo_to_before("m0012_name_order_labels"))
        .await
        .unwrap();
    // Written in no particular order, all in the search sample (so the term is frequent).
    for i in 0..300 {
        let n = (i * 7919) % 300;
        let name = format!("Person {n:03} Before");
        let email = format!("p{n:03}@example.test");
        crate::directory_frequent::add_user_with_id(&t, true, northwind, &name, &email).await;
    }
    t.db.migrate().await.unwrap();
    assert_eq!(name_order::unplaced(&t.db).await.unwrap(), 0);
    check_placement(&t).await;
    let operator = acting_as(&t, DEMO_OPERATOR).await;
    listed_both_ways(&t, &operator, "example.test").await;
    crate::directory_frequent::add_user_with_id(
        &t,
        false,
        northwind,
        "Ada After Upgrade",
        "ada.after@example.test",
    )
    .await;
    check_placement(&t).await;
    listed_both_ways(&t, &operator, "example.test").await;
    t.finish().await;
}

/// PostgreSQL: a large load builds the name-order index after its rows instead of growing it
/// row by row, and leaves it in place.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_load_leaves_the_name_order_index_built_postgres() {
    let Some(t) = crate::support::postgres().await else {
        return;
    };
    let index_oid = "SELECT coalesce(max(oid::bigint), 0) FROM pg_class \
                     WHERE relname = 'ix_users_name_order_search'";
    let created = scalar(&t, index_oid).await;
    assert!(created > 0, "m0012 creates the index");
    seed::seed_demo(&t.db, 10_000, Utc::now()).await.unwrap();
    assert_ne!(
        scalar(&t, index_oid).await,
        created,
        "built again after the load"
    );
    let indexed = scalar(
        &t,
        "SELECT count(*) FROM pg_indexes WHERE tablename = 'users' \
         AND indexname = 'ix_users_name_order_search' AND indexdef LIKE '%siglen=''2024''%'",
    )
    .await;
    assert_eq!(indexed, 1);
    let operator = acting_as(&t, DEMO_OPERATOR).await;
    all_placed_and_listed(&t, &operator).await;
    t.finish().await;
}

/// PostgreSQL: writers on several connections placing users at once, with `tidy` running
/// beside them, leave every placed label in name order and everyone listed exactly.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writers_and_tidy_keep_the_order_postgres() {
    let Some(t) = crate::support::postgres().await else {
        return;
    };
    seed::seed_demo(&t.db, 0, Utc::now()).await.unwrap();
    let northwind = entity_id(&t, "northwind").await;
    // Four writers, each a sorted run into the same part of the order (so they leave users
    // unplaced and contend for the same neighbours), sampled so the term is frequent.
    let writer = |w: usize| {
        let t = &t;
        async move {
            for i in 0..60 {
                let name = format!("Zed Writer {i:03} {w}");
                let email = format!("zed.{i:03}.{w}@example.test");
                crate::directory_frequent::add_user_with_id(t, true, northwind, &name, &email)
                    .await;
            }
        }
    };
    let tidying = async {
        for _ in 0..20 {
            name_order::tidy(&t.db).await.unwrap();
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    };
    tokio::join!(writer(0), writer(1), writer(2), writer(3), tidying);
    check_placement(&t).await;
    let operator = acting_as(&t, DEMO_OPERATOR).await;
    listed_both_ways(&t, &operator, "example.test").await;
    name_order::tidy(&t.db).await.unwrap();
    all_placed_and_listed(&t, &operator).await;
    t.finish().await;
}
