//! The registers a rule needs, read inside the write's own transaction, and the one checked
//! write every register goes through: authority of the operator on the day, then the rules of
//! daicho-core, then the event with its projection — or, refused, nothing at all.
//!
//! Small registers (rooms, people, roles, permits, keys, loans still out) have their own
//! stores. The office registers (meetings, instructions, equipment, assets, ID ledgers) and the
//! corrections are folded by daicho-core from their events, read through the kind index: the
//! same fold the server runs, and never the logbooks' history.

use super::codec::from_js;
use super::{append_in, read_all, refuse, schema, ProjectionWrite, Result, Store};
use chrono::{DateTime, Utc};
use daicho_core::authority::check_authority;
use daicho_core::corrections::CorrectionTrail;
use daicho_core::key_log::{KeyDefined, KeyLoan};
use daicho_core::office::Versioned;
use daicho_core::organisation::{RoleAssigned, TenureRecorded};
use daicho_core::people::PersonDefined;
use daicho_core::room_permit::Permit;
use daicho_core::{DeviceId, Event, EventId, EventKind, Hlc, Registers, Room};
use rexie::{KeyRange, Transaction, TransactionMode};
use std::collections::BTreeMap;
use wasm_bindgen::JsValue;

/// Every store a checked write reads besides the events.
pub(super) const SMALL: [&str; 7] = [
    schema::ROOMS,
    schema::PEOPLE,
    schema::ROLE_ASSIGNMENTS,
    schema::TENURES,
    schema::PERMITS,
    schema::KEYS,
    schema::LOANS,
];

/// The kinds folded into the office registers and the corrections.
const FOLDED_KINDS: [&str; 13] = [
    "equipment_registered",
    "asset_registered",
    "handler_designated",
    "measure_recorded",
    "operator_id_kind_defined",
    "id_ledger_recorded",
    "collation_info_recorded",
    "meeting_held",
    "opinion_received",
    "instruction_issued",
    "follow_up_reported",
    "instruction_closed",
    "correction_recorded",
];

/// The kinds the 操作者ID rule reads (第11条): which kinds govern an act, and who holds them.
const OPERATOR_ID_KINDS: [&str; 2] = ["operator_id_kind_defined", "id_ledger_recorded"];

/// The small registers and the folded office registers, as of this transaction.
pub(super) async fn read_registers(tx: &Transaction) -> Result<Registers> {
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
        let loan: KeyLoan = from_js(value)?;
        registers.loans.insert(loan.id.clone(), loan);
    }
    for event in events_of_kinds(tx, &FOLDED_KINDS).await? {
        registers.apply(&event);
    }
    Ok(registers)
}

/// The events of `kinds` (stored names), in fold order.
async fn events_of_kinds(tx: &Transaction, kinds: &[&str]) -> Result<Vec<Event>> {
    let index = tx.store(schema::EVENTS)?.index(schema::EVENTS_BY_KIND)?;
    let mut events = Vec::new();
    for &kind in kinds {
        for value in index.get_all(Some(only(kind)?), None).await? {
            events.push(from_js::<Event>(value)?);
        }
    }
    events.sort_by(|a, b| a.fold_key().cmp(&b.fold_key()));
    Ok(events)
}

/// What the door's rules read for a logbook line (第17条): the room, the people named, the
/// room's permits and the loans still out, and the 操作者ID ledger (第11条) — a handful of
/// reads, so recording an entry at the counter does not wait for the other office registers.
pub(super) async fn read_door_registers(
    tx: &Transaction,
    room_id: &str,
    people: &[&str],
) -> Result<Registers> {
    // The reads are independent: issued together, the transaction answers them in one go
    // rather than one round trip after another.
    let people = people.iter().filter(|id| !id.is_empty());
    let (room, people, permits, loans, operator_ids) = futures::try_join!(
        get::<Room>(tx, schema::ROOMS, room_id),
        futures::future::try_join_all(people.map(|id| get::<PersonDefined>(
            tx,
            schema::PEOPLE,
            id
        ))),
        read_all::<Permit>(tx, schema::PERMITS),
        loans_out(tx),
        events_of_kinds(tx, &OPERATOR_ID_KINDS),
    )?;
    let mut registers = Registers::default();
    for event in operator_ids {
        registers.apply(&event);
    }
    if let Some(room) = room {
        registers.rooms.insert(room.id.clone(), room);
    }
    for person in people.into_iter().flatten() {
        let versioned = Versioned {
            value: person.clone(),
            at: Hlc::default(),
            on: DeviceId(String::new()),
        };
        registers.office.people.insert(person.id, versioned);
    }
    for p in permits.into_iter().filter(|p| p.room_id == room_id) {
        registers.permits.insert(p.id.clone(), p);
    }
    for loan in loans {
        registers.loans.insert(loan.id.clone(), loan);
    }
    Ok(registers)
}

/// One record of `store` by its key.
async fn get<T: serde::de::DeserializeOwned>(
    tx: &Transaction,
    store: &str,
    key: &str,
) -> Result<Option<T>> {
    let value = tx.store(store)?.get(JsValue::from_str(key)).await?;
    value.map(from_js).transpose()
}

/// The loans still out (one index read).
async fn loans_out(tx: &Transaction) -> Result<Vec<KeyLoan>> {
    let out = tx.store(schema::LOANS)?.index(schema::LOANS_OUT)?;
    out.get_all(None, None)
        .await?
        .into_iter()
        .map(from_js)
        .collect()
}

