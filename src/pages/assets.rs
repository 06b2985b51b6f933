//! 情報資産（第13–15条）: each asset with its category, the manager that category gives it
//! (derived from the role mapping, never typed), its management method, the handlers designated
//! for personal data (第14条) and the measures against leakage, loss and damage (第15条).

use crate::auth::session::Session;
use crate::components::choices::PersonSelect;
use crate::components::ja_day::{day_in, ja_day, missing, parse_day, today, JaDay};
use crate::components::log_table::LogTable;
use crate::components::record_form::{Field, FieldRefusal, Outcome, RecordForm};
use crate::components::record_link::RecordLink;
use crate::components::register_output::RegisterOutput;
use crate::components::shown::Shown;
use crate::directory::Directory;
use crate::state::{follow_store, local_action, use_store};
use crate::store::new_id;
use chrono::{NaiveDate, Utc};
use daicho_core::assets::{AssetCategory, AssetRegistered, HandlerDesignated, MeasureRecorded};
use daicho_core::organisation::{Organisation, Position, Role};
use daicho_core::sort::sort_by;
use daicho_core::{tr, EventId, EventKind, Refusals, Versioned};
use leptos::prelude::*;
use std::borrow::Cow;

/// The register as read, with what the manager is derived from.
#[derive(Clone, Default, PartialEq)]
struct AssetsView {
    /// Each asset as last registered, with the version that registered it.
    assets: Vec<Versioned<AssetRegistered>>,
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
            Some(p) => {
                let role = self.role.name_text();
                tr!("%{role}（%{position}）", role = role, position = p).into_owned()
            }
            None => self.role.name_text().to_string(),
        }
    }

    fn holder_text(&self, directory: &Directory) -> String {
        self.holder.as_deref().map_or_else(
            || tr!("（担当者未登録）").into_owned(),
            |h| directory.name_of(h),
        )
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
    // Read again after each write or sync.
    let register = follow_store(move |store| async move {
        let registers = store.registers().await.map_err(|e| e.to_string())?;
        let positions = store.positions().await.map_err(|e| e.to_string())?;
        let office = registers.office();
        Ok::<_, String>(AssetsView {
            assets: office.assets.values().cloned().collect(),
            designations: office.designations.clone().into_iter().collect(),
            measures: office.measures.clone().into_iter().collect(),
            organisation: registers.organisation().clone(),
            positions,
        })
    });
    let loaded = Memo::new(move |_| register.get().and_then(Result::ok).unwrap_or_default());
    let draft = Draft::new();
    view! {
        <div class="assets-page" data-ready=move || register.get().is_some().to_string()>
            {move || register.get().and_then(Result::err).map(|e| view! {
                <p class="form-error" role="alert">{tr!("情報資産の台帳を読めませんでした。")} {e}</p>
            })}
            <AssetList loaded draft/>
            <AssetForm loaded draft/>
            <DesignationForm loaded/>
            <MeasureForm loaded/>
        </div>
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum SortBy {
    Category,
    Name,
    Location,
}

/// An asset as its row shows it: the asset, its manager today, its handlers and measures.
#[derive(Clone)]
struct AssetLine {
    asset: Versioned<AssetRegistered>,
    manager_role: Role,
    manager: String,
    holder: String,
    designations: Vec<(EventId, HandlerDesignated)>,
    measures: Vec<(EventId, MeasureRecorded)>,
}

/// The list's columns, the CSV's too (without the last, of buttons).
fn columns() -> [Cow<'static, str>; 7] {
    [
        tr!("名称"),
        tr!("区分"),
        tr!("保管場所"),
        tr!("管理方法"),
        tr!("管理責任者（本日）"),
        tr!("取扱者（第14条）"),
        tr!("措置（第15条）"),
    ]
}

impl AssetLine {
    /// The line for the CSV and print, as the list says it (和暦 days, names).
    fn csv_row(&self, directory: &Directory) -> Vec<String> {
        let asset = &self.asset.value;
        let designations = self.designations.iter().map(|(_, d)| {
            let to = d.to.map(ja_day).unwrap_or_default();
            let (name, from) = (directory.name_of(&d.person_id), ja_day(d.from));
            tr!("%{name} %{from}〜%{to}", name = name, from = from, to = to).into_owned()
        });
        let measures = self
            .measures
            .iter()
            .map(|(_, m)| format!("{} {}", m.measure, ja_day(m.on)));
        vec![
            asset.name.clone(),
            asset.category.name_text().to_string(),
            asset.location.clone(),
            asset.management_method.clone(),
            format!("{} {}", self.manager, self.holder),
            designations.collect::<Vec<_>>().join(tr!("／").as_ref()),
            measures.collect::<Vec<_>>().join(tr!("／").as_ref()),
        ]
    }
    fn new(asset: &Versioned<AssetRegistered>, view: &AssetsView, directory: &Directory) -> Self {
        let manager = view.manager(asset.category, today());
        let of_asset = |id: &str| id == asset.id;
        AssetLine {
            asset: asset.clone(),
            manager_role: manager.role,
            manager: manager.role_text(),
            holder: manager.holder_text(directory),
            designations: view
                .designations
                .iter()
                .filter(|(_, d)| of_asset(&d.asset_id))
                .cloned()
                .collect(),
            measures: view
                .measures
                .iter()
                .filter(|(_, m)| of_asset(&m.asset_id))
                .cloned()
                .collect(),
        }
    }

    /// What the row shows changes with a new version of the asset, a new handler or measure,
    /// or a new manager.
    fn key(&self) -> (daicho_core::Version, usize, usize, String, String) {
        (
            self.asset.version.clone(),
            self.designations.len(),
            self.measures.len(),
            self.manager.clone(),
            self.holder.clone(),
        )
    }

    fn matches(&self, category: Option<AssetCategory>, needle: &str) -> bool {
        let a = &self.asset;
        let texts = [&a.name, &a.location, &a.management_method];
        category.is_none_or(|c| a.category == c)
            && (needle.is_empty() || texts.iter().any(|s| s.contains(needle)))
    }
}

#[component]
fn AssetList(loaded: Memo<AssetsView>, draft: Draft) -> impl IntoView {
    let directory = expect_context::<Directory>();
    let category = RwSignal::new(String::new());
    let text = RwSignal::new(String::new());
    let sort = RwSignal::new(SortBy::Category);
    // An office has tens of assets: filter and sort in memory.
    let rows = Signal::derive(move || {
        let (wanted, needle) = (category_of(&category.get()), text.get().trim().to_string());
        let mut lines: Vec<AssetLine> = loaded.with(|l| {
            l.assets
                .iter()
                .map(|a| AssetLine::new(a, l, &directory))
                .filter(|line| line.matches(wanted, &needle))
                .collect()
        });
        let by = sort.get();
        sort_by(&mut lines, |a, b| {
            let (a, b) = (&a.asset, &b.asset);
            match by {
                SortBy::Category => (a.category, &a.name).cmp(&(b.category, &b.name)),
                SortBy::Name => a.name.cmp(&b.name),
                SortBy::Location => (&a.location, &a.name).cmp(&(&b.location, &b.name)),
            }
        });
        lines
    });
    let pick_sort = move |ev| {
        sort.set(match event_target_value(&ev).as_str() {
            "name" => SortBy::Name,
            "location" => SortBy::Location,
            _ => SortBy::Category,
        })
    };
    let mut headings = Vec::from(columns());
    headings.push("".into());
    view! {
        <section class="card wide">
            <h2>{tr!("情報資産（第13条〜第15条）")}</h2>
            <div class="filters">
                <Field id="asset-filter-category" label=tr!("区分")>
                    <select id="asset-filter-category" on:change=move |ev| category.set(event_target_value(&ev))>
                        <option value="">{tr!("すべて")}</option>
                        {AssetCategory::ALL.map(|c| view! { <option value=category_key(c)>{c.name_text()}</option> })}
                    </select>
                </Field>
                <Field id="asset-filter-text" label=tr!("名称・保管場所・管理方法で絞り込む")>
                    <input id="asset-filter-text" type="search" autocomplete="off" bind:value=text/>
                </Field>
                <Field id="asset-sort" label=tr!("並び順")>
                    <select id="asset-sort" on:change=pick_sort>
                        <option value="category">{tr!("区分順")}</option>
                        <option value="name">{tr!("名称順")}</option>
                        <option value="location">{tr!("保管場所順")}</option>
                    </select>
                </Field>
            </div>
            <RegisterOutput what="assets" header=columns()
                rows=Signal::derive(move || rows.get().iter().map(|l| l.csv_row(&directory)).collect())
                covers=Signal::derive(move || {
                    let kind = category_of(&category.get())
                        .map_or_else(|| tr!("すべての区分").into_owned(), |c| c.name_text().to_string());
                    match text.get().trim() {
                        "" => kind,
                        t => tr!("%{what}・「%{t}」で絞り込み", what = kind, t = t).into_owned(),
                    }
                })/>
            <LogTable
                class="register asset-list"
                columns=headings
                rows
                key=AssetLine::key
                row=move |line| view! { <AssetRow line draft/> }
                empty=tr!("該当する情報資産はありません。")
            />
        </section>
    }
}

#[component]
fn AssetRow(line: AssetLine, draft: Draft) -> impl IntoView {
    let directory = expect_context::<Directory>();
    let defined_by = line.asset.version.event();
    let asset = line.asset.value;
    let label = tr!("%{name}を編集", name = asset.name);
    let editing = asset.clone();
    let designations = line.designations.into_iter().map(|(id, d)| {
        let name = directory.name_of(&d.person_id);
        view! {
            <li data-person=name.clone()>
                {name.clone()} " " <JaDay day=d.from/> {tr!("〜")}
                {d.to.map(|to| view! { <JaDay day=to/> })}
                " " <RecordLink id/>
            </li>
        }
    });
    let measures = line.measures.into_iter().map(|(id, m)| {
        view! { <li>{m.measure} " " <JaDay day=m.on/> " " <RecordLink id/></li> }
    });
    view! {
        <tr data-asset=asset.id.clone() data-category=category_key(asset.category)>
            <td class="asset-name">{asset.name.clone()} <RecordLink id=defined_by/></td>
            <td>{asset.category.name_text()}</td>
            <td>{asset.location.clone()}</td>
            <td class="asset-method">{asset.management_method.clone()}</td>
            <td class="asset-manager" data-role=format!("{:?}", line.manager_role)>
                <span class="manager-role">{line.manager}</span>
                <span class="manager-holder">{line.holder}</span>
            </td>
            <td><ul class="designations">{designations.collect_view()}</ul></td>
            <td><ul class="measures">{measures.collect_view()}</ul></td>
            <td>
                <button type="button" class="button edit-asset" aria-label=label
                    on:click=move |_| draft.load(&editing)>{tr!("編集")}</button>
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

    fn asset(&self) -> AssetRegistered {
        AssetRegistered {
            id: self.editing.get_untracked().unwrap_or_else(new_id),
            name: self.name.get_untracked().trim().to_string(),
            category: self.category.get_untracked(),
            location: self.location.get_untracked().trim().to_string(),
            management_method: self.method.get_untracked().trim().to_string(),
        }
    }
}

#[component]
fn AssetForm(loaded: Memo<AssetsView>, draft: Draft) -> impl IntoView {
    let (store, session) = (use_store(), expect_context::<Session>());
    let directory = expect_context::<Directory>();
    let register = local_action(move |_: &()| {
        let done = match draft.editing.get_untracked() {
            Some(_) => tr!("情報資産の登録を更新しました。"),
            None => tr!("情報資産を登録しました。"),
        };
        let kind = EventKind::AssetRegistered(draft.asset());
        let (store, operator) = (store.clone(), session.operator_id());
        async move {
            let outcome = Outcome::of(store.record(kind, &operator, Utc::now()).await, done);
            if outcome.is_done() {
                draft.clear();
            }
            outcome
        }
    });
    let pick_category = move |ev| {
        if let Some(c) = category_of(&event_target_value(&ev)) {
            draft.category.set(c);
        }
    };
    let derived = move || {
        let manager = loaded.with(|l| l.manager(draft.category.get(), today()));
        let (r, h) = (manager.role_text(), manager.holder_text(&directory));
        tr!("%{role} — 本日の担当: %{holder}", role = r, holder = h)
    };
    let editing = move || draft.editing.get().is_some();
    view! {
        <RecordForm class="card wide asset-form" action=register>
            <h2>{move || if editing() { tr!("情報資産の登録を更新") } else { tr!("情報資産を登録") }}</h2>
            <p class="hint">{tr!("管理責任者は区分から定まります（第13条第2項）。登録できるのはその管理責任者です。")}</p>
            <Field id="asset-name" label=tr!("名称") refusals=daicho_core::Field::Name>
                <input id="asset-name" autocomplete="off" aria-describedby="asset-name-error" bind:value=draft.name/>
            </Field>
            <Field id="asset-category" label=tr!("区分")>
                <select id="asset-category" on:change=pick_category>
                    {AssetCategory::ALL.map(|c| view! {
                        <option value=category_key(c) prop:selected=move || draft.category.get() == c>{c.name_text()}</option>
                    })}
                </select>
            </Field>
            <p class="derived" id="asset-derived-manager" role="status">
                {tr!("管理責任者: ")} {derived}
            </p>
            <Field id="asset-location" label=tr!("保管場所")>
                <input id="asset-location" autocomplete="off" bind:value=draft.location/>
            </Field>
            <Field id="asset-method" label=tr!("管理方法（第14条第2項・第15条）") refusals=daicho_core::Field::Purpose>
                <textarea id="asset-method" rows="3" aria-describedby="asset-method-error" bind:value=draft.method></textarea>
            </Field>
            <button type="submit" id="register-asset" class="button primary">
                {move || if editing() { tr!("更新") } else { tr!("登録") }}
            </button>
            <Shown when=editing>
                <button type="button" id="asset-new" class="button" on:click=move |_| draft.clear()>
                    {tr!("編集をやめて新規登録へ")}
                </button>
            </Shown>
        </RecordForm>
    }
}

/// Chooses an asset (only personal data when `personal_only`); `value` holds its id.
/// daicho-core's refusals of the asset acted on are shown under it.
#[component]
fn AssetSelect(
    id: &'static str,
    #[prop(into)] label: String,
    loaded: Memo<AssetsView>,
    value: RwSignal<String>,
    #[prop(optional)] personal_only: bool,
) -> impl IntoView {
    let options = move || {
        loaded.with(|l| {
            l.assets
                .iter()
                .filter(|a| !personal_only || a.category.is_personal_data())
                .map(|a| {
                    let c = a.category.name_text();
                    let text = tr!("%{name}（%{category}）", name = a.name, category = c);
                    view! { <option value=a.id.clone()>{text}</option> }
                })
                .collect_view()
        })
    };
    view! {
        <Field id=id label=label refusals=daicho_core::Field::Permit>
            <select id=id aria-describedby=format!("{id}-error")
                on:change=move |ev| value.set(event_target_value(&ev))>
                <option value="">{tr!("選んでください")}</option>
                {options}
            </select>
        </Field>
    }
}

/// A designation as filled in, by the manager of personal data on its first day (第14条第1項);
/// or the form's own refusal. The store refuses an asset not chosen.
fn designation(
    view: &AssetsView,
    asset_id: String,
    person_id: String,
    (from, to): (&str, &str),
    operator: &str,
) -> Result<HandlerDesignated, Refusals> {
    let from = day_in(from, &tr!("開始日"), daicho_core::Field::Time)?;
    if person_id.is_empty() {
        return Err(missing(&tr!("取扱者"), daicho_core::Field::Name, None));
    }
    let designated_by = view
        .organisation
        .who_held(Role::IdentityDataManager, from)
        .unwrap_or(operator)
        .to_string();
    Ok(HandlerDesignated {
        asset_id,
        person_id,
        from,
        to: parse_day(to),
        designated_by,
    })
}

#[component]
fn DesignationForm(loaded: Memo<AssetsView>) -> impl IntoView {
    let (store, session) = (use_store(), expect_context::<Session>());
    let asset = RwSignal::new(String::new());
    let person = RwSignal::new(String::new());
    let from = RwSignal::new(today().to_string());
    let to = RwSignal::new(String::new());
    let designate = local_action(move |_: &()| {
        let operator = session.operator_id();
        let read = loaded.with_untracked(|l| {
            let period = (from.get_untracked(), to.get_untracked());
            let (asset, person) = (asset.get_untracked(), person.get_untracked());
            designation(l, asset, person, (&period.0, &period.1), &operator)
        });
        let store = store.clone();
        async move {
            let designation = match read {
                Ok(designation) => designation,
                Err(refusals) => return Outcome::Refused(refusals),
            };
            let kind = EventKind::HandlerDesignated(designation);
            let done = tr!("取扱者を指定しました。");
            Outcome::of(store.record(kind, &operator, Utc::now()).await, done)
        }
    });
    view! {
        <RecordForm class="card wide designation-form" action=designate>
            <h2>{tr!("個人情報の取扱者を指定（第14条第1項）")}</h2>
            <p class="hint">{tr!("指定できるのは本人確認情報管理責任者です。")}</p>
            <AssetSelect id="designation-asset" label=tr!("情報資産（個人情報）") loaded value=asset personal_only=true/>
            <PersonSelect id="designation-person" label=tr!("取扱者") value=person/>
            <FieldRefusal field=daicho_core::Field::Name id="designation-person-error"/>
            <Field id="designation-from" label=tr!("開始日") refusals=daicho_core::Field::Time>
                <input id="designation-from" type="date" aria-describedby="designation-from-error" bind:value=from/>
            </Field>
            <Field id="designation-to" label=tr!("終了日（定めない場合は空欄）") refusals=daicho_core::Field::Period>
                <input id="designation-to" type="date" aria-describedby="designation-to-error" bind:value=to/>
            </Field>
            <button type="submit" id="designate-handler" class="button primary">{tr!("指定")}</button>
        </RecordForm>
    }
}

#[component]
fn MeasureForm(loaded: Memo<AssetsView>) -> impl IntoView {
    let (store, session) = (use_store(), expect_context::<Session>());
    let asset = RwSignal::new(String::new());
    let measure = RwSignal::new(String::new());
    let on = RwSignal::new(today().to_string());
    let record = local_action(move |_: &()| {
        let operator = session.operator_id();
        let read = day_in(
            &on.get_untracked(),
            &tr!("実施日"),
            daicho_core::Field::Time,
        )
        .map(|day| MeasureRecorded {
            asset_id: asset.get_untracked(),
            measure: measure.get_untracked().trim().to_string(),
            recorded_by: operator.clone(),
            on: day,
        });
        let store = store.clone();
        async move {
            let recorded = match read {
                Ok(recorded) => recorded,
                Err(refusals) => return Outcome::Refused(refusals),
            };
            let kind = EventKind::MeasureRecorded(recorded);
            let outcome = Outcome::of(
                store.record(kind, &operator, Utc::now()).await,
                tr!("措置を記録しました。"),
            );
            if outcome.is_done() {
                measure.set(String::new());
            }
            outcome
        }
    });
    view! {
        <RecordForm class="card wide measure-form" action=record>
            <h2>{tr!("漏えい・滅失・き損の防止措置（第15条）")}</h2>
            <p class="hint">{tr!("記録できるのはその資産の管理責任者です。")}</p>
            <AssetSelect id="measure-asset" label=tr!("情報資産") loaded value=asset/>
            <Field id="measure-text" label=tr!("措置の内容") refusals=daicho_core::Field::Purpose>
                <textarea id="measure-text" rows="3" aria-describedby="measure-text-error" bind:value=measure></textarea>
            </Field>
            <Field id="measure-on" label=tr!("実施日") refusals=daicho_core::Field::Time>
                <input id="measure-on" type="date" aria-describedby="measure-on-error" bind:value=on/>
            </Field>
            <button type="submit" id="record-measure" class="button primary">{tr!("記録")}</button>
        </RecordForm>
    }
}
