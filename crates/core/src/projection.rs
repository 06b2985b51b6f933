//! What each event changes in the registers kept as records: rooms, people, positions, keys,
//! the role mapping, terms of office, permits, key loans, who is inside each room, and each
//! person's credential. One pure function from an event and the records it reads to the
//! records it writes. The in-memory fold (`Registers`), the device's own write and the pull
//! all call it, so no register is derived two ways.
//!
//! The outcome never depends on the order events arrive in:
//! - master data keeps its newest version (`Version::supersedes`);
//! - a record closed twice (a key returned on two tablets offline) keeps its earliest closing
//!   (`Version::precedes`), on every device;
//! - a closing that arrives before the record it closes waits for it (`Waiting`).
//!
//! Each event is projected once: the callers skip events they hold already (the store by the
//! event's key, the fold by the events it has applied).
//!
//! The other registers (the logbooks' lines, meetings, instructions, assets, the ID ledgers,
//! corrections) are the events themselves, folded when read (`office`, `entry_log`).

use crate::entry_log::ExitRecorded;
use crate::event::{Event, EventId, EventKind, EventTag};
use crate::key_log::{KeyDefined, KeyLoan, KeyLoanVoided, KeyReturned};
use crate::organisation::{Position, RoleAssigned, TenureRecorded};
use crate::people::PersonDefined;
use crate::room::Room;
use crate::room_permit::{Permit, PermitRevoked};
use crate::sign_in::{person_of, Credential};
use crate::version::{Version, Versioned};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// A record the projection reads or writes: its register and its key there.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RecordKey {
    Room(String),
    Person(String),
    Position(String),
    Key(String),
    /// A line of the role mapping, by the event that recorded it.
    RoleAssignment(EventId),
    Tenure(EventId),
    Permit(EventId),
    Loan(EventId),
    /// Who is inside a room, by the room.
    Occupancy(String),
    /// The closings that came before the record they close, by that record.
    Waiting(EventId),
    Credential(String),
    /// The room an entry was recorded in. Read only: it is the entry event's own field.
    EntryRoom(EventId),
}

/// A record of a register, as the projection reads and writes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum Record {
    Room(Room),
    Person(Versioned<PersonDefined>),
    Position(Versioned<Position>),
    Key(Versioned<KeyDefined>),
    RoleAssignment(Versioned<RoleAssigned>),
    Tenure(Versioned<TenureRecorded>),
    Permit(Permit),
    Loan(KeyLoan),
    Occupancy(Occupancy),
    Waiting(Waiting),
    Credential(Credential),
    EntryRoom(String),
}

/// What an event does to one record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub key: RecordKey,
    pub update: Update,
}

// A change is made and consumed at once, never kept in bulk: boxing the record would only add
// an allocation to each.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Update {
    /// The record's new value.
    Put(Record),
    /// The record goes (a closing that waited, once its record came).
    Remove,
    /// An entry joins who is inside the room (`Occupancy`): one id added, not a new copy of a
    /// record that may hold thousands (a pulled page of entries would copy it each time).
    Enter(EventId),
    /// An entry leaves who is inside the room, if it is there; an empty room keeps no record.
    Leave(EventId),
}

impl Change {
    fn put(key: RecordKey, record: Record) -> Change {
        Change {
            key,
            update: Update::Put(record),
        }
    }

    fn remove(key: RecordKey) -> Change {
        Change {
            key,
            update: Update::Remove,
        }
    }
}

/// The records read for one event: those `reads` asked for that exist.
pub type Found = BTreeMap<RecordKey, Record>;

/// Who is inside a room: the entries recorded there with no exit known, in id order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Occupancy {
    pub room_id: String,
    pub inside: Vec<EventId>,
}

impl Occupancy {
    pub fn of(room_id: &str) -> Self {
        Occupancy {
            room_id: room_id.to_string(),
            inside: Vec::new(),
        }
    }

    /// Who is inside once `update` (an `Enter` or a `Leave`) is applied.
    pub fn apply(&mut self, update: &Update) {
        match update {
            Update::Enter(entry) => {
                if let Err(at) = self.inside.binary_search(entry) {
                    self.inside.insert(at, entry.clone());
                }
            }
            Update::Leave(entry) => {
                if let Ok(at) = self.inside.binary_search(entry) {
                    self.inside.remove(at);
                }
            }
            Update::Put(_) | Update::Remove => {}
        }
    }
}

