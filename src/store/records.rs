//! Where each record of daicho-core's projection lives in IndexedDB, and how it is read and
//! written there: one place that maps `RecordKey` to a store and a key, for every path that
//! writes registers (the device's own write, the pull, the rebuild).

use super::codec::{from_js, to_js};
use super::{event_key, schema, Result};
use daicho_core::projection::{Record, RecordKey};
use daicho_core::{Event, EventKind};
use rexie::Transaction;
use wasm_bindgen::JsValue;

/// A record's store, and its key there: for stores keyed by a field of the record (`id`,
/// `room_id`, `target`), the key is only for reading.
struct Place {
    store: &'static str,
    key: JsValue,
    in_line: bool,
}

fn place(key: &RecordKey) -> Place {
    use RecordKey as K;
    let (store, key, in_line) = match key {
        K::Room(id) => (schema::ROOMS, id.clone(), true),
        K::Person(id) => (schema::PEOPLE, id.clone(), true),
        K::Position(id) => (schema::POSITIONS, id.clone(), true),
        K::Key(id) => (schema::KEYS, id.clone(), true),
        K::RoleAssignment(id) => (schema::ROLE_ASSIGNMENTS, id.to_string(), false),
        K::Tenure(id) => (schema::TENURES, id.to_string(), false),
        K::Permit(id) => (schema::PERMITS, id.to_string(), true),
        K::Loan(id) => (schema::LOANS, id.to_string(), true),
        K::Occupancy(room) => (schema::OCCUPANCY, room.clone(), true),
        K::Waiting(id) => (schema::WAITING, id.to_string(), true),
        K::Credential(person) => (schema::CREDENTIALS, person.clone(), false),
        K::EntryRoom(_) => unreachable!("an entry's room is read from its event"),
    };
    Place {
        store,
        key: JsValue::from_str(&key),
        in_line,
    }
}

/// The record `key` names, as stored (an entry's room from the entry event).
pub(super) async fn read(tx: &Transaction, key: &RecordKey) -> Result<Option<Record>> {
    if let RecordKey::EntryRoom(id) = key {
        return entry_room(tx, id).await;
    }
    let place = place(key);
    let Some(value) = tx.store(place.store)?.get(place.key).await? else {
        return Ok(None);
    };
    use RecordKey as K;
    let record = match key {
        K::Room(_) => Record::Room(from_js(value)?),
        K::Person(_) => Record::Person(from_js(value)?),
        K::Position(_) => Record::Position(from_js(value)?),
        K::Key(_) => Record::Key(from_js(value)?),
        K::RoleAssignment(_) => Record::RoleAssignment(from_js(value)?),
        K::Tenure(_) => Record::Tenure(from_js(value)?),
        K::Permit(_) => Record::Permit(from_js(value)?),
        K::Loan(_) => Record::Loan(from_js(value)?),
        K::Occupancy(_) => Record::Occupancy(from_js(value)?),
        K::Waiting(_) => Record::Waiting(from_js(value)?),
        K::Credential(_) => Record::Credential(from_js(value)?),
        K::EntryRoom(_) => unreachable!("read above"),
    };
    Ok(Some(record))
}

/// The room the entry `id` was recorded in, if this device holds the entry.
async fn entry_room(tx: &Transaction, id: &daicho_core::EventId) -> Result<Option<Record>> {
    let Some(value) = tx.store(schema::EVENTS)?.get(event_key(id)).await? else {
        return Ok(None);
    };
    Ok(match from_js::<Event>(value)?.kind {
        EventKind::EntryRecorded(entry) => Some(Record::EntryRoom(entry.room_id)),
        _ => None,
    })
}

/// Writes `key`'s new value, or its removal.
pub(super) async fn write(
    tx: &Transaction,
    key: &RecordKey,
    record: Option<&Record>,
) -> Result<()> {
    let place = place(key);
    let store = tx.store(place.store)?;
    match record {
        None => store.delete(place.key).await?,
        Some(record) => {
            let key = (!place.in_line).then_some(&place.key);
            store.put(&value(record), key).await?;
        }
    }
    Ok(())
}

/// A record as IndexedDB keeps it: a plain object.
fn value(record: &Record) -> JsValue {
    match record {
        Record::Room(r) => to_js(r),
        Record::Person(r) => to_js(r),
        Record::Position(r) => to_js(r),
        Record::Key(r) => to_js(r),
        Record::RoleAssignment(r) => to_js(r),
        Record::Tenure(r) => to_js(r),
        Record::Permit(r) => to_js(r),
        Record::Loan(r) => to_js(r),
        Record::Occupancy(r) => to_js(r),
        Record::Waiting(r) => to_js(r),
        Record::Credential(r) => to_js(r),
        Record::EntryRoom(_) => unreachable!("an entry's room is never written"),
    }
}
