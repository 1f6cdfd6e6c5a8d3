//! Frequent terms: walked along the sort order (or, on PostgreSQL, judged by the search sample)
//! with the same answer as a brute-force scan, in every order both ways.

use crate::directory::{all_pages, list, names, search};
use crate::invitation_support::entity_id;
use crate::support::prelude::*;
use app::backend::directory::{self, Filter, Item, Order, Sort};
use chrono::DateTime;
use std::cmp::Reverse;
use uuid::Uuid;

/// The rows of the first two pages of `filter`, the second read after the first's cursor.
async fn two_pages(t: &TestDb, me: &app::backend::Caller, filter: &Filter) -> Vec<Uuid> {
    let first = list(t, me, filter).await;
    let next = Filter {
        after: first.next.clone(),
        ..filter.clone()
    };
    let second = list(t, me, &next).await;
    first
        .rows
        .iter()
        .chain(&second.rows)
        .map(|r| r.id())
        .collect()
}

/// A user's place in Last sign-in order: the most recent first, then those who never signed in,
/// ties by id (newest first).
type SignInKey = (bool, Reverse<Option<DateTime<Utc>>>, Reverse<Uuid>);

async fn frequent_terms_walk_the_sort_order_with_the_same_answer(t: &TestDb) {
    // Enough users that a term found in every email is too frequent for the search index.
    seed::seed_demo(&t.db, 4_500, Utc::now()).await.unwrap();
    let operator = acting_as(t, DEMO_OPERATOR).await;
    let frequent = Filter {
        search: "example.test".into(),
        limit: 50,
        ..Filter::default()
    };
    let page = list(t, &operator, &frequent).await;
    assert_eq!(page.rows.len(), 50);
    // Counting stops at the search cap: "more than 1,000".
    assert_eq!(page.total, directory::SEARCH_COUNT_CAP);
    assert!(!page.total_exact);
    let sorted: Vec<String> = page
        .rows
        .iter()
        .map(|r| match &r.item {
            Item::User(u) => u.sort_name.clone(),
            Item::Invitation(_) => panic!("no invitation matches"),
        })
        .collect();
    let mut expected = sorted.clone();
    expected.sort();
    assert_eq!(sorted, expected);
    // Exactly the first 50 matches of the name order, page after page.
    let mut matching: Vec<(String, Uuid)> = user::Entity::find()
        .filter(user::Column::PurgedAt.is_null())
        .filter(user::Column::Status.ne("deleted"))
        .all(t.db.read())
        .await
        .unwrap()
        .into_iter()
        .filter(|u| {
            u.email_normalized.contains("example.test") || u.sort_name.contains("example.test")
        })
        .map(|u| (u.sort_name, u.id))
        .collect();
    matching.sort();
    let first: Vec<Uuid> = matching.iter().take(50).map(|m| m.1).collect();
    assert_eq!(page.rows.iter().map(|r| r.id()).collect::<Vec<_>>(), first);
    let second = list(
        t,
        &operator,
        &Filter {
            after: page.next.clone(),
            ..frequent.clone()
        },
    )
    .await;
    let next: Vec<Uuid> = matching.iter().skip(50).take(50).map(|m| m.1).collect();
    assert_eq!(second.rows.iter().map(|r| r.id()).collect::<Vec<_>>(), next);
    // Z to A: the same matches from the other end, walked down the same index.
    let backwards = Filter {
        sort: Order {
            by: Sort::Name,
            reversed: true,
        },
        ..frequent.clone()
    };
    let last: Vec<Uuid> = matching.iter().rev().take(100).map(|m| m.1).collect();
    assert_eq!(two_pages(t, &operator, &backwards).await, last);
    // Last sign-in both ways: the most recent first, or those who never signed in first.
    let mut signed_in: Vec<SignInKey> = user::Entity::find()
        .filter(user::Column::PurgedAt.is_null())
        .filter(user::Column::Status.ne("deleted"))
        .all(t.db.read())
        .await
        .unwrap()
        .into_iter()
        .filter(|u| u.email_normalized.contains("example.test"))
        .map(|u| {
            (
                u.last_login_at.is_none(),
                Reverse(u.last_login_at),
                Reverse(u.id),
            )
        })
        .collect();
    signed_in.sort();
    let ids = |keys: &[SignInKey]| -> Vec<Uuid> { keys.iter().map(|k| k.2 .0).collect() };
    for reversed in [false, true] {
        let mut expected = signed_in.clone();
        if reversed {
            expected.reverse();
        }
        let by_sign_in = Filter {
            sort: Order {
                by: Sort::LastSignIn,
                reversed,
            },
            ..frequent.clone()
        };
        let shown = two_pages(t, &operator, &by_sign_in).await;
        assert_eq!(shown, ids(&expected[..100]), "reversed: {reversed}");
    }
    assert!(page.rows.iter().all(|r| match &r.item {
        Item::User(u) => u.email_normalized.contains("example.test") && u.status != "deleted",
        Item::Invitation(_) => false,
    }));
    // A rare term is answered from the index: the same rows a full scan finds.
    let rare = list(t, &operator, &search("lovelace.4")).await;
    assert!(!rare.rows.is_empty());
    assert!(rare
        .rows
        .iter()
        .all(|r| matches!(&r.item, Item::User(u) if u.email_normalized.contains("lovelace.4"))));
    let in_db = user::Entity::find()
        .filter(user::Column::EmailNormalized.contains("lovelace.4"))
        .filter(user::Column::Status.ne("deleted"))
        .count(t.db.read())
        .await
        .unwrap();
    assert_eq!(rare.total, in_db);
    // And the search index follows renames.
    let someone = rare.rows[0].id();
    use sea_orm::{ActiveModelTrait, ActiveValue::Set};
    user::ActiveModel {
        id: Set(someone),
        sort_name: Set("quintessa rename".into()),
        name: Set("Quintessa Rename".into()),
        ..Default::default()
    }
    .update(t.db.writer())
    .await
    .unwrap();
    assert_eq!(
        names(&list(t, &operator, &search("quintessa")).await),
        ["Quintessa Rename"]
    );
}
db_test!(frequent_terms_walk_the_sort_order_with_the_same_answer);

