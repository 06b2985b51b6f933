//! Who may enter a room, checked at the moment of entry (第17条第2項): what each security
//! level requires of the person, beyond the logbook's own fields. As the text reads:
//!
//! - level 3: prior permission, and the room's key lent to this person for this entry
//!   (「その都度、鍵を用いて」: lent after their previous entry into the room);
//! - level 2: prior permission, and the room's key lent to this person;
//! - level 1: prior permission.
//!
//! Visitors too need the entry manager's permission: the text has no exception for an escort.
//! What a town adds is the entry manager's measure for the room (第18条第2項,
//! `entry_measures`): a permit per visit at level 3, visitors escorted by permitted staff.

use crate::article::Article;
use crate::entry_log::{check_entry, EntryRecord, EntryRecorded};
use crate::entry_measures::{self, in_force_since, EntryMeasure, RoomMeasure};
use crate::key_log::{lent_twice, KeyLoan};
use crate::people::PersonDefined;
use crate::refusal::{Field, Refusal, RefusalCode, Refusals};
use crate::room::{Room, SecurityLevel};
use crate::room_permit::{Permit, PermitScope};
use crate::wareki;
use chrono::{DateTime, NaiveDate, Utc};

/// Everything the door reads to judge one entry, and nothing else: filled by the registers in
/// memory (`Registers::door_facts`) or by the store through its indexes. A fact the rule comes
/// to need is a new field here, so a filler that does not supply it does not compile.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DoorFacts {
    /// The room the entry names, if it exists.
    pub room: Option<Room>,
    /// The person entering and the escort named, as registered.
    pub person: Option<PersonDefined>,
    pub escort: Option<PersonDefined>,
    /// The permits into this room of the person and of the escort.
    pub permits: Vec<Permit>,
    /// The loans of this room's keys out at the entry's moment (at the door: still out).
    pub loans_out: Vec<KeyLoan>,
    /// The lines of those inside the room now.
    pub inside: Vec<EntryRecord>,
    /// The entry manager's measures recorded for this room (in force or not: the rule picks
    /// by the entry's day).
    pub measures: Vec<RoomMeasure>,
    /// When the person last entered this room before this entry. Read only when
    /// `asks_previous_entry` says the rule looks at it (else `None`).
    pub previous_entry_at: Option<DateTime<Utc>>,
    /// The person's lines in other rooms that were open at the entry's moment (at the door:
    /// still without exit), each with its room's name.
    pub elsewhere: Vec<Elsewhere>,
}

impl DoorFacts {
    /// Does the rule look at `previous_entry_at`, given the room and the loans out? Only at
    /// level 3 with one of its keys out (`lent_for_this_entry`): the store reads it then, a
    /// step back along an index, and not at every tap at a counter.
    pub fn asks_previous_entry(&self) -> bool {
        let level_three = self
            .room
            .as_ref()
            .is_some_and(|r| r.level == SecurityLevel::Three);
        level_three && !self.loans_out.is_empty()
    }

    /// These facts with `previous_entry_at` from `previous`, where the rule asks for it.
    pub fn with_previous_entry(mut self, previous: impl FnOnce() -> Option<DateTime<Utc>>) -> Self {
        if self.asks_previous_entry() {
            self.previous_entry_at = previous();
        }
        self
    }

    /// These facts as at `entry`'s moment: of `elsewhere`, only the lines open then. Facts
    /// read ahead of the tap hold every line that could be open at any later moment.
    pub fn at_entry(mut self, entry: &EntryRecorded) -> Self {
        self.elsewhere.retain(|e| open_elsewhere(&e.line, entry));
        self
    }
}

/// Is `line` one of another room, with the person inside at `entry`'s moment (第19条第1項)?
pub fn open_elsewhere(line: &EntryRecord, entry: &EntryRecorded) -> bool {
    line.room_id != entry.room_id && line.was_inside_at(entry.entered_at)
}

