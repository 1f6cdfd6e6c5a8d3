//! The Invitations table on SQLite and PostgreSQL: who sees what, filters, search, pages.

use crate::invitation_support::*;
use crate::support::prelude::*;
use app::backend::invitations;
use app::backend::invitations::listing::{self, Filter};

db_test!(entity_admins_cannot_reach_another_entitys_invitations);
async fn entity_admins_cannot_reach_another_entitys_invitations(t: &TestDb) {
    demo(t).await;
    let state = t.state();
    let operator = acting_as(t, DEMO_OPERATOR).await;
    let theirs = invite(t, &operator, "contoso.hire@example.com", "contoso").await;
    let admin = acting_as(t, DEMO_ADMIN).await;
    let now = Utc::now();
    assert!(matches!(
        invitations::revoke(&state, &admin, theirs.id, meta(), now).await,
        Err(ServiceError::NotFound)
    ));
    assert!(matches!(
        invitations::resend(&state, &admin, theirs.id, meta(), now).await,
        Err(ServiceError::NotFound)
    ));
    assert!(matches!(
        invitations::delete(&state, &admin, theirs.id, meta(), now).await,
        Err(ServiceError::NotFound)
    ));
    let contoso = entity_id(t, "contoso").await;
    let filter = Filter {
        entity_id: Some(contoso),
        limit: 50,
        ..Default::default()
    };
    assert!(matches!(
        listing::list(t.db.read(), &admin, &filter, now).await,
        Err(ServiceError::NotFound)
    ));
    let own = listing::list(
        t.db.read(),
        &admin,
        &Filter {
            limit: 200,
            ..Default::default()
        },
        now,
    )
    .await
    .unwrap();
    let northwind = entity_id(t, "northwind").await;
    assert!(own.total > 0);
    assert!(own.rows.iter().all(|d| d.invitation.entity_id == northwind));
    // Operators see every entity at once.
    let all = listing::list(
        t.db.read(),
        &operator,
        &Filter {
            limit: 200,
            ..Default::default()
        },
        now,
    )
    .await
    .unwrap();
    assert!(all.rows.iter().any(|d| d.invitation.entity_id == contoso));
    assert!(all.total > own.total);
}

db_test!(list_filters_by_computed_status_search_and_pages_by_keyset);
async fn list_filters_by_computed_status_search_and_pages_by_keyset(t: &TestDb) {
    demo(t).await;
    let operator = acting_as(t, DEMO_OPERATOR).await;
    let now = Utc::now();
    let list = |filter: Filter| {
        let operator = operator.clone();
        let db = t.db.clone();
        async move {
            listing::list(db.read(), &operator, &filter, now)
                .await
                .unwrap()
        }
    };
    for status in InvitationStatus::ALL {
        let page = list(Filter {
            status: Some(status),
            limit: 200,
            ..Default::default()
        })
        .await;
        assert!(page.total > 0, "demo data has {status:?}");
        assert!(
            page.rows.iter().all(|d| d.status(now) == status),
            "{status:?}"
        );
    }
    // Text is text: LIKE wildcards and quotes match literally (nothing here has them).
    let long = Filter {
        search: "x".repeat(10_000),
        ..Filter::default()
    };
    assert!(matches!(
        listing::list(t.db.read(), &operator, &long, now).await,
        Err(ServiceError::Invalid(_))
    ));
    for odd in ["%", "_", "\\", "'\"", "🙂"] {
        assert_eq!(
            list(Filter {
                search: odd.to_string(),
                limit: 10,
                ..Default::default()
            })
            .await
            .total,
            0,
            "{odd:.10}"
        );
    }
    let found = list(Filter {
        search: "LATE.join".into(),
        limit: 10,
        ..Default::default()
    })
    .await;
    assert!(
        found.total >= 1
            && found
                .rows
                .iter()
                .all(|d| d.invitation.email.contains("late.joiner"))
    );
    // Pages of 3 cover every row exactly once, in order.
    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let page = list(Filter {
            after,
            limit: 3,
            ..Default::default()
        })
        .await;
        seen.extend(
            page.rows
                .iter()
                .map(|d| (d.invitation.last_sent_at, d.invitation.id)),
        );
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    let total = list(Filter {
        limit: 1,
        ..Default::default()
    })
    .await
    .total as usize;
    assert_eq!(seen.len(), total);
    let mut sorted = seen.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(seen, sorted);
}
