//! SeaORM entities, one per table, in the shape `sea-orm-cli generate` would give them.

pub mod api_token;
pub mod audit_event;
// The `entities` table: customer organisations and the operator entity.
#[allow(clippy::module_inception)]
pub mod entity;
pub mod entity_suspension;
pub mod invitation;
pub mod invitation_role;
pub mod one_time_token;
pub mod outgoing_mail;
pub mod role;
pub mod role_permission;
pub mod session;
pub mod user;
pub mod user_role;
