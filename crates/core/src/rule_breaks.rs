//! Rule breaks found after the fact (例外): records kept although, with everything now known,
//! they broke a rule when they were made.
//!
//! A branch offline for days can lend a key to someone whose permission head office revoked
//! meanwhile. Each device checked the rules against what it knew, so both records are
//! honest; the loan is evidence and stays. Once the two meet, the break is raised for the
//! room's entry manager (第18条) and the general manager (第3条). The check reads only the
//! registers folded from all events and the record's own time, so every device and the
//! endpoint find the same breaks once they hold the same events.

use crate::admission::{self, DoorFacts};
use crate::article::Article;
use crate::entry_log::{EntryRecord, EntryRecorded, ExitRecorded, STAY_LIMIT_HOURS};
use crate::entry_measures::RoomMeasure;
use crate::event::{Event, EventId, EventKind};
use crate::key_log::KeyLoan;
use crate::lang::{self, Lang};
use crate::organisation::Role;
use crate::registers::Registers;
use crate::room::{Room, SecurityLevel};
use crate::room_permit::{entry_manager_role, Permit};
use crate::sort::sort_by_key;
use crate::tr;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What rule a kept record broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum BreakKind {
    /// A key lent to someone not permitted into its room at that moment (第18条第4項).
    KeyLentUnpermitted,
    /// An entry of someone not permitted into the room at that moment (第17条第2項).
    EntryUnpermitted,
    /// An entry into a level-3 or level-2 room by someone who did not hold its key at that
    /// moment (第17条第2項): the key was returned, or lent to someone else, elsewhere.
    EntryWithoutKey,
    /// A key lent while another loan of it was out (two tablets offline each lent it; one
    /// holder at a time, 第18条第3項・第19条第2項): named by the later loan.
    KeyLentTwice,
    /// An entry recorded without the name tag confirmed (第17条第2項): every tablet refuses
    /// one, so it came from a device that did not (an old or altered app).
    EntryWithoutNameTag,
    /// A second return of one loan (two tablets offline each recorded one): the earliest
    /// closes the loan, the other is named here (第19条第2項).
    KeyReturnedTwice,
    /// An entry of someone the logbook shows inside another room (or this one, recorded on
    /// another tablet) at that moment (第19条第1項): one person, one room at a time. Named by
    /// the later of the two entries; an entry confirmed over the door's warning is one too.
    EntryWhileInside,
    /// An exit recorded as earlier than its entry (第19条第1項): every tablet refuses one.
    ExitBeforeEntry,
}

impl BreakKind {
    pub fn code(self) -> &'static str {
        match self {
            BreakKind::KeyLentUnpermitted => "key_lent_unpermitted",
            BreakKind::EntryUnpermitted => "entry_unpermitted",
            BreakKind::EntryWithoutKey => "entry_without_key",
            BreakKind::KeyLentTwice => "key_lent_twice",
            BreakKind::KeyReturnedTwice => "key_returned_twice",
            BreakKind::EntryWithoutNameTag => "entry_without_name_tag",
            BreakKind::EntryWhileInside => "entry_while_inside",
            BreakKind::ExitBeforeEntry => "exit_before_entry",
        }
    }

    pub fn article(self) -> Article {
        match self {
            BreakKind::KeyLentUnpermitted => Article::KEY_LENDING,
            BreakKind::EntryUnpermitted | BreakKind::EntryWithoutKey => Article::ENTRY_RULES,
            BreakKind::KeyLentTwice => Article::KEYS,
            BreakKind::KeyReturnedTwice => Article::KEY_LOGBOOK,
            BreakKind::EntryWithoutNameTag => Article::ENTRY_RULES,
            BreakKind::EntryWhileInside | BreakKind::ExitBeforeEntry => Article::ENTRY_LOGBOOK,
        }
    }
}

/// One rule break, named by the record that broke the rule (one break per record).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RuleBreak {
    /// The loan's or the entry's event.
    pub record: EventId,
    pub kind: BreakKind,
    pub room_id: String,
    pub person_id: String,
    #[serde(with = "chrono::serde::ts_milliseconds")]
    #[cfg_attr(feature = "schema", schemars(with = "i64"))]
    pub at: DateTime<Utc>,
    /// Who must look at it: the room's entry manager, then the general manager.
    pub addressed_to: Vec<Role>,
}

impl RuleBreak {
    fn new(
        kind: BreakKind,
        record: &EventId,
        room: &Room,
        person: &str,
        at: DateTime<Utc>,
    ) -> Self {
        RuleBreak {
            record: record.clone(),
            kind,
            room_id: room.id.clone(),
            person_id: person.to_string(),
            at,
            addressed_to: vec![entry_manager_role(room.level), Role::GeneralManager],
        }
    }

    /// What happened, for the clerk and the managers: who, which room, and the article, in
    /// the reader's language (`lang`).
    pub fn message(&self, person_name: &str, room_name: &str) -> String {
        let what = match self.kind {
            BreakKind::KeyLentUnpermitted => tr!("入室許可のない人に鍵が貸し出されていました"),
            BreakKind::EntryUnpermitted => tr!("入室許可のない人の入室が記録されていました"),
            BreakKind::EntryWithoutKey => tr!("鍵の貸出しを受けていない人の入室が記録されていました"),
            BreakKind::KeyLentTwice => tr!("同じ鍵が同じ時に2人に貸し出されていました（解決を記録するまで、どちらもこの鍵では入室できません）"),
            BreakKind::KeyReturnedTwice => tr!("同じ貸出しの返却が2回記録されていました（先の返却を正としています）"),
            BreakKind::EntryWithoutNameTag => tr!("名札の着用を確認せずに入室が記録されていました"),
            BreakKind::EntryWhileInside => tr!("別の部屋（または別の端末）で入室中と記録されている人の入室が記録されていました（退室の記録漏れを確かめてください）"),
            BreakKind::ExitBeforeEntry => tr!("入室より前の時刻で退室が記録されていました"),
        };
        let (person, room, article) = (person_name, room_name, self.kind.article());
        // One line: the catalogue's test reads a key on the line of its `tr!(`.
        let said = tr!(
            "%{what}（%{person}・%{room}）。記録はそのまま残しています。%{article}",
            what = what,
            person = person,
            room = room,
            article = article
        );
        said.into_owned()
    }

    /// The same in Japanese, whatever the reader's language.
    pub fn message_ja(&self, person_name: &str, room_name: &str) -> String {
        lang::with(Lang::Ja, || self.message(person_name, room_name))
    }
}

/// The room's entry manager records how a rule break was dealt with (第18条第1項: the entry
/// manager answers for the room's entry control; the report of 第20条 states it). The break
/// itself stays as raised; a further step names the handling before it (`follows`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct BreakHandled {
    /// The record that broke the rule (the break's `record`).
    #[cfg_attr(feature = "schema", schemars(with = "String"))]
    pub record: EventId,
    pub room_id: String,
    /// What was found and done.
    pub how: String,
    /// The latest handling of this break, for a further step (none for the first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schemars(with = "Option<String>"))]
    pub follows: Option<EventId>,
    pub handled_on: chrono::NaiveDate,
}

/// A handling as the register keeps it: the event that recorded it, and who did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Handling {
    pub id: EventId,
    pub by: String,
    pub handled: BreakHandled,
}

