//! The device's own copy of the registers, in IndexedDB (through `rexie`).
//!
//! Every change is an event appended to the device's hash chain and the records daicho-core's
//! projection derives from it, written in one transaction (`apply`): a closed tab or a failed
//! write leaves both or neither. Every act goes through one checked append (`Store::record`):
//! what the verdict reads (`facts`), the verdict (`Registers::judge`), then the event.

mod apply;
mod audit;
mod codec;
mod corrections;
mod device;
mod door_ahead;
mod entry_log;
mod facts;
pub mod history;
mod keys;
mod organisation;
pub mod paging;
mod passkeys;
mod people;
mod pulled;
mod records;
mod registers;
mod registers_mark;
mod rooms;
/// Who the first setup's acts are recorded by (the rooms it seeds, the first person).
pub use rooms::SYSTEM_OPERATOR;
pub mod schema;

use crate::timing::{
    mark, WRITE_APPLIED, WRITE_COMMITTED, WRITE_IN_ONE_ROUND, WRITE_JUDGED, WRITE_JUDGED_AHEAD,
    WRITE_START,
};
use daicho_core::chain::ChainRefusal;
use daicho_core::history::DayCounts;
use daicho_core::{tr, Event, EventId, EventKind, EventTag, Refusals};
use rexie::{Rexie, Transaction, TransactionMode};
use std::collections::BTreeMap;

pub use audit::HistoryCheck;
pub use device::DeviceState;
pub use people::SignInOutcome;
pub use pulled::{Applied, CheckedEvents};

/// Why the store did not record or read something. Nothing is written in any case.
#[derive(Debug, Clone, PartialEq)]
pub enum StoreError {
    /// A rule of the regulation refused the act.
    Refused(Refusals),
    /// The browser's storage failed (blocked, closed); its own words.
    Storage(String),
    /// The browser refused to store a write (its quota reached, the disk full): nothing of it
    /// was stored. What the browser says of the space left.
    NotSaved(String),
    /// A stored record could not be read back (damaged, or from an unknown version).
    Unreadable(String),
    /// An event from the endpoint fails its own checks (its hash, seq, clock or text): the
    /// page was not applied.
    Damaged(EventId, ChainRefusal),
    /// The browser's cryptography failed (hashing a PIN, the device key).
    Crypto(String),
    /// This browser has no identity yet (the database was not opened through `Store::open`).
    NoDevice,
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let text = match self {
            StoreError::Refused(refusals) => return write!(f, "{refusals}"),
            StoreError::Storage(msg) => tr!("端末への保存に失敗しました: %{msg}", msg = msg),
            StoreError::NotSaved(space) => tr!("端末の保存領域が足りないため、記録は保存されていません（%{space}）。同期を済ませ、システム管理者に連絡してください。", space = space),
            StoreError::Unreadable(msg) => tr!("保存されたデータを読めません: %{msg}", msg = msg),
            StoreError::Damaged(id, why) => tr!("サーバから受け取った記録（%{id}）を取り込みませんでした: %{why}", id = id, why = why.message()),
            StoreError::Crypto(msg) => tr!("暗号処理に失敗しました: %{msg}", msg = msg),
            StoreError::NoDevice => tr!("この端末の識別情報がありません"),
        };
        f.write_str(&text)
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
        if detail.contains("QuotaExceededError") {
            return StoreError::NotSaved(detail);
        }
        StoreError::Storage(detail)
    }
}

/// Waits until a write has committed. The browser aborts a transaction it cannot store (its
/// quota reached, the disk full) without any request failing: `done` then answers `Aborted`,
/// which must never pass for saved.
pub(crate) async fn committed(tx: Transaction) -> Result<()> {
    match tx.done().await? {
        rexie::TransactionResult::Committed => Ok(()),
        rexie::TransactionResult::Aborted => {
            let space = crate::device_storage::report().await;
            Err(StoreError::NotSaved(space.summary_text()))
        }
    }
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// A new random id for a record (the browser's UUID generator).
pub fn new_id() -> String {
    web_sys::window()
        .and_then(|w| w.crypto().ok())
        .map(|c| c.random_uuid())
        .unwrap_or_else(|| format!("id-{}", js_sys::Date::now()))
}

/// The event fired on `window` once a write has committed: whoever waits for records (the
/// sync runner, the pages) listens for it; the store knows nobody.
pub const WRITTEN: &str = "daicho:written";

/// Fired instead of `WRITTEN` once a logbook line (an entry or an exit) has committed. A line
/// changes the logbook, who is inside, the history's counts and the breaks it raises, never
/// the registers of people, permits and measures: the reads of those wait for other writes
/// (`follow_registers`), so the next tap at the door does not queue behind them.
pub const LINE_WRITTEN: &str = "daicho:line-written";

/// What the commit of `kind` announces.
fn announcement(kind: &EventKind) -> &'static str {
    match kind {
        EventKind::EntryRecorded(_) | EventKind::ExitRecorded(_) => LINE_WRITTEN,
        _ => WRITTEN,
    }
}

