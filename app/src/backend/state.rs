use super::config::Config;
use super::events::Events;
use super::external::{ExternalDirectory, HttpDirectory, NoExternalDirectory};
use super::mail::Outbox;
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
    pub events: Events,
    pub outbox: Arc<Outbox>,
    pub external: Arc<dyn ExternalDirectory>,
}

impl AppState {
    /// For tests and tools whose settings are known to be valid.
    pub fn new(db: Db, config: Config) -> Self {
        Self::try_new(db, config).expect("valid mail settings")
    }

    /// Fails with a message naming the setting when the mail settings are unusable.
    pub fn try_new(db: Db, config: Config) -> Result<Self, String> {
        let limiter = SignInLimiter::new(
            config.sign_in_per_ip_per_minute,
            config.sign_in_failures_per_account,
            config.lockout_window,
        );
        let outbox = Outbox::new(&config.mail)?;
        let external: Arc<dyn ExternalDirectory> = match &config.external_directory_url {
            Some(url) => Arc::new(HttpDirectory::new(
                url,
                config.external_directory_token.clone(),
            )),
            None => Arc::new(NoExternalDirectory),
        };
        Ok(Self {
            external,
            db,
            config: Arc::new(config),
            limiter: Arc::new(limiter),
            passwords: PasswordGate::for_this_machine(),
            events: Events::new(),
            outbox,
        })
    }
}
