//! Choices the register forms share: labelled selects of people and rooms, the people
//! permitted into a room as one-tap chips, and the purpose a person gave last time.

use super::record_form::Field;
use crate::components::staff_choice::person_label;
use crate::directory::Directory;
use crate::state::follow_registers;
use chrono::Utc;
use daicho_core::admission::prior_permission;
use daicho_core::people::PersonDefined;
use daicho_core::sort::sort_by_key;
use daicho_core::{tr, Room};
use leptos::prelude::*;
use std::future::Future;

/// Chooses a person from the register (staff first); `value` holds the person id.
#[component]
pub fn PersonSelect(
    id: &'static str,
    /// The field's label (a `tr!` text, or a plain `&'static str`).
    #[prop(into)]
    label: String,
    value: RwSignal<String>,
    /// The field of daicho-core's refusals shown under it.
    #[prop(optional)]
    refusals: Option<daicho_core::Field>,
) -> impl IntoView {
    let directory = expect_context::<Directory>();
    let choices = move || {
        let mut people: Vec<_> = directory.0.with(|m| m.values().cloned().collect());
        sort_by_key(&mut people, |p| {
            (!p.is_staff(), p.affiliation.clone(), p.name.clone())
        });
        people
            .into_iter()
            .map(|p| {
                let text = person_label(&p);
                (p.id, text)
            })
            .collect()
    };
    labelled_select(id, label, value, refusals, choices)
}

/// Chooses one of `rooms` (shown with its level); `value` holds the room id.
#[component]
pub fn RoomSelect(
    id: &'static str,
    /// The field's label (a `tr!` text, or a plain `&'static str`).
    #[prop(into)]
    label: String,
    #[prop(into)] rooms: Signal<Vec<Room>>,
    value: RwSignal<String>,
    /// The field of daicho-core's refusals shown under it.
    #[prop(optional)]
    refusals: Option<daicho_core::Field>,
) -> impl IntoView {
    let choices = move || {
        rooms
            .get()
            .into_iter()
            .map(|r| {
                let (name, level) = (&r.name, r.level.number());
                let text = tr!("%{name}（レベル%{level}）", name = name, level = level);
                (r.id.clone(), text.into_owned())
            })
            .collect()
    };
    labelled_select(id, label, value, refusals, choices)
}

/// A labelled select of `(value, text)` choices after an empty "選んでください".
fn labelled_select(
    id: &'static str,
    label: String,
    value: RwSignal<String>,
    refusals: Option<daicho_core::Field>,
    choices: impl Fn() -> Vec<(String, String)> + Send + Sync + 'static,
) -> impl IntoView {
    let options = move || {
        choices()
            .into_iter()
            .map(|(v, text)| view! { <option value=v>{text}</option> })
            .collect_view()
    };
    let described_by = refusals.map(|_| format!("{id}-error"));
    let select = view! {
        <select id=id aria-describedby=described_by prop:value=move || value.get()
            on:change=move |ev| value.set(event_target_value(&ev))>
            <option value="">{tr!("選んでください")}</option>
            {options}
        </select>
    };
    labelled(id.to_string(), label, refusals, select)
}

/// `input` in a `Field`, with the refusals of `refusals` (if any) under it.
pub fn labelled(
    id: String,
    label: String,
    refusals: Option<daicho_core::Field>,
    input: impl IntoView + 'static,
) -> AnyView {
    match refusals {
        Some(field) => view! { <Field id label=label refusals=field>{input}</Field> }.into_any(),
        None => view! { <Field id label=label>{input}</Field> }.into_any(),
    }
}

/// The people permitted into the room now, as buttons: the usual case is one tap.
#[component]
pub fn PermittedChips(room: Signal<Option<Room>>, person_id: RwSignal<String>) -> impl IntoView {
    let directory = expect_context::<Directory>();
    // Read again after each write (no entry or exit changes them) or sync: a permission
    // granted meanwhile adds its chip.
    let permits = follow_registers(move |store| async move {
        let (permits, measures) = futures::join!(store.permits(), store.entry_measures());
        (permits.unwrap_or_default(), measures.unwrap_or_default())
    });
    // Drawn again only when who is permitted changes, not at every read.
    let permitted = Memo::new(move |_| {
        let (Some(room), Some((permits, measures))) = (room.get(), permits.get()) else {
            return Vec::new();
        };
        let now = Utc::now();
        let permitted = |id: &str| prior_permission(&permits, &measures, id, &room, now).is_ok();
        directory.0.with(|m| {
            m.values()
                .filter(|p| permitted(&p.id))
                .cloned()
                .collect::<Vec<PersonDefined>>()
        })
    });
    let chips = move || {
        permitted
            .get()
            .into_iter()
            .map(|p| {
                let (id, chosen) = (p.id.clone(), p.id.clone());
                view! {
                    <button type="button" class="chip" data-person=p.id.clone()
                        aria-pressed=move || (person_id.get() == chosen).to_string()
                        on:click=move |_| person_id.set(id.clone())>
                        {p.name.clone()}
                    </button>
                }
            })
            .collect_view()
    };
    view! { <div class="chips" role="group" aria-label=tr!("この室に入室できる方")>{chips}</div> }
}

/// Fills `purpose`, while it is empty, with what `last` reads for the person chosen in
/// `person`: the purpose they gave last time (in this room, for this key) is usually the
/// purpose again. `last` is read again when the person, or a signal it reads, changes.
pub fn fill_last_purpose<Fut>(
    person: RwSignal<String>,
    purpose: RwSignal<String>,
    last: impl Fn(String) -> Fut + 'static,
) where
    Fut: Future<Output = Option<String>> + 'static,
{
    let read = LocalResource::new(move || {
        let who = person.get();
        let last = (!who.is_empty()).then(|| last(who.clone()));
        async move { Some((who, last?.await?)) }
    });
    Effect::new(move |_| {
        let Some(Some((who, last))) = read.get() else {
            return;
        };
        // An answer for someone chosen before, read slower than the choice, is left unused.
        let still = person.with_untracked(|id| *id == who);
        if still && purpose.with_untracked(String::is_empty) {
            purpose.set(last);
        }
    });
}
