//! Invitation services on SQLite and PostgreSQL: each action, each permission, the mail.

use crate::support::prelude::*;
use app::backend::entity::outgoing_mail;
use app::backend::invitations::accept::{self, AcceptForm, LinkProblem};
use app::backend::invitations::bulk::{self, BulkRow, RowCheck, RowResult};
use app::backend::invitations::listing::{self, Filter};
use app::backend::invitations::{self, InviteForm, Invited};
use app::backend::sessions::SessionUser;
use sea_orm::QueryOrder;

pub async fn entity_id(t: &TestDb, slug: &str) -> uuid::Uuid {
    app::backend::entities::find_by_slug(t.db.read(), slug)
        .await
        .unwrap()
        .unwrap()
        .id
}

pub fn form(email: &str, entity: Option<uuid::Uuid>, roles: &[&str]) -> InviteForm {
    InviteForm {
        email: email.into(),
        entity_id: entity,
        roles: roles.iter().map(|r| r.to_string()).collect(),
    }
}

/// The tokens in every invitation mail queued for `to`, oldest first.
pub async fn tokens_mailed_to(t: &TestDb, to: &str) -> Vec<String> {
    outgoing_mail::Entity::find()
        .filter(outgoing_mail::Column::ToAddress.eq(to))
        .order_by_asc(outgoing_mail::Column::Id)
        .all(t.db.read())
        .await
        .unwrap()
        .iter()
        .filter_map(|m| {
            let start = m.body_text.find("#token=")? + "#token=".len();
            Some(m.body_text[start..].split_whitespace().next()?.to_string())
        })
        .collect()
}

pub async fn invite(t: &TestDb, me: &SessionUser, email: &str, slug: &str) -> invitation::Model {
    let entity = entity_id(t, slug).await;
    match invitations::invite(
        &t.state(),
        me,
        form(email, Some(entity), &["Trader"]),
        meta(),
        Utc::now(),
    )
    .await
    .unwrap()
    {
        Invited::Created(d) => d.invitation,
        Invited::AlreadyPending(_) => panic!("{email} was already invited"),
    }
}

pub fn accept_form(token: &str, name: &str) -> AcceptForm {
    AcceptForm {
        token: token.into(),
        name: name.into(),
        password: "violet kettle across ninety meadows".into(),
        confirm: "violet kettle across ninety meadows".into(),
    }
}

async fn link(t: &TestDb, token: &str) -> Result<(), LinkProblem> {
    accept::look_up(&t.state(), token, Utc::now())
        .await
        .unwrap()
        .map(|_| ())
}

