//! Checkpoints: the endpoint's signed statement "my log has `size` events and this root"
//! (C2SP tlog-checkpoint), in a signed note (C2SP signed-note, Ed25519). A device keeps the
//! last one it saw and, at the next sync, asks for a consistency proof from it: a history
//! rewritten since cannot be proved consistent, whatever the endpoint signs now.
//!
//! ```text
//! daicho.example/log        ← origin (the log's key name)
//! 1042                      ← tree size
//! 3q2+7w…=                  ← base64 root hash
//!
//! — daicho.example/log AAAAAL…=   ← base64(4-byte key id ‖ 64-byte Ed25519 signature)
//! ```

use crate::merkle::Hash;
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

/// The signature type byte of Ed25519 in signed notes.
const ED25519: u8 = 0x01;
/// What starts a signature line: an em dash and a space.
const SIGNATURE_START: &str = "\u{2014} ";
/// More signatures than this and a note is refused unread (the spec asks for at least 16).
const MAX_SIGNATURES: usize = 100;

/// A tree head: the log named `origin` had `size` leaves with `root`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub origin: String,
    pub size: u64,
    pub root: Hash,
}

impl Checkpoint {
    /// The note text: origin, size, base64 root, each line ending in a newline.
    pub fn text(&self) -> String {
        format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            BASE64.encode(self.root)
        )
    }

    /// Reads a note text (extension lines, which Daichō does not write, are ignored).
    pub fn parse(text: &str) -> Result<Checkpoint, NoteError> {
        let bad = |why: &str| NoteError::BadCheckpoint(why.to_string());
        let body = text
            .strip_suffix('\n')
            .ok_or_else(|| bad("no final newline"))?;
        let mut lines = body.split('\n');
        let origin = lines.next().filter(|o| !o.is_empty());
        let origin = origin.ok_or_else(|| bad("no origin"))?;
        let size = lines.next().ok_or_else(|| bad("no tree size"))?;
        let size_ok =
            size == "0" || (!size.starts_with('0') && size.bytes().all(|b| b.is_ascii_digit()));
        let size: u64 = size
            .parse()
            .ok()
            .filter(|_| size_ok)
            .ok_or_else(|| bad("tree size not a decimal number"))?;
        let root = lines.next().ok_or_else(|| bad("no root hash"))?;
        let root: Hash = BASE64
            .decode(root)
            .ok()
            .and_then(|r| r.try_into().ok())
            .ok_or_else(|| bad("root hash not 32 bytes of base64"))?;
        if lines.any(str::is_empty) {
            return Err(bad("an empty extension line"));
        }
        Ok(Checkpoint {
            origin: origin.to_string(),
            size,
            root,
        })
    }
}

/// Why a signed note or checkpoint is not accepted. Stable codes for the protocol.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoteError {
    /// Not a signed note: no blank line before signature lines, a malformed line, …
    Malformed(String),
    /// No signature by the expected key (name and key id).
    NotSignedByKey,
    /// A signature by the expected key that does not verify: the text was changed.
    BadSignature,
    /// Signed, but the text is not a checkpoint.
    BadCheckpoint(String),
    /// A checkpoint of another log than the key's.
    WrongOrigin(String),
}

impl NoteError {
    pub fn code(&self) -> &'static str {
        match self {
            NoteError::Malformed(_) => "note_malformed",
            NoteError::NotSignedByKey => "note_not_signed_by_key",
            NoteError::BadSignature => "note_bad_signature",
            NoteError::BadCheckpoint(_) => "bad_checkpoint",
            NoteError::WrongOrigin(_) => "checkpoint_wrong_origin",
        }
    }

    /// The message in the reader's language (`lang`).
    pub fn message(&self) -> String {
        crate::lang::pick(|| self.message_ja(), || self.message_en())
    }

    /// The message in Japanese, whatever the reader's language.
    pub fn message_ja(&self) -> String {
        // ja-only-begin: the Japanese of message_en beside it
        match self {
            NoteError::Malformed(why) => format!("署名付きの記録として読めません（{why}）。"),
            NoteError::NotSignedByKey => "サーバの鍵による署名がありません。".into(),
            NoteError::BadSignature => "サーバの署名が内容と一致しません（改ざんの疑い）。".into(),
            NoteError::BadCheckpoint(why) => format!("チェックポイントとして読めません（{why}）。"),
            NoteError::WrongOrigin(origin) => {
                format!("別の台帳のチェックポイントです（{origin}）。")
            }
        }
        // ja-only-end
    }

    pub fn message_en(&self) -> String {
        match self {
            NoteError::Malformed(why) => format!("Cannot be read as a signed note ({why})."),
            NoteError::NotSignedByKey => "There is no signature by the server's key.".into(),
            NoteError::BadSignature => {
                "The server's signature does not match the content (possibly altered).".into()
            }
            NoteError::BadCheckpoint(why) => format!("Cannot be read as a checkpoint ({why})."),
            NoteError::WrongOrigin(origin) => {
                format!("A checkpoint of another register ({origin}).")
            }
        }
    }
}

impl std::fmt::Display for NoteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message_en())
    }
}

