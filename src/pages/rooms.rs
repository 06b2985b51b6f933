//! 室と鍵 (第17条第1項・第18条): the rooms by security level with their place, each room's
//! entry manager derived from its level (level 3–2 → 総務課長's role, level 1 → 住民税務課長's),
//! its keys, and a form to add a room or correct one (a new version; the old stays in history).

use crate::auth::session::Session;
use crate::components::form_message::{FormMessage, Outcome};
use crate::directory::Directory;
use crate::store::new_id;
use chrono::Utc;
use daicho_core::room_permit::entry_manager_role;
use daicho_core::{wareki, Registers, Room, RoomDefined, SecurityLevel};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;

#[component]
pub fn RoomsPage() -> impl IntoView {
    let store = crate::state::use_store_value();
    let registers = RwSignal::new_local(None::<Registers>);
    let reload = move || {
        spawn_local(async move {
            if let Ok(r) = store.get_value().registers().await {
                registers.set(Some(r));
            }
        })
    };
    reload();
    let editing = RwSignal::new(None::<Room>);
    view! {
        <div class="rooms-page" data-ready=move || registers.with(Option::is_some).then_some("true")>
            <section class="card wide">
                <h2>"室の一覧（第17条第1項）"</h2>
                {move || registers.get().map(|r| view! { <RoomTable registers=r editing/> })}
            </section>
            <RoomForm editing on_saved=Callback::new(move |()| reload())/>
        </div>
    }
}

#[component]
fn RoomTable(registers: Registers, editing: RwSignal<Option<Room>>) -> impl IntoView {
    let directory = expect_context::<Directory>();
    let today = wareki::to_jst(Utc::now()).date_naive();
    let mut rooms: Vec<Room> = registers.rooms().cloned().collect();
    rooms.sort_by(|a, b| b.level.cmp(&a.level).then_with(|| a.name.cmp(&b.name)));
    let rows = rooms
        .into_iter()
        .map(|room| {
            let role = entry_manager_role(room.level);
            let holder = registers
                .organisation()
                .who_held(role, today)
                .map_or_else(|| "（未登録）".to_string(), |id| directory.name_of(id));
            let keys: Vec<String> = registers
                .keys()
                .filter(|k| k.room_id == room.id)
                .map(|k| k.label.clone())
                .collect();
            let edit = room.clone();
            let label = format!("{}を編集", room.name);
            view! {
                <tr data-room=room.id.clone()>
                    <td>{room.name.clone()}
                        {room.is_default.then(|| view! { <span class="default-tag">"初期値・要編集"</span> })}</td>
                    <td>{format!("レベル{}", room.level.number())}<br/><small>{room.level.description_ja()}</small></td>
                    <td>{room.place.clone()}</td>
                    <td class="manager">{role.name_ja()}<br/><small>{holder}</small></td>
                    <td>{if keys.is_empty() { "—".to_string() } else { keys.join("、") }}</td>
                    <td><button type="button" class="button" aria-label=label
                        on:click=move |_| editing.set(Some(edit.clone()))>"編集"</button>
                        <a class="record-link" href=format!("#/history/room:{}", room.id)>"履歴"</a></td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="register rooms">
            <thead><tr>
                <th scope="col">"室"</th><th scope="col">"レベル"</th><th scope="col">"場所"</th>
                <th scope="col">"入退室管理者（第18条）"</th><th scope="col">"鍵"</th><th scope="col"></th>
            </tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
}

#[component]
fn RoomForm(editing: RwSignal<Option<Room>>, on_saved: Callback<()>) -> impl IntoView {
    let store = crate::state::use_store_value();
    let session = expect_context::<Session>();
    let name = RwSignal::new(String::new());
    let place = RwSignal::new(String::new());
    let level = RwSignal::new("1".to_string());
    let outcome: Outcome = RwSignal::new(None);
    Effect::new(move |_| {
        if let Some(room) = editing.get() {
            level.set(room.level.number().to_string());
            name.set(room.value.name);
            place.set(room.value.place);
        }
    });
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let id = editing.get_untracked().map_or_else(new_id, |r| r.value.id);
        let level = level.get_untracked().parse::<u8>().ok();
        let Some(level) = level.and_then(|l| SecurityLevel::try_from(l).ok()) else {
            return outcome.set(Some((false, "レベルを選んでください。".into())));
        };
        let def = RoomDefined {
            id,
            name: name.get_untracked().trim().to_string(),
            place: place.get_untracked().trim().to_string(),
            level,
            is_default: false,
        };
        let (store, operator) = (store.get_value(), session.operator_id());
        spawn_local(async move {
            match store.define_room(def, &operator, Utc::now()).await {
                Ok(room) => {
                    outcome.set(Some((true, format!("{}を記録しました。", room.name))));
                    editing.set(None);
                    name.set(String::new());
                    place.set(String::new());
                    on_saved.run(());
                }
                Err(e) => outcome.set(Some((false, e.to_string()))),
            }
        });
    };
    view! {
        <form class="card wide room-form" on:submit=submit novalidate>
            <h2>{move || match editing.get() {
                Some(r) => format!("{}を編集", r.name),
                None => "室を追加".to_string(),
            }}</h2>
            <div class="field">
                <label for="room-name">"室の名称"</label>
                <input id="room-name" autocomplete="off" bind:value=name/>
            </div>
            <div class="field">
                <label for="room-place">"場所"</label>
                <input id="room-place" autocomplete="off" bind:value=place/>
            </div>
            <div class="field">
                <label for="room-level">"セキュリティレベル"</label>
                <select id="room-level" prop:value=move || level.get()
                    on:change=move |ev| level.set(event_target_value(&ev))>
                    {[SecurityLevel::Three, SecurityLevel::Two, SecurityLevel::One].map(|l| view! {
                        <option value=l.number().to_string()>{format!("レベル{}：{}", l.number(), l.description_ja())}</option>
                    })}
                </select>
            </div>
            <button type="submit" id="save-room" class="button primary">"記録"</button>
            <Show when=move || editing.with(Option::is_some)>
                <button type="button" class="button" on:click=move |_| editing.set(None)>"編集をやめる"</button>
            </Show>
            <FormMessage outcome/>
        </form>
    }
}
