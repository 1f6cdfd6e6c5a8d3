//! Outgoing mail. A change that causes mail writes an outbox row in its own transaction
//! (`enqueue`), so mail goes out exactly for the changes that committed; `deliver_due` sends what
//! is due through lettre (SMTP, or `.eml` files in development) and retries with backoff, so a
//! mail server that is down loses nothing.

pub mod templates;

use super::config::{MailConfig, MailTransport};
use super::entity::outgoing_mail;
use super::Db;
use chrono::{DateTime, TimeDelta, Utc};
use lettre::message::{header::ContentType, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::AsyncSmtpTransport;
use lettre::{AsyncTransport, Message, Tokio1Executor};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use std::path::PathBuf;
use std::sync::Arc;
use tokio::sync::Notify;
use uuid::Uuid;

/// A message about to be queued.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// After this many failed attempts a message is marked failed and left for an operator.
pub const MAX_ATTEMPTS: i32 = 10;
/// How long a worker may hold a message it is sending before another worker may try it.
const CLAIM: TimeDelta = TimeDelta::minutes(2);

/// The wait before attempt `attempts + 1`: 15 s, 30 s, 1 min, … capped at an hour.
pub fn backoff(attempts: i32) -> TimeDelta {
    let exponent = attempts.clamp(1, 12) as u32 - 1;
    TimeDelta::seconds((15_i64 << exponent).min(3600))
}

pub fn is_valid_from(from: &str) -> bool {
    from.trim().parse::<Mailbox>().is_ok()
}

fn row(mail: Mail, now: DateTime<Utc>) -> outgoing_mail::ActiveModel {
    outgoing_mail::ActiveModel {
        id: Set(Uuid::now_v7()),
        to_address: Set(mail.to),
        subject: Set(mail.subject),
        body_text: Set(mail.text),
        body_html: Set(mail.html),
        status: Set("queued".into()),
        attempts: Set(0),
        next_attempt_at: Set(now),
        last_error: Set(None),
        created_at: Set(now),
        sent_at: Set(None),
    }
}

/// Queues mail in the caller's transaction.
pub async fn enqueue<C: ConnectionTrait>(
    conn: &C,
    mails: Vec<Mail>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let mut rows: Vec<_> = mails.into_iter().map(|m| row(m, now)).collect();
    // Multi-row statements, kept under SQLite's limit on bound parameters.
    while !rows.is_empty() {
        let rest = rows.split_off(rows.len().min(500));
        outgoing_mail::Entity::insert_many(std::mem::replace(&mut rows, rest))
            .exec_without_returning(conn)
            .await?;
    }
    Ok(())
}

enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Files(PathBuf),
}

/// The delivery side: the transport, the sender address, and a bell that wakes the worker as
/// soon as something was queued.
pub struct Outbox {
    transport: Transport,
    from: Mailbox,
    wake: Notify,
}

impl Outbox {
    pub fn new(config: &MailConfig) -> Result<Arc<Self>, String> {
        let from = config
            .from
            .trim()
            .parse::<Mailbox>()
            .map_err(|e| format!("USHER_MAIL_FROM: {e}"))?;
        let transport = match &config.transport {
            MailTransport::Smtp(url) => Transport::Smtp(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| format!("SMTP_URL: {e}"))?
                    .timeout(Some(std::time::Duration::from_secs(20)))
                    .build(),
            ),
            MailTransport::Files(dir) => Transport::Files(dir.clone()),
        };
        Ok(Arc::new(Self {
            transport,
            from,
            wake: Notify::new(),
        }))
    }

    /// True in development, where mail is written to files and operators read it in Usher.
    pub fn keeps_files(&self) -> bool {
        matches!(self.transport, Transport::Files(_))
    }

    /// The plain text of a message written to the mail folder, for the Mailbox.
    pub async fn delivered_text(&self, id: uuid::Uuid) -> Option<String> {
        match &self.transport {
            Transport::Files(dir) => tokio::fs::read_to_string(dir.join(format!("{id}.txt")))
                .await
                .ok(),
            Transport::Smtp(_) => None,
        }
    }

    /// Call after a transaction that queued mail has committed.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    pub async fn woken(&self) {
        self.wake.notified().await
    }

    fn message(&self, mail: &outgoing_mail::Model) -> Result<Message, String> {
        let to: Mailbox = mail
            .to_address
            .parse()
            .map_err(|e| format!("recipient address: {e}"))?;
        Message::builder()
            .message_id(Some(format!("<{}@usher>", mail.id)))
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject.clone())
            .multipart(
                MultiPart::alternative()
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_PLAIN)
                            .body(mail.body_text.clone()),
                    )
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_HTML)
                            .body(mail.body_html.clone()),
                    ),
            )
            .map_err(|e| format!("message: {e}"))
    }

    /// Sends one message. `Err((permanent, reason))` when it did not go.
    async fn send(&self, mail: &outgoing_mail::Model) -> Result<(), (bool, String)> {
        let message = self.message(mail).map_err(|e| (true, e))?;
        match &self.transport {
            Transport::Smtp(smtp) => smtp.send(message).await.map(|_| ()).map_err(|e| {
                let permanent = e.is_permanent();
                (permanent, e.to_string())
            }),
            Transport::Files(dir) => {
                let write = async {
                    tokio::fs::create_dir_all(dir).await?;
                    let file = dir.join(format!("{}.eml", mail.id));
                    let partial = dir.join(format!(".{}.eml.partial", mail.id));
                    tokio::fs::write(&partial, message.formatted()).await?;
                    tokio::fs::rename(&partial, &file).await?;
                    // The Mailbox shows the plain text from here: the database keeps no body
                    // (and so no live link) once a message is delivered.
                    let text = dir.join(format!("{}.txt", mail.id));
                    let partial = dir.join(format!(".{}.txt.partial", mail.id));
                    tokio::fs::write(&partial, mail.body_text.as_bytes()).await?;
                    tokio::fs::rename(&partial, &text).await?;
                    Ok::<_, std::io::Error>(file)
                };
                match write.await {
                    Ok(file) => {
                        tracing::info!(to = %mail.to_address, subject = %mail.subject, file = %file.display(), "mail written");
                        Ok(())
                    }
                    Err(e) => Err((false, format!("writing the .eml file: {e}"))),
                }
            }
        }
    }
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct DeliveryReport {
    pub sent: usize,
    pub retrying: usize,
    pub failed: usize,
}

