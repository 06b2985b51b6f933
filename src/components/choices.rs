//! Labelled `<select>` fields shared by the register forms.

use crate::directory::Directory;
use daicho_core::Room;
use leptos::prelude::*;

/// Chooses a person from the register (staff first); `value` holds the person id.
#[component]
pub fn PersonSelect(
    id: &'static str,
    label: &'static str,
    value: RwSignal<String>,
) -> impl IntoView {
    let directory = expect_context::<Directory>();
    let choices = move || {
        let mut people: Vec<_> = directory.0.with(|m| m.values().cloned().collect());
        people.sort_by_key(|p| (!p.is_staff(), p.affiliation.clone(), p.name.clone()));
        people
            .into_iter()
            .map(|p| (p.id, format!("{}（{}）", p.name, p.affiliation)))
            .collect()
    };
    labelled_select(id, label, value, choices)
}

/// Chooses one of `rooms` (shown with its level); `value` holds the room id.
#[component]
pub fn RoomSelect(
    id: &'static str,
    label: &'static str,
    #[prop(into)] rooms: Signal<Vec<Room>>,
    value: RwSignal<String>,
) -> impl IntoView {
    let choices = move || {
        rooms
            .get()
            .into_iter()
            .map(|r| (r.id, format!("{}（レベル{}）", r.name, r.level.number())))
            .collect()
    };
    labelled_select(id, label, value, choices)
}

/// A labelled select of `(value, text)` choices after an empty "選んでください".
fn labelled_select(
    id: &'static str,
    label: &'static str,
    value: RwSignal<String>,
    choices: impl Fn() -> Vec<(String, String)> + Send + Sync + 'static,
) -> impl IntoView {
    let options = move || {
        choices()
            .into_iter()
            .map(|(v, text)| view! { <option value=v>{text}</option> })
            .collect_view()
    };
    view! {
        <div class="field">
            <label for=id>{label}</label>
            <select id=id on:change=move |ev| value.set(event_target_value(&ev))>
                <option value="">"選んでください"</option>
                {options}
            </select>
        </div>
    }
}
