use crate::domain::FieldErrors;
use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

/// The one error that crosses the wire. Its text is what the person sees: it says what to do
/// next and never carries database or internal detail (that is logged under `request_id`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("Your session has ended. Sign in again.")]
    Unauthenticated,
    #[error("Wrong email or password.")]
    BadCredentials,
    #[error("You do not have permission to do that.")]
    Forbidden,
    #[error("This person has more access than you can grant, so you cannot change their account. Ask an operator.")]
    Outranked,
    #[error("Choose your own password first: you signed in with a one-time password. Until you change it, Usher allows only changing it and signing out.")]
    PasswordChangeRequired,
    #[error("We could not find that. It may have been removed, or you may not have access to it.")]
    NotFound,
    #[error("Check the highlighted fields: {0}")]
    Invalid(FieldErrors),
    #[error("{0} Reload to see the latest version, then try again.")]
    Conflict(String),
    #[error("Too many attempts. Wait {retry_after_secs} seconds, then try again.")]
    RateLimited { retry_after_secs: u64 },
    #[error("Something went wrong on our side. Try again in a moment; if it keeps happening, give your operator this reference: {request_id}.")]
    Internal { request_id: String },
    #[error("Usher could not be reached. Check your connection and try again. ({0})")]
    Transport(String),
    /// The request itself was malformed (a client's mistake, never the server's).
    #[error("Usher did not understand that request. Reload the page and try again.")]
    BadRequest,
}

impl AppError {
    /// The message for one form field, if this error is about it.
    pub fn field(&self, name: &str) -> Option<String> {
        match self {
            Self::Invalid(errors) => errors.get(name).map(str::to_string),
            _ => None,
        }
    }

    /// A line for the top of a form: field errors stand next to their fields instead.
    pub fn summary(&self) -> String {
        match self {
            Self::Invalid(_) => "Check the highlighted fields.".to_string(),
            other => other.to_string(),
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            // Arguments that do not parse came from the caller: 400, not a server error.
            ServerFnErrorErr::Args(_)
            | ServerFnErrorErr::MissingArg(_)
            | ServerFnErrorErr::Deserialization(_) => {
                #[cfg(feature = "ssr")]
                if let Some(response) =
                    leptos::prelude::use_context::<leptos_axum::ResponseOptions>()
                {
                    response.set_status(http::StatusCode::BAD_REQUEST);
                }
                Self::BadRequest
            }
            ServerFnErrorErr::Request(detail) | ServerFnErrorErr::Response(detail) => {
                Self::Transport(detail)
            }
            other => Self::Transport(other.to_string()),
        }
    }
}

#[cfg(feature = "ssr")]
mod from_service {
    use super::AppError;
    use crate::backend::ServiceError;

    impl From<ServiceError> for AppError {
        fn from(error: ServiceError) -> Self {
            let response = leptos::prelude::use_context::<leptos_axum::ResponseOptions>();
            let (status, app_error) = match error {
                ServiceError::Unauthenticated => (401, AppError::Unauthenticated),
                ServiceError::BadCredentials => (401, AppError::BadCredentials),
                ServiceError::NotFound => (404, AppError::NotFound),
                ServiceError::Forbidden => (403, AppError::Forbidden),
                ServiceError::Outranked => (403, AppError::Outranked),
                ServiceError::PasswordChangeRequired => (403, AppError::PasswordChangeRequired),
                ServiceError::Invalid(fields) => (422, AppError::Invalid(fields)),
                ServiceError::Conflict(message) => (409, AppError::Conflict(message)),
                ServiceError::RateLimited { retry_after_secs } => {
                    if let Some(response) = &response {
                        response.insert_header(
                            http::header::RETRY_AFTER,
                            http::HeaderValue::from(retry_after_secs),
                        );
                    }
                    (429, AppError::RateLimited { retry_after_secs })
                }
                internal @ (ServiceError::Db(_) | ServiceError::Internal(_)) => {
                    let request_id = super::super::context::request_id();
                    tracing::error!(%request_id, error = %internal, "request failed");
                    (500, AppError::Internal { request_id })
                }
            };
            if let Some(response) = response {
                response.set_status(http::StatusCode::from_u16(status).expect("valid status"));
            }
            app_error
        }
    }

    impl From<sea_orm::DbErr> for AppError {
        fn from(error: sea_orm::DbErr) -> Self {
            ServiceError::Db(error).into()
        }
    }
}
