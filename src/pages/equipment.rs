//! アクセス管理の対象機器（第8条・第16条）: the servers and business terminals under access
//! control and where each stands. The places of 第16条 are seeded at first run, marked as
//! defaults to edit; registering an existing id again is a new version of it (the latest wins).

use crate::auth::session::Session;
use crate::components::log_table::LogTable;
use crate::components::record_form::{Field, Outcome, RecordForm};
use crate::components::record_link::RecordLink;
use crate::components::register_output::RegisterOutput;
use crate::components::shown::Shown;
use crate::state::{follow_store, local_action, use_store};
use crate::store::new_id;
use chrono::Utc;
use daicho_core::equipment::{EquipmentKind, EquipmentRegistered};
use daicho_core::sort::sort_by;
use daicho_core::{tr, EventKind, Versioned};
use leptos::prelude::*;
use std::borrow::Cow;

/// What the form is filled with: a new machine, or a new version of `id`.
#[derive(Clone, Copy)]
struct Draft {
    editing: RwSignal<Option<String>>,
    kind: RwSignal<EquipmentKind>,
    name: RwSignal<String>,
    place: RwSignal<String>,
}

impl Draft {
    fn new() -> Self {
        Draft {
            editing: RwSignal::new(None),
            kind: RwSignal::new(EquipmentKind::Terminal),
            name: RwSignal::new(String::new()),
            place: RwSignal::new(String::new()),
        }
    }

    fn load(&self, item: &EquipmentRegistered) {
        self.editing.set(Some(item.id.clone()));
        self.kind.set(item.kind);
        self.name.set(item.name.clone());
        self.place.set(item.place.clone());
    }

    fn clear(&self) {
        self.editing.set(None);
        self.name.set(String::new());
        self.place.set(String::new());
    }

    /// The machine as filled in. A person's definition replaces the seeded default, so it no
    /// longer needs editing.
    fn item(&self) -> EquipmentRegistered {
        EquipmentRegistered {
            id: self.editing.get_untracked().unwrap_or_else(new_id),
            kind: self.kind.get_untracked(),
            name: self.name.get_untracked().trim().to_string(),
            place: self.place.get_untracked().trim().to_string(),
            is_default: false,
        }
    }
}

