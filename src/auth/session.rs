//! The operator signed in on this tab. Kept in sessionStorage, so a reload keeps the sign-in
//! and closing the tab ends it.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

const KEY: &str = "daicho.operator";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Operator {
    pub person_id: String,
    pub name: String,
}

/// The signed-in operator, shared through the component tree.
#[derive(Clone, Copy)]
pub struct Session(pub RwSignal<Option<Operator>>);

impl Session {
    /// The session of this tab, as left before a reload.
    pub fn restore() -> Session {
        let saved = storage()
            .and_then(|s| s.get_item(KEY).ok().flatten())
            .and_then(|json| serde_json::from_str(&json).ok());
        Session(RwSignal::new(saved))
    }

    pub fn sign_in(&self, operator: Operator) {
        if let (Some(storage), Ok(json)) = (storage(), serde_json::to_string(&operator)) {
            let _ = storage.set_item(KEY, &json);
        }
        self.0.set(Some(operator));
    }

    pub fn sign_out(&self) {
        if let Some(storage) = storage() {
            let _ = storage.remove_item(KEY);
        }
        self.0.set(None);
    }

    /// The id recorded on events (every event carries its operator, 第12条).
    pub fn operator_id(&self) -> String {
        self.0
            .with_untracked(|o| o.as_ref().map(|o| o.person_id.clone()))
            .unwrap_or_default()
    }
}

/// The operator signed in on this tab, read outside the component tree (the sync runner
/// records its syncs as their act, 第12条); empty when nobody is.
pub fn signed_in_id() -> String {
    storage()
        .and_then(|s| s.get_item(KEY).ok().flatten())
        .and_then(|json| serde_json::from_str::<Operator>(&json).ok())
        .map(|o| o.person_id)
        .unwrap_or_default()
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok().flatten()
}
