//! Users' labels follow the name order (SQLite: rowids, m0011; PostgreSQL: `name_label` and its
//! GiST index, m0012), so the search index streams a frequent term's matches in the order the
//! directory shows them. Users the triggers could not place are read apart and merged in until
//! `tidy` places them; the answer is exact either way.

use crate::directory::all_pages;
use crate::invitation_support::entity_id;
use crate::support::prelude::*;
use app::backend::directory::{name_order, Filter, Order, Sort};
use sea_orm::{ConnectionTrait, Statement};
use uuid::Uuid;

/// The column holding a user's label, and where unplaced labels begin.
fn labels(t: &TestDb) -> (&'static str, i64) {
    match t.db.backend() {
        sea_orm::DbBackend::Postgres => ("name_label", 1 << 52),
        _ => ("rowid", 1 << 62),
    }
}

pub(crate) async fn scalar(t: &TestDb, sql: &str) -> i64 {
    let row =
        t.db.read()
            .query_one(Statement::from_string(t.db.backend(), sql.to_string()))
            .await
            .unwrap()
            .unwrap();
    row.try_get_by_index::<i64>(0).unwrap()
}

/// Placed labels rise with (sort_name, id), and SQLite's search index holds exactly the users.
pub(crate) async fn check_placement(t: &TestDb) {
    let (label, end) = labels(t);
    let out_of_order = scalar(
        t,
        &format!(
            "SELECT count(*) FROM (SELECT {label} AS r, \
             lag({label}) OVER (ORDER BY sort_name, id) AS p FROM users WHERE {label} < {end}) \
             AS o WHERE r <= p"
        ),
    )
    .await;
    assert_eq!(out_of_order, 0, "placed labels out of name order");
    if t.db.backend() == sea_orm::DbBackend::Postgres {
        return;
    }
    t.db.writer()
        // With a rank, the check compares the index with the users themselves too.
        .execute_unprepared(
            "INSERT INTO users_search(users_search, rank) VALUES ('integrity-check', 1)",
        )
        .await
        .expect("the search index matches the users");
}

/// Every listed user matching `term`, in name order, by a plain scan.
async fn brute_force(t: &TestDb, term: &str) -> Vec<(String, Uuid)> {
    brute_force_where(t, term, |u| u.status != "deleted").await
}

async fn brute_force_where(
    t: &TestDb,
    term: &str,
    keep: impl Fn(&user::Model) -> bool,
) -> Vec<(String, Uuid)> {
    let mut matching: Vec<(String, Uuid)> = user::Entity::find()
        .filter(user::Column::PurgedAt.is_null())
        .all(t.db.read())
        .await
        .unwrap()
        .into_iter()
        .filter(|u| keep(u))
        .filter(|u| u.email_normalized.contains(term) || u.sort_name.contains(term))
        .map(|u| (u.sort_name, u.id))
        .collect();
    matching.sort();
    matching
}

