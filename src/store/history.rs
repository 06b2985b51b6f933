//! The operation history (第12条) in the store: every event of every device (they all sync
//! here), read newest first through the events' time indexes a page at a time, and counted
//! from one record per JST day kept in the same transaction as the events. Nothing here
//! changes or deletes an event: the history has no such path (第12条, seven years).

use super::codec::{from_js, from_js_all, stored_field, to_js};
use super::paging::PageCursor;
use super::{schema, Result, Store, StoreError};
use daicho_core::history::{day_start_ms, jst_day, Act, DayCounts, HistoryFilter};
use daicho_core::{Event, EventId, EventTag};
use rexie::{Direction, KeyRange, StoreIndex, Transaction, TransactionMode};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use wasm_bindgen::JsValue;

/// Index rows read at a time while looking for acts of one device or kind.
const CHUNK: u32 = 500;
/// The most rows one CSV holds (a busy town's two months; a longer span is narrowed first).
pub const CSV_MAX_ROWS: u32 = 100_000;
/// The device store's key marking that the day counts cover every stored event.
const COUNTED_KEY: &str = "history_counted";

/// Which acts, over which JST days (both inclusive).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryQuery {
    pub filter: HistoryFilter,
    pub from_day: i64,
    pub to_day: i64,
}

impl HistoryQuery {
    fn start_ms(&self) -> i64 {
        day_start_ms(self.from_day)
    }

    fn until_ms(&self) -> i64 {
        day_start_ms(self.to_day + 1)
    }

    /// Device and kind are not in an index: rows are read by time (or operator and time) and
    /// these two checked on each.
    fn filters_rows(&self) -> bool {
        self.filter.device.is_some() || self.filter.kind.is_some()
    }
}

/// One page of the history, newest first, and where the next one starts.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryPage {
    pub rows: Vec<Event>,
    pub next: Option<PageCursor>,
}

impl Store {
    /// One page of the acts `query` matches, newest first, resuming after `after`.
    pub async fn history_page(
        &self,
        query: &HistoryQuery,
        after: Option<PageCursor>,
        limit: u32,
    ) -> Result<HistoryPage> {
        let tx = self
            .db
            .transaction(&[schema::EVENTS], TransactionMode::ReadOnly)?;
        let index = time_index(&tx, query)?;
        let mut cursor = after;
        let mut rows = Vec::new();
        loop {
            let want = if query.filters_rows() {
                CHUNK
            } else {
                limit - rows.len() as u32
            };
            let range = key_range(query, cursor)?;
            let skip = cursor.map(|c| c.seen).filter(|&n| n > 0);
            let chunk = index
                .scan(Some(range), Some(want), skip, Some(Direction::Prev))
                .await?;
            let exhausted = (chunk.len() as u32) < want;
            for (_, value) in chunk {
                cursor = Some(passed(cursor, wall_ms(&value)));
                if matches(&query.filter, &value) {
                    rows.push(from_js(value)?);
                    if rows.len() as u32 == limit {
                        return Ok(HistoryPage { rows, next: cursor });
                    }
                }
            }
            if exhausted {
                return Ok(HistoryPage { rows, next: None });
            }
        }
    }

    /// Every act `query` matches, newest first (for the CSV): one index read of the range.
    pub async fn history_rows(&self, query: &HistoryQuery) -> Result<Vec<Event>> {
        let tx = self
            .db
            .transaction(&[schema::EVENTS], TransactionMode::ReadOnly)?;
        let index = time_index(&tx, query)?;
        let values = index
            .get_all(Some(key_range(query, None)?), Some(CSV_MAX_ROWS))
            .await?;
        let mut rows: Vec<Event> = values
            .into_iter()
            .rev()
            .filter(|v| matches(&query.filter, v))
            .map(from_js)
            .collect::<Result<_>>()?;
        rows.truncate(CSV_MAX_ROWS as usize);
        Ok(rows)
    }

    /// What 操作履歴 names its acts by, in one transaction: every enrollment (the devices'
    /// names) and the events `refs` names (what an exit, a return or a correction acted on;
    /// those held).
    pub async fn history_naming(&self, refs: &[EventId]) -> Result<(Vec<Event>, Vec<Event>)> {
        let tx = self
            .db
            .transaction(&[schema::EVENTS], TransactionMode::ReadOnly)?;
        let enrolled = super::registers::events_of_kinds(&tx, &[EventTag::DeviceEnrolled]).await?;
        let store = tx.store(schema::EVENTS)?;
        let reads = refs.iter().map(|id| store.get(super::event_key(id)));
        let referred = futures::future::try_join_all(reads).await?;
        let referred = referred.into_iter().flatten().map(from_js);
        Ok((enrolled, referred.collect::<Result<_>>()?))
    }

