//! Bulk invite from CSV on SQLite and PostgreSQL: the preview writes nothing, the run gives a
//! result per row.

use crate::invitation_support::*;
use crate::support::prelude::*;
use app::backend::invitations::bulk::{self, BulkRow, RowCheck, RowResult};

db_test!(bulk_invite_previews_then_invites_resends_and_skips_per_row);
async fn bulk_invite_previews_then_invites_resends_and_skips_per_row(t: &TestDb) {
    demo(t).await;
    let state = t.state();
    let operator = acting_as(t, DEMO_OPERATOR).await;
    invite(t, &operator, "already.pending@example.com", "northwind").await;
    let csv = format!(
        "email,roles,entity\nfresh.one@example.com,Trader;Market Maker,northwind\n{DEMO_MEMBER},Trader,northwind\nalready.pending@example.com,Trader,northwind\nnot-an-email,Trader,northwind\nsomeone@example.com,Trader,atlantis\nfresh.one@example.com,Trader,northwind\nfresh.two@example.com,Pilot,contoso\n"
    );
    let rows = bulk::parse(&csv).unwrap();
    let before = invitation::Entity::find().count(t.db.read()).await.unwrap();
    let checked = bulk::check(t.db.read(), &operator, rows.clone())
        .await
        .unwrap();
    let checks: Vec<_> = checked.iter().map(|c| c.check.clone()).collect();
    assert_eq!(checks[0], RowCheck::Invite);
    assert_eq!(checks[1], RowCheck::AlreadyUser);
    assert!(matches!(checks[2], RowCheck::Resend(_)));
    assert!(matches!(&checks[3], RowCheck::Invalid(_)));
    assert!(matches!(&checks[4], RowCheck::Invalid(r) if r.contains("atlantis")));
    assert!(matches!(&checks[5], RowCheck::Invalid(r) if r.contains("line 2")));
    assert!(matches!(&checks[6], RowCheck::Invalid(r) if r.contains("Pilot")));
    assert_eq!(
        before,
        invitation::Entity::find().count(t.db.read()).await.unwrap(),
        "the preview wrote nothing"
    );

    let done = bulk::run(&state, &operator, rows, meta(), Utc::now())
        .await
        .unwrap();
    let results: Vec<_> = done.iter().map(|(_, r)| r.clone()).collect();
    assert_eq!(results[0], RowResult::Invited);
    assert_eq!(results[1], RowResult::SkippedUser);
    assert_eq!(results[2], RowResult::Resent);
    assert!(results[3..]
        .iter()
        .all(|r| matches!(r, RowResult::Invalid(_))));
    assert_eq!(
        invitation::Entity::find().count(t.db.read()).await.unwrap(),
        before + 1
    );
    assert_eq!(
        tokens_mailed_to(t, "already.pending@example.com")
            .await
            .len(),
        2
    );
    let fresh = tokens_mailed_to(t, "fresh.one@example.com").await;
    assert_eq!(fresh.len(), 1);
    assert_eq!(link(t, &fresh[0]).await, Ok(()));

    // An entity admin's file may not name another entity.
    let admin = acting_as(t, DEMO_ADMIN).await;
    let rows = vec![BulkRow {
        line: 1,
        email: "x@example.com".into(),
        roles: "Trader".into(),
        entity: "contoso".into(),
    }];
    let checked = bulk::check(t.db.read(), &admin, rows).await.unwrap();
    assert!(
        matches!(&checked[0].check, RowCheck::Invalid(r) if r.contains("only invite into Northwind"))
    );
}
