//! `<select>` options shared by the register forms.

use crate::directory::Directory;
use daicho_core::Room;
use leptos::prelude::*;

/// Everyone in the people register, staff first.
#[component]
pub fn PersonOptions() -> impl IntoView {
    let directory = expect_context::<Directory>();
    view! {
        <option value="">"選んでください"</option>
        {move || {
            let mut people: Vec<_> = directory.0.with(|m| m.values().cloned().collect());
            people.sort_by_key(|p| (!p.is_staff(), p.affiliation.clone(), p.name.clone()));
            people
                .into_iter()
                .map(|p| view! { <option value=p.id.clone()>{format!("{}（{}）", p.name, p.affiliation)}</option> })
                .collect_view()
        }}
    }
}

/// The rooms given, with their level.
#[component]
pub fn RoomOptions(#[prop(into)] rooms: Signal<Vec<Room>>) -> impl IntoView {
    view! {
        <option value="">"選んでください"</option>
        {move || rooms.get().into_iter().map(|r| view! {
            <option value=r.id.clone()>{format!("{}（レベル{}）", r.name, r.level.number())}</option>
        }).collect_view()}
    }
}
