//! Server functions of the accept-invitation page: the invited person's side, signed out.

use super::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

/// What an invitation link leads to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum LinkState {
    Valid {
        email: String,
        entity_name: String,
        inviter_name: String,
        roles: Vec<String>,
        expires: String,
    },
    Problem {
        title: String,
        message: String,
    },
}

#[server(prefix = "/api", endpoint = "invitation_link", input = Json)]
pub async fn invitation_link(token: String) -> Result<LinkState, AppError> {
    use super::context;
    use crate::backend::invitations::accept::{look_up, LinkProblem};
    let state = context::state()?;
    let catalogue = crate::backend::roles::current(&state.db).await?;
    Ok(match look_up(&state, &token, context::now()).await? {
        Ok(offer) => LinkState::Valid {
            email: offer.email,
            entity_name: offer.entity_name,
            inviter_name: offer.inviter_name.unwrap_or_else(|| "An admin".into()),
            roles: catalogue.labels(&offer.roles),
            expires: super::time::when(offer.expires_at),
        },
        Err(problem) => LinkState::Problem {
            title: match problem {
                LinkProblem::Unknown => "This link does not work",
                LinkProblem::Expired => "This invitation has expired",
                LinkProblem::Revoked => "This invitation was revoked",
                LinkProblem::Used => "This invitation was already accepted",
                LinkProblem::AccountExists => "This address already has an account",
            }
            .into(),
            message: problem.message().into(),
        },
    })
}

#[server(prefix = "/api", endpoint = "accept_invitation", input = Json)]
pub async fn accept_invitation(
    token: String,
    name: String,
    password: String,
    confirm_password: String,
) -> Result<(), AppError> {
    use super::context;
    use crate::backend::invitations::accept::{self, AcceptForm};
    let state = context::state()?;
    let form = AcceptForm {
        token,
        name,
        password,
        confirm: confirm_password,
    };
    let session = accept::accept(&state, form, context::meta(), context::now()).await?;
    // Whoever was signed in on this browser before is signed out: the new account takes over.
    if let Some(previous) = context::request_session_token() {
        let ended = crate::backend::sessions::end_by_token(
            &state.db,
            &previous,
            context::meta(),
            context::now(),
        )
        .await?;
        state.events.publish(ended);
    }
    context::set_session_cookie(&state.config, &session);
    Ok(())
}
