//! 鍵の管理簿 (第18条第3–4項・第19条第2項): keys of level-3 and level-2 rooms, lent only to
//! permitted persons, one holder at a time; which keys are out, with whom, and overdue.

use crate::auth::session::Session;
use crate::components::choices::{PermittedChips, PersonSelect, RoomSelect};
use crate::components::form_message::FormMessage;
use crate::components::ja_date::JaDateTime;
use crate::components::key_logbook::KeyLogbook;
use crate::components::newest_read::NewestRead;
use crate::directory::Directory;
use crate::store::new_id;
use chrono::{Duration, Utc};
use daicho_core::key_log::{KeyDefined, KeyLent, KeyLoan, KeyReturned};
use daicho_core::{Room, SecurityLevel};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;

#[derive(Clone, Copy)]
struct KeyView {
    rooms: RwSignal<Vec<Room>>,
    keys: RwSignal<Vec<KeyDefined>>,
    out: RwSignal<Vec<KeyLoan>>,
}

impl KeyView {
    fn key_label(&self, id: &str) -> String {
        let label = self.keys.with(|k| k.iter().find(|k| k.id == id).cloned());
        label.map_or_else(
            || id.to_string(),
            |k| format!("{}（{}）", k.label, self.room_name(&k.room_id)),
        )
    }

    fn room_name(&self, id: &str) -> String {
        self.rooms
            .with(|r| r.iter().find(|r| r.id == id).map(|r| r.name.clone()))
            .unwrap_or_else(|| id.to_string())
    }
}

#[component]
pub fn KeysPage() -> impl IntoView {
    let store = crate::state::use_store_value();
    let keys_view = KeyView {
        rooms: RwSignal::new(Vec::new()),
        keys: RwSignal::new(Vec::new()),
        out: RwSignal::new(Vec::new()),
    };
    let loaded = RwSignal::new(false);
    // Returns tapped in quick succession each read the page again.
    let reads = NewestRead::new();
    let reload = move || {
        let ticket = reads.ask();
        spawn_local(async move {
            let store = store.get_value();
            let read = (
                store.rooms().await,
                store.keys().await,
                store.keys_out().await,
            );
            if !reads.is_newest(ticket) {
                return; // a newer read came meanwhile; it fills the page
            }
            if let (Ok(r), Ok(k), Ok(o)) = read {
                keys_view.rooms.set(r);
                keys_view.keys.set(k);
                keys_view.out.set(o);
                loaded.set(true);
            }
        })
    };
    reload();
    let changed = Callback::new(move |()| reload());
    view! {
        <div class="keys-page" data-ready=move || loaded.get().then_some("true")>
            <KeysOut keys_view on_returned=changed/>
            <LendKey keys_view on_lent=changed/>
            <DefineKey keys_view on_defined=changed/>
            <KeyLogbook keys=keys_view.keys/>
        </div>
    }
}

