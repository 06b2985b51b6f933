//! ホーム: who is inside each room now, with their exit one tap away, and which keys are out
//! (overdue first), each returned with one tap. Recording an entry is a tap on the room, then
//! the person, then the name-tag confirmation.

use crate::auth::session::Session;
use crate::components::inside_list::InsideList;
use crate::components::ja_date::JaDateTime;
use crate::components::newest_read::NewestRead;
use crate::directory::Directory;
use crate::store::Store;
use chrono::Utc;
use daicho_core::key_log::{KeyDefined, KeyLoan, KeyReturned};
use daicho_core::{EntryRecord, Room};
use leptos::prelude::*;
use leptos::task::spawn_local;

#[derive(Clone, Default)]
struct Overview {
    inside: Vec<(Room, Vec<EntryRecord>)>,
    keys: Vec<KeyDefined>,
    out: Vec<KeyLoan>,
}

async fn load(store: &Store) -> crate::store::Result<Overview> {
    let mut inside = Vec::new();
    for room in store.rooms().await? {
        let people = store.inside(&room.id).await?;
        inside.push((room, people));
    }
    let mut out = store.keys_out().await?;
    let now = Utc::now();
    out.sort_by_key(|l| (!l.is_overdue(now), l.due_back));
    Ok(Overview {
        inside,
        keys: store.keys().await?,
        out,
    })
}

#[component]
pub fn HomePage(
    /// Opens the entry/exit logbook at a room (or the room it showed last).
    on_entry_log: Callback<Option<String>>,
    /// Opens the key logbook.
    on_keys: Callback<()>,
) -> impl IntoView {
    let store = crate::state::use_store_value();
    let overview = RwSignal::new_local(None::<Overview>);
    // Exits and returns tapped in quick succession each read the page again.
    let reads = NewestRead::new();
    let reload = move || {
        let ticket = reads.ask();
        spawn_local(async move {
            let read = load(&store.get_value()).await;
            if !reads.is_newest(ticket) {
                return; // a newer read came meanwhile; it fills the page
            }
            if let Ok(o) = read {
                overview.set(Some(o));
            }
        })
    };
    reload();
    let changed = Callback::new(move |()| reload());
    let rooms = move || {
        overview.with(|o| {
            o.iter()
                .flat_map(|o| &o.inside)
                .map(|(r, _)| r.clone())
                .collect::<Vec<_>>()
        })
    };
    view! {
        <div class="home" data-ready=move || overview.with(Option::is_some).then_some("true")>
            <BreaksNotice/>
            <div class="quick">
                <button type="button" id="go-entry-log" class="button primary big" on:click=move |_| on_entry_log.run(None)>
                    "入退室を記録"
                </button>
                <button type="button" id="go-keys" class="button primary big" on:click=move |_| on_keys.run(())>
                    "鍵の貸出・返却"
                </button>
            </div>
            <section class="card wide home-inside">
                <h2>"入室中"</h2>
                // Keyed by room, so a reload keeps each room's list (and an exit's refusal
                // shown in it, as when the list was stale and is read again).
                <For each=rooms key=|r| (r.id.clone(), r.name.clone(), r.level.number())
                    children=move |room| view! { <HomeRoom room overview on_entry_log on_changed=changed/> }/>
            </section>
            <section class="card wide home-keys">
                <h2>"貸出中の鍵"</h2>
                {move || overview.get().map(|o| view! { <KeysOut overview=o on_changed=changed on_keys/> })}
            </section>
        </div>
    }
}

/// "あなた宛ての例外": rule breaks a sync revealed, for the manager signed in.
#[component]
fn BreaksNotice() -> impl IntoView {
    let store = crate::state::use_store_value();
    let count = RwSignal::new(0usize);
    let operator = expect_context::<crate::auth::session::Session>().operator_id();
    spawn_local(async move {
        let store = store.get_value();
        count.set(crate::pages::rule_breaks::count_for_operator(&store, &operator).await);
    });
    view! {
        <Show when=move || { count.get() > 0 }>
            <p class="notice breaks-notice" role="status">
                <a href="#/exceptions">{move || format!("あなた宛ての例外が{}件あります（同期で判明した規則違反の疑い）。", count.get())}</a>
            </p>
        </Show>
    }
}

