//! The ledgers of 操作者ID and 照合ID (第10条第1項第4号): every issue, change, suspension and
//! deletion, and every registration and deletion of 照合情報, with who approved it and when.
//! Operators act only within the kinds of 操作者ID they hold (第11条).

use crate::article::Article;
use crate::organisation::{Organisation, Role};
use crate::refusal::{Field, Refusal, RefusalCode, Refusals};
use crate::tr;
use crate::webauthn::PasskeyCredential;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Ledger {
    /// 操作者ID: one per kind of permission an operator holds.
    Operator,
    /// 照合ID: identifies the operator for 照合情報認証.
    Collation,
}

impl Ledger {
    fn name_text(self) -> Cow<'static, str> {
        match self {
            Ledger::Operator => tr!("操作者ID"),
            Ledger::Collation => tr!("照合ID"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum LedgerAction {
    Issued,
    Changed { note: String },
    Suspended { reason: String },
    Reinstated,
    Deleted { reason: String },
}

/// A kind of 操作者ID and what it permits (第10条第1項第3号). Defined again under the same id,
/// the newest definition holds (a kind is amended, never deleted: its IDs name it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct OperatorIdKindDefined {
    pub id: String,
    pub name: String,
    pub permits: String,
    /// The acts of Daichō this kind governs: once a kind governs an act, only holders of an
    /// active 操作者ID of such a kind record it (第11条). Empty: the kind is about the
    /// 住基ネット terminals only.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub acts: Vec<GovernedAct>,
}

/// The acts of Daichō a kind of 操作者ID can govern (第11条). What it does not list (the
/// office's master data, the roles' own registers, signing in) follows the roles alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum GovernedAct {
    /// 入退室管理簿の記録 (entries and exits).
    EntryLog,
    /// 鍵の貸出・返却.
    KeyLog,
    /// 入室許可の付与・取消.
    Permits,
    /// 情報資産の登録・取扱者・対策.
    Assets,
    /// 記録の訂正.
    Corrections,
    /// 指示への対応の報告.
    FollowUps,
}

impl GovernedAct {
    pub const ALL: [GovernedAct; 6] = [
        GovernedAct::EntryLog,
        GovernedAct::KeyLog,
        GovernedAct::Permits,
        GovernedAct::Assets,
        GovernedAct::Corrections,
        GovernedAct::FollowUps,
    ];

    pub fn name_text(self) -> Cow<'static, str> {
        match self {
            GovernedAct::EntryLog => tr!("入退室の記録"),
            GovernedAct::KeyLog => tr!("鍵の貸出・返却"),
            GovernedAct::Permits => tr!("入室許可"),
            GovernedAct::Assets => tr!("情報資産の登録"),
            GovernedAct::Corrections => tr!("記録の訂正"),
            GovernedAct::FollowUps => tr!("指示への対応報告"),
        }
    }

    /// The stored name (`"entry_log"`), for forms.
    pub fn key(self) -> &'static str {
        match self {
            GovernedAct::EntryLog => "entry_log",
            GovernedAct::KeyLog => "key_log",
            GovernedAct::Permits => "permits",
            GovernedAct::Assets => "assets",
            GovernedAct::Corrections => "corrections",
            GovernedAct::FollowUps => "follow_ups",
        }
    }
}

/// One line of a ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct IdLedgerRecorded {
    pub ledger: Ledger,
    pub id: String,
    pub person_id: String,
    /// The kind of an 操作者ID (none for 照合ID).
    pub kind_id: Option<String>,
    #[serde(flatten)]
    pub action: LedgerAction,
    pub on: NaiveDate,
    pub approved_by: String,
}

/// 照合情報 registered (`registered: true`) or deleted for a 照合ID. Only the fact is kept: the
/// template stays in the reader or authenticator (第8条第2項).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CollationInfoRecorded {
    pub collation_id: String,
    pub registered: bool,
    pub on: NaiveDate,
    pub approved_by: String,
    /// The WebAuthn credential registered (its public key only, never the biometric).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential: Option<PasskeyCredential>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum IdState {
    Active,
    Suspended,
    Deleted,
}

