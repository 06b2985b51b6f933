//! One module per register page.

pub mod entry_log;
