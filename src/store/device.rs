//! This device: its id and the head of its event chain (last seq, last hash, clock).

use super::codec::{from_js, to_js};
use super::{schema, Result, StoreError};
use daicho_core::event::GENESIS_HASH;
use daicho_core::sync_limits::MAX_BODY_BYTES;
use daicho_core::{tr, DeviceId, Event, Hlc};
use rexie::Transaction;
use serde::{Deserialize, Serialize};
use wasm_bindgen::{JsCast, JsValue};

pub(super) const KEY: &str = "self";

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
        None => Err(StoreError::NoDevice),
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

/// Where the device's sync key pair is kept in the device store.
const KEY_PAIR: &str = "key";

impl super::Store {
    /// The device's sync key pair: made on first use (by WebCrypto, the private half
    /// non-extractable) and kept in IndexedDB, so it survives reloads and restarts.
    pub async fn device_key(&self) -> Result<crate::auth::device_key::DeviceKey> {
        use crate::auth::device_key::DeviceKey;
        if let Some(key) = self.stored_device_key().await? {
            return Ok(key);
        }
        // WebCrypto is awaited before the transaction opens (a transaction closes on any
        // other await); if another tab stored a key meanwhile, that one is kept.
        let fresh = DeviceKey::generate().await.map_err(StoreError::Crypto)?;
        let tx = self
            .db
            .transaction(&[schema::DEVICE], rexie::TransactionMode::ReadWrite)?;
        let store = tx.store(schema::DEVICE)?;
        let existing = store.get(JsValue::from_str(KEY_PAIR)).await?;
        let key = match existing {
            Some(value) => DeviceKey::from_js(&value).map_err(StoreError::Crypto)?,
            None => {
                store
                    .add(&fresh.to_js(), Some(&JsValue::from_str(KEY_PAIR)))
                    .await?;
                fresh
            }
        };
        super::committed(tx).await?;
        Ok(key)
    }

    async fn stored_device_key(&self) -> Result<Option<crate::auth::device_key::DeviceKey>> {
        let tx = self
            .db
            .transaction(&[schema::DEVICE], rexie::TransactionMode::ReadOnly)?;
        let value = tx
            .store(schema::DEVICE)?
            .get(JsValue::from_str(KEY_PAIR))
            .await?;
        value
            .map(|v| crate::auth::device_key::DeviceKey::from_js(&v).map_err(StoreError::Crypto))
            .transpose()
    }
}

/// Where the sync's own record (its cursor, its last outcome) is kept in the device store.
pub(super) const SYNC_RECORD: &str = "sync";

/// Saves the sync's record inside the caller's transaction (which must cover the device
/// store). The store keeps it and knows nothing of what it says.
pub(super) async fn write_sync_record<S: serde::Serialize>(
    tx: &Transaction,
    record: &S,
) -> Result<()> {
    tx.store(schema::DEVICE)?
        .put(&to_js(record), Some(&JsValue::from_str(SYNC_RECORD)))
        .await?;
    Ok(())
}

impl super::Store {
    /// The sync's record, as last saved (its default before the first).
    pub async fn sync_record<S: serde::de::DeserializeOwned + Default>(&self) -> Result<S> {
        let tx = self
            .db
            .transaction(&[schema::DEVICE], rexie::TransactionMode::ReadOnly)?;
        let value = tx
            .store(schema::DEVICE)?
            .get(JsValue::from_str(SYNC_RECORD))
            .await?;
        Ok(value.map(from_js).transpose()?.unwrap_or_default())
    }

    pub async fn save_sync_record<S: serde::Serialize>(&self, record: &S) -> Result<()> {
        let tx = self
            .db
            .transaction(&[schema::DEVICE], rexie::TransactionMode::ReadWrite)?;
        write_sync_record(&tx, record).await?;
        super::committed(tx).await?;
        Ok(())
    }

