//! The registers as the fold of all events: what every device and the server agree on once
//! they hold the same events, whatever order they arrived in.
//!
//! Two halves, each derived one way only:
//! - the projected registers (`Records`: rooms, people, permits, loans, who is inside …) are
//!   written by `projection::project`, exactly as the device's store writes its own;
//! - the registers that are their events (the logbook's lines, meetings, instructions, assets,
//!   the ID ledgers, corrections) are folded from those events in version order, as the store
//!   folds them when it reads them.
//!
//! `judge` is the one verdict on an act: its size, the operator's authority on the day, then
//! the rules of the regulation. The store fills a `Registers` with exactly what `needs` names
//! (and, for an entry, a `DoorFacts` through its indexes) and asks the same question.

use crate::admission::{self, DoorFacts};
use crate::corrections::{check_correction, CorrectionTrail};
use crate::entry_log::{check_exit, EntryRecord, EntryRecorded};
use crate::entry_measures::{check_measure, EntryMeasure, EntryMeasureSet, RoomMeasure};
use crate::event::{Event, EventId, EventKind};
use crate::key_log::{
    check_loan, check_return, KeyDefined, KeyLent, KeyLoan, KeyReturned, LoanFacts,
};
use crate::office::Office;
use crate::organisation::{Organisation, Position};
use crate::people::PersonDefined;
use crate::projection::{self, Change, Found, Record, RecordKey, Update};
use crate::records::Records;
use crate::refusal::Refusals;
use crate::room::Room;
use crate::room_permit::{check_permission, check_revocation, check_visit_permit, Permit};
use crate::sign_in::{check_sign_in_event, Credential};
use crate::sort::{sort_by, sort_by_key};
use crate::version::{Version, Versioned};
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Registers {
    records: Records,
    /// Every event held, by version (applied, or kept to be read as its register).
    events: BTreeMap<Version, Event>,
    /// The entry events (the logbook's lines) and the exits naming each entry.
    entries: BTreeMap<EventId, Version>,
    exits: BTreeMap<EventId, BTreeSet<Version>>,
    /// The returns recorded of each loan (two tablets offline may each record one).
    returns: BTreeMap<EventId, BTreeSet<Version>>,
    /// The entry managers' measures (第18条第2項), by the version that recorded each.
    measures: BTreeMap<Version, EntryMeasureSet>,
    /// The office registers and corrections, folded from their events in version order.
    folded: Folded,
}

/// The registers that are their events, folded in version order: an event arriving out of
/// order folds them all again, so the order of arrival never shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Folded {
    office: Office,
    corrections: BTreeMap<EventId, CorrectionTrail>,
    /// Office events that found nothing to act on.
    unmatched: BTreeSet<EventId>,
    /// The newest version folded in.
    last: Option<Version>,
}

impl Folded {
    fn holds(kind: &EventKind) -> bool {
        matches!(kind, EventKind::CorrectionRecorded(_)) || Office::folds(kind.tag())
    }

    fn fold(&mut self, event: &Event) {
        if let EventKind::CorrectionRecorded(c) = &event.kind {
            let trail = self.corrections.entry(c.target.clone()).or_default();
            trail.corrections.push((event.id(), c.clone()));
        } else if !self.office.apply(event) {
            self.unmatched.insert(event.id());
        }
        self.last = Some(Version::of(event));
    }
}

