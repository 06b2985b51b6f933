//! What the verdict on one act reads (`Registers::judge`: its authority, then its rules),
//! named here beside the rules so that the device's store reads exactly this, through its
//! indexes, and never the whole of a register. A test holds the two together: judged on
//! registers holding only what `needs` names, every act gets the verdict it gets on the whole
//! registers.
//!
//! An entry's own rules read `admission::DoorFacts`, which the store fills apart; its
//! authority is named here like any other act's.

use crate::authority::{authority_for, governed_act, Authority};
use crate::entry_measures::{EntryMeasure, EntryMeasureSet, MEASURE_KINDS};
use crate::event::{EventId, EventKind, EventTag};
use crate::key_log::KeyLoanVoided;
use crate::office::{Office, OFFICE_KINDS, OPERATOR_ID_KINDS};
use crate::projection::RecordKey;
use crate::registers::Registers;
use crate::sign_in::person_of;
use std::collections::BTreeSet;

/// One thing the verdict reads.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Need {
    /// The role mapping and every term of office.
    Organisation,
    /// One projected record: a room, a person, a permit, a loan, a credential …
    Record(RecordKey),
    /// A person's permits into a room.
    PermitsOf { room_id: String, person_id: String },
    /// The loans still out of a key.
    LoansOutOf(String),
    /// An entry's line: its event and the exits naming it.
    Line(EventId),
    /// The event that made a record, and the corrections of that record.
    Corrected(EventId),
    /// Every event of these kinds (the office registers, the 操作者ID ledger).
    Kinds(&'static [EventTag]),
}

/// What judging `kind` by `operator` reads, given what `have` already holds (a loan reads
/// its key, then the key's room). The caller reads these and asks again until nothing new
/// is named.
pub fn needs(kind: &EventKind, operator: &str, have: &Registers) -> Vec<Need> {
    let mut needs = authority_needs(kind, operator, have);
    needs.extend(rule_needs(kind, have));
    needs
}

fn record(key: RecordKey) -> Need {
    Need::Record(key)
}

/// `needs` for a caller that reads round after round: only what was not `asked` before.
/// Empty when everything is read.
pub fn next_needs(
    kind: &EventKind,
    operator: &str,
    have: &Registers,
    asked: &mut BTreeSet<Need>,
) -> Vec<Need> {
    needs(kind, operator, have)
        .into_iter()
        .filter(|n| asked.insert(n.clone()))
        .collect()
}

/// `authority::check_authority`: the role on the day (the organisation), the operator as
/// staff, the room or asset whose manager acts, and the 操作者ID ledger of 第11条.
fn authority_needs(kind: &EventKind, operator: &str, have: &Registers) -> Vec<Need> {
    let mut needs = vec![record(RecordKey::Person(operator.to_string()))];
    // Who held which role on the day matters only where a role decides (not for the daily
    // acts any staff member records): the authority table itself says which.
    let decided_by_role = matches!(
        authority_for(kind, have),
        Authority::Role(_) | Authority::SystemSetup | Authority::KeyHandler(_)
    );
    if decided_by_role {
        needs.push(Need::Organisation);
    }
    match kind {
        EventKind::PermissionGranted(g) => needs.push(record(RecordKey::Room(g.room_id.clone()))),
        EventKind::VisitPermitGranted(g) => needs.push(record(RecordKey::Room(g.room_id.clone()))),
        EventKind::PermitRevoked(r) => needs.extend(permit_and_room(&r.permit, have)),
        EventKind::MeasureRecorded(_) => needs.push(Need::Kinds(&OFFICE_KINDS)),
        EventKind::EntryMeasureSet(m) => needs.push(record(RecordKey::Room(m.room_id.clone()))),
        EventKind::ReportSubmitted(r) => needs.push(record(RecordKey::Room(r.room_id.clone()))),
        EventKind::BreakHandled(h) => needs.push(record(RecordKey::Room(h.room_id.clone()))),
        // A key keeper is a measure of the key's room: the loan, its key, its room's measures.
        EventKind::KeyLent(_) | EventKind::KeyReturned(_) => {
            needs.extend(key_of(kind, have));
            needs.push(Need::Kinds(&MEASURE_KINDS));
        }
        _ => {}
    }
    if governed_act(kind).is_some() {
        needs.push(Need::Kinds(&OPERATOR_ID_KINDS));
    }
    needs
}

