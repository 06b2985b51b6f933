//! Who is using this device: PIN sign-in (WebAuthn comes later) and the signed-in operator.

pub mod device_key;
pub mod pin;
pub mod session;
