//! Migrations, the role catalogue, demo data and the constraints the database enforces.

use crate::support::prelude::*;
use app::domain::Catalogue;

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
    let expected: HashSet<String> = Catalogue::built_in()
        .get(&RoleKey::ADMIN)
        .unwrap()
        .permissions
        .iter()
        .map(|p| p.as_str().to_string())
        .collect();
    assert_eq!(admin_permissions, expected);
    assert!(!admin_permissions.contains(Permission::UsersPromote.as_str()));
    // Applying the migrations again changes nothing.
    t.db.migrate().await.unwrap();
    assert_eq!(role::Entity::find().count(t.db.read()).await.unwrap(), 5);
}
db_test!(migrations_seed_the_role_catalogue);

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
db_test!(demo_data_has_every_status_and_every_invitation_state);

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
db_test!(the_database_allows_one_pending_invitation_per_entity_and_email);
