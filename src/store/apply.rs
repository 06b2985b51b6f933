//! The one path from events to the registers in IndexedDB: each event's records read, handed
//! to daicho-core's `projection::project`, and its changes written in the caller's
//! transaction. The device's own write, the pull and the rebuild on upgrade all come here,
//! as atuin's records come to its tables whether made here or pulled.

use super::{history, records, registers_mark, schema, Result, StoreError};
use daicho_core::history::DayCounts;
use daicho_core::projection::{self, Change, Found, Occupancy, Record, RecordKey, Update};
use daicho_core::{Event, EventKind};
use rexie::Transaction;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use wasm_bindgen::JsValue;

/// The projected registers as one transaction changes them: each record read from the store the first
/// time it is asked for, then kept here, so a later event of a page reads what an earlier
/// one wrote; written together at the end (one batch of requests, not a round trip each).
pub(super) struct Projection<'a> {
    tx: &'a Transaction,
    held: HashMap<RecordKey, Option<Record>>,
    /// The records to write at the end (their values are in `held`).
    changed: BTreeSet<RecordKey>,
    /// The records something waits for (`WAITING`'s keys, read once): normally none, so an
    /// entry, loan or permit asks IndexedDB nothing about what waits for it.
    waited_for: Option<HashSet<String>>,
}

impl<'a> Projection<'a> {
    pub(super) fn new(tx: &'a Transaction) -> Self {
        Projection {
            tx,
            held: HashMap::new(),
            changed: BTreeSet::new(),
            waited_for: None,
        }
    }

    /// Holds `records` as this transaction has them (read ahead in one that saw the same
    /// stores): what they answer is not read again.
    pub(super) fn hold(&mut self, records: impl IntoIterator<Item = (RecordKey, Option<Record>)>) {
        self.held.extend(records);
    }

    /// Projects `event`: reads what it needs (each round's reads issued together), keeps
    /// what it changes.
    pub(super) async fn project(&mut self, event: &Event) -> Result<Vec<Change>> {
        self.read_waited_for().await?;
        let (mut found, mut asked) = (Found::new(), BTreeSet::new());
        loop {
            let keys = projection::next_reads(event, &found, &mut asked);
            if keys.is_empty() {
                break;
            }
            let reads = keys.iter().map(|key| self.get(key));
            let records = futures::future::try_join_all(reads).await?;
            for (key, record) in keys.into_iter().zip(records) {
                self.held.insert(key.clone(), record.clone());
                found.extend(record.map(|r| (key, r)));
            }
        }
        let changes = projection::project(event, &found);
        for change in &changes {
            self.change(change).await?;
        }
        // An exit later in the same page finds its entry's room here (the page's events are
        // stored after its records are worked out).
        if let EventKind::EntryRecorded(entry) = &event.kind {
            let room = Some(Record::EntryRoom(entry.room_id.clone()));
            self.held.insert(RecordKey::EntryRoom(event.id()), room);
        }
        Ok(changes)
    }

    /// Keeps `change` for the end. Who is inside changes by one id: the room's record is
    /// read once, then changed in place, never copied.
    async fn change(&mut self, change: &Change) -> Result<()> {
        let key = change.key.clone();
        match &change.update {
            Update::Put(record) => {
                self.held.insert(key.clone(), Some(record.clone()));
            }
            Update::Remove => {
                self.held.insert(key.clone(), None);
            }
            update => {
                if !self.held.contains_key(&key) {
                    let stored = records::read(self.tx, &key).await?;
                    self.held.insert(key.clone(), stored);
                }
                let held = self.held.get_mut(&key).expect("read just above");
                move_inside(held, &key, update);
            }
        }
        self.changed.insert(key);
        Ok(())
    }

    /// A record as this transaction has it: held here, known not to wait, or read.
    async fn get(&self, key: &RecordKey) -> Result<Option<Record>> {
        if let Some(held) = self.held.get(key) {
            return Ok(held.clone());
        }
        let waited_for = self.waited_for.as_ref();
        if let RecordKey::Waiting(target) = key {
            if !waited_for.is_some_and(|w| w.contains(&target.to_string())) {
                return Ok(None);
            }
        }
        records::read(self.tx, key).await
    }

    /// Reads which records something waits for, once per transaction.
    pub(super) async fn read_waited_for(&mut self) -> Result<()> {
        if self.waited_for.is_none() {
            self.waited_for = Some(waited_for(self.tx).await?);
        }
        Ok(())
    }

    /// Knows which records something waits for (read ahead in a transaction that saw the same
    /// stores): not read again.
    pub(super) fn know_waited_for(&mut self, waited_for: HashSet<String>) {
        self.waited_for = Some(waited_for);
    }

    /// Writes every record the events changed, and a new mark of what the stores hold (the
    /// caller stores the events beside): all requests issued together, a failure of any
    /// aborting the transaction.
    pub(super) async fn write(self) -> Result<()> {
        let writes = self.changed.iter().map(|key| {
            let record = self.held.get(key).and_then(Option::as_ref);
            records::write(self.tx, key, record)
        });
        futures::try_join!(
            futures::future::try_join_all(writes),
            registers_mark::renew(self.tx)
        )?;
        Ok(())
    }
}

/// The records something waits for (`WAITING`'s keys): normally none.
pub(super) async fn waited_for(tx: &Transaction) -> Result<HashSet<String>> {
    let keys = tx.store(schema::WAITING)?.get_all_keys(None, None).await?;
    Ok(keys.iter().filter_map(|k| k.as_string()).collect())
}

