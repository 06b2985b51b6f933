//! The entry/exit logbook (第19条第1項) in the store: record, and read by room or person.
//!
//! A line is no record of its own: it is the entry event, read through the `ENTRY_LINES_*`
//! indexes over the event's own fields, closed by the exits that name it (the `refers`
//! index). Nothing is copied, so a line cannot disagree with its evidence, and an exit
//! writes its event and nothing else of the line. Who is inside is kept per room in
//! `OCCUPANCY`.

use super::codec::{from_js, from_js_whole, to_js_whole};
use super::paging::{read_page, LogIndexes, LogPage, LogQuery};
use super::registers::{check_and_append, read_door_registers, referring, SMALL};
use super::{event_key, schema, ProjectionWrite, Result, Store, StoreError, WriteMode};
use chrono::{DateTime, Utc};
use daicho_core::{EntryRecord, EntryRecorded, Event, EventId, EventKind, ExitRecorded, Registers};
use rexie::{Direction, KeyRange, Transaction, TransactionMode};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};
use wasm_bindgen::JsValue;

/// Who is inside a room: the entries recorded there with no exit yet. Kept in the
/// transaction of each entry and exit; an exit pulled before its entry is remembered until
/// the entry comes (`pulled::EXITS_BEFORE_ENTRIES`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(super) struct Occupancy {
    pub room_id: String,
    pub inside: Vec<EventId>,
}

impl Occupancy {
    pub fn of(room_id: &str) -> Self {
        Occupancy {
            room_id: room_id.to_string(),
            inside: Vec::new(),
        }
    }

    /// The record's new version, converted in one piece (it may hold many ids).
    fn write(&self) -> ProjectionWrite {
        ProjectionWrite {
            store: schema::OCCUPANCY,
            value: to_js_whole(self),
            mode: WriteMode::Replace,
        }
    }
}

/// A room's occupancy, with the lines of those inside.
struct Inside {
    occupancy: Occupancy,
    lines: Vec<EntryRecord>,
}

/// The stores a logbook read covers: the events (the lines) and who is inside.
const READ: [&str; 2] = [schema::EVENTS, schema::OCCUPANCY];

impl Store {
    /// Records an entry if the operator may and the room's rules allow this person in;
    /// refused, nothing is written.
    pub async fn record_entry(
        &self,
        entry: EntryRecorded,
        operator: &str,
        now: DateTime<Utc>,
    ) -> Result<EntryRecord> {
        let people = [
            operator,
            &entry.person_id,
            entry.escort_id.as_deref().unwrap_or(""),
        ];
        let (tx, mut registers) = self.logbook_transaction(&entry.room_id, &people).await?;
        let Inside {
            mut occupancy,
            lines,
        } = inside_in(&tx, &entry.room_id).await?;
        for open in lines {
            registers.entries.insert(open.id.clone(), open);
        }
        let kind = EventKind::EntryRecorded(entry.clone());
        let event = check_and_append(tx, &registers, kind, operator, now, |event, _| {
            occupancy.inside.push(event.id());
            vec![occupancy.write()]
        })
        .await?;
        Ok(EntryRecord::opened(event.id(), &entry, operator))
    }

    /// Records an exit closing an open entry; refused, nothing is written.
    pub async fn record_exit(
        &self,
        exit: ExitRecorded,
        operator: &str,
        now: DateTime<Utc>,
    ) -> Result<EntryRecord> {
        let (tx, mut registers) = self.logbook_transaction("", &[operator]).await?;
        let entry = line(&tx, &exit.entry).await?;
        let mut occupancy = match &entry {
            Some(entry) => read_occupancy(&tx, &entry.room_id).await?,
            None => Occupancy::default(),
        };
        if let Some(entry) = &entry {
            registers.entries.insert(entry.id.clone(), entry.clone());
        }
        let kind = EventKind::ExitRecorded(exit.clone());
        let mut closed = None;
        check_and_append(tx, &registers, kind, operator, now, |event, _| {
            let Some(open) = entry else {
                return Vec::new();
            };
            occupancy.inside.retain(|id| *id != open.id);
            closed = Some(open.closed(event.id(), &exit, operator));
            vec![occupancy.write()]
        })
        .await?;
        closed.ok_or_else(|| StoreError::Storage("exit not recorded".into()))
    }