impl IdState {
    fn name_text(self) -> Cow<'static, str> {
        match self {
            IdState::Active => tr!("有効"),
            IdState::Suspended => tr!("停止中"),
            IdState::Deleted => tr!("削除済み"),
        }
    }
}

/// An ID as its ledger lines leave it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct IdRecord {
    pub ledger: Ledger,
    pub id: String,
    pub person_id: String,
    pub kind_id: Option<String>,
    pub state: IdState,
    pub collation_info_registered: bool,
    /// The passkey of the 照合情報 registered, if it was registered on a tablet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub passkey: Option<PasskeyCredential>,
}

impl IdRecord {
    /// The record after `line`; `None` when the line does not apply (checked before recording).
    pub fn after(current: Option<&IdRecord>, line: &IdLedgerRecorded) -> Option<IdRecord> {
        let next_state = match (&line.action, current.map(|c| c.state)) {
            (LedgerAction::Issued, None) => IdState::Active,
            (LedgerAction::Changed { .. }, Some(s)) if s != IdState::Deleted => s,
            (LedgerAction::Suspended { .. }, Some(IdState::Active)) => IdState::Suspended,
            (LedgerAction::Reinstated, Some(IdState::Suspended)) => IdState::Active,
            (LedgerAction::Deleted { .. }, Some(s)) if s != IdState::Deleted => IdState::Deleted,
            _ => return None,
        };
        Some(IdRecord {
            ledger: line.ledger,
            id: line.id.clone(),
            person_id: line.person_id.clone(),
            kind_id: line.kind_id.clone(),
            state: next_state,
            collation_info_registered: current.is_some_and(|c| c.collation_info_registered)
                && next_state != IdState::Deleted,
            passkey: current
                .and_then(|c| c.passkey.clone())
                .filter(|_| next_state != IdState::Deleted),
        })
    }
}

fn check_approver(approved_by: &str, on: NaiveDate, org: &Organisation, refusals: &mut Refusals) {
    let role = Role::AccessManagementOfficer;
    org.require(role, approved_by, on, Article::paragraph(10, 1), refusals);
}

/// A ledger line follows the ID's life (issued → suspended ⇄ active → deleted, never reused)
/// and is approved by the access management officer of that day (第10条).
pub fn check_ledger_line(
    line: &IdLedgerRecorded,
    current: Option<&IdRecord>,
    org: &Organisation,
) -> Result<(), Refusals> {
    let mut refusals = Refusals::default();
    check_approver(&line.approved_by, line.on, org, &mut refusals);
    if line.ledger == Ledger::Operator && line.kind_id.is_none() {
        let code = RefusalCode::Missing {
            what: tr!("操作者IDの種類").into(),
        };
        refusals.push(Refusal::new(code, Field::Permit, Some(Article::new(11))));
    }
    if IdRecord::after(current, line).is_none() {
        let what = line.ledger.name_text().into_owned();
        let code = match current {
            None => RefusalCode::UnknownRecord { what },
            Some(c) => RefusalCode::WrongState {
                what,
                state: c.state.name_text().into_owned(),
            },
        };
        refusals.push(Refusal::new(code, Field::Permit, None));
    }
    refusals.into_result()
}

/// 照合情報 is registered for an active 照合ID that has none, and deleted where registered.
pub fn check_collation_info(
    info: &CollationInfoRecorded,
    current: Option<&IdRecord>,
    org: &Organisation,
) -> Result<(), Refusals> {
    let mut refusals = Refusals::default();
    check_approver(&info.approved_by, info.on, org, &mut refusals);
    let what = tr!("照合ID").into_owned();
    match current {
        Some(c) if c.ledger == Ledger::Collation => {
            let fits = if info.registered {
                c.state == IdState::Active && !c.collation_info_registered
            } else {
                c.collation_info_registered
            };
            if !fits {
                let state = match (c.state, c.collation_info_registered) {
                    (IdState::Active, true) => tr!("照合情報登録済み"),
                    (IdState::Active, false) => tr!("照合情報未登録"),
                    (other, _) => other.name_text(),
                };
                let state = state.into_owned();
                refusals.push(Refusal::new(
                    RefusalCode::WrongState { what, state },
                    Field::Permit,
                    None,
                ));
            }
        }
        _ => refusals.push(Refusal::new(
            RefusalCode::UnknownRecord { what },
            Field::Permit,
            None,
        )),
    }
    refusals.into_result()
}

