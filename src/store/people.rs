//! Staff and visitors, their PINs, and signing in (第8条・第12条: every sign-in and every failed
//! one is an event of the operation history).

use super::codec::from_js;
use super::{schema, Result, Store, StoreError};
use crate::auth::pin;
use chrono::{DateTime, Utc};
use daicho_core::people::PersonDefined;
use daicho_core::sign_in::{
    digests_match, pin_is_well_formed, Credential, PinSet, PinUnlocked, SignInFailed, SignInMethod,
    SignedIn, SignedOut, PIN_ITERATIONS,
};
use daicho_core::sort::sort_by;
use daicho_core::{tr, EventKind, Field, Refusal, RefusalCode, Refusals, Versioned};
use rexie::{Transaction, TransactionMode};
use wasm_bindgen::JsValue;

/// How a sign-in attempt ended.
#[derive(Debug, Clone, PartialEq)]
pub enum SignInOutcome {
    SignedIn(PersonDefined),
    /// Wrong PIN; this many attempts remain before the lock.
    WrongPin {
        attempts_left: u32,
    },
}

fn refused(code: RefusalCode, field: Field) -> StoreError {
    StoreError::Refused(Refusals(vec![Refusal::new(code, field, None)]))
}

impl Store {
    /// Everyone in the register, staff first, by 所属 then name.
    pub async fn people(&self) -> Result<Vec<PersonDefined>> {
        let tx = self
            .db
            .transaction(&[schema::PEOPLE], TransactionMode::ReadOnly)?;
        let values = tx.store(schema::PEOPLE)?.get_all(None, None).await?;
        let people: Vec<Versioned<PersonDefined>> =
            values.into_iter().map(from_js).collect::<Result<_>>()?;
        let mut people: Vec<PersonDefined> = people.into_iter().map(|p| p.value).collect();
        sort_by(&mut people, |a, b| {
            (!a.is_staff(), &a.affiliation, &a.name).cmp(&(!b.is_staff(), &b.affiliation, &b.name))
        });
        Ok(people)
    }

    pub async fn credential(&self, person_id: &str) -> Result<Credential> {
        let tx = self
            .db
            .transaction(&[schema::CREDENTIALS], TransactionMode::ReadOnly)?;
        read_credential(&tx, person_id).await
    }

    /// Adds or redefines a person.
    pub async fn define_person(
        &self,
        person: PersonDefined,
        operator: &str,
        now: DateTime<Utc>,
    ) -> Result<PersonDefined> {
        let kind = EventKind::PersonDefined(person.clone());
        self.record(kind, operator, now).await?;
        Ok(person)
    }

    /// Sets a person's PIN: only a salted PBKDF2 hash is recorded.
    pub async fn set_pin(
        &self,
        person_id: &str,
        pin: &str,
        operator: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        if !pin_is_well_formed(pin) {
            return Err(refused(RefusalCode::PinMalformed, Field::Pin));
        }
        // WebCrypto is awaited before the transaction opens: an IndexedDB transaction closes
        // when the code awaits anything else.
        let salt = pin::new_salt().map_err(StoreError::Crypto)?;
        let hash = pin::hash_pin(pin, &salt, PIN_ITERATIONS)
            .await
            .map_err(StoreError::Crypto)?;
        let set = PinSet {
            person_id: person_id.to_string(),
            salt,
            hash,
            iterations: PIN_ITERATIONS,
        };
        self.record(EventKind::PinSet(set), operator, now).await?;
        Ok(())
    }

    /// Checks `pin` for `person_id` and records the sign-in or the failure.
    pub async fn sign_in(
        &self,
        person_id: &str,
        pin: &str,
        now: DateTime<Utc>,
    ) -> Result<SignInOutcome> {
        let credential = self.credential(person_id).await?;
        let Some(stored) = credential.pin.clone() else {
            return Err(refused(pin_state(&tr!("未設定")), Field::Pin));
        };
        if credential.is_locked() {
            return Err(refused(pin_state(&tr!("ロック中")), Field::Pin));
        }
        let hash = pin::hash_pin(pin, &stored.salt, stored.iterations)
            .await
            .map_err(StoreError::Crypto)?;
        let person = person_id.to_string();
        if digests_match(&hash, &stored.hash) {
            // A PIN sign-in by someone with 照合情報 registered: the biometric failed them.
            let fallback = !self.passkeys_of(person_id).await?.is_empty();
            let kind = EventKind::SignedIn(SignedIn::with_pin(person_id, fallback));
            self.record(kind, person_id, now).await?;
            let people = self.people().await?;
            let who = people.into_iter().find(|p| p.id == person_id);
            who.map(SignInOutcome::SignedIn)
                .ok_or_else(|| refused(unknown_person(), Field::Person))
        } else {
            let kind = EventKind::SignInFailed(SignInFailed {
                person_id: person,
                method: SignInMethod::Pin,
                reason: None,
            });
            self.record(kind, person_id, now).await?;
            let attempts_left = self.credential(person_id).await?.attempts_left();
            Ok(SignInOutcome::WrongPin { attempts_left })
        }
    }

    /// Records a sign-out; `idle` when the shared tablet ended the session by itself.
    pub async fn sign_out(&self, person_id: &str, idle: bool, now: DateTime<Utc>) -> Result<()> {
        let kind = EventKind::SignedOut(SignedOut {
            person_id: person_id.to_string(),
            idle,
        });
        self.record(kind, person_id, now).await?;
        Ok(())
    }

    /// Lifts a PIN lock (an administrator's act).
    pub async fn unlock_pin(
        &self,
        person_id: &str,
        operator: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let kind = EventKind::PinUnlocked(PinUnlocked {
            person_id: person_id.to_string(),
        });
        self.record(kind, operator, now).await?;
        Ok(())
    }
}

fn pin_state(state: &str) -> RefusalCode {
    RefusalCode::WrongState {
        what: tr!("暗証番号").into_owned(),
        state: state.into(),
    }
}

fn unknown_person() -> RefusalCode {
    RefusalCode::UnknownRecord {
        what: tr!("職員").into_owned(),
    }
}

async fn read_credential(tx: &Transaction, person_id: &str) -> Result<Credential> {
    let value = tx
        .store(schema::CREDENTIALS)?
        .get(JsValue::from_str(person_id))
        .await?;
    Ok(value.map(from_js).transpose()?.unwrap_or_default())
}
