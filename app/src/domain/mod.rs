//! Pure rules and types, compiled for the server and the browser alike.
//! No I/O, no clock, no database: time is always passed in.

pub mod authorize;
pub mod email;
pub mod field_errors;
pub mod ids;
pub mod invitation;
pub mod name;
pub mod order;
pub mod password;
pub mod permission;
pub mod return_path;
pub mod status;

pub use authorize::{authorize, grantable_roles, outranks_or_equals, Action, Actor, Denied, Grant};
pub use email::Email;
pub use field_errors::FieldErrors;
pub use ids::{EntityId, UserId};
pub use name::PersonName;
pub use password::NewPassword;
pub use permission::{BusinessAccess, Catalogue, Permission, Role, RoleKey};
pub use return_path::safe_return_path;
pub use status::{InvitationStatus, UserStatus};
