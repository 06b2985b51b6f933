//! Events of other devices, pulled from the endpoint, applied to this device's registers:
//! stored beside its own and projected as the device that made them projected them.
//!
//! - Idempotent: an event already here changes nothing, so a page pulled twice is harmless.
//! - Master data (rooms, people, keys, positions) keeps the newest version by clock on every
//!   device, whatever order the versions arrive in.
//! - What the merge shows to have broken a rule (daicho-core `rule_breaks`) is raised as a
//!   rule break, never dropped; the records themselves stay as they were made.
//! - The events, projections, rule breaks and this device's clock are written in one
//!   transaction: a closed tab leaves the page applied whole or not at all.

use super::codec::{from_js, to_js, to_js_whole};
use super::entry_log::{read_occupancy, Occupancy};
use super::{device, event_key, read_all, schema, stored_events, Result, Store, StoreError};
use daicho_core::key_log::{KeyDefined, KeyLoan};
use daicho_core::organisation::Position;
use daicho_core::people::PersonDefined;
use daicho_core::room_permit::{Permit, PermitRevoked};
use daicho_core::rule_breaks::{entry_break, loan_break, RuleBreak};
use daicho_core::sign_in::{person_of, Credential};
use daicho_core::{DeviceId, EntryRecord, Event, EventId, EventKind, Hlc, Room};
use rexie::{KeyRange, Transaction, TransactionMode};
use std::collections::HashMap;
use wasm_bindgen::JsValue;

/// Every store a pulled event can touch.
const STORES: [&str; 15] = [
    schema::EVENTS,
    schema::DEVICE,
    schema::ROOMS,
    schema::PEOPLE,
    schema::CREDENTIALS,
    schema::POSITIONS,
    schema::ROLE_ASSIGNMENTS,
    schema::TENURES,
    schema::PERMITS,
    schema::KEYS,
    schema::LOANS,
    schema::OCCUPANCY,
    schema::RULE_BREAKS,
    schema::HISTORY_DAYS,
    schema::HISTORY_CELLS,
];

/// The device-store key of the entries whose exit was pulled before them. The endpoint hands
/// an entry over before any exit of it (the exit's device had to hold the entry), so this
/// stays empty unless events come some other way; then the entry is not counted inside.
const EXITS_BEFORE_ENTRIES: &str = "exits_before_entries";

/// What applying a page of pulled events did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Applied {
    /// Events new to this device (the others were here already).
    pub new_events: usize,
    /// Of them, other devices' sync records: a sync that brought only these is not recorded
    /// as a sync of its own (two devices would otherwise answer each other's for ever).
    pub new_syncs: usize,
    /// Rule breaks the page revealed (also kept in the rule-break register).
    pub breaks: Vec<RuleBreak>,
}

impl Store {
    /// Applies `events` (another device's or the endpoint's page, in the endpoint's order).
    /// A damaged event (its hash does not match its content) refuses the whole page.
    pub async fn apply_pulled(&self, events: &[Event], now_ms: i64) -> Result<Applied> {
        self.apply_pulled_page(events, now_ms, None).await
    }

    /// As `apply_pulled`, saving `sync_state` (the cursor past this page) in the page's own
    /// transaction: the page is applied and the cursor moved together, or neither.
    pub async fn apply_pulled_page(
        &self,
        events: &[Event],
        now_ms: i64,
        sync_state: Option<&crate::sync::SyncState>,
    ) -> Result<Applied> {
        if let Some(bad) = events.iter().find(|e| !e.hash_is_valid()) {
            return Err(StoreError::Storage(format!(
                "サーバから受け取った記録が壊れています（{}）。取り込みませんでした。",
                bad.id()
            )));
        }
        let tx = self.db.transaction(&STORES, TransactionMode::ReadWrite)?;
        let fresh = new_events(&tx, events).await?;
        let mut projector = Projector::new(&tx);
        for event in &fresh {
            projector.project(event).await?;
        }
        // Every write of the page is issued before any is awaited, the events first: the
        // browser stores them while the projections are still being handed over, rather than
        // this side waiting for each store in turn. The rule breaks' reads are issued after
        // the projections' writes, so they see the page's permits.
        let projections = projector.take_writes();
        let (_, _, breaks, _, _) = futures::try_join!(
            store_events(&tx, &fresh),
            write_projections(&tx, projections),
            projector.rule_breaks(),
            observe_clock(&tx, &fresh, now_ms),
            async {
                match sync_state {
                    Some(state) => device::write_sync_state(&tx, state).await,
                    None => Ok(()),
                }
            },
        )?;
        tx.done().await?;
        let new_syncs = fresh
            .iter()
            .filter(|e| matches!(e.kind, EventKind::Synced(_)))
            .count();
        Ok(Applied {
            new_events: fresh.len(),
            new_syncs,
            breaks,
        })
    }

