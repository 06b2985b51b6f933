//! Roles of the regulation and who holds them (第3–5条, 第9条, 第13条, 第18条).
//!
//! The regulation gives roles to *positions* (副町長, 総務課長, …), not to people, and has been
//! amended eight times: the role → position mapping is data with effective dates, and each
//! position's holders are recorded with their terms, so "who was the entry manager of level-3
//! rooms on 2023-06-01" is one query.

use crate::article::Article;
use crate::refusal::{Field, Refusal, RefusalCode, Refusals};
use crate::tr;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::collections::BTreeSet;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// R3 セキュリティ総括責任者
    GeneralManager,
    /// R4 システム管理者
    SystemAdministrator,
    /// R5 セキュリティ責任者
    SecurityOfficer,
    /// R9 アクセス管理責任者
    AccessManagementOfficer,
    /// R13a 本人確認情報管理責任者
    IdentityDataManager,
    /// R13b その他の情報資産の管理責任者
    OtherAssetManager,
    /// R18a 入退室管理者（レベル3・2の室）
    EntryManagerSecureRooms,
    /// R18b 入退室管理者（レベル1: 住民窓口）
    EntryManagerCounters,
}

impl Role {
    pub const ALL: [Role; 8] = [
        Role::GeneralManager,
        Role::SystemAdministrator,
        Role::SecurityOfficer,
        Role::AccessManagementOfficer,
        Role::IdentityDataManager,
        Role::OtherAssetManager,
        Role::EntryManagerSecureRooms,
        Role::EntryManagerCounters,
    ];

    pub fn name_text(self) -> Cow<'static, str> {
        match self {
            Role::GeneralManager => tr!("セキュリティ総括責任者"),
            Role::SystemAdministrator => tr!("システム管理者"),
            Role::SecurityOfficer => tr!("セキュリティ責任者"),
            Role::AccessManagementOfficer => tr!("アクセス管理責任者"),
            Role::IdentityDataManager => tr!("本人確認情報管理責任者"),
            Role::OtherAssetManager => tr!("情報資産管理責任者（本人確認情報等以外）"),
            Role::EntryManagerSecureRooms => tr!("入退室管理者（レベル3・2）"),
            Role::EntryManagerCounters => tr!("入退室管理者（レベル1）"),
        }
    }

    /// The article that creates the role.
    pub fn article(self) -> Article {
        match self {
            Role::GeneralManager => Article::paragraph(3, 2),
            Role::SystemAdministrator => Article::paragraph(4, 2),
            Role::SecurityOfficer => Article::paragraph(5, 2),
            Role::AccessManagementOfficer => Article::paragraph(9, 2),
            Role::IdentityDataManager | Role::OtherAssetManager => Article::paragraph(13, 2),
            Role::EntryManagerSecureRooms | Role::EntryManagerCounters => Article::new(18),
        }
    }
}

/// A post in the town's organisation (副町長, 総務課長, …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Position {
    pub id: String,
    pub name: String,
}

/// From `effective_from` on, `role` is held by `position_id` (the regulation's text, or an
/// amendment of it named in `basis`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RoleAssigned {
    pub role: Role,
    pub position_id: String,
    pub effective_from: NaiveDate,
    pub basis: String,
}

/// `holder` (a staff id) holds `position_id` from `from` to `to` (inclusive; open-ended while
/// `None`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TenureRecorded {
    pub position_id: String,
    pub holder: String,
    pub from: NaiveDate,
    pub to: Option<NaiveDate>,
}

impl TenureRecorded {
    fn covers(&self, day: NaiveDate) -> bool {
        self.from <= day && self.to.is_none_or(|to| day <= to)
    }

    fn overlaps(&self, other: &TenureRecorded) -> bool {
        let ends_before =
            |a: &TenureRecorded, b: &TenureRecorded| a.to.is_some_and(|to| to < b.from);
        !ends_before(self, other) && !ends_before(other, self)
    }
}

pub const DEPUTY_MAYOR: &str = "deputy-mayor";
pub const HEAD_OF_GENERAL_AFFAIRS: &str = "head-general-affairs";
pub const HEAD_OF_RESIDENTS_AND_TAX: &str = "head-residents-tax";

