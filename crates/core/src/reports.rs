//! The entry manager's report to the general manager (第20条: 「入退室管理者から報告を受け」):
//! for each of their rooms and each period (monthly unless the general manager set another
//! cycle, `ReportCycleSet`), figures generated from the registers, reviewed, remarked on and submitted. A submitted report never changes; a later
//! correction is a new version naming the one it replaces. The general manager sees which
//! rooms' reports are in and which are missing for the last period.

use crate::article::Article;
use crate::entry_log::EntryRecord;
use crate::event::EventId;
use crate::key_log::KeyLoan;
use crate::refusal::{Field, Refusal, RefusalCode, Refusals};
use crate::room::Room;
use crate::rule_breaks::RuleBreak;
use crate::tr;
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// 第20条: the general manager hears the entry managers' reports, investigates, instructs.
pub const ARTICLE: Article = Article::new(20);

/// What the registers say of one room over one period, as the report states it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ReportFigures {
    /// Entries recorded in the period, and the people they name.
    pub entries: u32,
    pub people: u32,
    /// Of those, lines with no exit recorded (as of the report).
    pub without_exit: u32,
    /// Entries of visitors (not staff).
    pub visitor_entries: u32,
    /// Loans of the room's keys made in the period; of those, returned after their due time,
    /// and not returned (as of the report).
    pub keys_lent: u32,
    pub returned_late: u32,
    pub not_returned: u32,
    /// The rule breaks (例外) raised on records of the room in the period, in words.
    pub exceptions: Vec<String>,
    /// Lines of the period corrected or voided.
    pub corrections: u32,
    /// The entry manager's measures in force at the period's end, in words (第18条第2項).
    pub measures: Vec<String>,
}

/// The entry manager submits the report of `room_id` for `from`..=`to`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ReportSubmitted {
    pub room_id: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub figures: ReportFigures,
    /// The entry manager's remarks on the period (what happened, what was done).
    pub remarks: String,
    /// The version this one corrects (a report once submitted never changes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "schema", schemars(with = "Option<String>"))]
    pub supersedes: Option<EventId>,
    pub submitted_by: String,
    pub submitted_on: NaiveDate,
}

/// A submitted report as the register keeps it: the event that submitted it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Report {
    pub id: EventId,
    pub submitted: ReportSubmitted,
}

/// The general manager's review of a report (第20条: 「調査し、…指示する」): the findings,
/// and the investigation opened from them, if one is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ReportReviewed {
    #[cfg_attr(feature = "schema", schemars(with = "String"))]
    pub report: EventId,
    pub findings: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub investigation: Option<Investigation>,
    pub reviewed_by: String,
    pub reviewed_on: NaiveDate,
}

/// Who investigates what, until when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Investigation {
    pub investigator: String,
    pub subject: String,
    pub until: NaiveDate,
}

/// The outcome of the investigation a review opened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct InvestigationConcluded {
    /// The review that opened it.
    #[cfg_attr(feature = "schema", schemars(with = "String"))]
    pub review: EventId,
    pub outcome: String,
    pub concluded_by: String,
    pub concluded_on: NaiveDate,
}

/// A review as the register keeps it, with the outcome once recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Review {
    pub id: EventId,
    pub reviewed: ReportReviewed,
    pub concluded: Option<InvestigationConcluded>,
}

impl Review {
    /// An investigation opened and not concluded.
    pub fn is_investigating(&self) -> bool {
        self.reviewed.investigation.is_some() && self.concluded.is_none()
    }
}

/// Where a report stands in the general manager's cycle (第20条).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportState {
    /// Submitted, not yet reviewed.
    Unreviewed,
    /// An investigation is open.
    Investigating,
    /// Instructions issued from it wait for their follow-up or closing.
    Instructed,
    /// Reviewed; every investigation concluded and every instruction from it closed.
    Closed,
}

