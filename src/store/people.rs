//! Staff and visitors, their PINs, and signing in (第8条・第12条: every sign-in and every failed
//! one is an event of the operation history).

use super::codec::{from_js, to_js};
use super::registers::{read_registers, SMALL};
use super::{append_in, schema, ProjectionWrite, Result, Store, StoreError, WriteMode};
use crate::auth::pin;
use chrono::{DateTime, Utc};
use daicho_core::authority::check_authority;
use daicho_core::people::PersonDefined;
use daicho_core::sign_in::{
    check_sign_in_event, digests_match, pin_is_well_formed, Credential, PinSet, PinUnlocked,
    SignInFailed, SignInMethod, SignedIn, SignedOut, PIN_ITERATIONS,
};
use daicho_core::{EventKind, Field, Refusal, RefusalCode, Refusals};
use rexie::{Transaction, TransactionMode};
use std::collections::BTreeMap;
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
        let mut people: Vec<PersonDefined> =
            values.into_iter().map(from_js).collect::<Result<_>>()?;
        people.sort_by(|a, b| {
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
        self.checked_write(kind, operator, now, |_, _| {
            vec![ProjectionWrite::new(
                schema::PEOPLE,
                &person,
                WriteMode::Replace,
            )]
        })
        .await?;
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
        let salt = pin::new_salt().map_err(StoreError::Storage)?;
        let hash = pin::hash_pin(pin, &salt, PIN_ITERATIONS)
            .await
            .map_err(StoreError::Storage)?;
        let set = PinSet {
            person_id: person_id.to_string(),
            salt,
            hash,
            iterations: PIN_ITERATIONS,
        };
        self.record_credential_event(EventKind::PinSet(set), person_id, operator, now)
            .await
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
            return Err(refused(pin_state("未設定"), Field::Pin));
        };
        if credential.is_locked() {
            return Err(refused(pin_state("ロック中"), Field::Pin));
        }
        let hash = pin::hash_pin(pin, &stored.salt, stored.iterations)
            .await
            .map_err(StoreError::Storage)?;
        let person = person_id.to_string();
        if digests_match(&hash, &stored.hash) {
            // A PIN sign-in by someone with 照合情報 registered: the biometric failed them.
            let fallback = !self.passkeys_of(person_id).await?.is_empty();
            let kind = EventKind::SignedIn(SignedIn::with_pin(person_id, fallback));
            self.record_credential_event(kind, person_id, person_id, now)
                .await?;
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
            self.record_credential_event(kind, person_id, person_id, now)
                .await?;
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
        self.record_credential_event(kind, person_id, person_id, now)
            .await
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
        self.record_credential_event(kind, person_id, operator, now)
            .await
    }

    /// Appends a sign-in event after the core's check, with the credential it leaves.
    pub(super) async fn record_credential_event(
        &self,
        kind: EventKind,
        person_id: &str,
        operator: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let mut stores = SMALL.to_vec();
        stores.push(schema::CREDENTIALS);
        let tx = self.write_transaction(&stores)?;
        // Setting or unlocking a PIN is the system administrator's (第4条); signing in, anyone's.
        let registers = read_registers(&tx).await?;
        let day = daicho_core::wareki::to_jst(now).date_naive();
        if let Err(refusals) = check_authority(&registers, operator, &kind, day) {
            tx.abort().await?;
            return Err(StoreError::Refused(refusals));
        }
        let exists = tx
            .store(schema::PEOPLE)?
            .key_exists(JsValue::from_str(person_id))
            .await?;
        let credential = read_credential(&tx, person_id).await?;
        let known = BTreeMap::from([(person_id.to_string(), credential.clone())]);
        if let Err(refusals) = check_sign_in_event(&kind, &known, |_| exists) {
            tx.abort().await?;
            return Err(StoreError::Refused(refusals));
        }
        let next = credential.after(&kind);
        let key = JsValue::from_str(person_id);
        let value = to_js(&next);
        append_in(&tx, kind, operator, now.timestamp_millis(), |_| Vec::new()).await?;
        tx.store(schema::CREDENTIALS)?
            .put(&value, Some(&key))
            .await?;
        tx.done().await?;
        Ok(())
    }
}

fn pin_state(state: &str) -> RefusalCode {
    RefusalCode::WrongState {
        what: "暗証番号".into(),
        state: state.into(),
    }
}

fn unknown_person() -> RefusalCode {
    RefusalCode::UnknownRecord {
        what: "職員".into(),
    }
}

async fn read_credential(tx: &Transaction, person_id: &str) -> Result<Credential> {
    let value = tx
        .store(schema::CREDENTIALS)?
        .get(JsValue::from_str(person_id))
        .await?;
    Ok(value.map(from_js).transpose()?.unwrap_or_default())
}
