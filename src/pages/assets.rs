//! 情報資産（第13–15条）: each asset with its category, the manager that category gives it
//! (derived from the role mapping, never typed), its management method, the handlers designated
//! for personal data (第14条) and the measures against leakage, loss and damage (第15条).

use crate::auth::session::Session;
use crate::components::choices::PersonSelect;
use crate::components::form_message::{FormMessage, Outcome};
use crate::components::ja_day::{parse_day, today, JaDay};
use crate::components::record_link::{latest_definitions, RecordLink};
use crate::directory::Directory;
use crate::store::new_id;
use chrono::{NaiveDate, Utc};
use daicho_core::assets::{AssetCategory, AssetRegistered, HandlerDesignated, MeasureRecorded};
use daicho_core::organisation::{Organisation, Position, Role};
use daicho_core::EventTag;
use daicho_core::{EventId, EventKind};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::collections::BTreeMap;

/// The register as loaded, with what the manager is derived from.
#[derive(Clone, Default)]
struct AssetsView {
    assets: Vec<AssetRegistered>,
    defined_by: BTreeMap<String, EventId>,
    designations: Vec<(EventId, HandlerDesignated)>,
    measures: Vec<(EventId, MeasureRecorded)>,
    organisation: Organisation,
    positions: Vec<Position>,
}

impl AssetsView {
    fn position_name(&self, id: &str) -> String {
        self.positions
            .iter()
            .find(|p| p.id == id)
            .map_or_else(|| id.to_string(), |p| p.name.clone())
    }

    /// The manager of `category` on `day` (第13条第2項): role, its position, and its holder.
    fn manager(&self, category: AssetCategory, day: NaiveDate) -> Manager {
        let role = category.manager_role();
        Manager {
            role,
            position: self
                .organisation
                .position_for(role, day)
                .map(|p| self.position_name(p)),
            holder: self.organisation.who_held(role, day).map(str::to_string),
        }
    }
}

struct Manager {
    role: Role,
    position: Option<String>,
    holder: Option<String>,
}

impl Manager {
    /// 本人確認情報管理責任者（住民税務課長）
    fn role_text(&self) -> String {
        match &self.position {
            Some(p) => format!("{}（{p}）", self.role.name_ja()),
            None => self.role.name_ja().to_string(),
        }
    }

    fn holder_text(&self, directory: &Directory) -> String {
        self.holder
            .as_deref()
            .map_or_else(|| "（担当者未登録）".to_string(), |h| directory.name_of(h))
    }
}

/// The value of a category in the selects and in `data-category`.
fn category_key(category: AssetCategory) -> String {
    format!("{category:?}")
}

fn category_of(key: &str) -> Option<AssetCategory> {
    AssetCategory::ALL
        .into_iter()
        .find(|c| category_key(*c) == key)
}