    /// A write transaction over the registers and who is inside, with what the door's rules
    /// need of `room_id` and `people` read.
    async fn logbook_transaction(
        &self,
        room_id: &str,
        people: &[&str],
    ) -> Result<(Transaction, Registers)> {
        let mut stores = SMALL.to_vec();
        stores.push(schema::OCCUPANCY);
        let tx = self.write_transaction(&stores)?;
        let registers = read_door_registers(&tx, room_id, people).await?;
        Ok((tx, registers))
    }

    /// Who is inside `room_id` now, earliest entry first.
    pub async fn inside(&self, room_id: &str) -> Result<Vec<EntryRecord>> {
        let tx = self.db.transaction(&READ, TransactionMode::ReadOnly)?;
        Ok(inside_in(&tx, room_id).await?.lines)
    }

    /// How many are inside `room_id` now.
    pub async fn inside_count(&self, room_id: &str) -> Result<u32> {
        Ok(self.inside(room_id).await?.len() as u32)
    }

    /// One page of the logbook: one room's or one person's lines (or both, or all), within a
    /// time range, read through the matching index.
    pub async fn entry_page(
        &self,
        room_id: Option<&str>,
        person_id: Option<&str>,
        query: &LogQuery,
    ) -> Result<LogPage<EntryRecord>> {
        let tx = self
            .db
            .transaction(&[schema::EVENTS], TransactionMode::ReadOnly)?;
        let store = tx.store(schema::EVENTS)?;
        let (prefix_index, prefix) = match (room_id, person_id) {
            (Some(room), Some(person)) => (
                schema::ENTRY_LINES_BY_ROOM_PERSON_TIME,
                vec![room.to_string(), person.to_string()],
            ),
            (None, Some(person)) => (schema::ENTRY_LINES_BY_PERSON_TIME, vec![person.to_string()]),
            (Some(room), None) => (schema::ENTRY_LINES_BY_ROOM_TIME, vec![room.to_string()]),
            (None, None) => (schema::ENTRY_LINES_BY_ROOM_TIME, Vec::new()),
        };
        let indexes = LogIndexes {
            by_time: store.index(schema::ENTRY_LINES_BY_TIME)?,
            by_prefix_time: store.index(prefix_index)?,
        };
        let query = LogQuery {
            prefix,
            ..query.clone()
        };
        let page = read_page(&indexes, &query, entered_ms).await?;
        Ok(LogPage {
            rows: lines(&tx, page.rows).await?,
            total: page.total,
            next: page.next,
        })
    }

    /// The newest `limit` lines of `room_id`'s logbook, newest first, read through the
    /// `[room_id, entered_at]` index so a long logbook is never loaded whole.
    pub async fn room_log(&self, room_id: &str, limit: u32) -> Result<Vec<EntryRecord>> {
        let tx = self
            .db
            .transaction(&[schema::EVENTS], TransactionMode::ReadOnly)?;
        let index = tx
            .store(schema::EVENTS)?
            .index(schema::ENTRY_LINES_BY_ROOM_TIME)?;
        // [room] sorts before every [room, time], and [room, []] after (arrays follow numbers).
        let lower = js_sys::Array::of1(&JsValue::from_str(room_id));
        let upper = js_sys::Array::of2(&JsValue::from_str(room_id), &js_sys::Array::new());
        let range = KeyRange::bound(&lower, &upper, None, None).map_err(rexie::Error::from)?;
        let rows = index
            .scan(Some(range), Some(limit), None, Some(Direction::Prev))
            .await?;
        let events = rows
            .into_iter()
            .map(|(_, value)| from_js(value))
            .collect::<Result<Vec<Event>>>()?;
        lines(&tx, events).await
    }
}

/// When an entry event says the person entered (the logbook's time), in milliseconds.
fn entered_ms(event: &Event) -> i64 {
    match &event.kind {
        EventKind::EntryRecorded(entry) => entry.entered_at.timestamp_millis(),
        _ => 0,
    }
}