impl ReportState {
    pub fn name_text(self) -> Cow<'static, str> {
        match self {
            ReportState::Unreviewed => tr!("未確認"),
            ReportState::Investigating => tr!("調査中"),
            ReportState::Instructed => tr!("指示の措置待ち"),
            ReportState::Closed => tr!("完了"),
        }
    }

    /// From the report's reviews and whether the instructions issued from it are all closed.
    pub fn of(reviews: &[&Review], instructions_open: bool) -> ReportState {
        if reviews.is_empty() {
            ReportState::Unreviewed
        } else if reviews.iter().any(|r| r.is_investigating()) {
            ReportState::Investigating
        } else if instructions_open {
            ReportState::Instructed
        } else {
            ReportState::Closed
        }
    }
}

/// A review names a submitted report, says what was found, and an investigation it opens has
/// an investigator, a subject and a day to report by no earlier than the review.
pub fn check_review(review: &ReportReviewed, report: Option<&Report>) -> Result<(), Refusals> {
    let mut refusals = Refusals::default();
    let article = Some(ARTICLE);
    if report.is_none() {
        let code = RefusalCode::UnknownRecord {
            what: tr!("報告").into(),
        };
        refusals.push(Refusal::new(code, Field::Entry, article));
    }
    if review.findings.trim().is_empty() {
        let code = RefusalCode::Missing {
            what: tr!("確認の結果（指摘事項）").into(),
        };
        refusals.push(Refusal::new(code, Field::Purpose, article));
    }
    if let Some(inv) = &review.investigation {
        for (value, what) in [
            (&inv.investigator, tr!("調査する人")),
            (&inv.subject, tr!("調査する事項")),
        ] {
            if value.trim().is_empty() {
                let code = RefusalCode::Missing { what: what.into() };
                refusals.push(Refusal::new(code, Field::Name, article));
            }
        }
        if inv.until < review.reviewed_on {
            refusals.push(Refusal::new(
                RefusalCode::EndsBeforeStart,
                Field::Period,
                article,
            ));
        }
    }
    refusals.into_result()
}

/// An outcome concludes an investigation still open, and says what was found.
pub fn check_conclusion(
    concluded: &InvestigationConcluded,
    review: Option<&Review>,
) -> Result<(), Refusals> {
    let mut refusals = Refusals::default();
    let article = Some(ARTICLE);
    match review {
        Some(r) if r.is_investigating() => {}
        Some(r) => {
            let state = if r.concluded.is_some() {
                tr!("結果の記録済み")
            } else {
                tr!("調査なしの確認")
            };
            let code = RefusalCode::WrongState {
                what: tr!("調査").into(),
                state: state.into(),
            };
            refusals.push(Refusal::new(code, Field::Entry, article));
        }
        None => {
            let code = RefusalCode::UnknownRecord {
                what: tr!("調査").into(),
            };
            refusals.push(Refusal::new(code, Field::Entry, article));
        }
    }
    if concluded.outcome.trim().is_empty() {
        let code = RefusalCode::Missing {
            what: tr!("調査の結果").into(),
        };
        refusals.push(Refusal::new(code, Field::Purpose, article));
    }
    refusals.into_result()
}

/// How often the entry managers report. 第20条 names no period: how often the general
/// manager hears the reports is theirs to set; monthly until they do. Periods are counted from
/// the start of the fiscal year (年度, 1 April), so every cycle's periods meet there.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ReportCycle {
    #[default]
    Monthly,
    Quarterly,
    HalfYearly,
    Yearly,
}

impl ReportCycle {
    pub const ALL: [ReportCycle; 4] = [
        ReportCycle::Monthly,
        ReportCycle::Quarterly,
        ReportCycle::HalfYearly,
        ReportCycle::Yearly,
    ];

    pub fn months(self) -> u32 {
        match self {
            ReportCycle::Monthly => 1,
            ReportCycle::Quarterly => 3,
            ReportCycle::HalfYearly => 6,
            ReportCycle::Yearly => 12,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            ReportCycle::Monthly => "monthly",
            ReportCycle::Quarterly => "quarterly",
            ReportCycle::HalfYearly => "half_yearly",
            ReportCycle::Yearly => "yearly",
        }
    }

