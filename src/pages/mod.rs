//! One module per register page.

pub mod entry_log;
pub mod people;
pub mod positions;
pub mod sign_in;
