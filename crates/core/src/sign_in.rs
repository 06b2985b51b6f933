//! Operator sign-in: first by 照合情報認証 (WebAuthn with user verification, `webauthn`), and
//! where the biometric fails, by the PIN (操作者照合暗証番号), recorded as a fallback. The PIN
//! is kept only as a salted, slow hash (PBKDF2-SHA-256, computed by the browser's WebCrypto),
//! and five PIN failures in a row lock it until an administrator unlocks it. Sign-ins,
//! failures and sign-outs are events: they are operation history (第12条).

use crate::article::Article;
use crate::event::EventKind;
use crate::id_ledger::{IdRecord, IdState, Ledger};
use crate::refusal::{Field, Refusal, RefusalCode, Refusals};
use crate::tr;
use crate::version::{Version, Versioned};
use crate::webauthn::{self, Assertion, PasskeyCredential};
use serde::{Deserialize, Serialize};

/// Failures in a row that lock a PIN.
pub const MAX_PIN_FAILURES: u32 = 5;
/// PBKDF2 iterations for new PINs (OWASP's figure for PBKDF2-HMAC-SHA256).
pub const PIN_ITERATIONS: u32 = 600_000;

/// A person's PIN set or changed: only its salt and hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PinSet {
    pub person_id: String,
    pub salt: String,
    pub hash: String,
    pub iterations: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum SignInMethod {
    #[default]
    Pin,
    /// 照合情報認証: a WebAuthn assertion with user verification.
    Passkey,
}

