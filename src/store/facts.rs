//! What a verdict reads, read through the indexes inside the write's own transaction: what
//! daicho-core's `needs` names for the act, and for an entry the door's `DoorFacts`. Nothing
//! else is read, and never a whole logbook.

use super::codec::{from_js, stored_field};
use super::door_ahead::{self, AheadSlot, Seed};
use super::registers::{events_of_kinds, only, referring};
use super::{event_key, records, schema, Result};
use chrono::{DateTime, Utc};
use daicho_core::admission::{DoorFacts, Elsewhere};
use daicho_core::entry_measures::RoomMeasure;
use daicho_core::key_log::KeyLoan;
use daicho_core::needs::{next_needs, Need};
use daicho_core::people::PersonDefined;
use daicho_core::projection::{Occupancy, Record, RecordKey};
use daicho_core::room_permit::Permit;
use daicho_core::sort::sort_by_key;
use daicho_core::{
    EntryRecord, EntryRecorded, Event, EventId, EventKind, Refusals, Registers, Room, Versioned,
};
use rexie::{KeyRange, Transaction};
use std::collections::BTreeSet;
use wasm_bindgen::JsValue;

/// The verdict on `kind` by `operator` now, from what this transaction holds: for an entry, the
/// facts read `ahead` where they are still what it holds (with what its write reads, the
/// seed); else its door facts read beside what `needs` names, not after it.
pub(super) async fn judge(
    tx: &Transaction,
    kind: &EventKind,
    operator: &str,
    now: DateTime<Utc>,
    ahead: &AheadSlot,
) -> Result<(std::result::Result<(), Refusals>, Seed)> {
    if let EventKind::EntryRecorded(entry) = kind {
        if let Some(judged) = door_ahead::judge(tx, ahead, entry, operator, now).await? {
            return Ok(judged);
        }
    }
    let door = async {
        match kind {
            EventKind::EntryRecorded(entry) => door_facts(tx, entry).await.map(Some),
            _ => Ok(None),
        }
    };
    let ((registers, _), door) = futures::try_join!(read_needs(tx, kind, operator), door)?;
    let verdict = match (kind, door) {
        (EventKind::EntryRecorded(entry), Some(facts)) => {
            registers.judge_entry(entry, &facts, operator, now)
        }
        (kind, _) => registers.judge(kind, operator, now),
    };
    Ok((verdict, Seed::default()))
}

/// Registers holding what `needs` names for the act, and nothing more, with every need asked
/// (`door_ahead` takes them for a later act needing no other). Each round's reads are issued
/// together: the transaction answers them in one go.
pub(super) async fn read_needs(
    tx: &Transaction,
    kind: &EventKind,
    operator: &str,
) -> Result<(Registers, BTreeSet<Need>)> {
    let (mut have, mut asked) = (Registers::default(), BTreeSet::new());
    loop {
        let new = next_needs(kind, operator, &have, &mut asked);
        if new.is_empty() {
            return Ok((have, asked));
        }
        let fetched = futures::future::try_join_all(new.into_iter().map(|n| fetch(tx, n)));
        for found in fetched.await? {
            found.put_into(&mut have);
        }
    }
}

/// What one need brought back: records of the projection, or events to keep as registers.
enum Found {
    Records(Vec<(RecordKey, Record)>),
    Events(Vec<Event>),
}

impl Found {
    fn put_into(self, have: &mut Registers) {
        match self {
            Found::Records(records) => {
                for (key, record) in records {
                    have.put(key, Some(record));
                }
            }
            Found::Events(events) => events.iter().for_each(|e| have.keep(e)),
        }
    }
}

async fn fetch(tx: &Transaction, need: Need) -> Result<Found> {
    Ok(match need {
        Need::Organisation => Found::Records(organisation(tx).await?),
        Need::Record(key) => {
            let record = records::read(tx, &key).await?;
            Found::Records(record.map(|r| (key, r)).into_iter().collect())
        }
        Need::PermitsOf { room_id, person_id } => {
            let permits = permits_of(tx, &room_id, &person_id).await?.into_iter();
            Found::Records(
                permits
                    .map(|p| (RecordKey::Permit(p.id.clone()), Record::Permit(p)))
                    .collect(),
            )
        }
        Need::LoansOutOf(key_id) => {
            let loans = loans_out_of(tx, &key_id).await?.into_iter();
            Found::Records(
                loans
                    .map(|l| (RecordKey::Loan(l.id.clone()), Record::Loan(l)))
                    .collect(),
            )
        }
        Need::Line(entry) => Found::Events(line_events(tx, &entry).await?),
        Need::Corrected(target) => {
            let (own, acting) = futures::try_join!(event(tx, &target), referring(tx, &target))?;
            let corrections = acting
                .into_iter()
                .filter(|e| matches!(e.kind, EventKind::CorrectionRecorded(_)));
            Found::Events(own.into_iter().chain(corrections).collect())
        }
        Need::Kinds(tags) => Found::Events(events_of_kinds(tx, tags).await?),
    })
}

