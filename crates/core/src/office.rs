//! The office registers folded from events: equipment, information assets, the ID
//! ledgers, meetings and instructions. (Rooms, the logbooks, permits and keys are in
//! `registers`.)

use crate::assets::{check_designation, AssetRegistered, HandlerDesignated, MeasureRecorded};
use crate::equipment::EquipmentRegistered;
use crate::event::{Event, EventId, EventKind, EventTag};
use crate::id_ledger::{
    check_collation_info, check_ledger_line, CollationInfoRecorded, IdLedgerRecorded, IdRecord,
    Ledger, OperatorIdKindDefined,
};
use crate::instructions::Basis;
use crate::instructions::{
    check_close, check_report, FollowUpReported, Instruction, InstructionClosed, InstructionIssued,
};
use crate::meetings::{MeetingHeld, OpinionReceived};
use crate::organisation::Organisation;
use crate::refusal::{Field, Refusal, RefusalCode, Refusals};
use crate::reports::{Report, ReportCycleSet, ReportState, Review};
use crate::rule_breaks::Handling;
use crate::tr;
use crate::version::{Version, Versioned};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The kinds of the office registers, read through the kind index and folded in order.
pub const OFFICE_KINDS: [EventTag; 17] = [
    EventTag::EquipmentRegistered,
    EventTag::AssetRegistered,
    EventTag::HandlerDesignated,
    EventTag::MeasureRecorded,
    EventTag::OperatorIdKindDefined,
    EventTag::IdLedgerRecorded,
    EventTag::CollationInfoRecorded,
    EventTag::MeetingHeld,
    EventTag::OpinionReceived,
    EventTag::InstructionIssued,
    EventTag::FollowUpReported,
    EventTag::InstructionClosed,
    EventTag::ReportSubmitted,
    EventTag::ReportReviewed,
    EventTag::InvestigationConcluded,
    EventTag::ReportCycleSet,
    EventTag::BreakHandled,
];

/// The kinds the 操作者ID rule reads (第11条): which kinds govern an act, and who holds them.
pub const OPERATOR_ID_KINDS: [EventTag; 2] =
    [EventTag::OperatorIdKindDefined, EventTag::IdLedgerRecorded];

/// Keeps `value` as `id`'s record if `event` is its newest version.
fn put_latest<T: Clone>(
    map: &mut BTreeMap<String, Versioned<T>>,
    id: &str,
    value: &T,
    event: &Event,
) {
    let version = Version::of(event);
    if version.supersedes(map.get(id).map(|v| &v.version)) {
        map.insert(id.to_string(), Versioned::new(value.clone(), version));
    }
}

/// A meeting with the review board's opinions received after it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Meeting {
    pub id: EventId,
    pub held: MeetingHeld,
    pub opinions: Vec<OpinionReceived>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Office {
    pub equipment: BTreeMap<String, Versioned<EquipmentRegistered>>,
    pub assets: BTreeMap<String, Versioned<AssetRegistered>>,
    pub designations: BTreeMap<EventId, HandlerDesignated>,
    pub measures: BTreeMap<EventId, MeasureRecorded>,
    pub operator_id_kinds: BTreeMap<String, Versioned<OperatorIdKindDefined>>,
    pub ids: BTreeMap<(Ledger, String), IdRecord>,
    pub meetings: BTreeMap<EventId, Meeting>,
    pub instructions: BTreeMap<EventId, Instruction>,
    /// The entry managers' reports (第20条), every version kept.
    pub reports: BTreeMap<EventId, Report>,
    /// The general manager's reviews of them, by the review's event.
    pub reviews: BTreeMap<EventId, Review>,
    /// How often reports are due, every setting in the order recorded.
    pub report_cycles: Vec<ReportCycleSet>,
    /// How each rule break was dealt with, by the break's record, in the order recorded.
    pub handlings: BTreeMap<EventId, Vec<Handling>>,
}

