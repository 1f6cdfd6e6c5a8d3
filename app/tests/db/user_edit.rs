//! Edit, for admins: one save per version, the rules on account emails and roles, and the
//! notices an address change sends.

use crate::support::prelude::*;
use crate::user_admin::invalid;
use app::backend::users::edit::{edit, EditForm};
use app::backend::Caller;

async fn edit_form(t: &TestDb, email: &str) -> EditForm {
    let user = user_by_email(t, email).await;
    let roles = app::backend::roles::roles_of(t.db.read(), user.id)
        .await
        .unwrap();
    EditForm {
        id: user.id,
        version: user.version,
        name: user.name,
        email: user.email,
        contact_email: user.contact_email.unwrap_or_default(),
        roles: roles.iter().map(|r| r.as_str().to_string()).collect(),
        confirm_email_change: false,
    }
}

async fn save(t: &TestDb, me: &Caller, form: EditForm) -> Result<user::Model, ServiceError> {
    edit(&t.state(), me, form, meta(), Utc::now()).await
}

async fn mails_with_subject(t: &TestDb, to: &str, subject: &str) -> u64 {
    use app::backend::entity::outgoing_mail;
    outgoing_mail::Entity::find()
        .filter(outgoing_mail::Column::ToAddress.eq(to))
        .filter(outgoing_mail::Column::Subject.eq(subject))
        .count(t.db.read())
        .await
        .unwrap()
}

async fn edit_saves_changes_once_and_keeps_the_rules(t: &TestDb) {
    demo(t).await;
    let admin = acting_as(t, DEMO_ADMIN).await;
    let mut form = edit_form(t, DEMO_MEMBER).await;
    let stale = form.clone();
    form.name = "Theo Renamed".into();
    form.contact_email = "theo@home.example".into();
    form.roles = vec!["Trader".into(), "Credit Officer".into()];
    let saved = save(t, &admin, form).await.unwrap();
    assert_eq!(saved.name, "Theo Renamed");
    assert_eq!(saved.contact_email.as_deref(), Some("theo@home.example"));
    assert_eq!(saved.version, stale.version + 1);
    // The address that received the user's other mail until now is told where it goes.
    let notices = mails_with_subject(
        t,
        DEMO_MEMBER,
        "The contact email of your Usher account changed",
    )
    .await;
    assert_eq!(notices, 1);
    let roles = app::backend::roles::roles_of(t.db.read(), saved.id)
        .await
        .unwrap();
    assert_eq!(roles, [RoleKey::CREDIT_OFFICER, RoleKey::TRADER]);
    // The second admin saving over the same version is told; nothing of theirs is written.
    let mut late = stale;
    late.name = "Lost Update".into();
    assert!(matches!(
        save(t, &admin, late).await,
        Err(ServiceError::Conflict(_))
    ));
    assert_eq!(user_by_email(t, DEMO_MEMBER).await.name, "Theo Renamed");

    // Account email of an active user: operators only, with confirmation.
    let mut change = edit_form(t, DEMO_MEMBER).await;
    change.email = "theo.new@northwind.test".into();
    assert!(invalid(save(t, &admin, change.clone()).await)
        .get("email")
        .is_some());
    let operator = acting_as(t, DEMO_OPERATOR).await;
    assert!(invalid(save(t, &operator, change.clone()).await)
        .get("email")
        .is_some());
    let session = sign_in(t, DEMO_MEMBER, DEMO_PASSWORD).await.unwrap();
    change.confirm_email_change = true;
    save(t, &operator, change).await.unwrap();
    assert!(
        !is_live(t, &session, Utc::now()).await,
        "signed out at once"
    );
    sign_in(t, "theo.new@northwind.test", DEMO_PASSWORD)
        .await
        .unwrap();
    // Both addresses are told.
    for to in [DEMO_MEMBER, "theo.new@northwind.test"] {
        let told =
            mails_with_subject(t, to, "The email address of your Usher account changed").await;
        assert_eq!(told, 1, "{to}");
    }

    // Roles: no raising one's own power, no removing what one could not grant.
    let mut own = edit_form(t, DEMO_ADMIN).await;
    own.roles.push("Operator".into());
    assert!(invalid(save(t, &admin, own).await).get("roles").is_some());
    let mut duplicate = edit_form(t, "theo.new@northwind.test").await;
    duplicate.email = "ADMIN@northwind.test".into();
    assert!(invalid(save(t, &operator, duplicate).await)
        .get("email")
        .is_some());
    let mut demote = edit_form(t, DEMO_OPERATOR).await;
    demote.roles = vec!["Trader".into()];
    assert!(invalid(save(t, &operator, demote).await)
        .get("roles")
        .unwrap()
        .contains("last active operator"));
    let actions = audit_actions(t, saved.id).await;
    assert!(actions.iter().filter(|a| *a == "user.updated").count() >= 2);
}
db_test!(edit_saves_changes_once_and_keeps_the_rules);
