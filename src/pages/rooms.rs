//! 室と鍵 (第17条第1項・第18条): the rooms by security level with their place, each room's
//! entry manager derived from its level (level 3–2 → 総務課長's role, level 1 → 住民税務課長's),
//! its keys, and a form to add a room or correct one (a new version; the old stays in history).

use crate::auth::session::Session;
use crate::components::log_table::LogTable;
use crate::components::record_form::{Field, FieldRefusal, Outcome, RecordForm};
use crate::components::register_output::RegisterOutput;
use crate::components::shown::Shown;
use crate::directory::Directory;
use crate::pages::room_measures::{measures_today, MeasureForm};
use crate::state::{follow_store, local_action, use_store};
use crate::store::{new_id, StoreError};
use chrono::Utc;
use daicho_core::room_permit::entry_manager_role;
use daicho_core::sort::sort_by;
use daicho_core::{
    tr, wareki, Refusal, RefusalCode, Refusals, Registers, Room, RoomDefined, SecurityLevel,
};
use leptos::prelude::*;
use std::borrow::Cow;

/// A line of the room list: the room, who holds its entry manager's role today, its keys.
#[derive(Clone)]
struct RoomLine {
    room: Room,
    holder: String,
    keys: String,
    /// The entry manager's measures in force today (第18条第2項).
    measures: Vec<String>,
}

/// The rooms, most secure first, each with its entry manager today and its keys.
fn room_lines(registers: &Registers, directory: Directory) -> Vec<RoomLine> {
    let today = wareki::to_jst(Utc::now()).date_naive();
    let mut rooms: Vec<Room> = registers.rooms().cloned().collect();
    let measures = registers.entry_measures();
    sort_by(&mut rooms, daicho_core::room::most_secure_first);
    rooms
        .into_iter()
        .map(|room| {
            let role = entry_manager_role(room.level);
            let holder = registers.organisation().who_held(role, today);
            let keys: Vec<String> = registers
                .keys()
                .filter(|k| k.room_id == room.id)
                .map(|k| k.label.clone())
                .collect();
            RoomLine {
                holder: holder.map_or_else(
                    || tr!("（未登録）").into_owned(),
                    |id| directory.name_of(id),
                ),
                keys: if keys.is_empty() {
                    "—".to_string()
                } else {
                    keys.join(&*tr!("、"))
                },
                measures: measures_today(&measures, &room, directory),
                room,
            }
        })
        .collect()
}

/// The CSV's columns.
fn csv_header() -> [Cow<'static, str>; 7] {
    [
        tr!("室"),
        tr!("レベル"),
        tr!("場所"),
        tr!("入退室管理者（第18条）"),
        tr!("入退室管理者（本日）"),
        tr!("鍵"),
        tr!("措置（第18条第2項）"),
    ]
}

/// The room list's lines for its CSV and print, as the list shows them.
fn csv_rows(lines: &[RoomLine]) -> Vec<Vec<String>> {
    lines
        .iter()
        .map(|l| {
            vec![
                l.room.name.clone(),
                tr!("レベル%{level}", level = l.room.level.number()).into_owned(),
                l.room.place.clone(),
                entry_manager_role(l.room.level).name_text().to_string(),
                l.holder.clone(),
                l.keys.clone(),
                if l.measures.is_empty() {
                    tr!("規程どおり").into_owned()
                } else {
                    l.measures.join(&*tr!("／"))
                },
            ]
        })
        .collect()
}

#[component]
pub fn RoomsPage() -> impl IntoView {
    let directory = expect_context::<Directory>();
    // The registers: read again after each write or sync.
    let read =
        follow_store(
            move |store| async move { store.registers().await.map_err(|e| e.to_string()) },
        );
    let lines = Signal::derive(move || {
        let registers = read.with(|r| r.as_ref()?.as_ref().ok().map(|r| room_lines(r, directory)));
        registers.unwrap_or_default()
    });
    let draft = Draft::new();
    let rooms = Signal::derive(move || lines.get().into_iter().map(|l| l.room).collect());
    view! {
        <div class="rooms-page" data-ready=move || read.is_read().then_some("true")>
            {move || read.get().and_then(Result::err).map(|e| view! {
                <p class="form-error" role="alert">{tr!("室の台帳を読めませんでした。")} {e}</p>
            })}
            <section class="card wide">
                <h2>{tr!("室の一覧（第17条第1項）")}</h2>
                <RegisterOutput what="rooms" header=csv_header()
                    rows=Signal::derive(move || csv_rows(&lines.get()))
                    covers=tr!("すべての室").into_owned()/>
                <RoomTable lines draft/>
            </section>
            <RoomForm draft/>
            <MeasureForm rooms/>
        </div>
    }
}

#[component]
fn RoomTable(lines: Signal<Vec<RoomLine>>, draft: Draft) -> impl IntoView {
    // A line is drawn again when its room is edited, or its manager or keys change.
    let key = |l: &RoomLine| {
        let measures = l.measures.clone();
        (
            l.room.version.clone(),
            l.holder.clone(),
            l.keys.clone(),
            measures,
        )
    };
    let row = move |line: RoomLine| view! { <RoomRow line draft/> };
    view! {
        <LogTable
            class="register rooms"
            columns=vec![
                tr!("室"),
                tr!("レベル"),
                tr!("場所"),
                tr!("入退室管理者（第18条）"),
                tr!("鍵"),
                tr!("措置（第18条第2項）"),
                "".into(),
            ]
            rows=lines
            key
            row
            empty=tr!("室は登録されていません。")
        />
    }
}