impl Office {
    /// Applies an office register's event, in fold order; `false` when it finds nothing to act
    /// on (an opinion on an unknown meeting, a ledger line that does not fit the ID's life):
    /// kept, never dropped, as unmatched.
    pub fn apply(&mut self, event: &Event) -> bool {
        match &event.kind {
            EventKind::EquipmentRegistered(x) => {
                put_latest(&mut self.equipment, &x.id, x, event);
                true
            }
            EventKind::AssetRegistered(a) => {
                put_latest(&mut self.assets, &a.id, a, event);
                true
            }
            EventKind::HandlerDesignated(d) => {
                self.designations.insert(event.id(), d.clone());
                true
            }
            EventKind::MeasureRecorded(m) => {
                self.measures.insert(event.id(), m.clone());
                true
            }
            EventKind::OperatorIdKindDefined(k) => {
                put_latest(&mut self.operator_id_kinds, &k.id, k, event);
                true
            }
            EventKind::IdLedgerRecorded(line) => self.apply_ledger_line(line),
            EventKind::CollationInfoRecorded(info) => self.apply_collation_info(info),
            EventKind::MeetingHeld(m) => {
                self.hold_meeting(m, event);
                true
            }
            EventKind::OpinionReceived(o) => self.receive_opinion(o),
            EventKind::InstructionIssued(i) => {
                self.issue_instruction(i, event);
                true
            }
            EventKind::FollowUpReported(r) => self.report_on_instruction(r),
            EventKind::InstructionClosed(c) => self.close_instruction(c),
            EventKind::ReportSubmitted(r) => {
                let report = Report {
                    id: event.id(),
                    submitted: r.clone(),
                };
                self.reports.insert(event.id(), report);
                true
            }
            EventKind::ReportReviewed(r) => {
                let review = Review {
                    id: event.id(),
                    reviewed: r.clone(),
                    concluded: None,
                };
                self.reviews.entry(event.id()).or_insert(review);
                true
            }
            EventKind::InvestigationConcluded(c) => match self.reviews.get_mut(&c.review) {
                Some(r) if r.concluded.is_none() => {
                    r.concluded = Some(c.clone());
                    true
                }
                _ => false,
            },
            EventKind::ReportCycleSet(set) => {
                self.report_cycles.push(set.clone());
                true
            }
            EventKind::BreakHandled(h) => {
                let handling = Handling {
                    id: event.id(),
                    by: event.operator.clone(),
                    handled: h.clone(),
                };
                self.handlings
                    .entry(h.record.clone())
                    .or_default()
                    .push(handling);
                true
            }
            _ => true,
        }
    }

    /// Is `tag` a kind of the office registers (folded here, when read)?
    pub fn folds(tag: EventTag) -> bool {
        OFFICE_KINDS.contains(&tag)
    }

    pub fn asset(&self, id: &str) -> Option<&AssetRegistered> {
        self.assets.get(id).map(|v| &v.value)
    }

    fn id_record(&self, ledger: Ledger, id: &str) -> Option<&IdRecord> {
        self.ids.get(&(ledger, id.to_string()))
    }

    /// Applies a ledger line; `false` when it does not fit the ID's life (kept as unmatched).
    pub fn apply_ledger_line(&mut self, line: &IdLedgerRecorded) -> bool {
        let key = (line.ledger, line.id.clone());
        match IdRecord::after(self.ids.get(&key), line) {
            Some(record) => {
                self.ids.insert(key, record);
                true
            }
            None => false,
        }
    }

    pub fn apply_collation_info(&mut self, info: &CollationInfoRecorded) -> bool {
        match self
            .ids
            .get_mut(&(Ledger::Collation, info.collation_id.clone()))
        {
            Some(record) => {
                record.collation_info_registered = info.registered;
                record.passkey = info.credential.clone().filter(|_| info.registered);
                true
            }
            None => false,
        }
    }

    pub fn hold_meeting(&mut self, held: &MeetingHeld, e: &Event) {
        let meeting = Meeting {
            id: e.id(),
            held: held.clone(),
            opinions: Vec::new(),
        };
        self.meetings.entry(e.id()).or_insert(meeting);
    }

    pub fn receive_opinion(&mut self, opinion: &OpinionReceived) -> bool {
        match self.meetings.get_mut(&opinion.meeting) {
            Some(m) if !m.opinions.contains(opinion) => {
                m.opinions.push(opinion.clone());
                true
            }
            Some(_) => true,
            None => false,
        }
    }

    pub fn issue_instruction(&mut self, issued: &InstructionIssued, e: &Event) {
        self.instructions
            .entry(e.id())
            .or_insert_with(|| Instruction::new(e.id(), issued.clone()));
    }

    pub fn report_on_instruction(&mut self, report: &FollowUpReported) -> bool {
        match self.instructions.get_mut(&report.instruction) {
            Some(i) if !i.reports.contains(report) => {
                i.reports.push(report.clone());
                true
            }
            Some(_) => true,
            None => false,
        }
    }

    pub fn close_instruction(&mut self, close: &InstructionClosed) -> bool {
        match self.instructions.get_mut(&close.instruction) {
            Some(i) if i.closed.is_none() => {
                i.closed = Some(close.clone());
                true
            }
            _ => false,
        }
    }

    pub fn check_designation(
        &self,
        d: &HandlerDesignated,
        org: &Organisation,
    ) -> Result<(), Refusals> {
        check_designation(d, self.asset(&d.asset_id), org)
    }