fn field(result: Result<impl std::fmt::Debug, ServiceError>, name: &str) -> String {
    match result {
        Err(ServiceError::Invalid(errors)) => errors
            .get(name)
            .unwrap_or_else(|| panic!("no {name} error in {errors:?}"))
            .to_string(),
        other => panic!("expected a field error on {name}, got {other:?}"),
    }
}

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
    let run = |me: SessionUser, f: InviteForm| {
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

db_test!(entity_admins_cannot_reach_another_entitys_invitations);
async fn entity_admins_cannot_reach_another_entitys_invitations(t: &TestDb) {
    demo(t).await;
    let state = t.state();
    let operator = acting_as(t, DEMO_OPERATOR).await;
    let theirs = invite(t, &operator, "contoso.hire@example.com", "contoso").await;
    let admin = acting_as(t, DEMO_ADMIN).await;
    let now = Utc::now();
    assert!(matches!(
        invitations::revoke(&state, &admin, theirs.id, meta(), now).await,
        Err(ServiceError::NotFound)
    ));
    assert!(matches!(
        invitations::resend(&state, &admin, theirs.id, meta(), now).await,
        Err(ServiceError::NotFound)
    ));
    assert!(matches!(
        invitations::delete(&state, &admin, theirs.id, meta(), now).await,
        Err(ServiceError::NotFound)
    ));
    let contoso = entity_id(t, "contoso").await;
    let filter = Filter {
        entity_id: Some(contoso),
        limit: 50,
        ..Default::default()
    };
    assert!(matches!(
        listing::list(t.db.read(), &admin, &filter, now).await,
        Err(ServiceError::NotFound)
    ));
    let own = listing::list(
        t.db.read(),
        &admin,
        &Filter {
            limit: 200,
            ..Default::default()
        },
        now,
    )
    .await
    .unwrap();
    let northwind = entity_id(t, "northwind").await;
    assert!(own.total > 0);
    assert!(own.rows.iter().all(|d| d.invitation.entity_id == northwind));
    // Operators see every entity at once.
    let all = listing::list(
        t.db.read(),
        &operator,
        &Filter {
            limit: 200,
            ..Default::default()
        },
        now,
    )
    .await
    .unwrap();
    assert!(all.rows.iter().any(|d| d.invitation.entity_id == contoso));
    assert!(all.total > own.total);
}

db_test!(list_filters_by_computed_status_search_and_pages_by_keyset);
async fn list_filters_by_computed_status_search_and_pages_by_keyset(t: &TestDb) {
    demo(t).await;
    let operator = acting_as(t, DEMO_OPERATOR).await;
    let now = Utc::now();
    let list = |filter: Filter| {
        let operator = operator.clone();
        let db = t.db.clone();
        async move {
            listing::list(db.read(), &operator, &filter, now)
                .await
                .unwrap()
        }
    };
    for status in InvitationStatus::ALL {
        let page = list(Filter {
            status: Some(status),
            limit: 200,
            ..Default::default()
        })
        .await;
        assert!(page.total > 0, "demo data has {status:?}");
        assert!(
            page.rows.iter().all(|d| d.status(now) == status),
            "{status:?}"
        );
    }
    // Text is text: LIKE wildcards and quotes match literally (nothing here has them).
    for odd in ["%", "_", "\\", "'\"", "🙂", &"x".repeat(10_000)] {
        assert_eq!(
            list(Filter {
                search: odd.to_string(),
                limit: 10,
                ..Default::default()
            })
            .await
            .total,
            0,
            "{odd:.10}"
        );
    }
    let found = list(Filter {
        search: "LATE.join".into(),
        limit: 10,
        ..Default::default()
    })
    .await;
    assert!(
        found.total >= 1
            && found
                .rows
                .iter()
                .all(|d| d.invitation.email.contains("late.joiner"))
    );
    // Pages of 3 cover every row exactly once, in order.
    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let page = list(Filter {
            after,
            limit: 3,
            ..Default::default()
        })
        .await;
        seen.extend(
            page.rows
                .iter()
                .map(|d| (d.invitation.last_sent_at, d.invitation.id)),
        );
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    let total = list(Filter {
        limit: 1,
        ..Default::default()
    })
    .await
    .total as usize;
    assert_eq!(seen.len(), total);
    let mut sorted = seen.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(seen, sorted);
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
        [RoleKey::Trader]
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

db_test!(bulk_invite_previews_then_invites_resends_and_skips_per_row);
async fn bulk_invite_previews_then_invites_resends_and_skips_per_row(t: &TestDb) {
    demo(t).await;
    let state = t.state();
    let operator = acting_as(t, DEMO_OPERATOR).await;
    invite(t, &operator, "already.pending@example.com", "northwind").await;
    let csv = format!(
        "email,roles,entity\nfresh.one@example.com,Trader;Market Maker,northwind\n{DEMO_MEMBER},Trader,northwind\nalready.pending@example.com,Trader,northwind\nnot-an-email,Trader,northwind\nsomeone@example.com,Trader,atlantis\nfresh.one@example.com,Trader,northwind\nfresh.two@example.com,Pilot,contoso\n"
    );
    let rows = bulk::parse(&csv).unwrap();
    let before = invitation::Entity::find().count(t.db.read()).await.unwrap();
    let checked = bulk::check(t.db.read(), &operator, rows.clone())
        .await
        .unwrap();
    let checks: Vec<_> = checked.iter().map(|c| c.check.clone()).collect();
    assert_eq!(checks[0], RowCheck::Invite);
    assert_eq!(checks[1], RowCheck::AlreadyUser);
    assert!(matches!(checks[2], RowCheck::Resend(_)));
    assert!(matches!(&checks[3], RowCheck::Invalid(_)));
    assert!(matches!(&checks[4], RowCheck::Invalid(r) if r.contains("atlantis")));
    assert!(matches!(&checks[5], RowCheck::Invalid(r) if r.contains("line 2")));
    assert!(matches!(&checks[6], RowCheck::Invalid(r) if r.contains("Pilot")));
    assert_eq!(
        before,
        invitation::Entity::find().count(t.db.read()).await.unwrap(),
        "the preview wrote nothing"
    );

    let done = bulk::run(&state, &operator, rows, meta(), Utc::now())
        .await
        .unwrap();
    let results: Vec<_> = done.iter().map(|(_, r)| r.clone()).collect();
    assert_eq!(results[0], RowResult::Invited);
    assert_eq!(results[1], RowResult::SkippedUser);
    assert_eq!(results[2], RowResult::Resent);
    assert!(results[3..]
        .iter()
        .all(|r| matches!(r, RowResult::Invalid(_))));
    assert_eq!(
        invitation::Entity::find().count(t.db.read()).await.unwrap(),
        before + 1
    );
    assert_eq!(
        tokens_mailed_to(t, "already.pending@example.com")
            .await
            .len(),
        2
    );
    let fresh = tokens_mailed_to(t, "fresh.one@example.com").await;
    assert_eq!(fresh.len(), 1);
    assert_eq!(link(t, &fresh[0]).await, Ok(()));

    // An entity admin's file may not name another entity.
    let admin = acting_as(t, DEMO_ADMIN).await;
    let rows = vec![BulkRow {
        line: 1,
        email: "x@example.com".into(),
        roles: "Trader".into(),
        entity: "contoso".into(),
    }];
    let checked = bulk::check(t.db.read(), &admin, rows).await.unwrap();
    assert!(
        matches!(&checked[0].check, RowCheck::Invalid(r) if r.contains("only invite into Northwind"))
    );
}
