//! Sessions: expiry, ending them, and what a password change does to them.

use crate::support::prelude::*;

async fn sessions_end_on_idle_on_absolute_expiry_and_on_deactivation(t: &TestDb) {
    demo(t).await;
    let config = t.state().config;
    let token = sign_in(t, DEMO_ADMIN, DEMO_PASSWORD).await.unwrap();
    let now = Utc::now();
    let me = sessions::authenticate(&t.db, &config, &token, now)
        .await
        .unwrap()
        .expect("live session");
    assert!(me.has(Permission::UsersManage) && !me.is_operator());
    assert_eq!(me.roles, vec![RoleKey::ADMIN]);
    assert!(!is_live(t, "not-a-token", now).await);

    // Idle: nothing for longer than the idle limit.
    let idle = now + config.session_idle + TimeDelta::seconds(1);
    assert!(!is_live(t, &token, idle).await);
    assert_eq!(
        sessions_of(t, me.user.id).await,
        0,
        "the expired session is removed"
    );

    // Absolute: even an active session ends at its maximum age.
    let token = sign_in(t, DEMO_ADMIN, DEMO_PASSWORD).await.unwrap();
    let mut at = Utc::now();
    let end = at + config.session_max;
    while at + config.session_idle < end {
        at += config.session_idle - TimeDelta::minutes(1);
        let alive = sessions::authenticate(&t.db, &config, &token, at)
            .await
            .unwrap();
        assert_eq!(alive.is_some(), at < end, "at {at}");
    }
    assert!(!is_live(t, &token, end + TimeDelta::seconds(1)).await);

    // Deactivation: the very next request is refused.
    let token = sign_in(t, DEMO_ADMIN, DEMO_PASSWORD).await.unwrap();
    let admin = user_by_email(t, DEMO_ADMIN).await;
    users::set_status(
        &t.db,
        admin.id,
        UserStatus::Inactive,
        Some(admin.version),
        &AuditContext::system("test"),
        Utc::now(),
    )
    .await
    .unwrap();
    assert!(!is_live(t, &token, Utc::now()).await);
    assert_eq!(sessions_of(t, admin.id).await, 0);
}
db_test!(sessions_end_on_idle_on_absolute_expiry_and_on_deactivation);

async fn changing_my_password_ends_my_other_sessions(t: &TestDb) {
    demo(t).await;
    let state = t.state();
    let here = sign_in(t, DEMO_MEMBER, DEMO_PASSWORD).await.unwrap();
    let elsewhere = sign_in(t, DEMO_MEMBER, DEMO_PASSWORD).await.unwrap();
    let me = sessions::authenticate(&t.db, &state.config, &here, Utc::now())
        .await
        .unwrap()
        .unwrap();

    let change = |current: &str, new: &str, confirm: &str| PasswordChange {
        current: current.into(),
        new: new.into(),
        confirm: confirm.into(),
    };
    let wrong = users::change_own_password(
        &t.db,
        &state.passwords,
        &state.limiter,
        &me,
        change(
            "nope nope nope",
            "fresh long passphrase",
            "fresh long passphrase",
        ),
        meta(),
        Utc::now(),
    )
    .await;
    assert!(
        matches!(&wrong, Err(ServiceError::Invalid(f)) if f.get("current_password").is_some()),
        "{wrong:?}"
    );
    let mismatch = users::change_own_password(
        &t.db,
        &state.passwords,
        &state.limiter,
        &me,
        change(
            DEMO_PASSWORD,
            "fresh long passphrase",
            "other long passphrase",
        ),
        meta(),
        Utc::now(),
    )
    .await;
    assert!(
        matches!(&mismatch, Err(ServiceError::Invalid(f)) if f.get("confirm_password").is_some())
    );

    users::change_own_password(
        &t.db,
        &state.passwords,
        &state.limiter,
        &me,
        change(
            DEMO_PASSWORD,
            "fresh long passphrase",
            "fresh long passphrase",
        ),
        meta(),
        Utc::now(),
    )
    .await
    .unwrap();
    assert!(is_live(t, &here, Utc::now()).await);
    assert!(!is_live(t, &elsewhere, Utc::now()).await);
    assert!(sign_in(t, DEMO_MEMBER, DEMO_PASSWORD).await.is_err());
    assert!(sign_in(t, DEMO_MEMBER, "fresh long passphrase")
        .await
        .is_ok());
    // The same form sent again with the old current password is refused.
    let replay = users::change_own_password(
        &t.db,
        &state.passwords,
        &state.limiter,
        &me,
        change(
            DEMO_PASSWORD,
            "third long passphrase",
            "third long passphrase",
        ),
        meta(),
        Utc::now(),
    )
    .await;
    assert!(matches!(
        replay,
        Err(ServiceError::Conflict(_)) | Err(ServiceError::Invalid(_))
    ));
    assert!(audit_actions(t, me.user.id)
        .await
        .contains(&"user.password_changed".to_string()));
}
db_test!(changing_my_password_ends_my_other_sessions);

