//! The key logbook (鍵の管理簿, 第19条第2項) of level-3 and level-2 rooms: keys are lent only to
//! persons permitted for the room (第18条第4項), one holder at a time, and come back.

use crate::admission::prior_permission;
use crate::article::Article;
use crate::entry_log::check_not_future;
use crate::entry_measures::RoomMeasure;
use crate::event::EventId;
use crate::refusal::{Field, Refusal, RefusalCode, Refusals};
use crate::room::{Room, SecurityLevel};
use crate::room_permit::Permit;
use crate::tr;
use crate::version::Version;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A key of a room, as registered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct KeyDefined {
    pub id: String,
    pub room_id: String,
    pub label: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct KeyLent {
    pub key_id: String,
    pub person_id: String,
    pub purpose: String,
    #[serde(with = "chrono::serde::ts_milliseconds")]
    #[cfg_attr(feature = "schema", schemars(with = "i64"))]
    pub lent_at: DateTime<Utc>,
    #[serde(with = "chrono::serde::ts_milliseconds")]
    #[cfg_attr(feature = "schema", schemars(with = "i64"))]
    pub due_back: DateTime<Utc>,
    pub lent_by: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct KeyReturned {
    pub loan: EventId,
    #[serde(with = "chrono::serde::ts_milliseconds")]
    #[cfg_attr(feature = "schema", schemars(with = "i64"))]
    pub returned_at: DateTime<Utc>,
    pub received_by: String,
}

/// The entry manager resolves a key lent twice at once (two tablets offline): `loan` was not
/// real, `real_loan` (if either) was; `note` says what happened. The loan stays in the key
/// logbook, struck through: it never counted as out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct KeyLoanVoided {
    pub loan: EventId,
    pub real_loan: Option<EventId>,
    pub note: String,
}

/// One line of the key logbook: a loan and, once recorded, its return. (Its room is its key's:
/// a key never changes room.)
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct KeyLoan {
    pub id: EventId,
    pub key_id: String,
    pub person_id: String,
    pub purpose: String,
    #[serde(with = "chrono::serde::ts_milliseconds")]
    #[cfg_attr(feature = "schema", schemars(with = "i64"))]
    pub lent_at: DateTime<Utc>,
    #[serde(with = "chrono::serde::ts_milliseconds")]
    #[cfg_attr(feature = "schema", schemars(with = "i64"))]
    pub due_back: DateTime<Utc>,
    pub lent_by: String,
    #[serde(default, with = "chrono::serde::ts_milliseconds_option")]
    #[cfg_attr(feature = "schema", schemars(with = "Option<i64>"))]
    pub returned_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub received_by: Option<String>,
    /// The return that closed it: the earliest by version, if two tablets each recorded one.
    #[serde(default)]
    pub closed_by: Option<Version>,
    /// The key while it is out, absent once returned (an index of keys out, as `inside_room`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out_key: Option<String>,
    /// Found not real when the key was lent twice at once (`KeyLoanVoided`): never out.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub voided: bool,
}

impl KeyLoan {
    pub fn opened(id: EventId, lent: &KeyLent) -> Self {
        KeyLoan {
            id,
            key_id: lent.key_id.clone(),
            person_id: lent.person_id.clone(),
            purpose: lent.purpose.clone(),
            lent_at: lent.lent_at,
            due_back: lent.due_back,
            lent_by: lent.lent_by.clone(),
            returned_at: None,
            received_by: None,
            closed_by: None,
            out_key: Some(lent.key_id.clone()),
            voided: false,
        }
    }

    /// The loan found not real (recorded at `version`), if nothing closed it earlier: as if
    /// back the moment it was lent, so it never counts as out.
    pub fn voided(&self, version: &Version) -> Option<Self> {
        version.precedes(self.closed_by.as_ref()).then(|| KeyLoan {
            returned_at: Some(self.lent_at),
            received_by: None,
            closed_by: Some(version.clone()),
            out_key: None,
            voided: true,
            ..self.clone()
        })
    }

    /// The loan closed by `ret` (recorded at `version`), if no earlier return closed it.
    pub fn closed(&self, ret: &KeyReturned, version: &Version) -> Option<Self> {
        version.precedes(self.closed_by.as_ref()).then(|| KeyLoan {
            returned_at: Some(ret.returned_at),
            received_by: Some(ret.received_by.clone()),
            closed_by: Some(version.clone()),
            out_key: None,
            voided: false,
            ..self.clone()
        })
    }

    pub fn is_out(&self) -> bool {
        self.returned_at.is_none()
    }

    /// Was the key out on this loan at `at` (lent by then, not yet returned)? What the door
    /// asks now, and the sync-time re-check asks of an entry's own moment.
    pub fn was_out_at(&self, at: DateTime<Utc>) -> bool {
        self.lent_at <= at && self.returned_at.is_none_or(|returned| returned > at)
    }

    /// Out past its due time: highlighted on the home screen.
    pub fn is_overdue(&self, now: DateTime<Utc>) -> bool {
        self.is_out() && now > self.due_back
    }
}

/// Is `key_id` out on more than one of `out` at once (two tablets offline each lent it)? Such
/// a key admits neither holder until the entry manager says which loan was real.
pub fn lent_twice<'a>(out: impl IntoIterator<Item = &'a KeyLoan>, key_id: &str) -> bool {
    out.into_iter().filter(|l| l.key_id == key_id).count() > 1
}

