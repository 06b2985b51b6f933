//! Labelled `<select>` fields shared by the register forms.

use crate::directory::Directory;
use chrono::Utc;
use daicho_core::people::PersonDefined;
use daicho_core::room_permit::{is_permitted, Permit};
use daicho_core::Room;
use leptos::prelude::*;
use leptos::task::spawn_local;

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
            .map(|r| {
                (
                    r.id.clone(),
                    format!("{}（レベル{}）", r.name, r.level.number()),
                )
            })
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
            <select id=id prop:value=move || value.get()
                on:change=move |ev| value.set(event_target_value(&ev))>
                <option value="">"選んでください"</option>
                {options}
            </select>
        </div>
    }
}

/// The people permitted into the room now, as buttons: the usual case is one tap.
#[component]
pub fn PermittedChips(room: Signal<Option<Room>>, person_id: RwSignal<String>) -> impl IntoView {
    let store = crate::state::use_store_value();
    let directory = expect_context::<Directory>();
    let permits = RwSignal::new(Vec::<Permit>::new());
    spawn_local(async move {
        if let Ok(p) = store.get_value().permits().await {
            permits.set(p);
        }
    });
    let chips = move || {
        let room = room.get()?;
        let now = Utc::now();
        let people: Vec<PersonDefined> = permits.with(|permits| {
            directory.0.with(|m| {
                m.values()
                    .filter(|p| is_permitted(permits, &p.id, &room, now))
                    .cloned()
                    .collect()
            })
        });
        Some(
            people
                .into_iter()
                .map(|p| {
                    let id = p.id.clone();
                    let chosen = p.id.clone();
                    view! {
                        <button type="button" class="chip" data-person=p.id.clone()
                            aria-pressed=move || (person_id.get() == chosen).to_string()
                            on:click=move |_| person_id.set(id.clone())>
                            {p.name.clone()}
                        </button>
                    }
                })
                .collect_view(),
        )
    };
    view! { <div class="chips" role="group" aria-label="この室に入室できる方">{chips}</div> }
}
