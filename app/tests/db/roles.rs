//! Roles as data (issue 14), on both databases: the database decides what a role carries, a
//! change is seen by the next request on every instance, built-in roles cannot be broken, a held
//! role cannot be deleted, and rank follows what a role carries rather than its name.

use crate::invitation_support::{entity_id, form as invite_form};
use crate::support::prelude::*;
use app::backend::invitations::{self, Invited};
use app::backend::roles::{self, manage};
use app::backend::Caller;
use app::domain::{Action, BusinessAccess};

fn role_form(name: &str, permissions: &[&str]) -> manage::RoleForm {
    manage::RoleForm {
        name: name.into(),
        description: "For the tests".into(),
        permissions: permissions.iter().map(|p| p.to_string()).collect(),
        business: BusinessAccess {
            trading: "View only".into(),
            ..BusinessAccess::default()
        },
    }
}

fn field_error<T: std::fmt::Debug>(r: Result<T, ServiceError>, field: &str) -> String {
    match r {
        Err(ServiceError::Invalid(f)) => f.get(field).unwrap_or_default().to_string(),
        other => panic!("expected a field error on {field}, got {other:?}"),
    }
}

fn conflict<T: std::fmt::Debug>(r: Result<T, ServiceError>) -> String {
    match r {
        Err(ServiceError::Conflict(message)) => message,
        other => panic!("expected a conflict, got {other:?}"),
    }
}

/// The caller behind `token` as a fresh request on `db` sees them.
async fn next_request(t: &TestDb, db: &app::backend::Db, token: &str) -> Caller {
    sessions::authenticate(db, &t.state().config, token, Utc::now())
        .await
        .unwrap()
        .unwrap()
}

