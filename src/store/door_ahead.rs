//! The door's facts read ahead of the tap. When the clerk chooses who enters, what the verdict
//! on that entry reads is read in a transaction of its own and kept beside the stores' mark
//! (`registers_mark`). The tap's write reads the mark in its own transaction: the same mark,
//! and nothing was written since, so the facts kept are exactly what it would read again;
//! another mark (a write here, in another tab, a sync), and it reads them as before. Either
//! way the verdict is on what the stores hold as the entry is written.

use super::device::{self, DeviceState};
use super::facts::{facts_without_previous, read_needs, with_previous_entry, Moment};
use super::{apply, history, records, registers_mark, schema, Result, Store};
use crate::timing::{mark, WRITE_JUDGED_AHEAD};
use chrono::{DateTime, Utc};
use daicho_core::admission::DoorFacts;
use daicho_core::history::{jst_day, DayCounts};
use daicho_core::needs::{next_needs, Need};
use daicho_core::projection::{Record, RecordKey};
use daicho_core::{EntryRecorded, EventKind, Refusals, Registers};
use rexie::{Transaction, TransactionMode};
use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::rc::Rc;

/// Who an entry's facts are read for: the operator, the room and the people it names.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Named {
    operator: String,
    room_id: String,
    person_id: String,
    escort_id: Option<String>,
}

impl Named {
    fn of(entry: &EntryRecorded, operator: &str) -> Self {
        Named {
            operator: operator.to_string(),
            room_id: entry.room_id.clone(),
            person_id: entry.person_id.clone(),
            escort_id: entry.escort_id.clone(),
        }
    }
}

/// Facts read ahead, as the stores held them under `mark`.
struct Ahead {
    named: Named,
    mark: registers_mark::Mark,
    /// Good for entries at this moment or later (the lines elsewhere were read for any of them).
    from: DateTime<Utc>,
    registers: Registers,
    asked: BTreeSet<Need>,
    door: DoorFacts,
    seed: Seed,
    /// The device's chain head and what waits for a record, as the mark holds them.
    head: DeviceState,
    waited_for: HashSet<String>,
}

/// What the entry's write itself reads, read ahead with its facts: the room's record of who is
/// inside (the projection changes it) and today's counts of the operation history.
#[derive(Clone, Default)]
pub(super) struct Seed {
    pub(super) records: Vec<(RecordKey, Option<Record>)>,
    pub(super) days: BTreeMap<i64, DayCounts>,
}

/// An entry let in on facts read ahead, with all its write reads: the write is issued at once,
/// beside a read of the mark it must find (`Store::record_planned`).
pub(super) struct Planned {
    pub(super) mark: registers_mark::Mark,
    pub(super) head: DeviceState,
    pub(super) waited_for: HashSet<String>,
    pub(super) seed: Seed,
}

/// The facts last read ahead, and who is being read for now.
#[derive(Default)]
pub(super) struct AheadSlot {
    kept: RefCell<Option<Rc<Ahead>>>,
    /// Whom the latest read began for, until it ends.
    reading: RefCell<Option<Named>>,
    /// How many reads began: the latest is the one that keeps its facts.
    reads: Cell<u64>,
}

impl AheadSlot {
    /// Are facts for `named` kept or being read?
    fn may_hold(&self, named: &Named) -> bool {
        self.kept_for(named).is_some() || self.reading_for(named)
    }

    fn kept_for(&self, named: &Named) -> Option<Rc<Ahead>> {
        self.kept.borrow().clone().filter(|a| &a.named == named)
    }

    fn begin(&self, named: Named) -> u64 {
        let read = self.reads.get() + 1;
        self.reads.set(read);
        *self.reading.borrow_mut() = Some(named);
        read
    }

    /// Keeps what read `read` found (unless a later read began meanwhile: its facts are for
    /// whoever was chosen last).
    fn end(&self, read: u64, found: Option<Ahead>) {
        if self.reads.get() != read {
            return;
        }
        *self.reading.borrow_mut() = None;
        if let Some(ahead) = found {
            *self.kept.borrow_mut() = Some(Rc::new(ahead));
        }
    }

    /// Is a read for `named` under way? (What is kept for it is then older than that read.)
    fn reading_for(&self, named: &Named) -> bool {
        self.reading.borrow().as_ref() == Some(named)
    }
}

impl Store {
    /// Reads ahead what the verdict on `draft` (an entry at the moment chosen, by `operator`)
    /// will read, so that the tap does not wait for it. Nothing is written; a failed read
    /// only leaves the tap to read for itself.
    pub async fn read_entry_facts_ahead(
        &self,
        draft: &EntryRecorded,
        operator: &str,
    ) -> Result<()> {
        let named = Named::of(draft, operator);
        let read = self.ahead.begin(named.clone());
        let found = async {
            let tx = self
                .db
                .transaction(&schema::event_stores(), TransactionMode::ReadOnly)?;
            read_ahead(&tx, draft, named).await
        };
        match found.await {
            Ok(ahead) => {
                self.ahead.end(read, Some(ahead));
                Ok(())
            }
            Err(e) => {
                self.ahead.end(read, None);
                Err(e)
            }
        }
    }