impl Registers {
    /// Folds events, whatever order they are given in.
    pub fn fold<'a>(events: impl IntoIterator<Item = &'a Event>) -> Registers {
        let mut sorted: Vec<&Event> = events.into_iter().collect();
        sort_by(&mut sorted, |a, b| a.fold_key().cmp(&b.fold_key()));
        let mut registers = Registers::default();
        for event in sorted {
            registers.apply(event);
        }
        registers
    }

    /// Applies one event: the projection's changes to the records, and the event kept for the
    /// registers read from their events. Applying an event held already changes nothing.
    pub fn apply(&mut self, event: &Event) {
        if self.events.contains_key(&Version::of(event)) {
            return;
        }
        let (mut found, mut asked) = (Found::new(), BTreeSet::new());
        loop {
            let keys = projection::next_reads(event, &found, &mut asked);
            if keys.is_empty() {
                break;
            }
            for key in keys {
                if let Some(record) = self.read(&key) {
                    found.insert(key, record);
                }
            }
        }
        for change in projection::project(event, &found) {
            self.records.apply(change);
        }
        self.keep(event);
    }

    /// A record for the projection: from the records, or an entry's room from its event.
    fn read(&self, key: &RecordKey) -> Option<Record> {
        match key {
            RecordKey::EntryRoom(id) => {
                self.entry(id).map(|e| Record::EntryRoom(e.room_id.clone()))
            }
            key => self.records.get(key),
        }
    }

    /// Keeps `event` to be read as its register (a line, an office record, a correction),
    /// without projecting it: how the store's reads fill registers for a check.
    pub fn keep(&mut self, event: &Event) {
        let version = Version::of(event);
        if self.events.insert(version.clone(), event.clone()).is_some() {
            return;
        }
        match &event.kind {
            EventKind::EntryRecorded(_) => {
                self.entries.insert(event.id(), version.clone());
            }
            EventKind::ExitRecorded(exit) => {
                let exits = self.exits.entry(exit.entry.clone()).or_default();
                exits.insert(version.clone());
            }
            EventKind::EntryMeasureSet(set) => {
                self.measures.insert(version.clone(), set.clone());
            }
            EventKind::KeyReturned(ret) => {
                let returns = self.returns.entry(ret.loan.clone()).or_default();
                returns.insert(version.clone());
            }
            _ => {}
        }
        if Folded::holds(&event.kind) {
            self.fold_in(event);
        }
    }

    fn fold_in(&mut self, event: &Event) {
        let version = Version::of(event);
        if version.supersedes(self.folded.last.as_ref()) {
            return self.folded.fold(event);
        }
        self.folded = Folded::default();
        for held in self.events.values().filter(|e| Folded::holds(&e.kind)) {
            self.folded.fold(held);
        }
    }

    /// Every entry manager's measure held, in the order recorded.
    pub fn entry_measures(&self) -> Vec<RoomMeasure> {
        self.measures
            .iter()
            .map(|(version, set)| Versioned::new(set.clone(), version.clone()))
            .collect()
    }

    /// The measures recorded for one room.
    pub fn measures_of(&self, room_id: &str) -> Vec<RoomMeasure> {
        let mut all = self.entry_measures();
        all.retain(|m| m.value.room_id == room_id);
        all
    }

    /// Puts a record read from the store (or removes it): how the store fills registers for a
    /// check with the records the rules read.
    pub fn put(&mut self, key: RecordKey, record: Option<Record>) {
        let update = match record {
            Some(record) => Update::Put(record),
            None => Update::Remove,
        };
        self.records.apply(Change { key, update });
    }

    /// The projected registers, record by record.
    pub fn records(&self) -> &Records {
        &self.records
    }

    /// The one verdict on `kind` recorded by `operator` now: its size, the operator's
    /// authority on the day, then the rules. Refused, nothing may be stored.
    pub fn judge(
        &self,
        kind: &EventKind,
        operator: &str,
        now: DateTime<Utc>,
    ) -> Result<(), Refusals> {
        self.judge_with(kind, operator, now, || self.check(kind, now))
    }

    /// `judge` for an entry whose door facts were read apart (the store's indexes).
    pub fn judge_entry(
        &self,
        entry: &EntryRecorded,
        facts: &DoorFacts,
        operator: &str,
        now: DateTime<Utc>,
    ) -> Result<(), Refusals> {
        let kind = EventKind::EntryRecorded(entry.clone());
        self.judge_with(&kind, operator, now, || admission::judge(entry, facts, now))
    }

    fn judge_with(
        &self,
        kind: &EventKind,
        operator: &str,
        now: DateTime<Utc>,
        rules: impl FnOnce() -> Result<(), Refusals>,
    ) -> Result<(), Refusals> {
        crate::sync_limits::check_content(kind)?;
        let day = crate::wareki::to_jst(now).date_naive();
        crate::authority::check_authority(self, operator, kind, day)?;
        rules()
    }

    /// The rules for recording `kind` now, against these registers.
    pub fn check(&self, kind: &EventKind, now: DateTime<Utc>) -> Result<(), Refusals> {
        let org = self.organisation();
        match kind {
            EventKind::RoomDefined(def) => crate::room::check_room(def),
            EventKind::PositionDefined(p) => crate::organisation::check_position(p),
            EventKind::RoleAssigned(a) => {
                let known = self.records.position(&a.position_id).is_some();
                crate::organisation::check_assignment(a, known)
            }
            EventKind::TenureRecorded(tenure) => org.check_tenure(tenure),
            EventKind::EntryRecorded(entry) => {
                admission::judge(entry, &self.door_facts(entry), now)
            }
            EventKind::ExitRecorded(exit) => check_exit(exit, self.line(&exit.entry).as_ref(), now),
            EventKind::PermissionGranted(grant) => {
                check_permission(grant, self.room(&grant.room_id), org)
            }
            EventKind::VisitPermitGranted(grant) => {
                check_visit_permit(grant, self.room(&grant.room_id), org)
            }
            EventKind::PermitRevoked(revocation) => {
                let permit = self.permit(&revocation.permit);
                let room = permit.and_then(|p| self.room(&p.room_id));
                check_revocation(revocation, permit, room, org)
            }
            EventKind::EntryMeasureSet(set) => {
                let keeper = match &set.measure {
                    EntryMeasure::KeyKeeper { person_id } => self.person(person_id),
                    _ => None,
                };
                let today = crate::wareki::to_jst(now).date_naive();
                check_measure(set, self.room(&set.room_id), keeper, today)
            }
            EventKind::KeyDefined(key) => {
                crate::key_log::check_key_definition(key, self.room(&key.room_id))
            }
            EventKind::KeyLent(lent) => self.check_loan(lent, now),
            EventKind::KeyReturned(ret) => check_return(ret, self.loan(&ret.loan), now),
            EventKind::KeyLoanVoided(void) => self.check_void(void),
            EventKind::CorrectionRecorded(c) => {
                let void = self.corrections_of(&c.target).is_some_and(|t| t.is_void());
                check_correction(c, self.has_record(&c.target), void)
            }
            EventKind::PinSet(_)
            | EventKind::SignedIn(_)
            | EventKind::SignInFailed(_)
            | EventKind::SignedOut(_)
            | EventKind::PinUnlocked(_) => check_sign_in_event(
                kind,
                |id| self.credential(id),
                |id| self.person(id).is_some(),
            ),
            other => self.check_office(other, now),
        }
    }

    fn check_office(&self, kind: &EventKind, now: DateTime<Utc>) -> Result<(), Refusals> {
        let (office, org) = (self.office(), self.organisation());
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
            EventKind::InstructionIssued(i) => office.check_issued(i, org),
            EventKind::FollowUpReported(r) => office.check_report(r),
            EventKind::InstructionClosed(c) => office.check_close(c, org),
            EventKind::ReportSubmitted(r) => {
                let latest = office.latest_report(&r.room_id, r.from, r.to);
                let cycles = &office.report_cycles;
                crate::reports::check_report(r, self.room(&r.room_id), latest, cycles)
            }
            EventKind::ReportReviewed(r) => {
                crate::reports::check_review(r, office.reports.get(&r.report))
            }
            EventKind::InvestigationConcluded(c) => {
                crate::reports::check_conclusion(c, office.reviews.get(&c.review))
            }
            EventKind::ReportCycleSet(set) => {
                let today = crate::wareki::to_jst(now).date_naive();
                crate::reports::check_cycle(set, &office.report_cycles, today)
            }
            EventKind::BreakHandled(h) => {
                let latest = office.handlings_of(&h.record).last().copied();
                let record_room = self.room_of_record(&h.record);
                let room = self.room(&h.room_id);
                crate::rule_breaks::check_handling(h, room, record_room.as_deref(), latest)
            }
            _ => Ok(()),
        }
    }

    /// What the door reads for `entry`, from these registers (the store reads the same
    /// through its indexes).
    pub fn door_facts(&self, entry: &EntryRecorded) -> DoorFacts {
        let lines = self.lines();
        let facts = DoorFacts {
            loans_out: self.room_loans(entry, |l| l.is_out()),
            inside: self.inside(&entry.room_id),
            ..self.named_facts(entry)
        }
        .with_previous_entry(|| crate::entry_log::previous_entry_at(&lines, entry));
        DoorFacts {
            elsewhere: self.elsewhere(entry, lines),
            ..facts
        }
    }

    /// The person's lines in other rooms open at the entry's moment, with their rooms' names.
    fn elsewhere(
        &self,
        entry: &EntryRecorded,
        lines: Vec<EntryRecord>,
    ) -> Vec<admission::Elsewhere> {
        let lines = lines.into_iter().filter(|l| {
            !entry.person_id.is_empty()
                && l.person_id == entry.person_id
                && admission::open_elsewhere(l, entry)
        });
        lines
            .map(|line| admission::Elsewhere {
                room_name: self
                    .room(&line.room_id)
                    .map_or_else(|| line.room_id.clone(), |r| r.name.clone()),
                line,
            })
            .collect()
    }

    /// What the sync-time re-check reads for `entry`: the door's facts as at the entry's
    /// moment — the loans of the room's keys out then, and the person's previous entry into
    /// the room among the logbook's `lines` the caller read (`lines_for`: a day either way),
    /// so that a level-3 key serves one entry here as at the door.
    pub fn door_facts_then(&self, entry: &EntryRecorded, lines: &[EntryRecord]) -> DoorFacts {
        DoorFacts {
            loans_out: self.loans_out_then(entry),
            ..self.named_facts(entry)
        }
        .with_previous_entry(|| crate::entry_log::previous_entry_at(lines, entry))
    }

    /// The facts of the room and the people the entry names: the room, the person and the
    /// escort, their permits into it, the room's measures.
    fn named_facts(&self, entry: &EntryRecorded) -> DoorFacts {
        let named = [Some(entry.person_id.as_str()), entry.escort_id.as_deref()];
        let permits = self
            .permits()
            .filter(|p| p.room_id == entry.room_id && named.contains(&Some(p.person_id.as_str())))
            .cloned()
            .collect();
        DoorFacts {
            room: self.room(&entry.room_id).cloned(),
            person: self.person(&entry.person_id).cloned(),
            escort: entry
                .escort_id
                .as_deref()
                .and_then(|id| self.person(id))
                .cloned(),
            permits,
            measures: self.measures_of(&entry.room_id),
            ..DoorFacts::default()
        }
    }

    /// The loans of the entry's room's keys out at the entry's moment (a loan found not real
    /// never was): what the re-check judges the entry by, and whose span `lines_for` reads.
    pub(crate) fn loans_out_then(&self, entry: &EntryRecorded) -> Vec<KeyLoan> {
        self.room_loans(entry, |l| l.was_out_at(entry.entered_at))
    }

    /// The loans of the entry's room's keys that `keep` keeps.
    fn room_loans(&self, entry: &EntryRecorded, keep: impl Fn(&KeyLoan) -> bool) -> Vec<KeyLoan> {
        let room_keys: BTreeSet<&str> = self
            .keys()
            .filter(|k| k.room_id == entry.room_id)
            .map(|k| k.id.as_str())
            .collect();
        self.loans()
            .filter(|l| room_keys.contains(l.key_id.as_str()) && keep(l))
            .cloned()
            .collect()
    }

    fn check_loan(&self, lent: &KeyLent, now: DateTime<Utc>) -> Result<(), Refusals> {
        let room = self
            .key(&lent.key_id)
            .and_then(|key| self.room(&key.room_id));
        let permits: Vec<Permit> = self
            .permits()
            .filter(|p| p.person_id == lent.person_id)
            .cloned()
            .collect();
        let open_loan = self.loans().find(|l| l.is_out() && l.key_id == lent.key_id);
        let measures = room.map_or_else(Vec::new, |r| self.measures_of(&r.id));
        let facts = LoanFacts {
            room,
            permits: &permits,
            measures: &measures,
            open_loan,
        };
        check_loan(lent, facts, now).map_err(|refusals| self.with_names(refusals))
    }

    /// A void names a loan out at once with another loan of its key.
    fn check_void(&self, void: &crate::key_log::KeyLoanVoided) -> Result<(), Refusals> {
        let loan = self.loan(&void.loan);
        let real = void.real_loan.as_ref().and_then(|id| self.loan(id));
        let out = || self.loans().filter(|l| l.is_out());
        let conflicting = loan.is_some_and(|l| crate::key_log::lent_twice(out(), &l.key_id));
        crate::key_log::check_void(void, loan, real, conflicting)
    }

    /// Shows people in refusals by name where the register knows them.
    fn with_names(&self, mut refusals: Refusals) -> Refusals {
        for refusal in &mut refusals.0 {
            if let crate::refusal::RefusalCode::KeyAlreadyOut { holder } = &mut refusal.code {
                if let Some(person) = self.person(holder) {
                    *holder = person.name.clone();
                }
            }
        }
        refusals
    }

    /// Is `id` the event of a logged record that can be corrected?
    pub fn has_record(&self, id: &EventId) -> bool {
        self.entries.contains_key(id)
            || self.is_exit(id)
            || self.loan(id).is_some()
            || self.permit(id).is_some()
            || self.office().has_record(id)
    }

    fn is_exit(&self, id: &EventId) -> bool {
        self.event(id)
            .is_some_and(|e| matches!(e.kind, EventKind::ExitRecorded(_)))
    }

    /// The returns held of the loan `loan`, by version (the earliest closes it).
    pub fn returns_of(&self, loan: &EventId) -> impl Iterator<Item = (&Version, &KeyReturned)> {
        let versions = self.returns.get(loan).into_iter().flatten();
        versions.filter_map(|v| match &self.events.get(v)?.kind {
            EventKind::KeyReturned(ret) => Some((v, ret)),
            _ => None,
        })
    }

    /// Every event held, in version order.
    pub fn events(&self) -> impl Iterator<Item = &Event> {
        self.events.values()
    }

    /// The room of a record that may break a rule: an entry's, an exit's line's, a loan's or
    /// a return's key's (`None` when what it takes is not held).
    pub fn room_of_record(&self, id: &EventId) -> Option<String> {
        let key_room = |key_id: &str| self.key(key_id).map(|k| k.room_id.clone());
        match &self.event(id)?.kind {
            EventKind::EntryRecorded(e) => Some(e.room_id.clone()),
            EventKind::ExitRecorded(x) => self.line(&x.entry).map(|l| l.room_id),
            EventKind::KeyLent(lent) => key_room(&lent.key_id),
            EventKind::KeyReturned(r) => key_room(&self.loan(&r.loan)?.key_id),
            _ => None,
        }
    }

    /// The event `id`, if held.
    pub fn event(&self, id: &EventId) -> Option<&Event> {
        self.events.values().find(|e| e.id() == *id)
    }

    /// The entry event `id`, if held.
    fn entry(&self, id: &EventId) -> Option<&EntryRecorded> {
        match &self.events.get(self.entries.get(id)?)?.kind {
            EventKind::EntryRecorded(entry) => Some(entry),
            _ => None,
        }
    }

    /// The logbook's line of the entry `id`: its event, closed by the earliest exit naming it.
    pub fn line(&self, id: &EventId) -> Option<EntryRecord> {
        let entry = self.events.get(self.entries.get(id)?)?;
        let exits = self.exits.get(id).into_iter().flatten();
        EntryRecord::of_events(entry, exits.filter_map(|v| self.events.get(v)))
    }

    /// Every entry event held, by id: what each line was recorded as.
    pub fn entry_events(&self) -> impl Iterator<Item = (&EventId, &EntryRecorded)> {
        self.entries
            .keys()
            .filter_map(|id| self.entry(id).map(|e| (id, e)))
    }

    /// Every line of the logbook, by entry.
    pub fn lines(&self) -> Vec<EntryRecord> {
        self.entries.keys().filter_map(|id| self.line(id)).collect()
    }

    /// Who is inside `room_id` now, earliest entry first.
    pub fn inside(&self, room_id: &str) -> Vec<EntryRecord> {
        let ids = self.records.occupancy(room_id).map(|o| o.inside.clone());
        let mut inside: Vec<EntryRecord> = ids
            .unwrap_or_default()
            .iter()
            .filter_map(|id| self.line(id))
            .filter(EntryRecord::is_inside)
            .collect();
        sort_by_key(&mut inside, |e| e.entered_at);
        inside
    }

    /// Events that found nothing to act on, or lost to an earlier one: an exit or return of
    /// what another device closed already, a revocation of an unknown permit, an opinion on an
    /// unknown meeting. Kept, never dropped, to be raised as exceptions.
    pub fn unmatched(&self) -> Vec<EventId> {
        let mut unmatched: BTreeSet<EventId> = self.folded.unmatched.clone();
        for (version, event) in &self.events {
            let closed_by = match &event.kind {
                EventKind::ExitRecorded(x) => self.line(&x.entry).and_then(|l| l.exit_event),
                EventKind::KeyReturned(r) => self
                    .loan(&r.loan)
                    .and_then(|l| l.closed_by.clone())
                    .map(|v| v.event()),
                EventKind::PermitRevoked(r) => self
                    .permit(&r.permit)
                    .and_then(|p| p.closed_by.clone())
                    .map(|v| v.event()),
                _ => continue,
            };
            if closed_by != Some(version.event()) {
                unmatched.insert(version.event());
            }
        }
        unmatched.into_iter().collect()
    }

    pub fn room(&self, id: &str) -> Option<&Room> {
        self.records.room(id)
    }

    pub fn rooms(&self) -> impl Iterator<Item = &Room> {
        self.records.rooms()
    }

    pub fn person(&self, id: &str) -> Option<&PersonDefined> {
        self.records.person(id)
    }

    pub fn people(&self) -> impl Iterator<Item = &PersonDefined> {
        self.records.people()
    }

    pub fn position(&self, id: &str) -> Option<&Position> {
        self.records.position(id)
    }

    pub fn key(&self, id: &str) -> Option<&KeyDefined> {
        self.records.key(id)
    }

    pub fn keys(&self) -> impl Iterator<Item = &KeyDefined> {
        self.records.keys()
    }

    pub fn permit(&self, id: &EventId) -> Option<&Permit> {
        self.records.permit(id)
    }

    pub fn permits(&self) -> impl Iterator<Item = &Permit> {
        self.records.permits()
    }

    pub fn loan(&self, id: &EventId) -> Option<&KeyLoan> {
        self.records.loan(id)
    }

    pub fn loans(&self) -> impl Iterator<Item = &KeyLoan> {
        self.records.loans()
    }

    pub fn credential(&self, person_id: &str) -> Option<&Credential> {
        self.records.credential(person_id)
    }

    pub fn organisation(&self) -> &Organisation {
        self.records.organisation()
    }

    pub fn office(&self) -> &Office {
        &self.folded.office
    }

    /// The corrections of the record `id`, if any.
    pub fn corrections_of(&self, id: &EventId) -> Option<&CorrectionTrail> {
        self.folded.corrections.get(id)
    }

    /// The corrections of every corrected record, by the record's event.
    pub fn corrections(&self) -> &BTreeMap<EventId, CorrectionTrail> {
        &self.folded.corrections
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
        assert_eq!(registers.unmatched(), vec![x2.id()]);
        assert!(!registers.line(&entry.id()).unwrap().is_inside());
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
                .organisation()
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
        assert!(!registers.loan(&loan.id()).unwrap().is_out());
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
        assert_eq!(registers.line(&entry.id()).unwrap().name, "山田 太朗");
        let trail = &registers.corrections()[&entry.id()];
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
        assert_eq!(registers.unmatched(), vec![report.id()]);
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
                registers.person("yamada").unwrap().affiliation,
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
        assert!(registers.credential("yamada").unwrap().is_locked());
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
        assert_eq!(
            registers.room("default-level-2").unwrap().name,
            "第二電算室"
        );
        assert!(!registers.room("default-level-2").unwrap().is_default);
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

    /// Where two registers differ, named briefly (the whole of either is too long to read).
    fn difference(a: &Registers, b: &Registers) -> Option<String> {
        let (ra, rb) = (a.records().all(), b.records().all());
        for key in ra.keys().chain(rb.keys()) {
            if ra.get(key) != rb.get(key) {
                return Some(format!("{key:?}: {:?} ≠ {:?}", ra.get(key), rb.get(key)));
            }
        }
        let parts = [
            (
                "lines",
                format!("{:?}", a.lines()),
                format!("{:?}", b.lines()),
            ),
            (
                "corrections",
                format!("{:?}", a.corrections()),
                format!("{:?}", b.corrections()),
            ),
            (
                "office",
                format!("{:?}", a.office()),
                format!("{:?}", b.office()),
            ),
            (
                "unmatched",
                format!("{:?}", a.unmatched()),
                format!("{:?}", b.unmatched()),
            ),
        ];
        if let Some((what, x, y)) = parts.into_iter().find(|(_, x, y)| x != y) {
            return Some(format!("{what}: {x} ≠ {y}"));
        }
        (a != b).then(|| "the events held".to_string())
    }

    /// Applies `events` one by one in the order given (no sorting: as they arrive).
    fn applied_in_order<'a>(events: impl IntoIterator<Item = &'a Event>) -> Registers {
        let mut registers = Registers::default();
        for event in events {
            registers.apply(event);
        }
        registers
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        /// Three tablets record entries, exits, loans, returns, permits, revocations,
        /// corrections, new versions of people, rooms and keys, and PIN events, syncing now
        /// and then. However the events reach a register — folded in version order, applied
        /// in the order each tablet received them, or in any order at all — it is the same.
        #[test]
        fn a_towns_events_fold_the_same_in_every_order_of_arrival(
            seed in any::<u64>(),
            steps in 20usize..120,
        ) {
            use crate::test_town::{Rng, Town};
            let mut rng = Rng::new(seed);
            let mut town = Town::new(3);
            for _ in 0..steps {
                town.step(&mut rng);
            }
            town.settle();
            let all = &town.tablets[0].arrived;
            let folded = Registers::fold(all);
            for tablet in &town.tablets {
                prop_assert_eq!(difference(&tablet.view, &folded), None, "as {} received them", tablet.id);
            }
            let mut shuffled = all.clone();
            for i in (1..shuffled.len()).rev() {
                shuffled.swap(i, rng.below(i + 1));
            }
            prop_assert_eq!(difference(&applied_in_order(&shuffled), &folded), None);
        }
    }

    /// The stories above are only worth their name if tablets do conflict in them: returns and
    /// exits recorded twice, and closings that arrive before what they close.
    #[test]
    fn the_town_stories_include_the_conflicts_they_are_for() {
        use crate::test_town::{Rng, Town};
        let (mut unmatched, mut waited) = (0, 0);
        for seed in 0..30 {
            let mut rng = Rng::new(seed);
            let mut town = Town::new(3);
            for _ in 0..100 {
                town.step(&mut rng);
            }
            town.settle();
            let all = &town.tablets[0].arrived;
            unmatched += Registers::fold(all).unmatched().len();
            let mut reversed = Registers::default();
            for event in all.iter().rev() {
                reversed.apply(event);
                waited += usize::from(
                    reversed
                        .records()
                        .all()
                        .keys()
                        .any(|k| matches!(k, RecordKey::Waiting(_))),
                );
            }
        }
        assert!(unmatched >= 10, "closings recorded twice: {unmatched}");
        assert!(
            waited >= 10,
            "closings applied before their record: {waited}"
        );
    }

    /// The story of issue 13: two tablets offline each record the return of the same key, a
    /// minute apart. Once every tablet holds both returns, every tablet shows the earlier one.
    #[test]
    fn a_key_returned_on_two_tablets_offline_shows_the_same_return_everywhere() {
        use crate::key_log::{KeyLent, KeyReturned};
        use crate::test_town::{Town, ADMIN, STAFF};
        let mut town = Town::new(3);
        let lent = KeyLent {
            key_id: "k2".into(),
            person_id: STAFF[0].into(),
            purpose: "点検".into(),
            lent_at: town.now,
            due_back: town.now + Duration::hours(1),
            lent_by: ADMIN.into(),
        };
        assert!(town.tablets[0].record(EventKind::KeyLent(lent), ADMIN, town.now));
        town.settle();
        let loan = town.tablets[0].view.loans().next().unwrap().id.clone();
        let lent_at = town.now;
        let give_back = |minutes: i64| {
            EventKind::KeyReturned(KeyReturned {
                loan: loan.clone(),
                returned_at: lent_at + Duration::minutes(minutes),
                received_by: ADMIN.into(),
            })
        };
        let (at_38, at_39) = (
            lent_at + Duration::minutes(38),
            lent_at + Duration::minutes(39),
        );
        // Offline, the second tablet's return is a minute later by its own clock.
        assert!(town.tablets[1].record(give_back(38), ADMIN, at_38));
        assert!(town.tablets[2].record(give_back(39), ADMIN, at_39));
        let second = town.tablets[2].arrived.last().unwrap().id();
        town.settle();
        let returned: Vec<_> = town
            .tablets
            .iter()
            .map(|t| t.view.loan(&loan).unwrap().returned_at)
            .collect();
        assert_eq!(returned, vec![Some(lent_at + Duration::minutes(38)); 3]);
        assert_eq!(
            town.tablets[0].view.unmatched(),
            vec![second],
            "kept, never dropped"
        );
    }
}
