//! The projected registers held in memory: what the device's store keeps in one IndexedDB
//! store per register, kept here by the same `projection`, so the two can be compared record
//! for record.

use crate::event::EventId;
use crate::key_log::{KeyDefined, KeyLoan};
use crate::organisation::{Organisation, Position, RoleAssigned, TenureRecorded};
use crate::people::PersonDefined;
use crate::projection::{Change, Occupancy, Record, RecordKey, Update, Waiting};
use crate::room::Room;
use crate::room_permit::Permit;
use crate::sign_in::Credential;
use crate::version::Versioned;
use std::collections::BTreeMap;

/// Every projected register, by its records' keys.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Records {
    rooms: BTreeMap<String, Room>,
    people: BTreeMap<String, Versioned<PersonDefined>>,
    positions: BTreeMap<String, Versioned<Position>>,
    keys: BTreeMap<String, Versioned<KeyDefined>>,
    role_assignments: BTreeMap<EventId, Versioned<RoleAssigned>>,
    tenures: BTreeMap<EventId, Versioned<TenureRecorded>>,
    permits: BTreeMap<EventId, Permit>,
    loans: BTreeMap<EventId, KeyLoan>,
    occupancy: BTreeMap<String, Occupancy>,
    waiting: BTreeMap<EventId, Waiting>,
    credentials: BTreeMap<String, Credential>,
    /// The role mapping and terms, as the rules read them (kept with their records).
    organisation: Organisation,
}

/// One register's records as a map, read (`get`) or written (`set`) by the record's key.
macro_rules! register {
    ($self:ident, $key:expr, $record:ident, $map:ident => $variant:ident) => {
        match ($key, $record) {
            (k, Some(Record::$variant(r))) => {
                $self.$map.insert(k.clone(), r);
            }
            (k, _) => {
                $self.$map.remove(k);
            }
        }
    };
}

impl Records {
    /// The record `key` names, if held. (An entry's room is an event's field, not a record.)
    pub fn get(&self, key: &RecordKey) -> Option<Record> {
        use RecordKey as K;
        match key {
            K::Room(id) => self.rooms.get(id).cloned().map(Record::Room),
            K::Person(id) => self.people.get(id).cloned().map(Record::Person),
            K::Position(id) => self.positions.get(id).cloned().map(Record::Position),
            K::Key(id) => self.keys.get(id).cloned().map(Record::Key),
            K::RoleAssignment(id) => self
                .role_assignments
                .get(id)
                .cloned()
                .map(Record::RoleAssignment),
            K::Tenure(id) => self.tenures.get(id).cloned().map(Record::Tenure),
            K::Permit(id) => self.permits.get(id).cloned().map(Record::Permit),
            K::Loan(id) => self.loans.get(id).cloned().map(Record::Loan),
            K::Occupancy(id) => self.occupancy.get(id).cloned().map(Record::Occupancy),
            K::Waiting(id) => self.waiting.get(id).cloned().map(Record::Waiting),
            K::Credential(id) => self.credentials.get(id).cloned().map(Record::Credential),
            K::EntryRoom(_) => None,
        }
    }

    /// Writes one change of the projection (or one record read from the store).
    pub fn apply(&mut self, change: Change) {
        use RecordKey as K;
        let record = match change.update {
            Update::Put(record) => Some(record),
            Update::Remove => None,
            update @ (Update::Enter(_) | Update::Leave(_)) => {
                return self.move_inside(&change.key, &update);
            }
        };
        match &change.key {
            K::Room(id) => register!(self, id, record, rooms => Room),
            K::Person(id) => register!(self, id, record, people => Person),
            K::Position(id) => register!(self, id, record, positions => Position),
            K::Key(id) => register!(self, id, record, keys => Key),
            K::RoleAssignment(id) => {
                if let Some(Record::RoleAssignment(a)) = &record {
                    self.organisation.apply_assignment(a);
                }
                register!(self, id, record, role_assignments => RoleAssignment)
            }
            K::Tenure(id) => {
                if let Some(Record::Tenure(t)) = &record {
                    self.organisation.apply_tenure(t);
                }
                register!(self, id, record, tenures => Tenure)
            }
            K::Permit(id) => register!(self, id, record, permits => Permit),
            K::Loan(id) => register!(self, id, record, loans => Loan),
            K::Occupancy(id) => register!(self, id, record, occupancy => Occupancy),
            K::Waiting(id) => register!(self, id, record, waiting => Waiting),
            K::Credential(id) => register!(self, id, record, credentials => Credential),
            K::EntryRoom(_) => {}
        }
    }

