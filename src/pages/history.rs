//! 操作履歴 (第12条): every act of every operator on every device — register changes,
//! sign-ins and their failures, sign-outs, prints, exports, syncs, enrollment — filtered by
//! operator, device, kind and period, counted per day and per operator, and written as CSV
//! for Excel. Read only: nothing in the history can be changed or deleted within seven years.

use crate::auth::session::Session;
use crate::components::ja_date::JaDateTime;
use crate::components::ja_day::{ja_day, parse_day, today};
use crate::components::log_table::LogTable;
use crate::components::record_form::Field;
use crate::components::shown::Shown;
use crate::components::staff_choice::person_label;
use crate::directory::Directory;
use crate::pages::history_summary::Naming;
use crate::state::{follow_store, local_action, use_store, use_versions, StoreRead};
use crate::store::history::{HistoryPage, HistoryQuery, CSV_MAX_ROWS};
use crate::store::paging::PageCursor;
use crate::store::Store;
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use daicho_core::history::{
    csv_bytes, kind_label_text, per_operator, DayCounts, Exported, HistoryFilter, Printed, KINDS,
};
use daicho_core::{tr, wareki, Event, EventKind};
use leptos::prelude::*;
use std::collections::{BTreeSet, HashMap};
use std::rc::Rc;

/// Lines per page, as in the logbooks.
const PAGE_LINES: u32 = 50;

/// The filters as the form holds them (empty = all).
#[derive(Clone, PartialEq)]
struct Filters {
    operator: String,
    device: String,
    kind: String,
    from: String,
    to: String,
}

impl Filters {
    /// This month so far.
    fn this_month() -> Self {
        let day = today();
        Filters {
            operator: String::new(),
            device: String::new(),
            kind: String::new(),
            from: day.with_day(1).unwrap_or(day).to_string(),
            to: day.to_string(),
        }
    }

    /// `None` while a date is unreadable or the period runs backwards.
    fn query(&self) -> Option<HistoryQuery> {
        let some = |s: &str| (!s.is_empty()).then(|| s.to_string());
        let (from, to) = (parse_day(&self.from)?, parse_day(&self.to)?);
        (from <= to).then(|| HistoryQuery {
            filter: HistoryFilter {
                operator: some(&self.operator),
                device: some(&self.device),
                kind: some(&self.kind),
            },
            from_day: day_number(from),
            to_day: day_number(to),
        })
    }
}

/// A calendar day as the store files it (days since 1970-01-01).
fn day_number(day: NaiveDate) -> i64 {
    (day - NaiveDate::default()).num_days()
}

fn date_of(day: i64) -> NaiveDate {
    NaiveDate::default() + chrono::Duration::days(day)
}

/// The pages gone through for the filters chosen: where each starts (`None`: the newest
/// line); the last is the page shown.
#[derive(Clone, Copy)]
struct Trail(RwSignal<Vec<Option<PageCursor>>>);

impl Trail {
    fn new() -> Self {
        Trail(RwSignal::new(vec![None]))
    }

    /// Where the page shown starts, read reactively.
    fn current(&self) -> Option<PageCursor> {
        self.0.with(|t| t.last().copied().flatten())
    }

    fn at_first(&self) -> bool {
        self.0.with(|t| t.len() <= 1)
    }

    fn forward(&self, next: PageCursor) {
        self.0.update(|t| t.push(Some(next)));
    }

    fn back(&self) {
        self.0.update(|t| {
            if t.len() > 1 {
                t.pop();
            }
        });
    }

    /// Back to the newest line (new filters).
    fn reset(&self) {
        self.0.set(vec![None]);
    }
}

/// One page of the history as read, with the question it answers.
#[derive(Clone)]
struct PageRead {
    query: HistoryQuery,
    after: Option<PageCursor>,
    page: HistoryPage,
    /// What its acts are named by.
    naming: Naming,
}

/// The day counts of a period as read, with the question they answer.
#[derive(Clone)]
struct DaysRead {
    query: HistoryQuery,
    days: Vec<DayCounts>,
}

impl DaysRead {
    /// How many acts the filter matches over the period.
    fn total(&self) -> u32 {
        self.days.iter().map(|d| d.count(&self.query.filter)).sum()
    }
}

fn bad_period() -> String {
    tr!("期間の指定が正しくありません（開始日は終了日以前）。").into_owned()
}

