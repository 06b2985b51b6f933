//! Corrections (訂正) and voids (取消) of logged records: a new event that points at the one it
//! corrects, with a reason. The original is never changed; readers see it with its corrections
//! beside it, as a line struck through on paper stays readable.

use crate::event::EventId;
use crate::refusal::{Field, Refusal, RefusalCode, Refusals};
use crate::tr;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "correction", rename_all = "snake_case")]
pub enum CorrectionKind {
    /// The record stands, with these fields read as corrected (field name → corrected text).
    Amend { fields: BTreeMap<String, String> },
    /// The record should not have been made; it stays visible, marked void.
    Void,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CorrectionRecorded {
    /// The event that made the record (an entry, an exit, a loan, …).
    pub target: EventId,
    #[serde(flatten)]
    pub kind: CorrectionKind,
    pub reason: String,
}

/// A record can be corrected if it exists and is not void; every correction gives a reason.
/// `target_exists` and `target_void` come from the registers.
pub fn check_correction(
    correction: &CorrectionRecorded,
    target_exists: bool,
    target_void: bool,
) -> Result<(), Refusals> {
    let mut refusals = Refusals::default();
    if correction.reason.trim().is_empty() {
        let code = RefusalCode::Missing {
            what: tr!("訂正の理由").into(),
        };
        refusals.push(Refusal::new(code, Field::Purpose, None));
    }
    if !target_exists {
        let code = RefusalCode::UnknownRecord {
            what: tr!("記録").into(),
        };
        refusals.push(Refusal::new(code, Field::Entry, None));
    } else if target_void {
        let code = RefusalCode::WrongState {
            what: tr!("記録").into(),
            state: tr!("取消済み").into(),
        };
        refusals.push(Refusal::new(code, Field::Entry, None));
    }
    if let CorrectionKind::Amend { fields } = &correction.kind {
        if fields.is_empty() {
            let code = RefusalCode::Missing {
                what: tr!("訂正する項目").into(),
            };
            refusals.push(Refusal::new(code, Field::Entry, None));
        }
    }
    refusals.into_result()
}

/// The corrections of one record, in the order they were folded.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CorrectionTrail {
    pub corrections: Vec<(EventId, CorrectionRecorded)>,
}

impl CorrectionTrail {
    pub fn is_void(&self) -> bool {
        self.corrections
            .iter()
            .any(|(_, c)| c.kind == CorrectionKind::Void)
    }

    /// The value of `field` as last corrected, if it was.
    pub fn corrected(&self, field: &str) -> Option<&str> {
        self.corrections
            .iter()
            .rev()
            .find_map(|(_, c)| match &c.kind {
                CorrectionKind::Amend { fields } => fields.get(field).map(String::as_str),
                CorrectionKind::Void => None,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::DeviceId;

    fn id(seq: u64) -> EventId {
        EventId {
            device: DeviceId("d".into()),
            seq,
        }
    }

    fn amend(field: &str, value: &str) -> CorrectionRecorded {
        CorrectionRecorded {
            target: id(1),
            kind: CorrectionKind::Amend {
                fields: [(field.to_string(), value.to_string())].into(),
            },
            reason: "氏名の誤記".into(),
        }
    }

    #[test]
    fn a_correction_needs_a_reason_and_a_record_that_is_not_void() {
        assert_eq!(
            check_correction(&amend("name", "山田 太朗"), true, false),
            Ok(())
        );
        let mut no_reason = amend("name", "x");
        no_reason.reason = " ".into();
        assert!(check_correction(&no_reason, true, false).is_err());
        assert!(check_correction(&amend("name", "x"), false, false).is_err());
        let refused = check_correction(&amend("name", "x"), true, true).unwrap_err();
        assert!(refused.0[0].message_ja().contains("取消済み"));
    }

    #[test]
    fn the_trail_keeps_every_correction_and_reads_the_latest() {
        let mut trail = CorrectionTrail::default();
        trail.corrections.push((id(2), amend("name", "山田 太朗")));
        trail.corrections.push((id(3), amend("name", "山田 太郎")));
        assert_eq!(trail.corrected("name"), Some("山田 太郎"));
        assert_eq!(trail.corrected("purpose"), None);
        assert!(!trail.is_void());
        trail.corrections.push((
            id(4),
            CorrectionRecorded {
                target: id(1),
                kind: CorrectionKind::Void,
                reason: "二重記録".into(),
            },
        ));
        assert!(trail.is_void());
        assert_eq!(trail.corrections.len(), 3, "nothing is replaced");
    }
}