#[component]
fn KeysOut(keys_view: KeyView, on_returned: Callback<()>) -> impl IntoView {
    let store = crate::state::use_store_value();
    let session = expect_context::<Session>();
    let directory = expect_context::<Directory>();
    let message = RwSignal::new(None::<String>);
    let give_back = move |loan: KeyLoan| {
        let ret = KeyReturned {
            loan: loan.id.clone(),
            returned_at: Utc::now(),
            received_by: session.operator_id(),
        };
        let (store, operator) = (store.get_value(), session.operator_id());
        spawn_local(async move {
            match store.return_key(ret, &operator, Utc::now()).await {
                Ok(_) => message.set(Some("返却を記録しました。".into())),
                Err(e) => message.set(Some(e.to_string())),
            }
            on_returned.run(());
        });
    };
    view! {
        <section class="card wide keys-out">
            <h2>"貸出中の鍵 " <span class="count">{move || keys_view.out.with(Vec::len)} "本"</span></h2>
            <p class="status" role="status">{move || message.get()}</p>
            <Show when=move || !keys_view.out.with(Vec::is_empty)
                fallback=|| view! { <p class="empty">"貸出中の鍵はありません。"</p> }>
                <ul class="inside-list">
                    {move || keys_view.out.get().into_iter().map(|loan| {
                        let overdue = loan.is_overdue(Utc::now());
                        let who = directory.name_of(&loan.person_id);
                        let label = format!("{}の返却を記録", keys_view.key_label(&loan.key_id));
                        let returning = loan.clone();
                        view! {
                            <li class="inside-row key-row" class:overdue=overdue data-key=loan.key_id.clone()>
                                <span class="who"><strong>{keys_view.key_label(&loan.key_id)}</strong></span>
                                <span class="since">{who} " ・ 返却予定 " <JaDateTime at=loan.due_back/>
                                    {overdue.then(|| view! { <span class="overdue-mark">"返却予定を過ぎています"</span> })}
                                </span>
                                <span class="purpose">{loan.purpose.clone()}</span>
                                <button type="button" class="button exit" aria-label=label
                                    on:click=move |_| give_back(returning.clone())>"返却"</button>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            </Show>
        </section>
    }
}

/// The key home's 貸し出す button chose, taken once by the lend form.
const KEY_CHOICE: &str = "daicho.keys.chosen";

/// Opens the lend form on `key_id` (home's one-tap start of a loan).
pub fn choose_key(key_id: &str) {
    if let Some(storage) = session_storage() {
        let _ = storage.set_item(KEY_CHOICE, key_id);
    }
}

fn take_chosen_key() -> String {
    let storage = session_storage();
    let chosen = storage
        .as_ref()
        .and_then(|s| s.get_item(KEY_CHOICE).ok().flatten());
    if let Some(storage) = storage {
        let _ = storage.remove_item(KEY_CHOICE);
    }
    chosen.unwrap_or_default()
}

fn session_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok().flatten()
}

#[component]
fn LendKey(keys_view: KeyView, on_lent: Callback<()>) -> impl IntoView {
    let store = crate::state::use_store_value();
    let session = expect_context::<Session>();
    let key = RwSignal::new(take_chosen_key());
    let person = RwSignal::new(String::new());
    let purpose = RwSignal::new(String::new());
    let hours = RwSignal::new("2".to_string());
    let message = RwSignal::new(None::<(bool, String)>);
    let room = Signal::derive(move || {
        let room_id = keys_view.keys.with(|k| {
            k.iter()
                .find(|k| k.id == key.get())
                .map(|k| k.room_id.clone())
        })?;
        keys_view
            .rooms
            .with(|r| r.iter().find(|r| r.id == room_id).cloned())
    });
    // The purpose this person gave when last borrowing this key is usually the purpose again.
    Effect::new(move |_| {
        let (key_id, who) = (key.get(), person.get());
        if key_id.is_empty() || who.is_empty() {
            return;
        }
        let store = store.get_value();
        spawn_local(async move {
            let log = store.key_log(&key_id, 20).await;
            // Another key or person chosen meanwhile: its own read fills the purpose.
            let still = key.get_untracked() == key_id && person.get_untracked() == who;
            let last = log.ok().filter(|_| still).and_then(|log| {
                log.into_iter()
                    .find(|l| l.person_id == who)
                    .map(|l| l.purpose)
            });
            if let (Some(last), true) = (last, purpose.get_untracked().is_empty()) {
                purpose.set(last);
            }
        });
    });
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let now = Utc::now();
        let lent = KeyLent {
            key_id: key.get_untracked(),
            person_id: person.get_untracked(),
            purpose: purpose.get_untracked().trim().to_string(),
            lent_at: now,
            due_back: now + Duration::hours(hours.get_untracked().parse().unwrap_or(2)),
            lent_by: session.operator_id(),
        };
        let (store, operator) = (store.get_value(), session.operator_id());
        spawn_local(async move {
            match store.lend_key(lent, &operator, Utc::now()).await {
                Ok(_) => {
                    message.set(Some((true, "貸出を記録しました。".into())));
                    purpose.set(String::new());
                    on_lent.run(());
                }
                Err(e) => message.set(Some((false, e.to_string()))),
            }
        });
    };
    view! {
        <form class="card wide lend-form" on:submit=submit>
            <h2>"鍵を貸し出す"</h2>
            <div class="field">
                <label for="lend-key">"鍵"</label>
                <select id="lend-key" prop:value=move || key.get()
                    on:change=move |ev| key.set(event_target_value(&ev))>
                    <option value="">"選んでください"</option>
                    {move || keys_view.keys.get().into_iter().map(|k| view! {
                        <option value=k.id.clone()>{keys_view.key_label(&k.id)}</option>
                    }).collect_view()}
                </select>
            </div>
            <PermittedChips room person_id=person/>
            <PersonSelect id="lend-person" label="貸出先" value=person/>
            <div class="field">
                <label for="lend-purpose">"目的"</label>
                <input id="lend-purpose" autocomplete="off" bind:value=purpose/>
            </div>
            <div class="field">
                <label for="lend-hours">"返却予定"</label>
                <select id="lend-hours" on:change=move |ev| hours.set(event_target_value(&ev))>
                    {[1, 2, 4, 8].map(|h| view! { <option value=h.to_string() selected=h == 2>{format!("{h}時間後")}</option> })}
                </select>
            </div>
            <button type="submit" id="lend" class="button primary big">"貸出を記録"</button>
            <FormMessage outcome=message/>
        </form>
    }
}

#[component]
fn DefineKey(keys_view: KeyView, on_defined: Callback<()>) -> impl IntoView {
    let store = crate::state::use_store_value();
    let session = expect_context::<Session>();
    let room = RwSignal::new(String::new());
    let label = RwSignal::new(String::new());
    let message = RwSignal::new(None::<(bool, String)>);
    let secure_rooms = Signal::derive(move || {
        keys_view.rooms.with(|r| {
            r.iter()
                .filter(|r| r.level != SecurityLevel::One)
                .cloned()
                .collect()
        })
    });
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let key = KeyDefined {
            id: new_id(),
            room_id: room.get_untracked(),
            label: label.get_untracked().trim().to_string(),
        };
        let (store, operator) = (store.get_value(), session.operator_id());
        spawn_local(async move {
            match store.define_key(key, &operator, Utc::now()).await {
                Ok(_) => {
                    message.set(Some((true, "鍵を登録しました。".into())));
                    label.set(String::new());
                    on_defined.run(());
                }
                Err(e) => message.set(Some((false, e.to_string()))),
            }
        });
    };
    view! {
        <form class="card wide key-form" on:submit=submit>
            <h2>"鍵を登録（レベル3・2の室）"</h2>
            <RoomSelect id="key-room" label="室" rooms=secure_rooms value=room/>
            <div class="field">
                <label for="key-label">"鍵の名称"</label>
                <input id="key-label" autocomplete="off" bind:value=label/>
            </div>
            <button type="submit" id="define-key" class="button primary">"登録"</button>
            <FormMessage outcome=message/>
        </form>
    }
}
