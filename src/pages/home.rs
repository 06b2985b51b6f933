//! ホーム: who is inside each room now, with their exit one tap away, and which keys are out
//! (overdue first), each returned with one tap. Recording an entry is a tap on the room, then
//! the person, then the name-tag confirmation.

use crate::auth::session::Session;
use crate::components::inside_list::{InsideList, Occupancy};
use crate::components::ja_date::JaDateTime;
use crate::components::keyed::Keyed;
use crate::components::setup_checklist::SetupChecklist;
use crate::components::shown::Shown;
use crate::directory::Directory;
use crate::pages::keys::{read_keys, return_key, KeysNow};
use crate::state::follow_store;
use chrono::Utc;
use daicho_core::key_log::{lent_twice, KeyDefined};
use daicho_core::sort::sort_by_key;
use daicho_core::{tr, Room};
use leptos::prelude::*;

#[component]
pub fn HomePage(
    /// Opens the entry/exit logbook at a room (or the room it showed last).
    on_entry_log: Callback<Option<String>>,
    /// Opens the key logbook.
    on_keys: Callback<()>,
) -> impl IntoView {
    let occupancy = Occupancy::read();
    let keys = read_keys();
    let ready = move || (occupancy.is_read() && keys.is_read()).then_some("true");
    let keys_now = Memo::new(move |_| keys.get().and_then(Result::ok).unwrap_or_default());
    // No time is chosen on home: exits are recorded at the moment of the tap.
    let at_tap = RwSignal::new(None::<String>);
    view! {
        <div class="home" data-ready=ready>
            <BreaksNotice/>
            <div class="quick">
                <button type="button" id="go-entry-log" class="button primary big" on:click=move |_| on_entry_log.run(None)>
                    {tr!("入退室を記録")}
                </button>
                <button type="button" id="go-keys" class="button primary big" on:click=move |_| on_keys.run(())>
                    {tr!("鍵の貸出・返却")}
                </button>
            </div>
            {move || occupancy.error().or_else(|| keys.get().and_then(Result::err)).map(|e| view! {
                <p class="form-error" role="alert">{e}</p>
            })}
            <section class="card wide home-inside">
                <h2>{tr!("入室中")}</h2>
                // Keyed by the room's version, so a read again keeps each room's list (and an
                // exit's refusal shown in it, as when the list was stale and is read again).
                <Keyed each=move || occupancy.rooms() key=|r| r.room.version.clone()
                    children=move |r| view! { <HomeRoom room=r.room occupancy time=at_tap on_entry_log/> }/>
            </section>
            <section class="card wide home-keys">
                <h2>{tr!("貸出中の鍵")}</h2>
                <Shown when=move || keys.is_read()>
                    <KeysOut keys_now on_keys/>
                </Shown>
            </section>
            // Last on the page: it arrives after the daily content and moves none of it.
            <SetupChecklist/>
        </div>
    }
}

/// "あなた宛ての例外": rule breaks a sync revealed, for the manager signed in.
#[component]
fn BreaksNotice() -> impl IntoView {
    let operator = expect_context::<Session>().operator_id();
    let addressed = follow_store(move |store| {
        let operator = operator.clone();
        async move { crate::pages::rule_breaks::count_for_operator(&store, &operator).await }
    });
    let count = move || addressed.get().unwrap_or(0);
    view! {
        <Shown when=move || { count() > 0 }>
            <p class="notice breaks-notice" role="status">
                <a href="#/exceptions">{move || tr!("あなた宛ての未処置の例外が%{n}件あります（同期で判明した規則違反の疑い）。", n = count())}</a>
            </p>
        </Shown>
    }
}

#[component]
fn HomeRoom(
    room: Room,
    occupancy: Occupancy,
    time: RwSignal<Option<String>>,
    on_entry_log: Callback<Option<String>>,
) -> impl IntoView {
    let id = room.id.clone();
    let inside = Signal::derive(move || occupancy.inside(&id));
    let room_id = room.id.clone();
    let label = tr!("%{room}の入室を記録", room = room.name);
    let level = room.level.number();
    let heading = tr!("%{name}（レベル%{level}）", name = room.name, level = level);
    view! {
        <div class="home-room" data-room=room.id.clone()>
            <h3>{heading} " " {move || tr!("%{n}人", n = inside.with(Vec::len))}</h3>
            <button type="button" class="button enter" id=format!("enter-{}", room.id) aria-label=label
                on:click=move |_| on_entry_log.run(Some(room_id.clone()))>{tr!("入室を記録")}</button>
            <InsideList inside occupancy time/>
        </div>
    }
}

