//! 職員・来訪者: the people the registers name, their PINs, and lifting a PIN lock.

use crate::auth::session::Session;
use crate::components::log_table::LogTable;
use crate::components::record_form::{Field, Outcome, RecordForm};
use crate::components::register_output::RegisterOutput;
use crate::components::shown::Shown;
use crate::directory::Directory;
use crate::state::{follow_store, local_action, use_store};
use crate::store::{new_id, Store, StoreError};
use chrono::Utc;
use daicho_core::organisation::{Organisation, Position};
use daicho_core::people::{PersonDefined, PersonKind};
use daicho_core::sign_in::{pin_is_well_formed, Credential};
use daicho_core::sort::sort_by;
use daicho_core::{tr, Refusal, RefusalCode, Refusals};
use leptos::prelude::*;
use std::borrow::Cow;
use std::collections::BTreeMap;

/// What the list shows beside each person: their PIN's state, and the positions they hold
/// today (terms of office on 職と役割).
#[derive(Debug, Clone, Default, PartialEq)]
struct Standing {
    credentials: BTreeMap<String, Credential>,
    held: BTreeMap<String, Vec<String>>,
}

impl Standing {
    /// Whether the person's PIN is locked (the unlock button shows).
    fn is_locked(&self, person_id: &str) -> bool {
        self.credentials
            .get(person_id)
            .is_some_and(|c| c.is_locked())
    }

    /// The state of the person's PIN, as the list and the CSV say it.
    fn pin_state(&self, person_id: &str) -> Cow<'static, str> {
        match self.credentials.get(person_id) {
            Some(c) if c.is_locked() => tr!("ロック中"),
            Some(c) if c.pin.is_some() => tr!("設定済み"),
            _ => tr!("未設定"),
        }
    }

    /// The positions the person holds today, in words.
    fn positions(&self, person_id: &str) -> Option<String> {
        self.held.get(person_id).map(|p| p.join(&*tr!("、")))
    }

    async fn read(store: &Store, staff: Vec<PersonDefined>) -> crate::store::Result<Standing> {
        let mut credentials = BTreeMap::new();
        for person in staff {
            credentials.insert(person.id.clone(), store.credential(&person.id).await?);
        }
        let (org, positions) = (store.organisation().await?, store.positions().await?);
        Ok(Standing {
            credentials,
            held: positions_held_today(&org, &positions),
        })
    }
}

/// The CSV's columns (the list's, without its button).
fn csv_header() -> [Cow<'static, str>; 5] {
    [
        tr!("氏名"),
        tr!("所属"),
        tr!("区分"),
        tr!("職（本日）"),
        tr!("暗証番号"),
    ]
}

