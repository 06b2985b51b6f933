//! The entry/exit logbook (第19条第1項) in the store: record, and read by room.

use super::codec::from_js;
use super::paging::{read_page, LogIndexes, LogPage, LogQuery};
use super::registers::{check_and_append, read_door_registers, SMALL};
use super::{schema, ProjectionWrite, Result, Store, StoreError, WriteMode};
use chrono::{DateTime, Utc};
use daicho_core::{EntryRecord, EntryRecorded, EventKind, ExitRecorded, Registers};
use rexie::{Direction, KeyRange, Transaction, TransactionMode};
use wasm_bindgen::JsValue;

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
        let (tx, mut registers, inside) = self.logbook_transaction(&entry.room_id, &people).await?;
        for open in inside {
            registers.entries.insert(open.id.clone(), open);
        }
        let kind = EventKind::EntryRecorded(entry.clone());
        let event = check_and_append(tx, &registers, kind, operator, now, |event, _| {
            let record = EntryRecord::opened(event.id(), &entry, operator);
            vec![ProjectionWrite::new(
                schema::ENTRIES,
                &record,
                WriteMode::Insert,
            )]
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
        let (tx, mut registers, _) = self.logbook_transaction("", &[operator]).await?;
        let entry: Option<EntryRecord> = get(&tx, schema::ENTRIES, &exit.entry.to_string()).await?;
        if let Some(entry) = &entry {
            registers.entries.insert(entry.id.clone(), entry.clone());
        }
        let kind = EventKind::ExitRecorded(exit.clone());
        let mut closed = None;
        check_and_append(tx, &registers, kind, operator, now, |event, _| {
            let Some(open) = entry else {
                return Vec::new();
            };
            let record = open.closed(event.id(), &exit, operator);
            closed = Some(record.clone());
            vec![ProjectionWrite::new(
                schema::ENTRIES,
                &record,
                WriteMode::Replace,
            )]
        })
        .await?;
        closed.ok_or_else(|| StoreError::Storage("exit not recorded".into()))
    }

    /// A write transaction over the registers and the entry logbook, with what the door's
    /// rules need of `room_id` and `people` read, and who is inside `room_id`.
    async fn logbook_transaction(
        &self,
        room_id: &str,
        people: &[&str],
    ) -> Result<(Transaction, Registers, Vec<EntryRecord>)> {
        let mut stores = SMALL.to_vec();
        stores.push(schema::ENTRIES);
        let tx = self.write_transaction(&stores)?;
        let (registers, inside) = futures::try_join!(
            read_door_registers(&tx, room_id, people),
            inside_in(&tx, room_id),
        )?;
        Ok((tx, registers, inside))
    }

    /// Who is inside `room_id` now, earliest entry first.
    pub async fn inside(&self, room_id: &str) -> Result<Vec<EntryRecord>> {
        let tx = self
            .db
            .transaction(&[schema::ENTRIES], TransactionMode::ReadOnly)?;
        inside_in(&tx, room_id).await
    }

    /// How many are inside `room_id` now (one index count, no records read).
    pub async fn inside_count(&self, room_id: &str) -> Result<u32> {
        let tx = self
            .db
            .transaction(&[schema::ENTRIES], TransactionMode::ReadOnly)?;
        let index = tx.store(schema::ENTRIES)?.index(schema::ENTRIES_INSIDE)?;
        Ok(index.count(Some(only(room_id)?)).await?)
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
            .transaction(&[schema::ENTRIES], TransactionMode::ReadOnly)?;
        let store = tx.store(schema::ENTRIES)?;
        let (prefix_index, prefix) = match (room_id, person_id) {
            (Some(room), Some(person)) => (
                schema::ENTRIES_BY_ROOM_PERSON_TIME,
                vec![room.to_string(), person.to_string()],
            ),
            (None, Some(person)) => (schema::ENTRIES_BY_PERSON_TIME, vec![person.to_string()]),
            (Some(room), None) => (schema::ENTRIES_BY_ROOM_TIME, vec![room.to_string()]),
            (None, None) => (schema::ENTRIES_BY_ROOM_TIME, Vec::new()),
        };
        let indexes = LogIndexes {
            by_time: store.index(schema::ENTRIES_BY_TIME)?,
            by_prefix_time: store.index(prefix_index)?,
        };
        let query = LogQuery {
            prefix,
            ..query.clone()
        };
        read_page(&indexes, &query, |e: &EntryRecord| {
            e.entered_at.timestamp_millis()
        })
        .await
    }

    /// The newest `limit` lines of `room_id`'s logbook, newest first, read through the
    /// `[room_id, entered_at]` index so a long logbook is never loaded whole.
    pub async fn room_log(&self, room_id: &str, limit: u32) -> Result<Vec<EntryRecord>> {
        let tx = self
            .db
            .transaction(&[schema::ENTRIES], TransactionMode::ReadOnly)?;
        let index = tx
            .store(schema::ENTRIES)?
            .index(schema::ENTRIES_BY_ROOM_TIME)?;
        // [room] sorts before every [room, time], and [room, []] after (arrays follow numbers).
        let lower = js_sys::Array::of1(&JsValue::from_str(room_id));
        let upper = js_sys::Array::of2(&JsValue::from_str(room_id), &js_sys::Array::new());
        let range = KeyRange::bound(&lower, &upper, None, None).map_err(rexie::Error::from)?;
        let rows = index
            .scan(Some(range), Some(limit), None, Some(Direction::Prev))
            .await?;
        rows.into_iter().map(|(_, value)| from_js(value)).collect()
    }
}

async fn inside_in(tx: &Transaction, room_id: &str) -> Result<Vec<EntryRecord>> {
    let index = tx.store(schema::ENTRIES)?.index(schema::ENTRIES_INSIDE)?;
    let values = index.get_all(Some(only(room_id)?), None).await?;
    let mut inside: Vec<EntryRecord> = values.into_iter().map(from_js).collect::<Result<_>>()?;
    inside.sort_by_key(|e| e.entered_at);
    Ok(inside)
}

async fn get<T: serde::de::DeserializeOwned>(
    tx: &Transaction,
    store: &str,
    key: &str,
) -> Result<Option<T>> {
    let value = tx.store(store)?.get(JsValue::from_str(key)).await?;
    value.map(from_js).transpose()
}

fn only(key: &str) -> Result<KeyRange> {
    Ok(KeyRange::only(&JsValue::from_str(key)).map_err(rexie::Error::from)?)
}