#[component]
pub fn OperationsPage() -> impl IntoView {
    let (store, _versions) = (use_store(), use_versions());
    #[cfg(feature = "bench")]
    bench::install_once(store.clone());
    let filters = RwSignal::new(Filters::this_month());
    let query = Memo::new(move |_| filters.with(Filters::query));
    let trail = Trail::new();
    let days = day_counts(query);
    let page = history_page(query, trail);
    let days_read = move || days.get().and_then(Result::ok);
    let page_read = move || page.get().and_then(Result::ok);
    // Ready once both reads answer the filters and the page chosen, not earlier ones.
    let ready = move || {
        let (query, after) = (query.get(), trail.current());
        let days_fresh = days_read().is_some_and(|d| Some(&d.query) == query.as_ref());
        let page_fresh =
            page_read().is_some_and(|p| Some(&p.query) == query.as_ref() && p.after == after);
        days_fresh && page_fresh
    };
    // Both reads fail alike on a period that runs backwards: one message.
    let error = move || {
        let page_error = page.get().and_then(Result::err);
        page_error.or_else(|| days.get().and_then(Result::err))
    };
    // The charts, the table and the pager appear together once both reads have answered, in
    // place of one line: nothing on the page moves when the data arrives (layout shift).
    let shown = Memo::new(move |was: Option<&bool>| was.copied().unwrap_or(false) || ready());
    let total = move || days_read().map_or(0, |d| d.total());
    let rows = Signal::derive(move || page_read().map(|p| p.page.rows).unwrap_or_default());
    let next = move || page_read().and_then(|p| p.page.next);
    let go_next = move |_| {
        if let Some(next) = next() {
            trail.forward(next);
        }
    };
    let devices = Signal::derive(move || {
        let all: BTreeSet<String> = days_read()
            .map(|d| {
                d.days
                    .iter()
                    .flat_map(|d| d.devices.keys().cloned())
                    .collect()
            })
            .unwrap_or_default();
        let naming = page_read().map(|p| p.naming).unwrap_or_default();
        all.into_iter()
            .map(|id| {
                let name = naming.device(&id);
                (id, name)
            })
            .collect::<Vec<_>>()
    });
    let export = export_action(store.clone(), filters, days);
    let print = print_action(store, filters);
    let directory = expect_context::<Directory>();
    let row = move |e: Event| {
        let naming = page_read().map(|p| p.naming).unwrap_or_default();
        let (what, device) = (naming.summary(&e, &directory), naming.device(&e.device.0));
        view! { <HistoryRow event=e what device/> }
    };
    view! {
        <section class="card wide operations-page" data-ready=move || ready().then_some("true")>
            <h2>{tr!("操作履歴")} " " <small>{move || filters.with(period_text)}</small></h2>
            <p class="hint no-print">{tr!("すべての端末での操作（台帳の記録、サインイン・その失敗・サインアウト、印刷、書き出し、同期、端末の登録）です。第12条により七年間保存し、訂正も削除もできません。")}</p>
            <div class="logbook-filters no-print" role="search">
                <FilterFields filters trail devices/>
                <button type="button" id="ops-csv" class="button" disabled=move || export.pending().get()
                    on:click=move |_| { export.dispatch(()); }>{tr!("CSVで書き出す")}</button>
                <button type="button" id="ops-print" class="button"
                    on:click=move |_| { print.dispatch(()); }>{tr!("印刷（A4）")}</button>
            </div>
            {move || error().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
            {move || export.value().get().and_then(Result::err).map(|e| view! {
                <p class="form-error" role="alert">{e}</p>
            })}
            <p class="notice no-print" role="status">{move || export.value().get().and_then(Result::ok)}</p>
            <p class="log-count" data-total=move || ready().then(|| total().to_string())>
                {move || tr!("該当 %{total} 件", total = total())}
            </p>
            <Shown when=move || shown.get() fallback=|| view! { <p class="loading">{tr!("読み込み中…")}</p> }>
                <div class="history-charts">
                    {move || days_read().map(|read| view! {
                        <DayChart days=read.days.clone() query=read.query.clone()/>
                        <OperatorCounts days=read.days query=read.query/>
                    })}
                </div>
                <LogTable
                    class="logbook history-table"
                    columns=vec![tr!("日時"), tr!("操作者"), tr!("端末"), tr!("種別"), tr!("内容")]
                    rows
                    key=Event::id
                    row
                    empty=tr!("該当する操作はありません。")
                />
                <nav class="pager no-print" aria-label=tr!("操作履歴のページ")>
                    <button type="button" id="ops-prev" class="button" disabled=move || trail.at_first()
                        on:click=move |_| trail.back()>{tr!("前へ")}</button>
                    <button type="button" id="ops-next" class="button" disabled=move || next().is_none()
                        on:click=go_next>{tr!("次へ")}</button>
                </nav>
            </Shown>
        </section>
    }
}

/// The day counts of the period chosen (the charts and the total): read again when the
/// filters change, and after each write or sync (an export, a print and a sync are acts of
/// the history too).
fn day_counts(query: Memo<Option<HistoryQuery>>) -> StoreRead<Result<DaysRead, String>> {
    follow_store(move |store| {
        let query = query.get();
        async move {
            let query = query.ok_or_else(bad_period)?;
            let (from, to, cells) = (query.from_day, query.to_day, query.filter.needs_cells());
            let days = store.history_days(from, to, cells).await;
            let days = days.map_err(|e| e.to_string())?;
            Ok(DaysRead { query, days })
        }
    })
}

/// The page of acts chosen: read again when the filters or the page change, and after each
/// write or sync.
fn history_page(
    query: Memo<Option<HistoryQuery>>,
    trail: Trail,
) -> StoreRead<Result<PageRead, String>> {
    follow_store(move |store| {
        let (query, after) = (query.get(), trail.current());
        async move {
            let query = query.ok_or_else(bad_period)?;
            let page = store.history_page(&query, after, PAGE_LINES).await;
            let page = page.map_err(|e| e.to_string())?;
            let naming = Naming::read(&store, &page.rows).await;
            let naming = naming.map_err(|e| e.to_string())?;
            Ok(PageRead {
                query,
                after,
                page,
                naming,
            })
        }
    })
}

/// The filters: operator, device, kind and period. A change goes back to the newest line.
#[component]
fn FilterFields(
    filters: RwSignal<Filters>,
    trail: Trail,
    devices: Signal<Vec<(String, String)>>,
) -> impl IntoView {
    let directory = expect_context::<Directory>();
    let set = move |apply: fn(&mut Filters, String)| {
        move |ev: web_sys::Event| {
            filters.update(|f| apply(f, event_target_value(&ev)));
            trail.reset();
        }
    };
    view! {
        <Field id="ops-operator" label=tr!("操作者")>
            <select id="ops-operator" on:change=set(|f, v| f.operator = v)>
                <option value="">{tr!("すべての操作者")}</option>
                {move || directory.staff().into_iter().map(|p| view! {
                    <option value=p.id.clone()>{person_label(&p)}</option>
                }).collect_view()}
            </select>
        </Field>
        <Field id="ops-device" label=tr!("端末")>
            <select id="ops-device" on:change=set(|f, v| f.device = v)
                prop:value=move || filters.with(|f| f.device.clone())>
                <option value="">{tr!("すべての端末")}</option>
                {move || devices.get().into_iter().map(|(id, name)| view! {
                    <option value=id>{name}</option>
                }).collect_view()}
            </select>
        </Field>
        <Field id="ops-kind" label=tr!("種別")>
            <select id="ops-kind" on:change=set(|f, v| f.kind = v)>
                <option value="">{tr!("すべての種別")}</option>
                {KINDS.iter().map(|tag| view! { <option value=tag.as_str()>{tag.label_text()}</option> }).collect_view()}
            </select>
        </Field>
        <Field id="ops-from" label=tr!("開始日")>
            <input type="date" id="ops-from" prop:value=move || filters.with(|f| f.from.clone())
                on:change=set(|f, v| f.from = v)/>
        </Field>
        <Field id="ops-to" label=tr!("終了日")>
            <input type="date" id="ops-to" prop:value=move || filters.with(|f| f.to.clone())
                on:change=set(|f, v| f.to = v)/>
        </Field>
    }
}

/// One act: when, who, on which device, what kind, and about what.
#[component]
fn HistoryRow(event: Event, what: String, device: String) -> impl IntoView {
    let directory = expect_context::<Directory>();
    let tag = event.kind.tag();
    view! {
        <tr data-event=event.id().to_string() data-kind=tag.as_str()>
            <td><JaDateTime at=at_of(&event)/></td>
            <td class="operator">{directory.name_of(&event.operator)}</td>
            <td class="device">{device}</td>
            <td class="kind">{tag.label_text()}</td>
            <td class="what">{what}</td>
        </tr>
    }
}

/// Acts per day over the period as bars (SVG drawn here: no chart library for one bar chart).
#[component]
fn DayChart(days: Vec<DayCounts>, query: HistoryQuery) -> impl IntoView {
    let counts: HashMap<i64, u32> = days
        .iter()
        .map(|d| (d.day, d.count(&query.filter)))
        .collect();
    let span = (query.to_day - query.from_day + 1).max(1);
    let peak = counts.values().copied().max().unwrap_or(0).max(1);
    let (width, height) = (span as f64 * 10.0, 100.0);
    let bars = (query.from_day..=query.to_day)
        .map(|day| {
            let n = counts.get(&day).copied().unwrap_or(0);
            let h = f64::from(n) / f64::from(peak) * height;
            let x = (day - query.from_day) as f64 * 10.0;
            let title = tr!("%{day}: %{n}件", day = ja_day(date_of(day)), n = n);
            view! {
                <rect x=x + 1.0 y=height - h width=8.0 height=h data-day=date_of(day).to_string()
                    data-count=n><title>{title}</title></rect>
            }
        })
        .collect_view();
    let total: u32 = counts.values().sum();
    view! {
        <figure class="day-chart">
            <figcaption>{tr!("日別の件数（最大 %{peak} 件／日）", peak = peak)}</figcaption>
            <svg viewBox=format!("0 0 {width} {height}") preserveAspectRatio="none" role="img"
                aria-label=tr!("日別の件数、合計%{total}件", total = total) data-total=total data-days=span>
                {bars}
            </svg>
            <div class="axis"><span>{ja_day(date_of(query.from_day))}</span><span>{ja_day(date_of(query.to_day))}</span></div>
        </figure>
    }
}

/// Acts per operator over the period, most first, with a bar each.
#[component]
fn OperatorCounts(days: Vec<DayCounts>, query: HistoryQuery) -> impl IntoView {
    let directory = expect_context::<Directory>();
    let totals = per_operator(&days, &query.filter);
    let peak = totals.first().map_or(1, |t| t.1.max(1));
    let rows = totals
        .into_iter()
        .map(|(operator, n)| {
            let width = format!("width: {:.1}%", f64::from(n) / f64::from(peak) * 100.0);
            view! {
                <tr data-operator=operator.clone() data-count=n>
                    <th scope="row">{directory.name_of(&operator)}</th>
                    <td class="count">{tr!("%{acts}件", acts = n)}</td>
                    <td class="bar-cell"><span class="bar" style=width></span></td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="operator-counts">
            <caption>{tr!("操作者別の件数")}</caption>
            <tbody>{rows}</tbody>
        </table>
    }
}

/// 令和8年11月1日〜令和8年11月26日
fn period_text(f: &Filters) -> String {
    match (parse_day(&f.from), parse_day(&f.to)) {
        (Some(from), Some(to)) => {
            tr!("%{from}〜%{to}", from = ja_day(from), to = ja_day(to)).into_owned()
        }
        _ => String::new(),
    }
}

fn at_of(event: &Event) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(event.hlc.wall_ms).unwrap_or_default()
}

/// Printing the history: the print is history too (第12条); the page prints even if recording
/// it fails.
fn print_action(store: Rc<Store>, filters: RwSignal<Filters>) -> Action<(), ()> {
    let session = expect_context::<Session>();
    local_action(move |_: &()| {
        let f = filters.get_untracked();
        let kind = EventKind::Printed(Printed {
            what: "operation_history".into(),
            period: period_of(&f),
        });
        let (store, operator) = (store.clone(), session.operator_id());
        async move {
            let _ = store.record_act(kind, &operator, Utc::now()).await;
            if let Some(w) = web_sys::window() {
                let _ = w.print();
            }
        }
    })
}

/// Writing the filtered rows as CSV (a download), and recording the export: what to tell the
/// clerk, or why it failed.
fn export_action(
    store: Rc<Store>,
    filters: RwSignal<Filters>,
    days: StoreRead<Result<DaysRead, String>>,
) -> Action<(), Result<String, String>> {
    let directory = expect_context::<Directory>();
    let session = expect_context::<Session>();
    local_action(move |_: &()| {
        let f = filters.get_untracked();
        let total = days.with_untracked(|d| d.and_then(|d| d.as_ref().ok()).map(DaysRead::total));
        let (store, operator) = (store.clone(), session.operator_id());
        async move {
            let query = f.query().ok_or_else(bad_period)?;
            let total = total.unwrap_or(0);
            if total > CSV_MAX_ROWS {
                let too_many = tr!("該当が%{total}件あり、一度に書き出せる%{max}件を超えています。期間か条件を絞ってください。", total = total, max = CSV_MAX_ROWS);
                return Err(too_many.into_owned());
            }
            let rows = store
                .history_rows(&query)
                .await
                .map_err(|e| e.to_string())?;
            let naming = Naming::read(&store, &rows).await;
            let naming = naming.map_err(|e| e.to_string())?;
            let lines: Vec<[String; 6]> = rows
                .iter()
                .map(|e| csv_line(e, &directory, &naming))
                .collect();
            let name = tr!("操作履歴_%{from}_%{to}.csv", from = f.from, to = f.to).into_owned();
            crate::components::register_output::download(&csv_bytes(&lines), &name)?;
            // The export is history (第12条): who took which rows out of the device.
            let kind = EventKind::Exported(Exported {
                what: "operation_history".into(),
                rows: lines.len() as u32,
                filter: filter_text(&f, &directory),
            });
            store
                .record_act(kind, &operator, Utc::now())
                .await
                .map_err(|e| e.to_string())?;
            let done = tr!(
                "%{rows}件をCSVで書き出しました（%{name}）。",
                rows = lines.len(),
                name = name
            );
            Ok(done.into_owned())
        }
    })
}

/// One CSV row: 和暦, ISO (JST), operator, device, kind, summary.
fn csv_line(e: &Event, directory: &Directory, naming: &Naming) -> [String; 6] {
    let at = at_of(e);
    [
        format!(
            "{} {}",
            wareki::date_text(at),
            wareki::to_jst(at).format("%H:%M:%S")
        ),
        wareki::to_jst(at).to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
        directory.name_of(&e.operator),
        naming.device(&e.device.0),
        e.kind.tag().label_text().to_string(),
        naming.summary(e, directory),
    ]
}

/// The filter in words, kept in the export's record.
fn filter_text(f: &Filters, directory: &Directory) -> String {
    let mut parts = vec![period_of(f)];
    if !f.operator.is_empty() {
        let name = directory.name_of(&f.operator);
        parts.push(tr!("操作者 %{name}", name = name).into_owned());
    }
    if !f.device.is_empty() {
        parts.push(tr!("端末 %{device}", device = f.device).into_owned());
    }
    if !f.kind.is_empty() {
        parts.push(tr!("種別 %{kind}", kind = kind_label_text(&f.kind)).into_owned());
    }
    parts.join(" ")
}

/// The period chosen as the form holds it (ISO dates), as the print and export records say it.
fn period_of(f: &Filters) -> String {
    tr!("%{from}〜%{to}", from = f.from, to = f.to).into_owned()
}

/// `window.daichoHistory`, for the bench command only (the `bench` feature, which release
/// builds leave out): the page's own queries, timed from outside (`rows(operator, fromDay,
/// toDay)` and `days(fromDay, toDay)` resolve to how many they read). Read only, and only what
/// this page shows anyway.
#[cfg(feature = "bench")]
mod bench {
    use super::{per_operator, HistoryFilter, HistoryQuery, Store};
    use std::rc::Rc;
    use std::sync::Once;
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsValue;
    use wasm_bindgen_futures::future_to_promise;

    /// Installs the hook on the first visit of the page; it lives as long as the page load.
    pub fn install_once(store: Rc<Store>) {
        static INSTALLED: Once = Once::new();
        INSTALLED.call_once(|| install(store));
    }

    fn install(store: Rc<Store>) {
        let Some(window) = web_sys::window() else {
            return;
        };
        let hook = js_sys::Object::new();
        let s = store.clone();
        let rows =
            Closure::<dyn Fn(String, f64, f64) -> js_sys::Promise>::new(move |op, from, to| {
                let store = s.clone();
                future_to_promise(async move {
                    let query = HistoryQuery {
                        filter: HistoryFilter {
                            operator: Some(op),
                            ..HistoryFilter::default()
                        },
                        from_day: from as i64,
                        to_day: to as i64,
                    };
                    let rows = store.history_rows(&query).await;
                    rows.map(|r| JsValue::from(r.len() as u32))
                        .map_err(|e| JsValue::from_str(&e.to_string()))
                })
            });
        let days = Closure::<dyn Fn(f64, f64) -> js_sys::Promise>::new(move |from, to| {
            let store = store.clone();
            future_to_promise(async move {
                // What the page does for its charts: counts per day and per operator.
                let days = store.history_days(from as i64, to as i64, false).await;
                let filter = HistoryFilter::default();
                days.map(|d| {
                    let per_day: u32 = d.iter().map(|d| d.count(&filter)).sum();
                    let operators = per_operator(&d, &filter);
                    JsValue::from(per_day.min(operators.iter().map(|o| o.1).sum()))
                })
                .map_err(|e| JsValue::from_str(&e.to_string()))
            })
        });
        let _ = js_sys::Reflect::set(&hook, &"rows".into(), rows.as_ref());
        let _ = js_sys::Reflect::set(&hook, &"days".into(), days.as_ref());
        let _ = js_sys::Reflect::set(&window, &"daichoHistory".into(), &hook);
        // Installed once per page load: the two closures live as long as it.
        rows.forget();
        days.forget();
    }
}