    /// Every rule break raised on this device, newest record first.
    pub async fn rule_breaks(&self) -> Result<Vec<RuleBreak>> {
        let tx = self
            .db
            .transaction(&[schema::RULE_BREAKS], TransactionMode::ReadOnly)?;
        let mut breaks: Vec<RuleBreak> = read_all(&tx, schema::RULE_BREAKS).await?;
        breaks.sort_by_key(|b| std::cmp::Reverse(b.at));
        Ok(breaks)
    }
}

/// The events of `events` not stored yet: one key read per device the page names, over the
/// range of its seqs there, not one request per event.
async fn new_events<'a>(tx: &Transaction, events: &'a [Event]) -> Result<Vec<&'a Event>> {
    let store = tx.store(schema::EVENTS)?;
    let mut ranges: HashMap<&str, (u64, u64)> = HashMap::new();
    for e in events {
        let range = ranges.entry(&e.device.0).or_insert((e.seq, e.seq));
        *range = (range.0.min(e.seq), range.1.max(e.seq));
    }
    let mut known = std::collections::HashSet::new();
    for (device, (from, to)) in ranges {
        let key = |seq: u64| {
            js_sys::Array::of2(&JsValue::from_str(device), &JsValue::from_f64(seq as f64))
        };
        let range =
            KeyRange::bound(&key(from), &key(to), None, None).map_err(rexie::Error::from)?;
        for stored in store.get_all_keys(Some(range), None).await? {
            let seq = js_sys::Reflect::get(&stored, &JsValue::from_f64(1.0))
                .ok()
                .and_then(|s| s.as_f64());
            known.extend(seq.map(|seq| (device.to_string(), seq as u64)));
        }
    }
    // The same event twice in one page is stored once.
    let fresh = events
        .iter()
        .filter(|e| known.insert((e.device.0.clone(), e.seq)));
    Ok(fresh.collect())
}

/// Stores the events and counts them in the history's days (one read and write per day).
async fn store_events(tx: &Transaction, events: &[&Event]) -> Result<()> {
    let values = stored_events(events);
    let adds = values.iter().map(|v| (v.clone(), None));
    futures::try_join!(
        async { Ok::<_, StoreError>(tx.store(schema::EVENTS)?.add_all(adds).await?) },
        super::history::count_acts(tx, &values),
    )?;
    Ok(())
}

/// Writes every record the page changed: every store's requests issued together, only the
/// last of each awaited (a failure of any aborts the transaction, and so the whole page).
async fn write_projections(
    tx: &Transaction,
    by_store: HashMap<&'static str, Vec<(JsValue, Option<JsValue>)>>,
) -> Result<()> {
    let writes = by_store.into_iter().map(|(store, writes)| async move {
        Ok::<_, StoreError>(tx.store(store)?.put_all(writes.into_iter()).await?)
    });
    futures::future::try_join_all(writes).await?;
    Ok(())
}

/// Moves this device's clock past everything it has now seen, so what it records next sorts
/// after the events it was shown.
async fn observe_clock(tx: &Transaction, events: &[&Event], now_ms: i64) -> Result<()> {
    let Some(latest) = events.iter().map(|e| e.hlc).max() else {
        return Ok(());
    };
    let mut state = device::read(tx).await?;
    state.hlc = state.hlc.observe(latest, now_ms);
    device::write(tx, &state).await
}

/// Works out each pulled event's projection, reading what it acts on inside the transaction.
/// Records the page writes are kept here and written together at the end (one batch of
/// requests, not one round trip per event); a later event of the page reads them here.
struct Projector<'a> {
    tx: &'a Transaction,
    /// The page's writes by store and key: the record, and whether its key is out of line.
    written: HashMap<(&'static str, String), (JsValue, bool)>,
    /// The newest version seen in this page of each master record (`"person:<id>"`).
    newest: HashMap<String, (Hlc, DeviceId, u64)>,
    /// Who is inside each room the page's entries and exits touch, written once per room.
    occupancy: HashMap<String, Occupancy>,
    /// The room of each entry the page brings (an exit later in the page names it).
    entry_rooms: HashMap<EventId, String>,
    /// Entries whose exit came first (`EXITS_BEFORE_ENTRIES`), once read.
    early_exits: Option<Vec<EventId>>,
    /// Projected loans and entries, to be checked once the whole page is applied.
    loans: Vec<KeyLoan>,
    entries: Vec<EntryRecord>,
    revocations: Vec<PermitRevoked>,
}

