//! The entry/exit logbook (入退室管理簿, 第19条第1項): who entered which room, when, why,
//! wearing a name tag (第17条第2項), and when they left.

use crate::article::Article;
use crate::event::{Event, EventId, EventKind};
use crate::refusal::{Field, Refusal, RefusalCode, Refusals};
use crate::room::Room;
use crate::wareki;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// How far ahead of the device's clock a time may be: a clock a little fast, not a guess.
pub const FUTURE_TOLERANCE_MINUTES: i64 = 5;

/// The person entering: 氏名 and 所属 (a visitor's company or organisation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Person {
    pub name: String,
    pub affiliation: String,
}

fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Somebody entered a room.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct EntryRecorded {
    pub room_id: String,
    /// The person in the people register; `person` keeps their name and 所属 as written then.
    #[serde(default)]
    pub person_id: String,
    pub person: Person,
    /// The permitted staff member accompanying a visitor (level 1, 第17条第2項).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub escort_id: Option<String>,
    pub purpose: String,
    /// 名札: confirmed worn at the door (第17条第2項).
    pub name_tag_worn: bool,
    #[serde(with = "chrono::serde::ts_milliseconds")]
    #[cfg_attr(feature = "schema", schemars(with = "i64"))]
    pub entered_at: DateTime<Utc>,
    /// The line of another room the logbook still shows the person inside, which the operator
    /// was warned of at the door and recorded the entry over (an exit not recorded there).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schemars(with = "Option<String>"))]
    pub inside_elsewhere: Option<EventId>,
}

impl EntryRecorded {
    /// An entry from what was typed, with surrounding spaces removed.
    pub fn new(
        room_id: &str,
        name: &str,
        affiliation: &str,
        purpose: &str,
        name_tag_worn: bool,
        entered_at: DateTime<Utc>,
    ) -> Self {
        EntryRecorded {
            room_id: room_id.trim().to_string(),
            person_id: String::new(),
            escort_id: None,
            person: Person {
                name: squash(name),
                affiliation: squash(affiliation),
            },
            purpose: purpose.trim().to_string(),
            name_tag_worn,
            entered_at,
            inside_elsewhere: None,
        }
    }
}

impl EntryRecorded {
    /// The entry of the registered person `person_id`.
    pub fn of(mut self, person_id: &str) -> Self {
        self.person_id = person_id.to_string();
        self
    }

    /// The entry recorded over the warning that the logbook shows the person inside the line
    /// `elsewhere` of another room.
    pub fn confirming_inside(mut self, elsewhere: Option<EventId>) -> Self {
        self.inside_elsewhere = elsewhere;
        self
    }

    /// The entry of a visitor accompanied by `escort_id`.
    pub fn escorted_by(mut self, escort_id: Option<&str>) -> Self {
        self.escort_id = escort_id.filter(|e| !e.is_empty()).map(str::to_string);
        self
    }
}

/// How long a line without its exit keeps its person inside, for the rule of one room at a
/// time: an exit forgotten yesterday is a line without exit for the entry manager's report,
/// not a reason to flag every later entry of the person (docs/decisions.md).
pub const STAY_LIMIT_HOURS: i64 = 24;

/// Somebody left: closes the entry it names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ExitRecorded {
    pub entry: EventId,
    #[serde(with = "chrono::serde::ts_milliseconds")]
    #[cfg_attr(feature = "schema", schemars(with = "i64"))]
    pub exited_at: DateTime<Utc>,
}

/// When the person of `entry` last entered its room before it, among `lines` (a level-3 key
/// is lent for one entry: 第17条第2項「その都度」). The door and the sync-time re-check both
/// ask this, of the lines each has read.
pub fn previous_entry_at(lines: &[EntryRecord], entry: &EntryRecorded) -> Option<DateTime<Utc>> {
    lines
        .iter()
        .filter(|l| l.room_id == entry.room_id && l.person_id == entry.person_id)
        .map(|l| l.entered_at)
        .filter(|at| *at < entry.entered_at)
        .max()
}

