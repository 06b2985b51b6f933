//! One module per register page.

pub mod entry_log;
pub mod home;
pub mod keys;
pub mod people;
pub mod permits;
pub mod positions;
pub mod sign_in;
