//! Settings the services need, read once by the server from its environment and flags.

use chrono::TimeDelta;
use std::path::PathBuf;

/// Where outgoing mail goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MailTransport {
    /// An SMTP server, `smtp://user:pass@host:port` (STARTTLS when offered) or `smtps://…`.
    Smtp(String),
    /// A folder of `.eml` files, for development; operators read them on the Mailbox page.
    Files(PathBuf),
}

#[derive(Clone, Debug)]
pub struct MailConfig {
    pub transport: MailTransport,
    /// The From header of every message.
    pub from: String,
}

#[derive(Clone, Debug)]
pub struct Config {
    /// The address people use to reach Usher; every emailed link starts with it.
    pub public_url: String,
    /// Send the session cookie with `Secure` (whenever the public URL is HTTPS).
    pub secure_cookies: bool,
    /// A session ends after this long without a request.
    pub session_idle: TimeDelta,
    /// A session ends this long after sign-in, however active.
    pub session_max: TimeDelta,
    /// Sign-in attempts one IP address may make per minute.
    pub sign_in_per_ip_per_minute: u32,
    /// Failed sign-ins one account may have in `lockout_window` before it must wait.
    pub sign_in_failures_per_account: u32,
    pub lockout_window: TimeDelta,
    pub mail: MailConfig,
    /// Told (best effort) when a user is permanently deleted; none by default.
    pub external_directory_url: Option<String>,
    /// Sent as a bearer token to the external directory.
    pub external_directory_token: Option<String>,
}

impl Config {
    pub fn for_public_url(public_url: &str) -> Self {
        let public_url = public_url.trim_end_matches('/').to_string();
        Self {
            secure_cookies: public_url.starts_with("https://"),
            public_url,
            session_idle: TimeDelta::hours(2),
            session_max: TimeDelta::hours(12),
            sign_in_per_ip_per_minute: 60,
            sign_in_failures_per_account: 10,
            lockout_window: TimeDelta::minutes(15),
            mail: MailConfig {
                transport: MailTransport::Files(PathBuf::from("./data/mail")),
                from: "Usher <no-reply@usher.localhost>".to_string(),
            },
            external_directory_url: None,
            external_directory_token: None,
        }
    }
}
