//! Who is using this device: sign-in by 照合情報認証 (WebAuthn) or PIN, and the signed-in
//! operator.

pub mod device_key;
pub mod idle;
pub mod pin;
pub mod session;
pub mod webauthn;
