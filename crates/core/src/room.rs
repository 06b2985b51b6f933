//! Rooms and their security level (第17条第1項): level 3 keeps network data and security
//! information, level 2 holds the servers, level 1 is where the terminals stand.

use crate::tr;
use crate::version::Versioned;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(try_from = "u8", into = "u8")]
pub enum SecurityLevel {
    One,
    Two,
    Three,
}

impl SecurityLevel {
    pub fn number(self) -> u8 {
        match self {
            SecurityLevel::One => 1,
            SecurityLevel::Two => 2,
            SecurityLevel::Three => 3,
        }
    }

    /// What the level means, as 第17条第1項 describes it.
    pub fn description_text(self) -> Cow<'static, str> {
        match self {
            SecurityLevel::Three => tr!("ネットワーク関係データ・セキュリティ情報の保管室"),
            SecurityLevel::Two => tr!("サーバ・ネットワーク機器の設置室"),
            SecurityLevel::One => tr!("端末機の設置場所（住民窓口）"),
        }
    }
}

impl From<SecurityLevel> for u8 {
    fn from(level: SecurityLevel) -> u8 {
        level.number()
    }
}

impl TryFrom<u8> for SecurityLevel {
    type Error = String;

    fn try_from(n: u8) -> Result<Self, Self::Error> {
        match n {
            1 => Ok(SecurityLevel::One),
            2 => Ok(SecurityLevel::Two),
            3 => Ok(SecurityLevel::Three),
            _ => Err(tr!("セキュリティレベルは1〜3です（第17条第1項）: %{n}", n = n).into_owned()),
        }
    }
}

/// A room as defined or redefined by a person (master data: the latest definition wins).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RoomDefined {
    pub id: String,
    pub name: String,
    pub place: String,
    pub level: SecurityLevel,
    /// Seeded on first run as an example, for the town to edit.
    pub is_default: bool,
}

/// A room in the register: its newest definition, with that definition's version.
pub type Room = Versioned<RoomDefined>;

/// The order rooms are listed in: the highest security level first, then by name.
pub fn most_secure_first(a: &Room, b: &Room) -> std::cmp::Ordering {
    b.level.cmp(&a.level).then_with(|| a.name.cmp(&b.name))
}

/// One example room per level, seeded on first run (第16条・第17条). Fixed ids, so that every
/// device seeds the same three rooms rather than three each.
/// A room needs a name and a place (第17条第1項 names rooms by what they hold and where).
pub fn check_room(def: &RoomDefined) -> Result<(), crate::Refusals> {
    use crate::refusal::{Field, Refusal, RefusalCode};
    let mut refusals = crate::Refusals::default();
    for (value, what) in [(&def.name, tr!("室の名称")), (&def.place, tr!("場所"))] {
        if value.trim().is_empty() {
            let code = RefusalCode::Missing { what: what.into() };
            refusals.push(Refusal::new(code, Field::Room, None));
        }
    }
    if def.id.trim().is_empty() {
        refusals.push(Refusal::new(RefusalCode::UnknownRoom, Field::Room, None));
    }
    refusals.into_result()
}

pub fn default_rooms() -> Vec<RoomDefined> {
    // ja-only-begin: the example rooms' names and place are data, seeded for the town to edit
    let room = |id: &str, name: &str, level| RoomDefined {
        id: id.to_string(),
        name: name.to_string(),
        place: "上湧別庁舎".to_string(),
        level,
        is_default: true,
    };
    vec![
        room(
            "default-level-3",
            "データ・セキュリティ情報保管室",
            SecurityLevel::Three,
        ),
        room("default-level-2", "電算室（サーバ室）", SecurityLevel::Two),
        room("default-level-1", "住民窓口", SecurityLevel::One),
    ]
    // ja-only-end
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_room_needs_a_name_and_a_place() {
        let mut def = default_rooms().remove(0);
        assert_eq!(check_room(&def), Ok(()));
        def.name = " ".into();
        def.place = String::new();
        let refused = check_room(&def).unwrap_err();
        assert_eq!(refused.0.len(), 2);
        assert!(refused.0[0].message_ja().contains("室の名称"));
    }

    #[test]
    fn levels_serialise_as_their_number_and_refuse_others() {
        assert_eq!(serde_json::to_string(&SecurityLevel::Three).unwrap(), "3");
        assert_eq!(
            serde_json::from_str::<SecurityLevel>("1").unwrap(),
            SecurityLevel::One
        );
        assert!(serde_json::from_str::<SecurityLevel>("4").is_err());
    }

    #[test]
    fn one_default_room_per_level() {
        let levels: Vec<u8> = default_rooms().iter().map(|r| r.level.number()).collect();
        assert_eq!(levels, vec![3, 2, 1]);
        assert!(default_rooms().iter().all(|r| r.is_default));
    }
}