#[component]
fn RoomRow(line: RoomLine, draft: Draft) -> impl IntoView {
    let RoomLine {
        room,
        holder,
        keys,
        measures,
    } = line;
    let measures = if measures.is_empty() {
        view! { <span class="none">{tr!("規程どおり")}</span> }.into_any()
    } else {
        let items = measures
            .into_iter()
            .map(|m| view! { <li>{m}</li> })
            .collect_view();
        view! { <ul class="measures">{items}</ul> }.into_any()
    };
    let role = entry_manager_role(room.level);
    let label = tr!("%{name}を編集", name = room.name);
    let edit = room.clone();
    view! {
        <tr data-room=room.id.clone()>
            <td>{room.name.clone()}
                {room.is_default.then(|| view! { <span class="default-tag">{tr!("初期値・要編集")}</span> })}</td>
            <td>{tr!("レベル%{level}", level = room.level.number())}<br/><small>{room.level.description_text()}</small></td>
            <td>{room.place.clone()}</td>
            <td class="manager">{role.name_text()}<br/><small>{holder}</small></td>
            <td>{keys}</td>
            <td class="measures-cell">{measures}</td>
            <td><button type="button" class="button" aria-label=label
                on:click=move |_| draft.load(&edit)>{tr!("編集")}</button>
                <a class="record-link" href=format!("#/history/room:{}", room.id)>{tr!("履歴")}</a></td>
        </tr>
    }
}

/// What the form is filled with: a new room, or a new version of the room being edited.
#[derive(Clone, Copy)]
struct Draft {
    editing: RwSignal<Option<Room>>,
    name: RwSignal<String>,
    place: RwSignal<String>,
    level: RwSignal<String>,
}

impl Draft {
    fn new() -> Self {
        Draft {
            editing: RwSignal::new(None),
            name: RwSignal::new(String::new()),
            place: RwSignal::new(String::new()),
            level: RwSignal::new("1".to_string()),
        }
    }

    fn load(&self, room: &Room) {
        self.level.set(room.level.number().to_string());
        self.name.set(room.name.clone());
        self.place.set(room.place.clone());
        self.editing.set(Some(room.clone()));
    }

    /// Back to a new room (written once the write returns: the page may be gone).
    fn clear(&self) {
        self.editing.try_set(None);
        self.name.try_set(String::new());
        self.place.try_set(String::new());
    }

    /// The room as filled in.
    fn room(&self) -> Result<RoomDefined, Refusals> {
        let level = self.level.get_untracked().parse::<u8>().ok();
        let Some(level) = level.and_then(|l| SecurityLevel::try_from(l).ok()) else {
            let code = RefusalCode::Missing {
                what: tr!("セキュリティレベル").into(),
            };
            return Err(Refusals(vec![Refusal::new(
                code,
                daicho_core::Field::Room,
                None,
            )]));
        };
        let id = self
            .editing
            .get_untracked()
            .map_or_else(new_id, |r| r.value.id);
        Ok(RoomDefined {
            id,
            name: self.name.get_untracked().trim().to_string(),
            place: self.place.get_untracked().trim().to_string(),
            level,
            is_default: false,
        })
    }
}

#[component]
fn RoomForm(draft: Draft) -> impl IntoView {
    let (store, session) = (use_store(), expect_context::<Session>());
    let save = local_action(move |_: &()| {
        let (store, operator, room) = (store.clone(), session.operator_id(), draft.room());
        async move {
            let result = match room {
                Ok(room) => store.define_room(room, &operator, Utc::now()).await,
                Err(refusals) => Err(StoreError::Refused(refusals)),
            };
            let done = result
                .as_ref()
                .ok()
                .map(|room| tr!("%{name}を記録しました。", name = room.name));
            if result.is_ok() {
                draft.clear();
            }
            Outcome::of(result, done.unwrap_or_default())
        }
    });
    let heading = move || match draft.editing.get() {
        Some(r) => tr!("%{name}を編集", name = r.name),
        None => tr!("室を追加"),
    };
    view! {
        <RecordForm class="card wide room-form" action=save>
            <h2>{heading}</h2>
            // The register refuses a room without its name or place as one (its Field::Room):
            // under both inputs.
            <Field id="room-name" label=tr!("室の名称")>
                <input id="room-name" autocomplete="off" aria-describedby="room-error" bind:value=draft.name/>
            </Field>
            <Field id="room-place" label=tr!("場所")>
                <input id="room-place" autocomplete="off" aria-describedby="room-error" bind:value=draft.place/>
            </Field>
            <FieldRefusal field=daicho_core::Field::Room id="room-error"/>
            <Field id="room-level" label=tr!("セキュリティレベル")>
                <select id="room-level" prop:value=move || draft.level.get()
                    on:change=move |ev| draft.level.set(event_target_value(&ev))>
                    {[SecurityLevel::Three, SecurityLevel::Two, SecurityLevel::One].map(|l| view! {
                        <option value=l.number().to_string()>{tr!("レベル%{level}：%{description}", level = l.number(), description = l.description_text())}</option>
                    })}
                </select>
            </Field>
            <button type="submit" id="save-room" class="button primary">{tr!("記録")}</button>
            <Shown when=move || draft.editing.with(Option::is_some)>
                <button type="button" class="button" on:click=move |_| draft.clear()>{tr!("編集をやめる")}</button>
            </Shown>
        </RecordForm>
    }
}