/// The facts a loan is checked against: the key's room, the permits of the person, and the
/// key's loan still open, if any.
pub struct LoanFacts<'a> {
    pub room: Option<&'a Room>,
    pub permits: &'a [Permit],
    /// The entry manager's measures for the room (a permit per visit changes who is permitted).
    pub measures: &'a [RoomMeasure],
    pub open_loan: Option<&'a KeyLoan>,
}

pub fn check_loan(
    lent: &KeyLent,
    facts: LoanFacts<'_>,
    now: DateTime<Utc>,
) -> Result<(), Refusals> {
    let mut refusals = Refusals::default();
    match facts.room {
        None => refusals.push(Refusal::new(RefusalCode::UnknownKey, Field::Key, None)),
        Some(room) if room.level == SecurityLevel::One => refusals.push(Refusal::new(
            RefusalCode::KeyNotForThisLevel,
            Field::Key,
            Some(Article::KEY_LOGBOOK),
        )),
        Some(room) => {
            // Lent "only to permitted persons" (第18条第4項): the door's own rule of permission.
            if let Err(mut refused) = prior_permission(
                facts.permits,
                facts.measures,
                &lent.person_id,
                room,
                lent.lent_at,
            ) {
                if matches!(refused.code, RefusalCode::NotPermitted { .. }) {
                    refused.article = Some(Article::KEY_LENDING);
                }
                refusals.push(refused);
            }
        }
    }
    if let Some(out) = facts.open_loan {
        let code = RefusalCode::KeyAlreadyOut {
            holder: out.person_id.clone(),
        };
        refusals.push(Refusal::new(code, Field::Key, Some(Article::KEY_LOGBOOK)));
    }
    if lent.due_back <= lent.lent_at {
        refusals.push(Refusal::new(
            RefusalCode::EndsBeforeStart,
            Field::Period,
            None,
        ));
    }
    check_not_future(lent.lent_at, now, &mut refusals);
    refusals.into_result()
}

/// A key belongs to a level-3 or level-2 room (第19条第2項) and has a name.
pub fn check_key_definition(key: &KeyDefined, room: Option<&Room>) -> Result<(), Refusals> {
    let code = match room {
        None => RefusalCode::UnknownRoom,
        Some(room) if room.level == SecurityLevel::One => RefusalCode::KeyNotForThisLevel,
        Some(_) if key.label.trim().is_empty() => RefusalCode::Missing {
            what: tr!("鍵の名称").into(),
        },
        Some(_) => return Ok(()),
    };
    let article = Some(Article::KEY_LOGBOOK);
    Err(Refusals(vec![Refusal::new(code, Field::Key, article)]))
}

