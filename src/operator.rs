//! Who is recorded as having done something on this device.
//!
//! Sign-in (PIN, then WebAuthn) comes with the registers issue; until then every event carries
//! this marker, so the seam is one function to replace.

pub const UNSIGNED: &str = "未サインイン";

/// The operator of the next event recorded on this device.
pub fn current() -> &'static str {
    UNSIGNED
}
