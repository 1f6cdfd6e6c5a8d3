//! The audit log (issue 14) on both databases: scope (an entity admin reads their entity only),
//! each filter, and keyset pages that list every matching event exactly once, newest first.

use crate::support::prelude::*;
use app::backend::audit_log::{self, Filter};
use app::backend::invitations::listing::Cursor;
use app::domain::Action;

/// Every page of `filter`, walked by cursor, in pages of `limit`.
async fn walk(
    t: &TestDb,
    me: &app::backend::Caller,
    entity: Option<uuid::Uuid>,
    filter: Filter,
) -> Vec<audit_event::Model> {
    let allowed = me.may_list(Action::ReadAudit, entity).unwrap();
    let mut all = Vec::new();
    let mut after: Option<Cursor> = None;
    loop {
        let page = audit_log::list(
            t.db.read(),
            &allowed,
            &Filter {
                after,
                ..filter.clone()
            },
        )
        .await
        .unwrap();
        all.extend(page.rows);
        match page.next {
            Some(next) => after = Some(next),
            None => return all,
        }
    }
}

/// What the filter should give, read the slow way.
async fn expected(t: &TestDb, keep: impl Fn(&audit_event::Model) -> bool) -> Vec<uuid::Uuid> {
    let mut rows: Vec<audit_event::Model> = audit_event::Entity::find()
        .all(t.db.read())
        .await
        .unwrap()
        .into_iter()
        .filter(|e| keep(e))
        .collect();
    rows.sort_by_key(|e| std::cmp::Reverse((e.at, e.id)));
    rows.into_iter().map(|e| e.id).collect()
}

fn ids(rows: &[audit_event::Model]) -> Vec<uuid::Uuid> {
    rows.iter().map(|e| e.id).collect()
}

async fn the_log_pages_through_every_filter_within_its_scope(t: &TestDb) {
    demo(t).await;
    let op = acting_as(t, DEMO_OPERATOR).await;
    let admin = acting_as(t, DEMO_ADMIN).await;
    let northwind = admin.entity.id;
    let member = user_by_email(t, DEMO_MEMBER).await;
    // Some changes of different kinds, by two people.
    for _ in 0..3 {
        set_status(t, member.id, UserStatus::Inactive)
            .await
            .unwrap();
        set_status(t, member.id, UserStatus::Active).await.unwrap();
    }
    let page = |limit| Filter {
        limit,
        ..Filter::default()
    };

    // Operators read everything; pages of 7 list each event once, newest first.
    let all = walk(t, &op, None, page(7)).await;
    assert_eq!(ids(&all), expected(t, |_| true).await);
    assert!(all.len() > 10, "{}", all.len());

    // An entity admin reads their entity only, whatever entity they ask for.
    let theirs = walk(t, &admin, None, page(5)).await;
    assert_eq!(
        ids(&theirs),
        expected(t, |e| e.entity_id == Some(northwind)).await
    );
    let contoso = crate::invitation_support::entity_id(t, "contoso").await;
    assert!(admin.may_list(Action::ReadAudit, Some(contoso)).is_err());
    let member_caller = acting_as(t, DEMO_MEMBER).await;
    assert!(member_caller.may_list(Action::ReadAudit, None).is_err());

    // Each filter, alone and together.
    let by_action = walk(
        t,
        &op,
        None,
        Filter {
            action: Some("user.deactivated".into()),
            ..page(2)
        },
    )
    .await;
    assert_eq!(
        ids(&by_action),
        expected(t, |e| e.action == "user.deactivated").await
    );
    assert!(by_action.len() >= 3);
    let about = walk(
        t,
        &op,
        None,
        Filter {
            target: Some(member.id),
            ..page(3)
        },
    )
    .await;
    assert_eq!(
        ids(&about),
        expected(t, |e| e.target_id == Some(member.id)).await
    );
    let by_admin = walk(
        t,
        &op,
        Some(northwind),
        Filter {
            actor: Some(admin.user.id),
            ..page(4)
        },
    )
    .await;
    assert_eq!(
        ids(&by_admin),
        expected(t, |e| e.actor_id == Some(admin.user.id)
            && e.entity_id == Some(northwind))
        .await
    );
    assert!(!by_admin.is_empty(), "the admin signed in");
    // A time range: from the middle event on, and up to it.
    let middle = all[all.len() / 2].at;
    let later = walk(
        t,
        &op,
        None,
        Filter {
            from: Some(middle),
            ..page(6)
        },
    )
    .await;
    assert_eq!(ids(&later), expected(t, |e| e.at >= middle).await);
    let earlier = walk(
        t,
        &op,
        None,
        Filter {
            until: Some(middle),
            ..page(6)
        },
    )
    .await;
    assert_eq!(ids(&earlier), expected(t, |e| e.at < middle).await);
    assert_eq!(
        later.len() + earlier.len(),
        expected(t, |_| true).await.len()
    );
    let combined = walk(
        t,
        &admin,
        None,
        Filter {
            action: Some("user.reactivated".into()),
            target: Some(member.id),
            ..page(1)
        },
    )
    .await;
    assert_eq!(
        ids(&combined),
        expected(t, |e| e.action == "user.reactivated"
            && e.target_id == Some(member.id)
            && e.entity_id == Some(northwind))
        .await
    );
    assert_eq!(combined.len(), 3);

    // The page names people by their current name.
    let allowed = op.may_list(Action::ReadAudit, None).unwrap();
    let first = audit_log::list(
        t.db.read(),
        &allowed,
        &Filter {
            target: Some(member.id),
            ..page(5)
        },
    )
    .await
    .unwrap();
    assert_eq!(
        first.names.get(&member.id).map(String::as_str),
        Some("Theo Trader")
    );
}
db_test!(the_log_pages_through_every_filter_within_its_scope);

async fn seed_demo_writes_an_audit_log_of_any_size(t: &TestDb) {
    demo(t).await;
    let before = audit_event::Entity::find()
        .count(t.db.read())
        .await
        .unwrap();
    seed::seed_events(&t.db, 3_000, Utc::now()).await.unwrap();
    let events = audit_event::Entity::find().all(t.db.read()).await.unwrap();
    assert_eq!(events.len() as u64, before + 3_000);
    let users: std::collections::HashMap<uuid::Uuid, uuid::Uuid> = user::Entity::find()
        .all(t.db.read())
        .await
        .unwrap()
        .into_iter()
        .map(|u| (u.id, u.entity_id))
        .collect();
    let known: HashSet<&str> = app::api::audit::ACTIONS.iter().map(|(a, _)| *a).collect();
    // The generated ones come from addresses in 10.0.0.0/16.
    let generated: Vec<_> = events
        .iter()
        .filter(|e| e.ip.as_deref().is_some_and(|ip| ip.starts_with("10.0.")))
        .collect();
    assert_eq!(generated.len(), 3_000);
    for e in generated {
        // Each event is within one entity: by and about its own people.
        let (actor, target) = (e.actor_id.unwrap(), e.target_id.unwrap());
        assert_eq!(Some(users[&actor]), e.entity_id);
        assert_eq!(users.get(&target), e.entity_id.as_ref());
        assert!(known.contains(e.action.as_str()), "{}", e.action);
    }
    let year_ago = Utc::now() - TimeDelta::days(366);
    assert!(events.iter().all(|e| e.at > year_ago));
}
db_test!(seed_demo_writes_an_audit_log_of_any_size);