/// The signed-note key id: the first four bytes of SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key).
pub fn key_id(name: &str, public_key: &[u8; 32]) -> [u8; 4] {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update([b'\n', ED25519]);
    h.update(public_key);
    let digest = h.finalize();
    [digest[0], digest[1], digest[2], digest[3]]
}

/// A key a note is checked against: the log's name and Ed25519 public key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verifier {
    pub name: String,
    pub key: VerifyingKey,
}

impl Verifier {
    /// From the name and the 32 raw bytes of the public key.
    pub fn new(name: &str, public_key: &[u8; 32]) -> Result<Verifier, NoteError> {
        if !valid_key_name(name) {
            return Err(NoteError::Malformed(format!("key name {name:?}")));
        }
        let key = crate::ed25519::public_key(public_key)
            .ok_or_else(|| NoteError::Malformed("not a strong Ed25519 public key".into()))?;
        Ok(Verifier {
            name: name.to_string(),
            key,
        })
    }

    /// From a verifier key as Go's `note` package writes it: `<name>+<key id, 8 hex>+<base64
    /// of 0x01 ‖ public key>`.
    pub fn from_vkey(vkey: &str) -> Result<Verifier, NoteError> {
        let bad = || NoteError::Malformed(format!("verifier key {vkey:?}"));
        let mut parts = vkey.splitn(3, '+');
        let (Some(name), Some(id), Some(key)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(bad());
        };
        let key = BASE64.decode(key).map_err(|_| bad())?;
        let (Some(&ED25519), Ok(public_key)) = (key.first(), <[u8; 32]>::try_from(&key[1..]))
        else {
            return Err(bad());
        };
        let verifier = Verifier::new(name, &public_key)?;
        if hex::encode(verifier.key_id()) != id {
            return Err(bad());
        }
        Ok(verifier)
    }

    /// The verifier key as Go's `note` package writes it (the form `/api/log/key` answers).
    pub fn vkey(&self) -> String {
        let mut key = vec![ED25519];
        key.extend_from_slice(self.key.as_bytes());
        format!(
            "{}+{}+{}",
            self.name,
            hex::encode(self.key_id()),
            BASE64.encode(key)
        )
    }

    pub fn key_id(&self) -> [u8; 4] {
        key_id(&self.name, self.key.as_bytes())
    }
}

fn valid_key_name(name: &str) -> bool {
    !name.is_empty() && !name.contains(|c: char| c.is_whitespace() || c == '+')
}

/// Signs `text` (ending in a newline) as `name` with `key`: the signed note.
pub fn sign_note(text: &str, name: &str, key: &SigningKey) -> String {
    debug_assert!(text.ends_with('\n') && valid_key_name(name));
    let id = key_id(name, key.verifying_key().as_bytes());
    let mut signature = id.to_vec();
    signature.extend_from_slice(&key.sign(text.as_bytes()).to_bytes());
    format!(
        "{text}\n{SIGNATURE_START}{name} {}\n",
        BASE64.encode(signature)
    )
}

/// The text of `note` if `verifier`'s key signed it. Signatures of other keys are ignored, as
/// the spec asks (a witness may cosign); one of `verifier`'s that fails refuses the note.
pub fn open_note(note: &str, verifier: &Verifier) -> Result<String, NoteError> {
    let malformed = |why: &str| NoteError::Malformed(why.to_string());
    if note.chars().any(|c| c.is_control() && c != '\n') {
        return Err(malformed("a control character"));
    }
    let body = note
        .strip_suffix('\n')
        .ok_or_else(|| malformed("no final newline"))?;
    // The text ends at the last blank line.
    let split = body
        .rfind("\n\n")
        .ok_or_else(|| malformed("no blank line"))?;
    let (text, signatures) = (&body[..split + 1], &body[split + 2..]);
    let lines: Vec<&str> = signatures.split('\n').collect();
    if lines.len() > MAX_SIGNATURES {
        return Err(malformed("too many signatures"));
    }
    let mut verified = false;
    for line in lines {
        let (name, signature) = line
            .strip_prefix(SIGNATURE_START)
            .and_then(|l| l.split_once(' '))
            .ok_or_else(|| malformed("a signature line"))?;
        let signature = BASE64
            .decode(signature)
            .map_err(|_| malformed("a signature not in base64"))?;
        if name != verifier.name || signature.len() < 4 || signature[..4] != verifier.key_id() {
            continue;
        }
        let signature =
            Signature::from_slice(&signature[4..]).map_err(|_| NoteError::BadSignature)?;
        if !crate::ed25519::verifies(&verifier.key, text.as_bytes(), &signature) {
            return Err(NoteError::BadSignature);
        }
        verified = true;
    }
    if verified {
        Ok(text.to_string())
    } else {
        Err(NoteError::NotSignedByKey)
    }
}

/// Signs a checkpoint with the log's key: its name is the checkpoint's origin.
pub fn sign(checkpoint: &Checkpoint, key: &SigningKey) -> String {
    sign_note(&checkpoint.text(), &checkpoint.origin, key)
}