/// `Registers::check`: what each kind's rule reads.
fn rule_needs(kind: &EventKind, have: &Registers) -> Vec<Need> {
    match kind {
        EventKind::RoleAssigned(a) => vec![record(RecordKey::Position(a.position_id.clone()))],
        EventKind::ExitRecorded(exit) => vec![Need::Line(exit.entry.clone())],
        EventKind::KeyDefined(k) => vec![record(RecordKey::Room(k.room_id.clone()))],
        EventKind::EntryMeasureSet(m) => measure_needs(m),
        EventKind::KeyLent(lent) => loan_needs(&lent.key_id, &lent.person_id, have),
        EventKind::KeyReturned(r) => vec![record(RecordKey::Loan(r.loan.clone()))],
        EventKind::KeyLoanVoided(v) => void_needs(v, have),
        EventKind::CorrectionRecorded(c) => correction_needs(&c.target, have),
        EventKind::BreakHandled(h) => handling_needs(&h.record, have),
        EventKind::PersonDefined(_) | EventKind::RoomDefined(_) | EventKind::PositionDefined(_) => {
            Vec::new()
        }
        kind if Office::folds(kind.tag()) => vec![Need::Kinds(&OFFICE_KINDS)],
        kind => match person_of(kind) {
            Some(person) => vec![
                record(RecordKey::Person(person.to_string())),
                record(RecordKey::Credential(person.to_string())),
            ],
            None => Vec::new(),
        },
    }
}

/// The key lent or returned (a return reads its loan first, then the loan's key).
fn key_of(kind: &EventKind, have: &Registers) -> Vec<Need> {
    let key_id = match kind {
        EventKind::KeyLent(lent) => Some(lent.key_id.clone()),
        EventKind::KeyReturned(ret) => have.loan(&ret.loan).map(|l| l.key_id.clone()),
        _ => None,
    };
    let mut needs = Vec::new();
    if let EventKind::KeyReturned(ret) = kind {
        needs.push(record(RecordKey::Loan(ret.loan.clone())));
    }
    if let Some(key_id) = key_id {
        if let Some(key) = have.key(&key_id) {
            needs.push(record(RecordKey::Room(key.room_id.clone())));
        }
        needs.push(record(RecordKey::Key(key_id)));
    }
    needs
}

/// A handling reads the office registers (the handlings before it), the record's event, and
/// what gives that record its room: an exit's line, a loan's key, a return's loan and key.
fn handling_needs(record_id: &EventId, have: &Registers) -> Vec<Need> {
    let mut needs = vec![
        Need::Kinds(&OFFICE_KINDS),
        Need::Corrected(record_id.clone()),
    ];
    let key = |id: &str| record(RecordKey::Key(id.to_string()));
    match have.event(record_id).map(|e| &e.kind) {
        Some(EventKind::ExitRecorded(x)) => needs.push(Need::Line(x.entry.clone())),
        Some(EventKind::KeyLent(lent)) => needs.push(key(&lent.key_id)),
        Some(EventKind::KeyReturned(r)) => {
            needs.push(record(RecordKey::Loan(r.loan.clone())));
            needs.extend(have.loan(&r.loan).map(|l| key(&l.key_id)));
        }
        _ => {}
    }
    needs
}

