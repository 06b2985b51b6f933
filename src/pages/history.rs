//! 操作履歴 (第12条): every act of every operator on every device — register changes,
//! sign-ins and their failures, sign-outs, prints, exports, syncs, enrollment — filtered by
//! operator, device, kind and period, counted per day and per operator, and written as CSV
//! for Excel. Read only: nothing in the history can be changed or deleted within seven years.

use crate::auth::session::Session;
use crate::components::ja_date::JaDateTime;
use crate::components::ja_day::{ja_day, parse_day, today};
use crate::components::pager::PageTrail;
use crate::directory::Directory;
use crate::store::history::{HistoryQuery, CSV_MAX_ROWS};
use crate::store::Store;
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use daicho_core::history::{
    csv_bytes, kind_label_ja, per_operator, DayCounts, Exported, HistoryFilter, Printed, KINDS,
};
use daicho_core::{wareki, Event, EventKind};
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::Value;
use std::collections::{BTreeSet, HashMap};
use std::rc::Rc;
use wasm_bindgen::JsCast;

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

/// What the page shows for the filters chosen.
#[derive(Clone, Copy)]
struct Shown {
    rows: RwSignal<Vec<Event>>,
    days: RwSignal<Vec<DayCounts>>,
    /// Which load the page shows (each filter change asks for a new one).
    loaded: RwSignal<u32>,
    asked: RwSignal<u32>,
    error: RwSignal<Option<String>>,
}