/// A line of another room the logbook shows the person inside.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Elsewhere {
    pub line: EntryRecord,
    pub room_name: String,
}

/// The door's whole rule for one entry: the logbook's fields, the name tag, the time, nobody
/// entering twice (第17条第2項・第19条), then what the room's level requires of the person.
pub fn judge(entry: &EntryRecorded, facts: &DoorFacts, now: DateTime<Utc>) -> Result<(), Refusals> {
    let mut refusals = check_entry(entry, facts.room.as_ref(), &facts.inside, now)
        .err()
        .unwrap_or_default();
    if let Some(room) = &facts.room {
        check_admission(entry, room, facts, &mut refusals);
    }
    refusals.0.extend(inside_elsewhere(entry, &facts.elsewhere));
    refusals.into_result()
}

/// One person is in one room at a time (第19条第1項: the logbook must say where each person
/// is). A line of another room still open warns, and the operator may record the entry over
/// it (an exit not recorded there), naming that line: the entry keeps the confirmation, and
/// the re-check raises it for the entry manager all the same (`rule_breaks`).
fn inside_elsewhere(entry: &EntryRecorded, elsewhere: &[Elsewhere]) -> Option<Refusal> {
    let open = elsewhere.iter().find(|e| {
        open_elsewhere(&e.line, entry) && entry.inside_elsewhere.as_ref() != Some(&e.line.id)
    })?;
    let code = RefusalCode::InsideAnotherRoom {
        entry: open.line.id.to_string(),
        room: open.room_name.clone(),
        since: wareki::datetime_text(open.line.entered_at),
    };
    Some(Refusal::new(
        code,
        Field::Name,
        Some(Article::ENTRY_LOGBOOK),
    ))
}

/// What the room's level refuses about this entry: the permission, then the key.
fn check_admission(entry: &EntryRecorded, room: &Room, facts: &DoorFacts, refusals: &mut Refusals) {
    let Some(person) = &facts.person else {
        refusals.push(Refusal::new(
            RefusalCode::UnknownPerson,
            Field::Name,
            Some(Article::ENTRY_LOGBOOK),
        ));
        return;
    };
    let permitted = permission(entry, person, room, facts);
    let permission_refused = permitted.is_err();
    refusals.0.extend(permitted.err());
    // Under a permit per visit, the key must be for the permitted visit: without one, only
    // that is said.
    let per_visit = per_visit_since(&facts.measures, room, entry.entered_at).is_some();
    if per_visit && permission_refused {
        return;
    }
    if let Err(refusal) = key_held(entry, person, room, facts) {
        refusals.push(refusal);
    }
}

/// Was the person permitted into the room at the entry's time (第17条第2項), and escorted
/// where the entry manager's measure asks it of a visitor? The sync-time re-check
/// (`rule_breaks`) judges records made elsewhere with this same rule.
pub fn permission(
    entry: &EntryRecorded,
    person: &PersonDefined,
    room: &Room,
    facts: &DoorFacts,
) -> Result<(), Refusal> {
    let at = entry.entered_at;
    prior_permission(&facts.permits, &facts.measures, &person.id, room, at)?;
    escort_rule(entry, person, room, facts)
}

/// 「事前に許可を得ている者のみ」: a permit of the person's into the room, valid at `at`. Under
/// the measure of a permit per visit (level 3), only a per-visit permit counts. The one rule
/// for the door, the key's loan and the sync-time re-check.
pub fn prior_permission(
    permits: &[Permit],
    measures: &[RoomMeasure],
    person_id: &str,
    room: &Room,
    at: DateTime<Utc>,
) -> Result<(), Refusal> {
    let valid: Vec<&Permit> = permits
        .iter()
        .filter(|p| p.allows(person_id, &room.id, at))
        .collect();
    match per_visit_since(measures, room, at) {
        None if !valid.is_empty() => Ok(()),
        Some(_) if valid.iter().any(|p| p.is_visit()) => Ok(()),
        Some(since) if !valid.is_empty() => Err(entry_measures::refusal(
            RefusalCode::VisitPermitRequired { since },
            Field::Person,
        )),
        _ => Err(refuse_permission(room.level.number())),
    }
}