pub(crate) async fn listed_both_ways(t: &TestDb, me: &app::backend::Caller, term: &str) {
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

/// Nobody is left unplaced, the labels are in order, and a frequent term lists everyone exactly.
pub(crate) async fn all_placed_and_listed(t: &TestDb, me: &app::backend::Caller) {
    assert_eq!(name_order::unplaced(&t.db).await.unwrap(), 0);
    check_placement(t).await;
    listed_both_ways(t, me, "example.test").await;
}

db_test!(unplaced_users_are_listed_in_order_until_tidied);

async fn unplaced_users_are_listed_in_order_until_tidied(t: &TestDb) {
    // Enough users that "example.test" (in every generated email) is a frequent term.
    seed::seed_demo(&t.db, 4_500, Utc::now()).await.unwrap();
    assert_eq!(
        name_order::unplaced(&t.db).await.unwrap(),
        0,
        "the seed placed everyone"
    );
    check_placement(t).await;
    let operator = acting_as(t, DEMO_OPERATOR).await;
    let northwind = entity_id(t, "northwind").await;
    // Each new name sorts just before the previous one: every insert halves the same gap, until
    // the triggers leave users unplaced.
    for i in (0..120).rev() {
        let name = format!("Ada Lovelace Q{i:03}");
        let email = format!("ada.q{i:03}@example.test");
        crate::directory_frequent::add_user_with_id(t, false, northwind, &name, &email).await;
    }
    let unplaced = name_order::unplaced(&t.db).await.unwrap();
    assert!(unplaced > 20, "only {unplaced} unplaced");
    check_placement(t).await;
    listed_both_ways(t, &operator, "example.test").await;

    // Renamed users move with their names, placed or not.
    let renamed = brute_force(t, "ada.q05").await;
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
    check_placement(t).await;
    listed_both_ways(t, &operator, "example.test").await;

    // A multi-row rename in one statement.
    t.db.writer()
        .execute_unprepared(
            "UPDATE users SET sort_name = sort_name || ' b', name = name || ' B' \
             WHERE email_normalized LIKE 'ada.q07%'",
        )
        .await
        .unwrap();
    check_placement(t).await;
    listed_both_ways(t, &operator, "example.test").await;

    // Only the deleted: a status that holds one match in twelve, streamed past the others.
    let deleted: Vec<Uuid> = brute_force_where(t, "example.test", |u| u.status == "deleted")
        .await
        .into_iter()
        .map(|m| m.1)
        .collect();
    let only_deleted = Filter {
        search: "example.test".into(),
        statuses: vec![UserStatus::Deleted],
        ..Filter::default()
    };
    assert_eq!(all_pages(t, &operator, &only_deleted, 40).await, deleted);

    // An entity admin sees the entity's matches, in the same order.
    let admin = acting_as(t, DEMO_ADMIN).await;
    let in_northwind: Vec<Uuid> = brute_force_where(t, "example.test", |u| {
        u.status != "deleted" && u.entity_id == northwind
    })
    .await
    .into_iter()
    .map(|m| m.1)
    .collect();
    let scoped = Filter {
        search: "example.test".into(),
        ..Filter::default()
    };
    assert_eq!(all_pages(t, &admin, &scoped, 200).await, in_northwind);

    // The user a page ended on is renamed, and the one after it deleted, before the next page:
    // the next page starts after the first page's last place all the same, both ways.
    for reversed in [false, true] {
        let filter = Filter {
            search: "example.test".into(),
            sort: Order {
                by: Sort::Name,
                reversed,
            },
            limit: 30,
            ..Filter::default()
        };
        let first = crate::directory::list(t, &operator, &filter).await;
        let mark = first.rows.last().unwrap().id();
        let mark_key = user::Entity::find_by_id(mark)
            .one(t.db.read())
            .await
            .unwrap()
            .map(|u| (u.sort_name, u.id))
            .unwrap();
        let everyone = brute_force(t, "example.test").await;
        let mut beyond: Vec<(String, Uuid)> = everyone
            .into_iter()
            .filter(|k| {
                if reversed {
                    *k < mark_key
                } else {
                    *k > mark_key
                }
            })
            .collect();
        if reversed {
            beyond.reverse();
        }
        let gone = beyond.remove(0).1;
        {
            use sea_orm::{ActiveModelTrait, ActiveValue::Set};
            user::ActiveModel {
                id: Set(mark),
                sort_name: Set(format!("moved away {reversed}")),
                name: Set(format!("Moved Away {reversed}")),
                ..Default::default()
            }
            .update(t.db.writer())
            .await
            .unwrap();
        }
        let at = match t.db.backend() {
            sea_orm::DbBackend::Postgres => "$1",
            _ => "?",
        };
        for table in ["user_roles WHERE user_id", "users WHERE id"] {
            let sql = format!("DELETE FROM {table} = {at}");
            t.db.writer()
                .execute(Statement::from_sql_and_values(
                    t.db.backend(),
                    sql,
                    [gone.into()],
                ))
                .await
                .unwrap();
        }
        let second = crate::directory::list(
            t,
            &operator,
            &Filter {
                after: first.next.clone(),
                ..filter.clone()
            },
        )
        .await;
        let expected: Vec<Uuid> = beyond.iter().take(30).map(|k| k.1).collect();
        let shown: Vec<Uuid> = second.rows.iter().map(|r| r.id()).collect();
        assert_eq!(shown, expected, "reversed: {reversed}");
        check_placement(t).await;
    }

    let moved = name_order::tidy(&t.db).await.unwrap();

    assert!(moved >= unplaced.saturating_sub(10), "moved {moved}");
    assert_eq!(name_order::unplaced(&t.db).await.unwrap(), 0);
    check_placement(t).await;
    listed_both_ways(t, &operator, "example.test").await;
    // Deleted users leave the index with their rows.
    t.db.writer()
        .execute_unprepared("DELETE FROM user_roles WHERE user_id IN (SELECT id FROM users WHERE sort_name LIKE 'ada lovelace q01%')")
        .await
        .unwrap();
    t.db.writer()
        .execute_unprepared("DELETE FROM users WHERE sort_name LIKE 'ada lovelace q01%'")
        .await
        .unwrap();
    check_placement(t).await;
    listed_both_ways(t, &operator, "example.test").await;
}

db_test!(users_written_in_name_order_are_placed_by_tidy);

async fn users_written_in_name_order_are_placed_by_tidy(t: &TestDb) {
    seed::seed_demo(&t.db, 0, Utc::now()).await.unwrap();
    let northwind = entity_id(t, "northwind").await;
    // A sorted import: each user after the last, then each before the first.
    for i in 0..200 {
        let email = format!("up{i:03}@example.test");
        let name = format!("Up {i:03}");
        crate::directory_frequent::add_user_with_id(t, false, northwind, &name, &email).await;
    }
    for i in (0..100).rev() {
        let email = format!("aa{i:03}@example.test");
        let name = format!("Aa {i:03}");
        crate::directory_frequent::add_user_with_id(t, false, northwind, &name, &email).await;
    }
    check_placement(t).await;
    // Each distinct name halves the room left at either end: a sorted load runs out of it, and
    // its later users wait, unplaced, for the tidy.
    assert!(name_order::unplaced(&t.db).await.unwrap() > 100);
    name_order::tidy(&t.db).await.unwrap();
    assert_eq!(name_order::unplaced(&t.db).await.unwrap(), 0);
    check_placement(t).await;
}
