//! Ed25519 as every signature of the system is checked: device requests, sign-ins by passkey
//! and the log's checkpoints. Strict, so that no key or signature an attacker can make without
//! a private key passes: a weak (small-order) public key is refused where it is taken in, and
//! signatures are checked with `verify_strict` (which also refuses non-canonical encodings).

use ed25519_dalek::{Signature, VerifyingKey};

/// The public key of 32 raw bytes, unless it is not a point or is weak (of small order: any
/// "signature" verifies under such a key with ordinary `verify`).
pub fn public_key(bytes: &[u8; 32]) -> Option<VerifyingKey> {
    VerifyingKey::from_bytes(bytes)
        .ok()
        .filter(|key| !key.is_weak())
}

/// True when `signature` is `key`'s over `message`, checked strictly.
pub fn verifies(key: &VerifyingKey, message: &[u8], signature: &Signature) -> bool {
    !key.is_weak() && key.verify_strict(message, signature).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::{Signer, SigningKey};

    #[test]
    fn a_real_key_verifies_its_signatures_only() {
        let signing = SigningKey::from_bytes(&[7; 32]);
        let key = public_key(&signing.verifying_key().to_bytes()).unwrap();
        let signature = signing.sign(b"message");
        assert!(verifies(&key, b"message", &signature));
        assert!(!verifies(&key, b"other", &signature));
    }

    /// The identity point: with plain `verify`, the constant signature (R = identity, s = 0)
    /// made with no key verifies any message under it.
    #[test]
    fn a_small_order_key_is_refused_and_its_forged_signature_fails() {
        let mut identity = [0u8; 32];
        identity[0] = 1;
        assert!(public_key(&identity).is_none());
        let weak = VerifyingKey::from_bytes(&identity).unwrap();
        let forged = Signature::from_bytes(&{
            let mut s = [0u8; 64];
            s[0] = 1;
            s
        });
        assert!(
            ed25519_dalek::Verifier::verify(&weak, b"anything", &forged).is_ok(),
            "the attack this module exists for: plain verify accepts it"
        );
        assert!(!verifies(&weak, b"anything", &forged));
    }
}