#[component]
pub fn AssetsPage() -> impl IntoView {
    let store = crate::state::use_store_value();
    let loaded = RwSignal::new(AssetsView::default());
    let ready = RwSignal::new(false);
    let reload = move || {
        spawn_local(async move {
            let store = store.get_value();
            let (Ok(registers), Ok(events), Ok(positions)) = (
                store.registers().await,
                store.events_of(&[EventTag::AssetRegistered]).await,
                store.positions().await,
            ) else {
                return;
            };
            let defined_by = latest_definitions(&events, |k| match k {
                EventKind::AssetRegistered(a) => Some(a.id.as_str()),
                _ => None,
            });
            let office = registers.office().clone();
            loaded.set(AssetsView {
                assets: office.assets.into_values().map(|v| v.value).collect(),
                defined_by,
                designations: office.designations.into_iter().collect(),
                measures: office.measures.into_iter().collect(),
                organisation: registers.organisation().clone(),
                positions,
            });
            ready.set(true);
        })
    };
    reload();
    let draft = Draft::new();
    let on_recorded = Callback::new(move |()| reload());
    view! {
        <div class="assets-page" data-ready=move || ready.get().to_string()>
            <AssetList loaded draft/>
            <AssetForm loaded draft on_recorded/>
            <DesignationForm loaded on_recorded/>
            <MeasureForm loaded on_recorded/>
        </div>
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum SortBy {
    Category,
    Name,
    Location,
}

#[component]
fn AssetList(loaded: RwSignal<AssetsView>, draft: Draft) -> impl IntoView {
    let category = RwSignal::new(String::new());
    let text = RwSignal::new(String::new());
    let sort = RwSignal::new(SortBy::Category);
    // An office has tens of assets: filter and sort in memory.
    let rows = move || {
        let (wanted, needle) = (category_of(&category.get()), text.get().trim().to_string());
        let mut assets: Vec<AssetRegistered> = loaded.with(|l| {
            l.assets
                .iter()
                .filter(|a| wanted.is_none_or(|c| a.category == c))
                .filter(|a| {
                    needle.is_empty()
                        || [&a.name, &a.location, &a.management_method]
                            .iter()
                            .any(|s| s.contains(&needle))
                })
                .cloned()
                .collect()
        });
        match sort.get() {
            SortBy::Category => {
                assets.sort_by(|a, b| (a.category, &a.name).cmp(&(b.category, &b.name)))
            }
            SortBy::Name => assets.sort_by(|a, b| a.name.cmp(&b.name)),
            SortBy::Location => {
                assets.sort_by(|a, b| (&a.location, &a.name).cmp(&(&b.location, &b.name)))
            }
        }
        assets
    };
    let pick_sort = move |ev| {
        sort.set(match event_target_value(&ev).as_str() {
            "name" => SortBy::Name,
            "location" => SortBy::Location,
            _ => SortBy::Category,
        })
    };
    view! {
        <section class="card wide">
            <h2>"情報資産（第13条〜第15条）"</h2>
            <div class="filters">
                <div class="field">
                    <label for="asset-filter-category">"区分"</label>
                    <select id="asset-filter-category" on:change=move |ev| category.set(event_target_value(&ev))>
                        <option value="">"すべて"</option>
                        {AssetCategory::ALL.map(|c| view! { <option value=category_key(c)>{c.name_ja()}</option> })}
                    </select>
                </div>
                <div class="field">
                    <label for="asset-filter-text">"名称・保管場所・管理方法で絞り込む"</label>
                    <input id="asset-filter-text" type="search" autocomplete="off" bind:value=text/>
                </div>
                <div class="field">
                    <label for="asset-sort">"並び順"</label>
                    <select id="asset-sort" on:change=pick_sort>
                        <option value="category">"区分順"</option>
                        <option value="name">"名称順"</option>
                        <option value="location">"保管場所順"</option>
                    </select>
                </div>
            </div>
            <table class="register asset-list">
                <thead>
                    <tr>
                        <th>"名称"</th><th>"区分"</th><th>"保管場所"</th><th>"管理方法"</th>
                        <th>"管理責任者（本日）"</th><th>"取扱者（第14条）"</th><th>"措置（第15条）"</th><th></th>
                    </tr>
                </thead>
                <tbody>
                    {move || rows().into_iter().map(|asset| view! { <AssetRow asset loaded draft/> }).collect_view()}
                </tbody>
            </table>
            <Show when=move || rows().is_empty()>
                <p class="empty">"該当する情報資産はありません。"</p>
            </Show>
        </section>
    }
}

#[component]
fn AssetRow(asset: AssetRegistered, loaded: RwSignal<AssetsView>, draft: Draft) -> impl IntoView {
    let directory = expect_context::<Directory>();
    let (manager, defined_by, designations, measures) = loaded.with_untracked(|l| {
        let of_asset = |id: &str| id == asset.id;
        (
            l.manager(asset.category, today()),
            l.defined_by.get(&asset.id).cloned(),
            l.designations
                .iter()
                .filter(|(_, d)| of_asset(&d.asset_id))
                .cloned()
                .collect::<Vec<_>>(),
            l.measures
                .iter()
                .filter(|(_, m)| of_asset(&m.asset_id))
                .cloned()
                .collect::<Vec<_>>(),
        )
    });
    let label = format!("{}を編集", asset.name);
    let editing = asset.clone();
    view! {
        <tr data-asset=asset.id.clone() data-category=category_key(asset.category)>
            <td class="asset-name">
                {asset.name.clone()}
                {defined_by.map(|id| view! { <RecordLink id/> })}
            </td>
            <td>{asset.category.name_ja()}</td>
            <td>{asset.location.clone()}</td>
            <td class="asset-method">{asset.management_method.clone()}</td>
            <td class="asset-manager" data-role=format!("{:?}", manager.role)>
                <span class="manager-role">{manager.role_text()}</span>
                <span class="manager-holder">{manager.holder_text(&directory)}</span>
            </td>
            <td>
                <ul class="designations">
                    {designations.into_iter().map(|(id, d)| view! {
                        <li data-person=directory.name_of(&d.person_id)>
                            {directory.name_of(&d.person_id)} " "
                            <JaDay day=d.from/> "〜"
                            {d.to.map(|to| view! { <JaDay day=to/> })}
                            " " <RecordLink id/>
                        </li>
                    }).collect_view()}
                </ul>
            </td>
            <td>
                <ul class="measures">
                    {measures.into_iter().map(|(id, m)| view! {
                        <li>
                            {m.measure.clone()} " " <JaDay day=m.on/> " " <RecordLink id/>
                        </li>
                    }).collect_view()}
                </ul>
            </td>
            <td>
                <button type="button" class="button edit-asset" aria-label=label
                    on:click=move |_| draft.load(&editing)>"編集"</button>
            </td>
        </tr>
    }
}

/// What the asset form is filled with: a new asset, or a new version of `editing`.
#[derive(Clone, Copy)]
struct Draft {
    editing: RwSignal<Option<String>>,
    name: RwSignal<String>,
    category: RwSignal<AssetCategory>,
    location: RwSignal<String>,
    method: RwSignal<String>,
}

impl Draft {
    fn new() -> Self {
        Draft {
            editing: RwSignal::new(None),
            name: RwSignal::new(String::new()),
            category: RwSignal::new(AssetCategory::IdentityData),
            location: RwSignal::new(String::new()),
            method: RwSignal::new(String::new()),
        }
    }

    fn load(&self, asset: &AssetRegistered) {
        self.editing.set(Some(asset.id.clone()));
        self.name.set(asset.name.clone());
        self.category.set(asset.category);
        self.location.set(asset.location.clone());
        self.method.set(asset.management_method.clone());
    }

    fn clear(&self) {
        self.editing.set(None);
        self.name.set(String::new());
        self.location.set(String::new());
        self.method.set(String::new());
    }
}

#[component]
fn AssetForm(
    loaded: RwSignal<AssetsView>,
    draft: Draft,
    on_recorded: Callback<()>,
) -> impl IntoView {
    let store = crate::state::use_store_value();
    let session = expect_context::<Session>();
    let directory = expect_context::<Directory>();
    let message: Outcome = RwSignal::new(None);
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let editing = draft.editing.get_untracked();
        let done = if editing.is_some() {
            "情報資産の登録を更新しました。"
        } else {
            "情報資産を登録しました。"
        };
        let asset = AssetRegistered {
            id: editing.unwrap_or_else(new_id),
            name: draft.name.get_untracked().trim().to_string(),
            category: draft.category.get_untracked(),
            location: draft.location.get_untracked().trim().to_string(),
            management_method: draft.method.get_untracked().trim().to_string(),
        };
        let (store, operator) = (store.get_value(), session.operator_id());
        spawn_local(async move {
            let kind = EventKind::AssetRegistered(asset);
            match store.record(kind, &operator, Utc::now()).await {
                Ok(_) => {
                    message.set(Some((true, done.into())));
                    draft.clear();
                    on_recorded.run(());
                }
                Err(e) => message.set(Some((false, e.to_string()))),
            }
        });
    };
    let pick_category = move |ev| {
        if let Some(c) = category_of(&event_target_value(&ev)) {
            draft.category.set(c);
        }
    };
    let derived = move || {
        let manager = loaded.with(|l| l.manager(draft.category.get(), today()));
        format!(
            "{} — 本日の担当: {}",
            manager.role_text(),
            manager.holder_text(&directory)
        )
    };
    view! {
        <form class="card wide asset-form" on:submit=submit>
            <h2>{move || if draft.editing.get().is_some() { "情報資産の登録を更新" } else { "情報資産を登録" }}</h2>
            <p class="hint">"管理責任者は区分から定まります（第13条第2項）。登録できるのはその管理責任者です。"</p>
            <div class="field">
                <label for="asset-name">"名称"</label>
                <input id="asset-name" autocomplete="off" bind:value=draft.name/>
            </div>
            <div class="field">
                <label for="asset-category">"区分"</label>
                <select id="asset-category" on:change=pick_category>
                    {AssetCategory::ALL.map(|c| view! {
                        <option value=category_key(c) prop:selected=move || draft.category.get() == c>{c.name_ja()}</option>
                    })}
                </select>
            </div>
            <p class="derived" id="asset-derived-manager" role="status">
                "管理責任者: " {derived}
            </p>
            <div class="field">
                <label for="asset-location">"保管場所"</label>
                <input id="asset-location" autocomplete="off" bind:value=draft.location/>
            </div>
            <div class="field">
                <label for="asset-method">"管理方法（第14条第2項・第15条）"</label>
                <textarea id="asset-method" rows="3" bind:value=draft.method></textarea>
            </div>
            <button type="submit" id="register-asset" class="button primary">
                {move || if draft.editing.get().is_some() { "更新" } else { "登録" }}
            </button>
            <Show when=move || draft.editing.get().is_some()>
                <button type="button" id="asset-new" class="button" on:click=move |_| draft.clear()>
                    "編集をやめて新規登録へ"
                </button>
            </Show>
            <FormMessage outcome=message/>
        </form>
    }
}

/// Chooses an asset (only personal data when `personal_only`); `value` holds its id.
#[component]
fn AssetSelect(
    id: &'static str,
    label: &'static str,
    loaded: RwSignal<AssetsView>,
    value: RwSignal<String>,
    #[prop(optional)] personal_only: bool,
) -> impl IntoView {
    let options = move || {
        loaded.with(|l| {
            l.assets
                .iter()
                .filter(|a| !personal_only || a.category.is_personal_data())
                .map(|a| {
                    let text = format!("{}（{}）", a.name, a.category.name_ja());
                    view! { <option value=a.id.clone()>{text}</option> }
                })
                .collect_view()
        })
    };
    view! {
        <div class="field">
            <label for=id>{label}</label>
            <select id=id on:change=move |ev| value.set(event_target_value(&ev))>
                <option value="">"選んでください"</option>
                {options}
            </select>
        </div>
    }
}

#[component]
fn DesignationForm(loaded: RwSignal<AssetsView>, on_recorded: Callback<()>) -> impl IntoView {
    let store = crate::state::use_store_value();
    let session = expect_context::<Session>();
    let asset = RwSignal::new(String::new());
    let person = RwSignal::new(String::new());
    let from = RwSignal::new(today().to_string());
    let to = RwSignal::new(String::new());
    let message: Outcome = RwSignal::new(None);
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let Some(start) = parse_day(&from.get_untracked()) else {
            return message.set(Some((false, "開始日を入力してください。".into())));
        };
        if asset.get_untracked().is_empty() || person.get_untracked().is_empty() {
            return message.set(Some((false, "情報資産と取扱者を選んでください。".into())));
        }
        let operator = session.operator_id();
        // The designation is the manager's act on its first day (第14条第1項).
        let designated_by = loaded.with_untracked(|l| {
            l.organisation
                .who_held(Role::IdentityDataManager, start)
                .map_or_else(|| operator.clone(), str::to_string)
        });
        let designation = HandlerDesignated {
            asset_id: asset.get_untracked(),
            person_id: person.get_untracked(),
            from: start,
            to: parse_day(&to.get_untracked()),
            designated_by,
        };
        let store = store.get_value();
        spawn_local(async move {
            let kind = EventKind::HandlerDesignated(designation);
            match store.record(kind, &operator, Utc::now()).await {
                Ok(_) => {
                    message.set(Some((true, "取扱者を指定しました。".into())));
                    on_recorded.run(());
                }
                Err(e) => message.set(Some((false, e.to_string()))),
            }
        });
    };
    view! {
        <form class="card wide designation-form" on:submit=submit>
            <h2>"個人情報の取扱者を指定（第14条第1項）"</h2>
            <p class="hint">"指定できるのは本人確認情報管理責任者です。"</p>
            <AssetSelect id="designation-asset" label="情報資産（個人情報）" loaded value=asset personal_only=true/>
            <PersonSelect id="designation-person" label="取扱者" value=person/>
            <div class="field">
                <label for="designation-from">"開始日"</label>
                <input id="designation-from" type="date" bind:value=from/>
            </div>
            <div class="field">
                <label for="designation-to">"終了日（定めない場合は空欄）"</label>
                <input id="designation-to" type="date" bind:value=to/>
            </div>
            <button type="submit" id="designate-handler" class="button primary">"指定"</button>
            <FormMessage outcome=message/>
        </form>
    }
}

