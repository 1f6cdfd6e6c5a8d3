//! What the invitation tests share: entities by slug, forms, the links mailed to someone.

use crate::support::prelude::*;
use app::backend::entity::outgoing_mail;
use app::backend::invitations::accept::{self, AcceptForm, LinkProblem};
use app::backend::invitations::{self, InviteForm, Invited};
use app::backend::Caller;
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

pub async fn invite(t: &TestDb, me: &Caller, email: &str, slug: &str) -> invitation::Model {
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

pub async fn link(t: &TestDb, token: &str) -> Result<(), LinkProblem> {
    accept::look_up(&t.state(), token, Utc::now())
        .await
        .unwrap()
        .map(|_| ())
}

pub fn field(result: Result<impl std::fmt::Debug, ServiceError>, name: &str) -> String {
    match result {
        Err(ServiceError::Invalid(errors)) => errors
            .get(name)
            .unwrap_or_else(|| panic!("no {name} error in {errors:?}"))
            .to_string(),
        other => panic!("expected a field error on {name}, got {other:?}"),
    }
}