/// The opened database of this device.
pub struct Store {
    db: Rexie,
    /// The door's facts read ahead of the next tap (`door_ahead`).
    ahead: door_ahead::AheadSlot,
}

impl Store {
    /// Opens (creating on first run) the database `name`, with this device's identity and the
    /// defaults every device seeds.
    pub async fn open(name: &str) -> Result<Store> {
        let db = schema::open(name).await?;
        let store = Store {
            db,
            ahead: Default::default(),
        };
        // Before anything reads the kind index.
        store.key_kinds_once().await?;
        store.rebuild_registers_once().await?;
        store.first_run_setup().await?;
        store.seed_organisation().await?;
        store.seed_equipment().await?;
        store.count_history_once().await?;
        Ok(store)
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
        values.into_iter().map(codec::from_js).collect()
    }

    pub async fn event_count(&self) -> Result<u32> {
        let tx = self
            .db
            .transaction(&[schema::EVENTS], TransactionMode::ReadOnly)?;
        Ok(tx.store(schema::EVENTS)?.count(None).await?)
    }

    /// Records `kind` by `operator` now, if the verdict allows it: the one checked append
    /// every act goes through. Refused, nothing is stored.
    pub async fn record(
        &self,
        kind: EventKind,
        operator: &str,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Event> {
        if let EventKind::EntryRecorded(entry) = &kind {
            if let Some(planned) = door_ahead::plan(&self.ahead, entry, operator, now) {
                let now_ms = now.timestamp_millis();
                if let Some(event) = self
                    .record_planned(planned, &kind, operator, now_ms)
                    .await?
                {
                    return Ok(event);
                }
            }
        }
        let (raises, written) = (raised_when_recorded(&kind), announcement(&kind));
        let tx = self.write_transaction(raises)?;
        mark(WRITE_START);
        let appended = async {
            // The chain's head, and what waits for a record (the projection's first read), are
            // read beside the verdict's facts, not after them.
            let mut projection = apply::Projection::new(&tx);
            let ((verdict, seed), head, ()) = futures::try_join!(
                facts::judge(&tx, &kind, operator, now, &self.ahead),
                device::read(&tx),
                projection.read_waited_for()
            )?;
            mark(WRITE_JUDGED);
            verdict.map_err(StoreError::Refused)?;
            // What the facts read ahead brought of the write's own reads is not read again.
            projection.hold(seed.records);
            let now_ms = now.timestamp_millis();
            let event =
                append_through(&tx, projection, head, kind, operator, now_ms, &seed.days).await?;
            if raises {
                // Raised here as every other device will raise it on pulling it.
                pulled::raise_breaks(&tx, &[&event]).await?;
            }
            mark(WRITE_APPLIED);
            Ok(event)
        };
        let appended = appended.await;
        let finished = self.finish(tx, appended, written).await;
        if finished.is_ok() {
            mark(WRITE_COMMITTED);
        }
        finished
    }

    /// Records an entry let in on facts read ahead (`door_ahead::plan`) in one round: its
    /// writes are issued at once, after a read of the stores' mark in the same transaction
    /// (IndexedDB answers a transaction's requests in order, and no other write runs beside
    /// it). The mark as the facts were read: it commits. Another mark (something was written
    /// since): it is aborted before it commits, nothing of it stored, and `None` says to
    /// record the entry as any other, on what the stores hold now.
    async fn record_planned(
        &self,
        planned: door_ahead::Planned,
        kind: &EventKind,
        operator: &str,
        now_ms: i64,
    ) -> Result<Option<Event>> {
        let tx = self.write_transaction(false)?;
        mark(WRITE_START);
        mark(WRITE_JUDGED_AHEAD);
        mark(WRITE_JUDGED);
        let door_ahead::Planned {
            mark: expected,
            head,
            waited_for,
            seed,
        } = planned;
        let mut projection = apply::Projection::new(&tx);
        projection.know_waited_for(waited_for);
        projection.hold(seed.records);
        let unchanged = async { Ok::<_, StoreError>(registers_mark::read(&tx).await? == expected) };
        let days = &seed.days;
        let append = append_through(&tx, projection, head, kind.clone(), operator, now_ms, days);
        // Joined, not raced: every request issued is answered before the transaction ends
        // (a dropped request's handler would be called after it is gone).
        let (unchanged, appended) = futures::join!(unchanged, append);
        match (unchanged, appended) {
            (Ok(true), Ok(event)) => {
                mark(WRITE_APPLIED);
                let event = self.finish(tx, Ok(event), announcement(kind)).await?;
                mark(WRITE_COMMITTED);
                mark(WRITE_IN_ONE_ROUND);
                Ok(Some(event))
            }
            (Ok(false), _) => {
                // Aborting what the browser aborted already fails: the outcome is the same.
                let _ = tx.abort().await;
                Ok(None)
            }
            (Err(e), _) | (_, Err(e)) => self.finish(tx, Err(e), announcement(kind)).await,
        }
    }

    /// Records an act of the operation history that no rule governs (a print, an export, a
    /// sync): by anyone, of any size the endpoint accepts.
    pub async fn record_act(
        &self,
        kind: EventKind,
        operator: &str,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Event> {
        self.record(kind, operator, now).await
    }

    /// A transaction over every store a write may touch: the events, the device's chain, the
    /// history's counts and the registers (and the rule breaks, for a write that `raises`).
    fn write_transaction(&self, raises: bool) -> Result<Transaction> {
        let mut stores = schema::event_stores();
        if raises {
            stores.push(schema::RULE_BREAKS);
        }
        Ok(self.db.transaction(&stores, TransactionMode::ReadWrite)?)
    }

    /// Commits `tx` if `outcome` is a success, then tells whoever listens that records were
    /// written (the event `written`); aborts it otherwise. A request that fails aborts its
    /// transaction by itself, but one refused before it is issued (a bad key, a closed store)
    /// does not: without the abort, what was issued before it would commit.
    async fn finish<T>(
        &self,
        tx: Transaction,
        outcome: Result<T>,
        written: &'static str,
    ) -> Result<T> {
        match outcome {
            Ok(value) => {
                committed(tx).await?;
                announce(written);
                Ok(value)
            }
            Err(e) => {
                // Aborting what the browser aborted already fails: the outcome is the same.
                let _ = tx.abort().await;
                Err(e)
            }
        }
    }
}

/// Does recording `kind` on this device raise a rule break at once? Only an entry the operator
/// recorded over the door's warning of a line open in another room: the door lets nothing
/// else that breaks a rule through.
fn raised_when_recorded(kind: &EventKind) -> bool {
    matches!(kind, EventKind::EntryRecorded(e) if e.inside_elsewhere.is_some())
}

/// The store key of the event `id`: `[device, seq]`.
fn event_key(id: &EventId) -> wasm_bindgen::JsValue {
    js_sys::Array::of2(
        &wasm_bindgen::JsValue::from_str(&id.device.0),
        &wasm_bindgen::JsValue::from_f64(id.seq as f64),
    )
    .into()
}

/// Events as stored: each its JSON, plus `refers` (the record it acts on, or the master record
/// it defines a version of) for the history index and `kind_key` for the kind index.
/// Converted together: one JSON text for the whole page, parsed by the browser.
fn stored_events(events: &[&Event]) -> Vec<wasm_bindgen::JsValue> {
    #[derive(serde::Serialize)]
    struct Stored<'a> {
        #[serde(flatten)]
        event: &'a Event,
        #[serde(skip_serializing_if = "Option::is_none")]
        refers: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        kind_key: Option<&'static str>,
    }
    let stored: Vec<Stored> = events
        .iter()
        .map(|event| Stored {
            event,
            refers: event.kind.history_key(),
            kind_key: kind_key(event.kind.tag()),
        })
        .collect();
    let parsed = codec::to_js(&stored);
    js_sys::Array::from(&parsed).iter().collect()
}

/// The key of an event of kind `tag` in the kind index (`schema::KIND_KEY`): its kind, but
/// none for an entry, which the entry lines' own index holds.
fn kind_key(tag: EventTag) -> Option<&'static str> {
    (tag != EventTag::EntryRecorded).then(|| tag.as_str())
}

