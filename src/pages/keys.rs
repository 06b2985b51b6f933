//! 鍵の管理簿 (第18条第3–4項・第19条第2項): keys of level-3 and level-2 rooms, lent only to
//! permitted persons, one holder at a time; which keys are out, with whom, and overdue.

use crate::auth::session::Session;
use crate::components::choices::{fill_last_purpose, PermittedChips, PersonSelect, RoomSelect};
use crate::components::ja_date::JaDateTime;
use crate::components::key_logbook::KeyLogbook;
use crate::components::keyed::Keyed;
use crate::components::record_form::{Field, Outcome, RecordForm};
use crate::components::shown::Shown;
use crate::directory::Directory;
use crate::state::{follow_store, local_action, use_store, StoreRead};
use crate::store::{new_id, Store};
use chrono::{Duration, Utc};
use daicho_core::key_log::{lent_twice, KeyDefined, KeyLent, KeyLoan, KeyLoanVoided, KeyReturned};
use daicho_core::{tr, Room, SecurityLevel};
use leptos::prelude::*;

/// The keys, their rooms and the loans out, as home and this page show them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct KeysNow {
    pub rooms: Vec<Room>,
    pub keys: Vec<KeyDefined>,
    pub out: Vec<KeyLoan>,
}

impl KeysNow {
    async fn read(store: &Store) -> crate::store::Result<KeysNow> {
        Ok(KeysNow {
            rooms: store.rooms().await?,
            keys: store.keys().await?,
            out: store.keys_out().await?,
        })
    }

    /// "電算室 1号鍵（電算室（サーバ室））": the key's name and its room's.
    fn key_label(&self, id: &str) -> String {
        let Some(key) = self.keys.iter().find(|k| k.id == id) else {
            return id.to_string();
        };
        let room = self.rooms.iter().find(|r| r.id == key.room_id);
        let room = room.map_or_else(|| key.room_id.clone(), |r| r.name.clone());
        tr!("%{key}（%{room}）", key = key.label, room = room).into_owned()
    }

    fn room_of(&self, key_id: &str) -> Option<Room> {
        let key = self.keys.iter().find(|k| k.id == key_id)?;
        self.rooms.iter().find(|r| r.id == key.room_id).cloned()
    }
}

/// The keys and the loans out: read again after each write or sync.
pub fn read_keys() -> StoreRead<Result<KeysNow, String>> {
    follow_store(move |store| async move { KeysNow::read(&store).await.map_err(|e| e.to_string()) })
}

/// Records the return of a loan now, received by the operator signed in.
pub fn return_key() -> Action<KeyLoan, Result<(), String>> {
    let (store, session) = (use_store(), expect_context::<Session>());
    local_action(move |loan: &KeyLoan| {
        let operator = session.operator_id();
        let ret = KeyReturned {
            loan: loan.id.clone(),
            returned_at: Utc::now(),
            received_by: operator.clone(),
        };
        let store = store.clone();
        async move {
            let returned = store.return_key(ret, &operator, Utc::now()).await;
            returned.map(|_| ()).map_err(|e| e.to_string())
        }
    })
}

/// Records that `loan` was not real (the entry manager resolving a key lent twice at once),
/// the other loan of its key out being the real one; the note says what happened.
fn void_loan() -> Action<(KeyLoan, Option<KeyLoan>, String), Result<(), String>> {
    let (store, session) = (use_store(), expect_context::<Session>());
    local_action(
        move |(loan, real, note): &(KeyLoan, Option<KeyLoan>, String)| {
            let operator = session.operator_id();
            let void = KeyLoanVoided {
                loan: loan.id.clone(),
                real_loan: real.as_ref().map(|r| r.id.clone()),
                note: note.trim().to_string(),
            };
            let store = store.clone();
            async move {
                let voided = store.void_loan(void, &operator, Utc::now()).await;
                voided.map_err(|e| e.to_string())
            }
        },
    )
}

#[component]
pub fn KeysPage() -> impl IntoView {
    let read = read_keys();
    // A memo: a read that brings nothing new draws nothing again.
    let now = Memo::new(move |_| read.get().and_then(Result::ok).unwrap_or_default());
    let keys = Signal::derive(move || now.with(|n| n.keys.clone()));
    view! {
        <div class="keys-page" data-ready=move || read.is_read().then_some("true")>
            {move || read.get().and_then(Result::err).map(|e| view! {
                <p class="form-error" role="alert">{tr!("鍵の台帳を読めませんでした。")} {e}</p>
            })}
            <KeysOut now/>
            <LendKey now/>
            <DefineKey now/>
            <KeyLogbook keys/>
        </div>
    }
}