/// A loan is found not real only while out with another loan of its key at once (what the
/// door shows as a conflict), beside a real one of the same key, and with what happened.
pub fn check_void(
    void: &KeyLoanVoided,
    loan: Option<&KeyLoan>,
    real: Option<&KeyLoan>,
    conflicting: bool,
) -> Result<(), Refusals> {
    let mut refusals = Refusals::default();
    let state = |state: &str| RefusalCode::WrongState {
        what: tr!("貸出し").into(),
        state: state.into(),
    };
    match loan {
        None => refusals.push(Refusal::new(RefusalCode::KeyNotOut, Field::Key, None)),
        Some(l) if !l.is_out() => {
            refusals.push(Refusal::new(state(&tr!("返却済み")), Field::Key, None))
        }
        Some(_) if !conflicting => {
            let code = state(&tr!("競合していない"));
            refusals.push(Refusal::new(code, Field::Key, Some(Article::KEYS)));
        }
        Some(l) => {
            let other_key = real.is_some_and(|r| r.key_id != l.key_id || r.id == l.id);
            if other_key || (void.real_loan.is_some() && real.is_none()) {
                let code = RefusalCode::UnknownRecord {
                    what: tr!("正しい貸出し").into(),
                };
                refusals.push(Refusal::new(code, Field::Key, None));
            }
        }
    }
    if void.note.trim().is_empty() {
        let code = RefusalCode::Missing {
            what: tr!("経緯").into(),
        };
        refusals.push(Refusal::new(code, Field::Purpose, None));
    }
    refusals.into_result()
}

