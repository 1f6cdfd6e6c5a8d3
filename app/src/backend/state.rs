use super::config::Config;
use super::passwords::PasswordGate;
use super::rate_limit::SignInLimiter;
use super::Db;
use std::sync::Arc;

/// What every request handler and server function reaches through context.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<Config>,
    pub limiter: Arc<SignInLimiter>,
    pub passwords: PasswordGate,
}

impl AppState {
    pub fn new(db: Db, config: Config) -> Self {
        let limiter = SignInLimiter::new(
            config.sign_in_per_ip_per_minute,
            config.sign_in_failures_per_account,
            config.lockout_window,
        );
        Self {
            db,
            config: Arc::new(config),
            limiter: Arc::new(limiter),
            passwords: PasswordGate::for_this_machine(),
        }
    }
}