    /// Who is inside a room after an entry or an exit (an empty room keeps no record).
    fn move_inside(&mut self, key: &RecordKey, update: &Update) {
        let RecordKey::Occupancy(room) = key else {
            return;
        };
        let occupancy = self
            .occupancy
            .entry(room.clone())
            .or_insert_with(|| Occupancy::of(room));
        occupancy.apply(update);
        if occupancy.inside.is_empty() {
            self.occupancy.remove(room);
        }
    }

    /// Every record, by key: what the store's register stores hold, for comparing the two.
    pub fn all(&self) -> BTreeMap<RecordKey, Record> {
        fn each<'a, K: Clone + 'a, V: Clone + 'a>(
            map: &'a BTreeMap<K, V>,
            key: fn(K) -> RecordKey,
            record: fn(V) -> Record,
        ) -> impl Iterator<Item = (RecordKey, Record)> + 'a {
            map.iter()
                .map(move |(k, v)| (key(k.clone()), record(v.clone())))
        }
        each(&self.rooms, RecordKey::Room, Record::Room)
            .chain(each(&self.people, RecordKey::Person, Record::Person))
            .chain(each(&self.positions, RecordKey::Position, Record::Position))
            .chain(each(&self.keys, RecordKey::Key, Record::Key))
            .chain(each(
                &self.role_assignments,
                RecordKey::RoleAssignment,
                Record::RoleAssignment,
            ))
            .chain(each(&self.tenures, RecordKey::Tenure, Record::Tenure))
            .chain(each(&self.permits, RecordKey::Permit, Record::Permit))
            .chain(each(&self.loans, RecordKey::Loan, Record::Loan))
            .chain(each(
                &self.occupancy,
                RecordKey::Occupancy,
                Record::Occupancy,
            ))
            .chain(each(&self.waiting, RecordKey::Waiting, Record::Waiting))
            .chain(each(
                &self.credentials,
                RecordKey::Credential,
                Record::Credential,
            ))
            .collect()
    }

    pub fn room(&self, id: &str) -> Option<&Room> {
        self.rooms.get(id)
    }

    pub fn rooms(&self) -> impl Iterator<Item = &Room> {
        self.rooms.values()
    }

    pub fn person(&self, id: &str) -> Option<&PersonDefined> {
        self.people.get(id).map(|p| &p.value)
    }

    pub fn people(&self) -> impl Iterator<Item = &PersonDefined> {
        self.people.values().map(|p| &p.value)
    }

    pub fn position(&self, id: &str) -> Option<&Position> {
        self.positions.get(id).map(|p| &p.value)
    }

    pub fn key(&self, id: &str) -> Option<&KeyDefined> {
        self.keys.get(id).map(|k| &k.value)
    }

    pub fn keys(&self) -> impl Iterator<Item = &KeyDefined> {
        self.keys.values().map(|k| &k.value)
    }

    pub fn permit(&self, id: &EventId) -> Option<&Permit> {
        self.permits.get(id)
    }

    pub fn permits(&self) -> impl Iterator<Item = &Permit> {
        self.permits.values()
    }

    pub fn loan(&self, id: &EventId) -> Option<&KeyLoan> {
        self.loans.get(id)
    }

    pub fn loans(&self) -> impl Iterator<Item = &KeyLoan> {
        self.loans.values()
    }

    pub fn occupancy(&self, room_id: &str) -> Option<&Occupancy> {
        self.occupancy.get(room_id)
    }

    pub fn credential(&self, person_id: &str) -> Option<&Credential> {
        self.credentials.get(person_id)
    }

    pub fn organisation(&self) -> &Organisation {
        &self.organisation
    }
}
