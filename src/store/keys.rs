//! Permissions to enter, keys, and the key logbook (第17–19条) in the store. Each write checks
//! the operator's authority and the rules against the small registers read in its own
//! transaction, then appends the event with its projection.

use super::paging::{read_page, LogIndexes, LogPage, LogQuery};
use super::{read_all, schema, Result, Store, StoreError};
use super::{ProjectionWrite, WriteMode};
use chrono::{DateTime, Utc};
use daicho_core::key_log::{KeyDefined, KeyLent, KeyLoan, KeyReturned};
use daicho_core::room_permit::{PermissionGranted, Permit, PermitRevoked, VisitPermitGranted};
use daicho_core::EventKind;
use rexie::{Direction, KeyRange, TransactionMode};
use wasm_bindgen::JsValue;

impl Store {
    pub async fn permits(&self) -> Result<Vec<Permit>> {
        let tx = self
            .db
            .transaction(&[schema::PERMITS], TransactionMode::ReadOnly)?;
        read_all(&tx, schema::PERMITS).await
    }

    /// Grants a standing permission (by the room's entry manager, 第18条).
    pub async fn grant_permission(
        &self,
        grant: PermissionGranted,
        operator: &str,
        now: DateTime<Utc>,
    ) -> Result<Permit> {
        let kind = EventKind::PermissionGranted(grant.clone());
        let event = self
            .checked_write(kind, operator, now, |event, _| {
                let permit = Permit::standing(event.id(), &grant);
                vec![ProjectionWrite::new(
                    schema::PERMITS,
                    &permit,
                    WriteMode::Insert,
                )]
            })
            .await?;
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
        let event = self
            .checked_write(kind, operator, now, |event, _| {
                let permit = Permit::visit(event.id(), &grant);
                vec![ProjectionWrite::new(
                    schema::PERMITS,
                    &permit,
                    WriteMode::Insert,
                )]
            })
            .await?;
        Ok(Permit::visit(event.id(), &grant))
    }

    /// Withdraws a permission or permit from `revocation.at` on (by the room's entry manager).
    pub async fn revoke_permit(
        &self,
        revocation: PermitRevoked,
        operator: &str,
        now: DateTime<Utc>,
    ) -> Result<Permit> {
        let kind = EventKind::PermitRevoked(revocation.clone());
        let mut revoked = None;
        self.checked_write(kind, operator, now, |_, registers| {
            let Some(permit) = registers.permits.get(&revocation.permit) else {
                return Vec::new();
            };
            let permit = Permit {
                revoked_at: Some(revocation.at),
                ..permit.clone()
            };
            let write = ProjectionWrite::new(schema::PERMITS, &permit, WriteMode::Replace);
            revoked = Some(permit);
            vec![write]
        })
        .await?;
        revoked.ok_or_else(|| StoreError::Storage("revocation not recorded".into()))
    }

    pub async fn keys(&self) -> Result<Vec<KeyDefined>> {
        let tx = self
            .db
            .transaction(&[schema::KEYS], TransactionMode::ReadOnly)?;
        read_all(&tx, schema::KEYS).await
    }

    /// Registers a key of a level-3 or level-2 room.
    pub async fn define_key(
        &self,
        key: KeyDefined,
        operator: &str,
        now: DateTime<Utc>,
    ) -> Result<KeyDefined> {
        let kind = EventKind::KeyDefined(key.clone());
        self.checked_write(kind, operator, now, |_, _| {
            vec![ProjectionWrite::new(schema::KEYS, &key, WriteMode::Replace)]
        })
        .await?;
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
        let mut opened = None;
        self.checked_write(kind, operator, now, |event, registers| {
            let room_id = registers
                .keys
                .get(&lent.key_id)
                .map(|k| k.room_id.clone())
                .unwrap_or_default();
            let loan = KeyLoan::opened(event.id(), &room_id, &lent);
            let write = ProjectionWrite::new(schema::LOANS, &loan, WriteMode::Insert);
            opened = Some(loan);
            vec![write]
        })
        .await?;
        opened.ok_or_else(|| StoreError::Storage("loan not recorded".into()))
    }

    /// Records a key's return, closing its loan.
    pub async fn return_key(
        &self,
        ret: KeyReturned,
        operator: &str,
        now: DateTime<Utc>,
    ) -> Result<KeyLoan> {
        let kind = EventKind::KeyReturned(ret.clone());
        let mut closed = None;
        self.checked_write(kind, operator, now, |_, registers| {
            let Some(loan) = registers.loans.get(&ret.loan) else {
                return Vec::new();
            };
            let loan = loan.closed(&ret);
            let write = ProjectionWrite::new(schema::LOANS, &loan, WriteMode::Replace);
            closed = Some(loan);
            vec![write]
        })
        .await?;
        closed.ok_or_else(|| StoreError::Storage("return not recorded".into()))
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
        out.sort_by_key(|l| l.due_back);
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
