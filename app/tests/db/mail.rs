//! The outbox against a real SMTP server (aiosmtpd, a local sink from PyPI) and the file
//! transport: delivered mail is complete, and a mail server that is down loses nothing.

use crate::invitation_support::invite;
use crate::support::prelude::*;
use crate::support::test_config;
use app::backend::config::MailTransport;
use app::backend::entity::outgoing_mail;
use app::backend::mail::{self, Mail};
use app::backend::AppState;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::Duration;

/// The Python that has aiosmtpd (`make mail-tools` installs it).
fn sink_python() -> Option<PathBuf> {
    let python = std::env::var_os("USHER_SMTP_SINK_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var("HOME").unwrap_or_default())
                .join(".cache/usher-tools/venv/bin/python")
        });
    let works = Command::new(&python)
        .args(["-c", "import aiosmtpd"])
        .output()
        .is_ok_and(|o| o.status.success());
    if works {
        return Some(python);
    }
    if std::env::var("USHER_REQUIRE_SMTP_SINK").is_ok_and(|v| v == "1") {
        panic!("aiosmtpd is required (USHER_REQUIRE_SMTP_SINK=1) but {} cannot import it; run `make mail-tools`", python.display());
    }
    eprintln!("aiosmtpd not installed: SMTP test skipped (make mail-tools)");
    None
}

struct Sink {
    child: Child,
}

impl Sink {
    async fn start(python: &Path, port: u16, maildir: &Path) -> Self {
        let mut child = Command::new(python)
            .args([
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                &format!("127.0.0.1:{port}"),
                "-c",
                "aiosmtpd.handlers.Mailbox",
            ])
            .arg(maildir)
            .spawn()
            .expect("start aiosmtpd");
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                return Self { child };
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("aiosmtpd did not start listening on {port}");
    }

    fn stop(self) {}
}

/// A failing test still stops its sink.
impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn delivered(maildir: &Path) -> Vec<String> {
    std::fs::read_dir(maildir.join("new"))
        .map(|dir| {
            dir.filter_map(|e| std::fs::read_to_string(e.ok()?.path()).ok())
                .collect()
        })
        .unwrap_or_default()
}

fn state_with(t: &TestDb, transport: MailTransport) -> AppState {
    let mut config = test_config();
    config.mail.transport = transport;
    AppState::new(t.db.clone(), config)
}

async fn statuses(t: &TestDb) -> Vec<(String, i32)> {
    let mut rows = outgoing_mail::Entity::find()
        .all(t.db.read())
        .await
        .unwrap();
    rows.sort_by_key(|m| m.id);
    rows.into_iter().map(|m| (m.status, m.attempts)).collect()
}

fn note(i: usize) -> Mail {
    Mail {
        to: format!("person{i}@example.com"),
        subject: format!("Note {i}"),
        text: "Hello".into(),
        html: "<p>Hello</p>".into(),
    }
}