/// A void reads its loan, the real one named, and the loans out of the key (the conflict).
fn void_needs(void: &KeyLoanVoided, have: &Registers) -> Vec<Need> {
    let mut needs = vec![record(RecordKey::Loan(void.loan.clone()))];
    needs.extend(
        void.real_loan
            .iter()
            .map(|r| record(RecordKey::Loan(r.clone()))),
    );
    if let Some(loan) = have.loan(&void.loan) {
        needs.push(Need::LoansOutOf(loan.key_id.clone()));
    }
    needs
}

/// A measure reads its room and, for a key keeper, the person appointed.
fn measure_needs(set: &EntryMeasureSet) -> Vec<Need> {
    let mut needs = vec![record(RecordKey::Room(set.room_id.clone()))];
    if let EntryMeasure::KeyKeeper { person_id } = &set.measure {
        needs.push(record(RecordKey::Person(person_id.clone())));
    }
    needs
}

/// A permit, then its room.
fn permit_and_room(permit: &EventId, have: &Registers) -> Vec<Need> {
    let mut needs = vec![record(RecordKey::Permit(permit.clone()))];
    if let Some(p) = have.permit(permit) {
        needs.push(record(RecordKey::Room(p.room_id.clone())));
    }
    needs
}

/// A loan reads its key; then the key's room, the person's permits into it, and whether the
/// key is out already.
fn loan_needs(key_id: &str, person_id: &str, have: &Registers) -> Vec<Need> {
    let mut needs = vec![
        record(RecordKey::Key(key_id.to_string())),
        Need::LoansOutOf(key_id.to_string()),
    ];
    // A refusal names the key's holder by name.
    let holders = have.loans().filter(|l| l.is_out() && l.key_id == key_id);
    needs.extend(holders.map(|l| record(RecordKey::Person(l.person_id.clone()))));
    if let Some(key) = have.key(key_id) {
        needs.push(record(RecordKey::Room(key.room_id.clone())));
        needs.push(Need::PermitsOf {
            room_id: key.room_id.clone(),
            person_id: person_id.to_string(),
        });
    }
    needs
}