/// Adds an active user whose id ends in `00` when `sampled`: one of the users PostgreSQL's
/// search sample holds (migration m0008), each standing for 256 users when a term's frequency
/// is judged; otherwise one it does not hold.
pub(crate) async fn add_user_with_id(
    t: &TestDb,
    sampled: bool,
    entity_id: Uuid,
    name: &str,
    email: &str,
) -> Uuid {
    use sea_orm::{ActiveModelTrait, ActiveValue::Set};
    let mut bytes = *Uuid::now_v7().as_bytes();
    bytes[15] = if sampled { 0 } else { 1 };
    let id = Uuid::from_bytes(bytes);
    let now = Utc::now();
    user::ActiveModel {
        id: Set(id),
        entity_id: Set(entity_id),
        name: Set(name.into()),
        sort_name: Set(name.to_lowercase()),
        email: Set(email.into()),
        email_normalized: Set(email.to_lowercase()),
        contact_email: Set(None),
        status: Set("active".into()),
        password_hash: Set(None),
        must_change_password: Set(false),
        last_login_at: Set(None),
        created_at: Set(now),
        created_by: Set(None),
        updated_at: Set(now),
        updated_by: Set(None),
        deleted_at: Set(None),
        deleted_by: Set(None),
        purged_at: Set(None),
        version: Set(1),
    }
    .insert(t.db.writer())
    .await
    .unwrap();
    id
}

/// Adds `count` active users named and addressed by `person(n)`, all in PostgreSQL's search
/// sample or none; their ids in name order.
async fn add_herd(
    t: &TestDb,
    sampled: bool,
    entity_id: Uuid,
    count: usize,
    person: impl Fn(usize) -> (String, String),
) -> Vec<Uuid> {
    let mut herd = Vec::with_capacity(count);
    for n in 0..count {
        let (name, email) = person(n);
        let id = add_user_with_id(t, sampled, entity_id, &name, &email).await;
        herd.push((name.to_lowercase(), id));
    }
    herd.sort();
    herd.into_iter().map(|(_, id)| id).collect()
}