/// A kind of 操作者ID is named and says what it permits (第10条第1項第3号).
pub fn check_operator_id_kind(kind: &OperatorIdKindDefined) -> Result<(), Refusals> {
    let mut refusals = Refusals::default();
    for (value, what, field) in [
        (&kind.name, tr!("操作者IDの種類の名称"), Field::Name),
        (&kind.permits, tr!("許可される操作"), Field::Purpose),
    ] {
        if value.trim().is_empty() {
            let code = RefusalCode::Missing { what: what.into() };
            refusals.push(Refusal::new(code, field, Some(Article::paragraph(10, 1))));
        }
    }
    refusals.into_result()
}

/// 第11条: may `person_id` do `act`? Yes when no kind governs it, or when they hold an
/// active 操作者ID of a kind that does; otherwise the refusal names those kinds.
pub fn check_operator_act(
    kinds: &[&OperatorIdKindDefined],
    records: &[&IdRecord],
    person_id: &str,
    act: GovernedAct,
) -> Result<(), Refusal> {
    let governing: Vec<&&OperatorIdKindDefined> =
        kinds.iter().filter(|k| k.acts.contains(&act)).collect();
    let held = |k: &&&OperatorIdKindDefined| {
        holds_operator_kind(records.iter().copied(), person_id, &k.id)
    };
    if governing.is_empty() || governing.iter().any(held) {
        return Ok(());
    }
    let kinds = governing
        .iter()
        .map(|k| k.name.as_str())
        .collect::<Vec<_>>();
    let code = RefusalCode::NoOperatorId {
        act: act.name_text().into_owned(),
        kinds: kinds.join(&tr!("、")),
    };
    Err(Refusal::new(code, Field::Person, Some(Article::new(11))))
}