impl<'a> Projector<'a> {
    fn new(tx: &'a Transaction) -> Self {
        Projector {
            tx,
            written: HashMap::new(),
            newest: HashMap::new(),
            occupancy: HashMap::new(),
            entry_rooms: HashMap::new(),
            early_exits: None,
            loans: Vec::new(),
            entries: Vec::new(),
            revocations: Vec::new(),
        }
    }

    async fn project(&mut self, event: &Event) -> Result<()> {
        match &event.kind {
            EventKind::RoomDefined(def) => {
                let room: Option<Room> = self.get(schema::ROOMS, &def.id).await?;
                if room.is_none_or(|r| r.is_superseded_by(event.hlc, &event.device)) {
                    let room = Room::from_definition(def, event.hlc, &event.device);
                    self.put(schema::ROOMS, &def.id, &room, false);
                }
            }
            EventKind::PersonDefined(p) => self.put_newest::<PersonDefined>(event, p).await?,
            EventKind::KeyDefined(k) => self.put_newest::<KeyDefined>(event, k).await?,
            EventKind::PositionDefined(p) => self.put_newest::<Position>(event, p).await?,
            EventKind::RoleAssigned(a) => {
                self.put(schema::ROLE_ASSIGNMENTS, &event.id().to_string(), a, true)
            }
            EventKind::TenureRecorded(t) => {
                self.put(schema::TENURES, &event.id().to_string(), t, true)
            }
            EventKind::PermissionGranted(g) => {
                let permit = Permit::standing(event.id(), g);
                self.put(schema::PERMITS, &permit.id.to_string(), &permit, false);
            }
            EventKind::VisitPermitGranted(g) => {
                let permit = Permit::visit(event.id(), g);
                self.put(schema::PERMITS, &permit.id.to_string(), &permit, false);
            }
            EventKind::PermitRevoked(r) => self.revoke(r).await?,
            // The line is the event itself; only who is inside the room changes.
            EventKind::EntryRecorded(entry) => {
                let record = EntryRecord::opened(event.id(), entry, &event.operator);
                if !self.left_already(&record.id).await? {
                    let room = self.occupancy_of(&entry.room_id).await?;
                    room.inside.push(record.id.clone());
                }
                self.entry_rooms
                    .insert(record.id.clone(), entry.room_id.clone());
                self.entries.push(record);
            }
            EventKind::ExitRecorded(exit) => match self.room_of_entry(&exit.entry).await? {
                Some(room_id) => {
                    let room = self.occupancy_of(&room_id).await?;
                    room.inside.retain(|id| *id != exit.entry);
                }
                None => self.early_exits().await?.push(exit.entry.clone()),
            },
            EventKind::KeyLent(lent) => {
                let key: Option<KeyDefined> = self.get(schema::KEYS, &lent.key_id).await?;
                let room_id = key.map(|k| k.room_id).unwrap_or_default();
                let loan = KeyLoan::opened(event.id(), &room_id, lent);
                self.put(schema::LOANS, &loan.id.to_string(), &loan, false);
                self.loans.push(loan);
            }
            EventKind::KeyReturned(ret) => {
                let key = ret.loan.to_string();
                let loan: Option<KeyLoan> = self.get(schema::LOANS, &key).await?;
                if let Some(out) = loan.filter(KeyLoan::is_out) {
                    self.put(schema::LOANS, &key, &out.closed(ret), false);
                }
            }
            kind => self.project_credential(kind).await?,
        }
        Ok(())
    }

    /// Sign-in events update the person's credential; every other kind (the office
    /// registers, corrections) is read from the events themselves.
    async fn project_credential(&mut self, kind: &EventKind) -> Result<()> {
        let Some(person) = person_of(kind) else {
            return Ok(());
        };
        let credential: Credential = self
            .get(schema::CREDENTIALS, person)
            .await?
            .unwrap_or_default();
        self.put(schema::CREDENTIALS, person, &credential.after(kind), true);
        Ok(())
    }

    async fn revoke(&mut self, revocation: &PermitRevoked) -> Result<()> {
        let key = revocation.permit.to_string();
        let permit: Option<Permit> = self.get(schema::PERMITS, &key).await?;
        if let Some(permit) = permit.filter(|p| p.revoked_at.is_none()) {
            let revoked = Permit {
                revoked_at: Some(revocation.at),
                ..permit
            };
            self.put(schema::PERMITS, &key, &revoked, false);
        }
        self.revocations.push(revocation.clone());
        Ok(())
    }

