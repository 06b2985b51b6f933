//! 照合情報認証 by WebAuthn (第8条第2項, 第10–11条): the biometric stays in the authenticator
//! (the tablet's fingerprint or face check, or a security key); Daichō only ever holds the
//! credential's public key, registered in the 照合ID ledger, and checks assertions against it.
//!
//! The same check runs in the browser (offline sign-in) and on the endpoint (again, when the
//! sign-in event syncs). An assertion is bound to its sign-in by the challenge: a hash of the
//! person, the device, a random nonce and the time, all recorded in the event, so an assertion
//! copied into another sign-in does not verify.

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use base64::Engine;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// COSE algorithm ids the app asks for, in its order of preference.
pub const ALG_ED25519: i64 = -8;
pub const ALG_ES256: i64 = -7;

/// A registered authenticator credential: its id and public key (SubjectPublicKeyInfo DER, as
/// `AuthenticatorAttestationResponse.getPublicKey()` gives it), both base64url.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PasskeyCredential {
    pub id: String,
    pub algorithm: i64,
    pub public_key: String,
}

/// What a WebAuthn `get()` returned, recorded in the sign-in event (all byte strings base64url).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Assertion {
    pub credential_id: String,
    pub rp_id: String,
    pub nonce: String,
    pub asserted_at_ms: i64,
    pub authenticator_data: String,
    pub client_data_json: String,
    pub signature: String,
}

/// Why an assertion is not accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AssertionError {
    Malformed(&'static str),
    WrongType,
    WrongChallenge,
    WrongRelyingParty,
    WrongCredential,
    UserNotPresent,
    UserNotVerified,
    BadSignature,
    UnsupportedAlgorithm(i64),
}

impl AssertionError {
    /// In words for the person at the tablet, in the reader's language (`lang`).
    pub fn message(&self) -> String {
        crate::lang::pick(|| self.message_ja(), || self.message_en())
    }

    /// In Japanese, whatever the reader's language.
    pub fn message_ja(&self) -> String {
        // ja-only-begin: the Japanese of message_en beside it
        match self {
            AssertionError::Malformed(what) => format!("認証器の応答が壊れています（{what}）。"),
            AssertionError::WrongType => "認証器の応答がサインイン用ではありません。".into(),
            AssertionError::WrongChallenge => {
                "認証器の応答がこのサインインのものではありません。".into()
            }
            AssertionError::WrongRelyingParty => "認証器の応答が別のサイト用です。".into(),
            AssertionError::WrongCredential => "登録されていない認証器です。".into(),
            AssertionError::UserNotPresent => "本人の操作が確認できませんでした。".into(),
            AssertionError::UserNotVerified => {
                "生体認証（本人確認）が行われませんでした（第8条第2項）。".into()
            }
            AssertionError::BadSignature => "認証器の署名が登録された公開鍵と合いません。".into(),
            AssertionError::UnsupportedAlgorithm(a) => {
                format!("対応していない署名方式です（{a}）。")
            }
        }
        // ja-only-end
    }

    /// The same in English.
    pub fn message_en(&self) -> String {
        match self {
            AssertionError::Malformed(what) => {
                format!("The authenticator's answer is damaged ({what}).")
            }
            AssertionError::WrongType => "The authenticator's answer is not for a sign-in.".into(),
            AssertionError::WrongChallenge => {
                "The authenticator's answer is not for this sign-in.".into()
            }
            AssertionError::WrongRelyingParty => {
                "The authenticator's answer is for another site.".into()
            }
            AssertionError::WrongCredential => "This authenticator is not registered.".into(),
            AssertionError::UserNotPresent => "The person's action could not be confirmed.".into(),
            AssertionError::UserNotVerified => {
                "Biometric verification (identity check) was not done (Article 8(2)).".into()
            }
            AssertionError::BadSignature => {
                "The authenticator's signature does not match the registered public key.".into()
            }
            AssertionError::UnsupportedAlgorithm(a) => {
                format!("This signature algorithm is not supported ({a}).")
            }
        }
    }
}

