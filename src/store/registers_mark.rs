//! A mark of what the stores hold: facts read in one transaction are still what the stores
//! hold in a later one exactly when the mark read in both is the same.
//!
//! Every write of events or records renews its own part (`apply::Projection::write`: this
//! page's writes, another tab's, the sync's, the rebuild). Beside it the mark holds the
//! device's chain head and sync record, which every write of events also changes when made by
//! an earlier version of the app that renews no mark (still open in another tab after an
//! update).

use super::{device, schema, Result};
use rexie::Transaction;
use wasm_bindgen::JsValue;

/// Where the renewed part is kept in the device store.
const KEY: &str = "registers_mark";

/// The mark: each part as the JSON of what the device store holds under its key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Mark(Vec<Option<String>>);

/// The mark as this transaction sees it (one round of reads of the device store).
pub(super) async fn read(tx: &Transaction) -> Result<Mark> {
    let store = tx.store(schema::DEVICE)?;
    let keys = [KEY, device::KEY, device::SYNC_RECORD];
    let reads = keys.map(|key| store.get(JsValue::from_str(key)));
    let parts = futures::future::try_join_all(reads).await?;
    let text = |v: JsValue| js_sys::JSON::stringify(&v).ok().map(String::from);
    Ok(Mark(parts.into_iter().map(|p| p.and_then(text)).collect()))
}

/// A new mark, written in the transaction that changes what the stores hold (a random one:
/// no read of the old mark needed, and no two writes share one).
pub(super) async fn renew(tx: &Transaction) -> Result<()> {
    let mark = JsValue::from_str(&super::new_id());
    tx.store(schema::DEVICE)?
        .put(&mark, Some(&JsValue::from_str(KEY)))
        .await?;
    Ok(())
}