#[component]
pub fn EquipmentPage() -> impl IntoView {
    // Every machine, newest version: read again after each write or sync.
    let register = follow_store(move |store| async move {
        let registers = store.registers().await.map_err(|e| e.to_string())?;
        let items = registers.office().equipment.values().cloned().collect();
        Ok::<Vec<Versioned<EquipmentRegistered>>, String>(items)
    });
    let items = Signal::derive(move || register.get().and_then(Result::ok).unwrap_or_default());
    let ready = move || register.get().is_some().to_string();
    let draft = Draft::new();
    view! {
        <div class="equipment-page" data-ready=ready>
            {move || register.get().and_then(Result::err).map(|e| view! {
                <p class="form-error" role="alert">{tr!("機器の台帳を読めませんでした。")} {e}</p>
            })}
            <EquipmentList items draft/>
            <EquipmentForm draft/>
        </div>
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum SortBy {
    Place,
    Name,
}

#[component]
fn EquipmentList(
    items: Signal<Vec<Versioned<EquipmentRegistered>>>,
    draft: Draft,
) -> impl IntoView {
    let kind_filter = RwSignal::new(String::new());
    let text = RwSignal::new(String::new());
    let sort = RwSignal::new(SortBy::Place);
    // A town has a handful of machines: filter and sort in memory.
    let rows = Signal::derive(move || {
        let needle = text.get().trim().to_string();
        let kind = kind_filter.get();
        let mut rows: Vec<Versioned<EquipmentRegistered>> = items
            .get()
            .into_iter()
            .filter(|e| kind.is_empty() || kind_key(e.kind) == kind)
            .filter(|e| {
                needle.is_empty()
                    || [&e.name, &e.place, &e.id]
                        .iter()
                        .any(|s| s.contains(&needle))
            })
            .collect();
        match sort.get() {
            SortBy::Place => sort_by(&mut rows, |a, b| {
                (&a.place, &a.name).cmp(&(&b.place, &b.name))
            }),
            SortBy::Name => sort_by(&mut rows, |a, b| {
                (&a.name, &a.place).cmp(&(&b.name, &b.place))
            }),
        }
        rows
    });
    let pick_sort = move |ev| {
        let by = match event_target_value(&ev).as_str() {
            "name" => SortBy::Name,
            _ => SortBy::Place,
        };
        sort.set(by);
    };
    let key = |item: &Versioned<EquipmentRegistered>| item.version.clone();
    let row = move |item| view! { <EquipmentRow item draft/> };
    view! {
        <section class="card wide">
            <h2>{tr!("アクセス管理の対象機器（第8条・第16条）")}</h2>
            <div class="filters">
                <Field id="equipment-filter-kind" label=tr!("区分")>
                    <select id="equipment-filter-kind" on:change=move |ev| kind_filter.set(event_target_value(&ev))>
                        <option value="">{tr!("すべて")}</option>
                        <option value=kind_key(EquipmentKind::Server)>{EquipmentKind::Server.name_text()}</option>
                        <option value=kind_key(EquipmentKind::Terminal)>{EquipmentKind::Terminal.name_text()}</option>
                    </select>
                </Field>
                <Field id="equipment-filter-text" label=tr!("名称・設置場所で絞り込む")>
                    <input id="equipment-filter-text" type="search" autocomplete="off" bind:value=text/>
                </Field>
                <Field id="equipment-sort" label=tr!("並び順")>
                    <select id="equipment-sort" on:change=pick_sort>
                        <option value="place">{tr!("設置場所順")}</option>
                        <option value="name">{tr!("名称順")}</option>
                    </select>
                </Field>
            </div>
            <RegisterOutput what="equipment" header=csv_header()
                rows=Signal::derive(move || rows.get().iter().map(|e| csv_row(&e.value)).collect())
                covers=Signal::derive(move || {
                    let kind = match kind_filter.get().as_str() {
                        "server" => EquipmentKind::Server.name_text().to_string(),
                        "terminal" => EquipmentKind::Terminal.name_text().to_string(),
                        _ => tr!("すべての機器").into_owned(),
                    };
                    match text.get().trim() {
                        "" => kind,
                        t => tr!("%{what}・「%{t}」で絞り込み", what = kind, t = t).into_owned(),
                    }
                })/>
            <LogTable
                class="register equipment-list"
                columns=vec![tr!("区分"), tr!("名称"), tr!("設置場所"), "".into(), "".into()]
                rows
                key
                row
                empty=tr!("該当する機器はありません。")
            />
        </section>
    }
}

#[component]
fn EquipmentRow(item: Versioned<EquipmentRegistered>, draft: Draft) -> impl IntoView {
    let (name, place) = (&item.name, &item.place);
    let label = tr!("%{name}（%{place}）を編集", name = name, place = place);
    let defined_by = item.version.event();
    let item = item.value;
    let editing = item.clone();
    view! {
        <tr data-equipment=item.id.clone() data-kind=kind_key(item.kind)>
            <td>{item.kind.name_text()}</td>
            <td class="equipment-name">
                {item.name.clone()}
                {item.is_default.then(|| view! { <span class="default-tag">{tr!("初期値・要編集")}</span> })}
            </td>
            <td class="equipment-place">{item.place.clone()}</td>
            <td><RecordLink id=defined_by/></td>
            <td>
                <button type="button" class="button edit-equipment" aria-label=label
                    on:click=move |_| draft.load(&editing)>{tr!("編集")}</button>
            </td>
        </tr>
    }
}

/// The CSV's columns.
fn csv_header() -> [Cow<'static, str>; 3] {
    [tr!("区分"), tr!("名称"), tr!("設置場所")]
}

fn csv_row(item: &EquipmentRegistered) -> Vec<String> {
    vec![
        item.kind.name_text().to_string(),
        item.name.clone(),
        item.place.clone(),
    ]
}

/// The value of a kind in the selects.
fn kind_key(kind: EquipmentKind) -> &'static str {
    match kind {
        EquipmentKind::Server => "server",
        EquipmentKind::Terminal => "terminal",
    }
}

#[component]
fn EquipmentForm(draft: Draft) -> impl IntoView {
    let (store, session) = (use_store(), expect_context::<Session>());
    let register = local_action(move |_: &()| {
        let done = match draft.editing.get_untracked() {
            Some(_) => tr!("機器の登録を更新しました。"),
            None => tr!("機器を登録しました。"),
        };
        let (store, operator, item) = (store.clone(), session.operator_id(), draft.item());
        async move {
            let kind = EventKind::EquipmentRegistered(item);
            let outcome = Outcome::of(store.record(kind, &operator, Utc::now()).await, done);
            if outcome.is_done() {
                draft.clear();
            }
            outcome
        }
    });
    let pick_kind = move |ev| {
        let kind = match event_target_value(&ev).as_str() {
            "server" => EquipmentKind::Server,
            _ => EquipmentKind::Terminal,
        };
        draft.kind.set(kind);
    };
    let editing = move || draft.editing.get().is_some();
    view! {
        <RecordForm class="card wide equipment-form" action=register>
            <h2>{move || if editing() { tr!("機器の登録を更新") } else { tr!("機器を登録") }}</h2>
            <p class="hint">{tr!("登録できるのはシステム管理者です（第4条）。更新すると新しい版として記録され、前の版も記録に残ります。")}</p>
            <Shown when=editing>
                <p class="editing" id="equipment-editing">
                    {tr!("編集中の機器: ")} {move || draft.editing.get()}
                </p>
            </Shown>
            <Field id="equipment-kind" label=tr!("区分")>
                <select id="equipment-kind" on:change=pick_kind>
                    {[EquipmentKind::Server, EquipmentKind::Terminal].map(|k| view! {
                        <option value=kind_key(k) prop:selected=move || draft.kind.get() == k>{k.name_text()}</option>
                    })}
                </select>
            </Field>
            <Field id="equipment-name" label=tr!("名称") refusals=daicho_core::Field::Name>
                <input id="equipment-name" autocomplete="off" aria-describedby="equipment-name-error" bind:value=draft.name/>
            </Field>
            <Field id="equipment-place" label=tr!("設置場所") refusals=daicho_core::Field::Room>
                <input id="equipment-place" autocomplete="off" aria-describedby="equipment-place-error" bind:value=draft.place/>
            </Field>
            <button type="submit" id="register-equipment" class="button primary">
                {move || if editing() { tr!("更新") } else { tr!("登録") }}
            </button>
            <Shown when=editing>
                <button type="button" id="equipment-new" class="button" on:click=move |_| draft.clear()>
                    {tr!("編集をやめて新規登録へ")}
                </button>
            </Shown>
        </RecordForm>
    }
}
