//! This device: its id and the head of its event chain (last seq, last hash, clock).

use super::codec::{from_js, to_js};
use super::{schema, Result, StoreError};
use daicho_core::event::GENESIS_HASH;
use daicho_core::{DeviceId, Event, Hlc};
use rexie::Transaction;
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsValue;

const KEY: &str = "self";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeviceState {
    pub id: DeviceId,
    /// The seq of the last event recorded here (0 before the first).
    pub seq: u64,
    /// The hash of that event (the genesis hash before the first).
    pub head: String,
    pub hlc: Hlc,
}

impl DeviceState {
    pub fn new(id: DeviceId) -> Self {
        DeviceState {
            id,
            seq: 0,
            head: GENESIS_HASH.to_string(),
            hlc: Hlc::default(),
        }
    }

    /// The state once `event` is recorded.
    pub fn after(&self, event: &Event) -> Self {
        DeviceState {
            id: self.id.clone(),
            seq: event.seq,
            head: event.hash.clone(),
            hlc: event.hlc,
        }
    }
}

pub async fn read(tx: &Transaction) -> Result<DeviceState> {
    let value = tx
        .store(schema::DEVICE)?
        .get(JsValue::from_str(KEY))
        .await?;
    match value {
        Some(v) => from_js(v),
        None => Err(StoreError::Storage(
            "この端末の識別情報がありません".to_string(),
        )),
    }
}

pub async fn read_optional(tx: &Transaction) -> Result<Option<DeviceState>> {
    let value = tx
        .store(schema::DEVICE)?
        .get(JsValue::from_str(KEY))
        .await?;
    value.map(from_js).transpose()
}

pub async fn write(tx: &Transaction, state: &DeviceState) -> Result<()> {
    let key = JsValue::from_str(KEY);
    tx.store(schema::DEVICE)?
        .put(&to_js(state), Some(&key))
        .await?;
    Ok(())
}

/// A new random device id.
pub fn new_id() -> DeviceId {
    DeviceId(super::new_id())
}