/// What closes a record: an exit its entry, a return its loan, a revocation its permit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Closed {
    Exit(ExitRecorded),
    Return(KeyReturned),
    Revocation(PermitRevoked),
    /// A loan found not real (a key lent twice at once).
    Void(KeyLoanVoided),
}

/// A closing event, with its version (which also names it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Closing {
    pub version: Version,
    pub closed: Closed,
}

/// The closings that arrived before the record they close, earliest first. The endpoint hands
/// a record over before anything that closes it, so this stays empty unless events come some
/// other way; it is what keeps the registers the same in any order of arrival.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Waiting {
    pub target: EventId,
    pub closings: Vec<Closing>,
}

impl Waiting {
    fn with(mut self, closing: Closing) -> Self {
        let at = self
            .closings
            .binary_search_by(|c| c.version.cmp(&closing.version));
        if let Err(at) = at {
            self.closings.insert(at, closing);
        }
        self
    }

    /// The earliest waiting closing of the kind `pick` accepts.
    fn earliest<'a, T>(
        &'a self,
        pick: impl Fn(&'a Closed) -> Option<&'a T>,
    ) -> Option<(&'a T, &'a Version)> {
        self.closings
            .iter()
            .find_map(|c| pick(&c.closed).map(|closed| (closed, &c.version)))
    }
}

/// Does an event of this kind change any record (and so belong in a rebuild of them)?
pub fn writes_records(tag: EventTag) -> bool {
    use EventTag as T;
    matches!(
        tag,
        T::RoomDefined
            | T::PersonDefined
            | T::PositionDefined
            | T::KeyDefined
            | T::RoleAssigned
            | T::TenureRecorded
            | T::PermissionGranted
            | T::VisitPermitGranted
            | T::PermitRevoked
            | T::KeyLent
            | T::KeyReturned
            | T::KeyLoanVoided
            | T::EntryRecorded
            | T::ExitRecorded
            | T::PinSet
            | T::SignedIn
            | T::SignInFailed
            | T::PinUnlocked
    )
}

/// The records to read next for `event`, given those `found` already (an exit learns its
/// room from its entry, then reads who is inside that room). The caller reads them and asks
/// again until nothing new is asked; at most two rounds.
pub fn reads(event: &Event, found: &Found) -> Vec<RecordKey> {
    use RecordKey as K;
    let id = event.id();
    let keys = match &event.kind {
        EventKind::RoomDefined(d) => vec![K::Room(d.id.clone())],
        EventKind::PersonDefined(p) => vec![K::Person(p.id.clone())],
        EventKind::PositionDefined(p) => vec![K::Position(p.id.clone())],
        EventKind::KeyDefined(k) => vec![K::Key(k.id.clone())],
        EventKind::PermissionGranted(_) | EventKind::VisitPermitGranted(_) => {
            vec![K::Permit(id.clone()), K::Waiting(id)]
        }
        EventKind::KeyLent(_) => vec![K::Loan(id.clone()), K::Waiting(id)],
        EventKind::EntryRecorded(_) => vec![K::Waiting(id)],
        EventKind::PermitRevoked(r) => closing_reads(K::Permit(r.permit.clone()), found),
        EventKind::KeyReturned(r) => closing_reads(K::Loan(r.loan.clone()), found),
        EventKind::KeyLoanVoided(v) => closing_reads(K::Loan(v.loan.clone()), found),
        EventKind::ExitRecorded(exit) => exit_reads(&exit.entry, found),
        kind => person_of(kind)
            .map(|person| vec![K::Credential(person.to_string())])
            .unwrap_or_default(),
    };
    keys.into_iter()
        .filter(|k| !found.contains_key(k))
        .collect()
}

/// `reads` for a caller that reads round after round: only the keys not `asked` before
/// (absent records are asked once). Empty when everything is read.
pub fn next_reads(event: &Event, found: &Found, asked: &mut BTreeSet<RecordKey>) -> Vec<RecordKey> {
    reads(event, found)
        .into_iter()
        .filter(|k| asked.insert(k.clone()))
        .collect()
}

/// A closing reads its record, and where this device has none yet, what waits for it.
fn closing_reads(target: RecordKey, found: &Found) -> Vec<RecordKey> {
    match (&target, found.contains_key(&target)) {
        (RecordKey::Permit(id) | RecordKey::Loan(id), false) => {
            vec![target.clone(), RecordKey::Waiting(id.clone())]
        }
        _ => vec![target],
    }
}

