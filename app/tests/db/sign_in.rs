//! Bootstrapping an admin and signing in: one answer for every failure, throttling.

use crate::support::prelude::*;

async fn create_admin_makes_an_operator_and_refuses_a_duplicate_in_other_case(t: &TestDb) {
    let now = Utc::now();
    let (op, generated) =
        bootstrap::create_admin(&t.db, " Root@Example.com ", "Root Person", None, None, now)
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
    assert!(me.is_operator());
    assert!(me.entity.is_operator);

    let duplicate = bootstrap::create_admin(
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
    let unknown_entity = bootstrap::create_admin(
        &t.db,
        "x@example.com",
        "X Person",
        Some("nope"),
        Some("a long enough password".into()),
        now,
    )
    .await;
    assert!(matches!(unknown_entity, Err(ServiceError::Invalid(f)) if f.get("entity").is_some()));
    let weak = bootstrap::create_admin(
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
db_test!(create_admin_makes_an_operator_and_refuses_a_duplicate_in_other_case);

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
    set_status(t, member.id, UserStatus::Inactive)
        .await
        .unwrap();
    assert!(matches!(
        sign_in(t, DEMO_MEMBER, DEMO_PASSWORD).await,
        Err(ServiceError::BadCredentials)
    ));
    set_status(t, member.id, UserStatus::Deleted).await.unwrap();
    assert!(matches!(
        sign_in(t, DEMO_MEMBER, DEMO_PASSWORD).await,
        Err(ServiceError::BadCredentials)
    ));
}
db_test!(sign_in_gives_one_answer_for_every_failure);

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
db_test!(repeated_failures_lock_the_account_not_others);