/// One line of the logbook: an entry and, once recorded, its exit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct EntryRecord {
    /// The event that recorded the entry.
    pub id: EventId,
    pub room_id: String,
    #[serde(default)]
    pub person_id: String,
    pub name: String,
    pub affiliation: String,
    pub purpose: String,
    pub name_tag_worn: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub escort_id: Option<String>,
    #[serde(with = "chrono::serde::ts_milliseconds")]
    #[cfg_attr(feature = "schema", schemars(with = "i64"))]
    pub entered_at: DateTime<Utc>,
    pub entered_by: String,
    #[serde(default, with = "chrono::serde::ts_milliseconds_option")]
    #[cfg_attr(feature = "schema", schemars(with = "Option<i64>"))]
    pub exited_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub exited_by: Option<String>,
    #[serde(default)]
    pub exit_event: Option<EventId>,
}

impl EntryRecord {
    pub fn opened(id: EventId, entry: &EntryRecorded, operator: &str) -> Self {
        EntryRecord {
            id,
            room_id: entry.room_id.clone(),
            person_id: entry.person_id.clone(),
            name: entry.person.name.clone(),
            affiliation: entry.person.affiliation.clone(),
            purpose: entry.purpose.clone(),
            name_tag_worn: entry.name_tag_worn,
            escort_id: entry.escort_id.clone(),
            entered_at: entry.entered_at,
            entered_by: operator.to_string(),
            exited_at: None,
            exited_by: None,
            exit_event: None,
        }
    }

    pub fn closed(&self, exit_event: EventId, exit: &ExitRecorded, operator: &str) -> Self {
        EntryRecord {
            exited_at: Some(exit.exited_at),
            exited_by: Some(operator.to_string()),
            exit_event: Some(exit_event),
            ..self.clone()
        }
    }

    /// The line of the entry event `entry`, closed by the earliest of `exits` that names it
    /// (by clock: two devices that each recorded the person leaving show the same exit, in
    /// whatever order the exits arrived). `None` if `entry` records no entry.
    pub fn of_events<'a>(
        entry: &Event,
        exits: impl IntoIterator<Item = &'a Event>,
    ) -> Option<Self> {
        let EventKind::EntryRecorded(recorded) = &entry.kind else {
            return None;
        };
        let line = EntryRecord::opened(entry.id(), recorded, &entry.operator);
        let first_exit = exits
            .into_iter()
            .filter_map(|e| match &e.kind {
                EventKind::ExitRecorded(exit) if exit.entry == line.id => Some((e, exit)),
                _ => None,
            })
            .min_by(|(a, _), (b, _)| a.fold_key().cmp(&b.fold_key()));
        Some(match first_exit {
            Some((event, exit)) => line.closed(event.id(), exit, &event.operator),
            None => line,
        })
    }

    /// The entry this line records, to judge it again by the door's rules.
    pub fn recorded(&self) -> EntryRecorded {
        EntryRecorded {
            room_id: self.room_id.clone(),
            person_id: self.person_id.clone(),
            person: Person {
                name: self.name.clone(),
                affiliation: self.affiliation.clone(),
            },
            escort_id: self.escort_id.clone(),
            purpose: self.purpose.clone(),
            name_tag_worn: self.name_tag_worn,
            entered_at: self.entered_at,
            inside_elsewhere: None,
        }
    }

    pub fn is_inside(&self) -> bool {
        self.exited_at.is_none()
    }

    /// Until when the person counts as inside, for the rule of one room at a time: the exit,
    /// at the latest `STAY_LIMIT_HOURS` after entering.
    pub fn stay_end(&self) -> DateTime<Utc> {
        let limit = self.entered_at + Duration::hours(STAY_LIMIT_HOURS);
        self.exited_at.map_or(limit, |exit| exit.min(limit))
    }

    /// Was the person inside on this line at `at`?
    pub fn was_inside_at(&self, at: DateTime<Utc>) -> bool {
        self.entered_at <= at && at < self.stay_end()
    }

    /// Do the two lines put one registered person inside twice at once (two rooms, or one room
    /// recorded on two tablets)? A line leaving before it entered overlaps nothing.
    pub fn overlaps(&self, other: &EntryRecord) -> bool {
        self.id != other.id
            && !self.person_id.is_empty()
            && self.person_id == other.person_id
            && self.entered_at < other.stay_end()
            && other.entered_at < self.stay_end()
    }

    /// Still inside, and the same person: the same register id, or for entries without one,
    /// the same name and 所属 whatever the spacing typed (full-width included).
    fn is_same_person(&self, entry: &EntryRecorded) -> bool {
        let person = &entry.person;
        let same = if self.person_id.is_empty() || entry.person_id.is_empty() {
            !person.name.is_empty()
                && squash(&self.name) == squash(&person.name)
                && squash(&self.affiliation) == squash(&person.affiliation)
        } else {
            self.person_id == entry.person_id
        };
        self.is_inside() && same
    }
}