    /// The page's version of who is inside `room_id`, read from the store the first time.
    async fn occupancy_of(&mut self, room_id: &str) -> Result<&mut Occupancy> {
        if !self.occupancy.contains_key(room_id) {
            let stored = read_occupancy(self.tx, room_id).await?;
            self.occupancy.insert(room_id.to_string(), stored);
        }
        Ok(self.occupancy.entry(room_id.to_string()).or_default())
    }

    /// The entries whose exit arrived before them, read from the store the first time.
    async fn early_exits(&mut self) -> Result<&mut Vec<EventId>> {
        if self.early_exits.is_none() {
            let stored = self.get(schema::DEVICE, EXITS_BEFORE_ENTRIES).await?;
            self.early_exits = Some(stored.unwrap_or_default());
        }
        Ok(self.early_exits.get_or_insert_with(Vec::new))
    }

    /// Whether an exit of the entry `id` came before it (it is then no longer waited for).
    async fn left_already(&mut self, id: &EventId) -> Result<bool> {
        let early = self.early_exits().await?;
        let before = early.len();
        early.retain(|exit_of| exit_of != id);
        Ok(early.len() < before)
    }

    /// The room of the entry `id`: from this page, or from its stored event. `None` if this
    /// device has not got the entry yet.
    async fn room_of_entry(&self, id: &EventId) -> Result<Option<String>> {
        if let Some(room) = self.entry_rooms.get(id) {
            return Ok(Some(room.clone()));
        }
        let stored = self.tx.store(schema::EVENTS)?.get(event_key(id)).await?;
        let Some(event) = stored.map(from_js::<Event>).transpose()? else {
            return Ok(None);
        };
        Ok(match event.kind {
            EventKind::EntryRecorded(entry) => Some(entry.room_id),
            _ => None,
        })
    }

    /// Writes a master record's version only if it is the newest known, here or stored.
    async fn put_newest<T: serde::Serialize>(&mut self, event: &Event, record: &T) -> Result<()> {
        let Some(key) = event.kind.defines() else {
            return Ok(());
        };
        let this = (event.hlc, event.device.clone(), event.seq);
        let stored = self.newest_stored(&key).await?;
        let newest_in_page = self.newest.get(&key).cloned();
        if stored.max(newest_in_page).is_some_and(|n| n > this) {
            return Ok(());
        }
        let id = key
            .split_once(':')
            .map_or(key.clone(), |(_, id)| id.to_string());
        self.newest.insert(key, this);
        let store = match event.kind {
            EventKind::PersonDefined(_) => schema::PEOPLE,
            EventKind::KeyDefined(_) => schema::KEYS,
            _ => schema::POSITIONS,
        };
        self.put(store, &id, record, false);
        Ok(())
    }

    /// The newest stored version of a master record (one index read of its few versions).
    async fn newest_stored(&self, key: &str) -> Result<Option<(Hlc, DeviceId, u64)>> {
        let index = self
            .tx
            .store(schema::EVENTS)?
            .index(schema::EVENTS_REFERRING)?;
        let range = KeyRange::only(&JsValue::from_str(key)).map_err(rexie::Error::from)?;
        let versions = index.get_all(Some(range), None).await?;
        let mut newest = None;
        for value in versions {
            let e: Event = from_js(value)?;
            newest = newest.max(Some((e.hlc, e.device, e.seq)));
        }
        Ok(newest)
    }

    async fn get<T: serde::de::DeserializeOwned>(
        &self,
        store: &'static str,
        key: &str,
    ) -> Result<Option<T>> {
        if let Some((value, _)) = self.written.get(&(store, key.to_string())) {
            return from_js(value.clone()).map(Some);
        }
        let value = self.tx.store(store)?.get(JsValue::from_str(key)).await?;
        value.map(from_js).transpose()
    }

    /// Keeps `record` as the page's version of `key` in `store` (written by `flush`).
    fn put<T: serde::Serialize>(
        &mut self,
        store: &'static str,
        key: &str,
        record: &T,
        out_of_line: bool,
    ) {
        let value = (to_js(record), out_of_line);
        self.written.insert((store, key.to_string()), value);
    }