pub fn check_return(
    ret: &KeyReturned,
    loan: Option<&KeyLoan>,
    now: DateTime<Utc>,
) -> Result<(), Refusals> {
    let mut refusals = Refusals::default();
    match loan {
        Some(open) if open.is_out() => {
            if ret.returned_at < open.lent_at {
                refusals.push(Refusal::new(
                    RefusalCode::EndsBeforeStart,
                    Field::Time,
                    None,
                ));
            }
        }
        _ => refusals.push(Refusal::new(
            RefusalCode::KeyNotOut,
            Field::Key,
            Some(Article::KEY_LOGBOOK),
        )),
    }
    check_not_future(ret.returned_at, now, &mut refusals);
    refusals.into_result()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::DeviceId;
    use crate::room::{default_rooms, Room};
    use crate::room_permit::{PermissionGranted, PermitRevoked, VisitPermitGranted};
    use chrono::{Duration, TimeZone};

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 26, 1, 0, 0).unwrap()
    }

    fn id(seq: u64) -> EventId {
        EventId {
            device: DeviceId("d".into()),
            seq,
        }
    }

    fn room(level: u8) -> Room {
        let def = &default_rooms()[3 - level as usize];
        Room::new(def.clone(), Default::default())
    }

    #[derive(Debug, Clone, Copy)]
    enum PermitState {
        None,
        Standing,
        StandingExpired,
        Visit,
        VisitLater,
        StandingRevoked,
    }

    fn permits(state: PermitState, room: &Room) -> Vec<Permit> {
        let standing = |from, to| {
            Permit::standing(
                id(1),
                &PermissionGranted {
                    person_id: "yamada".into(),
                    room_id: room.id.clone(),
                    from,
                    to,
                    granted_by: "soumu".into(),
                },
            )
        };
        let visit = |from: DateTime<Utc>| {
            Permit::visit(
                id(1),
                &VisitPermitGranted {
                    person_id: "yamada".into(),
                    room_id: room.id.clone(),
                    valid_from: from,
                    valid_until: from + Duration::hours(2),
                    purpose: "媒体の保管".into(),
                    granted_by: "soumu".into(),
                },
            )
        };
        let today = crate::wareki::to_jst(now()).date_naive();
        match state {
            PermitState::None => vec![],
            PermitState::Standing => vec![standing(today - Duration::days(30), None)],
            PermitState::StandingExpired => vec![standing(
                today - Duration::days(30),
                Some(today - Duration::days(1)),
            )],
            PermitState::Visit => vec![visit(now() - Duration::minutes(30))],
            PermitState::VisitLater => vec![visit(now() + Duration::hours(3))],
            PermitState::StandingRevoked => {
                let mut p = standing(today - Duration::days(30), None);
                let revocation = PermitRevoked {
                    permit: p.id.clone(),
                    at: now() - Duration::hours(1),
                    reason: "異動".into(),
                    revoked_by: "soumu".into(),
                };
                p.revoked_at = Some(revocation.at);
                vec![p]
            }
        }
    }

    fn lend(room: &Room) -> KeyLent {
        KeyLent {
            key_id: format!("key-{}", room.id),
            person_id: "yamada".into(),
            purpose: "点検".into(),
            lent_at: now(),
            due_back: now() + Duration::hours(1),
            lent_by: "soumu".into(),
        }
    }

    fn codes(result: Result<(), Refusals>) -> Vec<RefusalCode> {
        result.map_or_else(|r| r.0.into_iter().map(|r| r.code).collect(), |()| vec![])
    }

    /// Level × permission × key state × the measure of a permit per visit → allowed, or
    /// refused with these codes. As the text reads (第18条第4項), a key goes to whoever holds
    /// prior permission; under the measure (第18条第2項), at level 3 to a per-visit permit.
    #[test]
    fn lending_follows_the_level_the_permits_the_key_and_the_measure() {
        use PermitState::*;
        let not_permitted = |level| RefusalCode::NotPermitted { level };
        let since = crate::wareki::to_jst(now()).date_naive() - Duration::days(10);
        let per_visit_needed = RefusalCode::VisitPermitRequired { since };
        let out = RefusalCode::KeyAlreadyOut {
            holder: "sato".into(),
        };
        let cases: Vec<(u8, PermitState, bool, bool, Vec<RefusalCode>)> = vec![
            (3, Visit, false, false, vec![]),
            (3, Standing, false, false, vec![]),
            (3, Visit, false, true, vec![]),
            (3, Standing, false, true, vec![per_visit_needed]),
            (3, VisitLater, false, false, vec![not_permitted(3)]),
            (3, VisitLater, false, true, vec![not_permitted(3)]),
            (3, None, false, false, vec![not_permitted(3)]),
            (3, None, false, true, vec![not_permitted(3)]),
            (3, Visit, true, false, vec![out.clone()]),
            (2, Standing, false, false, vec![]),
            // The measure is level 3's: a level-2 room keeps the text.
            (2, Standing, false, true, vec![]),
            (2, StandingExpired, false, false, vec![not_permitted(2)]),
            (2, StandingRevoked, false, false, vec![not_permitted(2)]),
            (2, None, false, false, vec![not_permitted(2)]),
            (2, Standing, true, false, vec![out.clone()]),
            (
                1,
                Standing,
                false,
                false,
                vec![RefusalCode::KeyNotForThisLevel],
            ),
            (1, None, false, false, vec![RefusalCode::KeyNotForThisLevel]),
        ];
        for (level, state, key_out, per_visit, expected) in cases {
            let room = room(level);
            let permits = permits(state, &room);
            let lent = lend(&room);
            let other = KeyLent {
                person_id: "sato".into(),
                ..lent.clone()
            };
            let open = KeyLoan::opened(id(9), &other);
            let measures: Vec<RoomMeasure> = per_visit
                .then(|| {
                    let set = crate::entry_measures::EntryMeasureSet {
                        room_id: room.id.clone(),
                        measure: crate::entry_measures::EntryMeasure::PerVisitPermit,
                        in_force: true,
                        from: since,
                        reason: "監査の指摘".into(),
                    };
                    crate::version::Versioned::new(set, Version::default())
                })
                .into_iter()
                .collect();
            let facts = LoanFacts {
                room: Some(&room),
                permits: &permits,
                measures: &measures,
                open_loan: key_out.then_some(&open),
            };
            let result = check_loan(&lent, facts, now());
            if let Err(refusals) = &result {
                for r in &refusals.0 {
                    let article = match r.code {
                        RefusalCode::NotPermitted { .. } => Some(Article::KEY_LENDING),
                        RefusalCode::VisitPermitRequired { .. } => Some(Article::ENTRY_MEASURES),
                        _ => r.article,
                    };
                    assert_eq!(r.article, article, "{:?}", r.code);
                }
            }
            assert_eq!(
                codes(result),
                expected,
                "level {level}, {state:?}, key out: {key_out}, per-visit measure: {per_visit}"
            );
        }
    }

    #[test]
    fn refusals_of_a_loan_cite_article_18_4_and_19_2() {
        let room = room(2);
        let facts = LoanFacts {
            room: Some(&room),
            permits: &[],
            measures: &[],
            open_loan: None,
        };
        let refusal = &check_loan(&lend(&room), facts, now()).unwrap_err().0[0];
        assert_eq!(refusal.article, Some(Article::KEY_LENDING));
        assert!(refusal.message_ja().ends_with("（第18条第4項）"));
        let level1 = self::room(1);
        let facts = LoanFacts {
            room: Some(&level1),
            permits: &[],
            measures: &[],
            open_loan: None,
        };
        let refusal = &check_loan(&lend(&level1), facts, now()).unwrap_err().0[0];
        assert_eq!(refusal.article, Some(Article::KEY_LOGBOOK));
    }

    #[test]
    fn due_back_before_lending_and_future_lending_are_refused() {
        let room = room(2);
        let permits = permits(PermitState::Standing, &room);
        let mut lent = lend(&room);
        lent.due_back = lent.lent_at - Duration::minutes(1);
        let facts = || LoanFacts {
            room: Some(&room),
            permits: &permits,
            measures: &[],
            open_loan: None,
        };
        assert_eq!(
            codes(check_loan(&lent, facts(), now())),
            vec![RefusalCode::EndsBeforeStart]
        );
        assert_eq!(
            codes(check_loan(
                &lend(&room),
                facts(),
                now() - Duration::minutes(6)
            )),
            vec![RefusalCode::TimeInFuture {
                tolerance_minutes: 5
            }]
        );
    }

    #[test]
    fn keys_are_for_level_3_and_2_rooms_and_have_a_name() {
        let key = |room: &Room, label: &str| KeyDefined {
            id: "k".into(),
            room_id: room.id.clone(),
            label: label.into(),
        };
        assert_eq!(
            check_key_definition(&key(&room(3), "1号鍵"), Some(&room(3))),
            Ok(())
        );
        assert_eq!(
            check_key_definition(&key(&room(2), "1号鍵"), Some(&room(2))),
            Ok(())
        );
        let level1 = check_key_definition(&key(&room(1), "鍵"), Some(&room(1)));
        assert_eq!(codes(level1), vec![RefusalCode::KeyNotForThisLevel]);
        let unnamed = check_key_definition(&key(&room(2), " "), Some(&room(2)));
        assert_eq!(
            codes(unnamed),
            vec![RefusalCode::Missing {
                what: "鍵の名称".into()
            }]
        );
        assert_eq!(
            codes(check_key_definition(&key(&room(2), "鍵"), None)),
            vec![RefusalCode::UnknownRoom]
        );
    }

    #[test]
    fn a_return_closes_the_open_loan_once() {
        let room = room(2);
        let loan = KeyLoan::opened(id(5), &lend(&room));
        assert!(loan.is_overdue(now() + Duration::hours(2)));
        assert!(!loan.is_overdue(now() + Duration::minutes(30)));
        let ret = KeyReturned {
            loan: loan.id.clone(),
            returned_at: now() + Duration::minutes(40),
            received_by: "soumu".into(),
        };
        let later = now() + Duration::hours(1);
        assert_eq!(check_return(&ret, Some(&loan), later), Ok(()));
        let closed = loan
            .closed(&ret, &crate::version::Version::default())
            .unwrap();
        assert!(!closed.is_out() && !closed.is_overdue(now() + Duration::days(1)));
        assert_eq!(closed.out_key, None);
        assert_eq!(
            codes(check_return(&ret, Some(&closed), later)),
            vec![RefusalCode::KeyNotOut]
        );
        assert_eq!(
            codes(check_return(&ret, None, later)),
            vec![RefusalCode::KeyNotOut]
        );
        let early = KeyReturned {
            returned_at: now() - Duration::minutes(1),
            ..ret
        };
        assert_eq!(
            codes(check_return(&early, Some(&loan), later)),
            vec![RefusalCode::EndsBeforeStart]
        );
    }
}
