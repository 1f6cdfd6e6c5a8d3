pub mod accept_invitation;
pub mod account;
pub mod home;
pub mod invitations;
pub mod mailbox;
pub mod not_found;
pub mod password;
pub mod sign_in;
pub mod users;

use crate::api::AppError;
use leptos_router::hooks::use_navigate;

/// A session ended elsewhere (sign-out, deactivation): go to the sign-in page, client-side.
pub fn go_to_sign_in_if_ended(error: &AppError) {
    if *error == AppError::Unauthenticated {
        use_navigate()("/sign-in", Default::default());
    }
}
