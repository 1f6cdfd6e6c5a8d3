//! Invitation services on SQLite and PostgreSQL: Invite User, Revoke, Resend, Delete, Accept.

use crate::invitation_support::*;
use crate::support::prelude::*;
use app::backend::entity::outgoing_mail;
use app::backend::invitations::accept::{self, LinkProblem};
use app::backend::invitations::{self, InviteForm, Invited};
use app::backend::Caller;

db_test!(invite_queues_branded_mail_with_a_link_and_stores_only_the_hash);
async fn invite_queues_branded_mail_with_a_link_and_stores_only_the_hash(t: &TestDb) {
    demo(t).await;
    let me = acting_as(t, DEMO_ADMIN).await;
    let inv = invite(t, &me, "New.Person@Example.com", "northwind").await;
    assert_eq!(inv.status, "pending");
    assert_eq!(inv.email_normalized, "new.person@example.com");
    assert_eq!(audit_actions(t, inv.id).await, ["invitation.created"]);
    let tokens = tokens_mailed_to(t, "New.Person@Example.com").await;
    assert_eq!(tokens.len(), 1);
    assert_ne!(
        tokens[0], inv.token_hash,
        "the token itself is never stored"
    );
    assert_eq!(
        app::backend::secrets::hash_token(&tokens[0]),
        inv.token_hash
    );
    let mail = outgoing_mail::Entity::find()
        .filter(outgoing_mail::Column::ToAddress.eq("New.Person@Example.com"))
        .one(t.db.read())
        .await
        .unwrap()
        .unwrap();
    assert!(mail
        .body_text
        .contains("http://127.0.0.1:3000/accept-invitation#token="));
    assert!(mail
        .subject
        .contains("Nadia Admin invited you to join Northwind Trading"));
    assert!(mail.body_html.contains("Accept invitation"));
    assert_eq!(mail.status, "queued");
    assert_eq!(link(t, &tokens[0]).await, Ok(()));
}

db_test!(invite_checks_every_field_on_the_server);
async fn invite_checks_every_field_on_the_server(t: &TestDb) {
    demo(t).await;
    let state = t.state();
    let admin = acting_as(t, DEMO_ADMIN).await;
    let operator = acting_as(t, DEMO_OPERATOR).await;
    let northwind = entity_id(t, "northwind").await;
    let run = |me: Caller, f: InviteForm| {
        let state = state.clone();
        async move {
            invitations::invite(&state, &me, f, meta(), Utc::now())
                .await
                .map(|_| ())
        }
    };
    assert!(
        field(
            run(admin.clone(), form("not an email", None, &["Trader"])).await,
            "email"
        )
        .len()
            > 5
    );
    assert_eq!(
        field(
            run(admin.clone(), form("a@example.com", None, &[])).await,
            "roles"
        ),
        "Choose at least one role."
    );
    assert_eq!(
        field(
            run(admin.clone(), form("a@example.com", None, &["Admin"])).await,
            "roles"
        ),
        "You cannot grant the Admin role."
    );
    assert!(field(
        run(
            operator.clone(),
            form("a@example.com", Some(northwind), &["Operator"])
        )
        .await,
        "roles"
    )
    .contains("operator entity"));
    assert_eq!(
        field(
            run(operator.clone(), form("a@example.com", None, &["Trader"])).await,
            "entity"
        ),
        "Choose the entity to invite into."
    );
    // Every problem at once: no entity chosen and no role.
    match run(operator.clone(), form("a@example.com", None, &[])).await {
        Err(ServiceError::Invalid(errors)) => {
            assert!(errors.get("entity").is_some() && errors.get("roles").is_some())
        }
        other => panic!("expected field errors, got {other:?}"),
    }
    assert_eq!(
        field(
            run(admin.clone(), form(DEMO_MEMBER, None, &["Trader"])).await,
            "email"
        ),
        invitations::ALREADY_A_USER
    );
    // An operator may grant Admin; a member may not invite at all.
    assert!(run(
        operator,
        form("new.admin@example.com", Some(northwind), &["Admin"])
    )
    .await
    .is_ok());
    let member = acting_as(t, DEMO_MEMBER).await;
    assert!(matches!(
        run(member, form("b@example.com", None, &["Trader"])).await,
        Err(ServiceError::Forbidden)
    ));
    // Nothing half-written: the refused forms left no invitation behind.
    let count = invitation::Entity::find()
        .filter(invitation::Column::EmailNormalized.eq("a@example.com"))
        .count(t.db.read())
        .await
        .unwrap();
    assert_eq!(count, 0);
}

db_test!(inviting_a_pending_email_again_offers_the_same_record);
async fn inviting_a_pending_email_again_offers_the_same_record(t: &TestDb) {
    demo(t).await;
    let me = acting_as(t, DEMO_ADMIN).await;
    let first = invite(t, &me, "twice@example.com", "northwind").await;
    let again = invitations::invite(
        &t.state(),
        &me,
        form("TWICE@example.com", None, &["Trader"]),
        meta(),
        Utc::now(),
    )
    .await
    .unwrap();
    match again {
        Invited::AlreadyPending(d) => assert_eq!(d.invitation.id, first.id),
        Invited::Created(_) => panic!("a second record was made"),
    }
    assert_eq!(tokens_mailed_to(t, "TWICE@example.com").await.len(), 0);
    // The same email may be invited into another entity.
    let operator = acting_as(t, DEMO_OPERATOR).await;
    invite(t, &operator, "twice@example.com", "contoso").await;
}