#[component]
fn KeysOut(now: Memo<KeysNow>) -> impl IntoView {
    let directory = expect_context::<Directory>();
    let give_back = return_key();
    let void = void_loan();
    let void_said = move || {
        void.value().get().map(|voided| match voided {
            Ok(()) => {
                view! { <p class="status" role="status">{tr!("貸出しの取消を記録しました。")}</p> }
                    .into_any()
            }
            Err(e) => view! { <p class="form-error" role="alert">{e}</p> }.into_any(),
        })
    };
    let said = move || {
        give_back.value().get().map(|returned| match returned {
            Ok(()) => view! { <p class="status" role="status">{tr!("返却を記録しました。")}</p> }
                .into_any(),
            Err(e) => view! { <p class="form-error" role="alert">{e}</p> }.into_any(),
        })
    };
    // Each loan with its key's label, drawn again if the key or its room is renamed.
    let out = move || {
        now.with(|n| {
            let labelled = n.out.iter().map(|l| (l.clone(), n.key_label(&l.key_id)));
            labelled.collect::<Vec<_>>()
        })
    };
    // A key out on two loans at once (two tablets offline): held by neither at the door.
    let in_conflict = move |key_id: &str| now.with(|n| lent_twice(&n.out, key_id));
    // The other loan of the same key out, for a loan in conflict.
    let other_loan = move |loan: &KeyLoan| {
        now.with(|n| {
            let other = n
                .out
                .iter()
                .find(|l| l.key_id == loan.key_id && l.id != loan.id);
            other.cloned()
        })
    };
    let row = move |(loan, label): (KeyLoan, String)| {
        let conflict = in_conflict(&loan.key_id);
        let note = RwSignal::new(String::new());
        let (voiding, real) = (loan.clone(), other_loan(&loan));
        let who = directory.name_of(&loan.person_id);
        let resolve = conflict.then(|| view! {
            <span class="resolve">
                <input class="void-note" aria-label=tr!("%{who}さんへの貸出しを取り消す経緯", who = who) placeholder=tr!("経緯（例：記入の誤り）") bind:value=note/>
                <button type="button" class="button" aria-label=tr!("%{who}さんへの貸出しは誤り（取り消す）", who = who)
                    on:click=move |_| { void.dispatch((voiding.clone(), real.clone(), note.get_untracked())); }>
                    {tr!("この貸出しは誤り")}
                </button>
            </span>
        });
        let overdue = loan.is_overdue(Utc::now());
        let returning = loan.clone();
        view! {
            <li class="inside-row key-row" class:overdue=overdue data-key=loan.key_id.clone()>
                <span class="who"><strong>{label.clone()}</strong></span>
                <span class="since">{directory.name_of(&loan.person_id)} {tr!(" ・ 返却予定 ")} <JaDateTime at=loan.due_back/>
                    {overdue.then(|| view! { <span class="overdue-mark">{tr!("返却予定を過ぎています")}</span> })}
                    {conflict.then(|| view! {
                        <span class="conflict-mark" role="alert">{tr!("競合：この鍵は同じ時に2人に貸し出されています。")}
                            {tr!("どちらの貸出しが正しいか入退室管理者が記録するまで、この鍵では入室できません（第18条第3項）。")}</span>
                    })}
                </span>
                <span class="purpose">{loan.purpose.clone()}</span>
                {resolve}
                <button type="button" class="button exit" aria-label=tr!("%{key}の返却を記録", key = label)
                    on:click=move |_| { give_back.dispatch(returning.clone()); }>{tr!("返却")}</button>
            </li>
        }
    };
    view! {
        <section class="card wide keys-out">
            <h2>{tr!("貸出中の鍵")} " " <span class="count">{move || tr!("%{n}本", n = now.with(|n| n.out.len()))}</span></h2>
            {said}
            {void_said}
            <Shown when=move || now.with(|n| !n.out.is_empty())
                fallback=|| view! { <p class="empty">{tr!("貸出中の鍵はありません。")}</p> }>
                <ul class="inside-list">
                    <Keyed each=out key=move |(loan, label)| (loan.id.to_string(), label.clone(), in_conflict(&loan.key_id)) children=row/>
                </ul>
            </Shown>
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

/// What the lend form is filled with.
#[derive(Clone, Copy)]
struct LoanDraft {
    key: RwSignal<String>,
    person: RwSignal<String>,
    purpose: RwSignal<String>,
    hours: RwSignal<String>,
}

impl LoanDraft {
    fn new() -> Self {
        LoanDraft {
            key: RwSignal::new(take_chosen_key()),
            person: RwSignal::new(String::new()),
            purpose: RwSignal::new(String::new()),
            hours: RwSignal::new("2".to_string()),
        }
    }

    /// The loan as filled in, lent now by `operator`.
    fn loan(&self, operator: String) -> KeyLent {
        let now = Utc::now();
        let hours = self.hours.get_untracked().parse().unwrap_or(2);
        KeyLent {
            key_id: self.key.get_untracked(),
            person_id: self.person.get_untracked(),
            purpose: self.purpose.get_untracked().trim().to_string(),
            lent_at: now,
            due_back: now + Duration::hours(hours),
            lent_by: operator,
        }
    }
}

#[component]
fn LendKey(now: Memo<KeysNow>) -> impl IntoView {
    let (store, session) = (use_store(), expect_context::<Session>());
    let draft = LoanDraft::new();
    let lend = local_action({
        let store = store.clone();
        move |_: &()| {
            let (store, operator) = (store.clone(), session.operator_id());
            let lent = draft.loan(operator.clone());
            async move {
                let result = store.lend_key(lent, &operator, Utc::now()).await;
                if result.is_ok() {
                    draft.purpose.try_set(String::new());
                }
                Outcome::of(result, tr!("貸出を記録しました。"))
            }
        }
    });
    // The purpose this person gave when last borrowing this key is usually the purpose again.
    fill_last_purpose(draft.person, draft.purpose, move |who| {
        let (key_id, store) = (draft.key.get(), store.clone());
        async move {
            let log = store.key_log(&key_id, 20).await.ok()?;
            log.into_iter()
                .find(|l| l.person_id == who)
                .map(|l| l.purpose)
        }
    });
    let room = Signal::derive(move || now.with(|n| n.room_of(&draft.key.get())));
    // Each option says whether it is chosen: the key home chose may come before the keys.
    let key_options = move || {
        now.with(|n| {
            n.keys
                .iter()
                .map(|k| {
                    let id = k.id.clone();
                    view! {
                        <option value=k.id.clone() prop:selected=move || draft.key.with(|key| *key == id)>
                            {n.key_label(&k.id)}
                        </option>
                    }
                })
                .collect_view()
        })
    };
    view! {
        <RecordForm class="card wide lend-form" action=lend>
            <h2>{tr!("鍵を貸し出す")}</h2>
            <Field id="lend-key" label=tr!("鍵") refusals=daicho_core::Field::Key>
                <select id="lend-key" aria-describedby="lend-key-error"
                    on:change=move |ev| draft.key.set(event_target_value(&ev))>
                    <option value="">{tr!("選んでください")}</option>
                    {key_options}
                </select>
            </Field>
            <PermittedChips room person_id=draft.person/>
            <PersonSelect id="lend-person" label=tr!("貸出先") value=draft.person refusals=daicho_core::Field::Person/>
            <Field id="lend-purpose" label=tr!("目的")>
                <input id="lend-purpose" autocomplete="off" bind:value=draft.purpose/>
            </Field>
            <Field id="lend-hours" label=tr!("返却予定") refusals=daicho_core::Field::Period>
                <select id="lend-hours" aria-describedby="lend-hours-error"
                    on:change=move |ev| draft.hours.set(event_target_value(&ev))>
                    {[1, 2, 4, 8].map(|h| view! { <option value=h.to_string() selected=h == 2>{tr!("%{h}時間後", h = h)}</option> })}
                </select>
            </Field>
            <button type="submit" id="lend" class="button primary big">{tr!("貸出を記録")}</button>
        </RecordForm>
    }
}

#[component]
fn DefineKey(now: Memo<KeysNow>) -> impl IntoView {
    let (store, session) = (use_store(), expect_context::<Session>());
    let room = RwSignal::new(String::new());
    let label = RwSignal::new(String::new());
    let define = local_action(move |_: &()| {
        let key = KeyDefined {
            id: new_id(),
            room_id: room.get_untracked(),
            label: label.get_untracked().trim().to_string(),
        };
        let (store, operator) = (store.clone(), session.operator_id());
        async move {
            let result = store.define_key(key, &operator, Utc::now()).await;
            if result.is_ok() {
                label.try_set(String::new());
            }
            Outcome::of(result, tr!("鍵を登録しました。"))
        }
    });
    // Keys belong to level-3 and level-2 rooms only (第19条第2項).
    let secure_rooms = Signal::derive(move || {
        now.with(|n| {
            let rooms = n.rooms.iter().filter(|r| r.level != SecurityLevel::One);
            rooms.cloned().collect()
        })
    });
    view! {
        <RecordForm class="card wide key-form" action=define>
            <h2>{tr!("鍵を登録（レベル3・2の室）")}</h2>
            <RoomSelect id="key-room" label=tr!("室") rooms=secure_rooms value=room/>
            <Field id="key-label" label=tr!("鍵の名称") refusals=daicho_core::Field::Key>
                <input id="key-label" autocomplete="off" aria-describedby="key-label-error" bind:value=label/>
            </Field>
            <button type="submit" id="define-key" class="button primary">{tr!("登録")}</button>
        </RecordForm>
    }
}