/// The fields `stored_events` adds, which only this store's indexes read: taken off an event
/// before it leaves the device.
const STORE_ONLY_FIELDS: [&str; 2] = ["refers", schema::KIND_KEY];

/// Fires `written` (`WRITTEN` or `LINE_WRITTEN`, after a commit).
fn announce(written: &str) {
    if let Some(window) = web_sys::window() {
        if let Ok(event) = web_sys::Event::new(written) {
            let _ = window.dispatch_event(&event);
        }
    }
}

/// Seals the next event of the device's chain and applies it (the event, its records, the
/// new head), inside the caller's write transaction. No verdict: the caller judged it, or it
/// is what every device seeds by itself.
async fn append_in(
    tx: &Transaction,
    kind: EventKind,
    operator: &str,
    now_ms: i64,
) -> Result<Event> {
    let state = device::read(tx).await?;
    let projection = apply::Projection::new(tx);
    append_through(
        tx,
        projection,
        state,
        kind,
        operator,
        now_ms,
        &BTreeMap::new(),
    )
    .await
}

/// Seals the next event after the chain's head `state` (read by the caller in this
/// transaction) and applies it through `projection`, of the same transaction, counting it in
/// its day as `known_days` holds it where they hold it (`apply::apply_stored`).
async fn append_through(
    tx: &Transaction,
    projection: apply::Projection<'_>,
    state: DeviceState,
    kind: EventKind,
    operator: &str,
    now_ms: i64,
    known_days: &BTreeMap<i64, DayCounts>,
) -> Result<Event> {
    let event = Event::seal(
        state.id.clone(),
        state.seq + 1,
        state.hlc.tick(now_ms),
        operator.to_string(),
        kind,
        &state.head,
    );
    let head = state.after(&event);
    let (events, values) = ([&event], stored_events(&[&event]));
    futures::try_join!(
        apply::apply_stored(projection, &events, &values, known_days),
        device::write(tx, &head)
    )?;
    Ok(event)
}
