//! Events of other devices, pulled from the endpoint, applied to this device's registers by
//! the same path as its own (`apply`), in any order of arrival.
//!
//! - Idempotent: an event already here changes nothing, so a page pulled twice is harmless.
//! - What the merge shows to have broken a rule (daicho-core `rule_breaks`, with the judges
//!   the door and the lending use) is raised as a rule break, never dropped; the records
//!   themselves stay as they were made.
//! - The events, records, rule breaks, this device's clock and the caller's sync record are
//!   written in one transaction: a closed tab leaves the page applied whole or not at all.

use super::codec::{from_js, to_js};
use super::facts::{line_events, person_lines};
use super::registers::{events_of_kinds, read_all, referring};
use super::{apply, device, schema, Result, Store, StoreError};
use daicho_core::chain::check_event;
use daicho_core::key_log::{KeyDefined, KeyLoan};
use daicho_core::projection::{Record, RecordKey};
use daicho_core::room_permit::Permit;
use daicho_core::rule_breaks::{may_break_rules, RuleBreak};
use daicho_core::sort::sort_by_key;
use daicho_core::{EntryRecord, Event, EventId, EventKind, EventTag, Registers, Room, Versioned};
use rexie::{KeyRange, Transaction, TransactionMode};
use std::collections::{BTreeMap, HashMap};
use wasm_bindgen::JsValue;

/// Every store a page touches: a write's, and the rule breaks.
fn page_stores() -> Vec<&'static str> {
    let mut stores = schema::event_stores();
    stores.push(schema::RULE_BREAKS);
    stores
}

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

/// Pulled events that each passed their own checks (`chain::check_event`: not damaged, no
/// forged clock, no seq 0 …): what a page must be before anything of it is stored. The sync
/// checks a page as it arrives, while the page before is still being stored.
pub struct CheckedEvents {
    events: Vec<Event>,
    /// Each event as the events store holds it (`stored_events`), made with the check, so
    /// that the page's transaction only hands them over.
    stored: Vec<JsValue>,
}

impl CheckedEvents {
    /// `events` if every one passes its checks at `now_ms`; the first that does not refuses
    /// them all. A hostile or broken endpoint cannot hand this device a forged clock, a seq 0
    /// or a damaged event: the endpoint's own checks, again.
    pub fn check(events: Vec<Event>, now_ms: i64) -> Result<CheckedEvents> {
        for event in &events {
            check_event(event, now_ms).map_err(|why| StoreError::Damaged(event.id(), why))?;
        }
        let stored = super::stored_events(&events.iter().collect::<Vec<_>>());
        Ok(CheckedEvents { events, stored })
    }

    pub fn events(&self) -> &[Event] {
        &self.events
    }
}

impl Store {
    /// Applies `events` (another device's or the endpoint's page, in the endpoint's order).
    /// An event that fails its own checks (`chain::check_event`: damaged, a forged clock, …)
    /// refuses the whole page.
    pub async fn apply_pulled(&self, events: &[Event], now_ms: i64) -> Result<Applied> {
        let checked = CheckedEvents::check(events.to_vec(), now_ms)?;
        self.apply_pulled_page(&checked, now_ms, None::<&()>).await
    }

