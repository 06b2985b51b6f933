//! Who may enter a room, checked at the moment of entry (第17条第2項): what each security
//! level requires of the person, beyond the logbook's own fields.
//!
//! - level 3: a per-visit permit valid now, and the room's key lent to this person for this
//!   visit (lent inside the permit's window);
//! - level 2: a standing permission, and the room's key lent to this person;
//! - level 1: a standing permission, or a visitor escorted by permitted staff.

use crate::article::Article;
use crate::entry_log::EntryRecorded;
use crate::key_log::KeyLoan;
use crate::people::PersonDefined;
use crate::refusal::{Field, Refusal, RefusalCode, Refusals};
use crate::room::{Room, SecurityLevel};
use crate::room_permit::{is_permitted, Permit, PermitScope};
use chrono::{DateTime, Utc};

/// What the registers say about an entry: the room, the person and escort as registered,
/// the permits of the room, and the loans still out.
pub struct AdmissionFacts<'a> {
    pub room: &'a Room,
    pub person: Option<&'a PersonDefined>,
    pub escort: Option<&'a PersonDefined>,
    pub permits: &'a [Permit],
    pub loans_out: &'a [KeyLoan],
}

/// Adds to `refusals` what the room's level refuses about this entry.
pub fn check_admission(entry: &EntryRecorded, facts: &AdmissionFacts, refusals: &mut Refusals) {
    let Some(person) = facts.person else {
        refusals.push(Refusal::new(
            RefusalCode::UnknownPerson,
            Field::Name,
            Some(Article::ENTRY_LOGBOOK),
        ));
        return;
    };
    let at = entry.entered_at;
    match facts.room.level {
        SecurityLevel::Three => check_level_3(person, at, facts, refusals),
        SecurityLevel::Two => {
            require_permission(person, at, facts, refusals);
            if holding(facts, &person.id, at).is_none() {
                refuse_key(2, refusals);
            }
        }
        SecurityLevel::One => check_level_1(entry, person, facts, refusals),
    }
}

fn check_level_3(
    person: &PersonDefined,
    at: DateTime<Utc>,
    facts: &AdmissionFacts,
    refusals: &mut Refusals,
) {
    let permit = facts.permits.iter().find(|p| {
        matches!(p.scope, PermitScope::Visit { .. }) && p.allows(&person.id, &facts.room.id, at)
    });
    let Some(permit) = permit else {
        return refuse_permission(3, refusals);
    };
    let PermitScope::Visit {
        valid_from,
        valid_until,
        ..
    } = permit.scope
    else {
        return;
    };
    // "Using a key each time": a key lent before this permit's window was for another visit.
    let for_this_visit = holding(facts, &person.id, at)
        .is_some_and(|l| valid_from <= l.lent_at && l.lent_at <= valid_until);
    if !for_this_visit {
        refuse_key(3, refusals);
    }
}

fn check_level_1(
    entry: &EntryRecorded,
    person: &PersonDefined,
    facts: &AdmissionFacts,
    refusals: &mut Refusals,
) {
    let at = entry.entered_at;
    if is_permitted(facts.permits, &person.id, facts.room, at) {
        return;
    }
    if person.is_staff() {
        return refuse_permission(1, refusals);
    }
    let escort_ok = facts.escort.is_some_and(|escort| {
        escort.is_staff()
            && escort.id != person.id
            && is_permitted(facts.permits, &escort.id, facts.room, at)
    });
    if !escort_ok {
        let code = match entry.escort_id {
            None => RefusalCode::EscortRequired,
            Some(_) => RefusalCode::EscortNotPermitted,
        };
        refusals.push(Refusal::new(
            code,
            Field::Escort,
            Some(Article::ENTRY_RULES),
        ));
    }
}

fn require_permission(
    person: &PersonDefined,
    at: DateTime<Utc>,
    facts: &AdmissionFacts,
    refusals: &mut Refusals,
) {
    if !is_permitted(facts.permits, &person.id, facts.room, at) {
        refuse_permission(facts.room.level.number(), refusals);
    }
}

/// The loan of one of the room's keys out with `person_id`, lent no later than `at`.
fn holding<'a>(
    facts: &'a AdmissionFacts,
    person_id: &str,
    at: DateTime<Utc>,
) -> Option<&'a KeyLoan> {
    facts.loans_out.iter().find(|l| {
        l.is_out() && l.room_id == facts.room.id && l.person_id == person_id && l.lent_at <= at
    })
}