    pub fn check_measure(&self, m: &MeasureRecorded) -> Result<(), Refusals> {
        let mut refusals = Refusals::default();
        if self.asset(&m.asset_id).is_none() {
            let what = tr!("情報資産").into_owned();
            refusals.push(Refusal::new(
                RefusalCode::UnknownRecord { what },
                Field::Permit,
                None,
            ));
        }
        if m.measure.trim().is_empty() {
            let what = tr!("措置の内容").into_owned();
            refusals.push(Refusal::new(
                RefusalCode::Missing { what },
                Field::Purpose,
                None,
            ));
        }
        refusals.into_result()
    }

    pub fn check_ledger_line(
        &self,
        line: &IdLedgerRecorded,
        org: &Organisation,
    ) -> Result<(), Refusals> {
        check_ledger_line(line, self.id_record(line.ledger, &line.id), org)
    }

    pub fn check_collation_info(
        &self,
        info: &CollationInfoRecorded,
        org: &Organisation,
    ) -> Result<(), Refusals> {
        let record = self.id_record(Ledger::Collation, &info.collation_id);
        check_collation_info(info, record, org)
    }

    pub fn check_opinion(&self, opinion: &OpinionReceived) -> Result<(), Refusals> {
        match self.meetings.get(&opinion.meeting) {
            Some(m) if m.held.date <= opinion.received_on => Ok(()),
            Some(_) => Err(Refusals(vec![Refusal::new(
                RefusalCode::EndsBeforeStart,
                Field::Period,
                None,
            )])),
            None => {
                let what = tr!("セキュリティ会議").into_owned();
                let code = RefusalCode::UnknownRecord { what };
                Err(Refusals(vec![Refusal::new(code, Field::Permit, None)]))
            }
        }
    }

    pub fn check_report(&self, report: &FollowUpReported) -> Result<(), Refusals> {
        check_report(report, self.instructions.get(&report.instruction))
    }

    pub fn check_close(
        &self,
        close: &InstructionClosed,
        org: &Organisation,
    ) -> Result<(), Refusals> {
        check_close(close, self.instructions.get(&close.instruction), org)
    }

    /// The newest version of the report of `room_id` for `from`..=`to`, if one is in: the one
    /// no other version replaces.
    pub fn latest_report(&self, room_id: &str, from: NaiveDate, to: NaiveDate) -> Option<&Report> {
        self.current_reports().into_iter().find(|r| {
            let s = &r.submitted;
            s.room_id == room_id && s.from == from && s.to == to
        })
    }

    /// The reports no later version replaces: one per room and period.
    pub fn current_reports(&self) -> Vec<&Report> {
        let replaced: Vec<&EventId> = self
            .reports
            .values()
            .filter_map(|r| r.submitted.supersedes.as_ref())
            .collect();
        self.reports
            .values()
            .filter(|r| !replaced.contains(&&r.id))
            .collect()
    }

    /// The handlings of the break on `record`, in the order recorded (empty: not handled).
    pub fn handlings_of(&self, record: &EventId) -> Vec<&Handling> {
        self.handlings.get(record).into_iter().flatten().collect()
    }

    /// The reviews of the report `id`, in the order recorded.
    pub fn reviews_of(&self, id: &EventId) -> Vec<&Review> {
        self.reviews
            .values()
            .filter(|r| r.reviewed.report == *id)
            .collect()
    }

    /// Where the report `id` stands: its reviews, and the instructions issued from it.
    pub fn report_state(&self, id: &EventId) -> ReportState {
        let from_it = self.instructions.values().filter(
            |i| matches!(&i.issued.basis, Basis::Report { report: Some(r), .. } if r == id),
        );
        let open = from_it
            .into_iter()
            .any(|i| i.status() != crate::instructions::InstructionStatus::Closed);
        ReportState::of(&self.reviews_of(id), open)
    }

    /// An instruction from a report names one submitted (or none, for a report on paper).
    pub fn check_issued(
        &self,
        issued: &InstructionIssued,
        org: &Organisation,
    ) -> Result<(), Refusals> {
        let mut refusals = crate::instructions::check_instruction(issued, org)
            .err()
            .unwrap_or_default();
        if let Basis::Report {
            report: Some(r), ..
        } = &issued.basis
        {
            if !self.reports.contains_key(r) {
                let code = RefusalCode::UnknownRecord {
                    what: tr!("根拠となる報告").into(),
                };
                refusals.push(Refusal::new(
                    code,
                    Field::Entry,
                    Some(crate::reports::ARTICLE),
                ));
            }
        }
        refusals.into_result()
    }

    /// Records of the office registers a correction may point at.
    pub fn has_record(&self, id: &EventId) -> bool {
        self.designations.contains_key(id)
            || self.measures.contains_key(id)
            || self.meetings.contains_key(id)
            || self.instructions.contains_key(id)
    }
}
