//! The device's own copy of the registers, in IndexedDB (through `rexie`).
//!
//! Every change is an event appended to the device's hash chain *and* the projection it
//! updates, written in one transaction: a closed tab or a failed write leaves both or neither.

mod audit;
mod codec;
mod corrections;
mod device;
mod entry_log;
pub mod history;
mod keys;
mod organisation;
pub mod paging;
mod passkeys;
mod people;
mod pulled;
mod registers;
mod rooms;
pub mod schema;

use codec::{from_js, to_js};
use daicho_core::{Event, EventKind, Refusals};
use rexie::{Rexie, Transaction, TransactionMode};

pub use audit::HistoryCheck;
pub use device::DeviceState;
pub use people::SignInOutcome;
pub use pulled::Applied;

/// Why the store did not record something.
#[derive(Debug, Clone, PartialEq)]
pub enum StoreError {
    /// A rule of the regulation refused the input; nothing was written.
    Refused(Refusals),
    /// The browser's storage failed (quota, blocked, corrupt); nothing was written.
    Storage(String),
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreError::Refused(refusals) => write!(f, "{refusals}"),
            StoreError::Storage(msg) => write!(f, "端末への保存に失敗しました: {msg}"),
        }
    }
}

impl From<rexie::Error> for StoreError {
    fn from(e: rexie::Error) -> Self {
        // rexie's own message is only "idb error"; the inner one names the operation and the
        // browser's DOMException (QuotaExceededError, ConstraintError, …).
        let detail = match &e {
            rexie::Error::IdbError(inner) => inner.to_string(),
            other => other.to_string(),
        };
        StoreError::Storage(detail)
    }
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// How a projection record is written alongside its event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteMode {
    /// A new record: fails (and so aborts the event) if the key exists already.
    Insert,
    /// A new version of an existing record.
    Replace,
}

/// One projection record to write in the same transaction as its event.
pub struct ProjectionWrite {
    pub store: &'static str,
    pub value: wasm_bindgen::JsValue,
    pub mode: WriteMode,
}

impl ProjectionWrite {
    pub fn new<T: serde::Serialize>(store: &'static str, record: &T, mode: WriteMode) -> Self {
        ProjectionWrite {
            store,
            value: to_js(record),
            mode,
        }
    }
}

/// A new random id for a record (the browser's UUID generator).
pub fn new_id() -> String {
    web_sys::window()
        .and_then(|w| w.crypto().ok())
        .map(|c| c.random_uuid())
        .unwrap_or_else(|| format!("id-{}", js_sys::Date::now()))
}

/// The opened database of this device.
pub struct Store {
    db: Rexie,
}

impl Store {
    /// Opens (creating on first run) the database `name`, with this device's identity and the
    /// default rooms.
    pub async fn open(name: &str) -> Result<Store> {
        let db = schema::open(name).await?;
        let store = Store { db };
        store.first_run_setup().await?;
        store.seed_organisation().await?;
        store.seed_equipment().await?;
        store.count_history_once().await?;
        store.fill_occupancy_once().await?;
        Ok(store)
    }