db_test!(revoke_resend_and_delete_follow_the_lifecycle);
async fn revoke_resend_and_delete_follow_the_lifecycle(t: &TestDb) {
    demo(t).await;
    let state = t.state();
    let admin = acting_as(t, DEMO_ADMIN).await;
    let inv = invite(t, &admin, "cycle@example.com", "northwind").await;
    let first = tokens_mailed_to(t, "cycle@example.com").await.remove(0);

    let revoked = invitations::revoke(&state, &admin, inv.id, meta(), Utc::now())
        .await
        .unwrap();
    assert_eq!(revoked.invitation.status, "revoked");
    assert_eq!(link(t, &first).await, Err(LinkProblem::Revoked));
    assert!(matches!(
        invitations::revoke(&state, &admin, inv.id, meta(), Utc::now()).await,
        Err(ServiceError::Conflict(_))
    ));

    let resent = invitations::resend(&state, &admin, inv.id, meta(), Utc::now())
        .await
        .unwrap();
    assert_eq!(resent.invitation.id, inv.id, "the same record");
    assert_eq!(resent.invitation.status, "pending");
    assert_eq!(resent.invitation.sent_count, 2);
    assert!(resent.invitation.expires_at > inv.expires_at);
    let tokens = tokens_mailed_to(t, "cycle@example.com").await;
    assert_eq!(tokens.len(), 2);
    assert_eq!(
        link(t, &first).await,
        Err(LinkProblem::Unknown),
        "the old link died"
    );
    assert_eq!(link(t, &tokens[1]).await, Ok(()));

    // Delete is for operators only.
    assert!(matches!(
        invitations::delete(&state, &admin, inv.id, meta(), Utc::now()).await,
        Err(ServiceError::Forbidden)
    ));
    let operator = acting_as(t, DEMO_OPERATOR).await;
    invitations::delete(&state, &operator, inv.id, meta(), Utc::now())
        .await
        .unwrap();
    assert!(invitation::Entity::find_by_id(inv.id)
        .one(t.db.read())
        .await
        .unwrap()
        .is_none());
    assert_eq!(
        audit_actions(t, inv.id).await,
        [
            "invitation.created",
            "invitation.revoked",
            "invitation.resent",
            "invitation.deleted"
        ]
    );
}

db_test!(accepting_creates_an_active_member_and_spends_the_token);
async fn accepting_creates_an_active_member_and_spends_the_token(t: &TestDb) {
    demo(t).await;
    let state = t.state();
    let admin = acting_as(t, DEMO_ADMIN).await;
    let inv = invite(t, &admin, "joiner@example.com", "northwind").await;
    let token = tokens_mailed_to(t, "joiner@example.com").await.remove(0);

    let mut weak = accept_form(&token, "Jo Iner");
    weak.password = "password1234".into();
    weak.confirm = "something else".into();
    let result = accept::accept(&state, weak, meta(), Utc::now()).await;
    assert!(
        matches!(&result, Err(ServiceError::Invalid(e)) if e.get("password").is_some() && e.get("confirm_password").is_some())
    );
    assert_eq!(
        link(t, &token).await,
        Ok(()),
        "a failed attempt spends nothing"
    );

    let session = accept::accept(&state, accept_form(&token, "Jo Iner"), meta(), Utc::now())
        .await
        .unwrap();
    let user = user_by_email(t, "joiner@example.com").await;
    assert_eq!(user.status, "active");
    assert_eq!(user.entity_id, inv.entity_id);
    assert_eq!(
        app::backend::roles::roles_of(t.db.read(), user.id)
            .await
            .unwrap(),
        [RoleKey::TRADER]
    );
    assert!(is_live(t, &session, Utc::now()).await);
    assert_eq!(link(t, &token).await, Err(LinkProblem::Used));
    let stored = invitation::Entity::find_by_id(inv.id)
        .one(t.db.read())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.accepted_user_id, Some(user.id));
    assert_eq!(
        audit_actions(t, inv.id).await,
        ["invitation.created", "invitation.accepted"]
    );
    assert!(sign_in(
        t,
        "joiner@example.com",
        "violet kettle across ninety meadows"
    )
    .await
    .is_ok());
    let again = accept::accept(&state, accept_form(&token, "Jo Iner"), meta(), Utc::now()).await;
    assert_eq!(field(again, "token"), LinkProblem::Used.message());
}

db_test!(a_link_works_until_its_expiry_and_not_after);
async fn a_link_works_until_its_expiry_and_not_after(t: &TestDb) {
    demo(t).await;
    let state = t.state();
    let admin = acting_as(t, DEMO_ADMIN).await;
    let inv = invite(t, &admin, "late@example.com", "northwind").await;
    let token = tokens_mailed_to(t, "late@example.com").await.remove(0);
    let second = TimeDelta::seconds(1);
    let late = accept::accept(
        &state,
        accept_form(&token, "Late Comer"),
        meta(),
        inv.expires_at + second,
    )
    .await;
    assert_eq!(field(late, "token"), LinkProblem::Expired.message());
    assert!(accept::accept(
        &state,
        accept_form(&token, "Late Comer"),
        meta(),
        inv.expires_at - second
    )
    .await
    .is_ok());
}