    /// The records the page changed, by store (written by `write_projections`).
    fn take_writes(&mut self) -> HashMap<&'static str, Vec<(JsValue, Option<JsValue>)>> {
        let mut by_store: HashMap<&'static str, Vec<(JsValue, Option<JsValue>)>> = HashMap::new();
        if let Some(early) = self.early_exits.take() {
            self.put(schema::DEVICE, EXITS_BEFORE_ENTRIES, &early, true);
        }
        let rooms = std::mem::take(&mut self.occupancy).into_values();
        by_store.insert(
            schema::OCCUPANCY,
            rooms.map(|room| (to_js_whole(&room), None)).collect(),
        );
        for ((store, key), (value, out_of_line)) in std::mem::take(&mut self.written) {
            let key = out_of_line.then(|| JsValue::from_str(&key));
            by_store.entry(store).or_default().push((value, key));
        }
        by_store
    }

    /// The rule breaks the page reveals: its loans and entries checked against the permits
    /// as now known, and, for each revocation it brings, the loans and entries this device
    /// already held from that moment on. Each is kept in the rule-break register.
    async fn rule_breaks(&self) -> Result<Vec<RuleBreak>> {
        let (rooms, permits, keys) = futures::try_join!(
            read_all::<Room>(self.tx, schema::ROOMS),
            read_all::<Permit>(self.tx, schema::PERMITS),
            read_all::<KeyDefined>(self.tx, schema::KEYS),
        )?;
        let rooms: HashMap<String, Room> = rooms.into_iter().map(|r| (r.id.clone(), r)).collect();
        let mut loans = self.loans.clone();
        let mut entries = self.entries.clone();
        for revocation in &self.revocations {
            let Some(permit) = permits.iter().find(|p| p.id == revocation.permit) else {
                continue;
            };
            let since = revocation.at.timestamp_millis();
            entries.extend(self.entries_since(permit, since).await?);
            loans.extend(self.loans_since(permit, &keys, since).await?);
        }
        let mut breaks = Vec::new();
        for loan in &loans {
            breaks.extend(loan_break(loan, rooms.get(&loan.room_id), &permits));
        }
        for entry in &entries {
            breaks.extend(entry_break(entry, rooms.get(&entry.room_id), &permits));
        }
        breaks.sort_by_key(|b| b.record.to_string());
        breaks.dedup_by(|a, b| a.record == b.record);
        let store = self.tx.store(schema::RULE_BREAKS)?;
        for b in &breaks {
            let key = JsValue::from_str(&b.record.to_string());
            store.put(&to_js(b), Some(&key)).await?;
        }
        Ok(breaks)
    }

    /// The permit's person's entries into its room from `since_ms` on.
    async fn entries_since(&self, permit: &Permit, since_ms: i64) -> Result<Vec<EntryRecord>> {
        let index = self
            .tx
            .store(schema::EVENTS)?
            .index(schema::ENTRY_LINES_BY_ROOM_PERSON_TIME)?;
        let prefix = [permit.room_id.as_str(), permit.person_id.as_str()];
        let events: Vec<Event> = read_since(&index, &prefix, since_ms).await?;
        // Whether they have left yet does not matter to the rule: only who went in, when.
        Ok(events
            .iter()
            .filter_map(|e| EntryRecord::of_events(e, []))
            .collect())
    }

    /// The loans of the permit's room's keys to its person from `since_ms` on.
    async fn loans_since(
        &self,
        permit: &Permit,
        keys: &[KeyDefined],
        since_ms: i64,
    ) -> Result<Vec<KeyLoan>> {
        let index = self
            .tx
            .store(schema::LOANS)?
            .index(schema::LOANS_BY_KEY_TIME)?;
        let mut loans = Vec::new();
        for key in keys.iter().filter(|k| k.room_id == permit.room_id) {
            let of_key: Vec<KeyLoan> = read_since(&index, &[key.id.as_str()], since_ms).await?;
            loans.extend(
                of_key
                    .into_iter()
                    .filter(|l| l.person_id == permit.person_id),
            );
        }
        Ok(loans)
    }
}

/// The records of an index over `[...prefix, time]` from `since_ms` on.
async fn read_since<T: serde::de::DeserializeOwned>(
    index: &rexie::StoreIndex,
    prefix: &[&str],
    since_ms: i64,
) -> Result<Vec<T>> {
    let key = |last: JsValue| -> JsValue {
        let key: js_sys::Array = prefix.iter().map(|p| JsValue::from_str(p)).collect();
        key.push(&last);
        key.into()
    };
    // Numbers sort before arrays in IndexedDB: `[..prefix, []]` is past every time.
    let lower = key(JsValue::from_f64(since_ms as f64));
    let upper = key(js_sys::Array::new().into());
    let range = KeyRange::bound(&lower, &upper, None, None).map_err(rexie::Error::from)?;
    let values = index.get_all(Some(range), None).await?;
    values.into_iter().map(from_js).collect()
}
