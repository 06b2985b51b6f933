//! 入退室管理簿 (第17条・第19条第1項): pick the room, record who enters, see who is inside and
//! record their exit with one tap, and read the room's logbook.

use crate::components::entry_form::EntryForm;
use crate::components::inside_list::InsideList;
use crate::components::logbook_browser::LogbookBrowser;
use crate::components::room_picker::RoomPicker;
use crate::store::Store;
use daicho_core::{wareki, EntryRecord, Room};
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::collections::BTreeMap;
use std::rc::Rc;

/// What the page shows of the selected room, kept in signals and updated in place after a
/// write, so a recorded line appears without reading the store again.
#[derive(Clone, Copy)]
struct RoomView {
    rooms: RwSignal<Vec<Room>>,
    selected: RwSignal<Option<String>>,
    counts: RwSignal<BTreeMap<String, u32>>,
    inside: RwSignal<Vec<EntryRecord>>,
    error: RwSignal<Option<String>>,
    ready: RwSignal<bool>,
}

impl RoomView {
    fn new() -> Self {
        RoomView {
            rooms: RwSignal::new(Vec::new()),
            selected: RwSignal::new(None),
            counts: RwSignal::new(BTreeMap::new()),
            inside: RwSignal::new(Vec::new()),
            error: RwSignal::new(None),
            ready: RwSignal::new(false),
        }
    }

    fn room(&self) -> Option<Room> {
        let id = self.selected.get()?;
        self.rooms
            .with(|rooms| rooms.iter().find(|r| r.id == id).cloned())
    }

    /// Reads the rooms and their counts, then selects the first room.
    async fn load_rooms(self, store: Rc<Store>) -> Result<(), String> {
        let rooms = store.rooms().await.map_err(|e| e.to_string())?;
        let mut counts = BTreeMap::new();
        for room in &rooms {
            let n = store
                .inside_count(&room.id)
                .await
                .map_err(|e| e.to_string())?;
            counts.insert(room.id.clone(), n);
        }
        self.counts.set(counts);
        if self.selected.get_untracked().is_none() {
            // A tablet stays at one door: reopen on the room it last showed.
            let last = remembered_room().filter(|id| rooms.iter().any(|r| &r.id == id));
            self.selected
                .set(last.or_else(|| rooms.first().map(|r| r.id.clone())));
        }
        self.rooms.set(rooms);
        Ok(())
    }

    /// Reads who is inside `room_id`.
    async fn load_room(self, store: Rc<Store>, room_id: String) -> Result<(), String> {
        let inside = store.inside(&room_id).await.map_err(|e| e.to_string())?;
        if self.selected.get_untracked().as_deref() == Some(&room_id) {
            self.counts.update(|c| {
                c.insert(room_id, inside.len() as u32);
            });
            self.inside.set(inside);
            if !self.ready.get_untracked() {
                self.ready.set(true);
                mark_ready();
            }
        }
        Ok(())
    }

    fn entered(&self, record: &EntryRecord) {
        self.inside.update(|v| v.push(record.clone()));
        self.counts
            .update(|c| *c.entry(record.room_id.clone()).or_default() += 1);
    }

    fn exited(&self, record: &EntryRecord) {
        self.inside.update(|v| v.retain(|e| e.id != record.id));
        self.counts.update(|c| {
            if let Some(n) = c.get_mut(&record.room_id) {
                *n = n.saturating_sub(1);
            }
        });
    }
}

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
    let store = crate::state::use_store();
    let store = StoredValue::new_local(store);
    let view_state = RoomView::new();
    let time = RwSignal::new(None::<String>);
    let notice = RwSignal::new(None::<String>);

    let report = move |result: Result<(), String>| {
        if let Err(e) = result {
            view_state.error.set(Some(e));
        }
    };
    spawn_local(async move { report(view_state.load_rooms(store.get_value()).await) });
    let reload_room = move || {
        if let Some(room_id) = view_state.selected.get_untracked() {
            spawn_local(
                async move { report(view_state.load_room(store.get_value(), room_id).await) },
            );
        }
    };
    Effect::new(move |_| {
        if let Some(room_id) = view_state.selected.get() {
            remember_room(&room_id);
            reload_room();
        }
    });

    let on_recorded = Callback::new(move |record: EntryRecord| {
        view_state.entered(&record);
        let at = wareki::datetime_ja(record.entered_at);
        notice.set(Some(format!(
            "{}さんの入室を記録しました（{at}）。",
            record.name
        )));
    });
    let on_exited = Callback::new(move |record: EntryRecord| {
        view_state.exited(&record);
        let at = record
            .exited_at
            .map(wareki::datetime_ja)
            .unwrap_or_default();
        notice.set(Some(format!(
            "{}さんの退室を記録しました（{at}）。",
            record.name
        )));
    });
    let on_stale = Callback::new(move |()| reload_room());
    let on_refused = Callback::new(move |()| notice.set(None));
    let room = Signal::derive(move || view_state.room());
    let inside = view_state.inside;

    view! {
        <div class="entry-log" data-ready=move || view_state.ready.get().then_some("true")>
            <Show when=move || view_state.error.get().is_some()>
                <p class="form-error" role="alert">{move || view_state.error.get()}</p>
            </Show>
            <RoomPicker rooms=view_state.rooms selected=view_state.selected counts=view_state.counts/>
            <p class="notice" role="status">{move || notice.get()}</p>
            <div class="columns">
                <EntryForm room time on_recorded on_refused/>
                <section class="inside" aria-labelledby="inside-heading">
                    <h2 id="inside-heading">
                        "入室中 " <span class="count">{move || inside.with(Vec::len)} "人"</span>
                    </h2>
                    <InsideList inside time on_exited on_stale on_refused/>
                </section>
            </div>
            <section class="log" aria-labelledby="log-heading">
                <h2 id="log-heading">"入退室管理簿"</h2>
                <LogbookBrowser rooms=view_state.rooms selected=view_state.selected/>
            </section>
        </div>
    }
}
