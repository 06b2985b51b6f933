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

/// The signature base: each covered part on its own line. `target` is the request's path and
/// query as sent (`/api/events?after=7&limit=1000`): it is signed as RFC 9421's `@path` and
/// `@query` (the query with its leading `?`, or a lone `?` when there is none), so a query
/// changed in transit breaks the signature.
pub fn signature_base(
    device: &str,
    timestamp: &str,
    method: &str,
    target: &str,
    digest: &str,
) -> String {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    format!(
        "daicho-device: {device}\ndaicho-timestamp: {timestamp}\n@method: {method}\n@path: {path}\n@query: ?{query}\ncontent-digest: {digest}"
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
        assert_eq!(base.lines().count(), 6);
        assert!(base.starts_with("daicho-device: tablet-a\n"));
        assert!(base.ends_with("content-digest: d"));
    }

    /// docs/protocol.md's example, byte for byte.
    #[test]
    fn the_query_is_signed_as_sent_with_its_question_mark() {
        let base = signature_base(
            "tablet-a",
            "1790000000000",
            "GET",
            "/api/events?after=0&limit=1000",
            &content_digest(b""),
        );
        assert_eq!(
            base,
            "daicho-device: tablet-a\n\
             daicho-timestamp: 1790000000000\n\
             @method: GET\n\
             @path: /api/events\n\
             @query: ?after=0&limit=1000\n\
             content-digest: sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:"
        );
        let push = signature_base("tablet-a", "1", "POST", "/api/events", "d");
        assert!(push.contains("\n@path: /api/events\n@query: ?\n"), "{push}");
        let changed = signature_base("tablet-a", "1", "GET", "/api/events?after=5", "d");
        assert_ne!(
            changed,
            signature_base("tablet-a", "1", "GET", "/api/events?after=0", "d")
        );
    }
}
