//! Instructions and requests of the general manager (第7条, 第20条): to a department head or an
//! administrative committee, with a due date, follow-up reports, and a status that goes
//! open → reported → closed.

use crate::article::Article;
use crate::event::EventId;
use crate::organisation::{Organisation, Role};
use crate::refusal::{Field, Refusal, RefusalCode, Refusals};
use crate::tr;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "to", rename_all = "snake_case")]
pub enum Addressee {
    /// 指示: to the head of a department (by person id).
    DepartmentHead { person_id: String },
    /// 要請: to an administrative committee (行政委員会).
    Committee { name: String },
}

/// Where an instruction comes from: a meeting's results (第7条) or an entry manager's report
/// (第20条).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "from", rename_all = "snake_case")]
pub enum Basis {
    Meeting {
        meeting: EventId,
    },
    Report {
        summary: String,
        /// The entry manager's report it comes from, when submitted in Daichō (第20条).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "schema", schemars(with = "Option<String>"))]
        report: Option<EventId>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct InstructionIssued {
    pub addressee: Addressee,
    pub content: String,
    pub due: NaiveDate,
    pub basis: Basis,
    pub issued_by: String,
    pub issued_on: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct FollowUpReported {
    pub instruction: EventId,
    pub report: String,
    pub reported_by: String,
    pub on: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct InstructionClosed {
    pub instruction: EventId,
    pub note: String,
    pub closed_by: String,
    pub on: NaiveDate,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum InstructionStatus {
    Open,
    Reported,
    Closed,
}

impl InstructionStatus {
    pub fn name_text(self) -> Cow<'static, str> {
        match self {
            InstructionStatus::Open => tr!("未報告"),
            InstructionStatus::Reported => tr!("報告済み"),
            InstructionStatus::Closed => tr!("完了"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Instruction {
    pub id: EventId,
    pub issued: InstructionIssued,
    pub reports: Vec<FollowUpReported>,
    pub closed: Option<InstructionClosed>,
}

impl Instruction {
    pub fn new(id: EventId, issued: InstructionIssued) -> Self {
        Instruction {
            id,
            issued,
            reports: Vec::new(),
            closed: None,
        }
    }

    pub fn status(&self) -> InstructionStatus {
        match (&self.closed, self.reports.is_empty()) {
            (Some(_), _) => InstructionStatus::Closed,
            (None, false) => InstructionStatus::Reported,
            (None, true) => InstructionStatus::Open,
        }
    }

    /// Past its due date without a report.
    pub fn is_overdue(&self, today: NaiveDate) -> bool {
        self.status() == InstructionStatus::Open && today > self.issued.due
    }
}

fn general_manager_only(by: &str, on: NaiveDate, org: &Organisation, refusals: &mut Refusals) {
    org.require(Role::GeneralManager, by, on, Article::new(7), refusals);
}

pub fn check_instruction(issued: &InstructionIssued, org: &Organisation) -> Result<(), Refusals> {
    let mut refusals = Refusals::default();
    general_manager_only(&issued.issued_by, issued.issued_on, org, &mut refusals);
    if issued.content.trim().is_empty() {
        let code = RefusalCode::Missing {
            what: tr!("指示の内容").into(),
        };
        refusals.push(Refusal::new(code, Field::Purpose, None));
    }
    if issued.due < issued.issued_on {
        refusals.push(Refusal::new(
            RefusalCode::EndsBeforeStart,
            Field::Period,
            None,
        ));
    }
    refusals.into_result()
}

fn wrong_state(instruction: &Instruction) -> Refusal {
    let code = RefusalCode::WrongState {
        what: tr!("指示").into(),
        state: instruction.status().name_text().into(),
    };
    Refusal::new(code, Field::Permit, None)
}

fn unknown() -> Refusal {
    let code = RefusalCode::UnknownRecord {
        what: tr!("指示").into(),
    };
    Refusal::new(code, Field::Permit, None)
}

/// A report follows up an instruction not yet closed.
pub fn check_report(
    report: &FollowUpReported,
    instruction: Option<&Instruction>,
) -> Result<(), Refusals> {
    let mut refusals = Refusals::default();
    match instruction {
        Some(i) if i.status() == InstructionStatus::Closed => refusals.push(wrong_state(i)),
        Some(_) => {}
        None => refusals.push(unknown()),
    }
    if report.report.trim().is_empty() {
        let code = RefusalCode::Missing {
            what: tr!("報告").into(),
        };
        refusals.push(Refusal::new(code, Field::Purpose, None));
    }
    refusals.into_result()
}

/// The general manager closes an instruction once it has been reported on.
pub fn check_close(
    close: &InstructionClosed,
    instruction: Option<&Instruction>,
    org: &Organisation,
) -> Result<(), Refusals> {
    let mut refusals = Refusals::default();
    general_manager_only(&close.closed_by, close.on, org, &mut refusals);
    match instruction {
        Some(i) if i.status() != InstructionStatus::Reported => refusals.push(wrong_state(i)),
        Some(_) => {}
        None => refusals.push(unknown()),
    }
    refusals.into_result()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::DeviceId;
    use crate::organisation::DEPUTY_MAYOR;

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).unwrap()
    }

    fn org() -> Organisation {
        crate::organisation::test_town(&[(DEPUTY_MAYOR, "fukuchou")], day(4, 1))
    }

    fn issued(by: &str) -> InstructionIssued {
        InstructionIssued {
            addressee: Addressee::DepartmentHead {
                person_id: "soumu".into(),
            },
            content: "電算室の鍵の管理方法を見直すこと".into(),
            due: day(7, 31),
            basis: Basis::Report {
                summary: "6月の入退室管理報告".into(),
                report: None,
            },
            issued_by: by.into(),
            issued_on: day(7, 1),
        }
    }

    fn id(seq: u64) -> EventId {
        EventId {
            device: DeviceId("d".into()),
            seq,
        }
    }

    #[test]
    fn an_instruction_goes_open_reported_closed() {
        let org = org();
        assert_eq!(check_instruction(&issued("fukuchou"), &org), Ok(()));
        let mut i = Instruction::new(id(1), issued("fukuchou"));
        assert_eq!(i.status(), InstructionStatus::Open);
        assert!(i.is_overdue(day(8, 1)) && !i.is_overdue(day(7, 31)));
        let close = InstructionClosed {
            instruction: i.id.clone(),
            note: "確認".into(),
            closed_by: "fukuchou".into(),
            on: day(7, 20),
        };
        assert!(
            check_close(&close, Some(&i), &org).is_err(),
            "not reported yet"
        );
        let report = FollowUpReported {
            instruction: i.id.clone(),
            report: "鍵箱を更新しました".into(),
            reported_by: "soumu".into(),
            on: day(7, 15),
        };
        assert_eq!(check_report(&report, Some(&i)), Ok(()));
        i.reports.push(report.clone());
        assert_eq!(i.status(), InstructionStatus::Reported);
        assert_eq!(check_close(&close, Some(&i), &org), Ok(()));
        i.closed = Some(close.clone());
        assert_eq!(i.status(), InstructionStatus::Closed);
        assert!(check_report(&report, Some(&i)).is_err());
        assert!(check_close(&close, Some(&i), &org).is_err());
    }

    #[test]
    fn only_the_general_manager_instructs_and_closes() {
        let refusal = &check_instruction(&issued("soumu"), &org()).unwrap_err().0[0];
        assert!(refusal.message_ja().contains("セキュリティ総括責任者"));
        assert!(refusal.message_ja().contains("第7条"));
    }

    #[test]
    fn a_due_date_before_issue_and_empty_content_are_refused() {
        let mut i = issued("fukuchou");
        i.due = day(6, 30);
        i.content = " ".into();
        let codes: Vec<RefusalCode> = check_instruction(&i, &org())
            .unwrap_err()
            .0
            .into_iter()
            .map(|r| r.code)
            .collect();
        assert_eq!(
            codes,
            vec![
                RefusalCode::Missing {
                    what: "指示の内容".into()
                },
                RefusalCode::EndsBeforeStart
            ]
        );
    }
}