/// The rules at the door. `room` is the room the entry names (if it exists), `inside_now`
/// the open entries of that room.
pub fn check_entry(
    entry: &EntryRecorded,
    room: Option<&Room>,
    inside_now: &[EntryRecord],
    now: DateTime<Utc>,
) -> Result<(), Refusals> {
    let mut refusals = Refusals::default();
    let logbook = Some(Article::ENTRY_LOGBOOK);
    if room.is_none() {
        refusals.push(Refusal::new(RefusalCode::UnknownRoom, Field::Room, logbook));
    }
    let person = &entry.person;
    for (value, code, field) in [
        (&person.name, RefusalCode::NameMissing, Field::Name),
        (
            &person.affiliation,
            RefusalCode::AffiliationMissing,
            Field::Affiliation,
        ),
        (&entry.purpose, RefusalCode::PurposeMissing, Field::Purpose),
    ] {
        if value.trim().is_empty() {
            refusals.push(Refusal::new(code, field, logbook));
        }
    }
    if !entry.name_tag_worn {
        refusals.push(Refusal::new(
            RefusalCode::NameTagNotWorn,
            Field::NameTag,
            Some(Article::ENTRY_RULES),
        ));
    }
    check_not_future(entry.entered_at, now, &mut refusals);
    let already_inside = inside_now
        .iter()
        .any(|open| open.room_id == entry.room_id && open.is_same_person(entry));
    if already_inside {
        let code = RefusalCode::AlreadyInside {
            name: person.name.clone(),
        };
        refusals.push(Refusal::new(code, Field::Name, logbook));
    }
    refusals.into_result()
}

/// The rules for an exit: it closes an open entry, no earlier than that entry.
pub fn check_exit(
    exit: &ExitRecorded,
    entry: Option<&EntryRecord>,
    now: DateTime<Utc>,
) -> Result<(), Refusals> {
    let mut refusals = Refusals::default();
    let logbook = Some(Article::ENTRY_LOGBOOK);
    match entry {
        Some(open) if open.is_inside() => {
            if exit.exited_at < open.entered_at {
                let code = RefusalCode::ExitBeforeEntry {
                    entered_at: wareki::datetime_text(open.entered_at),
                };
                refusals.push(Refusal::new(code, Field::Time, logbook));
            }
        }
        _ => refusals.push(Refusal::new(RefusalCode::NotInside, Field::Entry, logbook)),
    }
    check_not_future(exit.exited_at, now, &mut refusals);
    refusals.into_result()
}