/// A position has a name and an id.
pub fn check_position(position: &Position) -> Result<(), Refusals> {
    let mut refusals = Refusals::default();
    if position.name.trim().is_empty() || position.id.trim().is_empty() {
        let code = RefusalCode::Missing {
            what: tr!("職の名称").into(),
        };
        refusals.push(Refusal::new(code, Field::Person, None));
    }
    refusals.into_result()
}

/// An amendment of the mapping names a known position and the basis of the change (the
/// amended article or the decision), so "who held role X on day D" stays answerable.
pub fn check_assignment(assignment: &RoleAssigned, position_known: bool) -> Result<(), Refusals> {
    let mut refusals = Refusals::default();
    if !position_known {
        let code = RefusalCode::UnknownRecord {
            what: tr!("職").into(),
        };
        refusals.push(Refusal::new(code, Field::Person, None));
    }
    if assignment.basis.trim().is_empty() {
        let code = RefusalCode::Missing {
            what: tr!("改正の根拠").into(),
        };
        refusals.push(Refusal::new(code, Field::Purpose, None));
    }
    refusals.into_result()
}

/// The positions the regulation names, seeded on first run.
pub fn default_positions() -> Vec<Position> {
    // ja-only-begin: the positions' names are data, seeded for the town to edit
    let names = [
        (DEPUTY_MAYOR, "副町長"),
        (HEAD_OF_GENERAL_AFFAIRS, "総務課長"),
        (HEAD_OF_RESIDENTS_AND_TAX, "住民税務課長"),
        ("head-welfare", "福祉課長"),
        ("head-nakayubetsu-branch", "中湧別出張所長"),
    ];
    // ja-only-end
    names
        .into_iter()
        .map(|(id, name)| Position {
            id: id.to_string(),
            name: name.to_string(),
        })
        .collect()
}

/// The mapping of the text as amended up to 2024-03-29, effective from the directive's date.
pub fn default_role_assignments() -> Vec<RoleAssigned> {
    let since = NaiveDate::from_ymd_opt(2009, 10, 5).expect("valid date");
    // ja-only: the basis is stored data, citing the directive as it is written
    let basis = "平成21年訓令第14号（令和6年3月29日改正まで）";
    [
        (Role::GeneralManager, DEPUTY_MAYOR),
        (Role::SystemAdministrator, HEAD_OF_GENERAL_AFFAIRS),
        (Role::SecurityOfficer, HEAD_OF_RESIDENTS_AND_TAX),
        (Role::AccessManagementOfficer, HEAD_OF_RESIDENTS_AND_TAX),
        (Role::IdentityDataManager, HEAD_OF_RESIDENTS_AND_TAX),
        (Role::OtherAssetManager, HEAD_OF_GENERAL_AFFAIRS),
        (Role::EntryManagerSecureRooms, HEAD_OF_GENERAL_AFFAIRS),
        (Role::EntryManagerCounters, HEAD_OF_RESIDENTS_AND_TAX),
    ]
    .into_iter()
    .map(|(role, position)| RoleAssigned {
        role,
        position_id: position.to_string(),
        effective_from: since,
        basis: basis.to_string(),
    })
    .collect()
}

/// The role mapping and the holders of positions, as recorded. Sets: the same records give
/// the same answers whatever order they were recorded or arrived in (a tie is decided by the
/// records' own order, not by which came first).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Organisation {
    pub assignments: BTreeSet<RoleAssigned>,
    pub tenures: BTreeSet<TenureRecorded>,
}

impl Organisation {
    /// The position holding `role` on `day`: the latest mapping in effect then.
    pub fn position_for(&self, role: Role, day: NaiveDate) -> Option<&str> {
        self.assignments
            .iter()
            .filter(|a| a.role == role && a.effective_from <= day)
            .max_by_key(|a| a.effective_from)
            .map(|a| a.position_id.as_str())
    }

    /// Who held `position_id` on `day`.
    pub fn holder_of_position(&self, position_id: &str, day: NaiveDate) -> Option<&str> {
        self.tenures
            .iter()
            .find(|t| t.position_id == position_id && t.covers(day))
            .map(|t| t.holder.as_str())
    }

    /// Who held `role` on `day`: the mapping then, and the holder of that position then.
    pub fn who_held(&self, role: Role, day: NaiveDate) -> Option<&str> {
        self.holder_of_position(self.position_for(role, day)?, day)
    }

