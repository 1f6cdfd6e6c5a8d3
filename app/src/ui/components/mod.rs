pub mod allowed;
pub mod auth_card;
pub mod choices;
pub mod confirm;
pub mod field;
pub mod header;
pub mod modal;
pub mod pager;
