//! Service tests on real SQLite and real PostgreSQL: every test body runs on both.

mod support;

use app::backend::audit::{AuditContext, RequestMeta};
use app::backend::entity::{audit_event, invitation, role, role_permission, session, user};
use app::backend::seed::{self, DEMO_ADMIN, DEMO_MEMBER, DEMO_OPERATOR, DEMO_PASSWORD};
use app::backend::sessions;
use app::backend::users::{self, PasswordChange};
use app::backend::{auth, ServiceError};
use app::domain::invitation::effective_status;
use app::domain::{Email, InvitationStatus, Permission, RoleKey, UserStatus};
use chrono::{TimeDelta, Utc};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use std::collections::HashSet;
use support::TestDb;

fn meta() -> RequestMeta {
    RequestMeta {
        ip: Some("127.0.0.1".into()),
        user_agent: Some("tests".into()),
        request_id: Some("t".into()),
    }
}

async fn audit_actions(t: &TestDb, target: uuid::Uuid) -> Vec<String> {
    let mut events = audit_event::Entity::find()
        .filter(audit_event::Column::TargetId.eq(target))
        .all(t.db.read())
        .await
        .unwrap();
    events.sort_by_key(|e| e.id);
    events.into_iter().map(|e| e.action).collect()
}

async fn demo(t: &TestDb) {
    seed::seed_demo(&t.db, 24, Utc::now()).await.unwrap();
}

async fn user_by_email(t: &TestDb, email: &str) -> user::Model {
    users::find_by_email(t.db.read(), &Email::parse(email).unwrap())
        .await
        .unwrap()
        .unwrap()
}

async fn sign_in(t: &TestDb, email: &str, password: &str) -> Result<String, ServiceError> {
    let state = t.state();
    auth::sign_in(
        &state,
        email,
        password,
        Some("127.0.0.1".parse().unwrap()),
        meta(),
        Utc::now(),
    )
    .await
    .map(|(token, _)| token)
}

async fn migrations_seed_the_role_catalogue(t: &TestDb) {
    let roles = role::Entity::find().all(t.db.read()).await.unwrap();
    assert_eq!(roles.len(), 5, "{}", t.label);
    let mm = roles.iter().find(|r| r.key == "market_maker").unwrap();
    assert_eq!(
        (mm.trading.as_str(), mm.excel_add_in.as_str()),
        ("Place/cancel orders", "Full access")
    );
    let admin_permissions: HashSet<String> = role_permission::Entity::find()
        .filter(role_permission::Column::RoleKey.eq("admin"))
        .all(t.db.read())
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.permission)
        .collect();
    let expected: HashSet<String> = RoleKey::Admin
        .permissions()
        .iter()
        .map(|p| p.as_str().to_string())
        .collect();
    assert_eq!(admin_permissions, expected);
    assert!(!admin_permissions.contains(Permission::UsersPromote.as_str()));
    // Applying the migrations again changes nothing.
    t.db.migrate().await.unwrap();
    assert_eq!(role::Entity::find().count(t.db.read()).await.unwrap(), 5);
}
db_test!(
    migrations_seed_the_role_catalogue,
    migrations_seed_the_role_catalogue
);

async fn create_admin_makes_an_operator_and_refuses_a_duplicate_in_other_case(t: &TestDb) {
    let now = Utc::now();
    let (op, generated) =
        seed::create_admin(&t.db, " Root@Example.com ", "Root Person", None, None, now)
            .await
            .unwrap();
    assert_eq!(op.email, "Root@Example.com");
    assert_eq!(op.email_normalized, "root@example.com");
    assert!(
        op.must_change_password,
        "a generated password must be changed at first sign-in"
    );
    let generated = generated.expect("a one-time password is returned");
    let token = sign_in(t, "root@example.com", &generated).await.unwrap();
    let me = sessions::authenticate(&t.db, &t.state().config, &token, Utc::now())
        .await
        .unwrap()
        .unwrap();
    assert!(me.actor.operator);
    assert!(me.entity.is_operator);

    let duplicate = seed::create_admin(
        &t.db,
        "ROOT@example.COM",
        "Someone Else",
        None,
        Some("another long password".into()),
        now,
    )
    .await;
    match duplicate {
        Err(ServiceError::Invalid(fields)) => {
            assert_eq!(fields.get("email"), Some(users::DUPLICATE_EMAIL))
        }
        other => panic!("expected a duplicate-email error, got {other:?}"),
    }
    let unknown_entity = seed::create_admin(
        &t.db,
        "x@example.com",
        "X Person",
        Some("nope"),
        Some("a long enough password".into()),
        now,
    )
    .await;
    assert!(matches!(unknown_entity, Err(ServiceError::Invalid(f)) if f.get("entity").is_some()));
    let weak = seed::create_admin(
        &t.db,
        "y@example.com",
        "Y Person",
        None,
        Some("password1234".into()),
        now,
    )
    .await;
    assert!(matches!(weak, Err(ServiceError::Invalid(f)) if f.get("password").is_some()));
    assert_eq!(
        audit_actions(t, op.id).await,
        vec!["user.created", "user.signed_in"]
    );
}
db_test!(
    create_admin_makes_an_operator_and_refuses_a_duplicate_in_other_case,
    create_admin_makes_an_operator_and_refuses_a_duplicate_in_other_case
);