    /// Records an act that changes no register (a print, an export, a sync): the operation
    /// history's own events (第12条).
    pub async fn record_act(
        &self,
        kind: EventKind,
        operator: &str,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Event> {
        self.append(kind, operator, now.timestamp_millis(), &[], |_| Vec::new())
            .await
    }

    /// Closes the connection (so the database can be reopened or deleted).
    pub fn close(self) {
        self.db.close();
    }

    /// Deletes a database, for tests and for "reset this device".
    pub async fn delete(name: &str) -> Result<()> {
        Ok(Rexie::delete(name).await?)
    }

    pub async fn device(&self) -> Result<DeviceState> {
        let tx = self
            .db
            .transaction(&[schema::DEVICE], TransactionMode::ReadOnly)?;
        device::read(&tx).await
    }

    /// Every event of this store, in the order of their device chains.
    pub async fn events(&self) -> Result<Vec<Event>> {
        let tx = self
            .db
            .transaction(&[schema::EVENTS], TransactionMode::ReadOnly)?;
        let values = tx.store(schema::EVENTS)?.get_all(None, None).await?;
        values.into_iter().map(from_js).collect()
    }

    pub async fn event_count(&self) -> Result<u32> {
        let tx = self
            .db
            .transaction(&[schema::EVENTS], TransactionMode::ReadOnly)?;
        Ok(tx.store(schema::EVENTS)?.count(None).await?)
    }

    /// The one way anything is written: appends `kind` to this device's chain and writes the
    /// projection records `project` derives from the sealed event, in one transaction.
    /// If any write fails, the transaction aborts and nothing is stored.
    pub async fn append(
        &self,
        kind: EventKind,
        operator: &str,
        now_ms: i64,
        projection_stores: &[&str],
        project: impl FnOnce(&Event) -> Vec<ProjectionWrite>,
    ) -> Result<Event> {
        let tx = self.write_transaction(projection_stores)?;
        let event = append_in(&tx, kind, operator, now_ms, project).await?;
        tx.done().await?;
        Ok(event)
    }

    fn write_transaction(&self, projection_stores: &[&str]) -> Result<Transaction> {
        let mut stores = vec![
            schema::EVENTS,
            schema::DEVICE,
            schema::HISTORY_DAYS,
            schema::HISTORY_CELLS,
        ];
        stores.extend_from_slice(projection_stores);
        Ok(self.db.transaction(&stores, TransactionMode::ReadWrite)?)
    }
}

/// Every record of a small register (rooms, people, permits, keys: never the logbooks).
async fn read_all<T: serde::de::DeserializeOwned>(tx: &Transaction, store: &str) -> Result<Vec<T>> {
    let values = tx.store(store)?.get_all(None, None).await?;
    values.into_iter().map(from_js).collect()
}

/// The store key of the event `id`: `[device, seq]`.
fn event_key(id: &daicho_core::EventId) -> wasm_bindgen::JsValue {
    js_sys::Array::of2(
        &wasm_bindgen::JsValue::from_str(&id.device.0),
        &wasm_bindgen::JsValue::from_f64(id.seq as f64),
    )
    .into()
}

/// Aborts `tx` and reports the refusal: nothing of it is stored.
async fn refuse<T>(tx: Transaction, refusals: Refusals) -> Result<T> {
    tx.abort().await?;
    Err(StoreError::Refused(refusals))
}

/// The event as stored (see `stored_events`).
fn stored_event(event: &Event) -> wasm_bindgen::JsValue {
    stored_events(&[event]).pop().unwrap_or_default()
}

/// Events as stored: each its JSON, plus `refers` (the record it acts on, or the master record
/// it defines a version of) for the history index. Converted together: one JSON text, parsed
/// by the browser. Building
/// each object field by field across the wasm boundary (`to_js`) decodes every key and string
/// on its own, which was a third of a pulled page's time; the objects are the same.
fn stored_events(events: &[&Event]) -> Vec<wasm_bindgen::JsValue> {
    #[derive(serde::Serialize)]
    struct Stored<'a> {
        #[serde(flatten)]
        event: &'a Event,
        #[serde(skip_serializing_if = "Option::is_none")]
        refers: Option<String>,
    }
    let stored: Vec<Stored> = events
        .iter()
        .map(|event| Stored {
            event,
            refers: event.kind.history_key(),
        })
        .collect();
    let parsed = codec::to_js_whole(&stored);
    js_sys::Array::from(&parsed).iter().collect()
}

/// Tells the page a record was written (the sync runner sends it shortly after). Fired
/// before the transaction commits; the runner's short wait lets it commit first.
fn announce_write() {
    crate::sync::runner::request_soon();
}

/// Seals the next event of the device's chain and writes it with its projections, inside the
/// caller's transaction (which must cover the events, device and projection stores).
async fn append_in(
    tx: &Transaction,
    kind: EventKind,
    operator: &str,
    now_ms: i64,
    project: impl FnOnce(&Event) -> Vec<ProjectionWrite>,
) -> Result<Event> {
    let state = device::read(tx).await?;
    let event = Event::seal(
        state.id.clone(),
        state.seq + 1,
        state.hlc.tick(now_ms),
        operator.to_string(),
        kind,
        &state.head,
    );
    // The event, its projections and the new chain head are written as one batch of requests
    // (IndexedDB runs them in order; any failure aborts the whole transaction).
    let event_value = stored_event(&event);
    let event_write = async {
        tx.store(schema::EVENTS)?.add(&event_value, None).await?;
        history::count_acts(tx, std::slice::from_ref(&event_value)).await
    };
    let writes = project(&event);
    let projection_writes = writes.iter().map(|write| async move {
        let store = tx.store(write.store)?;
        match write.mode {
            WriteMode::Insert => store.add(&write.value, None).await?,
            WriteMode::Replace => store.put(&write.value, None).await?,
        };
        Ok::<_, StoreError>(())
    });
    let head = state.after(&event);
    futures::try_join!(
        event_write,
        futures::future::try_join_all(projection_writes),
        device::write(tx, &head),
    )?;
    announce_write();
    Ok(event)
}
