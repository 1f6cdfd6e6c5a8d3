//! Races settled by the database, each run many times: concurrent Resend leaves one live token,
//! concurrent Accept makes one user, Revoke racing Accept never ends "revoked but member", and
//! inviting one email twice at once makes one record.

use crate::invitation_support::{accept_form, entity_id, form, invite, tokens_mailed_to};
use crate::support::prelude::*;
use app::backend::invitations::accept::{self, LinkProblem};
use app::backend::invitations::{self, Invited};

async fn live_tokens(t: &TestDb, tokens: &[String]) -> usize {
    let mut live = 0;
    for token in tokens {
        if accept::look_up(&t.state(), token, Utc::now())
            .await
            .unwrap()
            .is_ok()
        {
            live += 1;
        }
    }
    live
}

db_test!(concurrent_resends_leave_exactly_one_live_token);
async fn concurrent_resends_leave_exactly_one_live_token(t: &TestDb) {
    demo(t).await;
    let admin = acting_as(t, DEMO_ADMIN).await;
    for round in 0..5 {
        let email = format!("resend.race{round}@example.com");
        let inv = invite(t, &admin, &email, "northwind").await;
        let tasks: Vec<_> = (0..6)
            .map(|_| {
                let (state, admin) = (t.state(), admin.clone());
                tokio::spawn(async move {
                    invitations::resend(&state, &admin, inv.id, meta(), Utc::now()).await
                })
            })
            .collect();
        let mut won = 0;
        for task in tasks {
            match task.await.unwrap() {
                Ok(_) => won += 1,
                Err(ServiceError::Conflict(_)) => {}
                Err(other) => panic!("unexpected: {other:?}"),
            }
        }
        assert!(won >= 1);
        let tokens = tokens_mailed_to(t, &email).await;
        assert_eq!(tokens.len(), 1 + won, "one mail per resend that committed");
        assert_eq!(live_tokens(t, &tokens).await, 1, "round {round}");
        let stored = invitation::Entity::find_by_id(inv.id)
            .one(t.db.read())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored.sent_count, 1 + won as i32);
    }
}

db_test!(concurrent_accepts_of_one_token_create_one_user);
async fn concurrent_accepts_of_one_token_create_one_user(t: &TestDb) {
    demo(t).await;
    let admin = acting_as(t, DEMO_ADMIN).await;
    for round in 0..3 {
        let email = format!("accept.race{round}@example.com");
        invite(t, &admin, &email, "northwind").await;
        let token = tokens_mailed_to(t, &email).await.remove(0);
        let tasks: Vec<_> = (0..4)
            .map(|i| {
                let (state, token) = (t.state(), token.clone());
                tokio::spawn(async move {
                    accept::accept(
                        &state,
                        accept_form(&token, &format!("Racer {i}")),
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
                Err(ServiceError::Invalid(e)) => {
                    assert_eq!(e.get("token"), Some(LinkProblem::Used.message()))
                }
                Err(other) => panic!("unexpected: {other:?}"),
            }
        }
        assert_eq!(created, 1, "round {round}");
        let users = user::Entity::find()
            .filter(user::Column::EmailNormalized.eq(email.as_str()))
            .count(t.db.read())
            .await
            .unwrap();
        assert_eq!(users, 1);
    }
}

db_test!(revoke_racing_accept_never_ends_revoked_but_member);
async fn revoke_racing_accept_never_ends_revoked_but_member(t: &TestDb) {
    demo(t).await;
    let admin = acting_as(t, DEMO_ADMIN).await;
    for round in 0..6 {
        let email = format!("revoke.race{round}@example.com");
        let inv = invite(t, &admin, &email, "northwind").await;
        let token = tokens_mailed_to(t, &email).await.remove(0);
        let (state, admin2) = (t.state(), admin.clone());
        let revoke = tokio::spawn(async move {
            invitations::revoke(&state, &admin2, inv.id, meta(), Utc::now()).await
        });
        let state = t.state();
        let accept = tokio::spawn(async move {
            accept::accept(
                &state,
                accept_form(&token, "Quick Joiner"),
                meta(),
                Utc::now(),
            )
            .await
        });
        let (revoked, accepted) = (revoke.await.unwrap().is_ok(), accept.await.unwrap().is_ok());
        assert!(
            revoked != accepted,
            "exactly one wins (round {round}): revoked {revoked}, accepted {accepted}"
        );
        let stored = invitation::Entity::find_by_id(inv.id)
            .one(t.db.read())
            .await
            .unwrap()
            .unwrap();
        let member = user::Entity::find()
            .filter(user::Column::EmailNormalized.eq(email.as_str()))
            .count(t.db.read())
            .await
            .unwrap();
        match stored.status.as_str() {
            "revoked" => assert_eq!((member, stored.accepted_user_id), (0, None)),
            "accepted" => assert!(member == 1 && stored.accepted_user_id.is_some()),
            other => panic!("status {other}"),
        }
    }
}

db_test!(inviting_one_email_twice_at_once_makes_one_record);
async fn inviting_one_email_twice_at_once_makes_one_record(t: &TestDb) {
    demo(t).await;
    let admin = acting_as(t, DEMO_ADMIN).await;
    let northwind = entity_id(t, "northwind").await;
    for round in 0..5 {
        let email = format!("double.race{round}@example.com");
        let tasks: Vec<_> = (0..6)
            .map(|i| {
                let (state, admin) = (t.state(), admin.clone());
                // Mixed case: the same person however the email is typed.
                let typed = if i % 2 == 0 {
                    email.clone()
                } else {
                    email.to_uppercase()
                };
                tokio::spawn(async move {
                    invitations::invite(
                        &state,
                        &admin,
                        form(&typed, Some(northwind), &["Trader"]),
                        meta(),
                        Utc::now(),
                    )
                    .await
                })
            })
            .collect();
        let mut created = 0;
        for task in tasks {
            match task.await.unwrap().unwrap() {
                Invited::Created(_) => created += 1,
                Invited::AlreadyPending(_) => {}
            }
        }
        assert_eq!(created, 1, "round {round}");
        let records = invitation::Entity::find()
            .filter(invitation::Column::EmailNormalized.eq(email.as_str()))
            .count(t.db.read())
            .await
            .unwrap();
        assert_eq!(records, 1);
    }
}