#[component]
fn HomeRoom(
    room: Room,
    overview: RwSignal<Option<Overview>, LocalStorage>,
    on_entry_log: Callback<Option<String>>,
    on_changed: Callback<()>,
) -> impl IntoView {
    let _store = crate::state::use_store_value();
    let id = room.id.clone();
    let inside = Signal::derive(move || {
        overview.with(|o| {
            let room = o.iter().flat_map(|o| &o.inside).find(|(r, _)| r.id == id);
            room.map(|(_, people)| people.clone()).unwrap_or_default()
        })
    });
    let time = RwSignal::new(None::<String>);
    let room_id = room.id.clone();
    let on_exited = Callback::new(move |_: EntryRecord| on_changed.run(()));
    let label = format!("{}の入室を記録", room.name);
    let heading = format!("{}（レベル{}）", room.name, room.level.number());
    view! {
        <div class="home-room" data-room=room.id.clone()>
            <h3>{heading} " " {move || inside.with(Vec::len)} "人"</h3>
            <button type="button" class="button enter" id=format!("enter-{}", room.id) aria-label=label
                on:click=move |_| on_entry_log.run(Some(room_id.clone()))>"入室を記録"</button>
            <InsideList inside time on_exited on_stale=on_changed on_refused=Callback::new(|()| {})/>
        </div>
    }
}

#[component]
fn KeysOut(overview: Overview, on_changed: Callback<()>, on_keys: Callback<()>) -> impl IntoView {
    let store = crate::state::use_store_value();
    let session = expect_context::<Session>();
    let directory = expect_context::<Directory>();
    let error = RwSignal::new(None::<String>);
    let available = available_keys(&overview, on_keys);
    if overview.out.is_empty() {
        return view! { <p class="empty">"貸出中の鍵はありません。"</p> {available} }.into_any();
    }
    let key_label = move |id: &str| {
        overview
            .keys
            .iter()
            .find(|k| k.id == id)
            .map_or_else(|| id.to_string(), |k| k.label.clone())
    };
    let give_back = move |loan: KeyLoan| {
        let ret = KeyReturned {
            loan: loan.id.clone(),
            returned_at: Utc::now(),
            received_by: session.operator_id(),
        };
        let (store, operator) = (store.get_value(), session.operator_id());
        spawn_local(async move {
            match store.return_key(ret, &operator, Utc::now()).await {
                Ok(_) => on_changed.run(()),
                Err(e) => error.set(Some(e.to_string())),
            }
        });
    };
    let now = Utc::now();
    let rows = overview
        .out
        .iter()
        .map(|loan| {
            let overdue = loan.is_overdue(now);
            let label = key_label(&loan.key_id);
            let returning = loan.clone();
            view! {
                <li class:overdue=overdue>
                    <strong>{label.clone()}</strong> " — "
                    {directory.name_of(&loan.person_id)} " ・ 返却予定 " <JaDateTime at=loan.due_back/>
                    {overdue.then(|| view! { <span class="overdue-mark">"返却予定を過ぎています"</span> })}
                    <button type="button" class="button exit" aria-label=format!("{label}の返却を記録")
                        on:click=move |_| give_back(returning.clone())>"返却"</button>
                </li>
            }
        })
        .collect_view();
    view! {
        <Show when=move || error.get().is_some()>
            <p class="form-error" role="alert">{move || error.get()}</p>
        </Show>
        <ul>{rows}</ul>
        {available}
    }
    .into_any()
}

/// The keys in the cabinet, each a tap away from its loan (the key logbook opens on it).
fn available_keys(overview: &Overview, on_keys: Callback<()>) -> impl IntoView + use<> {
    let in_cabinet: Vec<KeyDefined> = overview
        .keys
        .iter()
        .filter(|k| !overview.out.iter().any(|l| l.key_id == k.id))
        .cloned()
        .collect();
    (!in_cabinet.is_empty()).then(|| {
        let buttons = in_cabinet
            .into_iter()
            .map(|k| {
                let id = k.id.clone();
                view! {
                    <button type="button" class="button lend" data-key=k.id.clone()
                        aria-label=format!("{}を貸し出す", k.label)
                        on:click=move |_| {
                            crate::pages::keys::choose_key(&id);
                            on_keys.run(());
                        }>
                        {format!("{}を貸し出す", k.label)}
                    </button>
                }
            })
            .collect_view();
        view! { <div class="available-keys">{buttons}</div> }
    })
}
