//! Who may enter a room, checked at the moment of entry (第17条第2項): what each security
//! level requires of the person, beyond the logbook's own fields.
//!
//! - level 3: a per-visit permit valid now, and the room's key lent to this person for this
//!   visit (lent inside the permit's window);
//! - level 2: a standing permission, and the room's key lent to this person;
//! - level 1: a standing permission, or a visitor escorted by permitted staff.

use crate::article::Article;
use crate::entry_log::{check_entry, EntryRecord, EntryRecorded};
use crate::key_log::KeyLoan;
use crate::people::PersonDefined;
use crate::refusal::{Field, Refusal, RefusalCode, Refusals};
use crate::room::{Room, SecurityLevel};
use crate::room_permit::{is_permitted, Permit, PermitScope};
use chrono::{DateTime, Utc};

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
    /// The loans still out of this room's keys.
    pub loans_out: Vec<KeyLoan>,
    /// The lines of those inside the room now.
    pub inside: Vec<EntryRecord>,
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
    refusals.into_result()
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
    // At level 3 the key must be for the permitted visit: without one, only that is said.
    if room.level == SecurityLevel::Three && permission_refused {
        return;
    }
    if let Err(refusal) = key_held(entry, person, room, facts) {
        refusals.push(refusal);
    }
}

/// Was the person permitted into the room at the entry's time, as its level requires
/// (第17条第2項)? Level 3: a per-visit permit; level 2: a standing permission; level 1: a
/// standing permission, or a visitor escorted by permitted staff. The sync-time re-check
/// (`rule_breaks`) judges records made elsewhere with this same rule.
pub fn permission(
    entry: &EntryRecorded,
    person: &PersonDefined,
    room: &Room,
    facts: &DoorFacts,
) -> Result<(), Refusal> {
    let at = entry.entered_at;
    if is_permitted(&facts.permits, &person.id, room, at) {
        return Ok(());
    }
    if room.level != SecurityLevel::One || person.is_staff() {
        return Err(refuse_permission(room.level.number()));
    }
    let escort_ok = facts.escort.as_ref().is_some_and(|escort| {
        escort.is_staff()
            && escort.id != person.id
            && is_permitted(&facts.permits, &escort.id, room, at)
    });
    if escort_ok {
        return Ok(());
    }
    let code = match entry.escort_id {
        None => RefusalCode::EscortRequired,
        Some(_) => RefusalCode::EscortNotPermitted,
    };
    Err(Refusal::new(
        code,
        Field::Escort,
        Some(Article::ENTRY_RULES),
    ))
}

/// Does the person hold the room's key, as levels 3 and 2 require? At level 3 the key must
/// have been lent for this visit ("その都度"): a key lent before the permit's window was for
/// another visit.
fn key_held(
    entry: &EntryRecorded,
    person: &PersonDefined,
    room: &Room,
    facts: &DoorFacts,
) -> Result<(), Refusal> {
    let at = entry.entered_at;
    let held = holding(facts, &person.id, at);
    let ok = match room.level {
        SecurityLevel::One => true,
        SecurityLevel::Two => held.is_some(),
        SecurityLevel::Three => match visit_permit(&person.id, room, at, facts).map(|p| &p.scope) {
            Some(PermitScope::Visit {
                valid_from,
                valid_until,
                ..
            }) => held.is_some_and(|l| *valid_from <= l.lent_at && l.lent_at <= *valid_until),
            _ => false,
        },
    };
    if ok {
        return Ok(());
    }
    let code = RefusalCode::KeyNotHeld {
        level: room.level.number(),
    };
    Err(Refusal::new(code, Field::Key, Some(Article::ENTRY_RULES)))
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
        .find(|p| matches!(p.scope, PermitScope::Visit { .. }) && p.allows(person_id, &room.id, at))
}

/// The loan of one of the room's keys out with `person_id`, lent no later than `at`.
fn holding<'a>(facts: &'a DoorFacts, person_id: &str, at: DateTime<Utc>) -> Option<&'a KeyLoan> {
    facts
        .loans_out
        .iter()
        .find(|l| l.is_out() && l.person_id == person_id && l.lent_at <= at)
}

fn refuse_permission(level: u8) -> Refusal {
    let code = RefusalCode::NotPermitted { level };
    Refusal::new(code, Field::Person, Some(Article::ENTRY_RULES))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{DeviceId, EventId};
    use crate::people::PersonKind;
    use crate::room::{default_rooms, Room};
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
            closed_by: None,
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
            person_id: holder.into(),
            purpose: "点検".into(),
            lent_at,
            due_back: at() + Duration::hours(2),
            lent_by: "clerk".into(),
            returned_at: None,
            received_by: None,
            closed_by: None,
            out_key: Some(format!("key-{}", room.id)),
        })
    }

    fn room(level: SecurityLevel) -> Room {
        let def = default_rooms()
            .into_iter()
            .find(|r| r.level == level)
            .unwrap();
        Room::new(def.clone(), Default::default())
    }

    struct Case {
        level: SecurityLevel,
        permit: PermitState,
        key: KeyState,
        name_tag: bool,
    }

    /// What the door reads for the case: the room, the people named, their permits, the key.
    fn facts(
        case: &Case,
        people: &[PersonDefined],
        escort: Option<&str>,
        escort_permit: PermitState,
    ) -> DoorFacts {
        let room = room(case.level);
        let person = |id: &str| people.iter().find(|p| p.id == id).cloned();
        let permits = [
            permit(1, "yamada", &room, case.permit),
            permit(2, "escort", &room, escort_permit),
        ];
        DoorFacts {
            person: person("yamada"),
            escort: escort.and_then(person),
            permits: permits.into_iter().flatten().collect(),
            loans_out: loan(&room, case.key).into_iter().collect(),
            room: Some(room),
            inside: Vec::new(),
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
                        let r = facts(&case, &staff, None, PermitState::None);
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
            let r = facts(&case, &people, escort, escort_permit);
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
        let r = facts(&case, &visitors, Some("escort"), PermitState::Standing);
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
        let r = facts(&case, &[], None, PermitState::None);
        let got = refused(&r, &entry(&case, None));
        assert_eq!(
            got,
            vec![(RefusalCode::UnknownPerson, Some(Article::ENTRY_LOGBOOK))]
        );
    }
}