/// An exit reads its entry's room, then who is inside it; with no entry here, what waits.
fn exit_reads(entry: &EventId, found: &Found) -> Vec<RecordKey> {
    let room = RecordKey::EntryRoom(entry.clone());
    match found.get(&room) {
        Some(Record::EntryRoom(_)) => vec![room],
        _ => vec![room, RecordKey::Waiting(entry.clone())],
    }
}

/// What `event` changes, given the records `reads` asked for (absent where none exists).
pub fn project(event: &Event, found: &Found) -> Vec<Change> {
    let version = Version::of(event);
    let id = event.id();
    match &event.kind {
        EventKind::RoomDefined(d) => newest(
            RecordKey::Room(d.id.clone()),
            d,
            version,
            found,
            Record::Room,
        ),
        EventKind::PersonDefined(p) => newest(
            RecordKey::Person(p.id.clone()),
            p,
            version,
            found,
            Record::Person,
        ),
        EventKind::PositionDefined(p) => newest(
            RecordKey::Position(p.id.clone()),
            p,
            version,
            found,
            Record::Position,
        ),
        EventKind::KeyDefined(k) => {
            newest(RecordKey::Key(k.id.clone()), k, version, found, Record::Key)
        }
        EventKind::RoleAssigned(a) => vec![Change::put(
            RecordKey::RoleAssignment(id),
            Record::RoleAssignment(Versioned::new(a.clone(), version)),
        )],
        EventKind::TenureRecorded(t) => vec![Change::put(
            RecordKey::Tenure(id),
            Record::Tenure(Versioned::new(t.clone(), version)),
        )],
        EventKind::PermissionGranted(g) => granted(Permit::standing(id, g), found),
        EventKind::VisitPermitGranted(g) => granted(Permit::visit(id, g), found),
        EventKind::PermitRevoked(r) => revoked(r, version, found),
        EventKind::KeyLent(l) => lent(KeyLoan::opened(id, l), found),
        EventKind::KeyReturned(r) => returned(r, version, found),
        EventKind::KeyLoanVoided(v) => voided(v, version, found),
        EventKind::EntryRecorded(e) => entered(&id, &e.room_id, found),
        EventKind::ExitRecorded(x) => exited(x, version, found),
        kind => credential(kind, &version, found),
    }
}

/// Master data: `value` as `key`'s record, if `version` is newer than the one held.
fn newest<T: Clone>(
    key: RecordKey,
    value: &T,
    version: Version,
    found: &Found,
    record: fn(Versioned<T>) -> Record,
) -> Vec<Change> {
    let held = found.get(&key).and_then(version_of);
    if !version.supersedes(held) {
        return Vec::new();
    }
    vec![Change::put(
        key,
        record(Versioned::new(value.clone(), version)),
    )]
}

fn version_of(record: &Record) -> Option<&Version> {
    match record {
        Record::Room(r) => Some(&r.version),
        Record::Person(r) => Some(&r.version),
        Record::Position(r) => Some(&r.version),
        Record::Key(r) => Some(&r.version),
        _ => None,
    }
}

fn waiting<'a>(found: &'a Found, target: &EventId) -> Option<&'a Waiting> {
    match found.get(&RecordKey::Waiting(target.clone())) {
        Some(Record::Waiting(w)) => Some(w),
        _ => None,
    }
}

/// A new record takes the earliest closing that waited for it, and the waiting ends.
fn with_waiting(record: Change, target: &EventId, found: &Found) -> Vec<Change> {
    let mut changes = vec![record];
    if waiting(found, target).is_some() {
        changes.push(Change::remove(RecordKey::Waiting(target.clone())));
    }
    changes
}

fn granted(permit: Permit, found: &Found) -> Vec<Change> {
    let key = RecordKey::Permit(permit.id.clone());
    if found.contains_key(&key) {
        return Vec::new();
    }
    let earliest = waiting(found, &permit.id).and_then(|w| {
        w.earliest(|c| match c {
            Closed::Revocation(r) => Some(r),
            _ => None,
        })
    });
    let permit = match earliest {
        Some((r, version)) => permit.revoked(r, version).unwrap_or(permit),
        None => permit,
    };
    let id = permit.id.clone();
    with_waiting(Change::put(key, Record::Permit(permit)), &id, found)
}

fn revoked(r: &PermitRevoked, version: Version, found: &Found) -> Vec<Change> {
    let key = RecordKey::Permit(r.permit.clone());
    match found.get(&key) {
        Some(Record::Permit(permit)) => permit
            .revoked(r, &version)
            .map(|p| vec![Change::put(key, Record::Permit(p))])
            .unwrap_or_default(),
        _ => wait_for(&r.permit, Closed::Revocation(r.clone()), version, found),
    }
}

