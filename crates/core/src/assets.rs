//! Information assets (第13–15条): each has a manager derived from its category, a management
//! method, and — for personal data — designated handlers and measures against leakage.

use crate::organisation::{Organisation, Role};
use crate::refusal::{Field, Refusal, RefusalCode, Refusals};
use crate::tr;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum AssetCategory {
    /// 本人確認情報
    IdentityData,
    /// その他の個人情報
    OtherPersonalData,
    /// 個人情報が記録されたサーバに係る帳票
    ServerForms,
    /// 個人番号カード
    MyNumberCard,
    /// その他の情報
    OtherInformation,
    Software,
    Hardware,
    MagneticDisk,
}

impl AssetCategory {
    pub const ALL: [AssetCategory; 8] = [
        AssetCategory::IdentityData,
        AssetCategory::OtherPersonalData,
        AssetCategory::ServerForms,
        AssetCategory::MyNumberCard,
        AssetCategory::OtherInformation,
        AssetCategory::Software,
        AssetCategory::Hardware,
        AssetCategory::MagneticDisk,
    ];

    pub fn name_text(self) -> Cow<'static, str> {
        match self {
            AssetCategory::IdentityData => tr!("本人確認情報"),
            AssetCategory::OtherPersonalData => tr!("その他の個人情報"),
            AssetCategory::ServerForms => tr!("サーバに係る帳票"),
            AssetCategory::MyNumberCard => tr!("個人番号カード"),
            AssetCategory::OtherInformation => tr!("その他の情報"),
            AssetCategory::Software => tr!("ソフトウェア"),
            AssetCategory::Hardware => tr!("ハードウェア"),
            AssetCategory::MagneticDisk => tr!("磁気ディスク"),
        }
    }

    /// The role that manages assets of this category (第13条第2項): personal data, its server
    /// forms and 個人番号カード by the identity-data manager, all else by the other manager.
    /// Which *position* that is follows the role mapping, so an amendment moves it.
    pub fn manager_role(self) -> Role {
        match self {
            AssetCategory::IdentityData
            | AssetCategory::OtherPersonalData
            | AssetCategory::ServerForms
            | AssetCategory::MyNumberCard => Role::IdentityDataManager,
            _ => Role::OtherAssetManager,
        }
    }

    /// Personal data, for which handlers are designated (第14条第1項).
    pub fn is_personal_data(self) -> bool {
        self.manager_role() == Role::IdentityDataManager
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AssetRegistered {
    pub id: String,
    pub name: String,
    pub category: AssetCategory,
    pub location: String,
    /// 管理方法 (第14条第2項, 第15条).
    pub management_method: String,
}

/// 第14条第1項: who may handle an asset of personal data, from when to when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct HandlerDesignated {
    pub asset_id: String,
    pub person_id: String,
    pub from: NaiveDate,
    pub to: Option<NaiveDate>,
    pub designated_by: String,
}

/// 第14条第1項: a measure against leakage, loss or damage of an asset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct MeasureRecorded {
    pub asset_id: String,
    pub measure: String,
    pub recorded_by: String,
    pub on: NaiveDate,
}

/// The manager of `asset` on `day`: derived, never typed.
pub fn manager_of<'a>(
    asset: &AssetRegistered,
    org: &'a Organisation,
    day: NaiveDate,
) -> Option<&'a str> {
    org.who_held(asset.category.manager_role(), day)
}

pub fn check_asset(asset: &AssetRegistered) -> Result<(), Refusals> {
    let mut refusals = Refusals::default();
    if asset.name.trim().is_empty() {
        refusals.push(Refusal::new(RefusalCode::NameMissing, Field::Name, None));
    }
    if asset.management_method.trim().is_empty() {
        refusals.push(Refusal::new(
            RefusalCode::Missing {
                what: tr!("管理方法").into(),
            },
            Field::Purpose,
            Some(crate::article::Article::new(15)),
        ));
    }
    refusals.into_result()
}

