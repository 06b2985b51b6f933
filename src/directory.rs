//! The people register as the pages read it: who an id is (the operator on each event is a
//! person id).

use daicho_core::people::PersonDefined;
use daicho_core::tr;
use leptos::prelude::*;
use std::collections::BTreeMap;

#[derive(Clone, Copy)]
pub struct Directory(pub RwSignal<BTreeMap<String, PersonDefined>>);

impl Directory {
    pub fn new(people: Vec<PersonDefined>) -> Self {
        let map = people.into_iter().map(|p| (p.id.clone(), p)).collect();
        Directory(RwSignal::new(map))
    }

    /// The whole register again (after a sync brought other devices' people).
    /// Unchanged (a write that was not a person's), nothing that shows people is drawn again.
    pub fn replace(&self, people: Vec<PersonDefined>) {
        let map: BTreeMap<String, PersonDefined> =
            people.into_iter().map(|p| (p.id.clone(), p)).collect();
        if self.0.with_untracked(|m| *m != map) {
            self.0.set(map);
        }
    }

    pub fn put(&self, person: PersonDefined) {
        self.0.update(|m| {
            m.insert(person.id.clone(), person);
        });
    }

    /// The name of `id`, or `id` itself for what is not a person (the system's own events).
    pub fn name_of(&self, id: &str) -> String {
        self.0
            .with(|m| m.get(id).map(|p| p.name.clone()))
            .or_else(|| system_name(id))
            .unwrap_or_else(|| id.to_string())
    }

    pub fn staff(&self) -> Vec<PersonDefined> {
        self.0
            .with(|m| m.values().filter(|p| p.is_staff()).cloned().collect())
    }
}

/// The app's own operators, recorded under a Japanese id, in the reader's language.
fn system_name(id: &str) -> Option<String> {
    let name = if id == crate::sync::AUTOMATIC {
        tr!("システム（自動同期）")
    } else if id == crate::store::SYSTEM_OPERATOR {
        tr!("システム（初期設定）")
    } else {
        return None;
    };
    Some(name.into_owned())
}