#[component]
pub fn PeoplePage() -> impl IntoView {
    let directory = expect_context::<Directory>();
    // Read again after each write or sync, and when the register gains someone.
    let read = follow_store(move |store| {
        let staff = directory.staff();
        async move {
            Standing::read(&store, staff)
                .await
                .map_err(|e| e.to_string())
        }
    });
    let standing = Memo::new(move |_| read.get().and_then(Result::ok).unwrap_or_default());
    let unlock = unlock_pin();
    // Done in green; refused (only the system administrator unlocks, 第4条) as an error.
    let said = move || {
        unlock.value().get().map(|unlocked| match unlocked {
            Ok(name) => view! {
                <p class="notice status" role="status">{tr!("%{name}さんの暗証番号のロックを解除しました。", name = name)}</p>
            }
            .into_any(),
            Err(e) => view! { <p class="form-error" role="alert">{e}</p> }.into_any(),
        })
    };
    let kind_filter = RwSignal::new(String::new());
    let text = RwSignal::new(String::new());
    // The register is small (the town's staff and its visitors) and already in memory.
    let people = Signal::derive(move || {
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
        sort_by(&mut people, |a, b| {
            (&a.affiliation, &a.name).cmp(&(&b.affiliation, &b.name))
        });
        people
    });
    let key = |p: &PersonDefined| (p.id.clone(), p.name.clone(), p.affiliation.clone());
    let csv = Signal::derive(move || standing.with(|s| csv_rows(&people.get(), s)));
    let covers = Signal::derive(move || {
        let kind = match kind_filter.get().as_str() {
            "staff" => tr!("職員"),
            "visitor" => tr!("来訪者"),
            _ => tr!("職員・来訪者すべて"),
        };
        let text = text.get();
        match text.trim() {
            "" => kind.into_owned(),
            t => tr!("%{kind}（「%{text}」で検索）", kind = kind, text = t).into_owned(),
        }
    });
    let row = move |person| view! { <PersonRow person standing unlock/> };
    view! {
        <div class="people-page" data-ready=move || read.is_read().then_some("true")>
            {move || read.get().and_then(Result::err).map(|e| view! {
                <p class="form-error" role="alert">{tr!("暗証番号の状態を読めませんでした。")} {e}</p>
            })}
            <section class="card">
                <h2>{tr!("職員・来訪者")}</h2>
                {said}
                <div class="logbook-filters" role="search">
                    <Field id="people-kind" label=tr!("区分")>
                        <select id="people-kind" on:change=move |ev| kind_filter.set(event_target_value(&ev))>
                            <option value="">{tr!("すべて")}</option>
                            <option value="staff">{tr!("職員")}</option>
                            <option value="visitor">{tr!("来訪者")}</option>
                        </select>
                    </Field>
                    <Field id="people-text" label=tr!("氏名・所属で検索")>
                        <input id="people-text" autocomplete="off" bind:value=text/>
                    </Field>
                </div>
                <RegisterOutput what="people" header=csv_header() rows=csv covers/>
                <LogTable
                    class="register"
                    columns=vec![
                        tr!("氏名"),
                        tr!("所属"),
                        tr!("区分"),
                        tr!("職（本日）"),
                        tr!("暗証番号"),
                        "".into(),
                    ]
                    rows=people
                    key
                    row
                    empty=tr!("該当する方はいません。")
                />
            </section>
            <AddPerson/>
        </div>
    }
}

/// 職員 or 来訪者.
fn kind_text(person: &PersonDefined) -> Cow<'static, str> {
    if person.is_staff() {
        tr!("職員")
    } else {
        tr!("来訪者")
    }
}

/// The register's lines for its CSV and print: the people shown, as the list shows them.
fn csv_rows(people: &[PersonDefined], standing: &Standing) -> Vec<Vec<String>> {
    people
        .iter()
        .map(|p| {
            vec![
                p.name.clone(),
                p.affiliation.clone(),
                kind_text(p).to_string(),
                standing.positions(&p.id).unwrap_or_default(),
                standing.pin_state(&p.id).to_string(),
            ]
        })
        .collect()
}

/// Lifts a person's PIN lock (an administrator's act); says whose, by name.
fn unlock_pin() -> Action<PersonDefined, Result<String, String>> {
    let (store, session) = (use_store(), expect_context::<Session>());
    local_action(move |person: &PersonDefined| {
        let (store, operator, person) = (store.clone(), session.operator_id(), person.clone());
        async move {
            let unlocked = store.unlock_pin(&person.id, &operator, Utc::now()).await;
            unlocked.map(|()| person.name).map_err(|e| e.to_string())
        }
    })
}

#[component]
fn PersonRow(
    person: PersonDefined,
    standing: Memo<Standing>,
    unlock: Action<PersonDefined, Result<String, String>>,
) -> impl IntoView {
    let id = StoredValue::new(person.id.clone());
    let state = move || id.with_value(|id| standing.with(|s| s.pin_state(id)));
    let positions = move || id.with_value(|id| standing.with(|s| s.positions(id)));
    let locked = move || id.with_value(|id| standing.with(|s| s.is_locked(id)));
    let kind = kind_text(&person);
    let label = tr!("%{name}さんのロックを解除", name = person.name);
    let unlocking = person.clone();
    view! {
        <tr data-person=person.name.clone()>
            <td><a class="record-link" href=format!("#/history/person:{}", person.id)>{person.name.clone()}</a></td>
            <td>{person.affiliation.clone()}</td>
            <td>{kind}</td>
            <td class="positions">{positions}</td>
            <td class="pin-state">{state}</td>
            <td>
                <Shown when=locked>
                    <button type="button" class="button" aria-label=label.clone()
                        on:click={
                            let unlocking = unlocking.clone();
                            move |_| { unlock.dispatch(unlocking.clone()); }
                        }>
                        {tr!("ロック解除")}
                    </button>
                </Shown>
            </td>
        </tr>
    }
}

