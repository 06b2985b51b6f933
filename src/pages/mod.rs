//! One module per register page.

pub mod assets;
pub mod entry_log;
pub mod equipment;
pub mod history;
pub mod history_summary;
pub mod home;
pub mod id_ledgers;
pub mod instructions;
pub mod keys;
pub mod meetings;
pub mod people;
pub mod permits;
pub mod positions;
pub mod record;
pub mod reports;
pub mod room_measures;
pub mod rooms;
pub mod rule_breaks;
pub mod sign_in;
pub mod sync;
