//! The registers as the fold of all events: what every device and the server agree on once
//! they have the same events, whatever order they arrived in.

use crate::admission::{check_admission, AdmissionFacts};
use crate::corrections::{check_correction, CorrectionRecorded, CorrectionTrail};
use crate::entry_log::{check_entry, check_exit, EntryRecord, EntryRecorded};
use crate::event::{Event, EventId, EventKind};
use crate::key_log::{check_loan, check_return, KeyDefined, KeyLent, KeyLoan, LoanFacts};
use crate::office::Office;
use crate::organisation::{Organisation, Position};
use crate::refusal::Refusals;
use crate::room::Room;
use crate::room_permit::{check_permission, check_revocation, check_visit_permit, Permit};
use crate::sign_in::check_sign_in_event;
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Registers {
    pub rooms: BTreeMap<String, Room>,
    pub entries: BTreeMap<EventId, EntryRecord>,
    pub positions: BTreeMap<String, Position>,
    pub organisation: Organisation,
    pub permits: BTreeMap<EventId, Permit>,
    pub keys: BTreeMap<String, KeyDefined>,
    pub loans: BTreeMap<EventId, KeyLoan>,
    pub office: Office,
    /// Each person's PIN and sign-in failures.
    pub credentials: BTreeMap<String, crate::sign_in::Credential>,
    /// The corrections of each corrected record, by the event that made the record.
    pub corrections: BTreeMap<EventId, CorrectionTrail>,
    /// Events that found nothing to act on when folded: an exit or return of what another
    /// device closed already, a revocation of an unknown permit. Kept, never dropped, to be
    /// raised as exceptions.
    pub unmatched: Vec<EventId>,
}

