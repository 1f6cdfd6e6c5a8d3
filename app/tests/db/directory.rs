//! The User Directory listing: scope, filters, search (by index and by walking the sort order),
//! keyset pages and totals.

use crate::invitation_support::entity_id;
use crate::support::prelude::*;
use app::backend::directory::{self, Cursor, Filter, Item, Page, Sort};
use app::backend::sessions::SessionUser;
use app::backend::users::NewUser;
use app::domain::PersonName;

async fn list(t: &TestDb, me: &SessionUser, filter: &Filter) -> Page {
    directory::list(t.db.read(), me, filter, Utc::now())
        .await
        .unwrap()
}

fn search(text: &str) -> Filter {
    Filter {
        search: text.into(),
        limit: 200,
        ..Filter::default()
    }
}

fn names(page: &Page) -> Vec<String> {
    page.rows.iter().map(directory::display_name).collect()
}

/// Every row of `filter`, page by page with `limit` rows a page.
async fn all_pages(t: &TestDb, me: &SessionUser, filter: &Filter, limit: u64) -> Vec<Uuid> {
    let mut filter = Filter {
        limit,
        ..filter.clone()
    };
    let mut ids = Vec::new();
    for _ in 0..1000 {
        let page = list(t, me, &filter).await;
        assert!(page.rows.len() as u64 <= limit);
        ids.extend(page.rows.iter().map(|r| r.id()));
        match page.next {
            // The cursor travels through the URL as text.
            Some(next) => filter.after = Some(Cursor::decode(&next.encode()).unwrap()),
            None => return ids,
        }
    }
    panic!("paging did not end");
}

use uuid::Uuid;

async fn add_user(t: &TestDb, slug: &str, name: &str, email: &str) -> user::Model {
    let new = NewUser {
        entity_id: entity_id(t, slug).await,
        name: PersonName::parse(name).unwrap(),
        email: Email::parse(email).unwrap(),
        contact_email: None,
        roles: vec![RoleKey::Trader],
        status: UserStatus::Active,
        password_hash: None,
        must_change_password: false,
    };
    let txn = t.db.begin().await.unwrap();
    let user = users::insert(&txn, new, &AuditContext::system("test"), Utc::now())
        .await
        .unwrap();
    txn.commit().await.unwrap();
    user
}

async fn operators_see_everyone_and_entity_admins_their_own(t: &TestDb) {
    demo(t).await;
    let operator = acting_as(t, DEMO_OPERATOR).await;
    let all = list(t, &operator, &search("")).await;
    assert!(all.total_exact);
    assert_eq!(all.total as usize, all.rows.len());
    let statuses: HashSet<&str> = all
        .rows
        .iter()
        .filter_map(|r| match &r.item {
            Item::User(u) => Some(u.status.as_str()),
            Item::Invitation(_) => None,
        })
        .collect();
    assert!(statuses.contains("active") && statuses.contains("inactive"));
    assert!(
        !statuses.contains("deleted"),
        "Deleted is hidden by default"
    );
    let invitations = all
        .rows
        .iter()
        .filter(|r| matches!(r.item, Item::Invitation(_)))
        .count();
    assert!(invitations > 0, "pending invitations are Pending rows");
    let entities: HashSet<&str> = all.rows.iter().map(|r| r.entity_name.as_str()).collect();
    assert!(
        entities.len() >= 3,
        "operators see every entity: {entities:?}"
    );

    let admin = acting_as(t, DEMO_ADMIN).await;
    let own = list(t, &admin, &search("")).await;
    assert!(!own.rows.is_empty());
    assert!(own
        .rows
        .iter()
        .all(|r| r.entity_name == "Northwind Trading"));
    let contoso = entity_id(t, "contoso").await;
    let other = directory::list(
        t.db.read(),
        &admin,
        &Filter {
            entity_id: Some(contoso),
            ..Filter::default()
        },
        Utc::now(),
    )
    .await;
    assert!(matches!(other, Err(ServiceError::NotFound)));

    let member = acting_as(t, DEMO_MEMBER).await;
    let refused = directory::list(t.db.read(), &member, &Filter::default(), Utc::now()).await;
    assert!(matches!(refused, Err(ServiceError::Forbidden)));
}
db_test!(operators_see_everyone_and_entity_admins_their_own);

async fn status_filters_choose_what_is_shown(t: &TestDb) {
    demo(t).await;
    let operator = acting_as(t, DEMO_OPERATOR).await;
    let deleted = list(
        t,
        &operator,
        &Filter {
            statuses: vec![UserStatus::Deleted],
            ..search("")
        },
    )
    .await;
    assert!(!deleted.rows.is_empty());
    assert!(deleted
        .rows
        .iter()
        .all(|r| matches!(&r.item, Item::User(u) if u.status == "deleted")));
    let pending_only = list(
        t,
        &operator,
        &Filter {
            statuses: vec![UserStatus::Pending],
            ..search("")
        },
    )
    .await;
    assert!(pending_only.rows.iter().all(|r| match &r.item {
        Item::User(u) => u.status == "pending",
        Item::Invitation(i) => i.status == "pending" && i.expires_at > Utc::now(),
    }));
    let northwind = entity_id(t, "northwind").await;
    let one_entity = list(
        t,
        &operator,
        &Filter {
            entity_id: Some(northwind),
            ..search("")
        },
    )
    .await;
    assert!(one_entity
        .rows
        .iter()
        .all(|r| r.entity_name == "Northwind Trading"));
}
db_test!(status_filters_choose_what_is_shown);

