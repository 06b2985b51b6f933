//! Security meetings (第6条): convened and chaired by the general manager, with members, staff
//! called to explain, agenda items by category, and the review board's opinions.

use crate::article::Article;
use crate::organisation::{Organisation, Role};
use crate::refusal::{Field, Refusal, RefusalCode, Refusals};
use crate::tr;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// 第6条第3項: what the meeting deliberates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum AgendaCategory {
    /// (1) セキュリティ対策の決定及び見直し
    Measures,
    /// (2) セキュリティ対策の遵守状況確認
    Compliance,
    /// (3) その他セキュリティに関する事項
    Other,
}

impl AgendaCategory {
    pub fn name_text(self) -> Cow<'static, str> {
        match self {
            AgendaCategory::Measures => tr!("セキュリティ対策の決定及び見直し"),
            AgendaCategory::Compliance => tr!("セキュリティ対策の遵守状況確認"),
            AgendaCategory::Other => tr!("その他セキュリティに関する事項"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AgendaItem {
    pub category: AgendaCategory,
    pub title: String,
    pub discussion: String,
    pub decision: String,
}

/// 第6条第5項: staff called to attend and explain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Explainer {
    pub person_id: String,
    pub topic: String,
}

/// 第6条第4項: the review board (湧別町情報公開・個人情報保護・行政不服審査会) consulted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Consultation {
    pub asked_on: NaiveDate,
    pub subject: String,
    pub opinion_on: Option<NaiveDate>,
    pub opinion: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct MeetingHeld {
    pub date: NaiveDate,
    pub place: String,
    pub chair: String,
    pub members: Vec<String>,
    pub explainers: Vec<Explainer>,
    pub agenda: Vec<AgendaItem>,
    pub consultations: Vec<Consultation>,
}

/// The board's opinion, received after the meeting that asked for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct OpinionReceived {
    pub meeting: crate::event::EventId,
    pub subject: String,
    pub received_on: NaiveDate,
    pub opinion: String,
}

/// A consultation with the opinion it got, if any: given at the meeting itself, or received
/// afterwards (`OpinionReceived`, matched by subject).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsultationStatus<'a> {
    pub consultation: &'a Consultation,
    pub opinion: Option<(NaiveDate, &'a str)>,
}

impl crate::office::Meeting {
    /// Each consultation of the meeting with its opinion, in the order asked.
    pub fn consultation_status(&self) -> Vec<ConsultationStatus<'_>> {
        self.held
            .consultations
            .iter()
            .map(|c| {
                let at_meeting = c.opinion_on.zip(c.opinion.as_deref());
                let received = self
                    .opinions
                    .iter()
                    .find(|o| o.subject == c.subject)
                    .map(|o| (o.received_on, o.opinion.as_str()));
                ConsultationStatus {
                    consultation: c,
                    opinion: at_meeting.or(received),
                }
            })
            .collect()
    }

    /// How many consultations still wait for the board's opinion.
    pub fn opinions_pending(&self) -> usize {
        self.consultation_status()
            .iter()
            .filter(|s| s.opinion.is_none())
            .count()
    }
}

pub fn check_meeting(meeting: &MeetingHeld, org: &Organisation) -> Result<(), Refusals> {
    let mut refusals = Refusals::default();
    let chair = meeting.chair.as_str();
    let article = Article::paragraph(6, 1);
    org.require(
        Role::GeneralManager,
        chair,
        meeting.date,
        article,
        &mut refusals,
    );
    let missing = |what: &str| RefusalCode::Missing { what: what.into() };
    if meeting.place.trim().is_empty() {
        refusals.push(Refusal::new(missing(&tr!("開催場所")), Field::Room, None));
    }
    if meeting.agenda.is_empty() {
        let article = Some(Article::paragraph(6, 3));
        refusals.push(Refusal::new(
            missing(&tr!("審議事項")),
            Field::Purpose,
            article,
        ));
    }
    for item in &meeting.agenda {
        if item.title.trim().is_empty() || item.decision.trim().is_empty() {
            refusals.push(Refusal::new(
                missing(&tr!("審議事項の件名と結果")),
                Field::Purpose,
                None,
            ));
        }
    }
    for c in &meeting.consultations {
        if c.opinion_on.is_some_and(|on| on < c.asked_on) {
            refusals.push(Refusal::new(
                RefusalCode::EndsBeforeStart,
                Field::Period,
                None,
            ));
        }
    }
    refusals.into_result()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::organisation::DEPUTY_MAYOR;

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).unwrap()
    }

    fn org() -> Organisation {
        crate::organisation::test_town(&[(DEPUTY_MAYOR, "fukuchou")], day(4, 1))
    }

    fn meeting() -> MeetingHeld {
        MeetingHeld {
            date: day(6, 10),
            place: "上湧別庁舎 会議室".into(),
            chair: "fukuchou".into(),
            members: vec!["soumu".into(), "juumin".into()],
            explainers: vec![Explainer {
                person_id: "vendor".into(),
                topic: "サーバ更新".into(),
            }],
            agenda: vec![AgendaItem {
                category: AgendaCategory::Compliance,
                title: "入退室管理の遵守状況".into(),
                discussion: "5月分の管理簿を確認".into(),
                decision: "問題なし".into(),
            }],
            consultations: vec![Consultation {
                asked_on: day(6, 10),
                subject: "外部委託".into(),
                opinion_on: None,
                opinion: None,
            }],
        }
    }

    #[test]
    fn the_general_manager_chairs_a_meeting_with_an_agenda() {
        assert_eq!(check_meeting(&meeting(), &org()), Ok(()));
        let chaired_by_other = MeetingHeld {
            chair: "soumu".into(),
            ..meeting()
        };
        let refusal = &check_meeting(&chaired_by_other, &org()).unwrap_err().0[0];
        assert!(refusal.message_ja().contains("セキュリティ総括責任者"));
        assert!(refusal.message_ja().contains("第6条第1項"));
        let empty = MeetingHeld {
            agenda: vec![],
            ..meeting()
        };
        let refusal = &check_meeting(&empty, &org()).unwrap_err().0[0];
        assert_eq!(
            refusal.code,
            RefusalCode::Missing {
                what: "審議事項".into()
            }
        );
    }

    #[test]
    fn an_opinion_is_not_received_before_it_was_asked() {
        let mut m = meeting();
        m.consultations[0].opinion_on = Some(day(6, 1));
        let refusal = &check_meeting(&m, &org()).unwrap_err().0[0];
        assert_eq!(refusal.code, RefusalCode::EndsBeforeStart);
    }

    #[test]
    fn a_consultation_waits_until_its_opinion_is_received() {
        let mut held = meeting();
        held.consultations.push(Consultation {
            asked_on: day(6, 10),
            subject: "監視カメラ".into(),
            opinion_on: Some(day(6, 10)),
            opinion: Some("妥当".into()),
        });
        let id: crate::event::EventId = "d:1".parse().unwrap();
        let mut m = crate::office::Meeting {
            id: id.clone(),
            held,
            opinions: vec![],
        };
        assert_eq!(
            m.opinions_pending(),
            1,
            "外部委託 waits, 監視カメラ was answered"
        );
        m.opinions.push(OpinionReceived {
            meeting: id,
            subject: "外部委託".into(),
            received_on: day(7, 1),
            opinion: "適当と認める".into(),
        });
        assert_eq!(m.opinions_pending(), 0);
        let status = m.consultation_status();
        assert_eq!(status[0].opinion, Some((day(7, 1), "適当と認める")));
        assert_eq!(status[1].opinion, Some((day(6, 10), "妥当")));
    }
}