    /// Every role `staff_id` held on `day`.
    pub fn roles_of(&self, staff_id: &str, day: NaiveDate) -> Vec<Role> {
        Role::ALL
            .into_iter()
            .filter(|role| self.who_held(*role, day) == Some(staff_id))
            .collect()
    }

    /// Adds a refusal to `refusals` unless `person` held `role` on `day`: the check behind
    /// "only the … may do this", citing the article of the act.
    pub fn require(
        &self,
        role: Role,
        person: &str,
        day: NaiveDate,
        article: Article,
        refusals: &mut Refusals,
    ) {
        if self.who_held(role, day) != Some(person) {
            let code = RefusalCode::NotInRole {
                role: role.name_text().to_string(),
            };
            refusals.push(Refusal::new(code, Field::GrantedBy, Some(article)));
        }
    }

    /// A position has one holder at a time, and a term ends no earlier than it starts.
    pub fn check_tenure(&self, tenure: &TenureRecorded) -> Result<(), Refusals> {
        let mut refusals = Refusals::default();
        if tenure.to.is_some_and(|to| to < tenure.from) {
            refusals.push(Refusal::new(
                RefusalCode::EndsBeforeStart,
                Field::Period,
                None,
            ));
        }
        let clash = self
            .tenures
            .iter()
            .find(|t| t.position_id == tenure.position_id && t.overlaps(tenure));
        if let Some(held) = clash {
            let code = RefusalCode::PositionAlreadyHeld {
                holder: held.holder.clone(),
            };
            refusals.push(Refusal::new(code, Field::Period, None));
        }
        refusals.into_result()
    }

    pub fn apply_assignment(&mut self, assignment: &RoleAssigned) {
        self.assignments.insert(assignment.clone());
    }

    pub fn apply_tenure(&mut self, tenure: &TenureRecorded) {
        self.tenures.insert(tenure.clone());
    }
}