/// A handling names a record of the room that may break a rule (`record_room`, the room the
/// registers give the record), says what was done, and is the first or follows the latest.
/// Whether the record was raised as a break is the device's register of breaks: the page
/// offers the form only there.
pub fn check_handling(
    handled: &BreakHandled,
    room: Option<&Room>,
    record_room: Option<&str>,
    latest: Option<&Handling>,
) -> Result<(), crate::refusal::Refusals> {
    use crate::refusal::{Field, Refusal, RefusalCode, Refusals};
    let article = Some(Article::ENTRY_MANAGER);
    let mut refusals = Refusals::default();
    if room.is_none() {
        refusals.push(Refusal::new(RefusalCode::UnknownRoom, Field::Room, article));
    } else if record_room != Some(handled.room_id.as_str()) {
        refusals.push(Refusal::new(
            RefusalCode::NotARuleBreak,
            Field::Entry,
            article,
        ));
    }
    if handled.how.trim().is_empty() {
        let code = RefusalCode::Missing {
            what: tr!("処置の内容").into(),
        };
        refusals.push(Refusal::new(code, Field::Purpose, article));
    }
    if handled.follows.as_ref() != latest.map(|h| &h.id) {
        let code = match latest {
            Some(_) => RefusalCode::BreakAlreadyHandled,
            None => RefusalCode::UnknownRecord {
                what: tr!("先の処置").into(),
            },
        };
        refusals.push(Refusal::new(code, Field::Entry, article));
    }
    refusals.into_result()
}

/// "令和8年12月6日 佐藤 花子：…" for each handling, in order; "未処置" for none (in the
/// reader's language).
pub fn handled_text(handlings: &[&Handling], name_of: impl Fn(&str) -> String) -> String {
    if handlings.is_empty() {
        return tr!("未処置").into_owned();
    }
    let step = |h: &&Handling| {
        let on = crate::wareki::day_text(h.handled.handled_on);
        let (name, how) = (name_of(&h.by), &h.handled.how);
        tr!("%{on} %{name}：%{how}", on = on, name = name, how = how).into_owned()
    };
    handlings
        .iter()
        .map(step)
        .collect::<Vec<_>>()
        .join(&tr!(" ／ "))
}

/// The break `loan` makes, if its person was not permitted into its key's room when lent.
/// A room not (yet) known here cannot be judged, and level 1 rooms have no keys to lend.
pub fn loan_break(
    loan: &KeyLoan,
    room: Option<&Room>,
    permits: &[Permit],
    measures: &[RoomMeasure],
) -> Option<RuleBreak> {
    let room = room.filter(|r| r.level != SecurityLevel::One)?;
    let at = loan.lent_at;
    let permitted =
        admission::prior_permission(permits, measures, &loan.person_id, room, at).is_ok();
    let kind = BreakKind::KeyLentUnpermitted;
    (!permitted).then(|| RuleBreak::new(kind, &loan.id, room, &loan.person_id, loan.lent_at))
}

/// The break the entry `id` makes, if the door's own rules, judged with everything now known
/// (`facts` as at the entry's moment), refuse it: the permission first, then the key. An
/// entry whose room or person is not (yet) known here cannot be judged.
pub fn entry_break(id: &EventId, entry: &EntryRecorded, facts: &DoorFacts) -> Option<RuleBreak> {
    let (room, person) = (facts.room.as_ref()?, facts.person.as_ref()?);
    let kind = if admission::permission(entry, person, room, facts).is_err() {
        BreakKind::EntryUnpermitted
    } else if admission::key_held(entry, person, room, facts).is_err() {
        BreakKind::EntryWithoutKey
    } else if !entry.name_tag_worn {
        BreakKind::EntryWithoutNameTag
    } else {
        return None;
    };
    Some(RuleBreak::new(
        kind,
        id,
        room,
        &entry.person_id,
        entry.entered_at,
    ))
}

/// Can an event of this kind reveal a rule break (a loan, an entry, a revocation that makes
/// earlier-recorded loans and entries unpermitted, a return that leaves later entries
/// without the key, an exit before its entry)?
pub fn may_break_rules(kind: &EventKind) -> bool {
    matches!(
        kind,
        EventKind::KeyLent(_)
            | EventKind::EntryRecorded(_)
            | EventKind::ExitRecorded(_)
            | EventKind::PermitRevoked(_)
            | EventKind::KeyReturned(_)
    )
}

/// The stays of one person overlapping `own`'s, each a break of the later of the two (by the
/// moment entered, then by id): one person, one room at a time.
fn stay_conflicts<'a>(
    own: &'a EntryRecord,
    lines: &'a [EntryRecord],
    room_of: impl Fn(&str) -> Option<&'a Room> + 'a,
) -> impl Iterator<Item = RuleBreak> + 'a {
    let order = |l: &EntryRecord| (l.entered_at, l.id.clone());
    lines
        .iter()
        .filter(|other| own.overlaps(other))
        .filter_map(move |other| {
            let later = if order(other) > order(own) {
                other
            } else {
                own
            };
            let room = room_of(&later.room_id)?;
            let kind = BreakKind::EntryWhileInside;
            Some(RuleBreak::new(
                kind,
                &later.id,
                room,
                &later.person_id,
                later.entered_at,
            ))
        })
}

/// The break the exit `id` makes if it is earlier than the entry it closes (its `line`).
fn exit_break(
    id: &EventId,
    exit: &ExitRecorded,
    line: &EntryRecord,
    room: Option<&Room>,
) -> Option<RuleBreak> {
    let room = room.filter(|_| exit.exited_at < line.entered_at)?;
    let kind = BreakKind::ExitBeforeEntry;
    Some(RuleBreak::new(
        kind,
        id,
        room,
        &line.person_id,
        exit.exited_at,
    ))
}