/// What the form is filled with.
#[derive(Clone, Copy)]
struct Draft {
    name: RwSignal<String>,
    affiliation: RwSignal<String>,
    visitor: RwSignal<bool>,
    pin: RwSignal<String>,
}

impl Draft {
    fn new() -> Self {
        Draft {
            name: RwSignal::new(String::new()),
            affiliation: RwSignal::new(String::new()),
            visitor: RwSignal::new(false),
            pin: RwSignal::new(String::new()),
        }
    }

    fn person(&self) -> PersonDefined {
        let kind = if self.visitor.get_untracked() {
            PersonKind::Visitor
        } else {
            PersonKind::Staff
        };
        PersonDefined {
            id: new_id(),
            name: self.name.get_untracked().trim().to_string(),
            affiliation: self.affiliation.get_untracked().trim().to_string(),
            kind,
        }
    }

    /// Empty again (written once the write returns: the page may be gone).
    fn clear(&self) {
        for field in [self.name, self.affiliation, self.pin] {
            field.try_set(String::new());
        }
    }
}

/// Registers `person`, then sets their PIN if one was given. A PIN the store would refuse is
/// refused before anything is written, so no one is registered without the PIN asked for.
async fn add_person(
    store: &Store,
    person: PersonDefined,
    pin: &str,
    operator: &str,
) -> crate::store::Result<PersonDefined> {
    if !pin.is_empty() && !pin_is_well_formed(pin) {
        let refusal = Refusal::new(RefusalCode::PinMalformed, daicho_core::Field::Pin, None);
        return Err(StoreError::Refused(Refusals(vec![refusal])));
    }
    let now = Utc::now();
    let person = store.define_person(person, operator, now).await?;
    if !pin.is_empty() {
        store.set_pin(&person.id, pin, operator, now).await?;
    }
    Ok(person)
}

#[component]
fn AddPerson() -> impl IntoView {
    let (store, session) = (use_store(), expect_context::<Session>());
    let directory = expect_context::<Directory>();
    let draft = Draft::new();
    let add = local_action(move |_: &()| {
        let (store, operator) = (store.clone(), session.operator_id());
        let (person, pin) = (draft.person(), draft.pin.get_untracked());
        let done = tr!("%{name}さんを登録しました。", name = person.name);
        async move {
            let result = add_person(&store, person, &pin, &operator).await;
            if let Ok(person) = &result {
                directory.put(person.clone());
                draft.clear();
            }
            Outcome::of(result, done)
        }
    });
    view! {
        <RecordForm class="card add-person" action=add>
            <h2>{tr!("職員・来訪者を登録")}</h2>
            <Field id="person-name" label=tr!("氏名") refusals=daicho_core::Field::Name>
                <input id="person-name" autocomplete="off" aria-describedby="person-name-error" bind:value=draft.name/>
            </Field>
            <Field id="person-affiliation" label=tr!("所属（来訪者は会社・団体名）") refusals=daicho_core::Field::Affiliation>
                <input id="person-affiliation" autocomplete="off" aria-describedby="person-affiliation-error"
                    bind:value=draft.affiliation/>
            </Field>
            <label class="check">
                <input type="checkbox" id="person-visitor" bind:checked=draft.visitor/> {tr!("来訪者")}
            </label>
            <Field id="person-pin" label=tr!("暗証番号（職員がサインインする場合、4〜8桁）") refusals=daicho_core::Field::Pin>
                <input id="person-pin" type="password" inputmode="numeric" autocomplete="off"
                    aria-describedby="person-pin-error" bind:value=draft.pin/>
            </Field>
            <button type="submit" id="add-person" class="button primary">{tr!("登録")}</button>
        </RecordForm>
    }
}

/// The names of the positions each person holds today.
fn positions_held_today(
    org: &Organisation,
    positions: &[Position],
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