impl SignInMethod {
    fn is_pin(&self) -> bool {
        *self == SignInMethod::Pin
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SignedIn {
    pub person_id: String,
    pub method: SignInMethod,
    /// The authenticator's answer (passkey sign-ins), verified again by the endpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assertion: Option<Assertion>,
    /// A PIN sign-in by someone whose 照合情報 is registered: the biometric failed.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub fallback: bool,
}

impl SignedIn {
    pub fn with_pin(person_id: &str, fallback: bool) -> SignedIn {
        SignedIn {
            person_id: person_id.to_string(),
            method: SignInMethod::Pin,
            assertion: None,
            fallback,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SignInFailed {
    pub person_id: String,
    /// Only PIN failures count towards the lock.
    #[serde(default, skip_serializing_if = "SignInMethod::is_pin")]
    pub method: SignInMethod,
    /// Why a passkey sign-in failed, as the person was told it (in their language).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SignedOut {
    pub person_id: String,
    /// Signed out by the shared tablet after the idle time, not by the person.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub idle: bool,
}

/// An administrator lifts a PIN lock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PinUnlocked {
    pub person_id: String,
}

/// A person's PIN and how their recent sign-ins went, the same whatever order the sign-in
/// events of several tablets arrive in: the newest PIN by version, and the PIN failures since
/// the newest success, PIN change or unlock.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Credential {
    pub pin: Option<Versioned<PinSet>>,
    /// The newest success, PIN change or unlock: failures before it no longer count.
    #[serde(default)]
    pub reset: Option<Version>,
    /// The PIN failures after `reset`, earliest first.
    #[serde(default)]
    pub failures: Vec<Version>,
}

impl Credential {
    pub fn is_locked(&self) -> bool {
        self.failures_in_a_row() >= MAX_PIN_FAILURES
    }

    /// Failures since the last success, PIN change or unlock.
    pub fn failures_in_a_row(&self) -> u32 {
        self.failures.len() as u32
    }

    /// The credential once `kind` (a sign-in event of this person) at `version` is known.
    pub fn after(&self, kind: &EventKind, version: &Version) -> Credential {
        match kind {
            EventKind::PinSet(pin) => self.after_pin_set(pin, version),
            EventKind::SignInFailed(f) if f.method.is_pin() => self.after_failure(version),
            EventKind::SignedIn(_) | EventKind::PinUnlocked(_) => self.after_reset(version),
            _ => self.clone(),
        }
    }

    fn after_pin_set(&self, pin: &PinSet, version: &Version) -> Credential {
        let mut next = self.after_reset(version);
        if version.supersedes(self.pin.as_ref().map(|p| &p.version)) {
            next.pin = Some(Versioned::new(pin.clone(), version.clone()));
        }
        next
    }

    fn after_failure(&self, version: &Version) -> Credential {
        let mut next = self.clone();
        let counts = version.supersedes(self.reset.as_ref());
        if let (true, Err(at)) = (counts, next.failures.binary_search(version)) {
            next.failures.insert(at, version.clone());
        }
        next
    }

    /// A success or an unlock starts the count again (from its own version on).
    fn after_reset(&self, version: &Version) -> Credential {
        let mut next = self.clone();
        if version.supersedes(self.reset.as_ref()) {
            next.failures.retain(|failure| failure > version);
            next.reset = Some(version.clone());
        }
        next
    }

    /// Attempts left before the lock.
    pub fn attempts_left(&self) -> u32 {
        MAX_PIN_FAILURES.saturating_sub(self.failures_in_a_row())
    }
}

/// A PIN is 4 to 8 digits.
pub fn pin_is_well_formed(pin: &str) -> bool {
    (4..=8).contains(&pin.chars().count()) && pin.chars().all(|c| c.is_ascii_digit())
}

/// Compares two hex digests without stopping at the first difference.
pub fn digests_match(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

fn refuse(code: RefusalCode) -> Result<(), Refusals> {
    Err(Refusals(vec![Refusal::new(code, Field::Person, None)]))
}

fn pin_state(state: &str) -> RefusalCode {
    RefusalCode::WrongState {
        what: tr!("暗証番号").into(),
        state: state.into(),
    }
}

/// The person a sign-in event is about (`None` for other events).
pub fn person_of(kind: &EventKind) -> Option<&str> {
    match kind {
        EventKind::PinSet(p) => Some(&p.person_id),
        EventKind::SignedIn(s) => Some(&s.person_id),
        EventKind::SignInFailed(f) => Some(&f.person_id),
        EventKind::SignedOut(s) => Some(&s.person_id),
        EventKind::PinUnlocked(u) => Some(&u.person_id),
        _ => None,
    }
}

/// The rules of the sign-in events, against the people and credentials recorded.
pub fn check_sign_in_event<'a>(
    kind: &EventKind,
    credential_of: impl Fn(&str) -> Option<&'a Credential>,
    person_exists: impl Fn(&str) -> bool,
) -> Result<(), Refusals> {
    let Some(person) = person_of(kind) else {
        return Ok(());
    };
    if !person_exists(person) {
        let what = tr!("職員").into_owned();
        return refuse(RefusalCode::UnknownRecord { what });
    }
    let credential = credential_of(person).cloned().unwrap_or_default();
    match kind {
        EventKind::PinSet(pin) if pin.iterations < 100_000 || pin.hash.is_empty() => {
            refuse(pin_state(&tr!("弱い設定")))
        }
        EventKind::SignedIn(s) if s.method.is_pin() && credential.pin.is_none() => {
            refuse(pin_state(&tr!("未設定")))
        }
        EventKind::SignedIn(s) if s.method.is_pin() && credential.is_locked() => {
            refuse(pin_state(&tr!("ロック中")))
        }
        EventKind::PinUnlocked(_) if !credential.is_locked() => {
            refuse(pin_state(&tr!("ロックされていない状態")))
        }
        _ => Ok(()),
    }
}

/// The passkeys registered for `person_id` under their active 照合IDs.
pub fn passkeys_for<'a>(
    ids: impl IntoIterator<Item = &'a IdRecord>,
    person_id: &str,
) -> Vec<&'a PasskeyCredential> {
    ids.into_iter()
        .filter(|r| r.ledger == Ledger::Collation && r.person_id == person_id)
        .filter(|r| r.state == IdState::Active)
        .filter_map(|r| r.passkey.as_ref())
        .collect()
}

/// The passkey with `credential_id` among those of `person_id`.
pub fn passkey_of<'a>(
    ids: impl IntoIterator<Item = &'a IdRecord>,
    person_id: &str,
    credential_id: &str,
) -> Option<&'a PasskeyCredential> {
    passkeys_for(ids, person_id)
        .into_iter()
        .find(|p| p.id == credential_id)
}