impl Registers {
    /// Folds events in clock order (device breaks ties), whatever order they are given in.
    pub fn fold<'a>(events: impl IntoIterator<Item = &'a Event>) -> Registers {
        let mut sorted: Vec<&Event> = events.into_iter().collect();
        sorted.sort_by(|a, b| a.fold_key().cmp(&b.fold_key()));
        let mut registers = Registers::default();
        for event in sorted {
            registers.apply(event);
        }
        registers
    }

    /// Applies one event. Applying the same event twice changes nothing.
    pub fn apply(&mut self, event: &Event) {
        match &event.kind {
            EventKind::RoomDefined(def) => {
                let newer = self
                    .rooms
                    .get(&def.id)
                    .is_none_or(|room| room.is_superseded_by(event.hlc, &event.device));
                if newer {
                    let room = Room::from_definition(def, event.hlc, &event.device);
                    self.rooms.insert(def.id.clone(), room);
                }
            }
            EventKind::EntryRecorded(entry) => {
                let record = EntryRecord::opened(event.id(), entry, &event.operator);
                self.entries.entry(event.id()).or_insert(record);
            }
            EventKind::ExitRecorded(exit) => self.apply_exit(event, exit),
            EventKind::PositionDefined(position) => {
                self.positions.insert(position.id.clone(), position.clone());
            }
            EventKind::RoleAssigned(assignment) => self.organisation.apply_assignment(assignment),
            EventKind::TenureRecorded(tenure) => self.organisation.apply_tenure(tenure),
            EventKind::PermissionGranted(grant) => {
                self.permits
                    .insert(event.id(), Permit::standing(event.id(), grant));
            }
            EventKind::VisitPermitGranted(grant) => {
                self.permits
                    .insert(event.id(), Permit::visit(event.id(), grant));
            }
            EventKind::PermitRevoked(revocation) => {
                match self.permits.get_mut(&revocation.permit) {
                    Some(permit) if permit.revoked_at.is_none() => {
                        permit.revoked_at = Some(revocation.at);
                    }
                    _ => self.note_unmatched(event.id()),
                }
            }
            EventKind::KeyDefined(key) => {
                self.keys.insert(key.id.clone(), key.clone());
            }
            EventKind::KeyLent(lent) => self.apply_loan(event, lent),
            EventKind::KeyReturned(ret) => match self.loans.get_mut(&ret.loan) {
                Some(loan) if loan.is_out() => *loan = loan.closed(ret),
                _ => self.note_unmatched(event.id()),
            },
            EventKind::CorrectionRecorded(c) => self.apply_correction(event, c),
            EventKind::PinSet(_)
            | EventKind::SignedIn(_)
            | EventKind::SignInFailed(_)
            | EventKind::SignedOut(_)
            | EventKind::PinUnlocked(_) => self.apply_sign_in(&event.kind),
            _ => self.apply_office(event),
        }
    }

    /// The office registers; what finds nothing to act on is kept as unmatched.
    fn apply_office(&mut self, event: &Event) {
        let office = &mut self.office;
        let applied = match &event.kind {
            EventKind::PersonDefined(p) => {
                office.define_person(p, event);
                true
            }
            EventKind::EquipmentRegistered(x) => {
                office.register_equipment(x, event);
                true
            }
            EventKind::AssetRegistered(a) => {
                office.register_asset(a, event);
                true
            }
            EventKind::HandlerDesignated(d) => {
                office.designations.insert(event.id(), d.clone());
                true
            }
            EventKind::MeasureRecorded(m) => {
                office.measures.insert(event.id(), m.clone());
                true
            }
            EventKind::OperatorIdKindDefined(k) => {
                office.define_operator_id_kind(k, event);
                true
            }
            EventKind::IdLedgerRecorded(line) => office.apply_ledger_line(line),
            EventKind::CollationInfoRecorded(info) => office.apply_collation_info(info),
            EventKind::MeetingHeld(m) => {
                office.hold_meeting(m, event);
                true
            }
            EventKind::OpinionReceived(o) => office.receive_opinion(o),
            EventKind::InstructionIssued(i) => {
                office.issue_instruction(i, event);
                true
            }
            EventKind::FollowUpReported(r) => office.report_on_instruction(r),
            EventKind::InstructionClosed(c) => office.close_instruction(c),
            _ => true,
        };
        if !applied {
            self.note_unmatched(event.id());
        }
    }

    fn apply_sign_in(&mut self, kind: &EventKind) {
        if let Some(person) = crate::sign_in::person_of(kind) {
            let credential = self.credentials.entry(person.to_string()).or_default();
            *credential = credential.after(kind);
        }
    }

    fn apply_correction(&mut self, event: &Event, correction: &CorrectionRecorded) {
        let trail = self
            .corrections
            .entry(correction.target.clone())
            .or_default();
        if !trail.corrections.iter().any(|(id, _)| *id == event.id()) {
            trail.corrections.push((event.id(), correction.clone()));
        }
    }

    /// Is `id` the event of a logged record that can be corrected?
    pub fn has_record(&self, id: &EventId) -> bool {
        self.entries.contains_key(id)
            || self
                .entries
                .values()
                .any(|e| e.exit_event.as_ref() == Some(id))
            || self.loans.contains_key(id)
            || self.permits.contains_key(id)
            || self.office.has_record(id)
    }

    fn apply_loan(&mut self, event: &Event, lent: &KeyLent) {
        let room_id = self
            .keys
            .get(&lent.key_id)
            .map(|k| k.room_id.clone())
            .unwrap_or_default();
        self.loans
            .entry(event.id())
            .or_insert_with(|| KeyLoan::opened(event.id(), &room_id, lent));
    }

    fn note_unmatched(&mut self, id: EventId) {
        if !self.unmatched.contains(&id) {
            self.unmatched.push(id);
        }
    }

    fn apply_exit(&mut self, event: &Event, exit: &crate::entry_log::ExitRecorded) {
        let id = event.id();
        match self.entries.get_mut(&exit.entry) {
            Some(record) if record.exit_event.as_ref() == Some(&id) => {}
            Some(record) if record.is_inside() => {
                *record = record.closed(id, exit, &event.operator);
            }
            _ => self.note_unmatched(id),
        }
    }

    /// The rules for recording `kind` now, against these registers.
    pub fn check(&self, kind: &EventKind, now: DateTime<Utc>) -> Result<(), Refusals> {
        crate::sync_limits::check_size(kind)?;
        match kind {
            EventKind::RoomDefined(def) => crate::room::check_room(def),
            EventKind::PositionDefined(p) => crate::organisation::check_position(p),
            EventKind::RoleAssigned(a) => {
                let known = self.positions.contains_key(&a.position_id);
                crate::organisation::check_assignment(a, known)
            }
            EventKind::TenureRecorded(tenure) => self.organisation.check_tenure(tenure),
            EventKind::EntryRecorded(entry) => self.check_entry(entry, now),
            EventKind::ExitRecorded(exit) => check_exit(exit, self.entries.get(&exit.entry), now),
            EventKind::PermissionGranted(grant) => {
                check_permission(grant, self.rooms.get(&grant.room_id), &self.organisation)
            }
            EventKind::VisitPermitGranted(grant) => {
                check_visit_permit(grant, self.rooms.get(&grant.room_id), &self.organisation)
            }
            EventKind::PermitRevoked(revocation) => {
                let permit = self.permits.get(&revocation.permit);
                let room = permit.and_then(|p| self.rooms.get(&p.room_id));
                check_revocation(revocation, permit, room, &self.organisation)
            }
            EventKind::KeyDefined(key) => {
                crate::key_log::check_key_definition(key, self.rooms.get(&key.room_id))
            }
            EventKind::KeyLent(lent) => self.check_loan(lent, now),
            EventKind::KeyReturned(ret) => check_return(ret, self.loans.get(&ret.loan), now),
            EventKind::CorrectionRecorded(c) => {
                let void = self.corrections.get(&c.target).is_some_and(|t| t.is_void());
                check_correction(c, self.has_record(&c.target), void)
            }
            EventKind::PinSet(_)
            | EventKind::SignedIn(_)
            | EventKind::SignInFailed(_)
            | EventKind::SignedOut(_)
            | EventKind::PinUnlocked(_) => check_sign_in_event(kind, &self.credentials, |id| {
                self.office.person(id).is_some()
            }),
            other => self.check_office(other),
        }
    }

    fn check_office(&self, kind: &EventKind) -> Result<(), Refusals> {
        let (office, org) = (&self.office, &self.organisation);
        match kind {
            EventKind::PersonDefined(p) => crate::people::check_person(p),
            EventKind::EquipmentRegistered(x) => crate::equipment::check_equipment(x),
            EventKind::AssetRegistered(a) => crate::assets::check_asset(a),
            EventKind::HandlerDesignated(d) => office.check_designation(d, org),
            EventKind::MeasureRecorded(m) => office.check_measure(m),
            EventKind::OperatorIdKindDefined(k) => crate::id_ledger::check_operator_id_kind(k),
            EventKind::IdLedgerRecorded(line) => office.check_ledger_line(line, org),
            EventKind::CollationInfoRecorded(info) => office.check_collation_info(info, org),
            EventKind::MeetingHeld(m) => crate::meetings::check_meeting(m, org),
            EventKind::OpinionReceived(o) => office.check_opinion(o),
            EventKind::InstructionIssued(i) => crate::instructions::check_instruction(i, org),
            EventKind::FollowUpReported(r) => office.check_report(r),
            EventKind::InstructionClosed(c) => office.check_close(c, org),
            _ => Ok(()),
        }
    }

    /// The logbook's own rules, then what the room's level requires of this person (第17条).
    fn check_entry(&self, entry: &EntryRecorded, now: DateTime<Utc>) -> Result<(), Refusals> {
        let room = self.rooms.get(&entry.room_id);
        let inside: Vec<EntryRecord> = self.inside(&entry.room_id).into_iter().cloned().collect();
        let mut refusals = check_entry(entry, room, &inside, now)
            .err()
            .unwrap_or_default();
        if let Some(room) = room {
            let permits: Vec<Permit> = self
                .permits
                .values()
                .filter(|p| p.room_id == room.id)
                .cloned()
                .collect();
            let loans_out: Vec<KeyLoan> = self
                .loans
                .values()
                .filter(|l| l.is_out())
                .cloned()
                .collect();
            let facts = AdmissionFacts {
                room,
                person: self.office.person(&entry.person_id),
                escort: entry
                    .escort_id
                    .as_deref()
                    .and_then(|id| self.office.person(id)),
                permits: &permits,
                loans_out: &loans_out,
            };
            check_admission(entry, &facts, &mut refusals);
        }
        refusals.into_result()
    }

    fn check_loan(&self, lent: &KeyLent, now: DateTime<Utc>) -> Result<(), Refusals> {
        let room = self
            .keys
            .get(&lent.key_id)
            .and_then(|key| self.rooms.get(&key.room_id));
        let permits: Vec<Permit> = self
            .permits
            .values()
            .filter(|p| p.person_id == lent.person_id)
            .cloned()
            .collect();
        let open_loan = self
            .loans
            .values()
            .find(|l| l.is_out() && l.key_id == lent.key_id);
        let facts = LoanFacts {
            room,
            permits: &permits,
            open_loan,
        };
        check_loan(lent, facts, now).map_err(|refusals| self.with_names(refusals))
    }

    /// Shows people in refusals by name where the register knows them.
    fn with_names(&self, mut refusals: Refusals) -> Refusals {
        for refusal in &mut refusals.0 {
            if let crate::refusal::RefusalCode::KeyAlreadyOut { holder } = &mut refusal.code {
                if let Some(person) = self.office.person(holder) {
                    *holder = person.name.clone();
                }
            }
        }
        refusals
    }

    /// Who is inside `room_id` now, earliest entry first.
    pub fn inside(&self, room_id: &str) -> Vec<&EntryRecord> {
        let mut inside: Vec<&EntryRecord> = self
            .entries
            .values()
            .filter(|e| e.room_id == room_id && e.is_inside())
            .collect();
        inside.sort_by_key(|e| e.entered_at);
        inside
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::Hlc;
    use crate::entry_log::{EntryRecorded, ExitRecorded};
    use crate::event::{DeviceId, GENESIS_HASH};
    use crate::room::{default_rooms, RoomDefined};
    use chrono::{Duration, TimeZone};
    use proptest::prelude::*;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 26, 0, 0, 0).unwrap()
    }

    /// A device that records events with its own clock and chain.
    struct Device {
        id: DeviceId,
        seq: u64,
        hlc: Hlc,
        head: String,
    }

    impl Device {
        fn new(name: &str) -> Self {
            Device {
                id: DeviceId(name.into()),
                seq: 0,
                hlc: Hlc::default(),
                head: GENESIS_HASH.into(),
            }
        }

        fn record(&mut self, kind: EventKind, now_ms: i64) -> Event {
            self.seq += 1;
            self.hlc = self.hlc.tick(now_ms);
            let e = Event::seal(
                self.id.clone(),
                self.seq,
                self.hlc,
                "op".into(),
                kind,
                &self.head,
            );
            self.head = e.hash.clone();
            e
        }
    }

    fn seeded(device: &mut Device) -> Vec<Event> {
        default_rooms()
            .into_iter()
            .map(|r| device.record(EventKind::RoomDefined(r), 0))
            .collect()
    }

    fn enter(room: &str, name: &str, minute: i64) -> EventKind {
        let at = t0() + Duration::minutes(minute);
        EventKind::EntryRecorded(EntryRecorded::new(room, name, "総務課", "点検", true, at))
    }

    #[test]
    fn entry_then_exit_leaves_nobody_inside() {
        let mut d = Device::new("a");
        let mut events = seeded(&mut d);
        let entry = d.record(enter("default-level-2", "山田", 0), 1);
        let exit = ExitRecorded {
            entry: entry.id(),
            exited_at: t0() + Duration::minutes(10),
        };
        events.push(entry);
        let registers = Registers::fold(&events);
        assert_eq!(registers.inside("default-level-2").len(), 1);
        let kind = EventKind::ExitRecorded(exit);
        assert_eq!(registers.check(&kind, t0() + Duration::hours(1)), Ok(()));
        events.push(d.record(kind, 2));
        let registers = Registers::fold(&events);
        assert!(registers.inside("default-level-2").is_empty());
        assert_eq!(registers.entries.len(), 1);
    }

    #[test]
    fn applying_an_event_twice_changes_nothing() {
        let mut d = Device::new("a");
        let mut events = seeded(&mut d);
        let entry = d.record(enter("default-level-1", "山田", 0), 1);
        let exit_kind = EventKind::ExitRecorded(ExitRecorded {
            entry: entry.id(),
            exited_at: t0() + Duration::minutes(5),
        });
        events.push(entry);
        events.push(d.record(exit_kind, 2));
        let once = Registers::fold(&events);
        let mut twice = once.clone();
        for e in &events {
            twice.apply(e);
        }
        assert_eq!(once, twice);
    }

    #[test]
    fn a_second_exit_of_the_same_entry_is_kept_as_unmatched() {
        let (mut a, mut b) = (Device::new("a"), Device::new("b"));
        let mut events = seeded(&mut a);
        let entry = a.record(enter("default-level-1", "山田", 0), 1);
        let exit = |m| {
            EventKind::ExitRecorded(ExitRecorded {
                entry: entry.id(),
                exited_at: t0() + Duration::minutes(m),
            })
        };
        let (x1, x2) = (a.record(exit(5), 2), b.record(exit(6), 3));
        events.extend([entry.clone(), x1, x2.clone()]);
        let registers = Registers::fold(&events);
        assert_eq!(registers.unmatched, vec![x2.id()]);
        assert!(!registers.entries[&entry.id()].is_inside());
    }

    #[test]
    fn tenures_fold_into_who_held_a_role_and_overlaps_are_refused() {
        use crate::organisation::{default_role_assignments, Role, TenureRecorded};
        let mut d = Device::new("a");
        let mut events: Vec<Event> = default_role_assignments()
            .into_iter()
            .map(|a| d.record(EventKind::RoleAssigned(a), 0))
            .collect();
        let tenure = |holder: &str, from| TenureRecorded {
            position_id: crate::organisation::HEAD_OF_GENERAL_AFFAIRS.into(),
            holder: holder.into(),
            from,
            to: None,
        };
        let from = t0().date_naive();
        events.push(d.record(EventKind::TenureRecorded(tenure("soumu", from)), 1));
        let registers = Registers::fold(&events);
        assert_eq!(
            registers
                .organisation
                .who_held(Role::EntryManagerSecureRooms, from),
            Some("soumu")
        );
        let overlapping = EventKind::TenureRecorded(tenure("other", from + Duration::days(3)));
        assert!(registers.check(&overlapping, t0()).is_err());
    }

    #[test]
    fn a_key_is_lent_to_the_permitted_and_refused_after_revocation() {
        use crate::key_log::{KeyDefined, KeyLent, KeyReturned};
        use crate::organisation::{default_role_assignments, TenureRecorded};
        use crate::room_permit::{PermissionGranted, PermitRevoked};
        let mut d = Device::new("a");
        let mut events = seeded(&mut d);
        for a in default_role_assignments() {
            events.push(d.record(EventKind::RoleAssigned(a), 0));
        }
        let start = t0().date_naive() - Duration::days(400);
        let tenure = TenureRecorded {
            position_id: crate::organisation::HEAD_OF_GENERAL_AFFAIRS.into(),
            holder: "soumu".into(),
            from: start,
            to: None,
        };
        events.push(d.record(EventKind::TenureRecorded(tenure), 1));
        let grant = d.record(
            EventKind::PermissionGranted(PermissionGranted {
                person_id: "yamada".into(),
                room_id: "default-level-2".into(),
                from: start,
                to: None,
                granted_by: "soumu".into(),
            }),
            2,
        );
        let key = KeyDefined {
            id: "key-server-room".into(),
            room_id: "default-level-2".into(),
            label: "電算室 1号鍵".into(),
        };
        events.extend([grant.clone(), d.record(EventKind::KeyDefined(key), 3)]);
        let lend = |minute: i64| {
            EventKind::KeyLent(KeyLent {
                key_id: "key-server-room".into(),
                person_id: "yamada".into(),
                purpose: "点検".into(),
                lent_at: t0() + Duration::minutes(minute),
                due_back: t0() + Duration::minutes(minute + 60),
                lent_by: "soumu".into(),
            })
        };
        let registers = Registers::fold(&events);
        assert_eq!(registers.check(&grant.kind, t0()), Ok(()));
        assert_eq!(registers.check(&lend(0), t0()), Ok(()));
        let loan = d.record(lend(0), 4);
        events.push(loan.clone());
        let registers = Registers::fold(&events);
        assert!(
            registers
                .check(&lend(1), t0() + Duration::minutes(1))
                .is_err(),
            "key is out"
        );
        events.push(d.record(
            EventKind::KeyReturned(KeyReturned {
                loan: loan.id(),
                returned_at: t0() + Duration::minutes(30),
                received_by: "soumu".into(),
            }),
            5,
        ));
        events.push(d.record(
            EventKind::PermitRevoked(PermitRevoked {
                permit: grant.id(),
                at: t0() + Duration::minutes(40),
                reason: "異動".into(),
                revoked_by: "soumu".into(),
            }),
            6,
        ));
        let registers = Registers::fold(&events);
        assert!(!registers.loans[&loan.id()].is_out());
        let refused = registers.check(&lend(50), t0() + Duration::minutes(50));
        assert_eq!(
            refused.unwrap_err().0[0].code,
            crate::refusal::RefusalCode::NotPermitted { level: 2 }
        );
    }

    #[test]
    fn a_correction_keeps_the_original_beside_it_and_a_void_ends_corrections() {
        use crate::corrections::{CorrectionKind, CorrectionRecorded};
        let mut d = Device::new("a");
        let mut events = seeded(&mut d);
        let entry = d.record(enter("default-level-1", "山田 太朗", 0), 1);
        events.push(entry.clone());
        let amend = EventKind::CorrectionRecorded(CorrectionRecorded {
            target: entry.id(),
            kind: CorrectionKind::Amend {
                fields: [("name".to_string(), "山田 太郎".to_string())].into(),
            },
            reason: "氏名の誤記".into(),
        });
        let registers = Registers::fold(&events);
        assert_eq!(registers.check(&amend, t0()), Ok(()));
        events.push(d.record(amend, 2));
        let void = EventKind::CorrectionRecorded(CorrectionRecorded {
            target: entry.id(),
            kind: CorrectionKind::Void,
            reason: "二重記録".into(),
        });
        events.push(d.record(void.clone(), 3));
        let registers = Registers::fold(&events);
        // The original line is untouched; the trail says how to read it.
        assert_eq!(registers.entries[&entry.id()].name, "山田 太朗");
        let trail = &registers.corrections[&entry.id()];
        assert_eq!(trail.corrected("name"), Some("山田 太郎"));
        assert!(trail.is_void());
        assert!(
            registers.check(&void, t0()).is_err(),
            "a void record is not corrected again"
        );
        let unknown = EventKind::CorrectionRecorded(CorrectionRecorded {
            target: EventId {
                device: DeviceId("nowhere".into()),
                seq: 9,
            },
            kind: CorrectionKind::Void,
            reason: "誤り".into(),
        });
        assert!(registers.check(&unknown, t0()).is_err());
    }

    #[test]
    fn office_events_that_find_nothing_are_kept_as_unmatched() {
        use crate::instructions::FollowUpReported;
        let mut d = Device::new("a");
        let report = d.record(
            EventKind::FollowUpReported(FollowUpReported {
                instruction: EventId {
                    device: DeviceId("b".into()),
                    seq: 1,
                },
                report: "対応済み".into(),
                reported_by: "soumu".into(),
                on: t0().date_naive(),
            }),
            1,
        );
        let registers = Registers::fold([&report]);
        assert_eq!(registers.unmatched, vec![report.id()]);
        assert!(registers.check(&report.kind, t0()).is_err());
    }

    #[test]
    fn people_are_master_data_and_the_latest_definition_wins() {
        use crate::people::{PersonDefined, PersonKind};
        let (mut a, mut b) = (Device::new("a"), Device::new("b"));
        let person = |affiliation: &str| {
            EventKind::PersonDefined(PersonDefined {
                id: "yamada".into(),
                name: "山田 太郎".into(),
                affiliation: affiliation.into(),
                kind: PersonKind::Staff,
            })
        };
        let first = a.record(person("総務課"), 10);
        let moved = b.record(person("住民税務課"), 20);
        for order in [[&first, &moved], [&moved, &first]] {
            let mut registers = Registers::default();
            order.into_iter().for_each(|e| registers.apply(e));
            assert_eq!(
                registers.office.person("yamada").unwrap().affiliation,
                "住民税務課"
            );
        }
    }

    #[test]
    fn five_failed_sign_ins_lock_the_pin_until_it_is_unlocked() {
        use crate::people::{PersonDefined, PersonKind};
        use crate::sign_in::{PinSet, PinUnlocked, SignInFailed, SignInMethod, SignedIn};
        let mut d = Device::new("a");
        let mut events = vec![d.record(
            EventKind::PersonDefined(PersonDefined {
                id: "yamada".into(),
                name: "山田 太郎".into(),
                affiliation: "総務課".into(),
                kind: PersonKind::Staff,
            }),
            1,
        )];
        let sign_in = EventKind::SignedIn(SignedIn::with_pin("yamada", false));
        assert!(
            Registers::fold(&events).check(&sign_in, t0()).is_err(),
            "no PIN yet"
        );
        events.push(d.record(
            EventKind::PinSet(PinSet {
                person_id: "yamada".into(),
                salt: "00ff".into(),
                hash: "ab".repeat(32),
                iterations: crate::sign_in::PIN_ITERATIONS,
            }),
            2,
        ));
        assert_eq!(Registers::fold(&events).check(&sign_in, t0()), Ok(()));
        let failure = EventKind::SignInFailed(SignInFailed {
            person_id: "yamada".into(),
            method: SignInMethod::Pin,
            reason: None,
        });
        for i in 0..5 {
            events.push(d.record(failure.clone(), 3 + i));
        }
        let registers = Registers::fold(&events);
        assert!(registers.credentials["yamada"].is_locked());
        let refused = registers.check(&sign_in, t0()).unwrap_err();
        assert!(refused.0[0].message_ja().contains("ロック中"));
        let unlock = EventKind::PinUnlocked(PinUnlocked {
            person_id: "yamada".into(),
        });
        events.push(d.record(unlock, 9));
        assert_eq!(Registers::fold(&events).check(&sign_in, t0()), Ok(()));
    }

    #[test]
    fn later_room_definition_wins() {
        let mut d = Device::new("a");
        let mut events = seeded(&mut d);
        let renamed = RoomDefined {
            name: "第二電算室".into(),
            is_default: false,
            ..default_rooms()[1].clone()
        };
        events.push(d.record(EventKind::RoomDefined(renamed), 5));
        let registers = Registers::fold(events.iter().rev());
        assert_eq!(registers.rooms["default-level-2"].name, "第二電算室");
        assert!(!registers.rooms["default-level-2"].is_default);
    }

    /// Two devices record entries, exits and room edits interleaved; the list of events they
    /// produce, in the order they happened.
    fn history(ops: &[(bool, u8, u8)]) -> Vec<Event> {
        let (mut a, mut b) = (Device::new("tablet-a"), Device::new("tablet-b"));
        let mut events = seeded(&mut a);
        let mut open: Vec<EventId> = Vec::new();
        for (i, (on_a, op, n)) in ops.iter().enumerate() {
            let device = if *on_a { &mut a } else { &mut b };
            let now = 1_000 + (i as i64) * 7 % 5;
            let kind = match op % 4 {
                3 => EventKind::TenureRecorded(crate::organisation::TenureRecorded {
                    position_id: crate::organisation::HEAD_OF_GENERAL_AFFAIRS.into(),
                    holder: format!("staff-{n}"),
                    from: t0().date_naive() + Duration::days(i as i64),
                    to: None,
                }),
                0 => enter("default-level-1", &format!("職員{n}"), i as i64),
                1 if !open.is_empty() => EventKind::ExitRecorded(ExitRecorded {
                    entry: open.remove(*n as usize % open.len()),
                    exited_at: t0() + Duration::minutes(i as i64),
                }),
                _ => EventKind::RoomDefined(RoomDefined {
                    name: format!("部屋{n}"),
                    ..default_rooms()[(*n % 3) as usize].clone()
                }),
            };
            let event = device.record(kind, now);
            if matches!(event.kind, EventKind::EntryRecorded(_)) {
                open.push(event.id());
            }
            events.push(event);
        }
        events
    }

    proptest! {
        #[test]
        fn any_arrival_order_folds_to_the_same_registers(
            ops in prop::collection::vec((any::<bool>(), 0u8..4, 0u8..6), 0..40),
            seed in any::<u64>(),
        ) {
            let events = history(&ops);
            let mut shuffled = events.clone();
            // A deterministic shuffle from the seed (Fisher–Yates with an LCG).
            let mut state = seed | 1;
            for i in (1..shuffled.len()).rev() {
                state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                shuffled.swap(i, (state >> 33) as usize % (i + 1));
            }
            prop_assert_eq!(Registers::fold(&events), Registers::fold(&shuffled));
        }
    }
}