impl Registers {
    /// The breaks among `events` (loans, entries, exits; others break nothing), judged
    /// against these registers and the logbook's `lines` the caller read for them (`lines_for`
    /// says which), once per record: what the pull and the endpoint raise.
    pub fn breaks_among<'a>(
        &self,
        events: impl IntoIterator<Item = &'a Event>,
        lines: &[EntryRecord],
    ) -> Vec<RuleBreak> {
        let permits: Vec<Permit> = self.permits().cloned().collect();
        let mut breaks: Vec<RuleBreak> = events
            .into_iter()
            .flat_map(|e| self.breaks_of(e, &permits, lines))
            .collect();
        one_per_record(&mut breaks);
        breaks
    }

    /// The breaks a loan, entry or exit event reveals: the lending rule, the door's rules, a
    /// loan of the same key or a stay of the same person at once (named by the later, which
    /// may be another record), an exit before its entry.
    fn breaks_of(
        &self,
        event: &Event,
        permits: &[Permit],
        lines: &[EntryRecord],
    ) -> Vec<RuleBreak> {
        let mut breaks: Vec<RuleBreak> = self.break_of(event, permits, lines).into_iter().collect();
        let room_of = |id: &str| self.room(id);
        match &event.kind {
            EventKind::KeyLent(lent) => {
                breaks.extend(self.loan_conflicts(&KeyLoan::opened(event.id(), lent)));
            }
            EventKind::KeyReturned(ret) => breaks.extend(self.second_returns(&ret.loan)),
            EventKind::EntryRecorded(entry) => {
                let own = lines.iter().find(|l| l.id == event.id()).cloned();
                let own = own.unwrap_or_else(|| EntryRecord::opened(event.id(), entry, ""));
                breaks.extend(stay_conflicts(&own, lines, room_of).collect::<Vec<_>>());
                breaks.extend(self.later_entries_on_its_key(entry, lines));
            }
            EventKind::ExitRecorded(exit) => {
                let line = lines.iter().find(|l| l.id == exit.entry);
                let room = line.and_then(|l| self.room(&l.room_id));
                breaks.extend(line.and_then(|l| exit_break(&event.id(), exit, l, room)));
            }
            _ => {}
        }
        breaks
    }

    /// The returns of `loan` other than the one that closed it, each a break.
    fn second_returns(&self, loan: &EventId) -> Vec<RuleBreak> {
        let Some(loan) = self.loan(loan) else {
            return Vec::new();
        };
        let Some(room) = self.key(&loan.key_id).and_then(|k| self.room(&k.room_id)) else {
            return Vec::new();
        };
        self.returns_of(&loan.id)
            .filter(|(version, _)| loan.closed_by.as_ref() != Some(*version))
            .map(|(version, ret)| {
                let kind = BreakKind::KeyReturnedTwice;
                let record = version.event();
                RuleBreak::new(kind, &record, room, &loan.person_id, ret.returned_at)
            })
            .collect()
    }

    /// Each pair of `loan` and another loan of its key out at once, as a break of the later
    /// of the two (by the moment lent, then by id).
    fn loan_conflicts(&self, loan: &KeyLoan) -> Vec<RuleBreak> {
        let Some(room) = self.key(&loan.key_id).and_then(|k| self.room(&k.room_id)) else {
            return Vec::new();
        };
        let order = |l: &KeyLoan| (l.lent_at, l.id.clone());
        self.loans()
            .filter(|other| other.key_id == loan.key_id && other.id != loan.id)
            .filter(|other| overlap(loan, other))
            .map(|other| {
                if order(other) > order(loan) {
                    other
                } else {
                    loan
                }
            })
            .map(|later| {
                let kind = BreakKind::KeyLentTwice;
                RuleBreak::new(kind, &later.id, room, &later.person_id, later.lent_at)
            })
            .collect()
    }

    /// A level-3 key serves one entry (第17条第2項「その都度」): an entry that arrives after a
    /// later entry of the same person into the same room may have used that later entry's
    /// key first, so each later line among `lines` is judged again.
    fn later_entries_on_its_key<'a>(
        &'a self,
        entry: &'a EntryRecorded,
        lines: &'a [EntryRecord],
    ) -> impl Iterator<Item = RuleBreak> + 'a {
        let level_3 = self
            .room(&entry.room_id)
            .is_some_and(|r| r.level == SecurityLevel::Three);
        lines
            .iter()
            .filter(move |l| {
                level_3
                    && l.room_id == entry.room_id
                    && l.person_id == entry.person_id
                    && l.entered_at > entry.entered_at
            })
            .filter_map(move |l| {
                let later = l.recorded();
                entry_break(&l.id, &later, &self.door_facts_then(&later, lines))
            })
    }

    /// The break a loan or entry event makes: the lending rule and the door's rules, the
    /// entry judged beside the logbook's `lines`.
    fn break_of(
        &self,
        event: &Event,
        permits: &[Permit],
        lines: &[EntryRecord],
    ) -> Option<RuleBreak> {
        match &event.kind {
            EventKind::KeyLent(lent) => {
                let room = self.room(&self.key(&lent.key_id)?.room_id);
                let measures = room.map_or_else(Vec::new, |r| self.measures_of(&r.id));
                loan_break(&KeyLoan::opened(event.id(), lent), room, permits, &measures)
            }
            EventKind::EntryRecorded(entry) => {
                entry_break(&event.id(), entry, &self.door_facts_then(entry, lines))
            }
            _ => None,
        }
    }

    /// Every rule break in these registers: each loan and entry checked against the permits
    /// as now known, at its own time. The whole scan; devices check only what a sync touched.
    pub fn rule_breaks(&self) -> Vec<RuleBreak> {
        let permits: Vec<Permit> = self.permits().cloned().collect();
        let loans = self.loans().flat_map(|l| {
            let room = self.key(&l.key_id).and_then(|k| self.room(&k.room_id));
            let measures = room.map_or_else(Vec::new, |r| self.measures_of(&r.id));
            let unpermitted = loan_break(l, room, &permits, &measures);
            let twice = self.loan_conflicts(l).into_iter();
            unpermitted
                .into_iter()
                .chain(twice)
                .chain(self.second_returns(&l.id))
        });
        let lines = self.lines();
        let entries = self
            .entry_events()
            .filter_map(|(id, entry)| entry_break(id, entry, &self.door_facts_then(entry, &lines)));
        let stays = lines
            .iter()
            .flat_map(|own| stay_conflicts(own, &lines, |id| self.room(id)));
        let exits = self.events().filter_map(|e| match &e.kind {
            EventKind::ExitRecorded(exit) => {
                let line = lines.iter().find(|l| l.id == exit.entry)?;
                exit_break(&e.id(), exit, line, self.room(&line.room_id))
            }
            _ => None,
        });
        let mut breaks: Vec<RuleBreak> = loans.chain(entries).chain(stays).chain(exits).collect();
        one_per_record(&mut breaks);
        breaks
    }
}

/// Which lines of the logbook `breaks_among` needs for `events` (`Registers::lines_for`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LinesNeeded {
    /// (person, from, to): lines of `person` entered in `[from, to]` (ms since the epoch),
    /// one span a person.
    pub stays: Vec<(String, i64, i64)>,
    /// Entries the exits close.
    pub closed: Vec<EventId>,
}

impl Registers {
    /// Which lines of the logbook `breaks_among` needs for `events`: for each entry, its
    /// person's lines entered within `STAY_LIMIT_HOURS` of it either way (all a stay can
    /// overlap), wider for a level-3 room (`span_of`); for each exit, the line it closes.
    /// The store and the endpoint read these through their indexes.
    pub fn lines_for<'a>(&self, events: impl IntoIterator<Item = &'a Event>) -> LinesNeeded {
        let mut spans: std::collections::BTreeMap<&str, (i64, i64)> = Default::default();
        let mut needed = LinesNeeded::default();
        for event in events {
            match &event.kind {
                EventKind::EntryRecorded(e) if !e.person_id.is_empty() => {
                    let (from, to) = self.span_of(e);
                    let span = spans.entry(&e.person_id).or_insert((from, to));
                    *span = (span.0.min(from), span.1.max(to));
                }
                EventKind::ExitRecorded(x) => needed.closed.push(x.entry.clone()),
                _ => {}
            }
        }
        needed.stays = spans
            .into_iter()
            .map(|(person, (from, to))| (person.to_string(), from, to))
            .collect();
        needed
    }

    /// The moments within which `entry`'s person's lines are read: a stay's limit either way,
    /// and into a level-3 room also back to the lending of each of its keys out then and on
    /// to its return (to the end of time while it is out). A level-3 key serves one entry
    /// however long it stays out (第17条第2項), so the entries before and after this one on the
    /// same loan are read, as the door reads the previous entry at any distance.
    fn span_of(&self, entry: &EntryRecorded) -> (i64, i64) {
        let at = entry.entered_at.timestamp_millis();
        let limit = STAY_LIMIT_HOURS * 3_600_000;
        let level_3 = self
            .room(&entry.room_id)
            .is_some_and(|r| r.level == SecurityLevel::Three);
        let loans = if level_3 {
            self.loans_out_then(entry)
        } else {
            Vec::new()
        };
        loans
            .iter()
            .fold((at - limit, at + limit), |(from, to), loan| {
                let back = loan.returned_at.map_or(i64::MAX, |r| r.timestamp_millis());
                (from.min(loan.lent_at.timestamp_millis()), to.max(back))
            })
    }
}

