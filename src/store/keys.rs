//! Permissions to enter, keys, and the key logbook (第17–19条) in the store. Each write checks
//! the operator's authority and the rules against the small registers read in its own
//! transaction, then appends the event with its projection.

use super::{append_in, read_all, refuse, schema, Result, Store, StoreError};
use super::{ProjectionWrite, WriteMode};
use chrono::{DateTime, Utc};
use daicho_core::authority::check_authority;
use daicho_core::key_log::{KeyDefined, KeyLent, KeyLoan, KeyReturned};
use daicho_core::office::Versioned;
use daicho_core::organisation::{RoleAssigned, TenureRecorded};
use daicho_core::people::PersonDefined;
use daicho_core::room_permit::{PermissionGranted, Permit, PermitRevoked, VisitPermitGranted};
use daicho_core::{DeviceId, Event, EventKind, Hlc, Registers, Room};
use rexie::{Direction, KeyRange, Transaction, TransactionMode};
use wasm_bindgen::JsValue;

/// Every store a permission or key write reads or writes.
const STORES: [&str; 7] = [
    schema::ROOMS,
    schema::PEOPLE,
    schema::ROLE_ASSIGNMENTS,
    schema::TENURES,
    schema::PERMITS,
    schema::KEYS,
    schema::LOANS,
];

/// The registers a permission or key rule needs: all small (never the logbooks' history;
/// only the loans still out).
async fn small_registers(tx: &Transaction) -> Result<Registers> {
    let mut registers = Registers::default();
    for room in read_all::<Room>(tx, schema::ROOMS).await? {
        registers.rooms.insert(room.id.clone(), room);
    }
    for person in read_all::<PersonDefined>(tx, schema::PEOPLE).await? {
        let versioned = Versioned {
            value: person.clone(),
            at: Hlc::default(),
            on: DeviceId(String::new()),
        };
        registers.office.people.insert(person.id, versioned);
    }
    for a in read_all::<RoleAssigned>(tx, schema::ROLE_ASSIGNMENTS).await? {
        registers.organisation.apply_assignment(&a);
    }
    for t in read_all::<TenureRecorded>(tx, schema::TENURES).await? {
        registers.organisation.apply_tenure(&t);
    }
    for p in read_all::<Permit>(tx, schema::PERMITS).await? {
        registers.permits.insert(p.id.clone(), p);
    }
    for k in read_all::<KeyDefined>(tx, schema::KEYS).await? {
        registers.keys.insert(k.id.clone(), k);
    }
    let out = tx.store(schema::LOANS)?.index(schema::LOANS_OUT)?;
    for value in out.get_all(None, None).await? {
        let loan: KeyLoan = super::codec::from_js(value)?;
        registers.loans.insert(loan.id.clone(), loan);
    }
    Ok(registers)
}

impl Store {
    /// Checks `kind` (authority of `operator` on the day, then the rules) and appends it with
    /// the projection records `project` makes; refused, nothing is stored.
    async fn checked_write(
        &self,
        kind: EventKind,
        operator: &str,
        now: DateTime<Utc>,
        project: impl FnOnce(&Event, &Registers) -> Vec<ProjectionWrite>,
    ) -> Result<Event> {
        let tx = self.write_transaction(&STORES)?;
        let registers = small_registers(&tx).await?;
        let day = daicho_core::wareki::to_jst(now).date_naive();
        let checked = check_authority(&registers, operator, &kind, day)
            .and_then(|()| registers.check(&kind, now));
        if let Err(refusals) = checked {
            return refuse(tx, refusals).await;
        }
        let event = append_in(&tx, kind, operator, now.timestamp_millis(), |event| {
            project(event, &registers)
        })
        .await?;
        tx.done().await?;
        Ok(event)
    }

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
