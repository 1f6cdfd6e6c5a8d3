//! What an instance remembers between requests (sessions, directory pages) is never used once
//! the database has changed under it, whichever instance or process made the change.

use crate::directory::search;
use crate::support::prelude::*;
use app::backend::directory;
use app::backend::Db;
use sea_orm::ConnectionTrait;
use std::sync::Arc;

async fn sql(db: &Db, statement: &str) {
    db.writer()
        .execute_unprepared(statement)
        .await
        .unwrap_or_else(|e| panic!("{statement}: {e}"));
}

fn of_user(email: &str) -> String {
    format!("(SELECT id FROM users WHERE email_normalized = '{email}')")
}

async fn every_change_a_request_is_built_from_raises_the_epoch(t: &TestDb) {
    demo(t).await;
    let token = sign_in(t, DEMO_MEMBER, DEMO_PASSWORD).await.unwrap();
    let member = of_user(DEMO_MEMBER);
    let changes = [
        format!("UPDATE users SET name = name WHERE id = {member}"),
        format!("UPDATE user_roles SET role_key = role_key WHERE user_id = {member}"),
        "UPDATE entities SET name = name".to_string(),
        "UPDATE invitations SET email = email".to_string(),
        "UPDATE invitation_roles SET role_key = role_key".to_string(),
        "UPDATE roles SET rank = rank".to_string(),
        "UPDATE role_permissions SET permission = permission".to_string(),
        format!("UPDATE sessions SET expires_at = expires_at WHERE user_id = {member}"),
        format!("DELETE FROM sessions WHERE user_id = {member}"),
    ];
    for change in &changes {
        let before = t.db.epoch().await.unwrap();
        sql(&t.db, change).await;
        let after = t.db.epoch().await.unwrap();
        assert!(
            after > before,
            "{}: {change} left the epoch at {before}",
            t.label
        );
    }

    // A request touching its session's last-seen time changes nothing anyone sees.
    let token2 = sign_in(t, DEMO_ADMIN, DEMO_PASSWORD).await.unwrap();
    let config = t.state().config;
    let before = t.db.epoch().await.unwrap();
    let later = Utc::now() + TimeDelta::minutes(5);
    assert!(sessions::authenticate(&t.db, &config, &token2, later)
        .await
        .unwrap()
        .is_some());
    let seen: Vec<_> = session::Entity::find().all(t.db.read()).await.unwrap();
    assert!(seen
        .iter()
        .any(|s| s.last_seen_at >= later - TimeDelta::seconds(1)));
    assert_eq!(
        t.db.epoch().await.unwrap(),
        before,
        "a touch is not a change"
    );
    assert!(!is_live(t, &token, Utc::now()).await, "deleted above");
}
db_test!(every_change_a_request_is_built_from_raises_the_epoch);

async fn a_remembered_session_is_refused_once_access_is_withdrawn_anywhere(t: &TestDb) {
    demo(t).await;
    let config = t.state().config;
    // The second instance (or the command line) makes every change; this one remembers.
    let other = t.second_instance().await;
    let now = Utc::now;
    let ask = |token: String, at| {
        let (db, config) = (t.db.clone(), config.clone());
        async move {
            sessions::authenticate(&db, &config, &token, at)
                .await
                .unwrap()
        }
    };

    // Remembered: a second request costs no session read.
    let token = sign_in(t, DEMO_ADMIN, DEMO_PASSWORD).await.unwrap();
    let first = sessions::authenticate(&t.db, &config, &token, now())
        .await
        .unwrap()
        .expect("signed in");
    assert_eq!(t.db.caches().sessions.len(), 1);
    let again = sessions::authenticate(&t.db, &config, &token, now())
        .await
        .unwrap()
        .expect("still signed in");
    assert_eq!(again.epoch, first.epoch);
    assert!(again.has(Permission::UsersManage));

    // Roles taken away elsewhere: the next request has the new roles.
    let admin = of_user(DEMO_ADMIN);
    sql(
        &other,
        &format!("DELETE FROM user_roles WHERE user_id = {admin}"),
    )
    .await;
    sql(
        &other,
        &format!("INSERT INTO user_roles (user_id, role_key) SELECT id, 'trader' FROM users WHERE id = {admin}"),
    )
    .await;
    let demoted = ask(token.clone(), now()).await.expect("still signed in");
    assert_eq!(demoted.roles, vec![RoleKey::TRADER], "{}", t.label);
    assert!(!demoted.has(Permission::UsersManage));

    // The entity renamed elsewhere.
    sql(
        &other,
        &format!("UPDATE entities SET name = 'Northwind Renamed' WHERE id = (SELECT entity_id FROM users WHERE id = {admin})"),
    )
    .await;
    let renamed = ask(token.clone(), now()).await.unwrap();
    assert_eq!(renamed.entity.name, "Northwind Renamed");

    // Signed out elsewhere (the session row deleted): refused at once.
    sessions::end_by_token(&other, &token, meta(), now())
        .await
        .unwrap();
    assert!(ask(token.clone(), now()).await.is_none());

    // Deactivated elsewhere: refused at once.
    let token = sign_in(t, DEMO_MEMBER, DEMO_PASSWORD).await.unwrap();
    assert!(ask(token.clone(), now()).await.is_some());
    let member = user_by_email(t, DEMO_MEMBER).await;
    users::set_status(
        &other,
        member.id,
        UserStatus::Inactive,
        Some(member.version),
        &AuditContext::system("test"),
        now(),
    )
    .await
    .unwrap();
    assert!(ask(token.clone(), now()).await.is_none());

    // Expiry needs no write: a remembered session past its idle limit is refused too.
    let token = sign_in(t, DEMO_OPERATOR, DEMO_PASSWORD).await.unwrap();
    assert!(ask(token.clone(), now()).await.is_some());
    let idle = now() + config.session_idle + TimeDelta::seconds(1);
    assert!(ask(token.clone(), idle).await.is_none());
    other.close().await;
}
db_test!(a_remembered_session_is_refused_once_access_is_withdrawn_anywhere);

