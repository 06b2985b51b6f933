//! Operator sign-in with a PIN (操作者照合暗証番号), until biometric sign-in replaces it as the
//! first method: the PIN is kept only as a salted, slow hash (PBKDF2-SHA-256, computed by the
//! browser's WebCrypto), and five failures in a row lock it until an administrator unlocks it.
//! Sign-ins and failures are events: they are operation history (第12条).

use crate::event::EventKind;
use crate::refusal::{Field, Refusal, RefusalCode, Refusals};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Failures in a row that lock a PIN.
pub const MAX_PIN_FAILURES: u32 = 5;
/// PBKDF2 iterations for new PINs (OWASP's figure for PBKDF2-HMAC-SHA256).
pub const PIN_ITERATIONS: u32 = 600_000;

/// A person's PIN set or changed: only its salt and hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PinSet {
    pub person_id: String,
    pub salt: String,
    pub hash: String,
    pub iterations: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignInMethod {
    Pin,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedIn {
    pub person_id: String,
    pub method: SignInMethod,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignInFailed {
    pub person_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedOut {
    pub person_id: String,
}

/// An administrator lifts a PIN lock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PinUnlocked {
    pub person_id: String,
}

/// A person's PIN and how their recent sign-ins went.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Credential {
    pub pin: Option<PinSet>,
    /// Failures since the last success, PIN change or unlock.
    pub failures_in_a_row: u32,
}

impl Credential {
    pub fn is_locked(&self) -> bool {
        self.failures_in_a_row >= MAX_PIN_FAILURES
    }

    pub fn after_pin_set(&self, pin: &PinSet) -> Credential {
        Credential {
            pin: Some(pin.clone()),
            failures_in_a_row: 0,
        }
    }

    pub fn after_failure(&self) -> Credential {
        Credential {
            failures_in_a_row: self.failures_in_a_row + 1,
            ..self.clone()
        }
    }

    /// A success or an unlock starts the count again.
    pub fn after_reset(&self) -> Credential {
        Credential {
            failures_in_a_row: 0,
            ..self.clone()
        }
    }

    /// The credential once `kind` (a sign-in event of this person) is recorded.
    pub fn after(&self, kind: &EventKind) -> Credential {
        match kind {
            EventKind::PinSet(pin) => self.after_pin_set(pin),
            EventKind::SignInFailed(_) => self.after_failure(),
            EventKind::SignedIn(_) | EventKind::PinUnlocked(_) => self.after_reset(),
            _ => self.clone(),
        }
    }

    /// Attempts left before the lock.
    pub fn attempts_left(&self) -> u32 {
        MAX_PIN_FAILURES.saturating_sub(self.failures_in_a_row)
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
        what: "暗証番号".into(),
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
pub fn check_sign_in_event(
    kind: &EventKind,
    credentials: &BTreeMap<String, Credential>,
    person_exists: impl Fn(&str) -> bool,
) -> Result<(), Refusals> {
    let Some(person) = person_of(kind) else {
        return Ok(());
    };
    if !person_exists(person) {
        let what = "職員".to_string();
        return refuse(RefusalCode::UnknownRecord { what });
    }
    let credential = credentials.get(person).cloned().unwrap_or_default();
    match kind {
        EventKind::PinSet(pin) if pin.iterations < 100_000 || pin.hash.is_empty() => {
            refuse(pin_state("弱い設定"))
        }
        EventKind::SignedIn(_) if credential.pin.is_none() => refuse(pin_state("未設定")),
        EventKind::SignedIn(_) if credential.is_locked() => refuse(pin_state("ロック中")),
        EventKind::PinUnlocked(_) if !credential.is_locked() => {
            refuse(pin_state("ロックされていない状態"))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_failures_in_a_row_lock_and_an_unlock_or_success_resets() {
        let pin = PinSet {
            person_id: "yamada".into(),
            salt: "00".into(),
            hash: "ab".into(),
            iterations: PIN_ITERATIONS,
        };
        let mut c = Credential::default().after_pin_set(&pin);
        for left in (1..=5).rev() {
            assert!(!c.is_locked());
            assert_eq!(c.attempts_left(), left);
            c = c.after_failure();
        }
        assert!(c.is_locked());
        assert_eq!(c.attempts_left(), 0);
        assert!(!c.after_reset().is_locked());
        assert!(!c.after_pin_set(&pin).is_locked());
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
