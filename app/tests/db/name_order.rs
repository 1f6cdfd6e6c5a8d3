//! SQLite: users' rowids follow the name order (m0011), so the search index streams a frequent
//! term's matches in the order the directory shows them. Users the triggers could not place
//! are read apart and merged in until `tidy` places them; the answer is exact either way.

use crate::directory::all_pages;
use crate::invitation_support::entity_id;
use crate::support::prelude::*;
use app::backend::directory::{name_order, Filter, Order, Sort};
use sea_orm::{ConnectionTrait, Statement};
use uuid::Uuid;

const CLEAN_END: i64 = 1 << 62;

async fn scalar(t: &TestDb, sql: &str) -> i64 {
    let row =
        t.db.read()
            .query_one(Statement::from_string(t.db.backend(), sql.to_string()))
            .await
            .unwrap()
            .unwrap();
    row.try_get_by_index::<i64>(0).unwrap()
}

/// Placed rowids rise with (sort_name, id), and the search index holds exactly the users.
async fn check_placement(t: &TestDb) {
    let out_of_order = scalar(
        t,
        &format!(
            "SELECT count(*) FROM (SELECT rowid AS r, \
             lag(rowid) OVER (ORDER BY sort_name, id) AS p FROM users WHERE rowid < {CLEAN_END}) \
             WHERE r <= p"
        ),
    )
    .await;
    assert_eq!(out_of_order, 0, "placed rowids out of name order");
    t.db.writer()
        .execute_unprepared("INSERT INTO users_search(users_search) VALUES ('integrity-check')")
        .await
        .expect("the search index matches the users");
}

/// Every listed user matching `term`, in name order, by a plain scan.
async fn brute_force(t: &TestDb, term: &str) -> Vec<(String, Uuid)> {
    let mut matching: Vec<(String, Uuid)> = user::Entity::find()
        .filter(user::Column::PurgedAt.is_null())
        .filter(user::Column::Status.ne("deleted"))
        .all(t.db.read())
        .await
        .unwrap()
        .into_iter()
        .filter(|u| u.email_normalized.contains(term) || u.sort_name.contains(term))
        .map(|u| (u.sort_name, u.id))
        .collect();
    matching.sort();
    matching
}

async fn listed_both_ways(t: &TestDb, me: &app::backend::Caller, term: &str) {
    let expected: Vec<Uuid> = brute_force(t, term)
        .await
        .into_iter()
        .map(|m| m.1)
        .collect();
    for reversed in [false, true] {
        let filter = Filter {
            search: term.into(),
            sort: Order {
                by: Sort::Name,
                reversed,
            },
            ..Filter::default()
        };
        let mut want = expected.clone();
        if reversed {
            want.reverse();
        }
        assert_eq!(
            all_pages(t, me, &filter, 200).await,
            want,
            "reversed: {reversed}"
        );
        // Pages of an odd size cut through the unplaced users too.
        let mut paged = Filter {
            limit: 7,
            ..filter.clone()
        };
        let mut first = Vec::new();
        while first.len() < 300 {
            let page = crate::directory::list(t, me, &paged).await;
            first.extend(page.rows.iter().map(|r| r.id()));
            let Some(next) = page.next else { break };
            paged.after = Some(next);
        }
        let n = first.len().min(want.len());
        assert_eq!(first[..n], want[..n], "reversed: {reversed}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unplaced_users_are_listed_in_order_until_tidied() {
    let t = crate::support::sqlite().await;
    // Enough users that "example.test" (in every generated email) is a frequent term.
    seed::seed_demo(&t.db, 4_500, Utc::now()).await.unwrap();
    assert_eq!(
        name_order::unplaced(&t.db).await.unwrap(),
        0,
        "the seed placed everyone"
    );
    check_placement(&t).await;
    let operator = acting_as(&t, DEMO_OPERATOR).await;
    let northwind = entity_id(&t, "northwind").await;
    // Each new name sorts just before the previous one: every insert halves the same gap, until
    // the triggers leave users unplaced.
    for i in (0..120).rev() {
        let name = format!("Ada Lovelace Q{i:03}");
        let email = format!("ada.q{i:03}@example.test");
        crate::directory_frequent::add_user_with_id(&t, false, northwind, &name, &email).await;
    }
    let unplaced = name_order::unplaced(&t.db).await.unwrap();
    assert!(unplaced > 20, "only {unplaced} unplaced");
    check_placement(&t).await;
    listed_both_ways(&t, &operator, "example.test").await;

    // Renamed users move with their names, placed or not.
    let renamed = brute_force(&t, "ada.q05").await;
    for (i, (_, id)) in renamed.iter().enumerate() {
        use sea_orm::{ActiveModelTrait, ActiveValue::Set};
        user::ActiveModel {
            id: Set(*id),
            sort_name: Set(format!("zed renamed {i}")),
            name: Set(format!("Zed Renamed {i}")),
            ..Default::default()
        }
        .update(t.db.writer())
        .await
        .unwrap();
    }
    check_placement(&t).await;
    listed_both_ways(&t, &operator, "example.test").await;

    let moved = name_order::tidy(&t.db).await.unwrap();
    assert!(moved >= unplaced.saturating_sub(10), "moved {moved}");
    assert_eq!(name_order::unplaced(&t.db).await.unwrap(), 0);
    check_placement(&t).await;
    listed_both_ways(&t, &operator, "example.test").await;
    // Deleted users leave the index with their rows.
    t.db.writer()
        .execute_unprepared("DELETE FROM user_roles WHERE user_id IN (SELECT id FROM users WHERE sort_name LIKE 'ada lovelace q01%')")
        .await
        .unwrap();
    t.db.writer()
        .execute_unprepared("DELETE FROM users WHERE sort_name LIKE 'ada lovelace q01%'")
        .await
        .unwrap();
    check_placement(&t).await;
    listed_both_ways(&t, &operator, "example.test").await;
    t.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_written_in_name_order_stay_placed() {
    let t = crate::support::sqlite().await;
    seed::seed_demo(&t.db, 0, Utc::now()).await.unwrap();
    let northwind = entity_id(&t, "northwind").await;
    // A sorted import: each user after the last, then each before the first.
    for i in 0..200 {
        let email = format!("up{i:03}@example.test");
        let name = format!("Up {i:03}");
        crate::directory_frequent::add_user_with_id(&t, false, northwind, &name, &email).await;
    }
    for i in (0..100).rev() {
        let email = format!("aa{i:03}@example.test");
        let name = format!("Aa {i:03}");
        crate::directory_frequent::add_user_with_id(&t, false, northwind, &name, &email).await;
    }
    check_placement(&t).await;
    name_order::tidy(&t.db).await.unwrap();
    assert_eq!(name_order::unplaced(&t.db).await.unwrap(), 0);
    check_placement(&t).await;
    t.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_existing_directory_is_numbered_in_name_order_on_upgrade() {
    use app::backend::migration::Migrator;
    use sea_orm_migration::MigratorTrait;
    let t = crate::support::sqlite().await;
    // The directory as it was before m0011: rowids in the order users were written.
    Migrator::down(t.db.writer(), Some(1)).await.unwrap();
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
    t.finish().await;
}