async fn directory_pages_are_reused_only_while_nothing_changed(t: &TestDb) {
    demo(t).await;
    let config = t.state().config;
    let other = t.second_instance().await;
    let token = sign_in(t, DEMO_ADMIN, DEMO_PASSWORD).await.unwrap();
    let request = |at| {
        let (db, config, token) = (t.db.clone(), config.clone(), token.clone());
        async move {
            sessions::authenticate(&db, &config, &token, at)
                .await
                .unwrap()
                .expect("signed in")
        }
    };
    let filter = search("");
    let at = Utc::now();

    let me = request(at).await;
    let first = directory::list_cached(&t.db, &me, &filter, at)
        .await
        .unwrap();
    let me = request(at).await;
    let second = directory::list_cached(&t.db, &me, &filter, at)
        .await
        .unwrap();
    assert!(
        Arc::ptr_eq(&first, &second),
        "the same page, not read again"
    );

    // Another scope never shares it: the operator's page holds other entities too.
    let operator_token = sign_in(t, DEMO_OPERATOR, DEMO_PASSWORD).await.unwrap();
    let at = Utc::now();
    let operator = sessions::authenticate(&t.db, &config, &operator_token, at)
        .await
        .unwrap()
        .unwrap();
    let everyone = directory::list_cached(&t.db, &operator, &filter, at)
        .await
        .unwrap();
    let me = request(at).await;
    let mine = directory::list_cached(&t.db, &me, &filter, at)
        .await
        .unwrap();
    assert!(everyone.total > mine.total, "{}", t.label);
    assert!(mine.rows.iter().all(|r| r.entity_name == me.entity.name));

    // A rename made by another instance shows on the next request.
    let member = user_by_email(t, DEMO_MEMBER).await;
    sql(
        &other,
        &format!(
            "UPDATE users SET name = 'Renamed Trader' WHERE id = {}",
            of_user(DEMO_MEMBER)
        ),
    )
    .await;
    let me = request(at).await;
    let after = directory::list_cached(&t.db, &me, &filter, at)
        .await
        .unwrap();
    assert!(!Arc::ptr_eq(&mine, &after));
    let row = after.rows.iter().find(|r| r.id() == member.id).unwrap();
    assert_eq!(directory::display_name(row), "Renamed Trader");

    // Time alone ends a page after a second (an invitation may have expired meanwhile).
    let me = request(at).await;
    let same = directory::list_cached(&t.db, &me, &filter, at)
        .await
        .unwrap();
    assert!(Arc::ptr_eq(&after, &same));
    let later = at + TimeDelta::seconds(2);
    let me = request(later).await;
    let reread = directory::list_cached(&t.db, &me, &filter, later)
        .await
        .unwrap();
    assert!(!Arc::ptr_eq(&after, &reread));
    other.close().await;
}
db_test!(directory_pages_are_reused_only_while_nothing_changed);