db_test!(smtp_delivery_survives_a_mail_server_that_is_down);
async fn smtp_delivery_survives_a_mail_server_that_is_down(t: &TestDb) {
    let Some(python) = sink_python() else { return };
    demo(t).await;
    let port = free_port();
    let maildir = std::env::temp_dir().join(format!("usher-maildir-{}", uuid::Uuid::new_v4()));
    let state = state_with(t, MailTransport::Smtp(format!("smtp://127.0.0.1:{port}")));
    let admin = acting_as(t, DEMO_ADMIN).await;
    invite(t, &admin, "smtp.person@example.com", "northwind").await;

    // The server is down: the message stays queued with a later retry, nothing is lost.
    let now = Utc::now();
    let report = mail::deliver_due(&t.db, &state.outbox, now, 10)
        .await
        .unwrap();
    assert_eq!((report.sent, report.retrying), (0, 1));
    let row = outgoing_mail::Entity::find()
        .one(t.db.read())
        .await
        .unwrap()
        .unwrap();
    assert_eq!((row.status.as_str(), row.attempts), ("queued", 1));
    assert!(row.next_attempt_at > now && row.last_error.is_some());

    let sink = Sink::start(&python, port, &maildir).await;
    assert_eq!(
        mail::deliver_due(&t.db, &state.outbox, now, 10)
            .await
            .unwrap()
            .sent,
        0,
        "not due before its backoff"
    );
    let later = now + TimeDelta::minutes(5);
    assert_eq!(
        mail::deliver_due(&t.db, &state.outbox, later, 10)
            .await
            .unwrap()
            .sent,
        1
    );
    let messages = delivered(&maildir);
    assert_eq!(messages.len(), 1);
    let message = &messages[0];
    assert!(message.contains("To: smtp.person@example.com"));
    assert!(message.contains("Subject: Nadia Admin invited you to join Northwind Trading"));
    assert!(message.contains("multipart/alternative"));
    assert!(message.contains("text/html"));
    assert!(message.contains("accept-invitation#token="));
    let row = outgoing_mail::Entity::find()
        .one(t.db.read())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.status, "sent");
    assert!(
        row.body_text.is_empty(),
        "bodies with live links are dropped once delivered"
    );

    // Stopped mid-run: whatever was queued waits, and goes once the server is back.
    let txn = t.db.begin().await.unwrap();
    mail::enqueue(&txn, (0..3).map(note).collect(), later)
        .await
        .unwrap();
    txn.commit().await.unwrap();
    sink.stop();
    let report = mail::deliver_due(&t.db, &state.outbox, later, 10)
        .await
        .unwrap();
    assert_eq!((report.sent, report.retrying), (0, 3));
    let sink = Sink::start(&python, port, &maildir).await;
    let report = mail::deliver_due(&t.db, &state.outbox, later + TimeDelta::hours(1), 10)
        .await
        .unwrap();
    assert_eq!(report.sent, 3);
    assert_eq!(delivered(&maildir).len(), 4);
    assert!(statuses(t).await.iter().all(|(s, _)| s == "sent"));
    sink.stop();
    let _ = std::fs::remove_dir_all(&maildir);
}

db_test!(file_transport_writes_eml_files_and_fails_bad_addresses_for_good);
async fn file_transport_writes_eml_files_and_fails_bad_addresses_for_good(t: &TestDb) {
    let dir = std::env::temp_dir().join(format!("usher-mail-{}", uuid::Uuid::new_v4()));
    let state = state_with(t, MailTransport::Files(dir.clone()));
    let now = Utc::now();
    let txn = t.db.begin().await.unwrap();
    mail::enqueue(
        &txn,
        vec![
            note(1),
            Mail {
                to: "not an address".into(),
                ..note(2)
            },
        ],
        now,
    )
    .await
    .unwrap();
    txn.commit().await.unwrap();
    let report = mail::deliver_due(&t.db, &state.outbox, now, 10)
        .await
        .unwrap();
    assert_eq!(
        (report.sent, report.failed),
        (1, 1),
        "a malformed address fails at once, for good"
    );
    let files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .collect();
    let eml_files: Vec<_> = files
        .iter()
        .filter(|f| f.path().extension().is_some_and(|e| e == "eml"))
        .collect();
    assert_eq!(eml_files.len(), 1);
    let eml = std::fs::read_to_string(eml_files[0].path()).unwrap();
    assert!(eml.contains("Subject: Note 1"));
    let mut got = statuses(t).await;
    got.sort();
    assert_eq!(got, [("failed".to_string(), 1), ("sent".to_string(), 1)]);
    // Once written to the folder, the database keeps no body (no live link in a dump); the
    // Mailbox reads the text from the folder.
    let sent = outgoing_mail::Entity::find()
        .filter(outgoing_mail::Column::Status.eq("sent"))
        .one(t.db.read())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(sent.body_text, "");
    assert_eq!(sent.body_html, "");
    assert_eq!(
        state.outbox.delivered_text(sent.id).await.as_deref(),
        Some("Hello")
    );
    let _ = std::fs::remove_dir_all(&dir);
}
