//! 職員・来訪者: the people the registers name, their PINs, and lifting a PIN lock.

use crate::auth::session::Session;
use crate::directory::Directory;
use crate::store::new_id;
use chrono::Utc;
use daicho_core::people::{PersonDefined, PersonKind};
use daicho_core::sign_in::Credential;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::collections::BTreeMap;

#[component]
pub fn PeoplePage() -> impl IntoView {
    let store = crate::state::use_store_value();
    let directory = expect_context::<Directory>();
    let credentials = RwSignal::new(BTreeMap::<String, Credential>::new());
    let message = RwSignal::new(None::<String>);
    let reload = move || {
        spawn_local(async move {
            let store = store.get_value();
            let mut map = BTreeMap::new();
            for person in directory.staff() {
                if let Ok(c) = store.credential(&person.id).await {
                    map.insert(person.id, c);
                }
            }
            credentials.set(map);
        })
    };
    reload();
    // Positions held today, for the 職 column (terms of office on 職と役割).
    let held = RwSignal::new(BTreeMap::<String, Vec<String>>::new());
    spawn_local(async move {
        let store = store.get_value();
        if let (Ok(org), Ok(positions)) = (store.organisation().await, store.positions().await) {
            held.set(positions_held_today(&org, &positions));
        }
    });
    let kind_filter = RwSignal::new(String::new());
    let text = RwSignal::new(String::new());
    // The register is small (the town's staff and its visitors) and already in memory.
    let people = move || {
        let (kind, text) = (kind_filter.get(), text.get());
        let mut people: Vec<PersonDefined> = directory.0.with(|m| {
            m.values()
                .filter(|p| match kind.as_str() {
                    "staff" => p.is_staff(),
                    "visitor" => !p.is_staff(),
                    _ => true,
                })
                .filter(|p| p.name.contains(text.trim()) || p.affiliation.contains(text.trim()))
                .cloned()
                .collect()
        });
        people.sort_by(|a, b| (&a.affiliation, &a.name).cmp(&(&b.affiliation, &b.name)));
        people
    };
    view! {
        <div class="people-page" data-ready="true">
            <section class="card">
                <h2>"職員・来訪者"</h2>
                <p class="notice" role="status">{move || message.get()}</p>
                <div class="logbook-filters" role="search">
                    <div class="field">
                        <label for="people-kind">"区分"</label>
                        <select id="people-kind" on:change=move |ev| kind_filter.set(event_target_value(&ev))>
                            <option value="">"すべて"</option>
                            <option value="staff">"職員"</option>
                            <option value="visitor">"来訪者"</option>
                        </select>
                    </div>
                    <div class="field">
                        <label for="people-text">"氏名・所属で検索"</label>
                        <input id="people-text" autocomplete="off" bind:value=text/>
                    </div>
                </div>
                <table class="register">
                    <thead>
                        <tr>
                            <th scope="col">"氏名"</th>
                            <th scope="col">"所属"</th>
                            <th scope="col">"区分"</th>
                            <th scope="col">"職（本日）"</th>
                            <th scope="col">"暗証番号"</th>
                            <th scope="col"></th>
                        </tr>
                    </thead>
                    <tbody>
                        <For each=people key=|p| (p.id.clone(), p.name.clone(), p.affiliation.clone())
                            children=move |person| view! {
                                <PersonRow person credentials held message on_change=Callback::new(move |()| reload())/>
                            }/>
                    </tbody>
                </table>
            </section>
            <AddPerson on_added=Callback::new(move |()| reload())/>
        </div>
    }
}