    pub fn from_code(code: &str) -> Option<ReportCycle> {
        Self::ALL.into_iter().find(|c| c.code() == code)
    }

    pub fn name_text(self) -> Cow<'static, str> {
        match self {
            ReportCycle::Monthly => tr!("毎月"),
            ReportCycle::Quarterly => tr!("四半期ごと（4〜6月・7〜9月・10〜12月・1〜3月）"),
            ReportCycle::HalfYearly => tr!("半年ごと（4〜9月・10〜3月）"),
            ReportCycle::Yearly => tr!("年度ごと（4〜3月）"),
        }
    }

    /// The period of this cycle `day` falls in, first and last day.
    pub fn period_of(self, day: NaiveDate) -> (NaiveDate, NaiveDate) {
        let n = self.months();
        // Months since 1 April of the fiscal year `day` is in.
        let into_year = (day.month0() + 9) % 12;
        let year = if day.month() >= 4 {
            day.year()
        } else {
            day.year() - 1
        };
        let april = NaiveDate::from_ymd_opt(year, 4, 1).unwrap_or(day);
        let first = april + chrono::Months::new(into_year - into_year % n);
        let next = first + chrono::Months::new(n);
        (first, next.pred_opt().unwrap_or(first))
    }

    /// Does a period of this cycle start on `day`?
    pub fn starts_period(self, day: NaiveDate) -> bool {
        self.period_of(day).0 == day
    }
}

/// The general manager sets how often the entry managers report, from the day `from` on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ReportCycleSet {
    pub cycle: ReportCycle,
    /// The first day of the first period under the new cycle.
    pub from: NaiveDate,
}

/// The cycle in force on `day` among the settings (in the order recorded): the one from the
/// latest day not after `day`, the later-recorded of two from the same day; monthly before any.
pub fn cycle_on(settings: &[ReportCycleSet], day: NaiveDate) -> ReportCycle {
    settings
        .iter()
        .filter(|s| s.from <= day)
        .max_by_key(|s| s.from)
        .map_or_else(ReportCycle::default, |s| s.cycle)
}

/// The report period `day` falls in, under the cycle in force then.
pub fn period_on(settings: &[ReportCycleSet], day: NaiveDate) -> (NaiveDate, NaiveDate) {
    cycle_on(settings, day).period_of(day)
}

/// The period last ended before `today`.
pub fn last_period(settings: &[ReportCycleSet], today: NaiveDate) -> (NaiveDate, NaiveDate) {
    let (first, _) = period_on(settings, today);
    period_on(settings, first.pred_opt().unwrap_or(first))
}

/// A new cycle starts where a period of the cycle in force ends and one of its own begins, so
/// no period is cut in two; and not before the period in force `today`, whose reports (and
/// those before) keep the periods they were submitted for.
pub fn check_cycle(
    set: &ReportCycleSet,
    settings: &[ReportCycleSet],
    today: NaiveDate,
) -> Result<(), Refusals> {
    if set.from < period_on(settings, today).0 {
        let code = RefusalCode::CycleBeforeCurrentPeriod;
        return Err(Refusals(vec![Refusal::new(
            code,
            Field::Period,
            Some(ARTICLE),
        )]));
    }
    let before = cycle_on(settings, set.from);
    for cycle in [before, set.cycle] {
        if !cycle.starts_period(set.from) {
            let code = RefusalCode::NotPeriodStart {
                cycle: cycle.name_text().to_string(),
            };
            return Err(Refusals(vec![Refusal::new(
                code,
                Field::Period,
                Some(ARTICLE),
            )]));
        }
    }
    Ok(())
}

/// What the report reads for one room and period; the caller reads it through its indexes.
pub struct PeriodFacts<'a> {
    /// The room's lines entered in the period.
    pub lines: &'a [EntryRecord],
    /// The loans of the room's keys lent in the period.
    pub loans: &'a [KeyLoan],
    /// The rule breaks of the room whose record falls in the period, each with its message.
    pub breaks: &'a [(RuleBreak, String)],
    /// How many of the lines were corrected or voided.
    pub corrected: u32,
    /// The measures in force at the period's end, in words.
    pub measures: Vec<String>,
    /// Is this person id a visitor (not staff)?
    pub is_visitor: &'a dyn Fn(&str) -> bool,
}