async fn i_can_end_my_own_sessions_but_not_anyone_elses(t: &TestDb) {
    demo(t).await;
    let config = t.state().config;
    let mine = sign_in(t, DEMO_MEMBER, DEMO_PASSWORD).await.unwrap();
    let other = sign_in(t, DEMO_MEMBER, DEMO_PASSWORD).await.unwrap();
    let theirs = sign_in(t, DEMO_ADMIN, DEMO_PASSWORD).await.unwrap();
    let me = sessions::authenticate(&t.db, &config, &mine, Utc::now())
        .await
        .unwrap()
        .unwrap();
    let my_other = sessions::authenticate(&t.db, &config, &other, Utc::now())
        .await
        .unwrap()
        .unwrap();
    let admin = sessions::authenticate(&t.db, &config, &theirs, Utc::now())
        .await
        .unwrap()
        .unwrap();

    let listed = sessions::list_for_user(t.db.read(), me.user.id, &config, Utc::now())
        .await
        .unwrap();
    assert_eq!(listed.len(), 2);
    let refused = sessions::end_own(&t.db, &me, admin.session_id, meta(), Utc::now()).await;
    assert!(matches!(refused, Err(ServiceError::NotFound)));
    assert!(is_live(t, &theirs, Utc::now()).await);
    sessions::end_own(&t.db, &me, my_other.session_id, meta(), Utc::now())
        .await
        .unwrap();
    assert!(!is_live(t, &other, Utc::now()).await);

    sessions::end_by_token(&t.db, &mine, meta(), Utc::now())
        .await
        .unwrap();
    assert!(!is_live(t, &mine, Utc::now()).await);
    let actions = audit_actions(t, me.user.id).await;
    assert!(
        actions.ends_with(&["session.ended".to_string(), "user.signed_out".to_string()]),
        "{actions:?}"
    );
}
db_test!(i_can_end_my_own_sessions_but_not_anyone_elses);

async fn sweeping_removes_only_dead_sessions(t: &TestDb) {
    demo(t).await;
    let config = t.state().config;
    sign_in(t, DEMO_MEMBER, DEMO_PASSWORD).await.unwrap();
    sign_in(t, DEMO_ADMIN, DEMO_PASSWORD).await.unwrap();
    assert_eq!(
        sessions::sweep_expired(&t.db, &config, Utc::now())
            .await
            .unwrap(),
        0
    );
    let later = Utc::now() + config.session_idle + TimeDelta::seconds(1);
    assert_eq!(
        sessions::sweep_expired(&t.db, &config, later)
            .await
            .unwrap(),
        2
    );
}
db_test!(sweeping_removes_only_dead_sessions);

async fn sessions_of(t: &TestDb, user_id: uuid::Uuid) -> u64 {
    session::Entity::find()
        .filter(session::Column::UserId.eq(user_id))
        .count(t.db.read())
        .await
        .unwrap()
}

/// An open live-updates stream checks its session without touching its idle clock: a
/// forgotten tab does not keep it signed in; the person's own request does.
async fn a_stream_checking_its_session_does_not_keep_it_alive(t: &TestDb) {
    demo(t).await;
    let config = t.state().config;
    let token = sign_in(t, DEMO_ADMIN, DEMO_PASSWORD).await.unwrap();
    let last_seen = || async {
        session::Entity::find()
            .one(t.db.read())
            .await
            .unwrap()
            .unwrap()
            .last_seen_at
    };
    let signed_in = last_seen().await;
    let later = signed_in + TimeDelta::minutes(30);
    assert!(sessions::still_live(&t.db, &config, &token, later)
        .await
        .unwrap()
        .is_some());
    assert_eq!(last_seen().await, signed_in, "{}", t.label);
    // Past the idle timeout with only the stream checking: the session is over.
    let idle = signed_in + config.session_idle + TimeDelta::minutes(1);
    assert!(sessions::still_live(&t.db, &config, &token, idle)
        .await
        .unwrap()
        .is_none());
    // The person's own request at 30 minutes would have kept it.
    let other = sign_in(t, DEMO_OPERATOR, DEMO_PASSWORD).await.unwrap();
    let theirs = session::Entity::find()
        .all(t.db.read())
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.last_seen_at)
        .max()
        .unwrap();
    sessions::authenticate(&t.db, &config, &other, theirs + TimeDelta::minutes(30))
        .await
        .unwrap()
        .unwrap();
    assert!(last_seen_sorted(t).await.iter().any(|at| *at > theirs));
}
db_test!(a_stream_checking_its_session_does_not_keep_it_alive);

async fn last_seen_sorted(t: &TestDb) -> Vec<chrono::DateTime<Utc>> {
    let mut all: Vec<_> = session::Entity::find()
        .all(t.db.read())
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.last_seen_at)
        .collect();
    all.sort();
    all
}
