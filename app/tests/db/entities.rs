//! Entities (issue 14): New entity, Rename, Suspend and Resume, on both databases. Suspending
//! ends the entity's sessions at once and refuses its people at sign-in, at every session read
//! and at an invitation's acceptance; the counts of the Entities page come from the grouped reads.

use crate::invitation_support::{accept_form, invite, tokens_mailed_to};
use crate::support::prelude::*;
use app::backend::entities::{self, EntityForm};
use app::backend::invitations::accept;

fn form(name: &str, slug: &str) -> EntityForm {
    EntityForm {
        name: name.into(),
        slug: slug.into(),
    }
}

async fn id_of(t: &TestDb, slug: &str) -> uuid::Uuid {
    entities::find_by_slug(t.db.read(), slug)
        .await
        .unwrap()
        .unwrap()
        .id
}

async fn operators_create_and_rename_entities_with_every_field_checked(t: &TestDb) {
    demo(t).await;
    let state = t.state();
    let op = acting_as(t, DEMO_OPERATOR).await;
    let now = Utc::now();
    let made = entities::add(
        &state,
        &op,
        form("  Fabrikam Bank ", "Fabrikam"),
        meta(),
        now,
    )
    .await
    .unwrap();
    assert_eq!(
        (made.name.as_str(), made.slug.as_str()),
        ("Fabrikam Bank", "fabrikam")
    );
    assert_eq!(audit_actions(t, made.id).await, vec!["entity.created"]);

    let invalid = |r: Result<_, ServiceError>, field: &str| match r {
        Err(ServiceError::Invalid(f)) => f.get(field).map(str::to_string),
        other => panic!("expected a field error on {field}, got {other:?}"),
    };
    let taken = entities::add(&state, &op, form("Other", "fabrikam"), meta(), now).await;
    assert_eq!(
        invalid(taken, "slug").as_deref(),
        Some("Another entity already uses this slug.")
    );
    for slug in ["", "a", "-ab", "ab-", "has space", "ünï", &"x".repeat(41)] {
        let bad = entities::add(&state, &op, form("Some name", slug), meta(), now).await;
        assert!(invalid(bad, "slug").is_some(), "slug {slug:?} accepted");
    }
    for name in ["", "   ", "tab\there", &"n".repeat(101)] {
        let bad = entities::add(&state, &op, form(name, "fine-slug"), meta(), now).await;
        assert!(invalid(bad, "name").is_some(), "name {name:?} accepted");
    }
    assert!(entities::find_by_slug(t.db.read(), "fine-slug")
        .await
        .unwrap()
        .is_none());

    let renamed = entities::rename(&state, &op, made.id, "Fabrikam Group", meta(), now)
        .await
        .unwrap();
    assert_eq!(
        (renamed.name.as_str(), renamed.slug.as_str()),
        ("Fabrikam Group", "fabrikam")
    );
    let bad = entities::rename(&state, &op, made.id, " ", meta(), now).await;
    assert!(invalid(bad, "name").is_some());
    assert_eq!(
        audit_actions(t, made.id).await,
        vec!["entity.created", "entity.renamed"]
    );
    // The next request of Northwind's people sees a renamed Northwind.
    let northwind = id_of(t, "northwind").await;
    entities::rename(&state, &op, northwind, "Northwind Holdings", meta(), now)
        .await
        .unwrap();
    let admin = acting_as(t, DEMO_ADMIN).await;
    assert_eq!(admin.entity.name, "Northwind Holdings");
}
db_test!(operators_create_and_rename_entities_with_every_field_checked);