fn lent(loan: KeyLoan, found: &Found) -> Vec<Change> {
    let key = RecordKey::Loan(loan.id.clone());
    if found.contains_key(&key) {
        return Vec::new();
    }
    // The earliest closing waiting, a return or a void.
    let earliest = waiting(found, &loan.id).and_then(|w| {
        w.closings
            .iter()
            .find(|c| matches!(c.closed, Closed::Return(_) | Closed::Void(_)))
    });
    let closed = earliest.and_then(|c| match &c.closed {
        Closed::Return(r) => loan.closed(r, &c.version),
        Closed::Void(_) => loan.voided(&c.version),
        _ => None,
    });
    let loan = closed.unwrap_or(loan);
    let id = loan.id.clone();
    with_waiting(Change::put(key, Record::Loan(loan)), &id, found)
}

fn returned(r: &KeyReturned, version: Version, found: &Found) -> Vec<Change> {
    let key = RecordKey::Loan(r.loan.clone());
    match found.get(&key) {
        Some(Record::Loan(loan)) => loan
            .closed(r, &version)
            .map(|l| vec![Change::put(key, Record::Loan(l))])
            .unwrap_or_default(),
        _ => wait_for(&r.loan, Closed::Return(r.clone()), version, found),
    }
}

fn voided(v: &KeyLoanVoided, version: Version, found: &Found) -> Vec<Change> {
    let key = RecordKey::Loan(v.loan.clone());
    match found.get(&key) {
        Some(Record::Loan(loan)) => loan
            .voided(&version)
            .map(|l| vec![Change::put(key, Record::Loan(l))])
            .unwrap_or_default(),
        _ => wait_for(&v.loan, Closed::Void(v.clone()), version, found),
    }
}

/// An entry is inside its room unless its exit came first.
fn entered(id: &EventId, room_id: &str, found: &Found) -> Vec<Change> {
    let exited = waiting(found, id).is_some_and(|w| {
        w.closings
            .iter()
            .any(|c| matches!(c.closed, Closed::Exit(_)))
    });
    if exited {
        return vec![Change::remove(RecordKey::Waiting(id.clone()))];
    }
    vec![Change {
        key: RecordKey::Occupancy(room_id.to_string()),
        update: Update::Enter(id.clone()),
    }]
}

fn exited(exit: &ExitRecorded, version: Version, found: &Found) -> Vec<Change> {
    let room = found.get(&RecordKey::EntryRoom(exit.entry.clone()));
    let Some(Record::EntryRoom(room_id)) = room else {
        return wait_for(&exit.entry, Closed::Exit(exit.clone()), version, found);
    };
    vec![Change {
        key: RecordKey::Occupancy(room_id.clone()),
        update: Update::Leave(exit.entry.clone()),
    }]
}

/// A closing of a record this device does not hold yet waits for it.
fn wait_for(target: &EventId, closed: Closed, version: Version, found: &Found) -> Vec<Change> {
    let held = waiting(found, target).cloned().unwrap_or_else(|| Waiting {
        target: target.clone(),
        closings: Vec::new(),
    });
    let waiting = held.with(Closing { version, closed });
    vec![Change::put(
        RecordKey::Waiting(target.clone()),
        Record::Waiting(waiting),
    )]
}

/// Sign-in events: the person's credential after them (a sign-out changes nothing).
fn credential(kind: &EventKind, version: &Version, found: &Found) -> Vec<Change> {
    let Some(person) = person_of(kind) else {
        return Vec::new();
    };
    let key = RecordKey::Credential(person.to_string());
    let held = match found.get(&key) {
        Some(Record::Credential(c)) => c.clone(),
        _ => Credential::default(),
    };
    let next = held.after(kind, version);
    if next == held {
        return Vec::new();
    }
    vec![Change::put(key, Record::Credential(next))]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A rebuild replays only the kinds `writes_records` names: every other kind must change
    /// no record, whatever it finds.
    #[test]
    fn only_the_kinds_that_write_records_change_any() {
        let event = |kind: EventKind| {
            Event::seal(
                crate::DeviceId("d".into()),
                1,
                crate::Hlc::default(),
                "op".into(),
                kind,
                crate::event::GENESIS_HASH,
            )
        };
        for kind in crate::authority::tests::every_kind() {
            let tag = kind.tag();
            let changes = project(&event(kind), &Found::new());
            if !writes_records(tag) {
                assert_eq!(changes, Vec::new(), "{tag}");
            }
        }
    }
}
