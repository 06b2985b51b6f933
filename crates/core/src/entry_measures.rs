//! The entry manager's measures (第18条第2項): what a town adds, room by room, to the text of
//! 第17条第2項. The text is the default; a measure is recorded by the room's entry manager with
//! the day it takes effect and why, and a refusal it causes names the measure and its day
//! beside the article.
//!
//! A measure is set in force, or lifted, from a day on. On any day the setting with the latest
//! day not after it decides (two settings of one day: the later recorded), so a measure lifted
//! and set again keeps its whole history and the registers agree on every device.

use crate::article::Article;
use crate::event::EventTag;
use crate::people::PersonDefined;
use crate::refusal::{Field, Refusal, RefusalCode, Refusals};
use crate::room::{Room, SecurityLevel};
use crate::tr;
use crate::version::Versioned;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// The kind the measures are read by (a handful per room, read whole).
pub const MEASURE_KINDS: [EventTag; 1] = [EventTag::EntryMeasureSet];

/// A measure the entry manager may take for one room.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EntryMeasure {
    /// Level 3: a permit for each visit (その都度の許可), where the text asks only for prior
    /// permission.
    PerVisitPermit,
    /// Visitors enter only escorted by staff permitted into the room.
    VisitorsEscorted,
    /// A key keeper (鍵取扱者): staff who lend the room's keys and take them back for the
    /// entry manager (第18条第3項・第4項 give that to the entry manager).
    KeyKeeper { person_id: String },
}

impl EntryMeasure {
    /// The measure as the room's page and a refusal name it.
    pub fn name_text(&self) -> Cow<'static, str> {
        match self {
            EntryMeasure::PerVisitPermit => tr!("入室のたびの許可（その都度の許可）"),
            EntryMeasure::VisitorsEscorted => tr!("来訪者は職員が同行"),
            EntryMeasure::KeyKeeper { .. } => tr!("鍵取扱者の指名"),
        }
    }
}

/// The entry manager sets `measure` in force in `room_id` (or lifts it) from the day `from`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct EntryMeasureSet {
    pub room_id: String,
    pub measure: EntryMeasure,
    pub in_force: bool,
    pub from: NaiveDate,
    /// Why, in the entry manager's words: shown wherever the measure applies.
    pub reason: String,
}

/// A measure as recorded, with the version that recorded it.
pub type RoomMeasure = Versioned<EntryMeasureSet>;

/// Since which day `measure` is in force in `room_id` on `day`, if it is.
pub fn in_force_since(
    measures: &[RoomMeasure],
    room_id: &str,
    measure: &EntryMeasure,
    day: NaiveDate,
) -> Option<NaiveDate> {
    measures
        .iter()
        .filter(|m| m.value.room_id == room_id && m.value.measure == *measure)
        .filter(|m| m.value.from <= day)
        .max_by(|a, b| (a.value.from, &a.version).cmp(&(b.value.from, &b.version)))
        .filter(|m| m.value.in_force)
        .map(|m| m.value.from)
}

/// The settings that decide each of the room's measures on `day`, in force or not yet lifted:
/// what the room's page lists.
pub fn in_force_on<'a>(
    measures: &'a [RoomMeasure],
    room_id: &str,
    day: NaiveDate,
) -> Vec<&'a RoomMeasure> {
    let mut kinds: Vec<&EntryMeasure> = measures
        .iter()
        .filter(|m| m.value.room_id == room_id)
        .map(|m| &m.value.measure)
        .collect();
    kinds.sort();
    kinds.dedup();
    kinds
        .into_iter()
        .filter_map(|kind| {
            let since = in_force_since(measures, room_id, kind, day)?;
            measures.iter().find(|m| {
                m.value.room_id == room_id && m.value.measure == *kind && m.value.from == since
            })
        })
        .collect()
}

/// The refusal a measure causes: its code, at `field`, naming 第18条第2項.
pub fn refusal(code: RefusalCode, field: Field) -> Refusal {
    Refusal::new(code, field, Some(Article::ENTRY_MEASURES))
}

/// A measure fits its room: a permit per visit is a level-3 measure, key keepers are for rooms
/// with keys (levels 3 and 2) and are registered staff; every measure says why, and takes
/// effect from the day it is recorded (`today`) or later: a rule never applies backwards to
/// what was recorded before it.
pub fn check_measure(
    set: &EntryMeasureSet,
    room: Option<&Room>,
    keeper: Option<&PersonDefined>,
    today: NaiveDate,
) -> Result<(), Refusals> {
    let mut refusals = Refusals::default();
    if set.from < today {
        refusals.push(refusal(RefusalCode::MeasureBackdated, Field::Period));
    }
    match room {
        None => refusals.push(Refusal::new(RefusalCode::UnknownRoom, Field::Room, None)),
        Some(room) => check_level(&set.measure, room, &mut refusals),
    }
    if let EntryMeasure::KeyKeeper { .. } = set.measure {
        match keeper {
            None => refusals.push(Refusal::new(
                RefusalCode::UnknownPerson,
                Field::Person,
                None,
            )),
            Some(p) if !p.is_staff() => {
                refusals.push(refusal(RefusalCode::KeyKeeperNotStaff, Field::Person))
            }
            Some(_) => {}
        }
    }
    if set.reason.trim().is_empty() {
        let code = RefusalCode::Missing {
            what: tr!("措置の理由").into(),
        };
        refusals.push(Refusal::new(code, Field::Purpose, None));
    }
    refusals.into_result()
}