/// 第8条第2項: a passkey sign-in carries an assertion that verifies against the credential
/// registered in the 照合ID ledger for that person, with user verification.
pub fn check_passkey_sign_in<'a>(
    signed_in: &SignedIn,
    device: &str,
    ids: impl IntoIterator<Item = &'a IdRecord>,
) -> Result<(), Refusals> {
    if signed_in.method.is_pin() {
        return Ok(());
    }
    let failed = |reason: String| {
        let code = RefusalCode::CollationFailed { reason };
        let article = Some(Article::paragraph(8, 2));
        Err(Refusals(vec![Refusal::new(code, Field::Person, article)]))
    };
    let Some(assertion) = &signed_in.assertion else {
        return failed(tr!("認証器の応答がありません。").into_owned());
    };
    let Some(passkey) = passkey_of(ids, &signed_in.person_id, &assertion.credential_id) else {
        return failed(webauthn::AssertionError::WrongCredential.message());
    };
    webauthn::verify(passkey, assertion, &signed_in.person_id, device)
        .map(|_| ())
        .or_else(|e| failed(e.message()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(wall_ms: i64, device: &str) -> Version {
        Version {
            hlc: crate::Hlc {
                wall_ms,
                counter: 0,
            },
            device: crate::DeviceId(device.into()),
            seq: wall_ms as u64,
        }
    }

    fn pin_set() -> EventKind {
        EventKind::PinSet(PinSet {
            person_id: "yamada".into(),
            salt: "00".into(),
            hash: "ab".into(),
            iterations: PIN_ITERATIONS,
        })
    }

    fn failure() -> EventKind {
        EventKind::SignInFailed(SignInFailed {
            person_id: "yamada".into(),
            method: SignInMethod::Pin,
            reason: None,
        })
    }

    #[test]
    fn five_failures_in_a_row_lock_and_an_unlock_or_success_resets() {
        let mut c = Credential::default().after(&pin_set(), &at(1, "a"));
        for (i, left) in (1..=5).rev().enumerate() {
            assert!(!c.is_locked());
            assert_eq!(c.attempts_left(), left);
            c = c.after(&failure(), &at(10 + i as i64, "a"));
        }
        assert!(c.is_locked());
        assert_eq!(c.attempts_left(), 0);
        let unlock = EventKind::PinUnlocked(PinUnlocked {
            person_id: "yamada".into(),
        });
        assert!(!c.after(&unlock, &at(20, "a")).is_locked());
        assert!(!c.after(&pin_set(), &at(20, "a")).is_locked());
        assert!(
            c.after(&unlock, &at(5, "b")).is_locked(),
            "an unlock older than the failures does not lift the lock"
        );
    }

    #[test]
    fn sign_in_events_give_the_same_credential_in_any_order() {
        let events = [
            (pin_set(), at(1, "a")),
            (failure(), at(2, "b")),
            (failure(), at(3, "a")),
            (
                EventKind::SignedIn(SignedIn::with_pin("yamada", false)),
                at(4, "b"),
            ),
            (failure(), at(5, "a")),
            (pin_set(), at(6, "b")),
            (failure(), at(7, "a")),
        ];
        let fold = |order: &mut dyn Iterator<Item = &(EventKind, Version)>| {
            order.fold(Credential::default(), |c, (kind, v)| c.after(kind, v))
        };
        let forward = fold(&mut events.iter());
        assert_eq!(
            forward.failures_in_a_row(),
            1,
            "only the failure after the new PIN"
        );
        assert_eq!(forward.pin.as_ref().unwrap().version, at(6, "b"));
        assert_eq!(fold(&mut events.iter().rev()), forward);
    }

    fn collation_id(passkey: Option<PasskeyCredential>, state: IdState) -> IdRecord {
        IdRecord {
            ledger: Ledger::Collation,
            id: "C-001".into(),
            person_id: "yamada".into(),
            kind_id: None,
            state,
            collation_info_registered: passkey.is_some(),
            passkey,
        }
    }

    fn passkey_sign_in(flags: u8) -> (PasskeyCredential, SignedIn) {
        let key = ed25519_dalek::SigningKey::from_bytes(&[3; 32]);
        let (credential, assertion) = crate::webauthn::test_authenticator::answer(
            &key,
            "yamada",
            "tablet-1",
            flags,
            "http://localhost:8090",
        );
        let signed_in = SignedIn {
            person_id: "yamada".into(),
            method: SignInMethod::Passkey,
            assertion: Some(assertion),
            fallback: false,
        };
        (credential, signed_in)
    }

    #[test]
    fn a_passkey_sign_in_verifies_against_the_active_collation_id() {
        let (credential, signed_in) = passkey_sign_in(0x05);
        let active = collation_id(Some(credential.clone()), IdState::Active);
        assert_eq!(
            check_passkey_sign_in(&signed_in, "tablet-1", [&active]),
            Ok(())
        );
        let refused = |ids: &[&IdRecord], device: &str| {
            let refusals = check_passkey_sign_in(&signed_in, device, ids.iter().copied());
            let refusal = refusals.unwrap_err().0.remove(0);
            assert_eq!(refusal.article, Some(Article::paragraph(8, 2)));
            refusal.message_ja()
        };
        let suspended = collation_id(Some(credential), IdState::Suspended);
        assert!(refused(&[&suspended], "tablet-1").contains("登録されていない認証器"));
        assert!(refused(&[], "tablet-1").contains("登録されていない認証器"));
        assert!(refused(&[&active], "tablet-2").contains("このサインインのものではありません"));
        let (credential, unverified) = passkey_sign_in(0x01);
        let active = collation_id(Some(credential), IdState::Active);
        let message = check_passkey_sign_in(&unverified, "tablet-1", [&active])
            .unwrap_err()
            .to_string();
        assert!(
            message.contains("生体認証（本人確認）が行われませんでした"),
            "{message}"
        );
    }

    #[test]
    fn passkey_failures_do_not_lock_the_pin_and_pin_sign_ins_need_no_passkey() {
        let failed = EventKind::SignInFailed(SignInFailed {
            person_id: "yamada".into(),
            method: SignInMethod::Passkey,
            reason: Some("x".into()),
        });
        let mut c = Credential::default();
        for i in 0..10 {
            c = c.after(&failed, &at(i, "a"));
        }
        assert!(!c.is_locked());
        let (_, signed_in) = passkey_sign_in(0x05);
        let pin = SignedIn::with_pin("yamada", true);
        assert_eq!(check_passkey_sign_in(&pin, "tablet-1", []), Ok(()));
        let passkey = EventKind::SignedIn(signed_in);
        assert_eq!(
            check_sign_in_event(&passkey, |_| Some(&c), |_| true),
            Ok(()),
            "no PIN needed"
        );
    }

    #[test]
    fn pins_are_four_to_eight_digits() {
        assert!(pin_is_well_formed("1234"));
        assert!(pin_is_well_formed("12345678"));
        assert!(!pin_is_well_formed("123"));
        assert!(!pin_is_well_formed("123456789"));
        assert!(!pin_is_well_formed("12a4"));
        assert!(
            !pin_is_well_formed("１２３４"),
            "full-width digits are not ASCII"
        );
    }

    #[test]
    fn digests_compare_whole() {
        assert!(digests_match("abcd", "abcd"));
        assert!(!digests_match("abcd", "abce"));
        assert!(!digests_match("abcd", "abc"));
    }
}