#[component]
fn PersonRow(
    person: PersonDefined,
    credentials: RwSignal<BTreeMap<String, Credential>>,
    held: RwSignal<BTreeMap<String, Vec<String>>>,
    message: RwSignal<Option<String>>,
    on_change: Callback<()>,
) -> impl IntoView {
    let store = crate::state::use_store_value();
    let session = expect_context::<Session>();
    let id = StoredValue::new(person.id.clone());
    let credential = move || id.with_value(|id| credentials.with(|c| c.get(id).cloned()));
    let state = move || match credential() {
        Some(c) if c.is_locked() => "ロック中",
        Some(c) if c.pin.is_some() => "設定済み",
        _ => "未設定",
    };
    let name = person.name.clone();
    let unlock = move |_| {
        let (store, operator, name) = (store.get_value(), session.operator_id(), name.clone());
        spawn_local(async move {
            match store
                .unlock_pin(&id.get_value(), &operator, Utc::now())
                .await
            {
                Ok(()) => message.set(Some(format!(
                    "{name}さんの暗証番号のロックを解除しました。"
                ))),
                Err(e) => message.set(Some(e.to_string())),
            }
            on_change.run(());
        });
    };
    let kind = if person.is_staff() {
        "職員"
    } else {
        "来訪者"
    };
    let label = format!("{}さんのロックを解除", person.name);
    view! {
        <tr data-person=person.name.clone()>
            <td><a class="record-link" href=format!("#/history/person:{}", person.id)>{person.name.clone()}</a></td>
            <td>{person.affiliation.clone()}</td>
            <td>{kind}</td>
            <td class="positions">{move || id.with_value(|id| held.with(|h| h.get(id).map(|p| p.join("、"))))}</td>
            <td class="pin-state">{state}</td>
            <td>
                <Show when=move || state() == "ロック中">
                    <button type="button" class="button" aria-label=label.clone() on:click=unlock.clone()>
                        "ロック解除"
                    </button>
                </Show>
            </td>
        </tr>
    }
}

#[component]
fn AddPerson(on_added: Callback<()>) -> impl IntoView {
    let store = crate::state::use_store_value();
    let directory = expect_context::<Directory>();
    let session = expect_context::<Session>();
    let name = RwSignal::new(String::new());
    let affiliation = RwSignal::new(String::new());
    let visitor = RwSignal::new(false);
    let pin = RwSignal::new(String::new());
    let message = RwSignal::new(None::<String>);
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let kind = if visitor.get_untracked() {
            PersonKind::Visitor
        } else {
            PersonKind::Staff
        };
        let person = PersonDefined {
            id: new_id(),
            name: name.get_untracked().trim().to_string(),
            affiliation: affiliation.get_untracked().trim().to_string(),
            kind,
        };
        let (store, operator, pin_value) = (
            store.get_value(),
            session.operator_id(),
            pin.get_untracked(),
        );
        if !pin_value.is_empty() && !daicho_core::sign_in::pin_is_well_formed(&pin_value) {
            return message.set(Some("暗証番号は4〜8桁の数字にしてください。".into()));
        }
        spawn_local(async move {
            let now = Utc::now();
            let result = match store.define_person(person, &operator, now).await {
                Ok(p) if !pin_value.is_empty() => store
                    .set_pin(&p.id, &pin_value, &operator, now)
                    .await
                    .map(|()| p),
                other => other,
            };
            match result {
                Ok(p) => {
                    message.set(Some(format!("{}さんを登録しました。", p.name)));
                    directory.put(p);
                    name.set(String::new());
                    affiliation.set(String::new());
                    pin.set(String::new());
                    on_added.run(());
                }
                Err(e) => message.set(Some(e.to_string())),
            }
        });
    };
    view! {
        <form class="card add-person" on:submit=submit>
            <h2>"職員・来訪者を登録"</h2>
            <div class="field">
                <label for="person-name">"氏名"</label>
                <input id="person-name" autocomplete="off" bind:value=name/>
            </div>
            <div class="field">
                <label for="person-affiliation">"所属（来訪者は会社・団体名）"</label>
                <input id="person-affiliation" autocomplete="off" bind:value=affiliation/>
            </div>
            <label class="check">
                <input type="checkbox" id="person-visitor" bind:checked=visitor/> "来訪者"
            </label>
            <div class="field">
                <label for="person-pin">"暗証番号（職員がサインインする場合、4〜8桁）"</label>
                <input id="person-pin" type="password" inputmode="numeric" autocomplete="off" bind:value=pin/>
            </div>
            <button type="submit" id="add-person" class="button primary">"登録"</button>
            <Show when=move || message.get().is_some()>
                <p class="status" role="status">{move || message.get()}</p>
            </Show>
        </form>
    }
}

/// The names of the positions each person holds today.
fn positions_held_today(
    org: &daicho_core::organisation::Organisation,
    positions: &[daicho_core::organisation::Position],
) -> BTreeMap<String, Vec<String>> {
    let today = daicho_core::wareki::to_jst(Utc::now()).date_naive();
    let mut held: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for position in positions {
        if let Some(holder) = org.holder_of_position(&position.id, today) {
            held.entry(holder.to_string())
                .or_default()
                .push(position.name.clone());
        }
    }
    held
}