/// Since when a permit per visit is required in this level-3 room, on the day of `at`.
fn per_visit_since(measures: &[RoomMeasure], room: &Room, at: DateTime<Utc>) -> Option<NaiveDate> {
    if room.level != SecurityLevel::Three {
        return None;
    }
    let day = wareki::to_jst(at).date_naive();
    in_force_since(measures, &room.id, &EntryMeasure::PerVisitPermit, day)
}

/// Under the measure "visitors escorted", a visitor's escort is staff, not the visitor, and
/// permitted into the room at the entry's time. Without it, an escort is only recorded.
fn escort_rule(
    entry: &EntryRecorded,
    person: &PersonDefined,
    room: &Room,
    facts: &DoorFacts,
) -> Result<(), Refusal> {
    if person.is_staff() {
        return Ok(());
    }
    let at = entry.entered_at;
    let day = wareki::to_jst(at).date_naive();
    let measure = EntryMeasure::VisitorsEscorted;
    let Some(since) = in_force_since(&facts.measures, &room.id, &measure, day) else {
        return Ok(());
    };
    let escort_ok = facts.escort.as_ref().is_some_and(|escort| {
        escort.is_staff()
            && escort.id != person.id
            && prior_permission(&facts.permits, &facts.measures, &escort.id, room, at).is_ok()
    });
    if escort_ok {
        return Ok(());
    }
    let code = match entry.escort_id {
        None => RefusalCode::EscortRequired { since },
        Some(_) => RefusalCode::EscortNotPermitted { since },
    };
    Err(entry_measures::refusal(code, Field::Escort))
}

/// Does the person hold the room's key, as levels 3 and 2 require? At level 3 the key is lent
/// for this entry ("その都度"): after the person's previous entry into the room, and, under a
/// permit per visit, inside that permit's window. The sync-time re-check asks the same of the
/// loans out at the entry's moment (`Registers::door_facts_then`).
pub fn key_held(
    entry: &EntryRecorded,
    person: &PersonDefined,
    room: &Room,
    facts: &DoorFacts,
) -> Result<(), Refusal> {
    if room.level == SecurityLevel::One {
        return Ok(());
    }
    let at = entry.entered_at;
    let held = match holding(facts, &person.id, at) {
        Holding::Held(loan) => Some(loan),
        Holding::None => None,
        Holding::InConflict => {
            let code = RefusalCode::KeyInConflict;
            return Err(Refusal::new(code, Field::Key, Some(Article::KEYS)));
        }
    };
    let ok = match room.level {
        SecurityLevel::Three => {
            held.is_some_and(|loan| lent_for_this_entry(loan, person, room, facts, at))
        }
        _ => held.is_some(),
    };
    if ok {
        return Ok(());
    }
    let code = RefusalCode::KeyNotHeld {
        level: room.level.number(),
    };
    Err(Refusal::new(code, Field::Key, Some(Article::ENTRY_RULES)))
}

/// A level-3 loan serves one entry: lent after the person's previous entry, and under a permit
/// per visit, inside that visit's window.
fn lent_for_this_entry(
    loan: &KeyLoan,
    person: &PersonDefined,
    room: &Room,
    facts: &DoorFacts,
    at: DateTime<Utc>,
) -> bool {
    let after_last_entry = facts
        .previous_entry_at
        .is_none_or(|previous| previous < loan.lent_at);
    if per_visit_since(&facts.measures, room, at).is_none() {
        return after_last_entry;
    }
    let in_window = visit_permit(&person.id, room, at, facts).is_some_and(|p| match &p.scope {
        PermitScope::Visit {
            valid_from,
            valid_until,
            ..
        } => *valid_from <= loan.lent_at && loan.lent_at <= *valid_until,
        PermitScope::Standing { .. } => false,
    });
    after_last_entry && in_window
}