/// A town for the tests of other modules: the 2024 mapping, and `holders` of positions from
/// `from` on.
#[cfg(test)]
pub(crate) fn test_town(holders: &[(&str, &str)], from: NaiveDate) -> Organisation {
    let mut org = Organisation::default();
    default_role_assignments()
        .iter()
        .for_each(|a| org.apply_assignment(a));
    for (position, holder) in holders {
        org.apply_tenure(&TenureRecorded {
            position_id: position.to_string(),
            holder: holder.to_string(),
            from,
            to: None,
        });
    }
    org
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn term(
        position: &str,
        holder: &str,
        from: NaiveDate,
        to: Option<NaiveDate>,
    ) -> TenureRecorded {
        TenureRecorded {
            position_id: position.into(),
            holder: holder.into(),
            from,
            to,
        }
    }

    /// The town as seeded, with April transfers: 総務課長 changes on 2024-04-01.
    fn town() -> Organisation {
        let mut org = Organisation::default();
        default_role_assignments()
            .iter()
            .for_each(|a| org.apply_assignment(a));
        for t in [
            term(DEPUTY_MAYOR, "fukuchou", day(2020, 4, 1), None),
            term(
                HEAD_OF_GENERAL_AFFAIRS,
                "soumu-a",
                day(2021, 4, 1),
                Some(day(2024, 3, 31)),
            ),
            term(HEAD_OF_GENERAL_AFFAIRS, "soumu-b", day(2024, 4, 1), None),
            term(HEAD_OF_RESIDENTS_AND_TAX, "juumin", day(2022, 4, 1), None),
        ] {
            org.check_tenure(&t).unwrap();
            org.apply_tenure(&t);
        }
        org
    }

    #[test]
    fn the_2024_mapping_gives_each_role_its_position() {
        let org = town();
        let on = day(2025, 1, 1);
        let expected = [
            (Role::GeneralManager, DEPUTY_MAYOR),
            (Role::SystemAdministrator, HEAD_OF_GENERAL_AFFAIRS),
            (Role::SecurityOfficer, HEAD_OF_RESIDENTS_AND_TAX),
            (Role::AccessManagementOfficer, HEAD_OF_RESIDENTS_AND_TAX),
            (Role::IdentityDataManager, HEAD_OF_RESIDENTS_AND_TAX),
            (Role::OtherAssetManager, HEAD_OF_GENERAL_AFFAIRS),
            (Role::EntryManagerSecureRooms, HEAD_OF_GENERAL_AFFAIRS),
            (Role::EntryManagerCounters, HEAD_OF_RESIDENTS_AND_TAX),
        ];
        for (role, position) in expected {
            assert_eq!(org.position_for(role, on), Some(position), "{role:?}");
        }
        assert_eq!(
            org.position_for(Role::GeneralManager, day(2009, 10, 4)),
            None
        );
    }

    #[test]
    fn who_held_a_role_follows_the_april_transfer() {
        let org = town();
        let role = Role::EntryManagerSecureRooms;
        assert_eq!(org.who_held(role, day(2023, 6, 1)), Some("soumu-a"));
        assert_eq!(org.who_held(role, day(2024, 3, 31)), Some("soumu-a"));
        assert_eq!(org.who_held(role, day(2024, 4, 1)), Some("soumu-b"));
        assert_eq!(
            org.who_held(role, day(2021, 3, 31)),
            None,
            "nobody recorded then"
        );
    }

    #[test]
    fn an_amendment_moves_a_role_from_its_effective_date() {
        let mut org = town();
        org.apply_tenure(&term("head-welfare", "fukushi", day(2023, 4, 1), None));
        org.apply_assignment(&RoleAssigned {
            role: Role::EntryManagerCounters,
            position_id: "head-welfare".into(),
            effective_from: day(2025, 4, 1),
            basis: "令和7年訓令第3号".into(),
        });
        let role = Role::EntryManagerCounters;
        assert_eq!(org.who_held(role, day(2025, 3, 31)), Some("juumin"));
        assert_eq!(org.who_held(role, day(2025, 4, 1)), Some("fukushi"));
        assert!(org.roles_of("fukushi", day(2025, 4, 1)).contains(&role));
        assert!(!org.roles_of("juumin", day(2025, 4, 1)).contains(&role));
    }

    #[test]
    fn one_person_holds_every_role_of_their_position() {
        let roles = town().roles_of("juumin", day(2025, 1, 1));
        assert_eq!(
            roles,
            vec![
                Role::SecurityOfficer,
                Role::AccessManagementOfficer,
                Role::IdentityDataManager,
                Role::EntryManagerCounters
            ]
        );
    }

    #[test]
    fn a_position_has_one_holder_at_a_time() {
        let org = town();
        let overlapping = term(HEAD_OF_GENERAL_AFFAIRS, "soumu-c", day(2024, 3, 1), None);
        let refusals = org.check_tenure(&overlapping).unwrap_err();
        assert_eq!(
            refusals.0[0].code,
            RefusalCode::PositionAlreadyHeld {
                holder: "soumu-a".into()
            }
        );
        let backwards = term("head-welfare", "x", day(2024, 4, 1), Some(day(2024, 3, 1)));
        assert_eq!(
            org.check_tenure(&backwards).unwrap_err().0[0].code,
            RefusalCode::EndsBeforeStart
        );
        let next = term(DEPUTY_MAYOR, "y", day(2019, 4, 1), Some(day(2020, 3, 31)));
        assert_eq!(
            org.check_tenure(&next),
            Ok(()),
            "the day before a term is free"
        );
    }

    #[test]
    fn every_role_names_its_article() {
        assert_eq!(Role::GeneralManager.article().to_string(), "第3条第2項");
        assert_eq!(Role::EntryManagerCounters.article().to_string(), "第18条");
        assert!(Role::ALL.iter().all(|r| !r.name_text().is_empty()));
    }

    #[test]
    fn an_amendment_names_a_known_position_and_its_basis() {
        let mut amendment = default_role_assignments().remove(0);
        amendment.basis = "令和9年4月1日 規程改正".into();
        assert_eq!(check_assignment(&amendment, true), Ok(()));
        amendment.basis = " ".into();
        let refused = check_assignment(&amendment, false).unwrap_err();
        assert_eq!(refused.0.len(), 2);
        assert!(refused.0[1].message_ja().contains("改正の根拠"));
        let nameless = Position {
            id: "p".into(),
            name: "".into(),
        };
        assert!(check_position(&nameless).is_err());
    }
}