/// The role mapping and every term of office (small registers, read whole).
async fn organisation(tx: &Transaction) -> Result<Vec<(RecordKey, Record)>> {
    let (assignments, tenures) = (
        tx.store(schema::ROLE_ASSIGNMENTS)?,
        tx.store(schema::TENURES)?,
    );
    let (assignments, tenures) =
        futures::try_join!(assignments.get_all(None, None), tenures.get_all(None, None))?;
    let mut records = Vec::new();
    for value in assignments {
        let a: Versioned<daicho_core::organisation::RoleAssigned> = from_js(value)?;
        records.push((
            RecordKey::RoleAssignment(a.version.event()),
            Record::RoleAssignment(a),
        ));
    }
    for value in tenures {
        let t: Versioned<daicho_core::organisation::TenureRecorded> = from_js(value)?;
        records.push((RecordKey::Tenure(t.version.event()), Record::Tenure(t)));
    }
    Ok(records)
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
/// together, so the tap at the counter waits for nothing else; then, at level 3 with a key
/// out, the person's previous entry.
pub(super) async fn door_facts(tx: &Transaction, entry: &EntryRecorded) -> Result<DoorFacts> {
    let facts = facts_without_previous(tx, entry, Moment::At(entry.entered_at)).await?;
    // Read after the rest, and only where the rule looks at it: a level-3 room with a key out.
    with_previous_entry(tx, facts, entry).await
}

/// `facts` with the person's previous entry into the room, where the rule asks for it.
pub(super) async fn with_previous_entry(
    tx: &Transaction,
    mut facts: DoorFacts,
    entry: &EntryRecorded,
) -> Result<DoorFacts> {
    if facts.asks_previous_entry() {
        facts.previous_entry_at = previous_entry_at(tx, entry).await?;
    }
    Ok(facts)
}

/// When door facts are to hold: at the entry's moment, or at any moment from a time on (read
/// ahead of the tap, before its moment is known; `DoorFacts::at_entry` narrows them).
#[derive(Debug, Clone, Copy)]
pub(super) enum Moment {
    At(DateTime<Utc>),
    From(DateTime<Utc>),
}

impl Moment {
    /// The entry times, in ms, of the lines that may be open then.
    fn entered_range(self) -> (i64, i64) {
        let stay = daicho_core::entry_log::STAY_LIMIT_HOURS * 3_600_000;
        match self {
            Moment::At(at) => (at.timestamp_millis() - stay, at.timestamp_millis()),
            Moment::From(from) => (from.timestamp_millis() - stay, i64::MAX),
        }
    }

    /// May `line` be open then?
    fn may_be_open(self, line: &EntryRecord) -> bool {
        match self {
            Moment::At(at) => line.was_inside_at(at),
            Moment::From(from) => line.stay_end() > from,
        }
    }
}

/// The door's facts but the previous entry, as they hold at `moment`.
pub(super) async fn facts_without_previous(
    tx: &Transaction,
    entry: &EntryRecorded,
    moment: Moment,
) -> Result<DoorFacts> {
    let person_id = entry.person_id.as_str();
    let escort_id = entry.escort_id.as_deref();
    let read = futures::try_join!(
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
        measures_of(tx, &entry.room_id),
        elsewhere(tx, entry, moment),
    );
    let (room, person, escort, permits, escort_permits, loans_out, inside, measures, elsewhere) =
        read?;
    Ok(DoorFacts {
        room,
        person: person.map(|p| p.value),
        escort: escort.map(|p| p.value),
        permits: permits.into_iter().chain(escort_permits).collect(),
        loans_out,
        inside,
        measures,
        previous_entry_at: None,
        elsewhere,
    })
}

/// The person's lines of other rooms open at `moment` (entered within the stay limit before
/// it), with their rooms' names: one index read, and the exits of what it finds.
async fn elsewhere(
    tx: &Transaction,
    entry: &EntryRecorded,
    moment: Moment,
) -> Result<Vec<Elsewhere>> {
    if entry.person_id.is_empty() {
        return Ok(Vec::new());
    }
    let (from, to) = moment.entered_range();
    // Only other rooms' lines need reading: this room's are not the rule's concern, and a clerk
    // at a counter has many of them in a day.
    let other_room = |stored: &JsValue| {
        stored_field(stored, &["payload", "room_id"])
            .as_string()
            .as_deref()
            != Some(&entry.room_id)
    };
    let lines = person_lines_where(tx, &entry.person_id, from, to, other_room).await?;
    let open = lines.into_iter().filter(|l| moment.may_be_open(l));
    let mut found = Vec::new();
    for line in open {
        let room = get::<Room>(tx, schema::ROOMS, &line.room_id).await?;
        let room_name = room.map_or_else(|| line.room_id.clone(), |r| r.value.name);
        found.push(Elsewhere { line, room_name });
    }
    Ok(found)
}

/// A person's lines entered in `[from_ms, to_ms]`, each closed by the exits naming it: one
/// read of the lines by person and time, then the exits of each (the `refers` index).
pub(super) async fn person_lines(
    tx: &Transaction,
    person_id: &str,
    from_ms: i64,
    to_ms: i64,
) -> Result<Vec<EntryRecord>> {
    person_lines_where(tx, person_id, from_ms, to_ms, |_| true).await
}

/// `person_lines`, of the stored entries `keep` keeps (looked at as stored, before they are
/// read into events): the exits are read for those only.
async fn person_lines_where(
    tx: &Transaction,
    person_id: &str,
    from_ms: i64,
    to_ms: i64,
    keep: impl Fn(&JsValue) -> bool,
) -> Result<Vec<EntryRecord>> {
    let index = tx
        .store(schema::EVENTS)?
        .index(schema::ENTRY_LINES_BY_PERSON_TIME)?;
    let key =
        |ms: i64| js_sys::Array::of2(&JsValue::from_str(person_id), &JsValue::from_f64(ms as f64));
    let range =
        KeyRange::bound(&key(from_ms), &key(to_ms), None, None).map_err(rexie::Error::from)?;
    let entries: Vec<Event> = index
        .get_all(Some(range), None)
        .await?
        .into_iter()
        .filter(|stored| keep(stored))
        .map(from_js)
        .collect::<Result<_>>()?;
    let ids: Vec<EventId> = entries.iter().map(Event::id).collect();
    let exits = futures::future::try_join_all(ids.iter().map(|id| referring(tx, id)));
    let exits: Vec<Event> = exits.await?.into_iter().flatten().collect();
    Ok(entries
        .iter()
        .filter_map(|e| EntryRecord::of_events(e, &exits))
        .collect())
}

/// Every entry manager's measure recorded, in the order recorded (a handful a room: one kind
/// read through the kind index).
pub(super) async fn measures(tx: &Transaction) -> Result<Vec<RoomMeasure>> {
    let mut registers = Registers::default();
    for event in events_of_kinds(tx, &daicho_core::entry_measures::MEASURE_KINDS).await? {
        registers.keep(&event);
    }
    Ok(registers.entry_measures())
}

/// The measures recorded for one room.
async fn measures_of(tx: &Transaction, room_id: &str) -> Result<Vec<RoomMeasure>> {
    let mut all = measures(tx).await?;
    all.retain(|m| m.value.room_id == room_id);
    Ok(all)
}

/// When the person last entered the room before `entry`: one step back along the index of
/// lines by room, person and time.
async fn previous_entry_at(
    tx: &Transaction,
    entry: &EntryRecorded,
) -> Result<Option<DateTime<Utc>>> {
    let index = tx
        .store(schema::EVENTS)?
        .index(schema::ENTRY_LINES_BY_ROOM_PERSON_TIME)?;
    let key = |ms: f64| {
        js_sys::Array::of3(
            &JsValue::from_str(&entry.room_id),
            &JsValue::from_str(&entry.person_id),
            &JsValue::from_f64(ms),
        )
    };
    let (room_start, before) = (
        key(f64::MIN),
        key(entry.entered_at.timestamp_millis() as f64),
    );
    let range = KeyRange::bound(&room_start, &before, Some(false), Some(true))
        .map_err(rexie::Error::from)?;
    let found = index
        .scan(Some(range), Some(1), None, Some(rexie::Direction::Prev))
        .await?;
    let Some((_, value)) = found.into_iter().next() else {
        return Ok(None);
    };
    let event: Event = from_js(value)?;
    Ok(match event.kind {
        EventKind::EntryRecorded(e) => Some(e.entered_at),
        _ => None,
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
    sort_by_key(&mut inside, |e| e.entered_at);
    Ok(inside)
}

/// Who is inside `room_id` as stored (an empty room has no record).
pub(super) async fn read_occupancy(tx: &Transaction, room_id: &str) -> Result<Occupancy> {
    let stored = tx
        .store(schema::OCCUPANCY)?
        .get(JsValue::from_str(room_id))
        .await?;
    match stored {
        Some(value) => from_js(value),
        None => Ok(Occupancy::of(room_id)),
    }
}