async fn only_operators_manage_entities(t: &TestDb) {
    demo(t).await;
    let state = t.state();
    let now = Utc::now();
    let northwind = id_of(t, "northwind").await;
    let contoso = id_of(t, "contoso").await;
    for email in [DEMO_ADMIN, DEMO_MEMBER] {
        let me = acting_as(t, email).await;
        let made = entities::add(&state, &me, form("Mine", "mine"), meta(), now).await;
        assert!(
            matches!(made, Err(ServiceError::Forbidden)),
            "{email}: {made:?}"
        );
        // Their own entity: forbidden; another: not found (nobody learns it exists).
        let own = entities::suspend(&state, &me, northwind, meta(), now).await;
        assert!(
            matches!(own, Err(ServiceError::Forbidden)),
            "{email}: {own:?}"
        );
        let other = entities::rename(&state, &me, contoso, "Taken over", meta(), now).await;
        assert!(
            matches!(other, Err(ServiceError::NotFound)),
            "{email}: {other:?}"
        );
        let resumed = entities::resume(&state, &me, contoso, meta(), now).await;
        assert!(
            matches!(resumed, Err(ServiceError::NotFound)),
            "{email}: {resumed:?}"
        );
    }
    assert!(entities::find_by_slug(t.db.read(), "mine")
        .await
        .unwrap()
        .is_none());
    let contoso_now = entities::find_by_slug(t.db.read(), "contoso")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(contoso_now.name, "Contoso Markets");
    assert!(!entities::is_suspended(t.db.read(), northwind)
        .await
        .unwrap());
}
db_test!(only_operators_manage_entities);

async fn a_suspended_entity_signs_nobody_in_and_keeps_everything(t: &TestDb) {
    demo(t).await;
    let state = t.state();
    let op = acting_as(t, DEMO_OPERATOR).await;
    let northwind = id_of(t, "northwind").await;
    let admin_session = sign_in(t, DEMO_ADMIN, DEMO_PASSWORD).await.unwrap();
    let member_session = sign_in(t, DEMO_MEMBER, DEMO_PASSWORD).await.unwrap();
    let operator_session = sign_in(t, DEMO_OPERATOR, DEMO_PASSWORD).await.unwrap();
    // Read once, so each session is in this instance's cache when the suspension lands.
    assert!(is_live(t, &admin_session, Utc::now()).await);
    assert!(is_live(t, &member_session, Utc::now()).await);
    let users_before = user::Entity::find()
        .filter(user::Column::EntityId.eq(northwind))
        .count(t.db.read())
        .await
        .unwrap();
    // A pending invitation into Northwind, to accept while it is suspended.
    let admin = acting_as(t, DEMO_ADMIN).await;
    invite(t, &admin, "joiner@example.test", "northwind").await;
    let token = tokens_mailed_to(t, "joiner@example.test").await.remove(0);
    let accepting = || accept::accept(&state, accept_form(&token, "Jo Iner"), meta(), Utc::now());

    let (_, ended) = entities::suspend(&state, &op, northwind, meta(), Utc::now())
        .await
        .unwrap();
    assert!(
        ended >= 3,
        "the admin's and the member's sessions end ({ended})"
    );
    assert!(!is_live(t, &admin_session, Utc::now()).await);
    assert!(!is_live(t, &member_session, Utc::now()).await);
    assert!(
        is_live(t, &operator_session, Utc::now()).await,
        "other entities go on"
    );
    // The right password gets the answer of a wrong one.
    assert!(matches!(
        sign_in(t, DEMO_ADMIN, DEMO_PASSWORD).await,
        Err(ServiceError::BadCredentials)
    ));
    // A session that raced the suspension (made after it, as a sign-in that checked first
    // would) is refused at its first use.
    let admin_user = user_by_email(t, DEMO_ADMIN).await;
    let (raced, _) = sessions::create(
        t.db.writer(),
        admin_user.id,
        &meta(),
        &state.config,
        Utc::now(),
    )
    .await
    .unwrap();
    assert!(!is_live(t, &raced, Utc::now()).await);
    let accepted = accepting().await;
    assert!(
        matches!(&accepted, Err(ServiceError::Conflict(m)) if m.contains("suspended")),
        "{accepted:?}"
    );
    let again = entities::suspend(&state, &op, northwind, meta(), Utc::now()).await;
    assert!(matches!(again, Err(ServiceError::Conflict(_))), "{again:?}");
    let operators = id_of(t, "operators").await;
    let own = entities::suspend(&state, &op, operators, meta(), Utc::now()).await;
    assert!(matches!(own, Err(ServiceError::Conflict(_))), "{own:?}");

    // Everything is kept, and the listing says so.
    let users_after = user::Entity::find()
        .filter(user::Column::EntityId.eq(northwind))
        .count(t.db.read())
        .await
        .unwrap();
    assert_eq!(users_before, users_after);
    let allowed = op
        .may_list(app::domain::Action::ManageEntities, None)
        .unwrap();
    let rows = entities::list(t.db.read(), &allowed, Utc::now())
        .await
        .unwrap();
    let row = rows.iter().find(|r| r.entity.id == northwind).unwrap();
    assert!(row.suspension.is_some());
    assert!(
        rows[0].entity.is_operator,
        "the operator entity comes first"
    );

    entities::resume(&state, &op, northwind, meta(), Utc::now())
        .await
        .unwrap();
    let back = sign_in(t, DEMO_ADMIN, DEMO_PASSWORD).await.unwrap();
    assert!(is_live(t, &back, Utc::now()).await);
    assert!(accepting().await.is_ok());
    let twice = entities::resume(&state, &op, northwind, meta(), Utc::now()).await;
    assert!(matches!(twice, Err(ServiceError::Conflict(_))), "{twice:?}");
    assert_eq!(
        audit_actions(t, northwind).await,
        vec!["entity.created", "entity.suspended", "entity.resumed"]
    );
}
db_test!(a_suspended_entity_signs_nobody_in_and_keeps_everything);