#[component]
fn MeasureForm(loaded: RwSignal<AssetsView>, on_recorded: Callback<()>) -> impl IntoView {
    let store = crate::state::use_store_value();
    let session = expect_context::<Session>();
    let asset = RwSignal::new(String::new());
    let measure = RwSignal::new(String::new());
    let on = RwSignal::new(today().to_string());
    let message: Outcome = RwSignal::new(None);
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let Some(day) = parse_day(&on.get_untracked()) else {
            return message.set(Some((false, "実施日を入力してください。".into())));
        };
        let operator = session.operator_id();
        let recorded = MeasureRecorded {
            asset_id: asset.get_untracked(),
            measure: measure.get_untracked().trim().to_string(),
            recorded_by: operator.clone(),
            on: day,
        };
        let store = store.get_value();
        spawn_local(async move {
            let kind = EventKind::MeasureRecorded(recorded);
            match store.record(kind, &operator, Utc::now()).await {
                Ok(_) => {
                    message.set(Some((true, "措置を記録しました。".into())));
                    measure.set(String::new());
                    on_recorded.run(());
                }
                Err(e) => message.set(Some((false, e.to_string()))),
            }
        });
    };
    view! {
        <form class="card wide measure-form" on:submit=submit>
            <h2>"漏えい・滅失・き損の防止措置（第15条）"</h2>
            <p class="hint">"記録できるのはその資産の管理責任者です。"</p>
            <AssetSelect id="measure-asset" label="情報資産" loaded value=asset/>
            <div class="field">
                <label for="measure-text">"措置の内容"</label>
                <textarea id="measure-text" rows="3" bind:value=measure></textarea>
            </div>
            <div class="field">
                <label for="measure-on">"実施日"</label>
                <input id="measure-on" type="date" bind:value=on/>
            </div>
            <button type="submit" id="record-measure" class="button primary">"記録"</button>
            <FormMessage outcome=message/>
        </form>
    }
}