/// Were the two loans out at once (each lent before the other came back)? A loan found not
/// real was never out.
fn overlap(a: &KeyLoan, b: &KeyLoan) -> bool {
    let back = |l: &KeyLoan| l.returned_at.unwrap_or(DateTime::<Utc>::MAX_UTC);
    !a.voided && !b.voided && a.lent_at < back(b) && b.lent_at < back(a)
}

/// One break per record, whatever order they were found in: by record, and for a record that
/// broke two rules the first kind in `BreakKind`'s order (an unpermitted loan before a loan of
/// a key out twice).
fn one_per_record(breaks: &mut Vec<RuleBreak>) {
    sort_by_key(breaks, |b| (b.record.to_string(), b.kind as u8));
    breaks.dedup_by(|a, b| a.record == b.record);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entry_log::EntryRecorded;
    use crate::event::{DeviceId, Event, EventKind, GENESIS_HASH};
    use crate::key_log::{KeyDefined, KeyLent};
    use crate::room::RoomDefined;
    use crate::room_permit::{PermissionGranted, PermitRevoked};
    use crate::Hlc;
    use chrono::{NaiveDate, TimeZone};

    const DAY_MS: i64 = 86_400_000;

    fn at(day: i64) -> DateTime<Utc> {
        Utc.timestamp_millis_opt(1_767_225_600_000 + day * DAY_MS)
            .unwrap()
    }

    /// One device's chain of events, made one after another.
    struct Device {
        id: DeviceId,
        events: Vec<Event>,
    }

    impl Device {
        fn new(id: &str) -> Self {
            Device {
                id: DeviceId(id.into()),
                events: Vec::new(),
            }
        }

        fn record(&mut self, wall: DateTime<Utc>, kind: EventKind) -> EventId {
            let prev = self.events.last();
            let prev_hash = prev.map_or(GENESIS_HASH.to_string(), |e| e.hash.clone());
            let seq = self.events.len() as u64 + 1;
            let hlc = Hlc {
                wall_ms: wall.timestamp_millis(),
                counter: seq as u32,
            };
            let event = Event::seal(self.id.clone(), seq, hlc, "op".into(), kind, &prev_hash);
            self.events.push(event.clone());
            event.id()
        }
    }

    fn room(id: &str, level: SecurityLevel) -> EventKind {
        EventKind::RoomDefined(RoomDefined {
            id: id.into(),
            name: id.into(),
            place: "庁舎".into(),
            level,
            is_default: false,
        })
    }

    fn permission(person: &str, room: &str) -> EventKind {
        EventKind::PermissionGranted(PermissionGranted {
            person_id: person.into(),
            room_id: room.into(),
            from: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            to: None,
            granted_by: "manager".into(),
        })
    }

    fn revoke(permit: &EventId, from: DateTime<Utc>) -> EventKind {
        EventKind::PermitRevoked(PermitRevoked {
            permit: permit.clone(),
            at: from,
            reason: "異動".into(),
            revoked_by: "manager".into(),
        })
    }

    fn lend(person: &str, when: DateTime<Utc>) -> EventKind {
        EventKind::KeyLent(KeyLent {
            key_id: "k1".into(),
            person_id: person.into(),
            purpose: "保守".into(),
            lent_at: when,
            due_back: when + chrono::Duration::hours(2),
            lent_by: "clerk".into(),
        })
    }

    /// A person in the register (the door lets nobody else in).
    fn person(id: &str, kind: crate::people::PersonKind) -> EventKind {
        EventKind::PersonDefined(crate::people::PersonDefined {
            id: id.into(),
            name: id.into(),
            affiliation: "総務課".into(),
            kind,
        })
    }

    fn enter(person: &str, room: &str, when: DateTime<Utc>) -> EventKind {
        let entry = EntryRecorded::new(room, "名前", "所属", "点検", true, when);
        EventKind::EntryRecorded(entry.of(person))
    }

    /// Head office and a branch share a level-2 room with its key and one permission; then
    /// head office revokes it on day 3 while the branch, offline, lends the key on day 4.
    fn offline_story() -> (Device, Device, EventId) {
        let mut head = Device::new("head");
        head.record(at(0), room("r2", SecurityLevel::Two));
        head.record(
            at(0),
            EventKind::KeyDefined(KeyDefined {
                id: "k1".into(),
                room_id: "r2".into(),
                label: "鍵1".into(),
            }),
        );
        let permit = head.record(at(0), permission("yamada", "r2"));
        let mut branch = Device::new("branch");
        // The branch synced the setup before going offline: it lends on day 1 (allowed), and
        // takes the key back on day 2.
        let first = branch.record(at(1), lend("yamada", at(1)));
        let back = crate::key_log::KeyReturned {
            loan: first,
            returned_at: at(2),
            received_by: "clerk".into(),
        };
        branch.record(at(2), EventKind::KeyReturned(back));
        head.record(at(3), revoke(&permit, at(3)));
        let late = branch.record(at(4), lend("yamada", at(4)));
        (head, branch, late)
    }

    #[test]
    fn a_loan_made_offline_after_a_revocation_elsewhere_is_one_break() {
        let (head, branch, late) = offline_story();
        let all = head.events.iter().chain(&branch.events);
        let breaks = Registers::fold(all).rule_breaks();
        assert_eq!(breaks.len(), 1, "{breaks:?}");
        assert_eq!(breaks[0].record, late);
        assert_eq!(breaks[0].kind, BreakKind::KeyLentUnpermitted);
        assert_eq!(
            breaks[0].addressed_to,
            vec![Role::EntryManagerSecureRooms, Role::GeneralManager]
        );
        assert!(breaks[0]
            .message_ja("山田", "電算室")
            .contains("第18条第4項"));
    }

    #[test]
    fn every_order_of_arrival_finds_the_same_breaks() {
        let (head, branch, _) = offline_story();
        let forward: Vec<&Event> = head.events.iter().chain(&branch.events).collect();
        let backward: Vec<&Event> = forward.iter().rev().copied().collect();
        let a = Registers::fold(forward).rule_breaks();
        let b = Registers::fold(backward).rule_breaks();
        assert_eq!(a, b);
    }

    #[test]
    fn without_the_revocation_nothing_is_raised() {
        let (head, branch, _) = offline_story();
        let no_revocation = head.events[..3].iter().chain(&branch.events);
        assert!(Registers::fold(no_revocation).rule_breaks().is_empty());
    }

    #[test]
    fn an_entry_after_the_revocation_is_a_break_and_one_before_is_not() {
        let mut head = Device::new("head");
        head.record(at(0), room("r1", SecurityLevel::One));
        head.record(at(0), person("sato", crate::people::PersonKind::Staff));
        let permit = head.record(at(0), permission("sato", "r1"));
        head.record(at(2), revoke(&permit, at(2)));
        let mut branch = Device::new("branch");
        branch.record(at(1), enter("sato", "r1", at(1)));
        let late = branch.record(at(3), enter("sato", "r1", at(3)));
        let breaks = Registers::fold(head.events.iter().chain(&branch.events)).rule_breaks();
        assert_eq!(breaks.len(), 1);
        assert_eq!(breaks[0].record, late);
        assert_eq!(breaks[0].kind, BreakKind::EntryUnpermitted);
        assert_eq!(breaks[0].addressed_to[0], Role::EntryManagerCounters);
    }

    /// The text has no escort exception (第17条第2項): a visitor escorted by permitted staff
    /// but not permitted is a break; permitted for the day, none.
    #[test]
    fn a_visitor_at_a_counter_needs_permission_escorted_or_not() {
        let mut head = Device::new("head");
        head.record(at(0), room("r1", SecurityLevel::One));
        head.record(at(0), person("sato", crate::people::PersonKind::Staff));
        head.record(at(0), person("guest", crate::people::PersonKind::Visitor));
        head.record(at(0), permission("sato", "r1"));
        let entry = enter("guest", "r1", at(1));
        let EventKind::EntryRecorded(e) = entry else {
            unreachable!()
        };
        let escorted = EventKind::EntryRecorded(e.clone().escorted_by(Some("sato")));
        let line = head.record(at(1), escorted);
        let breaks = Registers::fold(&head.events).rule_breaks();
        assert_eq!(breaks.len(), 1);
        assert_eq!(breaks[0].record, line);
        assert_eq!(breaks[0].kind, BreakKind::EntryUnpermitted);
        let mut permitted = Device::new("head");
        permitted.events = head.events[..4].to_vec();
        permitted.record(at(0), permission("guest", "r1"));
        permitted.record(at(1), EventKind::EntryRecorded(e.escorted_by(Some("sato"))));
        assert!(Registers::fold(&permitted.events).rule_breaks().is_empty());
    }

    #[test]
    fn a_room_not_known_yet_is_not_judged() {
        let mut branch = Device::new("branch");
        branch.record(at(1), enter("sato", "elsewhere", at(1)));
        assert!(Registers::fold(&branch.events).rule_breaks().is_empty());
    }

    /// The story of issue 16: the branch knew yamada held the server room's key; head office
    /// took it back on day 2. The branch's entry on day 3, offline, was without the key: a
    /// break once the two meet; the entry of day 1, with the key, is none. In every order.
    #[test]
    fn an_entry_after_the_key_went_back_elsewhere_is_a_break() {
        use crate::key_log::KeyReturned;
        let mut head = server_room(&["yamada"]);
        let loan = head.record(at(0), lend("yamada", at(0)));
        let mut branch = Device::new("branch");
        branch.events = head.events.clone();
        branch.id = DeviceId("branch".into());
        let with_key = branch.record(at(1), enter("yamada", "r2", at(1)));
        let returned = KeyReturned {
            loan,
            returned_at: at(2),
            received_by: "manager".into(),
        };
        head.record(at(2), EventKind::KeyReturned(returned));
        let without = branch.record(at(3), enter("yamada", "r2", at(3)));
        let all: Vec<&Event> = head.events.iter().chain(&branch.events[5..]).collect();
        let breaks = Registers::fold(all.iter().copied()).rule_breaks();
        assert_eq!(breaks.len(), 1, "{breaks:?}");
        assert_eq!(breaks[0].record, without);
        assert_eq!(breaks[0].kind, BreakKind::EntryWithoutKey);
        assert_eq!(breaks[0].kind.article(), Article::ENTRY_RULES);
        assert_eq!(breaks[0].addressed_to[0], Role::EntryManagerSecureRooms);
        assert!(breaks.iter().all(|b| b.record != with_key));
        // What the endpoint and a pull raise: the same, whichever arrives last.
        let mut reversed = all.clone();
        reversed.reverse();
        assert_eq!(
            Registers::fold(reversed.iter().copied()).rule_breaks(),
            breaks
        );
        let folded = Registers::fold(all.iter().copied());
        let among = folded.breaks_among(all.iter().copied(), &folded.lines());
        assert_eq!(among, breaks);
    }

    /// A level-3 key serves one entry (第17条第2項「その都度」): lent once, it let yamada into
    /// r3 at head office, and a tablet offline let him in again on the same loan. The second
    /// entry is the break, in the whole scan and at the endpoint or a pull, whichever of the
    /// two entries arrives last.
    #[test]
    fn a_level_3_key_used_for_two_entries_is_a_break_of_the_second_in_any_order() {
        let mut head = room_with_key("r3", SecurityLevel::Three, &["yamada"]);
        let lent_at = at(1);
        let loan = head.record(lent_at, lend("yamada", lent_at));
        let minutes = |m: i64| lent_at + chrono::Duration::minutes(m);
        let first = head.record(minutes(10), enter("yamada", "r3", minutes(10)));
        let out = crate::entry_log::ExitRecorded {
            entry: first.clone(),
            exited_at: minutes(15),
        };
        head.record(minutes(15), EventKind::ExitRecorded(out));
        let mut branch = Device::new("branch");
        let second = branch.record(minutes(60), enter("yamada", "r3", minutes(60)));
        let registers = Registers::fold(head.events.iter().chain(&branch.events));

        let breaks = registers.rule_breaks();
        assert_eq!(breaks.len(), 1, "{breaks:?}");
        assert_eq!(breaks[0].record, second);
        assert_eq!(breaks[0].kind, BreakKind::EntryWithoutKey);
        assert_eq!(breaks[0].kind.article(), Article::ENTRY_RULES);
        // What arrives last is the only candidate; the other is already among the lines.
        let lines = registers.lines();
        for last in [&head.events[5], &branch.events[0]] {
            let among = registers.breaks_among([last], &lines);
            assert_eq!(among, breaks, "arriving last: {}", last.id());
        }
        assert!(breaks.iter().all(|b| b.record != first));
        // Returned and lent again after the first entry, the key serves the second.
        let back = crate::key_log::KeyReturned {
            loan,
            returned_at: minutes(20),
            received_by: "manager".into(),
        };
        head.record(minutes(20), EventKind::KeyReturned(back));
        head.record(minutes(30), lend("yamada", minutes(30)));
        let relent = Registers::fold(head.events.iter().chain(&branch.events));
        assert!(
            relent.rule_breaks().is_empty(),
            "{:?}",
            relent.rule_breaks()
        );
    }

    /// A level-3 key out for days still serves one entry: lent on day 1 and never returned, it
    /// let yamada in at head office, and a tablet offline let him in again on it an hour or
    /// two days later. The pull and the endpoint read only the lines `lines_for` asks for,
    /// and still find the second entry whichever arrives last, as the door would have.
    #[test]
    fn a_level_3_key_out_for_days_is_a_break_of_its_second_entry_as_the_lines_read_show() {
        for later in [chrono::Duration::hours(1), chrono::Duration::days(2)] {
            let mut head = room_with_key("r3", SecurityLevel::Three, &["yamada"]);
            let lent_at = at(1);
            head.record(lent_at, lend("yamada", lent_at));
            let first_at = lent_at + chrono::Duration::minutes(10);
            let first = head.record(first_at, enter("yamada", "r3", first_at));
            let out = crate::entry_log::ExitRecorded {
                entry: first.clone(),
                exited_at: first_at + chrono::Duration::minutes(5),
            };
            head.record(out.exited_at, EventKind::ExitRecorded(out));
            let mut branch = Device::new("branch");
            let second_at = first_at + later;
            let second = branch.record(second_at, enter("yamada", "r3", second_at));
            let registers = Registers::fold(head.events.iter().chain(&branch.events));
            let breaks = registers.rule_breaks();
            assert_eq!(breaks.len(), 1, "{later}: {breaks:?}");
            assert_eq!(breaks[0].record, second);
            for last in [&head.events[5], &branch.events[0]] {
                let lines = read_as_asked(&registers, last);
                let among = registers.breaks_among([last], &lines);
                assert_eq!(among, breaks, "{later}, arriving last: {}", last.id());
            }
        }
    }

    /// The logbook's lines a store reads for `event` as `lines_for` asks: each person's lines
    /// entered within their span, and the lines the exits close.
    fn read_as_asked(registers: &Registers, event: &Event) -> Vec<EntryRecord> {
        let needed = registers.lines_for([event]);
        let asked = |l: &EntryRecord| {
            let at = l.entered_at.timestamp_millis();
            let in_span = |(p, from, to): &(String, i64, i64)| {
                *p == l.person_id && (*from..=*to).contains(&at)
            };
            needed.stays.iter().any(in_span) || needed.closed.contains(&l.id)
        };
        registers.lines().into_iter().filter(asked).collect()
    }

    /// Head office's events: the level-2 room r2, each of `staff` registered and permitted
    /// into it, and its key k1.
    fn server_room(staff: &[&str]) -> Device {
        room_with_key("r2", SecurityLevel::Two, staff)
    }

    /// Head office's events: the room `id` of `level`, each of `staff` registered and
    /// permitted into it, and its key k1.
    fn room_with_key(id: &str, level: SecurityLevel, staff: &[&str]) -> Device {
        let mut head = Device::new("head");
        head.record(at(0), room(id, level));
        for who in staff {
            head.record(at(0), person(who, crate::people::PersonKind::Staff));
            head.record(at(0), permission(who, id));
        }
        head.record(at(0), key("k1", id));
        head
    }

    fn key(id: &str, room: &str) -> EventKind {
        EventKind::KeyDefined(KeyDefined {
            id: id.into(),
            room_id: room.into(),
            label: id.into(),
        })
    }

    /// Two tablets offline each lend the server room's key, to yamada and to sato: one break,
    /// named by the later loan, in every order; and the door lets neither in with it.
    #[test]
    fn one_key_lent_twice_offline_is_one_break_and_admits_neither() {
        let head = server_room(&["yamada", "sato"]);
        let mut a = Device::new("a");
        let mut b = Device::new("b");
        a.record(at(1), lend("yamada", at(1)));
        let later = b.record(
            at(1) + chrono::Duration::minutes(3),
            lend("sato", at(1) + chrono::Duration::minutes(3)),
        );
        let forward: Vec<&Event> = head
            .events
            .iter()
            .chain(&a.events)
            .chain(&b.events)
            .collect();
        let backward: Vec<&Event> = forward.iter().rev().copied().collect();
        let breaks = Registers::fold(forward.iter().copied()).rule_breaks();
        assert_eq!(breaks.len(), 1, "{breaks:?}");
        assert_eq!(breaks[0].record, later);
        assert_eq!(breaks[0].kind, BreakKind::KeyLentTwice);
        assert_eq!(breaks[0].kind.article(), Article::KEYS);
        assert_eq!(
            breaks[0].addressed_to,
            vec![Role::EntryManagerSecureRooms, Role::GeneralManager]
        );
        assert_eq!(
            Registers::fold(backward.iter().copied()).rule_breaks(),
            breaks
        );
        // A device that held only the earlier loan raises it when the later one arrives, and
        // one that held the later raises it when the earlier arrives: the same break.
        let registers = Registers::fold(forward.iter().copied());
        assert_eq!(
            registers.breaks_among(&a.events, &registers.lines()),
            breaks
        );
        assert_eq!(
            registers.breaks_among(&b.events, &registers.lines()),
            breaks
        );
        // The door: neither holder is let in with the key in conflict.
        for (who, minutes) in [("yamada", 10), ("sato", 11)] {
            let EventKind::EntryRecorded(entry) =
                enter(who, "r2", at(1) + chrono::Duration::minutes(minutes))
            else {
                unreachable!()
            };
            let facts = registers.door_facts(&entry);
            let refused = admission::judge(&entry, &facts, at(2)).unwrap_err();
            assert_eq!(
                refused.0[0].code,
                crate::RefusalCode::KeyInConflict,
                "{who}"
            );
            assert!(refused.0[0].message_ja().ends_with("（第18条第3項）"));
        }

        // The entry manager records that sato's loan was not real: yamada's key admits him,
        // sato holds none, and the conflict is gone — in whatever order the void arrives.
        let real = a.events[0].id();
        let void = crate::key_log::KeyLoanVoided {
            loan: later.clone(),
            real_loan: Some(real),
            note: "出張所の貸出しは記入の誤り。鍵は本庁で山田さんに貸し出した".into(),
        };
        let check = registers.check(&EventKind::KeyLoanVoided(void.clone()), at(2));
        assert_eq!(check, Ok(()));
        let mut manager = Device::new("manager");
        manager.record(at(2), EventKind::KeyLoanVoided(void));
        let with_void: Vec<&Event> = forward.iter().copied().chain(&manager.events).collect();
        let void_first: Vec<&Event> = with_void.iter().rev().copied().collect();
        let resolved = Registers::fold(with_void.iter().copied());
        assert_eq!(resolved.records(), Registers::fold(void_first).records());
        assert!(
            resolved.rule_breaks().is_empty(),
            "the voided loan never counted as out"
        );
        let voided = resolved.loan(&later).unwrap();
        assert!(voided.voided && !voided.is_out());
        let admitted = |who: &str| {
            let kind = enter(who, "r2", at(1) + chrono::Duration::minutes(20));
            let EventKind::EntryRecorded(entry) = kind else {
                unreachable!()
            };
            let facts = resolved.door_facts(&entry);
            admission::judge(&entry, &facts, at(2)).map_err(|r| r.0[0].code.clone())
        };
        assert_eq!(admitted("yamada"), Ok(()));
        let no_key = crate::RefusalCode::KeyNotHeld { level: 2 };
        assert_eq!(admitted("sato"), Err(no_key));
        // Once resolved there is nothing left to void.
        let again = crate::key_log::KeyLoanVoided {
            loan: a.events[0].id(),
            real_loan: None,
            note: "再度".into(),
        };
        let kind = EventKind::KeyLoanVoided(again);
        let refused = resolved.check(&kind, at(2)).unwrap_err();
        assert!(refused.0[0].message_ja().contains("競合していない"));
    }

    /// Issue 13's story, raised: two tablets offline each record the return of one loan. The
    /// earlier closes it; the later is a break, on every device whatever arrives last.
    #[test]
    fn a_loan_returned_on_two_tablets_is_one_break_named_by_the_later_return() {
        use crate::key_log::KeyReturned;
        let mut head = server_room(&["yamada"]);
        let loan = head.record(at(1), lend("yamada", at(1)));
        let give_back = |minutes: i64| {
            EventKind::KeyReturned(KeyReturned {
                loan: loan.clone(),
                returned_at: at(1) + chrono::Duration::minutes(minutes),
                received_by: "clerk".into(),
            })
        };
        let mut a = Device::new("a");
        let mut b = Device::new("b");
        a.record(at(1) + chrono::Duration::minutes(38), give_back(38));
        let later = b.record(at(1) + chrono::Duration::minutes(39), give_back(39));
        let forward: Vec<&Event> = head
            .events
            .iter()
            .chain(&a.events)
            .chain(&b.events)
            .collect();
        let registers = Registers::fold(forward.iter().copied());
        let breaks = registers.rule_breaks();
        assert_eq!(breaks.len(), 1, "{breaks:?}");
        assert_eq!(breaks[0].record, later);
        assert_eq!(breaks[0].kind, BreakKind::KeyReturnedTwice);
        assert_eq!(breaks[0].kind.article(), Article::KEY_LOGBOOK);
        // Either return arriving last raises the same break.
        assert_eq!(
            registers.breaks_among(&a.events, &registers.lines()),
            breaks
        );
        assert_eq!(
            registers.breaks_among(&b.events, &registers.lines()),
            breaks
        );
        let backward: Vec<&Event> = forward.iter().rev().copied().collect();
        assert_eq!(
            Registers::fold(backward.iter().copied()).rule_breaks(),
            breaks
        );
    }

    /// An entry that arrives without its name tag confirmed (no tablet records one) is kept
    /// and raised, naming 第17条第2項.
    #[test]
    fn an_entry_arriving_without_the_name_tag_is_a_break() {
        let mut head = Device::new("head");
        head.record(at(0), room("r1", SecurityLevel::One));
        head.record(at(0), person("sato", crate::people::PersonKind::Staff));
        head.record(at(0), permission("sato", "r1"));
        let mut old_app = Device::new("old-app");
        let entry = EntryRecorded::new("r1", "佐藤", "総務課", "窓口", false, at(1)).of("sato");
        let line = old_app.record(at(1), EventKind::EntryRecorded(entry));
        old_app.record(at(1), enter("sato", "r1", at(2)));
        let all: Vec<&Event> = head.events.iter().chain(&old_app.events).collect();
        let breaks = Registers::fold(all.iter().copied()).rule_breaks();
        assert_eq!(breaks.len(), 1, "{breaks:?}");
        assert_eq!(breaks[0].record, line);
        assert_eq!(breaks[0].kind, BreakKind::EntryWithoutNameTag);
        assert!(breaks[0].message_ja("佐藤", "窓口").contains("第17条第2項"));
    }

    fn minutes(day: i64, minutes: i64) -> DateTime<Utc> {
        at(day) + chrono::Duration::minutes(minutes)
    }

    /// Head office's rooms r1 and r2 (level 1), sato permitted into both.
    fn two_counters() -> Device {
        let mut head = Device::new("head");
        head.record(at(0), room("r1", SecurityLevel::One));
        head.record(at(0), room("r2", SecurityLevel::One));
        head.record(at(0), person("sato", crate::people::PersonKind::Staff));
        head.record(at(0), permission("sato", "r1"));
        head.record(at(0), permission("sato", "r2"));
        head
    }

    /// One person, one room at a time (第19条第1項): sato enters r1 on one tablet at 10:00,
    /// and r2 on another; each case is (minute of the exit from r1, if any; minute of the
    /// entry into r2; is it a break?). A line without exit counts for a day at most.
    #[test]
    fn a_person_inside_two_rooms_at_once_is_a_break_of_the_later_entry() {
        let day = 24 * 60;
        let cases: [(Option<i64>, i64, bool); 6] = [
            (None, 630, true),           // r1 still open: inside two rooms
            (Some(620), 630, false),     // left r1 first
            (Some(640), 630, true),      // left r1 after entering r2
            (Some(630), 630, false),     // left r1 the minute r2 was entered
            (None, 600 + day - 1, true), // the open line of r1 still counts …
            (None, 600 + day, false),    // … for a day, not longer
        ];
        for (exit, second, is_break) in cases {
            let mut first = Device::new("first");
            let line = first.record(minutes(1, 600), enter("sato", "r1", minutes(1, 600)));
            if let Some(exit) = exit {
                let left = ExitRecorded {
                    entry: line.clone(),
                    exited_at: minutes(1, exit),
                };
                first.record(minutes(1, exit), EventKind::ExitRecorded(left));
            }
            let mut other = Device::new("other");
            let later = other.record(minutes(1, second), enter("sato", "r2", minutes(1, second)));
            let head = two_counters();
            let all: Vec<&Event> = head
                .events
                .iter()
                .chain(&first.events)
                .chain(&other.events)
                .collect();
            let breaks = Registers::fold(all.iter().copied()).rule_breaks();
            let case = format!("exit {exit:?}, second entry at {second}");
            if !is_break {
                assert!(breaks.is_empty(), "{case}: {breaks:?}");
                continue;
            }
            assert_eq!(breaks.len(), 1, "{case}: {breaks:?}");
            assert_eq!(
                (&breaks[0].record, breaks[0].kind),
                (&later, BreakKind::EntryWhileInside)
            );
            assert_eq!(breaks[0].room_id, "r2");
            assert!(
                breaks[0]
                    .message_ja("佐藤", "窓口2")
                    .contains("第19条第1項"),
                "{case}"
            );
            // The same break in the other order of arrival, and from either tablet's side.
            let backward: Vec<&Event> = all.iter().rev().copied().collect();
            assert_eq!(Registers::fold(backward).rule_breaks(), breaks, "{case}");
            let registers = Registers::fold(all.iter().copied());
            for side in [&first.events, &other.events] {
                let among = registers.breaks_among(side, &registers.lines());
                assert_eq!(among, breaks, "{case}");
            }
        }
    }

    /// The entry manager records how a break was dealt with (第18条第1項): of a record of the
    /// room, in words, once; a further step names the latest. The break stays raised.
    #[test]
    fn a_break_is_handled_once_in_words_and_further_steps_follow_the_latest() {
        let mut head = two_counters();
        head.record(minutes(1, 600), enter("sato", "r1", minutes(1, 600)));
        let later = head.record(minutes(1, 630), enter("sato", "r2", minutes(1, 630)));
        let exit = ExitRecorded {
            entry: later.clone(),
            exited_at: minutes(1, 700),
        };
        let exit_id = head.record(minutes(1, 700), EventKind::ExitRecorded(exit));
        let registers = Registers::fold(head.events.iter());
        assert_eq!(registers.rule_breaks().len(), 1);
        let day = NaiveDate::from_ymd_opt(2026, 1, 3).unwrap();
        let handled = |record: &EventId, room: &str, how: &str, follows: Option<EventId>| {
            EventKind::BreakHandled(BreakHandled {
                record: record.clone(),
                room_id: room.into(),
                how: how.into(),
                follows,
                handled_on: day,
            })
        };
        use crate::refusal::RefusalCode as C;
        let how = "r1の退室の記録漏れ。本人に確認し、記録の仕方を指導";
        let cases = [
            (handled(&later, "r2", how, None), None),
            (handled(&exit_id, "r2", how, None), None),
            (handled(&later, "r1", how, None), Some(C::NotARuleBreak)),
            (handled(&later, "r9", how, None), Some(C::UnknownRoom)),
            (
                handled(&later, "r2", " ", None),
                Some(C::Missing {
                    what: "処置の内容".into(),
                }),
            ),
        ];
        for (kind, refused) in cases {
            let verdict = registers.check(&kind, minutes(2, 0));
            assert_eq!(
                verdict.err().map(|r| r.0[0].code.clone()),
                refused,
                "{kind:?}"
            );
        }
        let first = head.record(minutes(2, 0), handled(&later, "r2", how, None));
        let registers = Registers::fold(head.events.iter());
        let again = handled(&later, "r2", "再度", None);
        let refusal = registers.check(&again, minutes(2, 1)).unwrap_err();
        assert_eq!(refusal.0[0].code, C::BreakAlreadyHandled);
        assert!(refusal.0[0].message_ja().contains("第18条第1項"));
        let further = handled(&later, "r2", "翌月の点検で再発なし", Some(first.clone()));
        registers.check(&further, minutes(2, 1)).unwrap();
        head.record(minutes(2, 1), further);
        let registers = Registers::fold(head.events.iter());
        let steps = registers.office().handlings_of(&later);
        assert_eq!(steps.len(), 2);
        let said = handled_text(&steps, |id| format!("<{id}>"));
        assert_eq!(
            said,
            format!("令和8年1月3日 <op>：{how} ／ 令和8年1月3日 <op>：翌月の点検で再発なし")
        );
        assert_eq!(handled_text(&[], |id| id.to_string()), "未処置");
        assert_eq!(
            registers.rule_breaks().len(),
            1,
            "the break itself stays raised"
        );
    }

    /// Two tablets at one door each record sato entering: one stay recorded twice is a break
    /// too (every tablet refuses it knowing the other).
    #[test]
    fn one_person_entering_one_room_on_two_tablets_at_once_is_a_break() {
        let mut a = Device::new("a");
        a.record(minutes(1, 600), enter("sato", "r1", minutes(1, 600)));
        let mut b = Device::new("b");
        let later = b.record(minutes(1, 601), enter("sato", "r1", minutes(1, 601)));
        let head = two_counters();
        let all = head.events.iter().chain(&a.events).chain(&b.events);
        let breaks = Registers::fold(all).rule_breaks();
        assert_eq!(breaks.len(), 1, "{breaks:?}");
        assert_eq!(
            (&breaks[0].record, breaks[0].kind),
            (&later, BreakKind::EntryWhileInside)
        );
    }

    /// The door warns of a line still open in another room; the operator may record over it,
    /// naming that line, and the entry is raised for the entry manager all the same.
    #[test]
    fn the_door_warns_of_another_room_and_records_the_entry_when_confirmed() {
        let mut head = two_counters();
        let open = head.record(minutes(1, 600), enter("sato", "r1", minutes(1, 600)));
        let registers = Registers::fold(&head.events);
        let EventKind::EntryRecorded(entry) = enter("sato", "r2", minutes(1, 630)) else {
            unreachable!()
        };
        let now = minutes(1, 631);
        let refused = registers.check(&EventKind::EntryRecorded(entry.clone()), now);
        let refusals = refused.expect_err("the door warns");
        assert_eq!(refusals.0.len(), 1, "{refusals:?}");
        let warning = &refusals.0[0];
        assert_eq!(warning.article, Some(Article::ENTRY_LOGBOOK));
        assert!(matches!(&warning.code,
            crate::refusal::RefusalCode::InsideAnotherRoom { entry, room, .. }
                if *entry == open.to_string() && room == "r1"));
        assert!(
            warning.message_ja().contains("r1に入室中"),
            "{}",
            warning.message_ja()
        );
        // Confirmed over some other line, it still warns; over this one, it is recorded.
        let wrong = entry.clone().confirming_inside(Some(later_id()));
        assert!(registers
            .check(&EventKind::EntryRecorded(wrong), now)
            .is_err());
        let confirmed = EventKind::EntryRecorded(entry.confirming_inside(Some(open)));
        registers
            .check(&confirmed, now)
            .expect("recorded when confirmed");
        let line = head.record(minutes(1, 630), confirmed);
        let breaks = Registers::fold(&head.events).rule_breaks();
        assert_eq!(breaks.len(), 1, "{breaks:?}");
        assert_eq!(
            (&breaks[0].record, breaks[0].kind),
            (&line, BreakKind::EntryWhileInside)
        );
    }

    fn later_id() -> EventId {
        EventId {
            device: DeviceId("other".into()),
            seq: 9,
        }
    }

    /// An exit earlier than its entry (no tablet records one) is kept and raised.
    #[test]
    fn an_exit_arriving_before_its_entry_is_a_break() {
        let mut head = two_counters();
        let line = head.record(minutes(1, 600), enter("sato", "r1", minutes(1, 600)));
        let mut altered = Device::new("altered");
        let early = ExitRecorded {
            entry: line,
            exited_at: minutes(1, 590),
        };
        let exit = altered.record(minutes(1, 610), EventKind::ExitRecorded(early));
        let all: Vec<&Event> = head.events.iter().chain(&altered.events).collect();
        let registers = Registers::fold(all.iter().copied());
        let breaks = registers.rule_breaks();
        assert_eq!(breaks.len(), 1, "{breaks:?}");
        assert_eq!(
            (&breaks[0].record, breaks[0].kind),
            (&exit, BreakKind::ExitBeforeEntry)
        );
        assert!(breaks[0].message_ja("佐藤", "窓口").contains("第19条第1項"));
        assert_eq!(
            registers.breaks_among(&altered.events, &registers.lines()),
            breaks
        );
        // The lines the re-check reads for it: the line the exit closes.
        assert_eq!(
            registers.lines_for(&altered.events).closed,
            vec![breaks[0].record.clone()]
                .into_iter()
                .map(|_| head.events[5].id())
                .collect::<Vec<_>>()
        );
    }

    /// What the re-check reads for entries: each person's lines within a day either way of
    /// their entries, one span a person.
    #[test]
    fn the_lines_an_entry_needs_span_a_day_either_way_one_span_a_person() {
        let mut d = Device::new("d");
        d.record(minutes(1, 600), enter("sato", "r1", minutes(1, 600)));
        d.record(minutes(1, 700), enter("sato", "r2", minutes(1, 700)));
        d.record(minutes(1, 650), enter("ito", "r2", minutes(1, 650)));
        let day = 86_400_000;
        let ms = |m: i64| minutes(1, m).timestamp_millis();
        assert_eq!(
            Registers::default().lines_for(&d.events).stays,
            vec![
                ("ito".to_string(), ms(650) - day, ms(650) + day),
                ("sato".to_string(), ms(600) - day, ms(700) + day),
            ]
        );
    }
}