/// A correction reads the record's event and corrections; then the record as its register
/// holds it (a line, a loan, a permit, an office record).
fn correction_needs(target: &EventId, have: &Registers) -> Vec<Need> {
    let mut needs = vec![Need::Corrected(target.clone())];
    let Some(event) = have.event(target) else {
        return needs;
    };
    needs.push(match &event.kind {
        EventKind::EntryRecorded(_) => Need::Line(target.clone()),
        EventKind::ExitRecorded(exit) => Need::Line(exit.entry.clone()),
        EventKind::KeyLent(_) => record(RecordKey::Loan(target.clone())),
        EventKind::PermissionGranted(_) | EventKind::VisitPermitGranted(_) => {
            record(RecordKey::Permit(target.clone()))
        }
        _ => Need::Kinds(&OFFICE_KINDS),
    });
    needs
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::projection::Record;
    use crate::test_town::{
        next_act, wild_act, Rng, Town, ADMIN, COUNTER_MANAGER, GENERAL_MANAGER, STAFF, VISITOR,
    };
    use std::collections::BTreeSet;

    /// Registers holding only what `needs` names, taken from `full`: what the store reads.
    fn restricted(full: &Registers, kind: &EventKind, operator: &str) -> Registers {
        let (mut have, mut asked) = (Registers::default(), BTreeSet::new());
        loop {
            let new = next_needs(kind, operator, &have, &mut asked);
            if new.is_empty() {
                return have;
            }
            for need in new {
                fill(full, &mut have, need);
            }
        }
    }

    fn fill(full: &Registers, have: &mut Registers, need: Need) {
        let mut put = |key: RecordKey, record: Record| have.put(key, Some(record));
        match need {
            Need::Organisation => full
                .records()
                .all()
                .into_iter()
                .filter(|(k, _)| matches!(k, RecordKey::RoleAssignment(_) | RecordKey::Tenure(_)))
                .for_each(|(k, r)| put(k, r)),
            Need::Record(key) => {
                if let Some(record) = full.records().get(&key) {
                    put(key, record);
                }
            }
            Need::PermitsOf { room_id, person_id } => full
                .permits()
                .filter(|p| p.room_id == room_id && p.person_id == person_id)
                .for_each(|p| put(RecordKey::Permit(p.id.clone()), Record::Permit(p.clone()))),
            Need::LoansOutOf(key) => full
                .loans()
                .filter(|l| l.is_out() && l.key_id == key)
                .for_each(|l| put(RecordKey::Loan(l.id.clone()), Record::Loan(l.clone()))),
            Need::Line(id) => keep_where(full, have, |e| {
                e.id() == id || matches!(&e.kind, EventKind::ExitRecorded(x) if x.entry == id)
            }),
            Need::Corrected(id) => keep_where(full, have, |e| {
                e.id() == id
                    || matches!(&e.kind, EventKind::CorrectionRecorded(c) if c.target == id)
            }),
            Need::Kinds(tags) => keep_where(full, have, |e| tags.contains(&e.kind.tag())),
        }
    }

    fn keep_where(full: &Registers, have: &mut Registers, wanted: impl Fn(&crate::Event) -> bool) {
        for event in full.events().filter(|e| wanted(e)) {
            have.keep(event);
        }
    }

    /// The handling of a record that may break a rule (an entry, exit, loan or return of the
    /// story), named in each of two rooms (one of them its own, at most) and following nothing.
    fn handlings(
        rng: &mut Rng,
        full: &Registers,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Vec<EventKind> {
        let records: Vec<&crate::Event> = full
            .events()
            .filter(|e| crate::rule_breaks::may_break_rules(&e.kind))
            .collect();
        let Some(record) = rng.pick(&records) else {
            return Vec::new();
        };
        ["default-level-1", "default-level-2"]
            .map(|room| {
                EventKind::BreakHandled(crate::rule_breaks::BreakHandled {
                    record: record.id(),
                    room_id: room.into(),
                    how: "本人に確認".into(),
                    follows: None,
                    handled_on: now.date_naive(),
                })
            })
            .to_vec()
    }

    const OPERATORS: [&str; 6] = [
        ADMIN,
        COUNTER_MANAGER,
        GENERAL_MANAGER,
        STAFF[0],
        STAFF[1],
        VISITOR,
    ];

    /// Through random town stories, every act drawn, and one of every kind, is judged by every
    /// operator on the whole registers and on only what `needs` names: the same verdict.
    #[test]
    fn the_verdict_reads_only_what_needs_names() {
        let samples = crate::authority::tests::every_kind();
        let mut judged = 0;
        for seed in 0..12 {
            let mut rng = Rng::new(seed);
            let mut town = Town::new(2);
            for step in 0..80 {
                town.step(&mut rng);
                let full = &town.tablets[0].view;
                let mut acts: Vec<EventKind> = (0..4)
                    .filter_map(|_| next_act(&mut rng, full, town.now).map(|(k, _)| k))
                    .collect();
                acts.extend((0..4).filter_map(|_| wild_act(&mut rng, full, town.now)));
                acts.extend(handlings(&mut rng, full, town.now));
                if step % 20 == 0 {
                    acts.extend(samples.iter().cloned());
                }
                for kind in &acts {
                    for operator in OPERATORS {
                        let whole = full.judge(kind, operator, town.now);
                        let have = restricted(full, kind, operator);
                        // An entry's door facts are read apart (the store's indexes).
                        let read = match kind {
                            EventKind::EntryRecorded(e) => {
                                have.judge_entry(e, &full.door_facts(e), operator, town.now)
                            }
                            kind => have.judge(kind, operator, town.now),
                        };
                        assert_eq!(read, whole, "{kind:?} by {operator}");
                        judged += 1;
                    }
                }
            }
        }
        assert!(judged > 10_000, "{judged} verdicts compared");
    }
}