async fn the_entities_page_counts_people_invitations_and_admins(t: &TestDb) {
    demo(t).await;
    let op = acting_as(t, DEMO_OPERATOR).await;
    let allowed = op
        .may_list(app::domain::Action::ManageEntities, None)
        .unwrap();
    let now = Utc::now();
    let rows = entities::list(t.db.read(), &allowed, now).await.unwrap();
    assert_eq!(rows.len(), 3);
    for row in &rows {
        let id = row.entity.id;
        let by_status = |status: &'static str| {
            user::Entity::find()
                .filter(user::Column::EntityId.eq(id))
                .filter(user::Column::Status.eq(status))
                .filter(user::Column::PurgedAt.is_null())
                .count(t.db.read())
        };
        assert_eq!(
            row.users.active,
            by_status("active").await.unwrap(),
            "{}",
            row.entity.slug
        );
        assert_eq!(row.users.inactive, by_status("inactive").await.unwrap());
        assert_eq!(row.users.deleted, by_status("deleted").await.unwrap());
        let pending = invitation::Entity::find()
            .filter(invitation::Column::EntityId.eq(id))
            .filter(invitation::Column::Status.eq("pending"))
            .filter(invitation::Column::ExpiresAt.gt(now))
            .count(t.db.read())
            .await
            .unwrap();
        assert_eq!(row.pending_invitations, pending, "{}", row.entity.slug);
    }
    let northwind = rows.iter().find(|r| r.entity.slug == "northwind").unwrap();
    assert!(northwind.admins >= 1, "Nadia Admin");
    let operators = rows.iter().find(|r| r.entity.is_operator).unwrap();
    assert!(
        operators.admins >= 1,
        "the operator counts as the operator entity's admin"
    );
    // A deleted admin is not counted.
    let nadia = user_by_email(t, DEMO_ADMIN).await;
    let before = northwind.admins;
    set_status(t, nadia.id, UserStatus::Deleted).await.unwrap();
    let rows = entities::list(t.db.read(), &allowed, now).await.unwrap();
    let northwind = rows.iter().find(|r| r.entity.slug == "northwind").unwrap();
    assert_eq!(northwind.admins, before - 1);
}
db_test!(the_entities_page_counts_people_invitations_and_admins);
