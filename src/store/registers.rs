//! Reading the registers: a snapshot of the small ones for the pages (rooms, people, roles,
//! permits, keys, the loans out, and the office registers folded by daicho-core from their
//! events), and a record's whole history. Never the logbooks' history whole.

use super::codec::from_js;
use super::{event_key, schema, Result, Store};
use daicho_core::corrections::CorrectionTrail;
use daicho_core::office::OFFICE_KINDS;
use daicho_core::projection::{Record, RecordKey};
use daicho_core::sort::sort_by;
use daicho_core::{Event, EventId, EventTag, Registers};
use rexie::{KeyRange, Transaction, TransactionMode};
use std::collections::BTreeMap;
use wasm_bindgen::JsValue;

/// The stores of the snapshot besides the events.
const SMALL: [&str; 8] = [
    schema::ROOMS,
    schema::PEOPLE,
    schema::POSITIONS,
    schema::ROLE_ASSIGNMENTS,
    schema::TENURES,
    schema::PERMITS,
    schema::KEYS,
    schema::LOANS,
];

/// Every record of a small register (rooms, people, permits, keys: never the logbooks).
pub(super) async fn read_all<T: serde::de::DeserializeOwned>(
    tx: &Transaction,
    store: &str,
) -> Result<Vec<T>> {
    let values = tx.store(store)?.get_all(None, None).await?;
    values.into_iter().map(from_js).collect()
}

/// Every record of `store` with the key each is kept under (for stores keyed apart).
async fn read_keyed<T: serde::de::DeserializeOwned>(
    tx: &Transaction,
    store: &str,
) -> Result<Vec<(EventId, T)>> {
    let store = tx.store(store)?;
    let (keys, values) =
        futures::try_join!(store.get_all_keys(None, None), store.get_all(None, None))?;
    let ids = keys
        .iter()
        .map(|k| k.as_string().unwrap_or_default().parse::<EventId>());
    ids.zip(values)
        .map(|(id, value)| {
            let id = id.map_err(super::StoreError::Unreadable)?;
            Ok((id, from_js(value)?))
        })
        .collect()
}

/// The events of `kinds`, in fold order.
pub(super) async fn events_of_kinds(tx: &Transaction, kinds: &[EventTag]) -> Result<Vec<Event>> {
    let store = tx.store(schema::EVENTS)?;
    let (by_kind, entries) = (
        store.index(schema::EVENTS_BY_KIND)?,
        store.index(schema::ENTRY_LINES_BY_TIME)?,
    );
    // One read per kind, all issued together: the transaction answers them in one go. The
    // entries are not in the kind index: theirs holds exactly them.
    let reads = kinds.iter().map(|kind| match super::kind_key(*kind) {
        Some(key) => Ok(by_kind.get_all(Some(only(key)?), None)),
        None => Ok(entries.get_all(None, None)),
    });
    let reads = reads.collect::<Result<Vec<_>>>()?;
    let mut events = Vec::new();
    for value in futures::future::try_join_all(reads)
        .await?
        .into_iter()
        .flatten()
    {
        events.push(from_js::<Event>(value)?);
    }
    sort_by(&mut events, |a, b| a.fold_key().cmp(&b.fold_key()));
    Ok(events)
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
    /// A read-only snapshot of the registers (everything but the logbooks' history and who is
    /// inside): the small registers' records and the office registers' events.
    pub async fn registers(&self) -> Result<Registers> {
        let mut stores = vec![schema::EVENTS];
        stores.extend_from_slice(&SMALL);
        let tx = self.db.transaction(&stores, TransactionMode::ReadOnly)?;
        let mut registers = Registers::default();
        for (key, record) in small_records(&tx).await? {
            registers.put(key, Some(record));
        }
        let mut kinds = OFFICE_KINDS.to_vec();
        kinds.push(EventTag::CorrectionRecorded);
        kinds.extend(daicho_core::entry_measures::MEASURE_KINDS);
        for event in events_of_kinds(&tx, &kinds).await? {
            registers.keep(&event);
        }
        Ok(registers)
    }

    /// The corrections of every record, by the record's id (read through the kind index).
    pub async fn corrections(&self) -> Result<BTreeMap<EventId, CorrectionTrail>> {
        let tx = self
            .db
            .transaction(&[schema::EVENTS], TransactionMode::ReadOnly)?;
        let mut registers = Registers::default();
        for event in events_of_kinds(&tx, &[EventTag::CorrectionRecorded]).await? {
            registers.keep(&event);
        }
        Ok(registers.corrections().clone())
    }

    /// The events of `kinds`, in fold order: the lines of an office register with their ids,
    /// for pages that show and link each line.
    pub async fn events_of(&self, kinds: &[EventTag]) -> Result<Vec<Event>> {
        let tx = self
            .db
            .transaction(&[schema::EVENTS], TransactionMode::ReadOnly)?;
        events_of_kinds(&tx, kinds).await
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
        sort_by(&mut events, |a, b| a.fold_key().cmp(&b.fold_key()));
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
        if let Some(value) = store.get(event_key(id)).await? {
            events.push(from_js::<Event>(value)?);
        }
        events.extend(referring(&tx, id).await?);
        let own = usize::from(!events.is_empty());
        sort_by(&mut events[own..], |a, b| a.fold_key().cmp(&b.fold_key()));
        Ok(events)
    }

    /// Every record the projection keeps, by key: what daicho-core's `Records::all` holds for
    /// the same events (for comparing the two).
    pub async fn records(&self) -> Result<BTreeMap<RecordKey, Record>> {
        let mut stores = SMALL.to_vec();
        stores.extend([schema::CREDENTIALS, schema::OCCUPANCY, schema::WAITING]);
        let tx = self.db.transaction(&stores, TransactionMode::ReadOnly)?;
        let mut all: BTreeMap<RecordKey, Record> = small_records(&tx).await?.into_iter().collect();
        let loans: Vec<daicho_core::key_log::KeyLoan> = read_all(&tx, schema::LOANS).await?;
        all.extend(
            loans
                .into_iter()
                .map(|l| (RecordKey::Loan(l.id.clone()), Record::Loan(l))),
        );
        let credentials = tx.store(schema::CREDENTIALS)?;
        let (keys, values) = futures::try_join!(
            credentials.get_all_keys(None, None),
            credentials.get_all(None, None),
        )?;
        for (key, value) in keys.iter().zip(values) {
            let person = key.as_string().unwrap_or_default();
            all.insert(
                RecordKey::Credential(person),
                Record::Credential(from_js(value)?),
            );
        }
        for value in tx.store(schema::OCCUPANCY)?.get_all(None, None).await? {
            let o: daicho_core::projection::Occupancy = super::codec::from_js(value)?;
            all.insert(
                RecordKey::Occupancy(o.room_id.clone()),
                Record::Occupancy(o),
            );
        }
        for value in tx.store(schema::WAITING)?.get_all(None, None).await? {
            let w: daicho_core::projection::Waiting = super::codec::from_js(value)?;
            all.insert(RecordKey::Waiting(w.target.clone()), Record::Waiting(w));
        }
        Ok(all)
    }
}

