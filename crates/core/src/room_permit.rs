//! Permissions to enter rooms (第17条第2項, 第18条): standing permissions, granted beforehand for
//! a period, and per-visit permits for level-3 rooms, each granted by the room's entry manager.

use crate::article::Article;
use crate::event::EventId;
use crate::organisation::{Organisation, Role};
use crate::refusal::{Field, Refusal, RefusalCode, Refusals};
use crate::room::{Room, SecurityLevel};
use crate::version::Version;
use crate::wareki;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// Permission for `person_id` to enter `room_id` on the days `from`..=`to` (open-ended while
/// `to` is `None`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PermissionGranted {
    pub person_id: String,
    pub room_id: String,
    pub from: NaiveDate,
    pub to: Option<NaiveDate>,
    pub granted_by: String,
}

/// Permission for one visit of a level-3 room, valid between two instants.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct VisitPermitGranted {
    pub person_id: String,
    pub room_id: String,
    #[serde(with = "chrono::serde::ts_milliseconds")]
    #[cfg_attr(feature = "schema", schemars(with = "i64"))]
    pub valid_from: DateTime<Utc>,
    #[serde(with = "chrono::serde::ts_milliseconds")]
    #[cfg_attr(feature = "schema", schemars(with = "i64"))]
    pub valid_until: DateTime<Utc>,
    pub purpose: String,
    pub granted_by: String,
}

/// Withdraws a permission or permit from `at` on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PermitRevoked {
    pub permit: EventId,
    #[serde(with = "chrono::serde::ts_milliseconds")]
    #[cfg_attr(feature = "schema", schemars(with = "i64"))]
    pub at: DateTime<Utc>,
    pub reason: String,
    pub revoked_by: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PermitScope {
    Standing {
        from: NaiveDate,
        to: Option<NaiveDate>,
    },
    Visit {
        #[serde(with = "chrono::serde::ts_milliseconds")]
        #[cfg_attr(feature = "schema", schemars(with = "i64"))]
        valid_from: DateTime<Utc>,
        #[serde(with = "chrono::serde::ts_milliseconds")]
        #[cfg_attr(feature = "schema", schemars(with = "i64"))]
        valid_until: DateTime<Utc>,
        purpose: String,
    },
}

/// A permission or permit in the register, with its revocation once recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Permit {
    pub id: EventId,
    pub person_id: String,
    pub room_id: String,
    pub scope: PermitScope,
    pub granted_by: String,
    #[serde(default, with = "chrono::serde::ts_milliseconds_option")]
    #[cfg_attr(feature = "schema", schemars(with = "Option<i64>"))]
    pub revoked_at: Option<DateTime<Utc>>,
    /// The revocation that took effect: the earliest by version, if several were recorded.
    #[serde(default)]
    pub closed_by: Option<Version>,
}

impl Permit {
    pub fn standing(id: EventId, grant: &PermissionGranted) -> Self {
        Permit {
            id,
            person_id: grant.person_id.clone(),
            room_id: grant.room_id.clone(),
            scope: PermitScope::Standing {
                from: grant.from,
                to: grant.to,
            },
            granted_by: grant.granted_by.clone(),
            revoked_at: None,
            closed_by: None,
        }
    }

    pub fn visit(id: EventId, grant: &VisitPermitGranted) -> Self {
        Permit {
            id,
            person_id: grant.person_id.clone(),
            room_id: grant.room_id.clone(),
            scope: PermitScope::Visit {
                valid_from: grant.valid_from,
                valid_until: grant.valid_until,
                purpose: grant.purpose.clone(),
            },
            granted_by: grant.granted_by.clone(),
            revoked_at: None,
            closed_by: None,
        }
    }

    /// The permit withdrawn by `revocation` (recorded at `version`), if no earlier revocation
    /// withdrew it.
    pub fn revoked(&self, revocation: &PermitRevoked, version: &Version) -> Option<Self> {
        version.precedes(self.closed_by.as_ref()).then(|| Permit {
            revoked_at: Some(revocation.at),
            closed_by: Some(version.clone()),
            ..self.clone()
        })
    }

