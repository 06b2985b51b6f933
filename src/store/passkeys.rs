//! 照合情報認証 (第8条第2項): the passkeys registered in the 照合ID ledger, and signing in with
//! one. The browser checks the authenticator's answer against the registered public key
//! before recording the sign-in (offline too); the endpoint checks it again when it syncs.

use super::{Result, Store, StoreError};
use crate::auth::webauthn;
use chrono::{DateTime, Utc};
use daicho_core::id_ledger::IdRecord;
use daicho_core::people::PersonDefined;
use daicho_core::sign_in::{
    check_passkey_sign_in, passkeys_for, SignInFailed, SignInMethod, SignedIn,
};
use daicho_core::webauthn::{challenge, Assertion, PasskeyCredential};
use daicho_core::{
    tr, Article, EventKind, EventTag, Field, Refusal, RefusalCode, Refusals, Registers,
};

const LEDGER_KINDS: [EventTag; 2] = [EventTag::IdLedgerRecorded, EventTag::CollationInfoRecorded];

impl Store {
    /// The 照合IDs as the ledger's lines leave them.
    async fn collation_ids(&self) -> Result<Vec<IdRecord>> {
        let events = self.events_of(&LEDGER_KINDS).await?;
        Ok(Registers::fold(&events)
            .office()
            .ids
            .values()
            .cloned()
            .collect())
    }

    /// The passkeys registered for `person_id` under active 照合IDs.
    pub async fn passkeys_of(&self, person_id: &str) -> Result<Vec<PasskeyCredential>> {
        let ids = self.collation_ids().await?;
        Ok(passkeys_for(&ids, person_id).into_iter().cloned().collect())
    }

    /// Signs `person_id` in with their authenticator; a failure is recorded (第12条) and
    /// refused with its reason.
    pub async fn passkey_sign_in(
        &self,
        person_id: &str,
        now: DateTime<Utc>,
    ) -> Result<PersonDefined> {
        let ids = self.collation_ids().await?;
        let device = self.device().await?.id.0;
        let nonce = crate::auth::pin::new_salt().map_err(StoreError::Crypto)?;
        let at_ms = now.timestamp_millis();
        let credential_ids: Vec<String> = passkeys_for(&ids, person_id)
            .iter()
            .map(|c| c.id.clone())
            .collect();
        if credential_ids.is_empty() {
            return Err(collation_failed(
                tr!("照合情報が登録されていません。").into_owned(),
            ));
        }
        let challenge = challenge(person_id, &device, &nonce, at_ms);
        let answer = webauthn::assert(credential_ids, &challenge).await;
        let signed_in = match answer {
            Ok(a) => SignedIn {
                person_id: person_id.to_string(),
                method: SignInMethod::Passkey,
                assertion: Some(Assertion {
                    credential_id: a.credential_id,
                    rp_id: webauthn::rp_id(),
                    nonce,
                    asserted_at_ms: at_ms,
                    authenticator_data: a.authenticator_data,
                    client_data_json: a.client_data_json,
                    signature: a.signature,
                }),
                fallback: false,
            },
            Err(reason) => return Err(self.record_failure(person_id, reason, now).await),
        };
        if let Err(refusals) = check_passkey_sign_in(&signed_in, &device, &ids) {
            return Err(self
                .record_failure(person_id, refusals.to_string(), now)
                .await);
        }
        self.record(EventKind::SignedIn(signed_in), person_id, now)
            .await?;
        let people = self.people().await?;
        people
            .into_iter()
            .find(|p| p.id == person_id)
            .ok_or_else(|| collation_failed(tr!("職員として登録されていません。").into_owned()))
    }

    /// Records a failed passkey sign-in and gives the refusal to show.
    async fn record_failure(
        &self,
        person_id: &str,
        reason: String,
        now: DateTime<Utc>,
    ) -> StoreError {
        let kind = EventKind::SignInFailed(SignInFailed {
            person_id: person_id.to_string(),
            method: SignInMethod::Passkey,
            reason: Some(reason.clone()),
        });
        match self.record(kind, person_id, now).await {
            Ok(_) => collation_failed(reason),
            Err(e) => e,
        }
    }
}

fn collation_failed(reason: String) -> StoreError {
    let code = RefusalCode::CollationFailed { reason };
    let refusal = Refusal::new(code, Field::Person, Some(Article::paragraph(8, 2)));
    StoreError::Refused(Refusals(vec![refusal]))
}
