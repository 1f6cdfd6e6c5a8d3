//! The development Mailbox: operators read what Usher sent when mail goes to files, not SMTP.

use super::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailSummary {
    pub id: Uuid,
    pub to: String,
    pub subject: String,
    /// queued, sent or failed
    pub status: String,
    pub at: String,
    pub attempts: i32,
    pub last_error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailView {
    pub summary: MailSummary,
    pub text: String,
}

#[cfg(feature = "ssr")]
async fn require_mailbox() -> Result<crate::backend::AppState, AppError> {
    use crate::backend::ServiceError;
    let (state, me) = super::context::require_session().await?;
    if !me.is_operator() {
        return Err(ServiceError::Forbidden.into());
    }
    if !state.outbox.keeps_files() {
        // With a real mail server, mail is not Usher's to show.
        return Err(ServiceError::NotFound.into());
    }
    Ok(state)
}

#[cfg(feature = "ssr")]
fn summary(m: &crate::backend::entity::outgoing_mail::Model) -> MailSummary {
    MailSummary {
        id: m.id,
        to: m.to_address.clone(),
        subject: m.subject.clone(),
        status: m.status.clone(),
        at: super::time::when(m.sent_at.unwrap_or(m.created_at)),
        attempts: m.attempts,
        last_error: m.last_error.clone(),
    }
}

#[server(prefix = "/api", endpoint = "mailbox")]
pub async fn mailbox() -> Result<Vec<MailSummary>, AppError> {
    use crate::backend::entity::outgoing_mail;
    use crate::backend::ServiceError;
    use sea_orm::{EntityTrait, QueryOrder, QuerySelect};
    let state = require_mailbox().await?;
    let mails = outgoing_mail::Entity::find()
        .order_by_desc(outgoing_mail::Column::CreatedAt)
        .order_by_desc(outgoing_mail::Column::Id)
        .limit(100)
        .all(state.db.read())
        .await
        .map_err(ServiceError::from)?;
    Ok(mails.iter().map(summary).collect())
}

#[server(prefix = "/api", endpoint = "mail_message")]
pub async fn mail_message(id: Uuid) -> Result<MailView, AppError> {
    use crate::backend::entity::outgoing_mail;
    use crate::backend::ServiceError;
    use sea_orm::EntityTrait;
    let state = require_mailbox().await?;
    let mail = outgoing_mail::Entity::find_by_id(id)
        .one(state.db.read())
        .await
        .map_err(ServiceError::from)?
        .ok_or(ServiceError::NotFound)?;
    // Delivered mail is read from the folder; the database keeps a body only until then.
    let text = state.outbox.delivered_text(mail.id).await;
    Ok(MailView {
        summary: summary(&mail),
        text: text.unwrap_or(mail.body_text),
    })
}