/// The small registers' records, by key (the loans: only those out).
async fn small_records(tx: &Transaction) -> Result<Vec<(RecordKey, Record)>> {
    use RecordKey as K;
    let mut all: Vec<(RecordKey, Record)> = Vec::new();
    let rooms: Vec<daicho_core::Room> = read_all(tx, schema::ROOMS).await?;
    all.extend(
        rooms
            .into_iter()
            .map(|r| (K::Room(r.id.clone()), Record::Room(r))),
    );
    let people: Vec<daicho_core::Versioned<daicho_core::people::PersonDefined>> =
        read_all(tx, schema::PEOPLE).await?;
    all.extend(
        people
            .into_iter()
            .map(|p| (K::Person(p.id.clone()), Record::Person(p))),
    );
    let positions: Vec<daicho_core::Versioned<daicho_core::organisation::Position>> =
        read_all(tx, schema::POSITIONS).await?;
    all.extend(
        positions
            .into_iter()
            .map(|p| (K::Position(p.id.clone()), Record::Position(p))),
    );
    let keys: Vec<daicho_core::Versioned<daicho_core::key_log::KeyDefined>> =
        read_all(tx, schema::KEYS).await?;
    all.extend(
        keys.into_iter()
            .map(|k| (K::Key(k.id.clone()), Record::Key(k))),
    );
    for (id, a) in read_keyed(tx, schema::ROLE_ASSIGNMENTS).await? {
        all.push((K::RoleAssignment(id), Record::RoleAssignment(a)));
    }
    for (id, t) in read_keyed(tx, schema::TENURES).await? {
        all.push((K::Tenure(id), Record::Tenure(t)));
    }
    let permits: Vec<daicho_core::room_permit::Permit> = read_all(tx, schema::PERMITS).await?;
    all.extend(
        permits
            .into_iter()
            .map(|p| (K::Permit(p.id.clone()), Record::Permit(p))),
    );
    let out = tx.store(schema::LOANS)?.index(schema::LOANS_OUT)?;
    for value in out.get_all(None, None).await? {
        let loan: daicho_core::key_log::KeyLoan = from_js(value)?;
        all.push((K::Loan(loan.id.clone()), Record::Loan(loan)));
    }
    Ok(all)
}