fn check_level(measure: &EntryMeasure, room: &Room, refusals: &mut Refusals) {
    let fits = match measure {
        EntryMeasure::PerVisitPermit => room.level == SecurityLevel::Three,
        EntryMeasure::KeyKeeper { .. } => room.level != SecurityLevel::One,
        EntryMeasure::VisitorsEscorted => true,
    };
    if fits {
        return;
    }
    let code = match measure {
        EntryMeasure::PerVisitPermit => RefusalCode::VisitPermitOnlyForLevel3,
        _ => RefusalCode::KeyNotForThisLevel,
    };
    refusals.push(Refusal::new(code, Field::Room, Some(Article::ENTRY_RULES)));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::DeviceId;
    use crate::people::PersonKind;
    use crate::room::default_rooms;
    use crate::version::Version;
    use crate::Hlc;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, d).unwrap()
    }

    fn set(seq: u64, measure: EntryMeasure, in_force: bool, from: u32) -> RoomMeasure {
        let version = Version {
            hlc: Hlc {
                wall_ms: seq as i64,
                counter: 0,
            },
            device: DeviceId("d".into()),
            seq,
        };
        let value = EntryMeasureSet {
            room_id: "default-level-3".into(),
            measure,
            in_force,
            from: day(from),
            reason: "監査の指摘".into(),
        };
        Versioned::new(value, version)
    }

    #[test]
    fn the_latest_setting_by_its_day_decides() {
        let per_visit = EntryMeasure::PerVisitPermit;
        let measures = [
            set(1, per_visit.clone(), true, 1),
            set(2, per_visit.clone(), false, 10),
            // Recorded later but taking effect earlier: it does not undo the lifting of the 10th.
            set(3, per_visit.clone(), true, 5),
        ];
        let since = |d| in_force_since(&measures, "default-level-3", &per_visit, day(d));
        let rows = [
            (1, Some(1)),
            (4, Some(1)),
            (5, Some(5)),
            (9, Some(5)),
            (10, None),
            (20, None),
        ];
        for (d, want) in rows {
            assert_eq!(since(d), want.map(day), "day {d}");
        }
        assert_eq!(
            in_force_since(&measures, "other", &per_visit, day(4)),
            None,
            "a measure is the room's own"
        );
        let escorted = EntryMeasure::VisitorsEscorted;
        assert_eq!(
            in_force_since(&measures, "default-level-3", &escorted, day(4)),
            None
        );
    }

    #[test]
    fn two_settings_of_one_day_the_later_recorded_decides() {
        let escorted = EntryMeasure::VisitorsEscorted;
        let measures = [
            set(1, escorted.clone(), true, 3),
            set(2, escorted.clone(), false, 3),
        ];
        assert_eq!(
            in_force_since(&measures, "default-level-3", &escorted, day(3)),
            None
        );
        let listed = in_force_on(&measures, "default-level-3", day(3));
        assert!(listed.is_empty());
    }

    #[test]
    fn each_measure_fits_its_room() {
        let rooms: Vec<Room> = default_rooms()
            .into_iter()
            .map(|d| Room::new(d, Default::default()))
            .collect();
        let staff = PersonDefined {
            id: "yamada".into(),
            name: "山田".into(),
            affiliation: "総務課".into(),
            kind: PersonKind::Staff,
        };
        let visitor = PersonDefined {
            kind: PersonKind::Visitor,
            ..staff.clone()
        };
        let keeper = EntryMeasure::KeyKeeper {
            person_id: "yamada".into(),
        };
        let codes = |measure: &EntryMeasure, level: usize, who: Option<&PersonDefined>| {
            let set = EntryMeasureSet {
                room_id: rooms[3 - level].id.clone(),
                measure: measure.clone(),
                in_force: true,
                from: day(1),
                reason: "理由".into(),
            };
            check_measure(&set, Some(&rooms[3 - level]), who, day(1))
                .map_or_else(|r| r.0.into_iter().map(|r| r.code).collect(), |()| vec![])
        };
        use RefusalCode as C;
        let per_visit = EntryMeasure::PerVisitPermit;
        let escorted = EntryMeasure::VisitorsEscorted;
        let rows: Vec<(&EntryMeasure, usize, Option<&PersonDefined>, Vec<C>)> = vec![
            (&per_visit, 3, None, vec![]),
            (&per_visit, 2, None, vec![C::VisitPermitOnlyForLevel3]),
            (&per_visit, 1, None, vec![C::VisitPermitOnlyForLevel3]),
            (&escorted, 3, None, vec![]),
            (&escorted, 1, None, vec![]),
            (&keeper, 3, Some(&staff), vec![]),
            (&keeper, 2, Some(&staff), vec![]),
            (&keeper, 1, Some(&staff), vec![C::KeyNotForThisLevel]),
            (&keeper, 2, Some(&visitor), vec![C::KeyKeeperNotStaff]),
            (&keeper, 2, None, vec![C::UnknownPerson]),
        ];
        for (measure, level, who, want) in rows {
            assert_eq!(
                codes(measure, level, who),
                want,
                "{measure:?} at level {level}"
            );
        }
        let unexplained = EntryMeasureSet {
            room_id: rooms[0].id.clone(),
            measure: per_visit,
            in_force: true,
            from: day(1),
            reason: " ".into(),
        };
        let refused = check_measure(&unexplained, Some(&rooms[0]), None, day(1)).unwrap_err();
        assert!(refused.0[0].message_ja().contains("措置の理由"));
        // Recorded on the 2nd, in force from the 1st: refused, naming 第18条第2項.
        let backdated = EntryMeasureSet {
            reason: "理由".into(),
            ..unexplained
        };
        let refused = check_measure(&backdated, Some(&rooms[0]), None, day(2)).unwrap_err();
        assert_eq!(refused.0[0].code, RefusalCode::MeasureBackdated);
        assert!(refused.0[0].message_ja().ends_with("（第18条第2項）"));
    }
}