#[component]
pub fn OperationsPage() -> impl IntoView {
    let store = crate::state::use_store_value();
    let filters = RwSignal::new(Filters::this_month());
    let pages = PageTrail::new();
    let shown = Shown {
        rows: RwSignal::new(Vec::new()),
        days: RwSignal::new(Vec::new()),
        loaded: RwSignal::new(0),
        asked: RwSignal::new(0),
        error: RwSignal::new(None),
    };
    let rooms = RwSignal::new(HashMap::<String, String>::new());
    spawn_local(async move {
        if let Ok(all) = store.get_value().rooms().await {
            rooms.set(
                all.into_iter()
                    .map(|r| (r.value.id, r.value.name))
                    .collect(),
            );
        }
    });
    install_bench_hook(store.get_value());

    let load_page = move |counts_too: bool| {
        let Some(query) = filters.get_untracked().query() else {
            shown.error.set(Some(
                "期間の指定が正しくありません（開始日は終了日以前）。".into(),
            ));
            return;
        };
        let ticket = shown.asked.get_untracked() + 1;
        shown.asked.set(ticket);
        let (store, after) = (store.get_value(), pages.current());
        spawn_local(async move {
            let cells = query.filter.needs_cells();
            let days = match counts_too {
                true => store
                    .history_days(query.from_day, query.to_day, cells)
                    .await
                    .map(Some),
                false => Ok(None),
            };
            let page = store.history_page(&query, after, PAGE_LINES).await;
            if shown.asked.get_untracked() != ticket {
                return; // a newer filter was chosen meanwhile
            }
            match (days, page) {
                (Ok(days), Ok(page)) => {
                    if let Some(days) = days {
                        shown.days.set(days);
                    }
                    shown.rows.set(page.rows);
                    pages.set_next(page.next);
                    shown.error.set(None);
                    shown.loaded.set(ticket);
                }
                (Err(e), _) | (_, Err(e)) => shown.error.set(Some(e.to_string())),
            }
        });
    };
    Effect::new(move |_| {
        filters.track();
        pages.reset();
        load_page(true);
    });
    let go_next = move |_| {
        pages.forward();
        load_page(false);
    };
    let go_back = move |_| {
        pages.back();
        load_page(false);
    };
    let set = move |apply: fn(&mut Filters, String)| {
        move |ev: web_sys::Event| filters.update(|f| apply(f, event_target_value(&ev)))
    };
    let notice = RwSignal::new(None::<String>);
    let export = move |_| export_csv(store.get_value(), filters, shown, rooms, notice);
    let print = move |_| print_history(store.get_value(), filters.get_untracked());
    let filter = move || filters.with(|f| f.query().map(|q| q.filter).unwrap_or_default());
    let total = move || {
        let filter = filter();
        shown
            .days
            .with(|d| d.iter().map(|d| d.count(&filter)).sum::<u32>())
    };
    let devices = move || {
        shown.days.with(|days| {
            let all: BTreeSet<String> = days
                .iter()
                .flat_map(|d| d.devices.keys().cloned())
                .collect();
            all.into_iter().collect::<Vec<_>>()
        })
    };
    let directory = expect_context::<Directory>();
    let ready = move || shown.loaded.get() == shown.asked.get() && shown.loaded.get() > 0;

    view! {
        <section class="card wide operations-page" data-ready=move || ready().then_some("true")>
            <h2>"操作履歴 " <small>{move || filters.with(period_ja)}</small></h2>
            <p class="hint no-print">"すべての端末での操作（台帳の記録、サインイン・その失敗・サインアウト、印刷、書き出し、同期、端末の登録）です。第12条により七年間保存し、訂正も削除もできません。"</p>
            <div class="logbook-filters no-print" role="search">
                <div class="field">
                    <label for="ops-operator">"操作者"</label>
                    <select id="ops-operator" on:change=set(|f, v| f.operator = v)>
                        <option value="">"すべての操作者"</option>
                        {move || directory.staff().into_iter().map(|p| view! {
                            <option value=p.id.clone()>{format!("{}（{}）", p.name, p.affiliation)}</option>
                        }).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="ops-device">"端末"</label>
                    <select id="ops-device" on:change=set(|f, v| f.device = v)
                        prop:value=move || filters.with(|f| f.device.clone())>
                        <option value="">"すべての端末"</option>
                        {move || devices().into_iter().map(|d| view! {
                            <option value=d.clone()>{d.clone()}</option>
                        }).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="ops-kind">"種別"</label>
                    <select id="ops-kind" on:change=set(|f, v| f.kind = v)>
                        <option value="">"すべての種別"</option>
                        {KINDS.iter().map(|tag| view! { <option value=tag.as_str()>{tag.label_ja()}</option> }).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="ops-from">"開始日"</label>
                    <input type="date" id="ops-from" prop:value=move || filters.with(|f| f.from.clone())
                        on:change=set(|f, v| f.from = v)/>
                </div>
                <div class="field">
                    <label for="ops-to">"終了日"</label>
                    <input type="date" id="ops-to" prop:value=move || filters.with(|f| f.to.clone())
                        on:change=set(|f, v| f.to = v)/>
                </div>
                <button type="button" id="ops-csv" class="button" on:click=export>"CSVで書き出す"</button>
                <button type="button" id="ops-print" class="button" on:click=print>"印刷（A4）"</button>
            </div>
            <Show when=move || shown.error.get().is_some()>
                <p class="form-error" role="alert">{move || shown.error.get()}</p>
            </Show>
            <p class="notice no-print" role="status">{move || notice.get()}</p>
            <p class="log-count" data-total=move || ready().then(|| total().to_string())>
                {move || format!("該当 {} 件", total())}
            </p>
            <div class="history-charts">
                {move || filters.with(Filters::query).map(|q| {
                    let days = shown.days.get();
                    view! {
                        <DayChart days=days.clone() query=q.clone()/>
                        <OperatorCounts days query=q/>
                    }
                })}
            </div>
            <table class="logbook history-table">
                <thead>
                    <tr>
                        <th scope="col">"日時"</th>
                        <th scope="col">"操作者"</th>
                        <th scope="col">"端末"</th>
                        <th scope="col">"種別"</th>
                        <th scope="col">"内容"</th>
                    </tr>
                </thead>
                <tbody>
                    {move || shown.rows.get().into_iter().map(|e| {
                        let at = at_of(&e);
                        let tag = e.kind.tag();
                        let what = rooms.with(|r| summary(&e, &directory, r));
                        view! {
                            <tr data-event=e.id().to_string() data-kind=tag.as_str()>
                                <td><JaDateTime at/></td>
                                <td class="operator">{directory.name_of(&e.operator)}</td>
                                <td class="device">{e.device.0.clone()}</td>
                                <td class="kind">{tag.label_ja()}</td>
                                <td class="what">{what}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
            <Show when=move || ready() && shown.rows.with(Vec::is_empty)>
                <p class="empty">"該当する操作はありません。"</p>
            </Show>
            <nav class="pager no-print" aria-label="操作履歴のページ">
                <button type="button" id="ops-prev" class="button" disabled=move || pages.at_first() on:click=go_back>"前へ"</button>
                <button type="button" id="ops-next" class="button" disabled=move || pages.at_last() on:click=go_next>"次へ"</button>
            </nav>
        </section>
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
            let title = format!("{}: {n}件", ja_day(date_of(day)));
            view! {
                <rect x=x + 1.0 y=height - h width=8.0 height=h data-day=date_of(day).to_string()
                    data-count=n><title>{title}</title></rect>
            }
        })
        .collect_view();
    let total: u32 = counts.values().sum();
    view! {
        <figure class="day-chart">
            <figcaption>"日別の件数（最大 " {peak} " 件／日）"</figcaption>
            <svg viewBox=format!("0 0 {width} {height}") preserveAspectRatio="none" role="img"
                aria-label=format!("日別の件数、合計{total}件") data-total=total data-days=span>
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
                    <td class="count">{n} "件"</td>
                    <td class="bar-cell"><span class="bar" style=width></span></td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="operator-counts">
            <caption>"操作者別の件数"</caption>
            <tbody>{rows}</tbody>
        </table>
    }
}

/// 令和8年11月1日〜令和8年11月26日
fn period_ja(f: &Filters) -> String {
    match (parse_day(&f.from), parse_day(&f.to)) {
        (Some(from), Some(to)) => format!("{}〜{}", ja_day(from), ja_day(to)),
        _ => String::new(),
    }
}

fn at_of(event: &Event) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(event.hlc.wall_ms).unwrap_or_default()
}

/// A short line of what the act was about: its main fields, names for ids.
fn summary(event: &Event, directory: &Directory, rooms: &HashMap<String, String>) -> String {
    const FIELDS: [(&str, &str); 14] = [
        ("person_id", "対象者"),
        ("room_id", "室"),
        ("key_id", "鍵"),
        ("name", "名称"),
        ("purpose", "目的"),
        ("what", "対象"),
        ("period", "期間"),
        ("rows", "件数"),
        ("filter", "条件"),
        ("pushed", "送信"),
        ("pulled", "受信"),
        ("device", "端末"),
        ("target", "対象の記録"),
        ("reason", "理由"),
    ];
    let payload = serde_json::to_value(&event.kind)
        .ok()
        .and_then(|v| v.get("payload").cloned())
        .unwrap_or(Value::Null);
    FIELDS
        .iter()
        .filter_map(|(key, label)| {
            let value = payload.get(*key)?;
            let text = match (*key, value) {
                ("person_id", Value::String(id)) => directory.name_of(id),
                ("room_id", Value::String(id)) => rooms.get(id).cloned().unwrap_or(id.clone()),
                ("what", Value::String(w)) => what_ja(w).to_string(),
                (_, Value::String(s)) => s.clone(),
                (_, Value::Number(n)) => n.to_string(),
                _ => return None,
            };
            Some(format!("{label}：{text}"))
        })
        .collect::<Vec<_>>()
        .join("、")
}

fn what_ja(what: &str) -> &str {
    match what {
        "key_logbook" => "鍵の管理簿",
        "operation_history" => "操作履歴",
        other => other,
    }
}

fn print_history(store: Rc<Store>, filters: Filters) {
    let kind = EventKind::Printed(Printed {
        what: "operation_history".into(),
        period: format!("{}〜{}", filters.from, filters.to),
    });
    let session = expect_context::<Session>();
    spawn_local(async move {
        // The print is history too (第12条); the page prints even if recording it fails.
        let _ = store
            .record_act(kind, &session.operator_id(), Utc::now())
            .await;
        if let Some(w) = web_sys::window() {
            let _ = w.print();
        }
    });
}

/// Writes the filtered rows as CSV (a download), and records the export.
fn export_csv(
    store: Rc<Store>,
    filters: RwSignal<Filters>,
    shown: Shown,
    rooms: RwSignal<HashMap<String, String>>,
    notice: RwSignal<Option<String>>,
) {
    let f = filters.get_untracked();
    let Some(query) = f.query() else {
        return;
    };
    let total: u32 = shown
        .days
        .with_untracked(|d| d.iter().map(|d| d.count(&query.filter)).sum());
    if total > CSV_MAX_ROWS {
        shown.error.set(Some(format!(
            "該当が{total}件あり、一度に書き出せる{CSV_MAX_ROWS}件を超えています。期間か条件を絞ってください。"
        )));
        return;
    }
    let directory = expect_context::<Directory>();
    let operator = expect_context::<Session>().operator_id();
    spawn_local(async move {
        let rows = match store.history_rows(&query).await {
            Ok(rows) => rows,
            Err(e) => return shown.error.set(Some(e.to_string())),
        };
        let lines: Vec<[String; 6]> = rows
            .iter()
            .map(|e| rooms.with_untracked(|r| csv_line(e, &directory, r)))
            .collect();
        let name = format!("操作履歴_{}_{}.csv", f.from, f.to);
        if let Err(e) = download(&csv_bytes(&lines), &name) {
            return shown.error.set(Some(e));
        }
        let kind = EventKind::Exported(Exported {
            what: "operation_history".into(),
            rows: lines.len() as u32,
            filter: filter_ja(&f, &directory),
        });
        // The export is history (第12条): who took which rows out of the device.
        match store.record_act(kind, &operator, Utc::now()).await {
            Ok(_) => {
                notice.set(Some(format!(
                    "{}件をCSVで書き出しました（{name}）。",
                    lines.len()
                )));
                // The export is in the history now: show it.
                filters.update(|_| {});
            }
            Err(e) => shown.error.set(Some(e.to_string())),
        }
    });
}

/// One CSV row: 和暦, ISO (JST), operator, device, kind, summary.
fn csv_line(e: &Event, directory: &Directory, rooms: &HashMap<String, String>) -> [String; 6] {
    let at = at_of(e);
    [
        format!(
            "{} {}",
            wareki::date_ja(at),
            wareki::to_jst(at).format("%H:%M:%S")
        ),
        wareki::to_jst(at).to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
        directory.name_of(&e.operator),
        e.device.0.clone(),
        e.kind.tag().label_ja().to_string(),
        summary(e, directory, rooms),
    ]
}

/// The filter in words, kept in the export's record.
fn filter_ja(f: &Filters, directory: &Directory) -> String {
    let mut parts = vec![format!("{}〜{}", f.from, f.to)];
    if !f.operator.is_empty() {
        parts.push(format!("操作者 {}", directory.name_of(&f.operator)));
    }
    if !f.device.is_empty() {
        parts.push(format!("端末 {}", f.device));
    }
    if !f.kind.is_empty() {
        parts.push(format!("種別 {}", kind_label_ja(&f.kind)));
    }
    parts.join(" ")
}

/// Offers `bytes` as a file download through a Blob link.
fn download(bytes: &[u8], name: &str) -> Result<(), String> {
    let fail = |e: wasm_bindgen::JsValue| format!("書き出しに失敗しました（{e:?}）。");
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("text/csv;charset=utf-8");
    let blob =
        web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options).map_err(fail)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(fail)?;
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or("document がありません")?;
    let link: web_sys::HtmlAnchorElement =
        document.create_element("a").map_err(fail)?.unchecked_into();
    link.set_href(&url);
    link.set_download(name);
    link.click();
    let _ = web_sys::Url::revoke_object_url(&url);
    Ok(())
}

/// `window.daichoHistory`, for the bench command: the page's own queries, timed from outside
/// (`rows(operator, fromDay, toDay)` and `days(fromDay, toDay)` resolve to how many they read).
/// Read only, and only what this page shows anyway.
fn install_bench_hook(store: Rc<Store>) {
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsValue;
    use wasm_bindgen_futures::future_to_promise;
    let Some(window) = web_sys::window() else {
        return;
    };
    let hook = js_sys::Object::new();
    let s = store.clone();
    let rows = Closure::<dyn Fn(String, f64, f64) -> js_sys::Promise>::new(move |op, from, to| {
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
    rows.forget();
    days.forget();
}
