use crate::domain::{Denied, FieldErrors};
use sea_orm::{DbErr, SqlErr};

/// What a service call can end in. Database text stays on the server.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("not signed in")]
    Unauthenticated,
    #[error("wrong email or password")]
    BadCredentials,
    #[error("not found")]
    NotFound,
    #[error("forbidden")]
    Forbidden,
    /// The target holds more access than the caller could grant (the rank rule).
    #[error("outranked")]
    Outranked,
    /// Signed in with a one-time password that has not been changed yet.
    #[error("password change required")]
    PasswordChangeRequired,
    #[error("invalid input: {0}")]
    Invalid(FieldErrors),
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("rate limited for {retry_after_secs}s")]
    RateLimited { retry_after_secs: u64 },
    #[error("database: {0}")]
    Db(#[from] DbErr),
    #[error("internal: {0}")]
    Internal(String),
}

impl From<Denied> for ServiceError {
    fn from(denied: Denied) -> Self {
        match denied {
            Denied::NotFound => Self::NotFound,
            Denied::Forbidden => Self::Forbidden,
        }
    }
}

impl From<FieldErrors> for ServiceError {
    fn from(errors: FieldErrors) -> Self {
        Self::Invalid(errors)
    }
}

/// True when the error is a unique-constraint violation (a duplicate the database refused).
pub fn is_unique_violation(error: &DbErr) -> bool {
    matches!(error.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))
}
