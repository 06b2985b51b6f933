//! What a verdict reads, read through the indexes inside the write's own transaction: what
//! daicho-core's `needs` names for the act, and for an entry the door's `DoorFacts`. Nothing
//! else is read, and never a whole logbook.

use super::codec::{from_js, from_js_whole};
use super::registers::{events_of_kinds, only, referring};
use super::{event_key, records, schema, Result};
use chrono::{DateTime, Utc};
use daicho_core::admission::DoorFacts;
use daicho_core::key_log::KeyLoan;
use daicho_core::needs::{next_needs, Need};
use daicho_core::people::PersonDefined;
use daicho_core::projection::{Occupancy, Record, RecordKey};
use daicho_core::room_permit::Permit;
use daicho_core::{
    EntryRecord, EntryRecorded, Event, EventId, EventKind, Refusals, Registers, Room, Versioned,
};
use rexie::{KeyRange, Transaction};
use std::collections::BTreeSet;
use wasm_bindgen::JsValue;

/// The verdict on `kind` by `operator` now, from what this transaction holds.
pub(super) async fn judge(
    tx: &Transaction,
    kind: &EventKind,
    operator: &str,
    now: DateTime<Utc>,
) -> Result<std::result::Result<(), Refusals>> {
    let registers = read_needs(tx, kind, operator).await?;
    Ok(match kind {
        EventKind::EntryRecorded(entry) => {
            let facts = door_facts(tx, entry).await?;
            registers.judge_entry(entry, &facts, operator, now)
        }
        kind => registers.judge(kind, operator, now),
    })
}

/// Registers holding what `needs` names for the act, and nothing more.
pub(super) async fn read_needs(
    tx: &Transaction,
    kind: &EventKind,
    operator: &str,
) -> Result<Registers> {
    let (mut have, mut asked) = (Registers::default(), BTreeSet::new());
    loop {
        let new = next_needs(kind, operator, &have, &mut asked);
        if new.is_empty() {
            return Ok(have);
        }
        for need in new {
            fill(tx, &mut have, need).await?;
        }
    }
}

async fn fill(tx: &Transaction, have: &mut Registers, need: Need) -> Result<()> {
    match need {
        Need::Organisation => organisation(tx, have).await,
        Need::Record(key) => {
            let record = records::read(tx, &key).await?;
            have.put(key, record);
            Ok(())
        }
        Need::PermitsOf { room_id, person_id } => {
            for permit in permits_of(tx, &room_id, &person_id).await? {
                have.put(
                    RecordKey::Permit(permit.id.clone()),
                    Some(Record::Permit(permit)),
                );
            }
            Ok(())
        }
        Need::LoansOutOf(key_id) => {
            for loan in loans_out_of(tx, &key_id).await? {
                have.put(RecordKey::Loan(loan.id.clone()), Some(Record::Loan(loan)));
            }
            Ok(())
        }
        Need::Line(entry) => keep(have, line_events(tx, &entry).await?),
        Need::Corrected(target) => {
            let mut events: Vec<Event> = event(tx, &target).await?.into_iter().collect();
            let corrections = referring(tx, &target).await?.into_iter();
            events
                .extend(corrections.filter(|e| matches!(e.kind, EventKind::CorrectionRecorded(_))));
            keep(have, events)
        }
        Need::Kinds(tags) => keep(have, events_of_kinds(tx, tags).await?),
    }
}

fn keep(have: &mut Registers, events: Vec<Event>) -> Result<()> {
    events.iter().for_each(|e| have.keep(e));
    Ok(())
}

/// The role mapping and every term of office (small registers, read whole).
async fn organisation(tx: &Transaction, have: &mut Registers) -> Result<()> {
    let (assignments, tenures) = (
        tx.store(schema::ROLE_ASSIGNMENTS)?,
        tx.store(schema::TENURES)?,
    );
    let (assignments, tenures) =
        futures::try_join!(assignments.get_all(None, None), tenures.get_all(None, None))?;
    for value in assignments {
        let a: Versioned<daicho_core::organisation::RoleAssigned> = from_js(value)?;
        have.put(
            RecordKey::RoleAssignment(a.version.event()),
            Some(Record::RoleAssignment(a)),
        );
    }
    for value in tenures {
        let t: Versioned<daicho_core::organisation::TenureRecorded> = from_js(value)?;
        have.put(
            RecordKey::Tenure(t.version.event()),
            Some(Record::Tenure(t)),
        );
    }
    Ok(())
}

/// The event `id`, if this device holds it.
async fn event(tx: &Transaction, id: &EventId) -> Result<Option<Event>> {
    let value = tx.store(schema::EVENTS)?.get(event_key(id)).await?;
    value.map(from_js).transpose()
}