fn refuse_permission(level: u8, refusals: &mut Refusals) {
    let code = RefusalCode::NotPermitted { level };
    refusals.push(Refusal::new(
        code,
        Field::Person,
        Some(Article::ENTRY_RULES),
    ));
}

fn refuse_key(level: u8, refusals: &mut Refusals) {
    let code = RefusalCode::KeyNotHeld { level };
    refusals.push(Refusal::new(code, Field::Key, Some(Article::ENTRY_RULES)));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::Hlc;
    use crate::event::{DeviceId, EventId};
    use crate::people::PersonKind;
    use crate::registers::Registers;
    use crate::room::{default_rooms, Room};
    use crate::EventKind;
    use chrono::{Duration, TimeZone};

    /// What the person holds for the room at the moment of entry.
    #[derive(Debug, Clone, Copy, PartialEq)]
    enum PermitState {
        None,
        Standing,
        /// A standing permission revoked before the entry.
        Revoked,
        VisitNow,
        /// A per-visit permit whose window has passed.
        VisitExpired,
    }

    #[derive(Debug, Clone, Copy, PartialEq)]
    enum KeyState {
        None,
        /// The room's key, lent to this person inside the visit's window.
        LentForVisit,
        /// The room's key, lent to this person before the visit's window (another visit).
        LentEarlier,
        /// The room's key, out with someone else.
        WithOther,
    }

    const PERMITS: [PermitState; 5] = [
        PermitState::None,
        PermitState::Standing,
        PermitState::Revoked,
        PermitState::VisitNow,
        PermitState::VisitExpired,
    ];
    const KEYS: [KeyState; 4] = [
        KeyState::None,
        KeyState::LentForVisit,
        KeyState::LentEarlier,
        KeyState::WithOther,
    ];

    fn at() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 26, 1, 0, 0).unwrap()
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
        })
    }

    fn loan(room: &Room, state: KeyState) -> Option<KeyLoan> {
        let (holder, lent_at) = match state {
            KeyState::None => return None,
            KeyState::LentForVisit => ("yamada", at() - Duration::minutes(30)),
            KeyState::LentEarlier => ("yamada", at() - Duration::hours(5)),
            KeyState::WithOther => ("sato", at() - Duration::minutes(30)),
        };
        Some(KeyLoan {
            id: id(20),
            key_id: format!("key-{}", room.id),
            room_id: room.id.clone(),
            person_id: holder.into(),
            purpose: "点検".into(),
            lent_at,
            due_back: at() + Duration::hours(2),
            lent_by: "clerk".into(),
            returned_at: None,
            received_by: None,
            out_key: Some(format!("key-{}", room.id)),
        })
    }

    fn room(level: SecurityLevel) -> Room {
        let def = default_rooms()
            .into_iter()
            .find(|r| r.level == level)
            .unwrap();
        Room::from_definition(&def, Hlc::default(), &DeviceId("d".into()))
    }

    struct Case {
        level: SecurityLevel,
        permit: PermitState,
        key: KeyState,
        name_tag: bool,
    }

    fn registers(case: &Case, people: &[PersonDefined], escort_permit: PermitState) -> Registers {
        let room = room(case.level);
        let mut r = Registers::default();
        for p in people {
            let versioned = crate::office::Versioned {
                value: p.clone(),
                at: Hlc::default(),
                on: DeviceId("d".into()),
            };
            r.office.people.insert(p.id.clone(), versioned);
        }
        for p in [
            permit(1, "yamada", &room, case.permit),
            permit(2, "escort", &room, escort_permit),
        ]
        .into_iter()
        .flatten()
        {
            r.permits.insert(p.id.clone(), p);
        }
        if let Some(l) = loan(&room, case.key) {
            r.loans.insert(l.id.clone(), l);
        }
        r.rooms.insert(room.id.clone(), room);
        r
    }

    fn entry(case: &Case, escort: Option<&str>) -> EntryRecorded {
        let room = room(case.level);
        EntryRecorded::new(&room.id, "yamada", "総務課", "点検", case.name_tag, at())
            .of("yamada")
            .escorted_by(escort)
    }

    /// The refusals of the case, as (code, article) pairs.
    fn refused(r: &Registers, e: &EntryRecorded) -> Vec<(RefusalCode, Option<Article>)> {
        match r.check(&EventKind::EntryRecorded(e.clone()), at()) {
            Ok(()) => Vec::new(),
            Err(refusals) => refusals
                .0
                .into_iter()
                .map(|r| (r.code, r.article))
                .collect(),
        }
    }

    /// The rule of 第17条第2項 for a staff member, as the regulation words it.
    fn expected(case: &Case) -> Vec<RefusalCode> {
        let level = case.level.number();
        let mut codes = Vec::new();
        if !case.name_tag {
            codes.push(RefusalCode::NameTagNotWorn);
        }
        let (permitted, key_ok) = match case.level {
            SecurityLevel::Three => (
                case.permit == PermitState::VisitNow,
                case.key == KeyState::LentForVisit,
            ),
            SecurityLevel::Two => (
                case.permit == PermitState::Standing,
                matches!(case.key, KeyState::LentForVisit | KeyState::LentEarlier),
            ),
            SecurityLevel::One => (case.permit == PermitState::Standing, true),
        };
        if !permitted {
            codes.push(RefusalCode::NotPermitted { level });
        }
        // At level 3 the key must be for the permitted visit: without one, only that is said.
        let key_judged = permitted || case.level != SecurityLevel::Three;
        if key_judged && !key_ok {
            codes.push(RefusalCode::KeyNotHeld { level });
        }
        codes
    }

    #[test]
    fn every_level_permit_key_and_name_tag_combination() {
        let staff = [person("yamada", PersonKind::Staff)];
        let mut checked = 0;
        for level in [SecurityLevel::Three, SecurityLevel::Two, SecurityLevel::One] {
            for permit in PERMITS {
                for key in KEYS {
                    for name_tag in [true, false] {
                        let case = Case {
                            level,
                            permit,
                            key,
                            name_tag,
                        };
                        let r = registers(&case, &staff, PermitState::None);
                        let got = refused(&r, &entry(&case, None));
                        let codes: Vec<RefusalCode> = got.iter().map(|(c, _)| c.clone()).collect();
                        assert_eq!(
                            codes,
                            expected(&case),
                            "level {} permit {permit:?} key {key:?} name tag {name_tag}",
                            level.number()
                        );
                        // Every refusal at the door names 第17条第2項.
                        assert!(got.iter().all(|(_, a)| *a == Some(Article::ENTRY_RULES)));
                        checked += 1;
                    }
                }
            }
        }
        assert_eq!(checked, 3 * 5 * 4 * 2);
    }

    #[test]
    fn a_visitor_enters_level_1_only_escorted_by_permitted_staff() {
        let people = [
            person("yamada", PersonKind::Visitor),
            person("escort", PersonKind::Staff),
        ];
        let case = Case {
            level: SecurityLevel::One,
            permit: PermitState::None,
            key: KeyState::None,
            name_tag: true,
        };
        let rows: [(Option<&str>, PermitState, Vec<RefusalCode>); 4] = [
            (
                None,
                PermitState::Standing,
                vec![RefusalCode::EscortRequired],
            ),
            (
                Some("escort"),
                PermitState::None,
                vec![RefusalCode::EscortNotPermitted],
            ),
            (
                Some("escort"),
                PermitState::Revoked,
                vec![RefusalCode::EscortNotPermitted],
            ),
            (Some("escort"), PermitState::Standing, vec![]),
        ];
        for (escort, escort_permit, want) in rows {
            let r = registers(&case, &people, escort_permit);
            let got: Vec<RefusalCode> = refused(&r, &entry(&case, escort))
                .into_iter()
                .map(|(c, _)| c)
                .collect();
            assert_eq!(got, want, "escort {escort:?} holding {escort_permit:?}");
        }
        // A visitor escorting a visitor is no escort.
        let visitors = [
            person("yamada", PersonKind::Visitor),
            person("escort", PersonKind::Visitor),
        ];
        let r = registers(&case, &visitors, PermitState::Standing);
        let got: Vec<RefusalCode> = refused(&r, &entry(&case, Some("escort")))
            .into_iter()
            .map(|(c, _)| c)
            .collect();
        assert_eq!(got, vec![RefusalCode::EscortNotPermitted]);
    }

    #[test]
    fn somebody_not_in_the_people_register_is_refused() {
        let case = Case {
            level: SecurityLevel::One,
            permit: PermitState::Standing,
            key: KeyState::None,
            name_tag: true,
        };
        let r = registers(&case, &[], PermitState::None);
        let got = refused(&r, &entry(&case, None));
        assert_eq!(
            got,
            vec![(RefusalCode::UnknownPerson, Some(Article::ENTRY_LOGBOOK))]
        );
    }
}
