//! Equipment under access control (第8条第1項) and where it stands (第16条).

use crate::refusal::{Field, Refusal, RefusalCode, Refusals};
use crate::tr;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum EquipmentKind {
    /// サーバ
    Server,
    /// 業務端末
    Terminal,
}

impl EquipmentKind {
    pub fn name_text(self) -> Cow<'static, str> {
        match self {
            EquipmentKind::Server => tr!("サーバ"),
            EquipmentKind::Terminal => tr!("業務端末"),
        }
    }
}

/// A machine in the equipment register (master data: the latest definition wins).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct EquipmentRegistered {
    pub id: String,
    pub kind: EquipmentKind,
    pub name: String,
    pub place: String,
    pub is_default: bool,
}

/// 第16条: the server in the 電算室 of the 上湧別庁舎; terminals at the 住民税務課, 福祉課 and
/// 中湧別出張所 resident counters.
pub fn default_equipment() -> Vec<EquipmentRegistered> {
    let item = |id: &str, kind, name: &str, place: &str| EquipmentRegistered {
        id: id.to_string(),
        kind,
        name: name.to_string(),
        place: place.to_string(),
        is_default: true,
    };
    // ja-only-begin: the places 第16条 names, seeded as data for the town to edit
    vec![
        item(
            "default-server",
            EquipmentKind::Server,
            "住基ネットサーバ",
            "上湧別庁舎 電算室",
        ),
        item(
            "default-terminal-juumin",
            EquipmentKind::Terminal,
            "業務端末",
            "住民税務課 住民窓口",
        ),
        item(
            "default-terminal-fukushi",
            EquipmentKind::Terminal,
            "業務端末",
            "福祉課 住民窓口",
        ),
        item(
            "default-terminal-nakayubetsu",
            EquipmentKind::Terminal,
            "業務端末",
            "中湧別出張所 住民窓口",
        ),
    ]
    // ja-only-end
}

pub fn check_equipment(equipment: &EquipmentRegistered) -> Result<(), Refusals> {
    let mut refusals = Refusals::default();
    for (value, what, field) in [
        (&equipment.name, tr!("機器の名称"), Field::Name),
        (&equipment.place, tr!("設置場所"), Field::Room),
    ] {
        if value.trim().is_empty() {
            let code = RefusalCode::Missing { what: what.into() };
            refusals.push(Refusal::new(code, field, Some(crate::Article::new(16))));
        }
    }
    refusals.into_result()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_are_the_places_of_article_16() {
        let defaults = default_equipment();
        let servers: Vec<_> = defaults
            .iter()
            .filter(|e| e.kind == EquipmentKind::Server)
            .collect();
        assert_eq!(servers.len(), 1);
        assert!(servers[0].place.contains("電算室"));
        let places: Vec<&str> = defaults
            .iter()
            .filter(|e| e.kind == EquipmentKind::Terminal)
            .map(|e| e.place.as_str())
            .collect();
        assert_eq!(places.len(), 3);
        for counter in ["住民税務課", "福祉課", "中湧別出張所"] {
            assert!(places.iter().any(|p| p.contains(counter)), "{counter}");
        }
        assert!(defaults
            .iter()
            .all(|e| e.is_default && check_equipment(e).is_ok()));
    }

    #[test]
    fn a_machine_needs_a_name_and_a_place() {
        let mut e = default_equipment().remove(0);
        e.place = String::new();
        let refusal = &check_equipment(&e).unwrap_err().0[0];
        assert!(refusal
            .message_ja()
            .starts_with("設置場所を入力してください"));
        assert!(refusal.message_ja().contains("第16条"));
    }
}
