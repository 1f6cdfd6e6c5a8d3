//! Settings the services need, read once by the server from its environment and flags.

use chrono::TimeDelta;

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
        }
    }
}