async fn terms_the_sample_finds_often_walk_the_sort_order(t: &TestDb) {
    demo(t).await;
    let northwind = entity_id(t, "northwind").await;
    let expected = add_herd(t, true, northwind, 60, |n| {
        (
            format!("Zebra Stripe {n:02}"),
            format!("stripe{n:02}@zoo.test"),
        )
    })
    .await;
    let operator = acting_as(t, DEMO_OPERATOR).await;
    let filter = Filter {
        search: "stripe".into(),
        limit: 25,
        ..Filter::default()
    };
    let page = list(t, &operator, &filter).await;
    if t.db.backend() == sea_orm::DbBackend::Postgres {
        // 60 sampled users stand for some 15,000: frequent, so not counted ("more than 1,000")
        // and the page is walked from the name order.
        assert_eq!(page.total, directory::SEARCH_COUNT_CAP);
        assert!(!page.total_exact);
    } else {
        assert_eq!(page.total, 60);
        assert!(page.total_exact);
    }
    // Either way, exactly the matches in name order, page after page.
    assert_eq!(all_pages(t, &operator, &filter, 25).await, expected);
    // A multi-word term is looked for in names only (no email holds a space) and walked too.
    let spaced = all_pages(
        t,
        &operator,
        &Filter {
            search: "a strip".into(),
            ..filter.clone()
        },
        25,
    )
    .await;
    assert_eq!(spaced, expected);
    // Fewer than a page's worth in the walked window: the trigram index answers instead.
    let rare = list(t, &operator, &search("stripe 07")).await;
    assert_eq!(names(&rare), ["Zebra Stripe 07"]);
    assert!(rare.total_exact);

    // A term the sample never finds, with more matches than the count cap: read whole in one
    // pass (the trigram index on PostgreSQL, FTS5 on SQLite), so the total is exact.
    let okapis = add_herd(t, false, northwind, 1_010, |n| {
        (format!("Okapi {n:04}"), format!("okapi{n:04}@zoo.test"))
    })
    .await;
    let many = Filter {
        search: "okapi".into(),
        ..Filter::default()
    };
    let first = list(t, &operator, &many).await;
    assert_eq!(first.total, 1_010);
    assert!(first.total_exact);
    assert_eq!(all_pages(t, &operator, &many, 200).await, okapis);
    // Their emails sort as their names do; newest first is the reverse of creation.
    let by_email = Filter {
        sort: Sort::Email.into(),
        ..many.clone()
    };
    assert_eq!(all_pages(t, &operator, &by_email, 300).await, okapis);
    let newest_first = Filter {
        sort: Sort::Created.into(),
        ..many.clone()
    };
    let mut reversed = okapis.clone();
    reversed.reverse();
    assert_eq!(all_pages(t, &operator, &newest_first, 300).await, reversed);
    // Each of those the other way: the same matches read from the other end.
    for (by, forwards) in [
        (Sort::Name, &okapis),
        (Sort::Email, &okapis),
        (Sort::Created, &reversed),
    ] {
        let mut backwards = forwards.clone();
        backwards.reverse();
        let other_way = Filter {
            sort: Order { by, reversed: true },
            ..many.clone()
        };
        assert_eq!(
            all_pages(t, &operator, &other_way, 300).await,
            backwards,
            "{by:?}"
        );
    }
    // And the walked term: Z to A, page after page.
    let mut stripes = expected.clone();
    stripes.reverse();
    let z_to_a = Filter {
        sort: Order {
            by: Sort::Name,
            reversed: true,
        },
        ..filter.clone()
    };
    assert_eq!(all_pages(t, &operator, &z_to_a, 25).await, stripes);
}
db_test!(terms_the_sample_finds_often_walk_the_sort_order);