    /// This device's own events after `seq`, at most `limit`, in chain order (one key range of
    /// the events store), as a push body `{"events":[…]}` with the seq of the last: serialised
    /// by the browser straight from what IndexedDB holds (no round trip through Rust types,
    /// the most expensive part of a push of thousands). The body stays within the endpoint's
    /// `MAX_BODY_BYTES`: long texts make a batch shorter, not refused. `None` when nothing is
    /// after `seq`.
    pub async fn own_events_json_after(
        &self,
        seq: u64,
        limit: u32,
    ) -> Result<Option<(String, u64)>> {
        self.own_events_batch_after(seq, limit, MAX_BODY_BYTES)
            .await
    }

    /// As `own_events_json_after`, within `max_bytes` of body (UTF-8). One event longer than
    /// that by itself is still given alone: the endpoint then refuses it with its code, which
    /// the sync page shows, and it stays here to be sent.
    pub async fn own_events_batch_after(
        &self,
        seq: u64,
        limit: u32,
        max_bytes: usize,
    ) -> Result<Option<(String, u64)>> {
        let values = self.own_event_values(seq, limit).await?;
        if values.is_empty() {
            return Ok(None);
        }
        for value in &values {
            // Only this store's indexes read them: an event leaves the device as it was sealed.
            for field in super::STORE_ONLY_FIELDS {
                let (object, field) = (value.unchecked_ref::<js_sys::Object>(), field.into());
                let _ = js_sys::Reflect::delete_property(object, &field);
            }
        }
        let events: js_sys::Array = values.iter().collect();
        let whole = push_body(&events)?;
        if whole.len() <= max_bytes {
            return Ok(Some((whole, seq_of(&values[values.len() - 1])?)));
        }
        // Rare (a batch of long texts): measure the events one by one and keep those that fit.
        let (body, count) = body_within(&values, max_bytes)?;
        Ok(Some((body, seq_of(&values[count - 1])?)))
    }

    /// The stored events themselves (as IndexedDB holds them) of `own_events_json_after`.
    async fn own_event_values(&self, seq: u64, limit: u32) -> Result<Vec<JsValue>> {
        let device = self.device().await?.id;
        let tx = self
            .db
            .transaction(&[schema::EVENTS], rexie::TransactionMode::ReadOnly)?;
        let lower = js_sys::Array::of2(
            &JsValue::from_str(&device.0),
            &JsValue::from_f64(seq as f64),
        );
        let upper = js_sys::Array::of2(&JsValue::from_str(&device.0), &js_sys::Array::new());
        let range =
            rexie::KeyRange::bound(&lower, &upper, Some(true), None).map_err(rexie::Error::from)?;
        Ok(tx
            .store(schema::EVENTS)?
            .get_all(Some(range), Some(limit))
            .await?)
    }
}

/// `{"events":[…]}` of `events`, serialised by the browser.
fn push_body(events: &js_sys::Array) -> Result<String> {
    let body = js_sys::Object::new();
    // Setting a property on a fresh plain object cannot fail.
    let _ = js_sys::Reflect::set(&body, &JsValue::from_str("events"), events);
    let json =
        js_sys::JSON::stringify(&body).map_err(|e| StoreError::Unreadable(format!("{e:?}")))?;
    Ok(String::from(json))
}

/// The body of the leading events of `values` that fit in `max_bytes` (at least one), and how
/// many they are.
fn body_within(values: &[JsValue], max_bytes: usize) -> Result<(String, usize)> {
    const OPEN: &str = "{\"events\":[";
    const CLOSE: &str = "]}";
    let mut body = String::from(OPEN);
    let mut count = 0;
    for value in values {
        let json =
            js_sys::JSON::stringify(value).map_err(|e| StoreError::Unreadable(format!("{e:?}")))?;
        let json = String::from(json);
        let comma = usize::from(count > 0);
        if count > 0 && body.len() + comma + json.len() + CLOSE.len() > max_bytes {
            break;
        }
        if count > 0 {
            body.push(',');
        }
        body.push_str(&json);
        count += 1;
    }
    body.push_str(CLOSE);
    Ok((body, count))
}

/// The `seq` of a stored event.
fn seq_of(value: &JsValue) -> Result<u64> {
    js_sys::Reflect::get(value, &JsValue::from_str("seq"))
        .ok()
        .and_then(|v| v.as_f64())
        .map(|seq| seq as u64)
        .ok_or_else(|| StoreError::Unreadable(tr!("記録の番号（seq）").into_owned()))
}
