//! User status changes: versions, audit rows, and concurrent writers.

use crate::support::prelude::*;

async fn status_changes_are_versioned_and_audited(t: &TestDb) {
    demo(t).await;
    let member = user_by_email(t, DEMO_MEMBER).await;
    let ctx = AuditContext::system("test");
    let stale = member.version;
    let inactive = users::set_status(
        &t.db,
        member.id,
        UserStatus::Inactive,
        Some(stale),
        &ctx,
        Utc::now(),
    )
    .await
    .unwrap();
    assert_eq!(inactive.status, "inactive");
    assert_eq!(inactive.version, stale + 1);
    let conflict = users::set_status(
        &t.db,
        member.id,
        UserStatus::Active,
        Some(stale),
        &ctx,
        Utc::now(),
    )
    .await;
    assert!(
        matches!(conflict, Err(ServiceError::Conflict(_))),
        "a stale version is refused"
    );
    let deleted = users::set_status(
        &t.db,
        member.id,
        UserStatus::Deleted,
        Some(inactive.version),
        &ctx,
        Utc::now(),
    )
    .await
    .unwrap();
    assert!(deleted.deleted_at.is_some());
    let restored = set_status(t, member.id, UserStatus::Active).await.unwrap();
    assert!(restored.deleted_at.is_none());
    let actions = audit_actions(t, member.id).await;
    assert_eq!(
        &actions[actions.len() - 3..],
        ["user.deactivated", "user.deleted", "user.restored"]
    );
    let missing = users::set_status(
        &t.db,
        uuid::Uuid::now_v7(),
        UserStatus::Inactive,
        None,
        &ctx,
        Utc::now(),
    )
    .await;
    assert!(matches!(missing, Err(ServiceError::NotFound)));
}
db_test!(status_changes_are_versioned_and_audited);

/// 50 writers for a few seconds, each change one transaction with its audit row: none may fail
/// (on SQLite that would be "database is locked").
async fn fifty_concurrent_writers_never_fail(t: &TestDb) {
    demo(t).await;
    let ids: Vec<uuid::Uuid> = user::Entity::find()
        .all(t.db.read())
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.id)
        .collect();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(3);
    let mut writers = Vec::new();
    for w in 0..50 {
        let db = t.db.clone();
        let ids = ids.clone();
        writers.push(tokio::spawn(async move {
            let ctx = AuditContext::system("concurrency test");
            let mut done = 0u32;
            while std::time::Instant::now() < deadline {
                let id = ids[(w + done as usize) % ids.len()];
                let to = if done.is_multiple_of(2) {
                    UserStatus::Inactive
                } else {
                    UserStatus::Active
                };
                match users::set_status(&db, id, to, None, &ctx, Utc::now()).await {
                    Ok(_) | Err(ServiceError::Conflict(_)) => done += 1,
                    Err(e) => return Err(format!("writer {w}: {e}")),
                }
            }
            Ok(done)
        }));
    }
    let mut total = 0;
    for writer in writers {
        total += writer.await.unwrap().unwrap();
    }
    assert!(total >= 50, "{} writers made only {total} changes", t.label);
}
db_test!(fifty_concurrent_writers_never_fail);

/// Another process (the command line) holding the SQLite write lock makes a transaction wait,
/// not fail, even when the transaction reads before it writes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_process_writing_makes_sqlite_transactions_wait_not_fail() {
    use sea_orm::{ConnectionTrait, Database};
    let t = crate::support::sqlite().await;
    demo(&t).await;
    let member = user_by_email(&t, DEMO_MEMBER).await;
    let path = t.sqlite_path().expect("a SQLite test database");
    // A separate connection stands in for a second process.
    let other = Database::connect(format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    other
        .execute_unprepared("PRAGMA busy_timeout = 5000")
        .await
        .unwrap();
    other.execute_unprepared("BEGIN IMMEDIATE").await.unwrap();
    other
        .execute_unprepared(
            "UPDATE users SET name = name || '' WHERE email_normalized = 'admin@northwind.test'",
        )
        .await
        .unwrap();
    let holder = tokio::spawn(async move {
        tokio::time::sleep(std::time::Duration::from_millis(600)).await;
        other.execute_unprepared("COMMIT").await.unwrap();
        other
    });
    let changed = set_status(&t, member.id, UserStatus::Inactive).await;
    assert!(changed.is_ok(), "waited for the other writer: {changed:?}");
    let _ = holder.await.unwrap().close().await;
    t.finish().await;
}