    /// The day counts from `from_day` to `to_day` (both inclusive), with the combined cells
    /// when `with_cells` (a filter on device or kind); days without acts are absent.
    pub async fn history_days(
        &self,
        from_day: i64,
        to_day: i64,
        with_cells: bool,
    ) -> Result<Vec<DayCounts>> {
        let stores = [schema::HISTORY_DAYS, schema::HISTORY_CELLS];
        let tx = self.db.transaction(&stores, TransactionMode::ReadOnly)?;
        let range = || {
            let (from, to) = (from_day as f64, to_day as f64);
            KeyRange::bound(&from.into(), &to.into(), None, None).map_err(rexie::Error::from)
        };
        let totals_store = tx.store(schema::HISTORY_DAYS)?;
        let totals = totals_store.get_all(Some(range()?), None);
        let cells = async {
            match with_cells {
                true => {
                    let store = tx.store(schema::HISTORY_CELLS)?;
                    Ok(store.get_all(Some(range()?), None).await?)
                }
                false => Ok(Vec::new()),
            }
        };
        let (totals, cells) =
            futures::try_join!(async { Ok::<_, StoreError>(totals.await?) }, cells)?;
        let mut cells: BTreeMap<i64, DayCells> = from_js_all::<DayCells>(cells)?
            .into_iter()
            .map(|c| (c.day, c))
            .collect();
        let totals = from_js_all::<DayTotals>(totals)?.into_iter().map(|t| {
            let day_cells = cells.remove(&t.day).map(|c| c.cells);
            t.with_cells(day_cells.unwrap_or_default())
        });
        Ok(totals.collect())
    }

    /// Counts every stored event afresh, once per database (a device upgraded to schema 8
    /// holds events the day counts have not seen): afterwards every write counts its own.
    pub(super) async fn count_history_once(&self) -> Result<()> {
        let stores = [
            schema::EVENTS,
            schema::HISTORY_DAYS,
            schema::HISTORY_CELLS,
            schema::DEVICE,
        ];
        let tx = self.db.transaction(&stores, TransactionMode::ReadWrite)?;
        let device = tx.store(schema::DEVICE)?;
        let marker = JsValue::from_str(COUNTED_KEY);
        if device.get(marker.clone()).await?.is_some() {
            return Ok(());
        }
        // Whatever the first open's own writes counted is counted again below: start empty.
        tx.store(schema::HISTORY_DAYS)?.clear().await?;
        tx.store(schema::HISTORY_CELLS)?.clear().await?;
        let events = tx.store(schema::EVENTS)?.get_all(None, None).await?;
        count_acts(&tx, &events).await?;
        device.put(&JsValue::TRUE, Some(&marker)).await?;
        // Day counts read ahead of a tap are not what the stores hold any more.
        super::registers_mark::renew(&tx).await?;
        super::committed(tx).await?;
        Ok(())
    }
}

/// A day's counts as stored: the totals (small, read for every chart) …
#[derive(Serialize, Deserialize)]
struct DayTotals {
    day: i64,
    n: u32,
    operators: BTreeMap<String, u32>,
    devices: BTreeMap<String, u32>,
    kinds: BTreeMap<String, u32>,
}

/// … and the combined cells, in a store of their own.
#[derive(Serialize, Deserialize)]
struct DayCells {
    day: i64,
    cells: BTreeMap<String, u32>,
}

impl DayTotals {
    fn with_cells(self, cells: BTreeMap<String, u32>) -> DayCounts {
        DayCounts {
            day: self.day,
            n: self.n,
            operators: self.operators,
            devices: self.devices,
            kinds: self.kinds,
            cells,
        }
    }
}

/// Adds the stored events `values` to their days' counts, inside the caller's transaction
/// (which must cover both day stores): one read and one write per day and store, not per event.
pub(super) async fn count_acts(tx: &Transaction, values: &[JsValue]) -> Result<()> {
    let days = counted_days(tx, values, &BTreeMap::new()).await?;
    write_days(tx, days).await
}