async fn sign_in_gives_one_answer_for_every_failure(t: &TestDb) {
    demo(t).await;
    assert!(sign_in(t, DEMO_OPERATOR, DEMO_PASSWORD).await.is_ok());
    assert!(
        sign_in(t, "  OPERATOR@usher.test ", DEMO_PASSWORD)
            .await
            .is_ok(),
        "email is case-insensitive"
    );
    for (email, password) in [
        (DEMO_OPERATOR, "wrong password here"),
        ("nobody@usher.test", DEMO_PASSWORD),
        ("not an email", DEMO_PASSWORD),
        (DEMO_OPERATOR, ""),
    ] {
        assert!(
            matches!(
                sign_in(t, email, password).await,
                Err(ServiceError::BadCredentials)
            ),
            "{email}"
        );
    }
    let huge = "x".repeat(10_000);
    assert!(matches!(
        sign_in(t, DEMO_OPERATOR, &huge).await,
        Err(ServiceError::BadCredentials)
    ));

    // Inactive and deleted users cannot sign in, even with the right password.
    let member = user_by_email(t, DEMO_MEMBER).await;
    let ctx = AuditContext::system("test");
    users::set_status(
        &t.db,
        member.id,
        UserStatus::Inactive,
        None,
        &ctx,
        Utc::now(),
    )
    .await
    .unwrap();
    assert!(matches!(
        sign_in(t, DEMO_MEMBER, DEMO_PASSWORD).await,
        Err(ServiceError::BadCredentials)
    ));
    users::set_status(
        &t.db,
        member.id,
        UserStatus::Deleted,
        None,
        &ctx,
        Utc::now(),
    )
    .await
    .unwrap();
    assert!(matches!(
        sign_in(t, DEMO_MEMBER, DEMO_PASSWORD).await,
        Err(ServiceError::BadCredentials)
    ));
}
db_test!(
    sign_in_gives_one_answer_for_every_failure,
    sign_in_gives_one_answer_for_every_failure
);

async fn repeated_failures_lock_the_account_not_others(t: &TestDb) {
    demo(t).await;
    let state = t.state();
    let ip = Some("198.51.100.7".parse().unwrap());
    for _ in 0..10 {
        let r = auth::sign_in(
            &state,
            DEMO_ADMIN,
            "wrong wrong wrong",
            ip,
            meta(),
            Utc::now(),
        )
        .await;
        assert!(matches!(r, Err(ServiceError::BadCredentials)));
    }
    let locked = auth::sign_in(&state, DEMO_ADMIN, DEMO_PASSWORD, ip, meta(), Utc::now()).await;
    assert!(
        matches!(locked, Err(ServiceError::RateLimited { retry_after_secs }) if retry_after_secs > 0)
    );
    assert!(
        auth::sign_in(&state, DEMO_OPERATOR, DEMO_PASSWORD, ip, meta(), Utc::now())
            .await
            .is_ok()
    );
}
db_test!(
    repeated_failures_lock_the_account_not_others,
    repeated_failures_lock_the_account_not_others
);

