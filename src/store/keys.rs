//! Permissions to enter, keys, and the key logbook (第17–19条) in the store. Each write checks
//! the operator's authority and the rules against the small registers read in its own
//! transaction, then appends the event with its projection.

use super::paging::{read_page, LogIndexes, LogPage, LogQuery};
use super::registers::read_all;
use super::{schema, Result, Store, StoreError};
use chrono::{DateTime, Utc};
use daicho_core::entry_measures::{EntryMeasureSet, RoomMeasure};
use daicho_core::key_log::{KeyDefined, KeyLent, KeyLoan, KeyLoanVoided, KeyReturned};
use daicho_core::room_permit::{PermissionGranted, Permit, PermitRevoked, VisitPermitGranted};
use daicho_core::sort::sort_by_key;
use daicho_core::{EventKind, Versioned};
use rexie::{Direction, KeyRange, TransactionMode};
use wasm_bindgen::JsValue;

impl Store {
    pub async fn permits(&self) -> Result<Vec<Permit>> {
        let tx = self
            .db
            .transaction(&[schema::PERMITS], TransactionMode::ReadOnly)?;
        read_all(&tx, schema::PERMITS).await
    }

    /// Records that a loan of a key lent twice at once was not real (by the entry manager).
    pub async fn void_loan(
        &self,
        void: KeyLoanVoided,
        operator: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.record(EventKind::KeyLoanVoided(void), operator, now)
            .await
            .map(|_| ())
    }

    /// Every entry manager's measure recorded (第18条第2項), in the order recorded.
    pub async fn entry_measures(&self) -> Result<Vec<RoomMeasure>> {
        let tx = self
            .db
            .transaction(&[schema::EVENTS], TransactionMode::ReadOnly)?;
        super::facts::measures(&tx).await
    }

    /// Records an entry manager's measure for a room, in force or lifted from its day.
    pub async fn set_entry_measure(
        &self,
        set: EntryMeasureSet,
        operator: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.record(EventKind::EntryMeasureSet(set), operator, now)
            .await
            .map(|_| ())
    }

    /// Grants a standing permission (by the room's entry manager, 第18条).
    pub async fn grant_permission(
        &self,
        grant: PermissionGranted,
        operator: &str,
        now: DateTime<Utc>,
    ) -> Result<Permit> {
        let kind = EventKind::PermissionGranted(grant.clone());
        let event = self.record(kind, operator, now).await?;
        Ok(Permit::standing(event.id(), &grant))
    }

    /// Grants a per-visit permit for a level-3 room.
    pub async fn grant_visit_permit(
        &self,
        grant: VisitPermitGranted,
        operator: &str,
        now: DateTime<Utc>,
    ) -> Result<Permit> {
        let kind = EventKind::VisitPermitGranted(grant.clone());
        let event = self.record(kind, operator, now).await?;
        Ok(Permit::visit(event.id(), &grant))
    }

    /// Withdraws a permission or permit from `revocation.at` on (by the room's entry manager).
    pub async fn revoke_permit(
        &self,
        revocation: PermitRevoked,
        operator: &str,
        now: DateTime<Utc>,
    ) -> Result<Permit> {
        let key = revocation.permit.to_string();
        let kind = EventKind::PermitRevoked(revocation);
        self.record(kind, operator, now).await?;
        self.read_one(schema::PERMITS, &key).await
    }

    pub async fn keys(&self) -> Result<Vec<KeyDefined>> {
        let tx = self
            .db
            .transaction(&[schema::KEYS], TransactionMode::ReadOnly)?;
        let keys: Vec<Versioned<KeyDefined>> = read_all(&tx, schema::KEYS).await?;
        Ok(keys.into_iter().map(|k| k.value).collect())
    }

    /// Registers a key of a level-3 or level-2 room.
    pub async fn define_key(
        &self,
        key: KeyDefined,
        operator: &str,
        now: DateTime<Utc>,
    ) -> Result<KeyDefined> {
        let kind = EventKind::KeyDefined(key.clone());
        self.record(kind, operator, now).await?;
        Ok(key)
    }

    /// Lends a key to a permitted person (第18条第4項), one holder at a time.
    pub async fn lend_key(
        &self,
        lent: KeyLent,
        operator: &str,
        now: DateTime<Utc>,
    ) -> Result<KeyLoan> {
        let kind = EventKind::KeyLent(lent.clone());
        let event = self.record(kind, operator, now).await?;
        Ok(KeyLoan::opened(event.id(), &lent))
    }

    /// Records a key's return, closing its loan.
    pub async fn return_key(
        &self,
        ret: KeyReturned,
        operator: &str,
        now: DateTime<Utc>,
    ) -> Result<KeyLoan> {
        let key = ret.loan.to_string();
        self.record(EventKind::KeyReturned(ret), operator, now)
            .await?;
        self.read_one(schema::LOANS, &key).await
    }

    /// The record `key` of `store`, as a write just left it.
    async fn read_one<T: serde::de::DeserializeOwned>(&self, store: &str, key: &str) -> Result<T> {
        let tx = self.db.transaction(&[store], TransactionMode::ReadOnly)?;
        match tx.store(store)?.get(JsValue::from_str(key)).await? {
            Some(value) => super::codec::from_js(value),
            None => Err(StoreError::Unreadable(format!("{store} {key}"))),
        }
    }

    /// The keys out now (one index read), due first.
    pub async fn keys_out(&self) -> Result<Vec<KeyLoan>> {
        let tx = self
            .db
            .transaction(&[schema::LOANS], TransactionMode::ReadOnly)?;
        let index = tx.store(schema::LOANS)?.index(schema::LOANS_OUT)?;
        let mut out: Vec<KeyLoan> = index
            .get_all(None, None)
            .await?
            .into_iter()
            .map(super::codec::from_js)
            .collect::<Result<_>>()?;
        sort_by_key(&mut out, |l| l.due_back);
        Ok(out)
    }

    /// One page of the key logbook: one key's loans or all, within a time range, read through
    /// the matching index.
    pub async fn loan_page(
        &self,
        key_id: Option<&str>,
        query: &LogQuery,
    ) -> Result<LogPage<KeyLoan>> {
        let tx = self
            .db
            .transaction(&[schema::LOANS], TransactionMode::ReadOnly)?;
        let store = tx.store(schema::LOANS)?;
        let indexes = LogIndexes {
            by_time: store.index(schema::LOANS_BY_TIME)?,
            by_prefix_time: store.index(schema::LOANS_BY_KEY_TIME)?,
        };
        let query = LogQuery {
            prefix: key_id.map(str::to_string).into_iter().collect(),
            ..query.clone()
        };
        read_page(&indexes, &query, |l: &KeyLoan| l.lent_at.timestamp_millis()).await
    }

    /// The newest `limit` lines of one key's logbook.
    pub async fn key_log(&self, key_id: &str, limit: u32) -> Result<Vec<KeyLoan>> {
        let tx = self
            .db
            .transaction(&[schema::LOANS], TransactionMode::ReadOnly)?;
        let index = tx.store(schema::LOANS)?.index(schema::LOANS_BY_KEY_TIME)?;
        let lower = js_sys::Array::of1(&JsValue::from_str(key_id));
        let upper = js_sys::Array::of2(&JsValue::from_str(key_id), &js_sys::Array::new());
        let range = KeyRange::bound(&lower, &upper, None, None).map_err(rexie::Error::from)?;
        let rows = index
            .scan(Some(range), Some(limit), None, Some(Direction::Prev))
            .await?;
        rows.into_iter()
            .map(|(_, value)| super::codec::from_js(value))
            .collect()
    }
}