    /// Does this permit let `person_id` into `room_id` at `at`? A per-visit permit counts only
    /// inside its window; a standing one on the days of its period; neither after revocation.
    pub fn allows(&self, person_id: &str, room_id: &str, at: DateTime<Utc>) -> bool {
        if self.person_id != person_id || self.room_id != room_id {
            return false;
        }
        if self.revoked_at.is_some_and(|revoked| revoked <= at) {
            return false;
        }
        match &self.scope {
            PermitScope::Standing { from, to } => {
                let day = wareki::to_jst(at).date_naive();
                *from <= day && to.is_none_or(|to| day <= to)
            }
            PermitScope::Visit {
                valid_from,
                valid_until,
                ..
            } => *valid_from <= at && at <= *valid_until,
        }
    }

    pub fn is_visit(&self) -> bool {
        matches!(self.scope, PermitScope::Visit { .. })
    }
}

/// The entry manager of a room of `level` (第18条第1項).
pub fn entry_manager_role(level: SecurityLevel) -> Role {
    match level {
        SecurityLevel::Three | SecurityLevel::Two => Role::EntryManagerSecureRooms,
        SecurityLevel::One => Role::EntryManagerCounters,
    }
}

/// Only the room's entry manager on that day grants its permissions.
fn check_granter(
    granted_by: &str,
    room: &Room,
    org: &Organisation,
    day: NaiveDate,
    refusals: &mut Refusals,
) {
    let role = entry_manager_role(room.level);
    org.require(role, granted_by, day, Article::ENTRY_MANAGER, refusals);
}

fn unknown_room(refusals: &mut Refusals) {
    refusals.push(Refusal::new(RefusalCode::UnknownRoom, Field::Room, None));
}

pub fn check_permission(
    grant: &PermissionGranted,
    room: Option<&Room>,
    org: &Organisation,
) -> Result<(), Refusals> {
    let mut refusals = Refusals::default();
    match room {
        Some(room) => check_granter(&grant.granted_by, room, org, grant.from, &mut refusals),
        None => unknown_room(&mut refusals),
    }
    if grant.to.is_some_and(|to| to < grant.from) {
        refusals.push(Refusal::new(
            RefusalCode::EndsBeforeStart,
            Field::Period,
            None,
        ));
    }
    refusals.into_result()
}

pub fn check_visit_permit(
    grant: &VisitPermitGranted,
    room: Option<&Room>,
    org: &Organisation,
) -> Result<(), Refusals> {
    let mut refusals = Refusals::default();
    match room {
        Some(room) if room.level != SecurityLevel::Three => refusals.push(Refusal::new(
            RefusalCode::VisitPermitOnlyForLevel3,
            Field::Room,
            Some(Article::ENTRY_RULES),
        )),
        Some(room) => {
            let day = wareki::to_jst(grant.valid_from).date_naive();
            check_granter(&grant.granted_by, room, org, day, &mut refusals);
        }
        None => unknown_room(&mut refusals),
    }
    if grant.valid_until <= grant.valid_from {
        refusals.push(Refusal::new(
            RefusalCode::EndsBeforeStart,
            Field::Period,
            None,
        ));
    }
    if grant.purpose.trim().is_empty() {
        refusals.push(Refusal::new(
            RefusalCode::PurposeMissing,
            Field::Purpose,
            None,
        ));
    }
    refusals.into_result()
}