    /// The door's facts for `entry` as the tap takes them from a read ahead at `from` (at or
    /// before the entry's moment): what the tests hold equal to the facts read at the tap.
    pub async fn door_facts_read_ahead(
        &self,
        entry: &EntryRecorded,
        from: DateTime<Utc>,
    ) -> Result<DoorFacts> {
        let tx = self
            .db
            .transaction(&schema::event_stores(), TransactionMode::ReadOnly)?;
        let facts = facts_without_previous(&tx, entry, Moment::From(from)).await?;
        taken_for(&tx, facts, entry).await
    }
}

async fn read_ahead(tx: &Transaction, draft: &EntryRecorded, named: Named) -> Result<Ahead> {
    let kind = EventKind::EntryRecorded(draft.clone());
    let from = draft.entered_at;
    let (mark, (registers, asked), door, seed, head, waited_for) = futures::try_join!(
        registers_mark::read(tx),
        read_needs(tx, &kind, &named.operator),
        facts_without_previous(tx, draft, Moment::From(from)),
        read_seed(tx, &draft.room_id),
        device::read(tx),
        apply::waited_for(tx)
    )?;
    Ok(Ahead {
        named,
        mark,
        from,
        registers,
        asked,
        door,
        seed,
        head,
        waited_for,
    })
}

/// The room's record of who is inside, and today's day counts (a tap after midnight reads
/// its own day).
async fn read_seed(tx: &Transaction, room_id: &str) -> Result<Seed> {
    let key = RecordKey::Occupancy(room_id.to_string());
    let today = jst_day(Utc::now().timestamp_millis());
    let (occupancy, day) =
        futures::try_join!(records::read(tx, &key), history::read_day(tx, today))?;
    Ok(Seed {
        records: vec![(key, occupancy)],
        days: BTreeMap::from([(today, day)]),
    })
}

/// The verdict on `entry` from facts read ahead, if they are what this transaction holds and
/// cover it, with what its write would read: else `None`, and the caller reads for itself.
pub(super) async fn judge(
    tx: &Transaction,
    slot: &AheadSlot,
    entry: &EntryRecorded,
    operator: &str,
    now: DateTime<Utc>,
) -> Result<Option<(std::result::Result<(), Refusals>, Seed)>> {
    let named = Named::of(entry, operator);
    if !slot.may_hold(&named) {
        return Ok(None);
    }
    // A read ahead still running has kept its facts by the time this answers: this write's
    // transaction began after its own.
    let held = registers_mark::read(tx).await?;
    let Some(ahead) = covering(slot, entry, operator) else {
        return Ok(None);
    };
    if ahead.mark != held {
        return Ok(None);
    }
    let facts = taken_for(tx, ahead.door.clone(), entry).await?;
    mark(WRITE_JUDGED_AHEAD);
    let verdict = ahead.registers.judge_entry(entry, &facts, operator, now);
    Ok(Some((verdict, ahead.seed.clone())))
}

/// The facts kept for `entry` by `operator`, if they cover it: read for the same people, room
/// and operator, for its moment, and with every need of its verdict asked. Whether they are
/// still what the stores hold is the caller's to see, by the mark.
fn covering(slot: &AheadSlot, entry: &EntryRecorded, operator: &str) -> Option<Rc<Ahead>> {
    let ahead = slot.kept_for(&Named::of(entry, operator))?;
    let kind = EventKind::EntryRecorded(entry.clone());
    let covers = entry.entered_at >= ahead.from
        && next_needs(&kind, operator, &ahead.registers, &mut ahead.asked.clone()).is_empty();
    covers.then_some(ahead)
}

/// The write of `entry`, planned on the facts kept for it, if they let it in with nothing
/// more to read: not while a read for it is still under way (the write's transaction, begun
/// now, takes that read's facts once it ends, `judge`), nor for an entry whose rule reads the
/// previous entry (level 3 with a key out), nor one that raises a rule break, nor one they
/// refuse (a refusal waits for the mark, so that it is never on facts the stores no longer
/// hold).
pub(super) fn plan(
    slot: &AheadSlot,
    entry: &EntryRecorded,
    operator: &str,
    now: DateTime<Utc>,
) -> Option<Planned> {
    if entry.inside_elsewhere.is_some() || slot.reading_for(&Named::of(entry, operator)) {
        return None;
    }
    let ahead = covering(slot, entry, operator)?;
    let facts = ahead.door.clone().at_entry(entry);
    if facts.asks_previous_entry() {
        return None;
    }
    ahead
        .registers
        .judge_entry(entry, &facts, operator, now)
        .ok()?;
    Some(Planned {
        mark: ahead.mark.clone(),
        head: ahead.head.clone(),
        waited_for: ahead.waited_for.clone(),
        seed: ahead.seed.clone(),
    })
}

/// Facts read ahead, as the tap takes them for `entry`: narrowed to its moment, with the
/// previous entry read in `tx` where the rule asks for it.
async fn taken_for(tx: &Transaction, door: DoorFacts, entry: &EntryRecorded) -> Result<DoorFacts> {
    with_previous_entry(tx, door.at_entry(entry), entry).await
}