/// The days of `values` with their acts added: each day as `known` holds it (read ahead in a
/// transaction that saw the same stores), else read here (one round for all of them).
pub(super) async fn counted_days(
    tx: &Transaction,
    values: &[JsValue],
    known: &BTreeMap<i64, DayCounts>,
) -> Result<Vec<DayCounts>> {
    let mut acts: BTreeMap<i64, Vec<[String; 3]>> = BTreeMap::new();
    for value in values {
        let act = [
            field(value, "operator"),
            field(value, "device"),
            field(value, "kind"),
        ];
        acts.entry(jst_day(wall_ms(value))).or_default().push(act);
    }
    let reads = acts.keys().map(|&day| async move {
        match known.get(&day) {
            Some(counts) => Ok(counts.clone()),
            None => read_day(tx, day).await,
        }
    });
    let mut days: Vec<DayCounts> = futures::future::try_join_all(reads).await?;
    for counts in &mut days {
        for [operator, device, kind] in &acts[&counts.day] {
            counts.add(Act {
                operator,
                device,
                kind,
            });
        }
    }
    Ok(days)
}

/// A JST day's counts as stored (empty when nothing was counted that day).
pub(super) async fn read_day(tx: &Transaction, day: i64) -> Result<DayCounts> {
    let key = JsValue::from_f64(day as f64);
    let (totals, cells) = (
        tx.store(schema::HISTORY_DAYS)?,
        tx.store(schema::HISTORY_CELLS)?,
    );
    let (t, c) = futures::try_join!(totals.get(key.clone()), cells.get(key))?;
    let mut counts = match t {
        Some(t) => from_js::<DayTotals>(t)?.with_cells(BTreeMap::new()),
        None => DayCounts::new(day),
    };
    if let Some(c) = c {
        counts.cells = from_js::<DayCells>(c)?.cells;
    }
    Ok(counts)
}

/// Writes `days` (from `counted_days`) into the day stores: all requests issued together.
pub(super) async fn write_days(tx: &Transaction, days: Vec<DayCounts>) -> Result<()> {
    if days.is_empty() {
        return Ok(());
    }
    let (mut total_rows, mut cell_rows) = (Vec::new(), Vec::new());
    for counts in days {
        let DayCounts {
            day,
            n,
            operators,
            devices,
            kinds,
            cells,
        } = counts;
        let t = DayTotals {
            day,
            n,
            operators,
            devices,
            kinds,
        };
        total_rows.push((to_js(&t), None));
        cell_rows.push((to_js(&DayCells { day, cells }), None));
    }
    let (totals, cells) = (
        tx.store(schema::HISTORY_DAYS)?,
        tx.store(schema::HISTORY_CELLS)?,
    );
    futures::try_join!(
        totals.put_all(total_rows.into_iter()),
        cells.put_all(cell_rows.into_iter())
    )?;
    Ok(())
}

/// The index the query reads: by operator and time when one operator is chosen, else by time.
fn time_index(tx: &Transaction, query: &HistoryQuery) -> Result<StoreIndex> {
    let store = tx.store(schema::EVENTS)?;
    let name = match query.filter.operator {
        Some(_) => schema::EVENTS_BY_OPERATOR_TIME,
        None => schema::EVENTS_BY_TIME,
    };
    Ok(store.index(name)?)
}

/// The query's range, its upper end moved down to `after` (inclusive: the rows already shown
/// at that millisecond are skipped by count).
fn key_range(query: &HistoryQuery, after: Option<PageCursor>) -> Result<KeyRange> {
    let lower = query.start_ms() as f64;
    let (upper, upper_open) = match after {
        Some(c) => (c.at_ms as f64, false),
        None => (query.until_ms() as f64, true),
    };
    let key = |t: f64| -> JsValue {
        match &query.filter.operator {
            Some(op) => js_sys::Array::of2(&JsValue::from_str(op), &JsValue::from_f64(t)).into(),
            None => JsValue::from_f64(t),
        }
    };
    KeyRange::bound(&key(lower), &key(upper), Some(false), Some(upper_open))
        .map_err(|e| StoreError::Unreadable(format!("{e:?}")))
}

/// The cursor once a row at `at_ms` is passed (rows can share a millisecond).
fn passed(cursor: Option<PageCursor>, at_ms: i64) -> PageCursor {
    match cursor {
        Some(c) if c.at_ms == at_ms => PageCursor {
            at_ms,
            seen: c.seen + 1,
        },
        _ => PageCursor { at_ms, seen: 1 },
    }
}

/// Device and kind checked on the stored object, before any row is decoded.
fn matches(filter: &HistoryFilter, value: &JsValue) -> bool {
    filter.matches(Act {
        operator: &field(value, "operator"),
        device: &field(value, "device"),
        kind: &field(value, "kind"),
    })
}

fn field(value: &JsValue, name: &str) -> String {
    stored_field(value, &[name]).as_string().unwrap_or_default()
}

/// The stored event's `hlc.wall_ms`.
fn wall_ms(value: &JsValue) -> i64 {
    let ms = stored_field(value, &["hlc", "wall_ms"]).as_f64();
    ms.map_or(0, |ms| ms as i64)
}