    /// As `apply_pulled`, for events checked already, saving the caller's `sync_record` (the
    /// cursor past this page) in the page's own transaction: the page is applied and the
    /// cursor moved together.
    pub async fn apply_pulled_page<S: serde::Serialize>(
        &self,
        checked: &CheckedEvents,
        now_ms: i64,
        sync_record: Option<&S>,
    ) -> Result<Applied> {
        let events = checked.events();
        let tx = self
            .db
            .transaction(&page_stores(), TransactionMode::ReadWrite)?;
        let applied = async {
            let fresh = new_events(&tx, events).await?;
            let stored: Vec<JsValue> = fresh.iter().map(|&i| checked.stored[i].clone()).collect();
            let fresh: Vec<&Event> = fresh.into_iter().map(|i| &events[i]).collect();
            let projection = apply::Projection::new(&tx);
            apply::apply_stored(projection, &fresh, &stored, &BTreeMap::new()).await?;
            // Read after the page's records are written, so the re-check sees its permits.
            let (breaks, _, _) = futures::try_join!(
                raise_breaks(&tx, &fresh),
                observe_clock(&tx, &fresh, now_ms),
                async {
                    match sync_record {
                        Some(record) => device::write_sync_record(&tx, record).await,
                        None => Ok(()),
                    }
                },
            )?;
            Ok((fresh, breaks))
        };
        let applied = applied.await;
        let (fresh, breaks) = self.finish(tx, applied, super::WRITTEN).await?;
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

    /// The records of the rule breaks whose handling is recorded, read through the kind index
    /// and folded as the office registers fold them: an open exception told from a handled one
    /// without reading every register.
    pub async fn handled_breaks(&self) -> Result<std::collections::BTreeSet<EventId>> {
        let tx = self
            .db
            .transaction(&[schema::EVENTS], TransactionMode::ReadOnly)?;
        let mut office = daicho_core::office::Office::default();
        for event in events_of_kinds(&tx, &[EventTag::BreakHandled]).await? {
            office.apply(&event);
        }
        Ok(office.handlings.into_keys().collect())
    }

    /// Every rule break raised on this device, newest record first.
    pub async fn rule_breaks(&self) -> Result<Vec<RuleBreak>> {
        let tx = self
            .db
            .transaction(&[schema::RULE_BREAKS], TransactionMode::ReadOnly)?;
        let mut breaks: Vec<RuleBreak> = read_all(&tx, schema::RULE_BREAKS).await?;
        sort_by_key(&mut breaks, |b| std::cmp::Reverse(b.at));
        Ok(breaks)
    }
}

/// The events of `events` not stored yet (their positions in `events`): one key read per
/// device the page names, over the range of its seqs there, not one request per event.
async fn new_events(tx: &Transaction, events: &[Event]) -> Result<Vec<usize>> {
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
    let fresh = (0..events.len()).filter(|&i| {
        let e = &events[i];
        known.insert((e.device.0.clone(), e.seq))
    });
    Ok(fresh.collect())
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

/// The rule breaks the page reveals: its loans and entries judged against the registers as
/// now known, and for each revocation it brings, the loans and entries of that permit's
/// person and room from that moment on. Each is kept in the rule-break register.
pub(super) async fn raise_breaks(tx: &Transaction, fresh: &[&Event]) -> Result<Vec<RuleBreak>> {
    if !fresh.iter().any(|e| may_break_rules(&e.kind)) {
        return Ok(Vec::new());
    }
    let mut registers = rule_registers(tx).await?;
    // A return is judged beside every return of its loan (a second one is a break).
    for event in fresh {
        if let EventKind::KeyReturned(r) = &event.kind {
            let returns = referring(tx, &r.loan).await?;
            let returns = returns
                .iter()
                .filter(|e| matches!(e.kind, EventKind::KeyReturned(_)));
            returns.for_each(|e| registers.keep(e));
        }
    }
    let mut candidates: Vec<Event> = fresh.iter().map(|e| (*e).clone()).collect();
    for event in fresh {
        if let EventKind::PermitRevoked(r) = &event.kind {
            if let Some(permit) = registers.permit(&r.permit) {
                let since = r.at.timestamp_millis();
                let (room, person) = (&permit.room_id, &permit.person_id);
                candidates.extend(entries_since(tx, room, person, since).await?);
                candidates.extend(loans_since(tx, &registers, permit, since).await?);
            }
        }
        // A return recorded elsewhere falls on its holder's later entries into the room.
        if let EventKind::KeyReturned(r) = &event.kind {
            let loan = registers.loan(&r.loan);
            let room = loan
                .and_then(|l| registers.key(&l.key_id))
                .map(|k| &k.room_id);
            if let (Some(loan), Some(room)) = (loan, room) {
                let since = r.returned_at.timestamp_millis() - FUTURE_TOLERANCE_MS;
                candidates.extend(entries_since(tx, room, &loan.person_id, since).await?);
            }
        }
    }
    let lines = lines_needed(tx, &registers, &candidates).await?;
    let breaks = registers.breaks_among(&candidates, &lines);
    let store = tx.store(schema::RULE_BREAKS)?;
    for b in &breaks {
        let key = JsValue::from_str(&b.record.to_string());
        store.put(&to_js(b), Some(&key)).await?;
    }
    Ok(breaks)
}

/// The logbook's lines the re-check of `candidates` reads (daicho-core `Registers::lines_for`):
/// each entry's person's lines near its moment, and the lines the exits close.
async fn lines_needed(
    tx: &Transaction,
    registers: &Registers,
    candidates: &[Event],
) -> Result<Vec<EntryRecord>> {
    let needed = registers.lines_for(candidates);
    let spans = needed
        .stays
        .iter()
        .map(|(person, from, to)| person_lines(tx, person, *from, *to));
    let closed = needed.closed.iter().map(|id| line_events(tx, id));
    let (spans, closed) = futures::try_join!(
        futures::future::try_join_all(spans),
        futures::future::try_join_all(closed)
    )?;
    let mut lines: Vec<EntryRecord> = spans.into_iter().flatten().collect();
    for events in closed {
        let (entry, exits) = events
            .split_first()
            .map_or((None, &[][..]), |(e, x)| (Some(e), x));
        lines.extend(entry.and_then(|e| EntryRecord::of_events(e, exits)));
    }
    sort_by_key(&mut lines, |l| l.id.to_string());
    lines.dedup_by(|a, b| a.id == b.id);
    Ok(lines)
}

/// What the re-check reads: rooms, keys, permits, people, the entry managers' measures and the
/// key logbook's loans (small registers, read whole; the endpoint folds the same).
async fn rule_registers(tx: &Transaction) -> Result<Registers> {
    let (rooms, keys, permits, people, measures, loans) = futures::try_join!(
        read_all::<Room>(tx, schema::ROOMS),
        read_all::<Versioned<KeyDefined>>(tx, schema::KEYS),
        read_all::<Permit>(tx, schema::PERMITS),
        read_all::<Versioned<daicho_core::people::PersonDefined>>(tx, schema::PEOPLE),
        events_of_kinds(tx, &daicho_core::entry_measures::MEASURE_KINDS),
        read_all::<KeyLoan>(tx, schema::LOANS),
    )?;
    let mut registers = Registers::default();
    measures.iter().for_each(|e| registers.keep(e));
    for loan in loans {
        registers.put(RecordKey::Loan(loan.id.clone()), Some(Record::Loan(loan)));
    }
    let mut put = |key, record| registers.put(key, Some(record));
    rooms
        .into_iter()
        .for_each(|r| put(RecordKey::Room(r.id.clone()), Record::Room(r)));
    keys.into_iter()
        .for_each(|k| put(RecordKey::Key(k.id.clone()), Record::Key(k)));
    permits
        .into_iter()
        .for_each(|p| put(RecordKey::Permit(p.id.clone()), Record::Permit(p)));
    people
        .into_iter()
        .for_each(|p| put(RecordKey::Person(p.id.clone()), Record::Person(p)));
    Ok(registers)
}

/// How far ahead of its device's clock an entry's moment may lie: an entry at or after a
/// return may have been recorded this much before it.
const FUTURE_TOLERANCE_MS: i64 = daicho_core::entry_log::FUTURE_TOLERANCE_MINUTES * 60 * 1000;

/// A person's entry events into a room from `since_ms` on (by the moment entered).
async fn entries_since(
    tx: &Transaction,
    room_id: &str,
    person_id: &str,
    since_ms: i64,
) -> Result<Vec<Event>> {
    let index = tx
        .store(schema::EVENTS)?
        .index(schema::ENTRY_LINES_BY_ROOM_PERSON_TIME)?;
    read_since(&index, &[room_id, person_id], since_ms).await
}

/// The lending events of the permit's room's keys to its person from `since_ms` on.
async fn loans_since(
    tx: &Transaction,
    registers: &Registers,
    permit: &Permit,
    since_ms: i64,
) -> Result<Vec<Event>> {
    let index = tx.store(schema::LOANS)?.index(schema::LOANS_BY_KEY_TIME)?;
    let mut lent = Vec::new();
    for key in registers.keys().filter(|k| k.room_id == permit.room_id) {
        let of_key: Vec<KeyLoan> = read_since(&index, &[key.id.as_str()], since_ms).await?;
        let of_person = of_key
            .into_iter()
            .filter(|l| l.person_id == permit.person_id);
        for loan in of_person {
            let value = tx
                .store(schema::EVENTS)?
                .get(super::event_key(&loan.id))
                .await?;
            lent.extend(value.map(from_js::<Event>).transpose()?);
        }
    }
    Ok(lent)
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
