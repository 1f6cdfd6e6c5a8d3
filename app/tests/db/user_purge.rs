//! Delete permanently: what is removed, the tombstone left on past records, and the external
//! directory told (and a permanent delete that goes ahead when it cannot be reached).

use crate::support::prelude::*;
use crate::user_lifecycle::{act, listed, status_seen};
use app::backend::users::lifecycle::{change_status, StatusAction};

/// A stand-in for an identity provider's hook: records every POST body it receives.
async fn fake_directory() -> (
    String,
    std::sync::Arc<std::sync::Mutex<Vec<(String, String)>>>,
) {
    use axum::{extract::State, http::HeaderMap, routing::post, Router};
    type Seen = std::sync::Arc<std::sync::Mutex<Vec<(String, String)>>>;
    let seen: Seen = Default::default();
    async fn hook(State(seen): State<Seen>, headers: HeaderMap, body: String) -> &'static str {
        let auth = headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        seen.lock().unwrap().push((auth, body));
        "ok"
    }
    let app = Router::new()
        .route("/hook", post(hook))
        .with_state(seen.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}/hook"), seen)
}

async fn delete_permanently_leaves_a_tombstone_and_tells_the_directory(t: &TestDb) {
    use app::backend::users::purge::purge;
    demo(t).await;
    let (url, seen) = fake_directory().await;
    let mut config = crate::support::test_config();
    config.external_directory_url = Some(url);
    config.external_directory_token = Some("hook-secret".into());
    let state = app::backend::AppState::new(t.db.clone(), config);
    let admin = acting_as(t, DEMO_ADMIN).await;
    let operator = acting_as(t, DEMO_OPERATOR).await;
    let member = user_by_email(t, DEMO_MEMBER).await;
    let deleted = act(t, &admin, DEMO_MEMBER, StatusAction::Delete)
        .await
        .unwrap();
    assert_eq!(deleted.status, "deleted");

    // Entity admins may not; the typed email must match.
    assert!(matches!(
        purge(&state, &admin, member.id, DEMO_MEMBER, meta(), Utc::now()).await,
        Err(ServiceError::Forbidden)
    ));
    assert!(matches!(
        purge(
            &state,
            &operator,
            member.id,
            "someone@else.test",
            meta(),
            Utc::now()
        )
        .await,
        Err(ServiceError::Invalid(_))
    ));
    let tombstone = purge(
        &state,
        &operator,
        member.id,
        " TRADER@northwind.test ",
        meta(),
        Utc::now(),
    )
    .await
    .unwrap();
    assert!(tombstone.purged_at.is_some());
    assert_eq!(
        tombstone.name, member.name,
        "the name stays for attribution"
    );
    assert_eq!(tombstone.email, member.email);
    assert!(tombstone.password_hash.is_none());
    assert!(app::backend::roles::roles_of(t.db.read(), member.id)
        .await
        .unwrap()
        .is_empty());
    // Gone from the directory, even with the Deleted filter; the address is free again.
    assert!(!listed(t, &operator, vec![UserStatus::Deleted], DEMO_MEMBER).await);
    let restore = change_status(
        &t.state(),
        &operator,
        member.id,
        StatusAction::Restore,
        status_seen(&tombstone),
        meta(),
        Utc::now(),
    )
    .await;
    assert!(
        matches!(restore, Err(ServiceError::NotFound)),
        "a tombstone cannot be restored"
    );
    assert!(audit_actions(t, member.id)
        .await
        .contains(&"user.purged".to_string()));
    // The external directory heard of it, with the token.
    let mut waited = 0;
    while seen.lock().unwrap().is_empty() && waited < 100 {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        waited += 1;
    }
    let calls = seen.lock().unwrap().clone();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].0, "Bearer hook-secret");
    assert!(calls[0].1.contains(&member.id.to_string()) && calls[0].1.contains("user.deleted"));
}
db_test!(delete_permanently_leaves_a_tombstone_and_tells_the_directory);

async fn an_unreachable_directory_does_not_stop_a_permanent_delete(t: &TestDb) {
    use app::backend::users::purge::purge;
    demo(t).await;
    let mut config = crate::support::test_config();
    // Nothing listens on port 9 of loopback.
    config.external_directory_url = Some("http://127.0.0.1:9/hook".into());
    let state = app::backend::AppState::new(t.db.clone(), config);
    let operator = acting_as(t, DEMO_OPERATOR).await;
    act(t, &operator, DEMO_MEMBER, StatusAction::Delete)
        .await
        .unwrap();
    let member = user_by_email(t, DEMO_MEMBER).await;
    purge(
        &state,
        &operator,
        member.id,
        DEMO_MEMBER,
        meta(),
        Utc::now(),
    )
    .await
    .unwrap();
}
db_test!(an_unreachable_directory_does_not_stop_a_permanent_delete);