/// The keys out, overdue first, each returned with one tap; then the keys in the cabinet.
#[component]
fn KeysOut(keys_now: Memo<KeysNow>, on_keys: Callback<()>) -> impl IntoView {
    let directory = expect_context::<Directory>();
    let give_back = return_key();
    let out = move || {
        let now = Utc::now();
        keys_now.with(|k| {
            let mut out: Vec<_> = k
                .out
                .iter()
                .map(|l| (l.clone(), key_name(&k.keys, &l.key_id)))
                .collect();
            sort_by_key(&mut out, |(l, _)| (!l.is_overdue(now), l.due_back));
            out
        })
    };
    // A key out on two loans at once (two tablets offline) admits neither holder.
    let in_conflict = move |key_id: &str| keys_now.with(|k| lent_twice(&k.out, key_id));
    let row = move |(loan, label): (daicho_core::key_log::KeyLoan, String)| {
        let overdue = loan.is_overdue(Utc::now());
        let conflict = in_conflict(&loan.key_id);
        let returning = loan.clone();
        view! {
            <li class:overdue=overdue>
                <strong>{label.clone()}</strong> " — "
                {directory.name_of(&loan.person_id)} {tr!(" ・ 返却予定 ")} <JaDateTime at=loan.due_back/>
                {overdue.then(|| view! { <span class="overdue-mark">{tr!("返却予定を過ぎています")}</span> })}
                {conflict.then(|| view! {
                    <span class="conflict-mark" role="alert">{tr!("競合：同じ鍵が同じ時に2人に貸し出されています（第18条第3項）。")}</span>
                })}
                <button type="button" class="button exit" aria-label=tr!("%{key}の返却を記録", key = label)
                    on:click=move |_| { give_back.dispatch(returning.clone()); }>{tr!("返却")}</button>
            </li>
        }
    };
    view! {
        {move || give_back.value().get().and_then(Result::err).map(|e| view! {
            <p class="form-error" role="alert">{e}</p>
        })}
        <Shown when=move || keys_now.with(|k| !k.out.is_empty())
            fallback=|| view! { <p class="empty">{tr!("貸出中の鍵はありません。")}</p> }>
            <ul>
                <Keyed each=out key=move |(loan, label)| (loan.id.to_string(), label.clone(), in_conflict(&loan.key_id)) children=row/>
            </ul>
        </Shown>
        <AvailableKeys keys_now on_keys/>
    }
}

/// The name of key `id` (the id itself for a key not in the register).
fn key_name(keys: &[KeyDefined], id: &str) -> String {
    keys.iter()
        .find(|k| k.id == id)
        .map_or_else(|| id.to_string(), |k| k.label.clone())
}

/// The keys in the cabinet, each a tap away from its loan (the key logbook opens on it).
#[component]
fn AvailableKeys(keys_now: Memo<KeysNow>, on_keys: Callback<()>) -> impl IntoView {
    let in_cabinet = move || {
        keys_now.with(|k| {
            let out = |key: &&KeyDefined| k.out.iter().any(|l| l.key_id == key.id);
            k.keys
                .iter()
                .filter(|key| !out(key))
                .cloned()
                .collect::<Vec<_>>()
        })
    };
    let button = move |key: KeyDefined| {
        let text = tr!("%{key}を貸し出す", key = key.label).into_owned();
        view! {
            <button type="button" class="button lend" data-key=key.id.clone() aria-label=text.clone()
                on:click=move |_| {
                    crate::pages::keys::choose_key(&key.id);
                    on_keys.run(());
                }>
                {text.clone()}
            </button>
        }
    };
    view! {
        <Shown when=move || !in_cabinet().is_empty()>
            <div class="available-keys">
                <Keyed each=in_cabinet key=|k| (k.id.clone(), k.label.clone()) children=button/>
            </div>
        </Shown>
    }
}
