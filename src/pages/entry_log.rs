//! 入退室管理簿 (第17条・第19条第1項): pick the room, record who enters, see who is inside and
//! record their exit with one tap, and read the room's logbook.

use crate::components::entry_form::EntryForm;
use crate::components::inside_list::{InsideList, Occupancy};
use crate::components::logbook_browser::LogbookBrowser;
use crate::components::room_picker::RoomPicker;
use daicho_core::{tr, Room};
use leptos::prelude::*;

const ROOM_KEY: &str = "daicho.entry_log.room";

fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

fn remembered_room() -> Option<String> {
    local_storage()?.get_item(ROOM_KEY).ok().flatten()
}

/// Remembers the room the tablet shows (it reopens there; home's room buttons set it).
pub fn remember_room(room_id: &str) {
    if let Some(storage) = local_storage() {
        let _ = storage.set_item(ROOM_KEY, room_id);
    }
}

/// A User Timing mark when the page first becomes usable (read by the bench command).
fn mark_ready() {
    if let Some(performance) = web_sys::window().and_then(|w| w.performance()) {
        let _ = performance.mark("daicho-ready");
    }
}

#[component]
pub fn EntryLogPage() -> impl IntoView {
    let occupancy = Occupancy::read();
    // A tablet stays at one door: it reopens on the room it showed last.
    let chosen = RwSignal::new(remembered_room());
    let selected = Memo::new(move |_| shown_room(occupancy, chosen.get()));
    Effect::new(move |_| {
        if let Some(id) = selected.get() {
            remember_room(&id);
        }
    });
    // Memos: the form and the logbook follow the room chosen, not every read of who is inside.
    let room = Memo::new(move |_| {
        let id = selected.get()?;
        let rooms = occupancy.rooms();
        rooms.into_iter().find(|r| r.room.id == id).map(|r| r.room)
    });
    let rooms = Memo::new(move |_| {
        let rooms = occupancy.rooms();
        rooms.into_iter().map(|r| r.room).collect::<Vec<Room>>()
    });
    let inside = Signal::derive(move || {
        let id = selected.get();
        id.map(|id| occupancy.inside(&id)).unwrap_or_default()
    });
    // The bench's mark, once: when who is inside is first read.
    Effect::new(move |marked: Option<bool>| {
        if marked == Some(true) {
            return true;
        }
        let read = occupancy.is_read();
        if read {
            mark_ready();
        }
        read
    });
    let time = RwSignal::new(None::<String>);
    let notice = RwSignal::new(None::<String>);
    // The room chosen, the entry goes on with the person.
    let choose = Callback::new(move |id: String| {
        chosen.set(Some(id));
        crate::components::focus::focus_next("entry-person");
    });
    view! {
        <div class="entry-log" data-ready=move || occupancy.is_read().then_some("true")>
            {move || occupancy.error().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
            <RoomPicker occupancy selected on_choose=choose/>
            <p class="notice" role="status">{move || notice.get()}</p>
            <div class="columns">
                <EntryForm room time occupancy notice/>
                <section class="inside" aria-labelledby="inside-heading">
                    <h2 id="inside-heading">
                        {tr!("入室中")} " " <span class="count">{move || tr!("%{n}人", n = inside.with(Vec::len))}</span>
                    </h2>
                    <InsideList inside occupancy time notice/>
                </section>
            </div>
            <section class="log" aria-labelledby="log-heading">
                <h2 id="log-heading">{tr!("入退室管理簿")}</h2>
                <LogbookBrowser rooms selected/>
            </section>
        </div>
    }
}

/// The room shown: the one chosen while the register has it, else the first. Until the rooms
/// are read, the one chosen (so the logbook reads it from the start).
fn shown_room(occupancy: Occupancy, chosen: Option<String>) -> Option<String> {
    if !occupancy.is_read() {
        return chosen;
    }
    let rooms = occupancy.rooms();
    let known = chosen.filter(|id| rooms.iter().any(|r| r.room.id == *id));
    known.or_else(|| rooms.first().map(|r| r.room.id.clone()))
}
