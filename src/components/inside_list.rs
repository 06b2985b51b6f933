//! Who is inside each room now, and one room's list with a one-tap exit for each person.

use super::ja_date::JaTime;
use super::keyed::Keyed;
use super::record_time::{self, ChosenTime};
use super::shown::Shown;
use crate::auth::session::Session;
use crate::state::{follow_store, local_action, use_store, StoreRead};
use crate::store::{Store, StoreError};
use chrono::Utc;
use daicho_core::{tr, wareki, EntryRecord, ExitRecorded, Field, Room};
use leptos::prelude::*;

/// A room and who is inside it, earliest entry first.
#[derive(Debug, Clone, PartialEq)]
pub struct RoomInside {
    pub room: Room,
    pub inside: Vec<EntryRecord>,
}

/// Where the entry/exit page says what was recorded last (withdrawn when a tap is refused,
/// so it cannot be taken for that tap's).
pub type Notice = RwSignal<Option<String>>;

/// Who is inside every room: read again after each write or sync. The page's own entries and
/// exits show at once, from the write's own result; the read that follows brings the same
/// rows, which stay in place (they are keyed).
#[derive(Clone, Copy)]
pub struct Occupancy(StoreRead<Result<Vec<RoomInside>, String>>);

impl Occupancy {
    pub fn read() -> Self {
        Occupancy(follow_store(move |store| async move {
            read_rooms(&store).await.map_err(|e| e.to_string())
        }))
    }

    /// Has the first read answered?
    pub fn is_read(&self) -> bool {
        self.0.is_read()
    }

    pub fn error(&self) -> Option<String> {
        self.0.with(|r| r?.as_ref().err().cloned())
    }

    /// Every room with who is inside it (none until read).
    pub fn rooms(&self) -> Vec<RoomInside> {
        self.0
            .with(|r| r?.as_ref().ok().cloned())
            .unwrap_or_default()
    }

    /// Who is inside `room_id`.
    pub fn inside(&self, room_id: &str) -> Vec<EntryRecord> {
        let inside = self.0.with(|r| {
            let rooms = r?.as_ref().ok()?;
            let room = rooms.iter().find(|r| r.room.id == room_id)?;
            Some(room.inside.clone())
        });
        inside.unwrap_or_default()
    }

    /// Shows an entry this page recorded. Called as the write returns, before the read that
    /// follows it starts: that read, not an older one still under way, replaces it.
    pub fn entered(&self, record: &EntryRecord) {
        self.change(&record.room_id, |inside| {
            if !inside.iter().any(|e| e.id == record.id) {
                inside.push(record.clone());
            }
        });
    }

    /// Shows an exit this page recorded (as `entered`).
    pub fn exited(&self, record: &EntryRecord) {
        self.change(&record.room_id, |inside| {
            inside.retain(|e| e.id != record.id)
        });
    }

    fn change(&self, room_id: &str, apply: impl FnOnce(&mut Vec<EntryRecord>)) {
        self.0.update(|read| {
            let rooms = read.as_mut().ok();
            if let Some(room) =
                rooms.and_then(|rooms| rooms.iter_mut().find(|r| r.room.id == room_id))
            {
                apply(&mut room.inside);
            }
        });
    }

    /// Reads again: the list was out of date (someone left on another tab or device).
    pub fn refetch(&self) {
        self.0.refetch();
    }
}

async fn read_rooms(store: &Store) -> crate::store::Result<Vec<RoomInside>> {
    let mut rooms = Vec::new();
    for room in store.rooms().await? {
        let inside = store.inside(&room.id).await?;
        rooms.push(RoomInside { room, inside });
    }
    Ok(rooms)
}

/// Records the exit of `entry` at the time chosen.
async fn record_exit(
    store: &Store,
    entry: &EntryRecord,
    chosen: Option<String>,
    operator: &str,
) -> Result<EntryRecord, StoreError> {
    let exited_at = record_time::resolve(chosen, Utc::now()).map_err(StoreError::Refused)?;
    let exit = ExitRecorded {
        entry: entry.id.clone(),
        exited_at,
    };
    store.record_exit(exit, operator, Utc::now()).await
}

/// Why an exit recorded nothing, naming whose it was.
fn refusal_text(entry: &EntryRecord, error: StoreError) -> String {
    match error {
        StoreError::Refused(refusals) => {
            let name = &entry.name;
            tr!("%{name}さん: %{refusals}", name = name, refusals = refusals).into_owned()
        }
        other => other.to_string(),
    }
}

#[component]
pub fn InsideList(
    /// Who is inside the room shown.
    #[prop(into)]
    inside: Signal<Vec<EntryRecord>>,
    occupancy: Occupancy,
    time: ChosenTime,
    #[prop(optional)] notice: Option<Notice>,
) -> impl IntoView {
    let store = use_store();
    let session = expect_context::<Session>();
    let say = move |text: Option<String>| {
        if let Some(notice) = notice {
            notice.try_set(text);
        }
    };
    let exit = local_action(move |entry: &EntryRecord| {
        let (store, entry) = (store.clone(), entry.clone());
        let (chosen, operator) = (time.get_untracked(), session.operator_id());
        async move {
            let result = record_exit(&store, &entry, chosen, &operator).await;
            match &result {
                Ok(record) => {
                    occupancy.exited(record);
                    let at = record
                        .exited_at
                        .map(wareki::datetime_text)
                        .unwrap_or_default();
                    let name = &record.name;
                    let said = tr!(
                        "%{name}さんの退室を記録しました（%{at}）。",
                        name = name,
                        at = at
                    );
                    say(Some(said.into_owned()));
                }
                Err(error) => {
                    say(None);
                    if matches!(error, StoreError::Refused(r) if r.has(Field::Entry)) {
                        occupancy.refetch();
                    }
                }
            }
            result.map(|_| ()).map_err(|e| refusal_text(&entry, e))
        }
    });
    let refusal = move || exit.value().get().and_then(Result::err);
    view! {
        {move || refusal().map(|text| view! {
            <p class="field-error exit-error" role="alert">{text}</p>
        })}
        <Shown when=move || !inside.with(Vec::is_empty)
            fallback=|| view! { <p class="empty">{tr!("入室中の人はいません。")}</p> }>
            <ul class="inside-list">
                <Keyed each=move || inside.get() key=|e| e.id.to_string() children=move |entry| {
                    let label = tr!("%{name}さんの退室を記録", name = entry.name);
                    let exiting = entry.clone();
                    view! {
                        <li class="inside-row">
                            <span class="who">
                                <strong>{entry.name.clone()}</strong>
                                <span class="affiliation">{entry.affiliation.clone()}</span>
                            </span>
                            <span class="since">{tr!("入室")} " " <JaTime at=entry.entered_at/></span>
                            <span class="purpose">{entry.purpose.clone()}</span>
                            <button type="button" class="button exit" aria-label=label
                                on:click=move |_| { exit.dispatch(exiting.clone()); }>
                                {tr!("退室")}
                            </button>
                        </li>
                    }
                }/>
            </ul>
        </Shown>
    }
}