/// `room_id`'s occupancy and the lines of those inside: one read of each entry event, no
/// exits (an exit takes its entry out of the record in its own transaction).
async fn inside_in(tx: &Transaction, room_id: &str) -> Result<Inside> {
    let mut occupancy = read_occupancy(tx, room_id).await?;
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
    occupancy.inside = inside.iter().map(|e| e.id.clone()).collect();
    Ok(Inside {
        occupancy,
        lines: inside,
    })
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

/// The line of the entry `id`: its event, closed by the exits naming it; `None` if this
/// device holds no entry of that id.
pub(super) async fn line(tx: &Transaction, id: &EventId) -> Result<Option<EntryRecord>> {
    let Some(value) = tx.store(schema::EVENTS)?.get(event_key(id)).await? else {
        return Ok(None);
    };
    let entry: Event = from_js(value)?;
    let exits = referring(tx, id).await?;
    Ok(EntryRecord::of_events(&entry, &exits))
}

/// The lines of entry `events`, in their order (their exits read together, one index read
/// each).
async fn lines(tx: &Transaction, events: Vec<Event>) -> Result<Vec<EntryRecord>> {
    let ids: Vec<EventId> = events.iter().map(Event::id).collect();
    let exits = futures::future::try_join_all(ids.iter().map(|id| referring(tx, id)));
    let exits = exits.await?;
    Ok(events
        .iter()
        .zip(&exits)
        .filter_map(|(entry, exits)| EntryRecord::of_events(entry, exits))
        .collect())
}

impl Store {
    /// Fills who is inside each room from the events, once per database (those from before
    /// schema 9 kept it in the lines they stored; a new one finds no entries). Marked done in
    /// the device store, in the same transaction.
    pub(super) async fn fill_occupancy_once(&self) -> Result<()> {
        let stores = [schema::EVENTS, schema::OCCUPANCY, schema::DEVICE];
        let tx = self.db.transaction(&stores, TransactionMode::ReadWrite)?;
        let device = tx.store(schema::DEVICE)?;
        let marker = JsValue::from_str(OCCUPANCY_FILLED_KEY);
        if device.get(marker.clone()).await?.is_some() {
            return Ok(());
        }
        let events = tx.store(schema::EVENTS)?;
        let entries = events.index(schema::ENTRY_LINES_BY_TIME)?;
        let entries: Vec<Event> = from_all(entries.get_all(None, None).await?)?;
        let exit_kind =
            KeyRange::only(&JsValue::from_str("exit_recorded")).map_err(rexie::Error::from)?;
        let exits = events.index(schema::EVENTS_BY_KIND)?;
        let exits: Vec<Event> = from_all(exits.get_all(Some(exit_kind), None).await?)?;
        let closed: HashSet<&EventId> = exits
            .iter()
            .filter_map(|e| match &e.kind {
                EventKind::ExitRecorded(exit) => Some(&exit.entry),
                _ => None,
            })
            .collect();
        let mut rooms: BTreeMap<&str, Occupancy> = BTreeMap::new();
        for entry in entries.iter().filter(|e| !closed.contains(&e.id())) {
            let EventKind::EntryRecorded(recorded) = &entry.kind else {
                continue;
            };
            let room = rooms
                .entry(&recorded.room_id)
                .or_insert_with(|| Occupancy::of(&recorded.room_id));
            room.inside.push(entry.id());
        }
        let store = tx.store(schema::OCCUPANCY)?;
        for occupancy in rooms.values() {
            store.put(&to_js_whole(occupancy), None).await?;
        }
        device.put(&JsValue::TRUE, Some(&marker)).await?;
        tx.done().await?;
        Ok(())
    }
}

/// The device-store key marking `fill_occupancy_once` done.
const OCCUPANCY_FILLED_KEY: &str = "occupancy_filled";

fn from_all<T: serde::de::DeserializeOwned>(values: Vec<JsValue>) -> Result<Vec<T>> {
    values.into_iter().map(from_js).collect()
}