/// The challenge a sign-in asks the authenticator to sign.
pub fn challenge(person_id: &str, device: &str, nonce: &str, at_ms: i64) -> Vec<u8> {
    let mut hash = Sha256::new();
    for part in [
        "daicho-sign-in",
        person_id,
        device,
        nonce,
        &at_ms.to_string(),
    ] {
        hash.update(part.as_bytes());
        hash.update([0]);
    }
    hash.finalize().to_vec()
}

#[derive(Deserialize)]
struct ClientData {
    #[serde(rename = "type")]
    kind: String,
    challenge: String,
    origin: String,
}

const FLAG_USER_PRESENT: u8 = 0x01;
const FLAG_USER_VERIFIED: u8 = 0x04;

/// Checks `assertion` for a sign-in of `person_id` on `device` with `credential`; returns the
/// authenticator's signature counter.
pub fn verify(
    credential: &PasskeyCredential,
    assertion: &Assertion,
    person_id: &str,
    device: &str,
) -> Result<u32, AssertionError> {
    if assertion.credential_id != credential.id {
        return Err(AssertionError::WrongCredential);
    }
    let auth_data = decode(&assertion.authenticator_data, "authenticatorData")?;
    let client_json = decode(&assertion.client_data_json, "clientDataJSON")?;
    check_client_data(&client_json, assertion, person_id, device)?;
    let counter = check_authenticator_data(&auth_data, &assertion.rp_id)?;
    let signature = decode(&assertion.signature, "signature")?;
    let mut signed = auth_data;
    signed.extend_from_slice(&Sha256::digest(&client_json));
    check_signature(credential, &signed, &signature)?;
    Ok(counter)
}

fn decode(text: &str, what: &'static str) -> Result<Vec<u8>, AssertionError> {
    B64URL
        .decode(text.trim_end_matches('='))
        .map_err(|_| AssertionError::Malformed(what))
}

fn check_client_data(
    json: &[u8],
    assertion: &Assertion,
    person_id: &str,
    device: &str,
) -> Result<(), AssertionError> {
    let data: ClientData =
        serde_json::from_slice(json).map_err(|_| AssertionError::Malformed("clientDataJSON"))?;
    if data.kind != "webauthn.get" {
        return Err(AssertionError::WrongType);
    }
    let expected = challenge(
        person_id,
        device,
        &assertion.nonce,
        assertion.asserted_at_ms,
    );
    if decode(&data.challenge, "challenge")? != expected {
        return Err(AssertionError::WrongChallenge);
    }
    if origin_host(&data.origin) != Some(assertion.rp_id.as_str()) {
        return Err(AssertionError::WrongRelyingParty);
    }
    Ok(())
}

/// `https://town.example:8443` → `town.example`.
fn origin_host(origin: &str) -> Option<&str> {
    let rest = origin.split_once("://")?.1;
    let host = rest.split('/').next()?;
    Some(host.rsplit_once(':').map_or(host, |(h, port)| {
        if port.chars().all(|c| c.is_ascii_digit()) {
            h
        } else {
            host
        }
    }))
}

/// rpIdHash (32) | flags (1) | signCount (4) | …
fn check_authenticator_data(data: &[u8], rp_id: &str) -> Result<u32, AssertionError> {
    if data.len() < 37 {
        return Err(AssertionError::Malformed("authenticatorData"));
    }
    if data[..32] != Sha256::digest(rp_id.as_bytes())[..] {
        return Err(AssertionError::WrongRelyingParty);
    }
    let flags = data[32];
    if flags & FLAG_USER_PRESENT == 0 {
        return Err(AssertionError::UserNotPresent);
    }
    if flags & FLAG_USER_VERIFIED == 0 {
        return Err(AssertionError::UserNotVerified);
    }
    Ok(u32::from_be_bytes([data[33], data[34], data[35], data[36]]))
}