/// A revocation names a permit still in force, and is made by the room's entry manager.
pub fn check_revocation(
    revocation: &PermitRevoked,
    permit: Option<&Permit>,
    room: Option<&Room>,
    org: &Organisation,
) -> Result<(), Refusals> {
    let mut refusals = Refusals::default();
    match (permit, room) {
        (Some(p), _) if p.revoked_at.is_some() => refusals.push(Refusal::new(
            RefusalCode::PermitAlreadyRevoked,
            Field::Permit,
            None,
        )),
        (Some(_), Some(room)) => {
            let day = wareki::to_jst(revocation.at).date_naive();
            check_granter(&revocation.revoked_by, room, org, day, &mut refusals);
        }
        _ => refusals.push(Refusal::new(
            RefusalCode::UnknownPermit,
            Field::Permit,
            None,
        )),
    }
    refusals.into_result()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::DeviceId;
    use crate::organisation::{HEAD_OF_GENERAL_AFFAIRS, HEAD_OF_RESIDENTS_AND_TAX};
    use crate::room::default_rooms;
    use chrono::{Duration, TimeZone};

    fn org() -> Organisation {
        let from = NaiveDate::from_ymd_opt(2024, 4, 1).unwrap();
        crate::organisation::test_town(
            &[
                (HEAD_OF_GENERAL_AFFAIRS, "soumu"),
                (HEAD_OF_RESIDENTS_AND_TAX, "juumin"),
            ],
            from,
        )
    }

    fn room(level: u8) -> Room {
        let def = &default_rooms()[3 - level as usize];
        Room::new(def.clone(), Default::default())
    }

    fn grant(level: u8, by: &str) -> PermissionGranted {
        PermissionGranted {
            person_id: "yamada".into(),
            room_id: room(level).id.clone(),
            from: NaiveDate::from_ymd_opt(2026, 4, 1).unwrap(),
            to: None,
            granted_by: by.into(),
        }
    }

    fn codes(result: Result<(), Refusals>) -> Vec<RefusalCode> {
        result.map_or_else(|r| r.0.into_iter().map(|r| r.code).collect(), |()| vec![])
    }

    #[test]
    fn only_the_rooms_entry_manager_grants_permission() {
        let org = org();
        let soumu = RefusalCode::NotInRole {
            role: Role::EntryManagerSecureRooms.name_text().into(),
        };
        let juumin = RefusalCode::NotInRole {
            role: Role::EntryManagerCounters.name_text().into(),
        };
        let cases = [
            (3, "soumu", vec![]),
            (2, "soumu", vec![]),
            (1, "juumin", vec![]),
            (3, "juumin", vec![soumu.clone()]),
            (2, "yamada", vec![soumu]),
            (1, "soumu", vec![juumin]),
        ];
        for (level, by, expected) in cases {
            let g = grant(level, by);
            assert_eq!(
                codes(check_permission(&g, Some(&room(level)), &org)),
                expected,
                "level {level} by {by}"
            );
        }
        let refusal = check_permission(&grant(3, "juumin"), Some(&room(3)), &org).unwrap_err();
        assert!(refusal.0[0].message_ja().contains("第18条第1項"));
    }

    #[test]
    fn per_visit_permits_are_for_level_3_with_a_window_and_a_purpose() {
        let org = org();
        let at = Utc.with_ymd_and_hms(2026, 11, 26, 1, 0, 0).unwrap();
        let visit = |level: u8, hours: i64, purpose: &str| VisitPermitGranted {
            person_id: "yamada".into(),
            room_id: room(level).id.clone(),
            valid_from: at,
            valid_until: at + Duration::hours(hours),
            purpose: purpose.into(),
            granted_by: "soumu".into(),
        };
        assert_eq!(
            check_visit_permit(&visit(3, 2, "媒体保管"), Some(&room(3)), &org),
            Ok(())
        );
        assert_eq!(
            codes(check_visit_permit(
                &visit(2, 2, "点検"),
                Some(&room(2)),
                &org
            )),
            vec![RefusalCode::VisitPermitOnlyForLevel3]
        );
        assert_eq!(
            codes(check_visit_permit(&visit(3, 0, " "), Some(&room(3)), &org)),
            vec![RefusalCode::EndsBeforeStart, RefusalCode::PurposeMissing]
        );
    }

    #[test]
    fn a_revoked_permit_stops_counting_from_its_revocation() {
        let org = org();
        let room = room(2);
        let mut permit = Permit::standing(
            EventId {
                device: DeviceId("d".into()),
                seq: 1,
            },
            &grant(2, "soumu"),
        );
        let at = Utc.with_ymd_and_hms(2026, 11, 26, 1, 0, 0).unwrap();
        assert!(permit.allows("yamada", &room.id, at));
        assert!(!permit.allows("sato", &room.id, at));
        let revocation = PermitRevoked {
            permit: permit.id.clone(),
            at,
            reason: "異動".into(),
            revoked_by: "soumu".into(),
        };
        assert_eq!(
            check_revocation(&revocation, Some(&permit), Some(&room), &org),
            Ok(())
        );
        permit.revoked_at = Some(at);
        let before = at - Duration::minutes(1);
        assert!(permit.allows("yamada", &room.id, before));
        assert!(!permit.allows("yamada", &room.id, at));
        assert_eq!(
            codes(check_revocation(
                &revocation,
                Some(&permit),
                Some(&room),
                &org
            )),
            vec![RefusalCode::PermitAlreadyRevoked]
        );
        assert_eq!(
            codes(check_revocation(&revocation, None, Some(&room), &org)),
            vec![RefusalCode::UnknownPermit]
        );
    }
}
