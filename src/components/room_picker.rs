//! Choosing the room: one large button per room, with its level and how many are inside.

use daicho_core::Room;
use leptos::prelude::*;
use std::collections::BTreeMap;

#[component]
pub fn RoomPicker(
    rooms: RwSignal<Vec<Room>>,
    selected: RwSignal<Option<String>>,
    counts: RwSignal<BTreeMap<String, u32>>,
) -> impl IntoView {
    view! {
        <nav class="room-picker" aria-label="部屋を選ぶ">
            <For each=move || rooms.get() key=|room| room.id.clone() children=move |room| {
                view! { <RoomButton room selected counts/> }
            }/>
        </nav>
    }
}

#[component]
fn RoomButton(
    room: Room,
    selected: RwSignal<Option<String>>,
    counts: RwSignal<BTreeMap<String, u32>>,
) -> impl IntoView {
    let id = StoredValue::new(room.id.clone());
    let is_selected = move || id.with_value(|id| selected.get().as_ref() == Some(id));
    let count = move || id.with_value(|id| counts.with(|c| c.get(id).copied().unwrap_or(0)));
    view! {
        <button
            type="button"
            class="room"
            data-level=room.level.number()
            aria-pressed=move || is_selected().to_string()
            on:click=move |_| selected.set(Some(id.get_value()))
        >
            <span class="level">{format!("レベル{}", room.level.number())}</span>
            <span class="name">{room.name.clone()}</span>
            <span class="place">{room.place.clone()}</span>
            <span class="count">{count} "人 入室中"</span>
            {room.is_default.then(|| view! { <span class="default-tag">"初期値・要編集"</span> })}
        </button>
    }
}