fn check_signature(
    credential: &PasskeyCredential,
    signed: &[u8],
    signature: &[u8],
) -> Result<(), AssertionError> {
    let spki = decode(&credential.public_key, "public key")?;
    match credential.algorithm {
        ALG_ED25519 => verify_ed25519(&spki, signed, signature),
        ALG_ES256 => verify_es256(&spki, signed, signature),
        other => Err(AssertionError::UnsupportedAlgorithm(other)),
    }
}

/// An Ed25519 SubjectPublicKeyInfo is a fixed 12-byte prefix and the 32-byte key.
const ED25519_SPKI_PREFIX: [u8; 12] = [
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
];

fn verify_ed25519(spki: &[u8], signed: &[u8], signature: &[u8]) -> Result<(), AssertionError> {
    use ed25519_dalek::Signature;
    let raw = spki
        .strip_prefix(&ED25519_SPKI_PREFIX[..])
        .and_then(|k| <[u8; 32]>::try_from(k).ok())
        .ok_or(AssertionError::Malformed("public key"))?;
    let key = crate::ed25519::public_key(&raw).ok_or(AssertionError::Malformed("public key"))?;
    let signature =
        Signature::from_slice(signature).map_err(|_| AssertionError::Malformed("signature"))?;
    crate::ed25519::verifies(&key, signed, &signature)
        .then_some(())
        .ok_or(AssertionError::BadSignature)
}

/// ES256: ECDSA on P-256 with SHA-256, the signature DER-encoded (WebAuthn's form).
fn verify_es256(spki: &[u8], signed: &[u8], signature: &[u8]) -> Result<(), AssertionError> {
    use p256::ecdsa::signature::Verifier;
    use p256::ecdsa::{Signature, VerifyingKey};
    use p256::pkcs8::DecodePublicKey;
    let key = VerifyingKey::from_public_key_der(spki)
        .map_err(|_| AssertionError::Malformed("public key"))?;
    let signature =
        Signature::from_der(signature).map_err(|_| AssertionError::Malformed("signature"))?;
    key.verify(signed, &signature)
        .map_err(|_| AssertionError::BadSignature)
}

/// A software authenticator for tests (here and, with the `test-support` feature, the
/// endpoint's): what one with `key` answers to a sign-in.
#[cfg(any(test, feature = "test-support"))]
pub mod test_authenticator {
    use super::*;
    use ed25519_dalek::{Signer, SigningKey};

    pub const RP: &str = "localhost";