/// The per-visit permit that lets `person_id` into the level-3 `room` at `at`.
fn visit_permit<'a>(
    person_id: &str,
    room: &Room,
    at: DateTime<Utc>,
    facts: &'a DoorFacts,
) -> Option<&'a Permit> {
    facts
        .permits
        .iter()
        .find(|p| p.is_visit() && p.allows(person_id, &room.id, at))
}

/// What the person holds of the room's keys at a moment.
enum Holding<'a> {
    Held(&'a KeyLoan),
    None,
    /// Only keys also lent to someone else at once (two tablets offline each lent it): held
    /// by neither until the entry manager records which loan was real.
    InConflict,
}

/// The loan of one of the room's keys out with `person_id` at `at`, unless that key was out
/// on two loans at once.
fn holding<'a>(facts: &'a DoorFacts, person_id: &str, at: DateTime<Utc>) -> Holding<'a> {
    let out: Vec<&KeyLoan> = facts
        .loans_out
        .iter()
        .filter(|l| l.was_out_at(at))
        .collect();
    let in_conflict = |loan: &KeyLoan| lent_twice(out.iter().copied(), &loan.key_id);
    let mine: Vec<&KeyLoan> = out
        .iter()
        .copied()
        .filter(|l| l.person_id == person_id)
        .collect();
    match mine.iter().find(|l| !in_conflict(l)) {
        Some(loan) => Holding::Held(loan),
        None if mine.is_empty() => Holding::None,
        None => Holding::InConflict,
    }
}

fn refuse_permission(level: u8) -> Refusal {
    let code = RefusalCode::NotPermitted { level };
    Refusal::new(code, Field::Person, Some(Article::ENTRY_RULES))
}

#[cfg(test)]
mod tests {
    //! The door's rule as a table: every level × permit × key × name tag, with the text's
    //! default and with the entry manager's measure of a permit per visit; then visitors with
    //! and without the measure of an escort. `expected` states the rule again, as the
    //! regulation words it, apart from the code under test.
    use super::*;
    use crate::entry_measures::EntryMeasureSet;
    use crate::event::{DeviceId, EventId};
    use crate::people::PersonKind;
    use crate::room::{default_rooms, Room};
    use crate::version::{Version, Versioned};
    use chrono::{Duration, TimeZone};

    /// What the person holds for the room at the moment of entry.
    #[derive(Debug, Clone, Copy, PartialEq)]
    enum PermitState {
        None,
        Standing,
        /// A standing permission revoked before the entry.
        Revoked,
        /// A per-visit permit valid from an hour before the entry to an hour after.
        VisitNow,
        /// A per-visit permit whose window has passed.
        VisitExpired,
    }

    /// The room's key, as lent. The person last entered the room three hours before.
    #[derive(Debug, Clone, Copy, PartialEq)]
    enum KeyState {
        None,
        /// Lent to this person 30 minutes before: after the last entry, in the visit's window.
        LentForEntry,
        /// Lent two hours before: after the last entry, before the visit's window.
        LentBeforeWindow,
        /// Lent five hours before: before the last entry (it served that one).
        LentBeforeLastEntry,
        /// Out with someone else.
        WithOther,
    }

    const PERMITS: [PermitState; 5] = [
        PermitState::None,
        PermitState::Standing,
        PermitState::Revoked,
        PermitState::VisitNow,
        PermitState::VisitExpired,
    ];
    const KEYS: [KeyState; 5] = [
        KeyState::None,
        KeyState::LentForEntry,
        KeyState::LentBeforeWindow,
        KeyState::LentBeforeLastEntry,
        KeyState::WithOther,
    ];