/// Who is inside a room once `update` (an entry or an exit) applies to `held`, its record as
/// this transaction has it (an empty room keeps no record).
fn move_inside(held: &mut Option<Record>, key: &RecordKey, update: &Update) {
    let RecordKey::Occupancy(room) = key else {
        return;
    };
    let mut occupancy = match held.take() {
        Some(Record::Occupancy(o)) => o,
        _ => Occupancy::of(room),
    };
    occupancy.apply(update);
    if !occupancy.inside.is_empty() {
        *held = Some(Record::Occupancy(occupancy));
    }
}

/// Stores `events` (never stored before) with their records, and counts them in the
/// history's days: the whole of what an event does to this device, in the caller's
/// transaction, through `projection` (of that transaction, which may have read what waits
/// already). `values` are the events as stored (`stored_events` of the same events, in the
/// same order), made before: a pulled page's are made as it arrives. `known_days` are day
/// counts read ahead of a tap (`door_ahead`), for the days they hold not read again.
pub(super) async fn apply_stored(
    mut projection: Projection<'_>,
    events: &[&Event],
    values: &[JsValue],
    known_days: &BTreeMap<i64, DayCounts>,
) -> Result<()> {
    debug_assert_eq!(events.len(), values.len());
    let tx = projection.tx;
    // The history's day counts are read while the records are worked out (the projection
    // never reads those stores); then everything is written in one go: the events first, so
    // the browser stores them while the rest is still handed over.
    let project = async {
        for event in events {
            projection.project(event).await?;
        }
        Ok::<_, StoreError>(())
    };
    let counted = history::counted_days(tx, values, known_days);
    let ((), days) = futures::try_join!(project, counted)?;
    let adds = values.iter().map(|v| (v.clone(), None));
    futures::try_join!(
        async { Ok::<_, StoreError>(tx.store(schema::EVENTS)?.add_all(adds).await?) },
        projection.write(),
        history::write_days(tx, days)
    )?;
    Ok(())
}

impl super::Store {
    /// Writes the registers again from the events this device holds, once per database: from
    /// schema 10 on, they are daicho-core's projection with each record's version. Marked
    /// done in the device store, in the same transaction.
    pub(super) async fn rebuild_registers_once(&self) -> Result<()> {
        let mut stores = schema::REGISTERS.to_vec();
        stores.extend([schema::EVENTS, schema::DEVICE]);
        let tx = self
            .db
            .transaction(&stores, rexie::TransactionMode::ReadWrite)?;
        let marker = wasm_bindgen::JsValue::from_str(REBUILT_KEY);
        let device = tx.store(schema::DEVICE)?;
        if device.get(marker.clone()).await?.is_some() {
            return Ok(());
        }
        for store in schema::REGISTERS {
            tx.store(store)?.clear().await?;
        }
        let events = projected_events(&tx).await?;
        let mut projection = Projection::new(&tx);
        for event in &events {
            projection.project(event).await?;
        }
        projection.write().await?;
        device
            .put(&wasm_bindgen::JsValue::TRUE, Some(&marker))
            .await?;
        super::committed(tx).await?;
        Ok(())
    }

    /// Gives every stored event its key in the kind index (`schema::KIND_KEY`), once per
    /// database: the events stored before schema 11 carry only their `kind`, and the kind
    /// index is empty until they do. A page of events at a time, in one transaction with the
    /// mark of it done: a device closed half-way keys them all on its next open.
    pub(super) async fn key_kinds_once(&self) -> Result<()> {
        let stores = [schema::EVENTS, schema::DEVICE];
        let tx = self
            .db
            .transaction(&stores, rexie::TransactionMode::ReadWrite)?;
        let marker = JsValue::from_str(KIND_KEYED_KEY);
        let device = tx.store(schema::DEVICE)?;
        if device.get(marker.clone()).await?.is_some() {
            return Ok(());
        }
        let events = tx.store(schema::EVENTS)?;
        let mut after: Option<JsValue> = None;
        loop {
            let range = after
                .as_ref()
                .map(|key| rexie::KeyRange::lower_bound(key, Some(true)));
            let range = range.transpose().map_err(rexie::Error::from)?;
            let page = events.get_all(range, Some(KEYING_PAGE)).await?;
            let Some(last) = page.last() else { break };
            after = Some(stored_key(last));
            let keyed = page.into_iter().filter_map(keyed);
            events.put_all(keyed.map(|stored| (stored, None))).await?;
        }
        device.put(&JsValue::TRUE, Some(&marker)).await?;
        super::committed(tx).await?;
        Ok(())
    }
}

/// `stored` with its key in the kind index, if it has one (an entry has none).
fn keyed(stored: JsValue) -> Option<JsValue> {
    let kind = super::codec::stored_field(&stored, &["kind"]).as_string()?;
    let key = super::kind_key(kind.parse().ok()?)?;
    let field = JsValue::from_str(schema::KIND_KEY);
    js_sys::Reflect::set(&stored, &field, &JsValue::from_str(key)).ok()?;
    Some(stored)
}

/// The store key of a stored event, `[device, seq]`, read off it as stored.
fn stored_key(stored: &JsValue) -> JsValue {
    let field = |name| super::codec::stored_field(stored, &[name]);
    js_sys::Array::of2(&field("device"), &field("seq")).into()
}

/// How many stored events `key_kinds_once` reads at a time.
const KEYING_PAGE: u32 = 2_000;

/// The device-store key marking `key_kinds_once` done.
const KIND_KEYED_KEY: &str = "kind_keyed_v11";

/// The device-store key marking `rebuild_registers_once` done.
const REBUILT_KEY: &str = "registers_rebuilt_v10";

/// Every stored event of a kind the projection writes records for, in fold order.
async fn projected_events(tx: &Transaction) -> Result<Vec<Event>> {
    let tags = daicho_core::EventTag::all().filter(|t| projection::writes_records(*t));
    super::registers::events_of_kinds(tx, &tags.collect::<Vec<_>>()).await
}