/// 第11条: an operator acts only within the kinds of 操作者ID they hold (active ones).
pub fn holds_operator_kind<'a>(
    records: impl IntoIterator<Item = &'a IdRecord>,
    person_id: &str,
    kind_id: &str,
) -> bool {
    records.into_iter().any(|r| {
        r.ledger == Ledger::Operator
            && r.person_id == person_id
            && r.kind_id.as_deref() == Some(kind_id)
            && r.state == IdState::Active
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::organisation::HEAD_OF_RESIDENTS_AND_TAX;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 4, d).unwrap()
    }

    fn org() -> Organisation {
        crate::organisation::test_town(&[(HEAD_OF_RESIDENTS_AND_TAX, "juumin")], day(1))
    }

    fn line(action: LedgerAction) -> IdLedgerRecorded {
        IdLedgerRecorded {
            ledger: Ledger::Operator,
            id: "OP-001".into(),
            person_id: "yamada".into(),
            kind_id: Some("juuki-shoukai".into()),
            action,
            on: day(2),
            approved_by: "juumin".into(),
        }
    }

    fn codes(r: Result<(), Refusals>) -> Vec<RefusalCode> {
        r.map_or_else(|r| r.0.into_iter().map(|r| r.code).collect(), |()| vec![])
    }

    /// Walks an ID through its life, checking each step against the state it left.
    #[test]
    fn an_id_lives_issued_suspended_reinstated_deleted_and_no_further() {
        let org = org();
        let suspended = LedgerAction::Suspended {
            reason: "休職".into(),
        };
        let deleted = LedgerAction::Deleted {
            reason: "退職".into(),
        };
        let steps = [
            (LedgerAction::Issued, true),
            (LedgerAction::Issued, false),
            (LedgerAction::Reinstated, false),
            (suspended.clone(), true),
            (suspended, false),
            (
                LedgerAction::Changed {
                    note: "所属変更".into(),
                },
                true,
            ),
            (LedgerAction::Reinstated, true),
            (deleted.clone(), true),
            (deleted, false),
            (LedgerAction::Issued, false),
        ];
        let mut current: Option<IdRecord> = None;
        for (action, allowed) in steps {
            let l = line(action.clone());
            let result = check_ledger_line(&l, current.as_ref(), &org);
            assert_eq!(
                result.is_ok(),
                allowed,
                "{action:?} from {:?}",
                current.as_ref().map(|c| c.state)
            );
            if allowed {
                current = IdRecord::after(current.as_ref(), &l);
            }
        }
        assert_eq!(current.unwrap().state, IdState::Deleted);
    }

    #[test]
    fn only_the_access_management_officer_approves() {
        let mut l = line(LedgerAction::Issued);
        l.approved_by = "soumu".into();
        let refusal = check_ledger_line(&l, None, &org()).unwrap_err();
        assert!(matches!(refusal.0[0].code, RefusalCode::NotInRole { .. }));
        assert!(refusal.0[0].message_ja().contains("アクセス管理責任者"));
        assert!(refusal.0[0].message_ja().contains("第10条第1項"));
    }

    #[test]
    fn an_operator_id_names_its_kind() {
        let mut l = line(LedgerAction::Issued);
        l.kind_id = None;
        assert_eq!(
            codes(check_ledger_line(&l, None, &org())),
            vec![RefusalCode::Missing {
                what: "操作者IDの種類".into()
            }]
        );
    }

    #[test]
    fn collation_info_is_registered_once_and_deleted_once() {
        let org = org();
        let issued = IdLedgerRecorded {
            ledger: Ledger::Collation,
            kind_id: None,
            id: "C-001".into(),
            ..line(LedgerAction::Issued)
        };
        let mut record = IdRecord::after(None, &issued).unwrap();
        let info = |registered| CollationInfoRecorded {
            collation_id: "C-001".into(),
            registered,
            on: day(3),
            approved_by: "juumin".into(),
            credential: None,
        };
        assert!(check_collation_info(&info(false), Some(&record), &org).is_err());
        assert_eq!(
            check_collation_info(&info(true), Some(&record), &org),
            Ok(())
        );
        record.collation_info_registered = true;
        assert!(check_collation_info(&info(true), Some(&record), &org).is_err());
        assert_eq!(
            check_collation_info(&info(false), Some(&record), &org),
            Ok(())
        );
        assert!(check_collation_info(&info(true), None, &org).is_err());
    }

    #[test]
    fn a_kind_of_operator_id_names_what_it_permits() {
        let kind = |name: &str, permits: &str| OperatorIdKindDefined {
            id: "k".into(),
            name: name.into(),
            permits: permits.into(),
            acts: vec![],
        };
        assert_eq!(
            check_operator_id_kind(&kind("照会", "本人確認情報の照会")),
            Ok(())
        );
        let refusals = check_operator_id_kind(&kind(" ", "")).unwrap_err();
        let messages: Vec<String> = refusals.0.iter().map(Refusal::message_ja).collect();
        assert_eq!(
            messages,
            vec![
                "操作者IDの種類の名称を入力してください。（第10条第1項）",
                "許可される操作を入力してください。（第10条第1項）",
            ]
        );
    }

    #[test]
    fn operators_act_only_within_the_kinds_they_hold() {
        let active = IdRecord::after(None, &line(LedgerAction::Issued)).unwrap();
        assert!(holds_operator_kind([&active], "yamada", "juuki-shoukai"));
        assert!(!holds_operator_kind([&active], "yamada", "juuki-henkou"));
        assert!(!holds_operator_kind([&active], "sato", "juuki-shoukai"));
        let suspended = IdRecord {
            state: IdState::Suspended,
            ..active
        };
        assert!(!holds_operator_kind(
            [&suspended],
            "yamada",
            "juuki-shoukai"
        ));
    }
}