/// The figures of a report, from the facts of its room and period, judged `now` (a line still
/// open, a key not back).
pub fn figures(facts: &PeriodFacts, now: DateTime<Utc>) -> ReportFigures {
    let mut people: Vec<&str> = facts.lines.iter().map(person_of).collect();
    people.sort_unstable();
    people.dedup();
    let real_loans = facts.loans.iter().filter(|l| !l.voided);
    let count = |n: usize| n as u32;
    ReportFigures {
        entries: count(facts.lines.len()),
        people: count(people.len()),
        without_exit: count(facts.lines.iter().filter(|l| l.is_inside()).count()),
        visitor_entries: count(
            facts
                .lines
                .iter()
                .filter(|l| (facts.is_visitor)(&l.person_id))
                .count(),
        ),
        keys_lent: count(real_loans.clone().count()),
        returned_late: count(
            real_loans
                .clone()
                .filter(|l| l.returned_at.is_some_and(|r| r > l.due_back))
                .count(),
        ),
        not_returned: count(
            real_loans
                .filter(|l| l.is_out() && now >= l.lent_at)
                .count(),
        ),
        exceptions: facts.breaks.iter().map(|(_, said)| said.clone()).collect(),
        corrections: facts.corrected,
        measures: facts.measures.clone(),
    }
}

/// A line's person: the register id, or for a line without one its name and 所属.
fn person_of(line: &EntryRecord) -> &str {
    if line.person_id.is_empty() {
        &line.name
    } else {
        &line.person_id
    }
}

/// The rules for submitting a report (the entry manager's authority is checked apart): a
/// room that exists, one whole period of the cycle in force (`cycles`) that has ended, remarks written, and at most one report per
/// room and period — a correction names the version it replaces (`latest`, the newest report
/// of that room and period, if any).
pub fn check_report(
    report: &ReportSubmitted,
    room: Option<&Room>,
    latest: Option<&Report>,
    cycles: &[ReportCycleSet],
) -> Result<(), Refusals> {
    let mut refusals = Refusals::default();
    let article = Some(ARTICLE);
    if room.is_none() {
        refusals.push(Refusal::new(RefusalCode::UnknownRoom, Field::Room, article));
    }
    let period = period_on(cycles, report.from);
    if (report.from, report.to) != period {
        let code = RefusalCode::NotReportPeriod {
            cycle: cycle_on(cycles, report.from).name_text().to_string(),
        };
        refusals.push(Refusal::new(code, Field::Period, article));
    } else if report.to >= report.submitted_on {
        refusals.push(Refusal::new(
            RefusalCode::PeriodNotEnded,
            Field::Time,
            article,
        ));
    }
    if report.remarks.trim().is_empty() {
        let code = RefusalCode::Missing {
            what: tr!("所見").into(),
        };
        refusals.push(Refusal::new(code, Field::Purpose, article));
    }
    let supersedes_latest = report.supersedes.as_ref() == latest.map(|r| &r.id);
    if !supersedes_latest {
        let code = match latest {
            Some(_) => RefusalCode::ReportAlreadySubmitted,
            None => RefusalCode::UnknownRecord {
                what: tr!("訂正する報告").into(),
            },
        };
        refusals.push(Refusal::new(code, Field::Entry, article));
    }
    refusals.into_result()
}

