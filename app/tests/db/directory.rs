//! The User Directory listing: scope, status filters, keyset pages and totals. Search is in
//! `directory_search`; the helpers here serve both.

use crate::invitation_support::entity_id;
use crate::support::prelude::*;
use app::backend::directory::{self, Cursor, Filter, Item, Order, Page, Sort};
use app::backend::users::NewUser;
use app::backend::Caller;
use app::domain::PersonName;
use uuid::Uuid;

pub(crate) async fn list(t: &TestDb, me: &Caller, filter: &Filter) -> Page {
    directory::list_as(t.db.read(), me, filter, Utc::now())
        .await
        .unwrap()
}

pub(crate) fn search(text: &str) -> Filter {
    Filter {
        search: text.into(),
        limit: 200,
        ..Filter::default()
    }
}

pub(crate) fn names(page: &Page) -> Vec<String> {
    page.rows.iter().map(directory::display_name).collect()
}

/// Every row of `filter`, page by page with `limit` rows a page.
pub(crate) async fn all_pages(t: &TestDb, me: &Caller, filter: &Filter, limit: u64) -> Vec<Uuid> {
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

pub(crate) async fn add_user(t: &TestDb, slug: &str, name: &str, email: &str) -> user::Model {
    let new = NewUser {
        entity_id: entity_id(t, slug).await,
        name: PersonName::parse(name).unwrap(),
        email: Email::parse(email).unwrap(),
        contact_email: None,
        roles: vec![RoleKey::TRADER],
        status: UserStatus::Active,
        password_hash: None,
        must_change_password: false,
    };
    let txn = t.db.begin().await.unwrap();
    let (user, _) = users::insert(&txn, new, &AuditContext::system("test"), Utc::now())
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
    let other = directory::list_as(
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
    let refused = directory::list_as(t.db.read(), &member, &Filter::default(), Utc::now()).await;
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
            sort: sort.into(),
            statuses: UserStatus::ALL.to_vec(),
            ..search("")
        };
        let whole = list(t, &operator, &everything).await;
        let expected: Vec<Uuid> = whole.rows.iter().map(|r| r.id()).collect();
        // The other way is the exact mirror, users and invitations alike (those who never
        // signed in first when Last sign-in is reversed).
        let backwards = Filter {
            sort: Order {
                by: sort,
                reversed: true,
            },
            ..everything.clone()
        };
        let mut mirrored = expected.clone();
        mirrored.reverse();
        let whole_backwards = list(t, &operator, &backwards).await;
        let ids: Vec<Uuid> = whole_backwards.rows.iter().map(|r| r.id()).collect();
        assert_eq!(ids, mirrored, "{sort:?} reversed");
        for limit in [1, 5, 7] {
            let paged = all_pages(t, &operator, &everything, limit).await;
            assert_eq!(paged, expected, "{sort:?} in pages of {limit}");
            let paged = all_pages(t, &operator, &backwards, limit).await;
            assert_eq!(paged, mirrored, "{sort:?} reversed in pages of {limit}");
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

/// The directory's total (no search) against a count of the users themselves.
async fn assert_totals_match(t: &TestDb, me: &Caller, entity: Option<Uuid>) {
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