/// Sends up to `batch` due messages. Each is claimed with a conditional update first, so several
/// workers (or several Usher instances on one PostgreSQL) never send the same message twice.
pub async fn deliver_due(
    db: &Db,
    outbox: &Outbox,
    now: DateTime<Utc>,
    batch: u64,
) -> Result<DeliveryReport, DbErr> {
    use outgoing_mail::Column as C;
    let due = outgoing_mail::Entity::find()
        .filter(C::Status.eq("queued"))
        .filter(C::NextAttemptAt.lte(now))
        .order_by_asc(C::NextAttemptAt)
        .limit(batch)
        .all(db.writer())
        .await?;
    let mut report = DeliveryReport::default();
    for mail in due {
        let claimed = outgoing_mail::Entity::update_many()
            .col_expr(C::Attempts, Expr::col(C::Attempts).add(1))
            .col_expr(C::NextAttemptAt, Expr::value(now + CLAIM))
            .filter(C::Id.eq(mail.id))
            .filter(C::Status.eq("queued"))
            .filter(C::Attempts.eq(mail.attempts))
            .exec(db.writer())
            .await?;
        if claimed.rows_affected != 1 {
            continue;
        }
        let attempts = mail.attempts + 1;
        let update = outgoing_mail::Entity::update_many().filter(C::Id.eq(mail.id));
        match outbox.send(&mail).await {
            Ok(()) => {
                // The bodies carry live links; once delivered (to the mail server or the
                // folder), the database keeps none, so a dump of it hands out no link.
                update
                    .col_expr(C::Status, Expr::value("sent"))
                    .col_expr(C::SentAt, Expr::value(Some(now)))
                    .col_expr(C::LastError, Expr::value(Option::<String>::None))
                    .col_expr(C::BodyText, Expr::value(""))
                    .col_expr(C::BodyHtml, Expr::value(""))
                    .exec(db.writer())
                    .await?;
                report.sent += 1;
            }
            Err((permanent, reason)) => {
                let give_up = permanent || attempts >= MAX_ATTEMPTS;
                tracing::warn!(mail = %mail.id, attempts, give_up, error = %reason, "mail not delivered");
                let mut failed = update.col_expr(C::LastError, Expr::value(Some(reason)));
                if give_up {
                    failed = failed
                        .col_expr(C::Status, Expr::value("failed"))
                        .col_expr(C::BodyText, Expr::value(""))
                        .col_expr(C::BodyHtml, Expr::value(""));
                    report.failed += 1;
                } else {
                    failed =
                        failed.col_expr(C::NextAttemptAt, Expr::value(now + backoff(attempts)));
                    report.retrying += 1;
                }
                failed.exec(db.writer()).await?;
            }
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        assert_eq!(backoff(1), TimeDelta::seconds(15));
        assert_eq!(backoff(2), TimeDelta::seconds(30));
        assert_eq!(backoff(5), TimeDelta::seconds(240));
        assert_eq!(backoff(9), TimeDelta::seconds(3600));
        assert_eq!(backoff(50), TimeDelta::seconds(3600));
    }

    #[test]
    fn from_addresses_are_checked() {
        assert!(is_valid_from("Usher <no-reply@example.com>"));
        assert!(!is_valid_from("not an address"));
    }
}
