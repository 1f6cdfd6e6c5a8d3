//! Create User, Edit, Reset password and Forgot password, on both databases.

use crate::invitation_support::{entity_id, tokens_mailed_to};
use crate::support::prelude::*;
use app::backend::users::manage::{create, CreateForm};
use app::backend::users::reset::{self, Link};

const NEW_PASSWORD: &str = "violet kettle across ninety meadows";

fn create_form(name: &str, email: &str, entity: Option<uuid::Uuid>, access: &str) -> CreateForm {
    CreateForm {
        name: name.into(),
        email: email.into(),
        contact_email: String::new(),
        entity_id: entity,
        roles: vec!["Trader".into()],
        access: access.into(),
    }
}

pub(crate) fn invalid(
    result: Result<impl std::fmt::Debug, ServiceError>,
) -> app::domain::FieldErrors {
    match result {
        Err(ServiceError::Invalid(errors)) => errors,
        other => panic!("expected field errors, got {other:?}"),
    }
}

async fn create_user_in_each_way(t: &TestDb) {
    demo(t).await;
    let admin = acting_as(t, DEMO_ADMIN).await;
    let state = t.state();

    let temporary = create(
        &state,
        &admin,
        create_form("Tess Temp", "Tess@Northwind.test", None, "temporary"),
        meta(),
        Utc::now(),
    )
    .await
    .unwrap();
    let password = temporary.temporary_password.expect("shown once");
    assert_eq!(temporary.user.status, "active");
    assert!(temporary.user.must_change_password);
    assert_ne!(
        temporary.user.password_hash.as_deref(),
        Some(password.as_str())
    );
    sign_in(t, "tess@northwind.test", &password)
        .await
        .expect("the temporary password works");

    let mut by_mail = create_form("Mae Mail", "mae@northwind.test", None, "email");
    by_mail.contact_email = "mae.private@example.org".into();
    let mailed = create(&state, &admin, by_mail, meta(), Utc::now())
        .await
        .unwrap();
    assert!(mailed.temporary_password.is_none() && mailed.user.password_hash.is_none());
    // Authentication mail goes to the account email only, never the contact email.
    assert!(tokens_mailed_to(t, "mae.private@example.org")
        .await
        .is_empty());
    let tokens = tokens_mailed_to(t, "mae@northwind.test").await;
    assert_eq!(
        tokens.len(),
        1,
        "the set-password mail goes to the account email"
    );
    reset::reset(
        &state,
        &tokens[0],
        NEW_PASSWORD,
        NEW_PASSWORD,
        meta(),
        Utc::now(),
    )
    .await
    .unwrap();
    sign_in(t, "mae@northwind.test", NEW_PASSWORD)
        .await
        .expect("chosen password works");

    // "SSO only" would make an account nobody can sign in to while no entity has single
    // sign-on: refused, saying so, and nothing written.
    let before = user::Entity::find().count(t.db.read()).await.unwrap();
    let errors = invalid(
        create(
            &state,
            &admin,
            create_form("Sam Sso", "sam@northwind.test", None, "sso"),
            meta(),
            Utc::now(),
        )
        .await,
    );
    assert!(errors.get("access").unwrap().contains("Single sign-on"));
    let after = user::Entity::find().count(t.db.read()).await.unwrap();
    assert_eq!(before, after);
}
db_test!(create_user_in_each_way);

async fn create_user_reports_every_problem_and_writes_nothing(t: &TestDb) {
    demo(t).await;
    let admin = acting_as(t, DEMO_ADMIN).await;
    let state = t.state();
    let before = user::Entity::find().count(t.db.read()).await.unwrap();
    let errors = invalid(
        create(
            &state,
            &admin,
            CreateForm {
                name: "  ".into(),
                email: "not-an-email".into(),
                contact_email: "also bad".into(),
                entity_id: None,
                roles: vec![],
                access: "carrier pigeon".into(),
            },
            meta(),
            Utc::now(),
        )
        .await,
    );
    for field in ["name", "email", "contact_email", "roles", "access"] {
        assert!(errors.get(field).is_some(), "{field} in {errors:?}");
    }
    // A duplicate in another case, and a role above the admin's power.
    let mut form = create_form("Theo Again", "TRADER@northwind.test", None, "email");
    assert!(
        invalid(create(&state, &admin, form.clone(), meta(), Utc::now()).await)
            .get("email")
            .unwrap()
            .contains("already exists")
    );
    form.email = "fresh@northwind.test".into();
    form.roles = vec!["Admin".into()];
    assert!(
        invalid(create(&state, &admin, form.clone(), meta(), Utc::now()).await)
            .get("roles")
            .is_some()
    );
    // Another entity is not found; an operator must choose the entity.
    let contoso = entity_id(t, "contoso").await;
    form.roles = vec!["Trader".into()];
    form.entity_id = Some(contoso);
    assert!(matches!(
        create(&state, &admin, form.clone(), meta(), Utc::now()).await,
        Err(ServiceError::NotFound)
    ));
    let operator = acting_as(t, DEMO_OPERATOR).await;
    form.entity_id = None;
    assert!(
        invalid(create(&state, &operator, form, meta(), Utc::now()).await)
            .get("entity")
            .is_some()
    );
    assert_eq!(
        user::Entity::find().count(t.db.read()).await.unwrap(),
        before
    );
}
db_test!(create_user_reports_every_problem_and_writes_nothing);