/// An entry's event and the exits naming it.
pub(super) async fn line_events(tx: &Transaction, entry: &EventId) -> Result<Vec<Event>> {
    let (own, exits) = futures::try_join!(event(tx, entry), referring(tx, entry))?;
    Ok(own.into_iter().chain(exits).collect())
}

/// A person's permits into a room (one index read).
async fn permits_of(tx: &Transaction, room_id: &str, person_id: &str) -> Result<Vec<Permit>> {
    let index = tx
        .store(schema::PERMITS)?
        .index(schema::PERMITS_BY_ROOM_PERSON)?;
    let key = js_sys::Array::of2(&JsValue::from_str(room_id), &JsValue::from_str(person_id));
    let range = KeyRange::only(&key).map_err(rexie::Error::from)?;
    index
        .get_all(Some(range), None)
        .await?
        .into_iter()
        .map(from_js)
        .collect()
}

/// The loans of a key still out (one index read: a key is out once at a time, but two
/// tablets offline may each have lent it).
async fn loans_out_of(tx: &Transaction, key_id: &str) -> Result<Vec<KeyLoan>> {
    let index = tx.store(schema::LOANS)?.index(schema::LOANS_OUT)?;
    let values = index.get_all(Some(only(key_id)?), None).await?;
    values.into_iter().map(from_js).collect()
}

/// What the door reads for `entry` (第17条): the room, the people it names, their permits
/// into it, the loans out of its keys and who is inside: a handful of index reads, issued
/// together, so the tap at the counter waits for nothing else.
pub(super) async fn door_facts(tx: &Transaction, entry: &EntryRecorded) -> Result<DoorFacts> {
    let person_id = entry.person_id.as_str();
    let escort_id = entry.escort_id.as_deref();
    let (room, person, escort, permits, escort_permits, loans_out, inside) = futures::try_join!(
        get::<Room>(tx, schema::ROOMS, &entry.room_id),
        get::<Versioned<PersonDefined>>(tx, schema::PEOPLE, person_id),
        async {
            match escort_id {
                Some(id) => get::<Versioned<PersonDefined>>(tx, schema::PEOPLE, id).await,
                None => Ok(None),
            }
        },
        permits_of(tx, &entry.room_id, person_id),
        async {
            match escort_id {
                Some(id) => permits_of(tx, &entry.room_id, id).await,
                None => Ok(Vec::new()),
            }
        },
        loans_out_of_room(tx, &entry.room_id),
        inside(tx, &entry.room_id),
    )?;
    Ok(DoorFacts {
        room,
        person: person.map(|p| p.value),
        escort: escort.map(|p| p.value),
        permits: permits.into_iter().chain(escort_permits).collect(),
        loans_out,
        inside,
    })
}

/// One record of `store` by its key.
async fn get<T: serde::de::DeserializeOwned>(
    tx: &Transaction,
    store: &str,
    key: &str,
) -> Result<Option<T>> {
    if key.is_empty() {
        return Ok(None);
    }
    let value = tx.store(store)?.get(JsValue::from_str(key)).await?;
    value.map(from_js).transpose()
}

/// The loans still out of the room's keys.
async fn loans_out_of_room(tx: &Transaction, room_id: &str) -> Result<Vec<KeyLoan>> {
    let index = tx.store(schema::KEYS)?.index(schema::KEYS_BY_ROOM)?;
    let keys = index.get_all_keys(Some(only(room_id)?), None).await?;
    let reads = keys
        .iter()
        .filter_map(|k| k.as_string())
        .map(|key| async move { loans_out_of(tx, &key).await });
    let loans = futures::future::try_join_all(reads).await?;
    Ok(loans.into_iter().flatten().collect())
}

/// Who is inside `room_id` now, earliest entry first: its occupancy, and each entry's event
/// (no exits: an exit takes its entry out of the occupancy in its own transaction).
pub(super) async fn inside(tx: &Transaction, room_id: &str) -> Result<Vec<EntryRecord>> {
    let occupancy = read_occupancy(tx, room_id).await?;
    let store = tx.store(schema::EVENTS)?;
    let reads = occupancy.inside.iter().map(|id| store.get(event_key(id)));
    let mut inside = Vec::new();
    for value in futures::future::try_join_all(reads)
        .await?
        .into_iter()
        .flatten()
    {
        let entry: Event = from_js(value)?;
        inside.extend(EntryRecord::of_events(&entry, []));
    }
    inside.sort_by_key(|e| e.entered_at);
    Ok(inside)
}

/// Who is inside `room_id` as stored (an empty room has no record).
pub(super) async fn read_occupancy(tx: &Transaction, room_id: &str) -> Result<Occupancy> {
    let stored = tx
        .store(schema::OCCUPANCY)?
        .get(JsValue::from_str(room_id))
        .await?;
    match stored {
        Some(value) => from_js_whole(&value),
        None => Ok(Occupancy::of(room_id)),
    }
}
