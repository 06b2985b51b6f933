//! アクセス管理の対象機器（第8条・第16条）: the servers and business terminals under access
//! control and where each stands. The places of 第16条 are seeded at first run, marked as
//! defaults to edit; registering an existing id again is a new version of it (the latest wins).

use crate::auth::session::Session;
use crate::components::form_message::{FormMessage, Outcome};
use crate::components::record_link::{latest_definitions, RecordLink};
use crate::store::new_id;
use chrono::Utc;
use daicho_core::equipment::{EquipmentKind, EquipmentRegistered};
use daicho_core::EventTag;
use daicho_core::{EventId, EventKind};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::collections::BTreeMap;

/// The register as loaded: every machine (latest version) and the event that defined it.
#[derive(Clone, Default)]
struct EquipmentView {
    items: Vec<EquipmentRegistered>,
    defined_by: BTreeMap<String, EventId>,
}

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
}

#[component]
pub fn EquipmentPage() -> impl IntoView {
    let store = crate::state::use_store_value();
    let loaded = RwSignal::new(EquipmentView::default());
    let ready = RwSignal::new(false);
    let reload = move || {
        spawn_local(async move {
            let store = store.get_value();
            let (Ok(registers), Ok(events)) = (
                store.registers().await,
                store.events_of(&[EventTag::EquipmentRegistered]).await,
            ) else {
                return;
            };
            let defined_by = latest_definitions(&events, |k| match k {
                EventKind::EquipmentRegistered(x) => Some(x.id.as_str()),
                _ => None,
            });
            let items = registers
                .office()
                .equipment
                .values()
                .map(|v| v.value.clone())
                .collect();
            loaded.set(EquipmentView { items, defined_by });
            ready.set(true);
        })
    };
    reload();
    let draft = Draft::new();
    view! {
        <div class="equipment-page" data-ready=move || ready.get().to_string()>
            <EquipmentList loaded draft/>
            <EquipmentForm draft on_registered=Callback::new(move |()| reload())/>
        </div>
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum SortBy {
    Place,
    Name,
}

#[component]
fn EquipmentList(loaded: RwSignal<EquipmentView>, draft: Draft) -> impl IntoView {
    let kind_filter = RwSignal::new(String::new());
    let text = RwSignal::new(String::new());
    let sort = RwSignal::new(SortBy::Place);
    // A town has a handful of machines: filter and sort in memory.
    let rows = move || {
        let needle = text.get().trim().to_string();
        let kind = kind_filter.get();
        let mut items: Vec<EquipmentRegistered> = loaded.with(|l| {
            l.items
                .iter()
                .filter(|e| kind.is_empty() || kind_key(e.kind) == kind)
                .filter(|e| {
                    needle.is_empty()
                        || [&e.name, &e.place, &e.id]
                            .iter()
                            .any(|s| s.contains(&needle))
                })
                .cloned()
                .collect()
        });
        match sort.get() {
            SortBy::Place => items.sort_by(|a, b| (&a.place, &a.name).cmp(&(&b.place, &b.name))),
            SortBy::Name => items.sort_by(|a, b| (&a.name, &a.place).cmp(&(&b.name, &b.place))),
        }
        items
    };
    let pick_sort = move |ev| {
        let by = if event_target_value(&ev) == "name" {
            SortBy::Name
        } else {
            SortBy::Place
        };
        sort.set(by);
    };
    view! {
        <section class="card wide">
            <h2>"アクセス管理の対象機器（第8条・第16条）"</h2>
            <div class="filters">
                <div class="field">
                    <label for="equipment-filter-kind">"区分"</label>
                    <select id="equipment-filter-kind" on:change=move |ev| kind_filter.set(event_target_value(&ev))>
                        <option value="">"すべて"</option>
                        <option value=kind_key(EquipmentKind::Server)>{EquipmentKind::Server.name_ja()}</option>
                        <option value=kind_key(EquipmentKind::Terminal)>{EquipmentKind::Terminal.name_ja()}</option>
                    </select>
                </div>
                <div class="field">
                    <label for="equipment-filter-text">"名称・設置場所で絞り込む"</label>
                    <input id="equipment-filter-text" type="search" autocomplete="off" bind:value=text/>
                </div>
                <div class="field">
                    <label for="equipment-sort">"並び順"</label>
                    <select id="equipment-sort" on:change=pick_sort>
                        <option value="place">"設置場所順"</option>
                        <option value="name">"名称順"</option>
                    </select>
                </div>
            </div>
            <table class="register equipment-list">
                <thead>
                    <tr><th>"区分"</th><th>"名称"</th><th>"設置場所"</th><th></th><th></th></tr>
                </thead>
                <tbody>
                    {move || rows().into_iter().map(|item| {
                        let defined_by = loaded.with(|l| l.defined_by.get(&item.id).cloned());
                        view! { <EquipmentRow item defined_by draft/> }
                    }).collect_view()}
                </tbody>
            </table>
            <Show when=move || rows().is_empty()>
                <p class="empty">"該当する機器はありません。"</p>
            </Show>
        </section>
    }
}

#[component]
fn EquipmentRow(
    item: EquipmentRegistered,
    defined_by: Option<EventId>,
    draft: Draft,
) -> impl IntoView {
    let label = format!("{}（{}）を編集", item.name, item.place);
    let editing = item.clone();
    view! {
        <tr data-equipment=item.id.clone() data-kind=kind_key(item.kind)>
            <td>{item.kind.name_ja()}</td>
            <td class="equipment-name">
                {item.name.clone()}
                {item.is_default.then(|| view! { <span class="default-tag">"初期値・要編集"</span> })}
            </td>
            <td class="equipment-place">{item.place.clone()}</td>
            <td>{defined_by.map(|id| view! { <RecordLink id/> })}</td>
            <td>
                <button type="button" class="button edit-equipment" aria-label=label
                    on:click=move |_| draft.load(&editing)>"編集"</button>
            </td>
        </tr>
    }
}

/// The value of a kind in the selects.
fn kind_key(kind: EquipmentKind) -> &'static str {
    match kind {
        EquipmentKind::Server => "server",
        EquipmentKind::Terminal => "terminal",
    }
}

#[component]
fn EquipmentForm(draft: Draft, on_registered: Callback<()>) -> impl IntoView {
    let store = crate::state::use_store_value();
    let session = expect_context::<Session>();
    let message: Outcome = RwSignal::new(None);
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let editing = draft.editing.get_untracked();
        let done = if editing.is_some() {
            "機器の登録を更新しました。"
        } else {
            "機器を登録しました。"
        };
        // A person's definition replaces the seeded default, so it no longer needs editing.
        let item = EquipmentRegistered {
            id: editing.unwrap_or_else(new_id),
            kind: draft.kind.get_untracked(),
            name: draft.name.get_untracked().trim().to_string(),
            place: draft.place.get_untracked().trim().to_string(),
            is_default: false,
        };
        let (store, operator) = (store.get_value(), session.operator_id());
        spawn_local(async move {
            let kind = EventKind::EquipmentRegistered(item);
            match store.record(kind, &operator, Utc::now()).await {
                Ok(_) => {
                    message.set(Some((true, done.into())));
                    draft.clear();
                    on_registered.run(());
                }
                Err(e) => message.set(Some((false, e.to_string()))),
            }
        });
    };
    let pick_kind = move |ev| {
        let kind = if event_target_value(&ev) == kind_key(EquipmentKind::Server) {
            EquipmentKind::Server
        } else {
            EquipmentKind::Terminal
        };
        draft.kind.set(kind);
    };
    let heading = move || match draft.editing.get() {
        Some(_) => "機器の登録を更新",
        None => "機器を登録",
    };
    view! {
        <form class="card wide equipment-form" on:submit=submit>
            <h2>{heading}</h2>
            <p class="hint">"登録できるのはシステム管理者です（第4条）。更新すると新しい版として記録され、前の版も記録に残ります。"</p>
            <Show when=move || draft.editing.get().is_some()>
                <p class="editing" id="equipment-editing">
                    "編集中の機器: " {move || draft.editing.get()}
                </p>
            </Show>
            <div class="field">
                <label for="equipment-kind">"区分"</label>
                <select id="equipment-kind" on:change=pick_kind>
                    {[EquipmentKind::Server, EquipmentKind::Terminal].map(|k| view! {
                        <option value=kind_key(k) prop:selected=move || draft.kind.get() == k>{k.name_ja()}</option>
                    })}
                </select>
            </div>
            <div class="field">
                <label for="equipment-name">"名称"</label>
                <input id="equipment-name" autocomplete="off" bind:value=draft.name/>
            </div>
            <div class="field">
                <label for="equipment-place">"設置場所"</label>
                <input id="equipment-place" autocomplete="off" bind:value=draft.place/>
            </div>
            <button type="submit" id="register-equipment" class="button primary">
                {move || if draft.editing.get().is_some() { "更新" } else { "登録" }}
            </button>
            <Show when=move || draft.editing.get().is_some()>
                <button type="button" id="equipment-new" class="button" on:click=move |_| draft.clear()>
                    "編集をやめて新規登録へ"
                </button>
            </Show>
            <FormMessage outcome=message/>
        </form>
    }
}