    fn at() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 26, 1, 0, 0).unwrap()
    }

    fn measure_day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 10, 1).unwrap()
    }

    fn id(seq: u64) -> EventId {
        EventId {
            device: DeviceId("d".into()),
            seq,
        }
    }

    fn person(id: &str, kind: PersonKind) -> PersonDefined {
        PersonDefined {
            id: id.into(),
            name: id.into(),
            affiliation: "総務課".into(),
            kind,
        }
    }

    fn permit(seq: u64, who: &str, room: &Room, state: PermitState) -> Option<Permit> {
        let day = at().date_naive();
        let (scope, revoked_at) = match state {
            PermitState::None => return None,
            PermitState::Standing => (
                PermitScope::Standing {
                    from: day,
                    to: None,
                },
                None,
            ),
            PermitState::Revoked => (
                PermitScope::Standing {
                    from: day,
                    to: None,
                },
                Some(at() - Duration::minutes(1)),
            ),
            PermitState::VisitNow | PermitState::VisitExpired => {
                let shift = if state == PermitState::VisitNow { 0 } else { 3 };
                let valid_from = at() - Duration::hours(1 + shift);
                let visit = PermitScope::Visit {
                    valid_from,
                    valid_until: valid_from + Duration::hours(2),
                    purpose: "点検".into(),
                };
                (visit, None)
            }
        };
        Some(Permit {
            id: id(seq),
            person_id: who.into(),
            room_id: room.id.clone(),
            scope,
            granted_by: "manager".into(),
            revoked_at,
            closed_by: None,
        })
    }

    fn loan(room: &Room, state: KeyState) -> Option<KeyLoan> {
        let (holder, lent_at) = match state {
            KeyState::None => return None,
            KeyState::LentForEntry => ("yamada", at() - Duration::minutes(30)),
            KeyState::LentBeforeWindow => ("yamada", at() - Duration::hours(2)),
            KeyState::LentBeforeLastEntry => ("yamada", at() - Duration::hours(5)),
            KeyState::WithOther => ("sato", at() - Duration::minutes(30)),
        };
        Some(KeyLoan {
            id: id(20),
            key_id: format!("key-{}", room.id),
            person_id: holder.into(),
            purpose: "点検".into(),
            lent_at,
            due_back: at() + Duration::hours(2),
            lent_by: "clerk".into(),
            returned_at: None,
            received_by: None,
            closed_by: None,
            out_key: Some(format!("key-{}", room.id)),
            voided: false,
        })
    }

    fn room(level: SecurityLevel) -> Room {
        let def = default_rooms()
            .into_iter()
            .find(|r| r.level == level)
            .unwrap();
        Room::new(def.clone(), Default::default())
    }

    /// The entry manager's measure for the room, in force since `measure_day`.
    fn measure(room: &Room, measure: EntryMeasure) -> RoomMeasure {
        let set = EntryMeasureSet {
            room_id: room.id.clone(),
            measure,
            in_force: true,
            from: measure_day(),
            reason: "監査の指摘".into(),
        };
        Versioned::new(set, Version::default())
    }

    #[derive(Debug)]
    struct Case {
        level: SecurityLevel,
        permit: PermitState,
        key: KeyState,
        name_tag: bool,
        /// The measure of a permit per visit switched on.
        per_visit: bool,
    }

    /// What the door reads for the case: the room, the people named, their permits, the key.
    fn facts(
        case: &Case,
        people: &[PersonDefined],
        escort: Option<&str>,
        escort_permit: PermitState,
        measures: Vec<EntryMeasure>,
    ) -> DoorFacts {
        let room = room(case.level);
        let person = |id: &str| people.iter().find(|p| p.id == id).cloned();
        let permits = [
            permit(1, "yamada", &room, case.permit),
            permit(2, "escort", &room, escort_permit),
        ];
        let mut measures: Vec<RoomMeasure> =
            measures.into_iter().map(|m| measure(&room, m)).collect();
        if case.per_visit {
            measures.push(measure(&room, EntryMeasure::PerVisitPermit));
        }
        DoorFacts {
            person: person("yamada"),
            escort: escort.and_then(person),
            permits: permits.into_iter().flatten().collect(),
            loans_out: loan(&room, case.key).into_iter().collect(),
            elsewhere: Vec::new(),
            room: Some(room),
            inside: Vec::new(),
            measures,
            previous_entry_at: Some(at() - Duration::hours(3)),
        }
    }

    fn entry(case: &Case, escort: Option<&str>) -> EntryRecorded {
        let room = room(case.level);
        EntryRecorded::new(&room.id, "yamada", "総務課", "点検", case.name_tag, at())
            .of("yamada")
            .escorted_by(escort)
    }

    /// The refusals of the case, as (code, article) pairs.
    fn refused(facts: &DoorFacts, e: &EntryRecorded) -> Vec<(RefusalCode, Option<Article>)> {
        match judge(e, facts, at()) {
            Ok(()) => Vec::new(),
            Err(refusals) => refusals
                .0
                .into_iter()
                .map(|r| (r.code, r.article))
                .collect(),
        }
    }

    /// The rule of 第17条第2項 for a staff member, as the regulation words it, with the
    /// measure of a permit per visit (第18条第2項) where it is switched on.
    fn expected(case: &Case) -> Vec<(RefusalCode, Option<Article>)> {
        use KeyState as K;
        use PermitState as P;
        let level = case.level.number();
        let rules = Some(Article::ENTRY_RULES);
        let per_visit = case.per_visit && case.level == SecurityLevel::Three;
        let mut refusals = Vec::new();
        if !case.name_tag {
            refusals.push((RefusalCode::NameTagNotWorn, rules));
        }
        // 「事前に許可を得ている者のみ」: any permit valid now; under the measure, one per visit.
        let holds_permit = matches!(case.permit, P::Standing | P::VisitNow);
        let permitted = holds_permit && (!per_visit || case.permit == P::VisitNow);
        if !permitted {
            refusals.push(if per_visit && holds_permit {
                let since = measure_day();
                let code = RefusalCode::VisitPermitRequired { since };
                (code, Some(Article::ENTRY_MEASURES))
            } else {
                (RefusalCode::NotPermitted { level }, rules)
            });
        }
        // 「鍵を用いて」 (level 2), 「その都度、鍵を用いて」 (level 3): lent after the last
        // entry; under the measure, inside the visit's window.
        let key_ok = match case.level {
            SecurityLevel::One => true,
            SecurityLevel::Two => matches!(
                case.key,
                K::LentForEntry | K::LentBeforeWindow | K::LentBeforeLastEntry
            ),
            SecurityLevel::Three if per_visit => case.key == K::LentForEntry,
            SecurityLevel::Three => matches!(case.key, K::LentForEntry | K::LentBeforeWindow),
        };
        let key_judged = permitted || !per_visit;
        if key_judged && !key_ok {
            refusals.push((RefusalCode::KeyNotHeld { level }, rules));
        }
        refusals
    }

    #[test]
    fn every_level_permit_key_name_tag_and_measure_combination() {
        let staff = [person("yamada", PersonKind::Staff)];
        let mut checked = 0;
        for level in [SecurityLevel::Three, SecurityLevel::Two, SecurityLevel::One] {
            for permit in PERMITS {
                for key in KEYS {
                    for name_tag in [true, false] {
                        for per_visit in [false, true] {
                            let case = Case {
                                level,
                                permit,
                                key,
                                name_tag,
                                per_visit,
                            };
                            let r = facts(&case, &staff, None, PermitState::None, vec![]);
                            assert_eq!(
                                refused(&r, &entry(&case, None)),
                                expected(&case),
                                "level {} permit {permit:?} key {key:?} name tag {name_tag} \
                                 per-visit measure {per_visit}",
                                level.number()
                            );
                            checked += 1;
                        }
                    }
                }
            }
        }
        assert_eq!(checked, 3 * 5 * 5 * 2 * 2);
    }

    /// The store reads the previous entry only where `asks_previous_entry` says so: elsewhere
    /// no previous entry, however recent, may change a verdict. Over the whole table.
    #[test]
    fn the_previous_entry_matters_only_where_it_is_asked_for() {
        let staff = [person("yamada", PersonKind::Staff)];
        let (mut asked, mut not_asked) = (0, 0);
        for level in [SecurityLevel::Three, SecurityLevel::Two, SecurityLevel::One] {
            for (permit, key) in PERMITS.into_iter().flat_map(|p| KEYS.map(|k| (p, k))) {
                for per_visit in [false, true] {
                    let case = Case {
                        level,
                        permit,
                        key,
                        name_tag: true,
                        per_visit,
                    };
                    let facts = facts(&case, &staff, None, PermitState::None, vec![]);
                    if facts.asks_previous_entry() {
                        asked += 1;
                        continue;
                    }
                    not_asked += 1;
                    let verdict = |previous: Option<DateTime<Utc>>| {
                        let facts = DoorFacts {
                            previous_entry_at: previous,
                            ..facts.clone()
                        };
                        refused(&facts, &entry(&case, None))
                    };
                    let just_now = Some(at() - Duration::minutes(1));
                    assert_eq!(verdict(None), verdict(just_now), "{case:?}");
                }
            }
        }
        assert!(
            asked > 0 && not_asked > asked,
            "{asked} asked, {not_asked} not"
        );
    }

    #[test]
    fn a_level_3_key_serves_one_entry_each_time() {
        let staff = [person("yamada", PersonKind::Staff)];
        let case = Case {
            level: SecurityLevel::Three,
            permit: PermitState::Standing,
            key: KeyState::LentForEntry,
            name_tag: true,
            per_visit: false,
        };
        let mut r = facts(&case, &staff, None, PermitState::None, vec![]);
        r.previous_entry_at = None;
        assert_eq!(refused(&r, &entry(&case, None)), vec![]);
        // Entered with it ten minutes ago, left, and back without a new loan: refused.
        r.previous_entry_at = Some(at() - Duration::minutes(10));
        let refusal = judge(&entry(&case, None), &r, at())
            .unwrap_err()
            .0
            .remove(0);
        assert_eq!(refusal.code, RefusalCode::KeyNotHeld { level: 3 });
        assert!(refusal.message_ja().contains("入室のたびに"));
        assert!(refusal.message_ja().ends_with("（第17条第2項）"));
    }

    #[test]
    fn a_measure_not_yet_in_force_or_lifted_leaves_the_text() {
        let staff = [person("yamada", PersonKind::Staff)];
        let case = Case {
            level: SecurityLevel::Three,
            permit: PermitState::Standing,
            key: KeyState::LentForEntry,
            name_tag: true,
            per_visit: true,
        };
        let mut r = facts(&case, &staff, None, PermitState::None, vec![]);
        let refusal = judge(&entry(&case, None), &r, at())
            .unwrap_err()
            .0
            .remove(0);
        assert_eq!(
            refusal.message_ja(),
            "この室では入退室管理者の措置（令和8年10月1日から）により、入室のたびの許可\
             （その都度の許可）が必要です。常時の許可だけでは入室できません。（第18条第2項）"
        );
        r.measures[0].value.from = NaiveDate::from_ymd_opt(2026, 11, 27).unwrap();
        assert_eq!(refused(&r, &entry(&case, None)), vec![], "from tomorrow on");
        r.measures[0].value.from = measure_day();
        let mut lifted = r.measures[0].clone();
        lifted.value.in_force = false;
        lifted.value.from = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
        r.measures.push(lifted);
        assert_eq!(refused(&r, &entry(&case, None)), vec![], "lifted on 11-01");
    }

    /// A visitor as the text reads: permitted beforehand like anyone, an escort only
    /// recorded; under the measure "visitors escorted", also escorted by permitted staff.
    #[test]
    fn visitors_need_permission_and_under_the_measure_an_escort() {
        use PermitState as P;
        let people = [
            person("yamada", PersonKind::Visitor),
            person("escort", PersonKind::Staff),
        ];
        let since = measure_day();
        let escort_measure = || RefusalCode::EscortRequired { since };
        let bad_escort = || RefusalCode::EscortNotPermitted { since };
        let not_permitted = RefusalCode::NotPermitted { level: 1 };
        // (visitor's permit, escort, escort's permit, measure on, refusals)
        type Row<'a> = (P, Option<&'a str>, P, bool, Vec<RefusalCode>);
        let rows: Vec<Row> = vec![
            (P::None, None, P::None, false, vec![not_permitted.clone()]),
            (
                P::None,
                Some("escort"),
                P::Standing,
                false,
                vec![not_permitted.clone()],
            ),
            (P::Standing, None, P::None, false, vec![]),
            (P::Standing, Some("escort"), P::None, false, vec![]),
            (
                P::None,
                Some("escort"),
                P::Standing,
                true,
                vec![not_permitted],
            ),
            (P::Standing, None, P::None, true, vec![escort_measure()]),
            (
                P::Standing,
                Some("escort"),
                P::None,
                true,
                vec![bad_escort()],
            ),
            (
                P::Standing,
                Some("escort"),
                P::Revoked,
                true,
                vec![bad_escort()],
            ),
            (P::Standing, Some("escort"), P::Standing, true, vec![]),
        ];
        for (permit, escort, escort_permit, on, want) in rows {
            let case = Case {
                level: SecurityLevel::One,
                permit,
                key: KeyState::None,
                name_tag: true,
                per_visit: false,
            };
            let measures = if on {
                vec![EntryMeasure::VisitorsEscorted]
            } else {
                vec![]
            };
            let r = facts(&case, &people, escort, escort_permit, measures);
            let got = refused(&r, &entry(&case, escort));
            let codes: Vec<RefusalCode> = got.iter().map(|(c, _)| c.clone()).collect();
            assert_eq!(
                codes, want,
                "{permit:?} escort {escort:?} {escort_permit:?} measure {on}"
            );
            // A refusal the measure causes names 第18条第2項; the text's own, 第17条第2項.
            for (code, article) in got {
                let measure_caused = !matches!(code, RefusalCode::NotPermitted { .. });
                let want = if measure_caused {
                    Article::ENTRY_MEASURES
                } else {
                    Article::ENTRY_RULES
                };
                assert_eq!(article, Some(want), "{code:?}");
            }
        }
        // A visitor escorting a visitor is no escort.
        let visitors = [
            person("yamada", PersonKind::Visitor),
            person("escort", PersonKind::Visitor),
        ];
        let case = Case {
            level: SecurityLevel::One,
            permit: P::Standing,
            key: KeyState::None,
            name_tag: true,
            per_visit: false,
        };
        let measures = vec![EntryMeasure::VisitorsEscorted];
        let r = facts(&case, &visitors, Some("escort"), P::Standing, measures);
        let got: Vec<RefusalCode> = refused(&r, &entry(&case, Some("escort")))
            .into_iter()
            .map(|(c, _)| c)
            .collect();
        assert_eq!(got, vec![bad_escort()]);
    }

    #[test]
    fn somebody_not_in_the_people_register_is_refused() {
        let case = Case {
            level: SecurityLevel::One,
            permit: PermitState::Standing,
            key: KeyState::None,
            name_tag: true,
            per_visit: false,
        };
        let r = facts(&case, &[], None, PermitState::None, vec![]);
        let got = refused(&r, &entry(&case, None));
        assert_eq!(
            got,
            vec![(RefusalCode::UnknownPerson, Some(Article::ENTRY_LOGBOOK))]
        );
    }
}
