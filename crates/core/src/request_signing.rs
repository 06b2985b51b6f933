//! What a device signs on each sync request (a documented equivalent of RFC 9421 HTTP Message
//! Signatures, with the body digest of RFC 9530): written once, here, for the browser that
//! signs and the endpoint that verifies.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use sha2::{Digest, Sha256};

/// `sha-256=:<base64>:`, as the `Content-Digest` header writes it (RFC 9530).
pub fn content_digest(body: &[u8]) -> String {
    format!("sha-256=:{}:", BASE64.encode(Sha256::digest(body)))
}

/// The signature base: each covered part on its own line.
pub fn signature_base(
    device: &str,
    timestamp: &str,
    method: &str,
    path: &str,
    digest: &str,
) -> String {
    format!(
        "daicho-device: {device}\ndaicho-timestamp: {timestamp}\n@method: {method}\n@path: {path}\ncontent-digest: {digest}"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_digest_is_rfc_9530s_and_the_base_covers_every_part() {
        // SHA-256 of the empty body, as RFC 9530 spells it.
        assert_eq!(
            content_digest(b""),
            "sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:"
        );
        let base = signature_base("tablet-a", "1", "POST", "/api/events", "d");
        assert_eq!(base.lines().count(), 5);
        assert!(base.starts_with("daicho-device: tablet-a\n"));
        assert!(base.ends_with("content-digest: d"));
    }
}