/// The checks and the append of a checked write, in the caller's transaction (which covers
/// the stores `project` writes): authority on the day, then the rules, then the event.
pub(super) async fn check_and_append(
    tx: Transaction,
    registers: &Registers,
    kind: EventKind,
    operator: &str,
    now: DateTime<Utc>,
    project: impl FnOnce(&Event, &Registers) -> Vec<ProjectionWrite>,
) -> Result<Event> {
    let day = daicho_core::wareki::to_jst(now).date_naive();
    let checked =
        check_authority(registers, operator, &kind, day).and_then(|()| registers.check(&kind, now));
    if let Err(refusals) = checked {
        return refuse(tx, refusals).await;
    }
    let event = append_in(&tx, kind, operator, now.timestamp_millis(), |event| {
        project(event, registers)
    })
    .await?;
    tx.done().await?;
    Ok(event)
}

/// The events that act on the record `id` (its exits, return, corrections …), through the
/// `refers` index, in the index's order.
pub(super) async fn referring(tx: &Transaction, id: &EventId) -> Result<Vec<Event>> {
    let index = tx.store(schema::EVENTS)?.index(schema::EVENTS_REFERRING)?;
    let values = index.get_all(Some(only(&id.to_string())?), None).await?;
    values.into_iter().map(from_js).collect()
}

pub(super) fn only(key: &str) -> Result<KeyRange> {
    Ok(KeyRange::only(&JsValue::from_str(key)).map_err(rexie::Error::from)?)
}

impl Store {
    /// Seeds the equipment of 第16条 once, as events marked as defaults to edit.
    pub(super) async fn seed_equipment(&self) -> Result<()> {
        let tx = self.write_transaction(&[])?;
        let index = tx.store(schema::EVENTS)?.index(schema::EVENTS_BY_KIND)?;
        if index.count(Some(only("equipment_registered")?)).await? == 0 {
            let now_ms = js_sys::Date::now() as i64;
            let operator = super::rooms::SYSTEM_OPERATOR;
            for item in daicho_core::equipment::default_equipment() {
                let kind = EventKind::EquipmentRegistered(item);
                append_in(&tx, kind, operator, now_ms, |_| Vec::new()).await?;
            }
        }
        tx.done().await?;
        Ok(())
    }

    /// The corrections of every record, by the record's id (read through the kind index).
    pub async fn corrections(&self) -> Result<BTreeMap<EventId, CorrectionTrail>> {
        let tx = self
            .db
            .transaction(&[schema::EVENTS], TransactionMode::ReadOnly)?;
        let mut registers = Registers::default();
        for event in events_of_kinds(&tx, &["correction_recorded"]).await? {
            registers.apply(&event);
        }
        Ok(registers.corrections)
    }

    /// A read-only snapshot of the registers (everything but the logbooks' history).
    pub async fn registers(&self) -> Result<Registers> {
        let mut stores = vec![schema::EVENTS];
        stores.extend_from_slice(&SMALL);
        let tx = self.db.transaction(&stores, TransactionMode::ReadOnly)?;
        read_registers(&tx).await
    }

    /// The events of `kinds` (stored names such as `"id_ledger_recorded"`), in fold order: the
    /// lines of an office register with their ids, for pages that show and link each line.
    pub async fn events_of(&self, kinds: &[&str]) -> Result<Vec<Event>> {
        let tx = self
            .db
            .transaction(&[schema::EVENTS], TransactionMode::ReadOnly)?;
        events_of_kinds(&tx, kinds).await
    }

    /// Checks `kind` (authority of `operator` on the day, then the rules) and appends it with
    /// the projection records `project` makes; refused, nothing is stored.
    pub(super) async fn checked_write(
        &self,
        kind: EventKind,
        operator: &str,
        now: DateTime<Utc>,
        project: impl FnOnce(&Event, &Registers) -> Vec<ProjectionWrite>,
    ) -> Result<Event> {
        let tx = self.write_transaction(&SMALL)?;
        let registers = read_registers(&tx).await?;
        check_and_append(tx, &registers, kind, operator, now, project).await
    }

    /// Records an act of an office register (a meeting, an instruction, an asset, a ledger
    /// line, a correction …): the event is the record, folded on read.
    pub async fn record(
        &self,
        kind: EventKind,
        operator: &str,
        now: DateTime<Utc>,
    ) -> Result<Event> {
        self.checked_write(kind, operator, now, |_, _| Vec::new())
            .await
    }

    /// Every version of a master record (`"room:<id>"`, `"person:<id>"` …), oldest first.
    pub async fn versions(&self, record: &str) -> Result<Vec<Event>> {
        let tx = self
            .db
            .transaction(&[schema::EVENTS], TransactionMode::ReadOnly)?;
        let index = tx.store(schema::EVENTS)?.index(schema::EVENTS_REFERRING)?;
        let mut events: Vec<Event> = index
            .get_all(Some(only(record)?), None)
            .await?
            .into_iter()
            .map(from_js)
            .collect::<Result<_>>()?;
        events.sort_by(|a, b| a.fold_key().cmp(&b.fold_key()));
        Ok(events)
    }

    /// The whole history of the record `id`: its own event, then every event that acts on it
    /// (exit, return, revocation, opinion, report, closing, correction), oldest first.
    pub async fn history(&self, id: &EventId) -> Result<Vec<Event>> {
        let tx = self
            .db
            .transaction(&[schema::EVENTS], TransactionMode::ReadOnly)?;
        let store = tx.store(schema::EVENTS)?;
        let mut events = Vec::new();
        if let Some(value) = store.get(super::event_key(id)).await? {
            events.push(from_js::<Event>(value)?);
        }
        events.extend(referring(&tx, id).await?);
        let own = usize::from(!events.is_empty());
        events[own..].sort_by(|a, b| a.fold_key().cmp(&b.fold_key()));
        Ok(events)
    }
}
