//! Deactivate, Reactivate, Delete and Restore from the directory, and admins ending sessions:
//! permissions, the lifecycle, versions, sessions ended at once, audit rows.

use crate::support::prelude::*;
use app::backend::directory::{self, Filter, Item};
use app::backend::users::lifecycle::{change_status, StatusAction};
use app::backend::Caller;

pub(crate) async fn act(
    t: &TestDb,
    me: &Caller,
    who: &str,
    action: StatusAction,
) -> Result<user::Model, ServiceError> {
    let target = user_by_email(t, who).await;
    change_status(
        &t.state(),
        me,
        target.id,
        action,
        status_seen(&target),
        meta(),
        Utc::now(),
    )
    .await
}

/// The status an admin saw the user in.
pub(crate) fn status_seen(user: &user::Model) -> UserStatus {
    UserStatus::parse(&user.status).expect("a known status")
}

pub(crate) async fn listed(
    t: &TestDb,
    me: &Caller,
    statuses: Vec<UserStatus>,
    email: &str,
) -> bool {
    let filter = Filter {
        statuses,
        search: email.into(),
        ..Filter::default()
    };
    directory::list_as(t.db.read(), me, &filter, Utc::now())
        .await
        .unwrap()
        .rows
        .iter()
        .any(|r| matches!(&r.item, Item::User(u) if u.email == email))
}

async fn the_lifecycle_from_the_directory(t: &TestDb) {
    demo(t).await;
    let admin = acting_as(t, DEMO_ADMIN).await;
    let operator = acting_as(t, DEMO_OPERATOR).await;
    let member_session = sign_in(t, DEMO_MEMBER, DEMO_PASSWORD).await.unwrap();

    let inactive = act(t, &admin, DEMO_MEMBER, StatusAction::Deactivate)
        .await
        .unwrap();
    assert_eq!(inactive.status, "inactive");
    assert!(
        !is_live(t, &member_session, Utc::now()).await,
        "signed out at once"
    );
    assert!(matches!(
        act(t, &admin, DEMO_MEMBER, StatusAction::Deactivate).await,
        Err(ServiceError::Conflict(_))
    ));
    act(t, &admin, DEMO_MEMBER, StatusAction::Reactivate)
        .await
        .unwrap();
    let member_session = sign_in(t, DEMO_MEMBER, DEMO_PASSWORD).await.unwrap();

    act(t, &admin, DEMO_MEMBER, StatusAction::Delete)
        .await
        .unwrap();
    assert!(!is_live(t, &member_session, Utc::now()).await);
    assert!(sign_in(t, DEMO_MEMBER, DEMO_PASSWORD).await.is_err());
    let default = app::backend::directory::default_statuses();
    assert!(
        !listed(t, &admin, default, DEMO_MEMBER).await,
        "hidden by default"
    );
    assert!(listed(t, &admin, vec![UserStatus::Deleted], DEMO_MEMBER).await);

    // Restore is the operators'.
    assert!(matches!(
        act(t, &admin, DEMO_MEMBER, StatusAction::Restore).await,
        Err(ServiceError::Forbidden)
    ));
    let restored = act(t, &operator, DEMO_MEMBER, StatusAction::Restore)
        .await
        .unwrap();
    assert_eq!(
        restored.status, "inactive",
        "restored users come back Inactive"
    );
    assert!(restored.deleted_at.is_none());
    let member = user_by_email(t, DEMO_MEMBER).await;
    let mut actions = audit_actions(t, member.id).await;
    actions.retain(|a| a != "user.signed_in");
    assert_eq!(
        &actions[actions.len() - 4..],
        [
            "user.deactivated",
            "user.reactivated",
            "user.deleted",
            "user.restored"
        ]
    );
}
db_test!(the_lifecycle_from_the_directory);

async fn scope_self_and_stale_versions_are_refused(t: &TestDb) {
    demo(t).await;
    let admin = acting_as(t, DEMO_ADMIN).await;
    // Another entity's user is not found, not forbidden.
    assert!(matches!(
        act(t, &admin, "admin@contoso.test", StatusAction::Deactivate).await,
        Err(ServiceError::NotFound)
    ));
    // Nobody locks themselves out.
    assert!(matches!(
        act(t, &admin, DEMO_ADMIN, StatusAction::Deactivate).await,
        Err(ServiceError::Conflict(_))
    ));
    // Members have no admin powers.
    let member = acting_as(t, DEMO_MEMBER).await;
    assert!(matches!(
        act(t, &member, DEMO_ADMIN, StatusAction::Deactivate).await,
        Err(ServiceError::Forbidden)
    ));
    // Two admins acting on the same version: one wins, the other is told.
    let target = user_by_email(t, DEMO_MEMBER).await;
    let operator = acting_as(t, DEMO_OPERATOR).await;
    let state = t.state();
    let (a, b) = tokio::join!(
        change_status(
            &state,
            &admin,
            target.id,
            StatusAction::Deactivate,
            status_seen(&target),
            meta(),
            Utc::now()
        ),
        change_status(
            &state,
            &operator,
            target.id,
            StatusAction::Delete,
            status_seen(&target),
            meta(),
            Utc::now()
        ),
    );
    assert!(a.is_ok() != b.is_ok(), "exactly one wins: {a:?} / {b:?}");
    let loser = if a.is_err() { a } else { b };
    assert!(matches!(loser, Err(ServiceError::Conflict(_))));
}