async fn keyset_pages_cover_every_row_once_in_every_sort(t: &TestDb) {
    demo(t).await;
    let operator = acting_as(t, DEMO_OPERATOR).await;
    for sort in [Sort::Name, Sort::Email, Sort::LastSignIn, Sort::Created] {
        let everything = Filter {
            sort,
            statuses: UserStatus::ALL.to_vec(),
            ..search("")
        };
        let whole = list(t, &operator, &everything).await;
        let expected: Vec<Uuid> = whole.rows.iter().map(|r| r.id()).collect();
        for limit in [1, 5, 7] {
            let paged = all_pages(t, &operator, &everything, limit).await;
            assert_eq!(paged, expected, "{sort:?} in pages of {limit}");
        }
        if sort == Sort::Name {
            let users: Vec<String> = whole
                .rows
                .iter()
                .filter_map(|r| match &r.item {
                    Item::User(u) => Some(u.sort_name.clone()),
                    Item::Invitation(_) => None,
                })
                .collect();
            let mut sorted = users.clone();
            sorted.sort();
            assert_eq!(users, sorted);
        }
    }
}
db_test!(keyset_pages_cover_every_row_once_in_every_sort);

async fn search_matches_text_literally(t: &TestDb) {
    demo(t).await;
    add_user(t, "northwind", "Zoë O'Brien", "zoe@northwind.test").await;
    add_user(
        t,
        "northwind",
        "Percent 100% Sure",
        "percent@northwind.test",
    )
    .await;
    add_user(t, "northwind", "Under_Score", "under@northwind.test").await;
    add_user(
        t,
        "northwind",
        "Back\\Slash \"Quoted\"",
        "back@northwind.test",
    )
    .await;
    let operator = acting_as(t, DEMO_OPERATOR).await;
    let found = |page: Page| names(&page);
    assert_eq!(
        found(list(t, &operator, &search("BRIEN")).await),
        ["Zoë O'Brien"]
    );
    assert_eq!(
        found(list(t, &operator, &search("ë o'")).await),
        ["Zoë O'Brien"]
    );
    assert_eq!(
        found(list(t, &operator, &search("0% s")).await),
        ["Percent 100% Sure"]
    );
    assert_eq!(
        found(list(t, &operator, &search("r_s")).await),
        ["Under_Score"]
    );
    assert!(found(list(t, &operator, &search("r%s")).await).is_empty());
    assert_eq!(
        found(list(t, &operator, &search("k\\s")).await),
        ["Back\\Slash \"Quoted\""]
    );
    assert_eq!(
        found(list(t, &operator, &search("\"quoted\"")).await),
        ["Back\\Slash \"Quoted\""]
    );
    // Prefixes of one or two characters: names or emails that start with them.
    assert_eq!(
        found(list(t, &operator, &search("zo")).await),
        ["Zoë O'Brien"]
    );
    assert_eq!(
        found(list(t, &operator, &search("un")).await),
        ["Under_Score"]
    );
    // Email substrings, and pending invitations by email.
    assert_eq!(
        found(list(t, &operator, &search("percent@")).await),
        ["Percent 100% Sure"]
    );
    assert_eq!(
        found(list(t, &operator, &search("new.hire@north")).await),
        ["new.hire"]
    );
    // Query syntax of the search index is only text here.
    for text in [
        "%",
        "_",
        "\\",
        "'",
        "\"",
        "a OR b",
        "NEAR(a b)",
        "*",
        "ab*",
        "🙂",
        "🙂🙂🙂",
        "-x",
        "^a",
    ] {
        list(t, &operator, &search(text)).await;
    }
    let long = "x".repeat(10_000);
    let none = list(t, &operator, &search(&long)).await;
    assert!(none.rows.is_empty() && none.total == 0);
}
db_test!(search_matches_text_literally);

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

