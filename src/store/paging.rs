//! Pages of a long logbook read through an index: one room's, person's or key's lines (the
//! index's first key part) or all of them, within a time range, newest or oldest first, each
//! page resuming where the last ended. Only the page is read, never the whole store, so a
//! logbook of 100,000 lines pages as fast as one of 100.

use super::codec::from_js;
use super::{Result, StoreError};
use rexie::{Direction, KeyRange, StoreIndex};
use serde::de::DeserializeOwned;
use wasm_bindgen::JsValue;

/// Where the next page starts: after the `seen` lines at `at_ms` already shown (lines can
/// share a millisecond; within one, the index keeps them in a fixed order).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageCursor {
    pub at_ms: i64,
    pub seen: u32,
}

/// Which lines, in which order, how many.
#[derive(Debug, Clone, PartialEq)]
pub struct LogQuery {
    /// Only lines with these first key parts (a room; a person; a room and a person; a key),
    /// read through the index over them and the time; empty for all lines.
    pub prefix: Vec<String>,
    /// From this time on (inclusive), in epoch milliseconds.
    pub from_ms: Option<i64>,
    /// Before this time (exclusive).
    pub until_ms: Option<i64>,
    pub newest_first: bool,
    pub limit: u32,
    pub after: Option<PageCursor>,
}

impl LogQuery {
    pub fn newest(limit: u32) -> Self {
        LogQuery {
            prefix: Vec::new(),
            from_ms: None,
            until_ms: None,
            newest_first: true,
            limit,
            after: None,
        }
    }
}

/// One page of lines, how many lines match in all, and where the next page starts.
#[derive(Debug, Clone, PartialEq)]
pub struct LogPage<T> {
    pub rows: Vec<T>,
    /// How many lines match in all (one index count).
    pub total: u32,
    pub next: Option<PageCursor>,
}

/// The indexes a logbook is read through: by time alone, and by `[...prefix, time]`.
pub struct LogIndexes {
    pub by_time: StoreIndex,
    pub by_prefix_time: StoreIndex,
}

/// Reads one page of `query` from `indexes`; `time_of` gives a line's time in milliseconds.
pub async fn read_page<T: DeserializeOwned>(
    indexes: &LogIndexes,
    query: &LogQuery,
    time_of: impl Fn(&T) -> i64,
) -> Result<LogPage<T>> {
    let index = if query.prefix.is_empty() {
        &indexes.by_time
    } else {
        &indexes.by_prefix_time
    };
    let total = index.count(Some(range(query, None)?)).await?;
    let direction = if query.newest_first {
        Direction::Prev
    } else {
        Direction::Next
    };
    let rows = index
        .scan(
            Some(range(query, query.after)?),
            Some(query.limit),
            // advance(0) is an error in IndexedDB: no offset when nothing is skipped.
            query.after.map(|c| c.seen).filter(|&n| n > 0),
            Some(direction),
        )
        .await?;
    let rows: Vec<T> = rows
        .into_iter()
        .map(|(_, value)| from_js(value))
        .collect::<Result<_>>()?;
    let next = (rows.len() as u32 == query.limit)
        .then(|| next_cursor(&rows, query.after, &time_of))
        .flatten();
    Ok(LogPage { rows, total, next })
}

/// The cursor after `rows`: the last line's time and how many lines at that time are shown.
fn next_cursor<T>(
    rows: &[T],
    after: Option<PageCursor>,
    time_of: &impl Fn(&T) -> i64,
) -> Option<PageCursor> {
    let at_ms = time_of(rows.last()?);
    let here = rows.iter().filter(|r| time_of(r) == at_ms).count() as u32;
    let before = after.filter(|c| c.at_ms == at_ms).map_or(0, |c| c.seen);
    Some(PageCursor {
        at_ms,
        seen: here + before,
    })
}

/// The key range of the query, narrowed to start at `after` (inclusive: lines at that very
/// millisecond are skipped by count).
fn range(query: &LogQuery, after: Option<PageCursor>) -> Result<KeyRange> {
    let mut lower = query.from_ms.map_or(f64::NEG_INFINITY, |ms| ms as f64);
    let mut upper = query.until_ms.map_or(f64::INFINITY, |ms| ms as f64);
    let mut upper_open = query.until_ms.is_some();
    if let Some(cursor) = after {
        if query.newest_first {
            upper = cursor.at_ms as f64;
            upper_open = false;
        } else {
            lower = cursor.at_ms as f64;
        }
    }
    let key = |t: f64| -> JsValue {
        if query.prefix.is_empty() {
            return JsValue::from_f64(t);
        }
        let key: js_sys::Array = query.prefix.iter().map(|p| JsValue::from_str(p)).collect();
        key.push(&JsValue::from_f64(t));
        key.into()
    };
    KeyRange::bound(&key(lower), &key(upper), Some(false), Some(upper_open))
        .map_err(|e| StoreError::Unreadable(format!("{e:?}")))
}