/// Handlers are designated for personal data only, by its manager (第14条第1項).
pub fn check_designation(
    designation: &HandlerDesignated,
    asset: Option<&AssetRegistered>,
    org: &Organisation,
) -> Result<(), Refusals> {
    let mut refusals = Refusals::default();
    let article = Some(crate::article::Article::paragraph(14, 1));
    match asset {
        Some(a) if !a.category.is_personal_data() => refusals.push(Refusal::new(
            RefusalCode::NotPersonalData,
            Field::Permit,
            article,
        )),
        Some(_) => {
            let (by, day) = (designation.designated_by.as_str(), designation.from);
            let article = crate::article::Article::paragraph(14, 1);
            org.require(Role::IdentityDataManager, by, day, article, &mut refusals);
        }
        None => {
            let code = RefusalCode::UnknownRecord {
                what: tr!("情報資産").into(),
            };
            refusals.push(Refusal::new(code, Field::Permit, None));
        }
    }
    if designation.to.is_some_and(|to| to < designation.from) {
        refusals.push(Refusal::new(
            RefusalCode::EndsBeforeStart,
            Field::Period,
            None,
        ));
    }
    refusals.into_result()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::organisation::{RoleAssigned, HEAD_OF_GENERAL_AFFAIRS, HEAD_OF_RESIDENTS_AND_TAX};

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn org() -> Organisation {
        crate::organisation::test_town(
            &[
                (HEAD_OF_GENERAL_AFFAIRS, "soumu"),
                (HEAD_OF_RESIDENTS_AND_TAX, "juumin"),
            ],
            day(2020, 4, 1),
        )
    }

    fn asset(category: AssetCategory) -> AssetRegistered {
        AssetRegistered {
            id: "a1".into(),
            name: "資産".into(),
            category,
            location: "電算室".into(),
            management_method: "施錠保管".into(),
        }
    }

    /// 第13条第2項 for every category, as the 2024 text maps the roles.
    #[test]
    fn the_manager_follows_from_the_category() {
        let org = org();
        let on = day(2025, 1, 1);
        let expected = [
            (AssetCategory::IdentityData, "juumin"),
            (AssetCategory::OtherPersonalData, "juumin"),
            (AssetCategory::ServerForms, "juumin"),
            (AssetCategory::MyNumberCard, "juumin"),
            (AssetCategory::OtherInformation, "soumu"),
            (AssetCategory::Software, "soumu"),
            (AssetCategory::Hardware, "soumu"),
            (AssetCategory::MagneticDisk, "soumu"),
        ];
        assert_eq!(expected.len(), AssetCategory::ALL.len());
        for (category, manager) in expected {
            assert_eq!(
                manager_of(&asset(category), &org, on),
                Some(manager),
                "{category:?}"
            );
        }
    }

    #[test]
    fn an_amendment_of_the_mapping_moves_the_manager() {
        let mut org = org();
        org.apply_assignment(&RoleAssigned {
            role: Role::OtherAssetManager,
            position_id: HEAD_OF_RESIDENTS_AND_TAX.into(),
            effective_from: day(2026, 4, 1),
            basis: "改正".into(),
        });
        let hw = asset(AssetCategory::Hardware);
        assert_eq!(manager_of(&hw, &org, day(2026, 3, 31)), Some("soumu"));
        assert_eq!(manager_of(&hw, &org, day(2026, 4, 1)), Some("juumin"));
    }

    #[test]
    fn handlers_are_designated_for_personal_data_by_its_manager() {
        let org = org();
        let designation = |by: &str| HandlerDesignated {
            asset_id: "a1".into(),
            person_id: "yamada".into(),
            from: day(2025, 4, 1),
            to: None,
            designated_by: by.into(),
        };
        let personal = asset(AssetCategory::IdentityData);
        assert_eq!(
            check_designation(&designation("juumin"), Some(&personal), &org),
            Ok(())
        );
        let refused = check_designation(&designation("soumu"), Some(&personal), &org);
        assert!(matches!(
            refused.unwrap_err().0[0].code,
            RefusalCode::NotInRole { .. }
        ));
        let hw = asset(AssetCategory::Hardware);
        let refused = check_designation(&designation("juumin"), Some(&hw), &org).unwrap_err();
        assert_eq!(refused.0[0].code, RefusalCode::NotPersonalData);
    }

    #[test]
    fn an_asset_needs_a_management_method() {
        let mut a = asset(AssetCategory::MyNumberCard);
        assert_eq!(check_asset(&a), Ok(()));
        a.management_method = " ".into();
        let refusal = &check_asset(&a).unwrap_err().0[0];
        assert_eq!(
            refusal.code,
            RefusalCode::Missing {
                what: "管理方法".into()
            }
        );
        assert!(refusal.message_ja().contains("第15条"));
    }
}