/// The rooms without a report for `from`..=`to` among `reports`, in the order given.
pub fn missing<'a>(
    rooms: &'a [Room],
    reports: &[Report],
    from: NaiveDate,
    to: NaiveDate,
) -> Vec<&'a Room> {
    rooms
        .iter()
        .filter(|room| {
            !reports.iter().any(|r| {
                let s = &r.submitted;
                s.room_id == room.id && s.from == from && s.to == to
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entry_log::EntryRecorded;
    use crate::event::DeviceId;
    use crate::key_log::KeyLent;
    use crate::room::{default_rooms, Room};
    use chrono::TimeZone;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn id(seq: u64) -> EventId {
        EventId {
            device: DeviceId("d".into()),
            seq,
        }
    }

    fn at(d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, d, h, 0, 0).unwrap()
    }

    /// Each cycle's periods, counted from 1 April: the period a day falls in, and the last one
    /// ended before it (monthly with no setting).
    #[test]
    fn each_cycle_counts_its_periods_from_the_fiscal_year() {
        use ReportCycle::*;
        // (cycle, a day, the period it falls in)
        #[rustfmt::skip]
        let cases = [
            (Monthly, day(2026, 12, 6), (day(2026, 12, 1), day(2026, 12, 31))),
            (Monthly, day(2027, 2, 28), (day(2027, 2, 1), day(2027, 2, 28))),
            (Quarterly, day(2026, 12, 6), (day(2026, 10, 1), day(2026, 12, 31))),
            (Quarterly, day(2027, 3, 31), (day(2027, 1, 1), day(2027, 3, 31))),
            (Quarterly, day(2026, 4, 1), (day(2026, 4, 1), day(2026, 6, 30))),
            (HalfYearly, day(2027, 1, 15), (day(2026, 10, 1), day(2027, 3, 31))),
            (HalfYearly, day(2026, 9, 30), (day(2026, 4, 1), day(2026, 9, 30))),
            (Yearly, day(2027, 3, 31), (day(2026, 4, 1), day(2027, 3, 31))),
            (Yearly, day(2026, 4, 1), (day(2026, 4, 1), day(2027, 3, 31))),
        ];
        for (cycle, on, period) in cases {
            assert_eq!(cycle.period_of(on), period, "{cycle:?} on {on}");
            assert!(cycle.starts_period(period.0));
        }
        assert_eq!(
            last_period(&[], day(2026, 12, 6)),
            (day(2026, 11, 1), day(2026, 11, 30))
        );
        assert_eq!(
            last_period(&[], day(2027, 1, 1)),
            (day(2026, 12, 1), day(2026, 12, 31))
        );
        let quarterly = [ReportCycleSet {
            cycle: Quarterly,
            from: day(2026, 10, 1),
        }];
        assert_eq!(
            last_period(&quarterly, day(2026, 12, 6)),
            (day(2026, 9, 1), day(2026, 9, 30)),
            "the month before the quarterly cycle began"
        );
        assert_eq!(
            last_period(&quarterly, day(2027, 1, 6)),
            (day(2026, 10, 1), day(2026, 12, 31))
        );
    }

    /// A new cycle begins where a period of the old one ends and one of its own starts; a
    /// setting recorded later for the same day wins.
    #[test]
    fn a_cycle_changes_only_between_periods_of_both() {
        use ReportCycle::*;
        let set = |cycle, from| ReportCycleSet { cycle, from };
        let quarterly = [set(Quarterly, day(2026, 10, 1))];
        let cases = [
            (&[][..], set(Quarterly, day(2027, 1, 1)), true),
            (&[][..], set(Quarterly, day(2026, 12, 1)), false),
            (&[][..], set(Yearly, day(2026, 10, 1)), false),
            (&quarterly[..], set(Monthly, day(2027, 1, 1)), true),
            (&quarterly[..], set(Monthly, day(2026, 11, 1)), false),
            (&quarterly[..], set(HalfYearly, day(2027, 4, 1)), true),
            (&[][..], set(Quarterly, day(2026, 10, 1)), true),
            (&[][..], set(Quarterly, day(2026, 7, 1)), false),
        ];
        for (settings, new, allowed) in cases {
            let verdict = check_cycle(&new, settings, day(2026, 10, 5));
            assert_eq!(verdict.is_ok(), allowed, "{new:?} after {settings:?}");
            if let Err(refusals) = verdict {
                let said = refusals.0[0].message_ja();
                assert!(said.contains("第20条"), "{said}");
            }
        }
        let twice = [
            set(Quarterly, day(2026, 10, 1)),
            set(Monthly, day(2026, 10, 1)),
        ];
        assert_eq!(cycle_on(&twice, day(2026, 11, 5)), Monthly);
        assert_eq!(cycle_on(&twice, day(2026, 9, 5)), Monthly);
    }

    fn line(
        seq: u64,
        person: &str,
        entered: DateTime<Utc>,
        exited: Option<DateTime<Utc>>,
    ) -> EntryRecord {
        let e = EntryRecorded::new("r", person, "総務課", "点検", true, entered).of(person);
        let mut line = EntryRecord::opened(id(seq), &e, "op");
        line.exited_at = exited;
        line
    }

    fn loan(
        seq: u64,
        lent: DateTime<Utc>,
        due: DateTime<Utc>,
        back: Option<DateTime<Utc>>,
    ) -> KeyLoan {
        let lent = KeyLent {
            key_id: "k".into(),
            person_id: "yamada".into(),
            purpose: "保守".into(),
            lent_at: lent,
            due_back: due,
            lent_by: "op".into(),
        };
        let mut loan = KeyLoan::opened(id(seq), &lent);
        loan.returned_at = back;
        loan
    }

    /// Each figure counts what the registers hold: entries and people, lines still open,
    /// visitors' entries, loans late or out, a voided loan not at all.
    #[test]
    fn the_figures_count_the_registers_of_the_period() {
        let lines = [
            line(1, "yamada", at(2, 1), Some(at(2, 2))),
            line(2, "yamada", at(3, 1), None),
            line(3, "guest", at(4, 1), Some(at(4, 3))),
        ];
        let mut voided = loan(13, at(9, 1), at(9, 2), None);
        voided.voided = true;
        let loans = [
            loan(10, at(2, 0), at(2, 4), Some(at(2, 3))),
            loan(11, at(5, 0), at(5, 4), Some(at(5, 6))),
            loan(12, at(8, 0), at(8, 4), None),
            voided,
        ];
        let is_visitor = |p: &str| p == "guest";
        let facts = PeriodFacts {
            lines: &lines,
            loans: &loans,
            breaks: &[],
            corrected: 1,
            measures: vec!["来訪者の同行".into()],
            is_visitor: &is_visitor,
        };
        let f = figures(&facts, at(30, 0));
        assert_eq!(
            (f.entries, f.people, f.without_exit, f.visitor_entries),
            (3, 2, 1, 1)
        );
        assert_eq!((f.keys_lent, f.returned_late, f.not_returned), (3, 1, 1));
        assert_eq!(f.corrections, 1);
        assert_eq!(f.measures, vec!["来訪者の同行".to_string()]);
    }

    fn report(
        supersedes: Option<EventId>,
        remarks: &str,
        submitted_on: NaiveDate,
    ) -> ReportSubmitted {
        ReportSubmitted {
            room_id: default_rooms()[2].id.clone(),
            from: day(2026, 11, 1),
            to: day(2026, 11, 30),
            figures: ReportFigures::default(),
            remarks: remarks.into(),
            supersedes,
            submitted_by: "soumu".into(),
            submitted_on,
        }
    }

    /// 第20条: one report per room and period, after the period; a correction names the
    /// version it replaces; remarks are written. Each refusal names the article.
    #[test]
    fn a_report_is_submitted_once_per_period_and_corrected_by_a_new_version() {
        let room = Room::new(default_rooms()[2].clone(), Default::default());
        let dec = day(2026, 12, 1);
        check_report(&report(None, "特記事項なし", dec), Some(&room), None, &[]).unwrap();
        let first = Report {
            id: id(1),
            submitted: report(None, "特記事項なし", dec),
        };
        let cases: [(ReportSubmitted, Option<&Report>, Option<RefusalCode>); 7] = [
            (
                report(None, "二度目", dec),
                Some(&first),
                Some(RefusalCode::ReportAlreadySubmitted),
            ),
            (report(Some(id(1)), "訂正", dec), Some(&first), None),
            (
                report(Some(id(9)), "訂正", dec),
                Some(&first),
                Some(RefusalCode::ReportAlreadySubmitted),
            ),
            (
                report(Some(id(1)), "訂正", dec),
                None,
                Some(RefusalCode::UnknownRecord {
                    what: "訂正する報告".into(),
                }),
            ),
            (
                report(None, "早すぎる", day(2026, 11, 30)),
                None,
                Some(RefusalCode::PeriodNotEnded),
            ),
            (
                report(None, " ", dec),
                None,
                Some(RefusalCode::Missing {
                    what: "所見".into(),
                }),
            ),
            (
                ReportSubmitted {
                    to: day(2026, 11, 15),
                    ..report(None, "半月", dec)
                },
                None,
                Some(RefusalCode::NotReportPeriod {
                    cycle: "毎月".into(),
                }),
            ),
        ];
        for (submitted, latest, refused) in cases {
            let verdict = check_report(&submitted, Some(&room), latest, &[]);
            match refused {
                None => verdict.unwrap(),
                Some(code) => {
                    let refusals = verdict.expect_err(&submitted.remarks);
                    assert_eq!(refusals.0.len(), 1, "{refusals:?}");
                    assert_eq!(refusals.0[0].code, code);
                    assert_eq!(refusals.0[0].article, Some(ARTICLE));
                    assert!(
                        refusals.0[0].message_ja().contains("第20条"),
                        "{}",
                        refusals.0[0].message_ja()
                    );
                }
            }
        }
    }

    /// Under a quarterly cycle, a month is not a period; the quarter is, once it has ended.
    #[test]
    fn a_report_covers_one_period_of_the_cycle_in_force() {
        let room = Room::new(default_rooms()[2].clone(), Default::default());
        let quarterly = [ReportCycleSet {
            cycle: ReportCycle::Quarterly,
            from: day(2026, 10, 1),
        }];
        let month = report(None, "十一月", day(2027, 1, 5));
        let refused = check_report(&month, Some(&room), None, &quarterly).unwrap_err();
        assert_eq!(
            refused.0[0].code,
            RefusalCode::NotReportPeriod {
                cycle: ReportCycle::Quarterly.name_text().into()
            }
        );
        let quarter = ReportSubmitted {
            from: day(2026, 10, 1),
            to: day(2026, 12, 31),
            ..month.clone()
        };
        check_report(&quarter, Some(&room), None, &quarterly).unwrap();
        let early = ReportSubmitted {
            submitted_on: day(2026, 12, 31),
            ..quarter
        };
        let refused = check_report(&early, Some(&room), None, &quarterly).unwrap_err();
        assert_eq!(refused.0[0].code, RefusalCode::PeriodNotEnded);
    }

    #[test]
    fn the_rooms_without_a_report_for_the_period_are_missing() {
        let rooms: Vec<Room> = default_rooms()
            .into_iter()
            .map(|r| Room::new(r, Default::default()))
            .collect();
        let (from, to) = (day(2026, 11, 1), day(2026, 11, 30));
        let mut october = report(None, "十月", day(2026, 11, 2));
        october.from = day(2026, 10, 1);
        october.to = day(2026, 10, 31);
        let reports = [
            Report {
                id: id(1),
                submitted: report(None, "済", day(2026, 12, 1)),
            },
            Report {
                id: id(2),
                submitted: october,
            },
        ];
        let missing: Vec<&str> = missing(&rooms, &reports, from, to)
            .iter()
            .map(|r| r.id.as_str())
            .collect();
        assert_eq!(missing, vec![rooms[0].id.as_str(), rooms[1].id.as_str()]);
    }

    /// 第20条's cycle in the office registers: a report, reviewed with an investigation
    /// (調査中), an instruction issued from it (指示の措置待ち once concluded), its follow-up
    /// and closing (完了); each step's own rule refuses what does not fit.
    #[test]
    fn a_report_goes_from_review_and_investigation_to_an_instruction_closed() {
        use crate::event::{Event, EventKind, GENESIS_HASH};
        use crate::instructions::{
            Addressee, Basis, FollowUpReported, InstructionClosed, InstructionIssued,
        };
        use crate::office::Office;
        use crate::Hlc;
        let mut events: Vec<Event> = Vec::new();
        let mut seal = |kind: EventKind| {
            let prev = events
                .last()
                .map_or(GENESIS_HASH.to_string(), |e| e.hash.clone());
            let seq = events.len() as u64 + 1;
            let hlc = Hlc {
                wall_ms: 1_790_000_000_000 + seq as i64,
                counter: 0,
            };
            let e = Event::seal(DeviceId("d".into()), seq, hlc, "op".into(), kind, &prev);
            events.push(e.clone());
            e
        };
        let dec = day(2026, 12, 2);
        let mut office = Office::default();
        let report = seal(EventKind::ReportSubmitted(report(None, "返却遅れ2件", dec)));
        office.apply(&report);
        assert_eq!(office.report_state(&report.id()), ReportState::Unreviewed);

        let investigation = Investigation {
            investigator: "sato".into(),
            subject: "返却遅れの理由".into(),
            until: day(2026, 12, 20),
        };
        let reviewed = ReportReviewed {
            report: report.id(),
            findings: "鍵の返却遅れが続いている".into(),
            investigation: Some(investigation.clone()),
            reviewed_by: "fukuchou".into(),
            reviewed_on: dec,
        };
        check_review(&reviewed, office.reports.get(&report.id())).unwrap();
        let unknown = ReportReviewed {
            report: id(99),
            ..reviewed.clone()
        };
        let refused = check_review(&unknown, None).unwrap_err();
        assert!(refused.0[0].message_ja().contains("第20条"));
        let late = ReportReviewed {
            investigation: Some(Investigation {
                until: day(2026, 12, 1),
                ..investigation
            }),
            ..reviewed.clone()
        };
        assert!(check_review(&late, office.reports.get(&report.id())).is_err());
        let review = seal(EventKind::ReportReviewed(reviewed));
        office.apply(&review);
        assert_eq!(
            office.report_state(&report.id()),
            ReportState::Investigating
        );

        let issued = InstructionIssued {
            addressee: Addressee::DepartmentHead {
                person_id: "soumu".into(),
            },
            content: "鍵の返却予定を見直すこと".into(),
            due: day(2026, 12, 25),
            basis: Basis::Report {
                summary: "11月の報告".into(),
                report: Some(report.id()),
            },
            issued_by: "fukuchou".into(),
            issued_on: dec,
        };
        let instruction = seal(EventKind::InstructionIssued(issued.clone()));
        office.apply(&instruction);
        let concluded = InvestigationConcluded {
            review: review.id(),
            outcome: "保守の作業時間の見積もり不足".into(),
            concluded_by: "fukuchou".into(),
            concluded_on: day(2026, 12, 10),
        };
        check_conclusion(&concluded, office.reviews.get(&review.id())).unwrap();
        office.apply(&seal(EventKind::InvestigationConcluded(concluded.clone())));
        assert!(
            check_conclusion(&concluded, office.reviews.get(&review.id())).is_err(),
            "concluded once"
        );
        assert_eq!(office.report_state(&report.id()), ReportState::Instructed);

        office.apply(&seal(EventKind::FollowUpReported(FollowUpReported {
            instruction: instruction.id(),
            report: "返却予定を作業ごとに記入する運用にした".into(),
            reported_by: "soumu".into(),
            on: day(2026, 12, 15),
        })));
        assert_eq!(office.report_state(&report.id()), ReportState::Instructed);
        office.apply(&seal(EventKind::InstructionClosed(InstructionClosed {
            instruction: instruction.id(),
            note: "確認した".into(),
            closed_by: "fukuchou".into(),
            on: day(2026, 12, 16),
        })));
        assert_eq!(office.report_state(&report.id()), ReportState::Closed);
        assert_eq!(ReportState::Closed.name_text(), "完了");
    }
}