/// A time a little ahead is a fast clock; more is a mistake.
pub(crate) fn check_not_future(at: DateTime<Utc>, now: DateTime<Utc>, refusals: &mut Refusals) {
    if at > now + Duration::minutes(FUTURE_TOLERANCE_MINUTES) {
        let code = RefusalCode::TimeInFuture {
            tolerance_minutes: FUTURE_TOLERANCE_MINUTES,
        };
        refusals.push(Refusal::new(code, Field::Time, None));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::DeviceId;
    use crate::room::{default_rooms, Room};
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 26, 1, 0, 0).unwrap()
    }

    fn room() -> Room {
        Room::new(default_rooms()[1].clone(), Default::default())
    }

    fn entry(name: &str, tag: bool, at: DateTime<Utc>) -> EntryRecorded {
        EntryRecorded::new(&room().id, name, "総務課", "サーバ点検", tag, at)
    }

    fn event_id(seq: u64) -> EventId {
        EventId {
            device: DeviceId("d".into()),
            seq,
        }
    }

    fn open(name: &str) -> EntryRecord {
        EntryRecord::opened(event_id(1), &entry(name, true, now()), "op")
    }

    fn exit_of(entry: &EntryRecord, at: DateTime<Utc>) -> ExitRecorded {
        ExitRecorded {
            entry: entry.id.clone(),
            exited_at: at,
        }
    }

    fn codes(result: Result<(), Refusals>) -> Vec<(RefusalCode, Field)> {
        result
            .unwrap_err()
            .0
            .into_iter()
            .map(|r| (r.code, r.field))
            .collect()
    }

    #[test]
    fn a_complete_entry_is_accepted() {
        let e = entry("山田 太郎", true, now());
        assert_eq!(check_entry(&e, Some(&room()), &[], now()), Ok(()));
    }

    #[test]
    fn every_missing_field_is_named_at_once() {
        let e = EntryRecorded::new(&room().id, "  ", "\u{3000}", "", false, now());
        assert_eq!(
            codes(check_entry(&e, Some(&room()), &[], now())),
            vec![
                (RefusalCode::NameMissing, Field::Name),
                (RefusalCode::AffiliationMissing, Field::Affiliation),
                (RefusalCode::PurposeMissing, Field::Purpose),
                (RefusalCode::NameTagNotWorn, Field::NameTag),
            ]
        );
    }

    #[test]
    fn name_tag_refusal_cites_article_17_2() {
        let e = entry("山田 太郎", false, now());
        let refusals = check_entry(&e, Some(&room()), &[], now()).unwrap_err();
        assert_eq!(refusals.0[0].article, Some(Article::ENTRY_RULES));
        assert!(refusals.0[0].message_ja().contains("名札"));
        assert!(refusals.0[0].message_ja().ends_with("（第17条第2項）"));
    }

    #[test]
    fn unknown_room_is_refused() {
        let e = entry("山田 太郎", true, now());
        assert_eq!(
            codes(check_entry(&e, None, &[], now())),
            vec![(RefusalCode::UnknownRoom, Field::Room)]
        );
    }

    #[test]
    fn five_minutes_ahead_is_a_fast_clock_but_more_is_refused() {
        let ok = entry("山田 太郎", true, now() + Duration::minutes(5));
        assert_eq!(check_entry(&ok, Some(&room()), &[], now()), Ok(()));
        let late = entry(
            "山田 太郎",
            true,
            now() + Duration::minutes(5) + Duration::seconds(1),
        );
        assert_eq!(
            codes(check_entry(&late, Some(&room()), &[], now())),
            vec![(
                RefusalCode::TimeInFuture {
                    tolerance_minutes: 5
                },
                Field::Time
            )]
        );
    }

    #[test]
    fn the_same_person_cannot_enter_twice_without_leaving() {
        let again = entry("山田\u{3000}太郎", true, now());
        let refused = codes(check_entry(
            &again,
            Some(&room()),
            &[open("山田 太郎")],
            now(),
        ));
        assert_eq!(refused.len(), 1);
        assert_eq!(refused[0].1, Field::Name);
        let other = entry("佐藤 花子", true, now());
        assert_eq!(
            check_entry(&other, Some(&room()), &[open("山田 太郎")], now()),
            Ok(())
        );
    }

    #[test]
    fn exit_closes_an_open_entry() {
        let inside = open("山田 太郎");
        let exit = exit_of(&inside, now() + Duration::minutes(30));
        let later = now() + Duration::hours(1);
        assert_eq!(check_exit(&exit, Some(&inside), later), Ok(()));
        let exit_id = event_id(2);
        let closed = inside.closed(exit_id, &exit, "op");
        assert!(!closed.is_inside());
        assert_eq!(closed.entered_at, inside.entered_at);
    }

    #[test]
    fn exit_earlier_than_entry_is_refused_with_the_entry_time() {
        let inside = open("山田 太郎");
        let exit = exit_of(&inside, now() - Duration::minutes(1));
        let refusals = check_exit(&exit, Some(&inside), now()).unwrap_err();
        assert_eq!(refusals.0.len(), 1);
        assert_eq!(refusals.0[0].field, Field::Time);
        assert!(refusals.0[0].message_ja().contains("令和8年11月26日 10:00"));
    }

    #[test]
    fn exit_of_someone_not_inside_is_refused() {
        let inside = open("山田 太郎");
        let exit = exit_of(&inside, now());
        let id = event_id(2);
        let gone = inside.closed(id, &exit, "op");
        for entry in [None, Some(&gone)] {
            assert_eq!(
                codes(check_exit(&exit, entry, now())),
                vec![(RefusalCode::NotInside, Field::Entry)]
            );
        }
    }

    #[test]
    fn exit_in_the_future_is_refused() {
        let inside = open("山田 太郎");
        let exit = exit_of(&inside, now() + Duration::minutes(6));
        assert_eq!(
            codes(check_exit(&exit, Some(&inside), now())),
            vec![(
                RefusalCode::TimeInFuture {
                    tolerance_minutes: 5
                },
                Field::Time
            )]
        );
    }

    /// An event of device `device` at `wall_ms` (no chain needed: lines only read their ids).
    fn sealed(device: &str, seq: u64, wall_ms: i64, kind: EventKind) -> Event {
        let hlc = crate::Hlc {
            wall_ms,
            counter: 0,
        };
        let genesis = crate::event::GENESIS_HASH;
        Event::seal(
            DeviceId(device.into()),
            seq,
            hlc,
            "op".into(),
            kind,
            genesis,
        )
    }

    #[test]
    fn a_line_is_closed_by_its_earliest_exit_in_whatever_order_the_exits_come() {
        let entered = sealed(
            "a",
            1,
            1_000,
            EventKind::EntryRecorded(entry("山田 太郎", true, now())),
        );
        let exit_at = |minutes| ExitRecorded {
            entry: entered.id(),
            exited_at: now() + Duration::minutes(minutes),
        };
        let later = sealed("a", 2, 3_000, EventKind::ExitRecorded(exit_at(20)));
        let earlier = sealed("b", 1, 2_000, EventKind::ExitRecorded(exit_at(10)));
        let of_another = ExitRecorded {
            entry: event_id(99),
            exited_at: now(),
        };
        let unrelated = sealed("b", 2, 1_500, EventKind::ExitRecorded(of_another));

        let open = EntryRecord::of_events(&entered, []).unwrap();
        assert!(open.is_inside());
        assert_eq!(open.entered_by, "op");
        for exits in [
            [&later, &earlier, &unrelated],
            [&unrelated, &earlier, &later],
        ] {
            let line = EntryRecord::of_events(&entered, exits).unwrap();
            assert_eq!(line.exit_event, Some(earlier.id()));
            assert_eq!(line.exited_at, Some(now() + Duration::minutes(10)));
        }
        assert_eq!(
            EntryRecord::of_events(&later, []),
            None,
            "an exit is no line"
        );
    }
}