/// The directory's total (no search) against a count of the users themselves.
async fn assert_totals_match(t: &TestDb, me: &SessionUser, entity: Option<Uuid>) {
    let statuses = [
        UserStatus::Active,
        UserStatus::Inactive,
        UserStatus::Deleted,
    ];
    for shown in [&statuses[..], &statuses[..1], &statuses[1..]] {
        let page = list(
            t,
            me,
            &Filter {
                statuses: shown.to_vec(),
                entity_id: entity,
                ..Filter::default()
            },
        )
        .await;
        let mut query = user::Entity::find()
            .filter(user::Column::PurgedAt.is_null())
            .filter(user::Column::Status.is_in(shown.iter().map(|s| s.as_str())));
        if let Some(entity) = entity {
            query = query.filter(user::Column::EntityId.eq(entity));
        }
        let counted = query.count(t.db.read()).await.unwrap();
        assert_eq!(page.total, counted, "{shown:?} in {entity:?}");
        assert!(page.total_exact);
    }
}

async fn totals_are_exact_and_follow_every_change(t: &TestDb) {
    use sea_orm::{ActiveModelTrait, ActiveValue::Set};
    seed::seed_demo(&t.db, 300, Utc::now()).await.unwrap();
    let operator = acting_as(t, DEMO_OPERATOR).await;
    let northwind = entity_id(t, "northwind").await;
    let contoso = entity_id(t, "contoso").await;
    assert_totals_match(t, &operator, None).await;

    let moved = add_user(t, "northwind", "Tally Counter", "tally@example.test").await;
    let gone = add_user(t, "contoso", "Gone Away", "gone.away@example.test").await;
    assert_totals_match(t, &operator, Some(northwind)).await;
    // Status changes, a move between entities, an update that changes nothing counted.
    for (id, status, entity) in [
        (moved.id, "inactive", northwind),
        (moved.id, "deleted", contoso),
        (moved.id, "deleted", contoso),
        (gone.id, "inactive", contoso),
    ] {
        user::ActiveModel {
            id: Set(id),
            status: Set(status.into()),
            entity_id: Set(entity),
            ..Default::default()
        }
        .update(t.db.writer())
        .await
        .unwrap();
    }
    for scope in [None, Some(northwind), Some(contoso)] {
        assert_totals_match(t, &operator, scope).await;
    }
    // Purged users leave the list; a row deleted outright leaves its counter too.
    user::ActiveModel {
        id: Set(moved.id),
        purged_at: Set(Some(Utc::now())),
        ..Default::default()
    }
    .update(t.db.writer())
    .await
    .unwrap();
    user::Entity::delete_by_id(gone.id)
        .exec(t.db.writer())
        .await
        .unwrap();
    for scope in [None, Some(northwind), Some(contoso)] {
        assert_totals_match(t, &operator, scope).await;
    }
}
db_test!(totals_are_exact_and_follow_every_change);

async fn short_prefixes_page_in_name_and_email_order(t: &TestDb) {
    seed::seed_demo(&t.db, 400, Utc::now()).await.unwrap();
    // Name and email starting differently, both with the term, and letters beyond ASCII.
    add_user(t, "northwind", "Kit Marlowe", "ada.marlowe@northwind.test").await;
    add_user(t, "northwind", "Adam Smith", "adam@northwind.test").await;
    add_user(t, "contoso", "Ëlla Mäkinen", "ella@contoso.test").await;
    add_user(t, "contoso", "Elias Ahl", "ëlias@contoso.test").await;
    let operator = acting_as(t, DEMO_OPERATOR).await;
    let contoso = entity_id(t, "contoso").await;
    let users = user::Entity::find()
        .filter(user::Column::PurgedAt.is_null())
        .all(t.db.read())
        .await
        .unwrap();
    let shown = [UserStatus::Active, UserStatus::Inactive];
    for term in ["a", "ad", "k", "ë", "ël", "zz", "A_"] {
        for sort in [Sort::Name, Sort::Email, Sort::Created] {
            for scope in [None, Some(contoso)] {
                let lower = term.to_lowercase();
                let mut expected: Vec<&user::Model> = users
                    .iter()
                    .filter(|u| shown.iter().any(|s| s.as_str() == u.status))
                    .filter(|u| scope.is_none_or(|e| u.entity_id == e))
                    .filter(|u| {
                        u.sort_name.starts_with(&lower) || u.email_normalized.starts_with(&lower)
                    })
                    .collect();
                expected.sort_by(|a, b| match sort {
                    Sort::Name => (&a.sort_name, a.id).cmp(&(&b.sort_name, b.id)),
                    Sort::Email => (&a.email_normalized, a.id).cmp(&(&b.email_normalized, b.id)),
                    _ => (b.created_at, b.id).cmp(&(a.created_at, a.id)),
                });
                let expected: Vec<Uuid> = expected.iter().map(|u| u.id).collect();
                let filter = Filter {
                    search: term.into(),
                    sort,
                    entity_id: scope,
                    statuses: shown.to_vec(),
                    ..Filter::default()
                };
                let paged = all_pages(t, &operator, &filter, 7).await;
                assert_eq!(paged, expected, "{term:?} by {sort:?} in {scope:?}");
                let first = list(t, &operator, &filter).await;
                assert_eq!(first.total, expected.len().min(1_001) as u64);
            }
        }
    }
}
db_test!(short_prefixes_page_in_name_and_email_order);
