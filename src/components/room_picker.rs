//! Choosing the room: one large button per room, with its level and how many are inside.

use super::inside_list::Occupancy;
use super::keyed::Keyed;
use daicho_core::{tr, Room};
use leptos::prelude::*;

#[component]
pub fn RoomPicker(
    occupancy: Occupancy,
    #[prop(into)] selected: Signal<Option<String>>,
    on_choose: Callback<String>,
) -> impl IntoView {
    view! {
        <nav class="room-picker" aria-label=tr!("部屋を選ぶ")>
            // Keyed by the room's version: an edited room is drawn again.
            <Keyed each=move || occupancy.rooms() key=|r| r.room.version.clone() children=move |r| {
                view! { <RoomButton room=r.room occupancy selected on_choose/> }
            }/>
        </nav>
    }
}

#[component]
fn RoomButton(
    room: Room,
    occupancy: Occupancy,
    selected: Signal<Option<String>>,
    on_choose: Callback<String>,
) -> impl IntoView {
    let id = StoredValue::new(room.id.clone());
    let is_selected = move || id.with_value(|id| selected.with(|s| s.as_ref() == Some(id)));
    let count = move || id.with_value(|id| occupancy.inside(id).len());
    view! {
        <button
            type="button"
            class="room"
            data-level=room.level.number()
            aria-pressed=move || is_selected().to_string()
            on:click=move |_| on_choose.run(id.get_value())
        >
            <span class="level">{tr!("レベル%{level}", level = room.level.number())}</span>
            <span class="name">{room.name.clone()}</span>
            <span class="place">{room.place.clone()}</span>
            <span class="count">{move || tr!("%{count}人 入室中", count = count())}</span>
            {room.is_default.then(|| view! { <span class="default-tag">{tr!("初期値・要編集")}</span> })}
        </button>
    }
}