/// The checkpoint in `note`, if signed by `verifier` and of its log (origin = key name).
pub fn open(note: &str, verifier: &Verifier) -> Result<Checkpoint, NoteError> {
    let checkpoint = Checkpoint::parse(&open_note(note, verifier)?)?;
    if checkpoint.origin != verifier.name {
        return Err(NoteError::WrongOrigin(checkpoint.origin));
    }
    Ok(checkpoint)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// golang.org/x/mod/sumdb/note's example, also in C2SP's tests: its key, text and note.
    const PETER_SKEY: &str =
        "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
    const PETER_VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
    const PETER_TEXT: &str = "If you think cryptography is the answer to your problem,\n\
                              then you don't know what your problem is.\n";
    const PETER_NOTE_SIGNATURE: &str = "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
    /// The example of C2SP signed-note's Go tests (example.com/foo).
    const EXAMPLE_VKEY: &str =
        "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k";
    const EXAMPLE_NOTE: &str = "This is an example message.\n\n— example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n";

    fn peter_key() -> SigningKey {
        let encoded = PETER_SKEY.splitn(5, '+').nth(4).unwrap();
        let bytes = BASE64.decode(encoded).unwrap();
        assert_eq!(bytes[0], ED25519);
        SigningKey::from_bytes(&bytes[1..].try_into().unwrap())
    }

    #[test]
    fn notes_are_signed_and_opened_as_gos_note_package_does() {
        let key = peter_key();
        let note = sign_note(PETER_TEXT, "PeterNeumann", &key);
        assert_eq!(note, format!("{PETER_TEXT}\n{PETER_NOTE_SIGNATURE}"));
        let verifier = Verifier::from_vkey(PETER_VKEY).unwrap();
        assert_eq!(verifier.key, key.verifying_key());
        assert_eq!(verifier.vkey(), PETER_VKEY);
        assert_eq!(open_note(&note, &verifier).unwrap(), PETER_TEXT);
        let example = Verifier::from_vkey(EXAMPLE_VKEY).unwrap();
        assert_eq!(
            open_note(EXAMPLE_NOTE, &example).unwrap(),
            "This is an example message.\n"
        );
        // The other's key: no signature of it.
        assert_eq!(
            open_note(EXAMPLE_NOTE, &verifier),
            Err(NoteError::NotSignedByKey)
        );
    }

    #[test]
    fn a_changed_byte_or_a_foreign_key_is_refused() {
        let verifier = Verifier::from_vkey(PETER_VKEY).unwrap();
        let note = sign_note(PETER_TEXT, "PeterNeumann", &peter_key());
        let altered = note.replacen("cryptography", "cryptographY", 1);
        assert_eq!(open_note(&altered, &verifier), Err(NoteError::BadSignature));
        // The same name with another key (another id): ignored, so not signed by the key.
        let impostor = sign_note(
            PETER_TEXT,
            "PeterNeumann",
            &SigningKey::from_bytes(&[7; 32]),
        );
        assert_eq!(
            open_note(&impostor, &verifier),
            Err(NoteError::NotSignedByKey)
        );
        // A cosignature of another key beside the log's is ignored.
        let cosigned = format!(
            "{note}{}",
            impostor.lines().last().unwrap().to_string() + "\n"
        );
        assert_eq!(open_note(&cosigned, &verifier).unwrap(), PETER_TEXT);
        for broken in [PETER_TEXT, "text\n\n— PeterNeumann !!!\n", "a\u{7}b\n\n"] {
            assert!(matches!(
                open_note(broken, &verifier),
                Err(NoteError::Malformed(_))
            ));
        }
        assert!(Verifier::from_vkey(
            "PeterNeumann+00000000+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
        )
        .is_err());
    }

    #[test]
    fn a_checkpoint_round_trips_through_its_signed_note() {
        let key = SigningKey::from_bytes(&[3; 32]);
        let checkpoint = Checkpoint {
            origin: "daicho.example/log".into(),
            size: 1042,
            root: crate::merkle::leaf_hash(b"x"),
        };
        let note = sign(&checkpoint, &key);
        let lines: Vec<&str> = note.lines().collect();
        assert_eq!(lines[..2], ["daicho.example/log", "1042"]);
        assert_eq!(lines[3], "");
        assert!(lines[4].starts_with("— daicho.example/log "));
        let verifier = Verifier::new("daicho.example/log", key.verifying_key().as_bytes()).unwrap();
        assert_eq!(open(&note, &verifier).unwrap(), checkpoint);
        // Signed by the right key, but for another log's name.
        let other = Checkpoint {
            origin: "elsewhere/log".into(),
            ..checkpoint.clone()
        };
        let foreign = sign_note(&other.text(), "daicho.example/log", &key);
        assert_eq!(
            open(&foreign, &verifier),
            Err(NoteError::WrongOrigin("elsewhere/log".into()))
        );
        for text in ["o\n01\nAAAA\n", "o\n1\nAAAA\n", "o\n1\n", "o\nx\nAAAA\n"] {
            assert!(Checkpoint::parse(text).is_err(), "{text:?}");
        }
    }
}
