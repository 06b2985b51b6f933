//! Staff and visitors: the people the registers name by id.

use crate::refusal::{Field, Refusal, RefusalCode, Refusals};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PersonKind {
    /// Town staff; 所属 is their section (the positions they hold are terms of office).
    Staff,
    /// A visitor (contractor, auditor); 所属 is their company or organisation.
    Visitor,
}

/// A person as defined or redefined (master data: the latest definition wins).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PersonDefined {
    pub id: String,
    pub name: String,
    pub affiliation: String,
    pub kind: PersonKind,
}

impl PersonDefined {
    pub fn is_staff(&self) -> bool {
        self.kind == PersonKind::Staff
    }
}

pub fn check_person(person: &PersonDefined) -> Result<(), Refusals> {
    let mut refusals = Refusals::default();
    if person.name.trim().is_empty() {
        refusals.push(Refusal::new(RefusalCode::NameMissing, Field::Name, None));
    }
    if person.affiliation.trim().is_empty() {
        refusals.push(Refusal::new(
            RefusalCode::AffiliationMissing,
            Field::Affiliation,
            None,
        ));
    }
    refusals.into_result()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_person_needs_a_name_and_an_affiliation() {
        let mut p = PersonDefined {
            id: "p1".into(),
            name: "山田 太郎".into(),
            affiliation: "総務課".into(),
            kind: PersonKind::Staff,
        };
        assert_eq!(check_person(&p), Ok(()));
        p.name = " ".into();
        p.affiliation = String::new();
        let fields: Vec<Field> = check_person(&p)
            .unwrap_err()
            .0
            .iter()
            .map(|r| r.field)
            .collect();
        assert_eq!(fields, vec![Field::Name, Field::Affiliation]);
    }
}
