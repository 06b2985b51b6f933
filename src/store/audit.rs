//! The device re-checks the history it holds (第12条): every event's hash against its content
//! and every link of every device's chain, in store order, a chunk at a time so seven years
//! never sit in memory at once. A byte changed in IndexedDB breaks a hash and is named.

use super::codec::from_js;
use super::{schema, Result, Store};
use daicho_core::chain::{ChainRefusal, ChainWalk};
use daicho_core::{tr, Event, EventId};
use rexie::{KeyRange, TransactionMode};
use wasm_bindgen::JsValue;

const CHUNK: u32 = 5_000;

/// What the check found.
#[derive(Debug, Clone, PartialEq)]
pub enum HistoryCheck {
    Sound {
        events: u64,
        devices: u64,
    },
    /// The first event that does not hold, and why.
    Broken {
        record: EventId,
        why: ChainRefusal,
    },
}

impl HistoryCheck {
    pub fn summary_text(&self) -> String {
        match self {
            HistoryCheck::Sound { events, devices } => tr!("正常：%{devices}台の端末の記録%{events}件のハッシュと連鎖をすべて確認しました。", devices = devices, events = events),
            HistoryCheck::Broken { record, why } => tr!("異常：記録 %{record} — %{why}改ざんまたは破損の可能性があります。システム管理者に連絡してください。", record = record, why = reason_text(why)),
        }
        .into_owned()
    }
}

fn reason_text(why: &ChainRefusal) -> String {
    match why {
        ChainRefusal::Gap { expected, .. } => tr!(
            "その前の%{expected}番の記録が欠けています。",
            expected = expected
        )
        .into_owned(),
        other => other.message(),
    }
}

impl Store {
    /// Walks every stored event in `(device, seq)` order.
    pub async fn check_history(&self) -> Result<HistoryCheck> {
        let mut walk = ChainWalk::default();
        let mut after: Option<JsValue> = None;
        loop {
            let chunk = self.events_after(after.as_ref()).await?;
            let Some(last) = chunk.last() else {
                break;
            };
            after = Some(key_of(last));
            for event in &chunk {
                if let Err(why) = walk.next(event) {
                    let record = event.id();
                    return Ok(HistoryCheck::Broken { record, why });
                }
            }
        }
        Ok(HistoryCheck::Sound {
            events: walk.events,
            devices: walk.devices,
        })
    }

    async fn events_after(&self, after: Option<&JsValue>) -> Result<Vec<Event>> {
        let tx = self
            .db
            .transaction(&[schema::EVENTS], TransactionMode::ReadOnly)?;
        let range = match after {
            Some(key) => Some(KeyRange::lower_bound(key, Some(true)).map_err(rexie::Error::from)?),
            None => None,
        };
        let values = tx
            .store(schema::EVENTS)?
            .get_all(range, Some(CHUNK))
            .await?;
        values.into_iter().map(from_js).collect()
    }
}

/// The store key of `event`: `[device, seq]`.
fn key_of(event: &Event) -> JsValue {
    js_sys::Array::of2(
        &JsValue::from_str(&event.device.0),
        &JsValue::from_f64(event.seq as f64),
    )
    .into()
}