async fn a_thousand_concurrent_creates_of_one_email_make_one_user(t: &TestDb) {
    demo(t).await;
    let admin = acting_as(t, DEMO_ADMIN).await;
    let state = t.state();
    let tasks: Vec<_> = (0..1000)
        .map(|i| {
            let (state, admin) = (state.clone(), admin.clone());
            let email = if i % 2 == 0 {
                "Twin@Northwind.test"
            } else {
                "twin@NORTHWIND.TEST"
            };
            tokio::spawn(async move {
                create(
                    &state,
                    &admin,
                    create_form("Twin", email, None, "email"),
                    meta(),
                    Utc::now(),
                )
                .await
            })
        })
        .collect();
    let mut created = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => created += 1,
            Err(ServiceError::Invalid(errors)) => {
                assert!(errors.get("email").unwrap().contains("already exists"))
            }
            Err(other) => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(created, 1);
    let twins = user::Entity::find()
        .filter(user::Column::EmailNormalized.eq("twin@northwind.test"))
        .count(t.db.read())
        .await
        .unwrap();
    assert_eq!(twins, 1);
}
db_test!(a_thousand_concurrent_creates_of_one_email_make_one_user);

async fn reset_and_forgot_password(t: &TestDb) {
    demo(t).await;
    let admin = acting_as(t, DEMO_ADMIN).await;
    let state = t.state();
    let member = user_by_email(t, DEMO_MEMBER).await;
    let session = sign_in(t, DEMO_MEMBER, DEMO_PASSWORD).await.unwrap();

    reset::admin_reset(
        &state,
        &admin,
        member.id,
        member.version,
        meta(),
        Utc::now(),
    )
    .await
    .unwrap();
    assert!(
        !is_live(t, &session, Utc::now()).await,
        "sessions end at once"
    );
    assert!(
        sign_in(t, DEMO_MEMBER, DEMO_PASSWORD).await.is_err(),
        "old password cleared"
    );
    let first = tokens_mailed_to(t, DEMO_MEMBER).await;
    assert_eq!(first.len(), 1);

    // Forgot password: a new link replaces the old; an unknown email gets nothing, silently.
    reset::forgot(&state, "TRADER@northwind.test", meta(), Utc::now())
        .await
        .unwrap();
    reset::forgot(&state, "nobody@northwind.test", meta(), Utc::now())
        .await
        .unwrap();
    let links = tokens_mailed_to(t, DEMO_MEMBER).await;
    assert_eq!(links.len(), 2);
    assert_eq!(
        reset::look_up(&state, &links[0], Utc::now()).await.unwrap(),
        Link::Invalid
    );
    assert!(matches!(
        reset::look_up(&state, &links[1], Utc::now()).await.unwrap(),
        Link::Valid { .. }
    ));
    assert!(tokens_mailed_to(t, "nobody@northwind.test")
        .await
        .is_empty());
    // Links last an hour.
    let later = Utc::now() + TimeDelta::minutes(61);
    assert_eq!(
        reset::look_up(&state, &links[1], later).await.unwrap(),
        Link::Invalid
    );

    // A weak password is refused and spends nothing; then the link works once.
    let weak = reset::reset(&state, &links[1], "short", "short", meta(), Utc::now()).await;
    assert!(invalid(weak).get("password").is_some());
    let other = sign_in(t, DEMO_ADMIN, DEMO_PASSWORD).await.unwrap();
    reset::reset(
        &state,
        &links[1],
        NEW_PASSWORD,
        NEW_PASSWORD,
        meta(),
        Utc::now(),
    )
    .await
    .unwrap();
    assert!(
        is_live(t, &other, Utc::now()).await,
        "other accounts keep their sessions"
    );
    sign_in(t, DEMO_MEMBER, NEW_PASSWORD).await.unwrap();
    let again = reset::reset(
        &state,
        &links[1],
        NEW_PASSWORD,
        NEW_PASSWORD,
        meta(),
        Utc::now(),
    )
    .await;
    assert!(invalid(again).get("token").is_some());
    let actions = audit_actions(t, member.id).await;
    for action in [
        "user.password_reset_sent",
        "user.password_reset_requested",
        "user.password_reset",
    ] {
        assert!(actions.contains(&action.to_string()), "{action}");
    }
}
db_test!(reset_and_forgot_password);