/// A status action decides on the status the admin saw: a change that does not bear on it
/// (the user changing their own password moves the version) lets it go ahead, a change of the
/// status itself refuses it and says what the user is now.
async fn status_actions_conflict_only_with_a_status_change(t: &TestDb) {
    use sea_orm::sea_query::Expr;
    demo(t).await;
    let admin = acting_as(t, DEMO_ADMIN).await;
    let operator = acting_as(t, DEMO_OPERATOR).await;
    let shown = user_by_email(t, DEMO_MEMBER).await;
    // Meanwhile the member changes their own password: a new version, the same status.
    user::Entity::update_many()
        .col_expr(user::Column::Version, Expr::value(shown.version + 1))
        .col_expr(
            user::Column::PasswordHash,
            Expr::value("changed by the member"),
        )
        .filter(user::Column::Id.eq(shown.id))
        .exec(t.db.writer())
        .await
        .unwrap();
    let state = t.state();
    let deactivated = change_status(
        &state,
        &admin,
        shown.id,
        StatusAction::Deactivate,
        status_seen(&shown),
        meta(),
        Utc::now(),
    )
    .await
    .expect("a password change does not bear on Deactivate");
    assert_eq!(deactivated.status, "inactive");
    // The operator still has the row as Active on screen: Delete decided on that is refused.
    let refused = change_status(
        &state,
        &operator,
        shown.id,
        StatusAction::Delete,
        status_seen(&shown),
        meta(),
        Utc::now(),
    )
    .await;
    match refused {
        Err(ServiceError::Conflict(message)) => assert!(message.contains("Inactive"), "{message}"),
        other => panic!("expected a conflict, got {other:?}"),
    }
}
db_test!(status_actions_conflict_only_with_a_status_change);
db_test!(scope_self_and_stale_versions_are_refused);

async fn the_last_operator_stays(t: &TestDb) {
    demo(t).await;
    // An Admin of the operator entity may manage its users, but never touch an operator (rank).
    bootstrap::create_admin(
        &t.db,
        "pat@usher.test",
        "Pat Platform",
        Some("operators"),
        Some(DEMO_PASSWORD.into()),
        Utc::now(),
    )
    .await
    .unwrap();
    let pat = acting_as(t, "pat@usher.test").await;
    let refused = act(t, &pat, DEMO_OPERATOR, StatusAction::Deactivate).await;
    assert!(
        matches!(refused, Err(ServiceError::Outranked)),
        "{refused:?}"
    );
    // Two operators deactivate each other at the same moment: one wins, and the other is told
    // that the last operator stays (a lock, not a read-then-write check, on PostgreSQL too).
    bootstrap::create_admin(
        &t.db,
        "second.operator@usher.test",
        "Second Operator",
        None,
        Some(DEMO_PASSWORD.into()),
        Utc::now(),
    )
    .await
    .unwrap();
    // Raced ten times, so a read-then-write check cannot pass by luck.
    for _ in 0..10 {
        let first = acting_as(t, DEMO_OPERATOR).await;
        let second = acting_as(t, "second.operator@usher.test").await;
        let (a, b) = tokio::join!(
            act(
                t,
                &first,
                "second.operator@usher.test",
                StatusAction::Deactivate
            ),
            act(t, &second, DEMO_OPERATOR, StatusAction::Deactivate),
        );
        let won = [a.is_ok(), b.is_ok()];
        assert_eq!(won.iter().filter(|w| **w).count(), 1, "{a:?} / {b:?}");
        let lost = if a.is_err() { a } else { b };
        assert!(
            matches!(&lost, Err(ServiceError::Conflict(m)) if m.contains("last active operator")),
            "{lost:?}"
        );
        for email in [DEMO_OPERATOR, "second.operator@usher.test"] {
            set_status(t, user_by_email(t, email).await.id, UserStatus::Active)
                .await
                .unwrap();
        }
    }
}
db_test!(the_last_operator_stays);

async fn admins_end_a_users_sessions(t: &TestDb) {
    demo(t).await;
    let admin = acting_as(t, DEMO_ADMIN).await;
    let first = sign_in(t, DEMO_MEMBER, DEMO_PASSWORD).await.unwrap();
    let second = sign_in(t, DEMO_MEMBER, DEMO_PASSWORD).await.unwrap();
    let member = user_by_email(t, DEMO_MEMBER).await;
    let state = t.state();
    let live = sessions::list_for_user(t.db.read(), member.id, &state.config, Utc::now())
        .await
        .unwrap();
    assert_eq!(live.len(), 2);
    let one = live[0].id;
    sessions::end_for_user(&state, &admin, member.id, Some(one), meta(), Utc::now())
        .await
        .unwrap();
    assert_eq!(
        [
            is_live(t, &first, Utc::now()).await,
            is_live(t, &second, Utc::now()).await
        ]
        .iter()
        .filter(|l| **l)
        .count(),
        1
    );
    // Ending it again, or another user's session through this user, finds nothing.
    assert!(matches!(
        sessions::end_for_user(&state, &admin, member.id, Some(one), meta(), Utc::now()).await,
        Err(ServiceError::NotFound)
    ));
    let ended = sessions::end_for_user(&state, &admin, member.id, None, meta(), Utc::now())
        .await
        .unwrap();
    assert_eq!(ended, 1);
    assert!(!is_live(t, &first, Utc::now()).await && !is_live(t, &second, Utc::now()).await);
    let contoso = user_by_email(t, "admin@contoso.test").await;
    assert!(matches!(
        sessions::end_for_user(&state, &admin, contoso.id, None, meta(), Utc::now()).await,
        Err(ServiceError::NotFound)
    ));
    let actions = audit_actions(t, member.id).await;
    assert!(actions.ends_with(&["session.ended".into(), "sessions.ended_all".into()]));
}
db_test!(admins_end_a_users_sessions);