    pub fn answer(
        key: &SigningKey,
        person: &str,
        device: &str,
        flags: u8,
        origin: &str,
    ) -> (PasskeyCredential, Assertion) {
        let credential = PasskeyCredential {
            id: "cred-1".into(),
            algorithm: ALG_ED25519,
            public_key: B64URL
                .encode([&ED25519_SPKI_PREFIX[..], key.verifying_key().as_bytes()].concat()),
        };
        let challenge = challenge(person, device, "n1", 1_000);
        let client = format!(
            r#"{{"type":"webauthn.get","challenge":"{}","origin":"{origin}","crossOrigin":false}}"#,
            B64URL.encode(challenge)
        );
        let mut auth = Sha256::digest(RP.as_bytes()).to_vec();
        auth.push(flags);
        auth.extend_from_slice(&7u32.to_be_bytes());
        let mut signed = auth.clone();
        signed.extend_from_slice(&Sha256::digest(client.as_bytes()));
        let assertion = Assertion {
            credential_id: "cred-1".into(),
            rp_id: RP.into(),
            nonce: "n1".into(),
            asserted_at_ms: 1_000,
            authenticator_data: B64URL.encode(&auth),
            client_data_json: B64URL.encode(client.as_bytes()),
            signature: B64URL.encode(key.sign(&signed).to_bytes()),
        };
        (credential, assertion)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::SigningKey;

    fn assert_with(key: &SigningKey, flags: u8, origin: &str) -> (PasskeyCredential, Assertion) {
        super::test_authenticator::answer(key, "yamada", "tablet-1", flags, origin)
    }

    fn key() -> SigningKey {
        SigningKey::from_bytes(&[7; 32])
    }

    #[test]
    fn a_verified_assertion_is_accepted_with_its_counter() {
        let (credential, assertion) = assert_with(&key(), 0x05, "http://localhost:8090");
        assert_eq!(verify(&credential, &assertion, "yamada", "tablet-1"), Ok(7));
    }

    #[test]
    fn without_user_verification_it_is_refused() {
        let (credential, assertion) = assert_with(&key(), 0x01, "http://localhost:8090");
        assert_eq!(
            verify(&credential, &assertion, "yamada", "tablet-1"),
            Err(AssertionError::UserNotVerified)
        );
    }

    #[test]
    fn an_assertion_copied_into_another_sign_in_is_refused() {
        let (credential, assertion) = assert_with(&key(), 0x05, "http://localhost:8090");
        for (person, device) in [("sato", "tablet-1"), ("yamada", "tablet-2")] {
            assert_eq!(
                verify(&credential, &assertion, person, device),
                Err(AssertionError::WrongChallenge)
            );
        }
        let later = Assertion {
            asserted_at_ms: 2_000,
            ..assertion
        };
        assert_eq!(
            verify(&credential, &later, "yamada", "tablet-1"),
            Err(AssertionError::WrongChallenge)
        );
    }

    #[test]
    fn another_key_or_site_is_refused() {
        let (credential, _) = assert_with(&key(), 0x05, "http://localhost:8090");
        let (_, forged) = assert_with(&SigningKey::from_bytes(&[8; 32]), 0x05, "http://localhost");
        assert_eq!(
            verify(&credential, &forged, "yamada", "tablet-1"),
            Err(AssertionError::BadSignature)
        );
        let (credential, phished) = assert_with(&key(), 0x05, "https://evil.example");
        assert_eq!(
            verify(&credential, &phished, "yamada", "tablet-1"),
            Err(AssertionError::WrongRelyingParty)
        );
    }

    #[test]
    fn a_changed_byte_breaks_the_signature() {
        let (credential, mut assertion) = assert_with(&key(), 0x05, "http://localhost:8090");
        let mut auth = B64URL.decode(&assertion.authenticator_data).unwrap();
        auth[36] ^= 1; // the counter
        assertion.authenticator_data = B64URL.encode(auth);
        assert_eq!(
            verify(&credential, &assertion, "yamada", "tablet-1"),
            Err(AssertionError::BadSignature)
        );
    }

    #[test]
    fn es256_signatures_verify() {
        use p256::ecdsa::{signature::Signer as _, Signature, SigningKey};
        let key = SigningKey::from_slice(&[9; 32]).unwrap();
        // SubjectPublicKeyInfo of a P-256 key: the algorithm ids, then the uncompressed point.
        let prefix = hex::decode("3059301306072a8648ce3d020106082a8648ce3d030107034200").unwrap();
        let point = key.verifying_key().to_encoded_point(false);
        let spki = [prefix.as_slice(), point.as_bytes()].concat();
        let signed = b"authenticator data and client hash";
        let signature: Signature = key.sign(signed);
        let der = signature.to_der();
        assert_eq!(verify_es256(&spki, signed, der.as_bytes()), Ok(()));
        assert_eq!(
            verify_es256(&spki, b"something else", der.as_bytes()),
            Err(AssertionError::BadSignature)
        );
    }

    #[test]
    fn origin_hosts() {
        assert_eq!(origin_host("http://localhost:8090"), Some("localhost"));
        assert_eq!(origin_host("https://town.example"), Some("town.example"));
        assert_eq!(origin_host("https://town.example/x"), Some("town.example"));
    }
}