async fn sessions_end_on_idle_on_absolute_expiry_and_on_deactivation(t: &TestDb) {
    demo(t).await;
    let config = t.state().config;
    let token = sign_in(t, DEMO_ADMIN, DEMO_PASSWORD).await.unwrap();
    let now = Utc::now();
    let me = sessions::authenticate(&t.db, &config, &token, now)
        .await
        .unwrap()
        .expect("live session");
    assert!(me.actor.has(Permission::UsersManage) && !me.actor.operator);
    assert_eq!(me.roles, vec![RoleKey::Admin]);
    assert!(sessions::authenticate(&t.db, &config, "not-a-token", now)
        .await
        .unwrap()
        .is_none());

    // Idle: nothing for longer than the idle limit.
    let idle = now + config.session_idle + TimeDelta::seconds(1);
    assert!(sessions::authenticate(&t.db, &config, &token, idle)
        .await
        .unwrap()
        .is_none());
    assert_eq!(
        session::Entity::find()
            .filter(session::Column::Id.eq(me.session_id))
            .count(t.db.read())
            .await
            .unwrap(),
        0
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
    assert!(
        sessions::authenticate(&t.db, &config, &token, end + TimeDelta::seconds(1))
            .await
            .unwrap()
            .is_none()
    );

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
    assert!(sessions::authenticate(&t.db, &config, &token, Utc::now())
        .await
        .unwrap()
        .is_none());
    assert_eq!(
        session::Entity::find()
            .filter(session::Column::UserId.eq(admin.id))
            .count(t.db.read())
            .await
            .unwrap(),
        0
    );
}
db_test!(
    sessions_end_on_idle_on_absolute_expiry_and_on_deactivation,
    sessions_end_on_idle_on_absolute_expiry_and_on_deactivation
);

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
    let restored = users::set_status(&t.db, member.id, UserStatus::Active, None, &ctx, Utc::now())
        .await
        .unwrap();
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
db_test!(
    status_changes_are_versioned_and_audited,
    status_changes_are_versioned_and_audited
);

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
    assert!(
        sessions::authenticate(&t.db, &state.config, &here, Utc::now())
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        sessions::authenticate(&t.db, &state.config, &elsewhere, Utc::now())
            .await
            .unwrap()
            .is_none()
    );
    assert!(sign_in(t, DEMO_MEMBER, DEMO_PASSWORD).await.is_err());
    assert!(sign_in(t, DEMO_MEMBER, "fresh long passphrase")
        .await
        .is_ok());
    // The same form sent again with the old current password is refused.
    let replay = users::change_own_password(
        &t.db,
        &state.passwords,
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
db_test!(
    changing_my_password_ends_my_other_sessions,
    changing_my_password_ends_my_other_sessions
);

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
    assert!(sessions::authenticate(&t.db, &config, &theirs, Utc::now())
        .await
        .unwrap()
        .is_some());
    sessions::end_own(&t.db, &me, my_other.session_id, meta(), Utc::now())
        .await
        .unwrap();
    assert!(sessions::authenticate(&t.db, &config, &other, Utc::now())
        .await
        .unwrap()
        .is_none());

    sessions::end_by_token(&t.db, &mine, meta(), Utc::now())
        .await
        .unwrap();
    assert!(sessions::authenticate(&t.db, &config, &mine, Utc::now())
        .await
        .unwrap()
        .is_none());
    let actions = audit_actions(t, me.user.id).await;
    assert!(
        actions.ends_with(&["session.ended".to_string(), "user.signed_out".to_string()]),
        "{actions:?}"
    );
}
db_test!(
    i_can_end_my_own_sessions_but_not_anyone_elses,
    i_can_end_my_own_sessions_but_not_anyone_elses
);

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
db_test!(
    sweeping_removes_only_dead_sessions,
    sweeping_removes_only_dead_sessions
);

async fn demo_data_has_every_status_and_every_invitation_state(t: &TestDb) {
    demo(t).await;
    let users = user::Entity::find().all(t.db.read()).await.unwrap();
    assert_eq!(users.len(), 28);
    let statuses: HashSet<&str> = users.iter().map(|u| u.status.as_str()).collect();
    for status in UserStatus::ALL {
        assert!(statuses.contains(status.as_str()), "missing {status:?}");
    }
    let now = Utc::now();
    let invitations = invitation::Entity::find().all(t.db.read()).await.unwrap();
    let states: HashSet<InvitationStatus> = invitations
        .iter()
        .map(|i| {
            effective_status(
                InvitationStatus::parse(&i.status).unwrap(),
                i.expires_at,
                now,
            )
        })
        .collect();
    assert_eq!(
        states.len(),
        4,
        "pending, accepted, expired and revoked: {states:?}"
    );
    let again = seed::has_users(&t.db).await.unwrap();
    assert!(again);
}
db_test!(
    demo_data_has_every_status_and_every_invitation_state,
    demo_data_has_every_status_and_every_invitation_state
);

async fn the_database_allows_one_pending_invitation_per_entity_and_email(t: &TestDb) {
    use sea_orm::ActiveValue::Set;
    demo(t).await;
    let existing = invitation::Entity::find()
        .filter(invitation::Column::Status.eq("pending"))
        .one(t.db.read())
        .await
        .unwrap()
        .unwrap();
    let copy = |status: &str| invitation::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        entity_id: Set(existing.entity_id),
        email: Set(existing.email.clone()),
        email_normalized: Set(existing.email_normalized.clone()),
        status: Set(status.to_string()),
        token_hash: Set(uuid::Uuid::new_v4().to_string()),
        expires_at: Set(existing.expires_at),
        sent_count: Set(1),
        last_sent_at: Set(existing.last_sent_at),
        invited_by: Set(None),
        accepted_user_id: Set(None),
        created_at: Set(existing.created_at),
        updated_at: Set(existing.updated_at),
        version: Set(1),
    };
    let duplicate = invitation::Entity::insert(copy("pending"))
        .exec_without_returning(t.db.writer())
        .await;
    assert!(app::backend::error::is_unique_violation(
        &duplicate.unwrap_err()
    ));
    invitation::Entity::insert(copy("revoked"))
        .exec_without_returning(t.db.writer())
        .await
        .unwrap();
}
db_test!(
    the_database_allows_one_pending_invitation_per_entity_and_email,
    the_database_allows_one_pending_invitation_per_entity_and_email
);

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
db_test!(
    fifty_concurrent_writers_never_fail,
    fifty_concurrent_writers_never_fail
);
