//! The entry/exit logbook (第19条第1項) in the store: record, and read by room or person.
//!
//! A line is no record of its own: it is the entry event, read through the `ENTRY_LINES_*`
//! indexes over the event's own fields, closed by the exits that name it (the `refers`
//! index). Nothing is copied, so a line cannot disagree with its evidence, and an exit
//! writes its event and nothing else of the line. Who is inside is kept per room in
//! `OCCUPANCY`.

use super::codec::from_js;
use super::facts::{inside, line_events};
use super::paging::{read_page, LogIndexes, LogPage, LogQuery};
use super::registers::referring;
use super::{schema, Result, Store};
use chrono::{DateTime, Utc};
use daicho_core::{tr, EntryRecord, EntryRecorded, Event, EventId, EventKind, ExitRecorded};
use rexie::{Direction, KeyRange, Transaction, TransactionMode};
use wasm_bindgen::JsValue;

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
        let kind = EventKind::EntryRecorded(entry.clone());
        let event = self.record(kind, operator, now).await?;
        Ok(EntryRecord::opened(event.id(), &entry, operator))
    }

    /// Records an exit closing an open entry; refused, nothing is written.
    pub async fn record_exit(
        &self,
        exit: ExitRecorded,
        operator: &str,
        now: DateTime<Utc>,
    ) -> Result<EntryRecord> {
        let kind = EventKind::ExitRecorded(exit.clone());
        self.record(kind, operator, now).await?;
        let tx = self.db.transaction(&READ, TransactionMode::ReadOnly)?;
        let line = line(&tx, &exit.entry).await?;
        let missing = || tr!("入室記録 %{id}", id = exit.entry).into_owned();
        line.ok_or_else(|| super::StoreError::Unreadable(missing()))
    }

    /// Who is inside `room_id` now, earliest entry first.
    pub async fn inside(&self, room_id: &str) -> Result<Vec<EntryRecord>> {
        let tx = self.db.transaction(&READ, TransactionMode::ReadOnly)?;
        inside(&tx, room_id).await
    }
    /// What the door reads for `entry` now (the rule's facts, read as the entry reads them).
    pub async fn door_facts(
        &self,
        entry: &EntryRecorded,
    ) -> Result<daicho_core::admission::DoorFacts> {
        let stores = [
            schema::EVENTS,
            schema::OCCUPANCY,
            schema::ROOMS,
            schema::PEOPLE,
            schema::PERMITS,
            schema::KEYS,
            schema::LOANS,
        ];
        let tx = self.db.transaction(&stores, TransactionMode::ReadOnly)?;
        super::facts::door_facts(&tx, entry).await
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

/// The line of the entry `id`: its event, closed by the exits naming it; `None` if this
/// device holds no entry of that id.
pub(super) async fn line(tx: &Transaction, id: &EventId) -> Result<Option<EntryRecord>> {
    let events = line_events(tx, id).await?;
    let Some(entry) = events.iter().find(|e| e.id() == *id) else {
        return Ok(None);
    };
    Ok(EntryRecord::of_events(entry, &events))
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