async fn a_permission_removed_from_a_role_is_refused_on_the_next_request(t: &TestDb) {
    demo(t).await;
    let state = t.state();
    let op = acting_as(t, DEMO_OPERATOR).await;
    let other_instance = t.second_instance().await;
    let made = manage::create(
        &state,
        &op,
        role_form("Auditor", &["Audit.Read"]),
        meta(),
        Utc::now(),
    )
    .await
    .unwrap();
    assert_eq!(made.key, RoleKey::new("auditor"));
    let theo = user_by_email(t, DEMO_MEMBER).await;
    roles::set_roles(t.db.writer(), theo.id, &[RoleKey::TRADER, made.key.clone()])
        .await
        .unwrap();
    let token = sign_in(t, DEMO_MEMBER, DEMO_PASSWORD).await.unwrap();
    for db in [&t.db, &other_instance] {
        let theo = next_request(t, db, &token).await;
        assert!(theo.has(Permission::AuditRead));
        assert!(theo.may_list(Action::ReadAudit, None).is_ok());
        assert!(theo.may_list(Action::ReadUsers, None).is_err());
    }
    // Both instances have answered from their caches; the edit must reach both.
    manage::update(
        &state,
        &op,
        "auditor",
        role_form("Auditor", &[]),
        meta(),
        Utc::now(),
    )
    .await
    .unwrap();
    for db in [&t.db, &other_instance] {
        let theo = next_request(t, db, &token).await;
        assert!(!theo.has(Permission::AuditRead), "{}", t.label);
        assert!(matches!(
            theo.may_list(Action::ReadAudit, None),
            Err(ServiceError::Forbidden)
        ));
    }
    // The built-in Admin is data too: without Audit.Read, Nadia's next request cannot read the log.
    let nadia_token = sign_in(t, DEMO_ADMIN, DEMO_PASSWORD).await.unwrap();
    assert!(next_request(t, &t.db, &nadia_token)
        .await
        .has(Permission::AuditRead));
    let admin_without_audit =
        role_form("Admin", &["Users.Read", "Users.Manage", "Invitations.Send"]);
    manage::update(
        &state,
        &op,
        "admin",
        admin_without_audit,
        meta(),
        Utc::now(),
    )
    .await
    .unwrap();
    let nadia = next_request(t, &other_instance, &nadia_token).await;
    assert!(nadia.may_list(Action::ReadAudit, None).is_err());
    assert!(nadia.may_list(Action::ReadUsers, None).is_ok());
    let logged = audit_event::Entity::find()
        .filter(audit_event::Column::TargetKind.eq("role"))
        .all(t.db.read())
        .await
        .unwrap();
    let actions: Vec<&str> = logged.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["role.created", "role.updated", "role.updated"]);
    // An edit records only what changed.
    assert_eq!(
        logged[1].before.as_deref(),
        Some(r#"{"permissions":["Audit.Read"]}"#)
    );
    assert_eq!(logged[1].after.as_deref(), Some(r#"{"permissions":[]}"#));
    assert!(!logged[1].after.as_deref().unwrap().contains("\"name\""));
    other_instance.close().await;
}
db_test!(a_permission_removed_from_a_role_is_refused_on_the_next_request);

async fn built_in_roles_cannot_be_broken_and_every_field_is_checked(t: &TestDb) {
    demo(t).await;
    let state = t.state();
    let now = Utc::now();
    let op = acting_as(t, DEMO_OPERATOR).await;
    let operator_change = manage::update(
        &state,
        &op,
        "operator",
        role_form("Operator", &[]),
        meta(),
        now,
    )
    .await;
    assert!(conflict(operator_change).contains("fixed"));
    let admin_without_management = manage::update(
        &state,
        &op,
        "admin",
        role_form("Admin", &["Users.Read"]),
        meta(),
        now,
    )
    .await;
    assert!(field_error(admin_without_management, "permissions").contains("Users.Manage"));
    assert!(
        conflict(manage::delete(&state, &op, "trader", meta(), now).await).contains("built in")
    );
    assert!(matches!(
        manage::delete(&state, &op, "no_such_role", meta(), now).await,
        Err(ServiceError::NotFound)
    ));
    // Names: required, bounded, unique whatever the case; permissions: known, not operator-only.
    assert!(!field_error(
        manage::create(&state, &op, role_form(" ", &[]), meta(), now).await,
        "name"
    )
    .is_empty());
    let long = "r".repeat(manage::NAME_MAX + 1);
    assert!(!field_error(
        manage::create(&state, &op, role_form(&long, &[]), meta(), now).await,
        "name"
    )
    .is_empty());
    let taken = manage::create(&state, &op, role_form("market MAKER", &[]), meta(), now).await;
    assert_eq!(
        field_error(taken, "name"),
        "There is already a role named market MAKER."
    );
    // A name that is another role's key would make "admin" in a CSV file ambiguous.
    let a_key = manage::create(&state, &op, role_form("Credit_Officer", &[]), meta(), now).await;
    assert_eq!(
        field_error(a_key, "name"),
        "There is already a role named Credit_Officer."
    );
    let operator_only = manage::create(
        &state,
        &op,
        role_form("Boss", &["Entities.Manage"]),
        meta(),
        now,
    )
    .await;
    assert!(field_error(operator_only, "permissions").contains("Only the Operator role"));
    let unknown = manage::create(
        &state,
        &op,
        role_form("Boss", &["Users.Everything"]),
        meta(),
        now,
    )
    .await;
    assert!(!field_error(unknown, "permissions").is_empty());
    let mut wide = role_form("Wide", &[]);
    wide.business.credit = "c".repeat(manage::ACCESS_MAX + 1);
    assert!(!field_error(
        manage::create(&state, &op, wide, meta(), now).await,
        "credit"
    )
    .is_empty());
    assert_eq!(role::Entity::find().count(t.db.read()).await.unwrap(), 5);
    // Only operators manage roles: an entity admin and a member are refused.
    for who in [DEMO_ADMIN, DEMO_MEMBER] {
        let me = acting_as(t, who).await;
        assert!(matches!(
            manage::create(&state, &me, role_form("Mine", &[]), meta(), now).await,
            Err(ServiceError::Forbidden)
        ));
        assert!(matches!(
            manage::update(
                &state,
                &me,
                "trader",
                role_form("Trader", &["Users.Read"]),
                meta(),
                now
            )
            .await,
            Err(ServiceError::Forbidden)
        ));
        assert!(matches!(
            manage::delete(&state, &me, "trader", meta(), now).await,
            Err(ServiceError::Forbidden)
        ));
    }
    let trader = role::Entity::find_by_id("trader")
        .one(t.db.read())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(trader.name, "Trader");
    assert!(trader.built_in);
}
db_test!(built_in_roles_cannot_be_broken_and_every_field_is_checked);

async fn a_role_is_deleted_only_when_nobody_holds_it(t: &TestDb) {
    demo(t).await;
    let state = t.state();
    let now = Utc::now();
    let op = acting_as(t, DEMO_OPERATOR).await;
    manage::create(&state, &op, role_form("Risk Viewer", &[]), meta(), now)
        .await
        .unwrap();
    let op = acting_as(t, DEMO_OPERATOR).await;
    let northwind = entity_id(t, "northwind").await;
    let invited = invitations::invite(
        &state,
        &op,
        invite_form("risk@example.test", Some(northwind), &["Risk Viewer"]),
        meta(),
        now,
    )
    .await
    .unwrap();
    let Invited::Created(detail) = invited else {
        panic!("a fresh invitation")
    };
    assert_eq!(detail.roles, [RoleKey::new("risk_viewer")]);
    let pending = manage::delete(&state, &op, "risk_viewer", meta(), now).await;
    assert_eq!(
        conflict(pending),
        "1 pending invitation carries this role; revoke it first."
    );
    invitations::revoke(&state, &op, detail.invitation.id, meta(), now)
        .await
        .unwrap();
    let theo = user_by_email(t, DEMO_MEMBER).await;
    roles::set_roles(t.db.writer(), theo.id, &[RoleKey::new("risk_viewer")])
        .await
        .unwrap();
    let held = manage::holders(t.db.read()).await.unwrap();
    assert_eq!(held.get("risk_viewer"), Some(&1));
    let holding = manage::delete(&state, &op, "risk_viewer", meta(), now).await;
    assert_eq!(
        conflict(holding),
        "1 person holds this role; take it from them first."
    );
    roles::set_roles(t.db.writer(), theo.id, &[RoleKey::TRADER])
        .await
        .unwrap();
    let gone = manage::delete(&state, &op, "risk_viewer", meta(), now)
        .await
        .unwrap();
    assert_eq!(gone.name, "Risk Viewer");
    assert!(role::Entity::find_by_id("risk_viewer")
        .one(t.db.read())
        .await
        .unwrap()
        .is_none());
    // The revoked invitation forgot the role; the audit log keeps it.
    let kept = invitations::listing::roles_by_invitation(t.db.read(), &[detail.invitation.id])
        .await
        .unwrap();
    assert!(kept.is_empty());
    let deleted = audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq("role.deleted"))
        .one(t.db.read())
        .await
        .unwrap()
        .unwrap();
    assert!(deleted.before.unwrap().contains("Risk Viewer"));
}
db_test!(a_role_is_deleted_only_when_nobody_holds_it);

async fn rank_follows_what_a_role_carries_not_its_name(t: &TestDb) {
    demo(t).await;
    let state = t.state();
    let now = Utc::now();
    let op = acting_as(t, DEMO_OPERATOR).await;
    // Called "Helper", but it manages users: only someone with Users.Promote may grant it.
    manage::create(
        &state,
        &op,
        role_form("Helper", &["Users.Read", "Users.Manage"]),
        meta(),
        now,
    )
    .await
    .unwrap();
    let northwind = entity_id(t, "northwind").await;
    let nadia = acting_as(t, DEMO_ADMIN).await;
    let northwind_model = app::backend::entities::find_by_slug(t.db.read(), "northwind")
        .await
        .unwrap()
        .unwrap();
    assert!(!nadia
        .grantable_roles(&northwind_model)
        .contains(&RoleKey::new("helper")));
    let refused = invitations::invite(
        &state,
        &nadia,
        invite_form("helper@example.test", Some(northwind), &["Helper"]),
        meta(),
        now,
    )
    .await;
    assert_eq!(
        field_error(refused, "roles"),
        "You cannot grant the Helper role."
    );
    // Someone holding it is beyond Nadia's rank, though their other role is only Trader.
    let theo = user_by_email(t, DEMO_MEMBER).await;
    roles::set_roles(
        t.db.writer(),
        theo.id,
        &[RoleKey::TRADER, RoleKey::new("helper")],
    )
    .await
    .unwrap();
    let nadia = acting_as(t, DEMO_ADMIN).await;
    assert!(matches!(
        nadia
            .may_user(t.db.read(), Action::ManageUsers, theo.id)
            .await,
        Err(ServiceError::Outranked)
    ));
    assert!(nadia
        .may_user(t.db.read(), Action::ReadUsers, theo.id)
        .await
        .is_ok());
    // A role without Usher permissions stays Nadia's to grant.
    manage::create(&state, &op, role_form("Desk Assistant", &[]), meta(), now)
        .await
        .unwrap();
    let nadia = acting_as(t, DEMO_ADMIN).await;
    assert!(nadia
        .grantable_roles(&northwind_model)
        .contains(&RoleKey::new("desk_assistant")));
}
db_test!(rank_follows_what_a_role_carries_not_its_name);
