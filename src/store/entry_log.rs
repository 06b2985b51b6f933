//! The entry/exit logbook (第19条第1項) in the store: record, and read by room.

use super::codec::from_js;
use super::{append_in, schema, ProjectionWrite, Result, Store, StoreError, WriteMode};
use chrono::{DateTime, Utc};
use daicho_core::entry_log::{check_entry, check_exit};
use daicho_core::{EntryRecord, EntryRecorded, EventKind, ExitRecorded, Room};
use rexie::{Direction, KeyRange, Transaction, TransactionMode};
use wasm_bindgen::JsValue;

impl Store {
    /// Records an entry if the rules allow it; refused, nothing is written.
    pub async fn record_entry(
        &self,
        entry: EntryRecorded,
        operator: &str,
        now: DateTime<Utc>,
    ) -> Result<EntryRecord> {
        let tx = self.write_transaction(&[schema::ROOMS, schema::ENTRIES])?;
        let room: Option<Room> = get(&tx, schema::ROOMS, &entry.room_id).await?;
        let inside = inside_in(&tx, &entry.room_id).await?;
        if let Err(refusals) = check_entry(&entry, room.as_ref(), &inside, now) {
            tx.abort().await?;
            return Err(StoreError::Refused(refusals));
        }
        let kind = EventKind::EntryRecorded(entry.clone());
        let event = append_in(&tx, kind, operator, now.timestamp_millis(), |event| {
            let record = EntryRecord::opened(event.id(), &entry, operator);
            vec![ProjectionWrite::new(
                schema::ENTRIES,
                &record,
                WriteMode::Insert,
            )]
        })
        .await?;
        tx.done().await?;
        Ok(EntryRecord::opened(event.id(), &entry, operator))
    }

    /// Records an exit closing an open entry; refused, nothing is written.
    pub async fn record_exit(
        &self,
        exit: ExitRecorded,
        operator: &str,
        now: DateTime<Utc>,
    ) -> Result<EntryRecord> {
        let tx = self.write_transaction(&[schema::ENTRIES])?;
        let entry: Option<EntryRecord> = get(&tx, schema::ENTRIES, &exit.entry.to_string()).await?;
        if let Err(refusals) = check_exit(&exit, entry.as_ref(), now) {
            tx.abort().await?;
            return Err(StoreError::Refused(refusals));
        }
        let open = entry.expect("check_exit accepts only an existing open entry");
        let kind = EventKind::ExitRecorded(exit.clone());
        let event = append_in(&tx, kind, operator, now.timestamp_millis(), |event| {
            let closed = open.closed(event.id(), &exit, operator);
            vec![ProjectionWrite::new(
                schema::ENTRIES,
                &closed,
                WriteMode::Replace,
            )]
        })
        .await?;
        tx.done().await?;
        Ok(open.closed(event.id(), &exit, operator))
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
