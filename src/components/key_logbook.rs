//! 鍵の管理簿 as the paper book reads (第19条第2項): for each loan, the key, to whom, by whom,
//! when lent, due, when returned and to whom — one month at a time, printable on A4, or the
//! newest lines a page at a time (read through the store's indexes).

use super::ja_date::JaDateTime;
use super::pager::{PageShown, PageTrail};
use crate::auth::session::Session;
use crate::directory::Directory;
use crate::store::paging::LogQuery;
use chrono::{Datelike, NaiveDate, TimeZone, Utc};
use daicho_core::history::Printed;
use daicho_core::key_log::{KeyDefined, KeyLoan};
use daicho_core::wareki::{self, WarekiDate};
use daicho_core::EventKind;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// Lines per page when no month is chosen.
const PAGE_LINES: u32 = 50;
/// A month is shown whole (for printing); a town lends far fewer keys than this in a month.
const MONTH_LINES: u32 = 2000;

/// The first instant (JST) of the month `value` (`YYYY-MM`) and of the month after it.
fn month_range(value: &str) -> Option<(i64, i64)> {
    let first = NaiveDate::parse_from_str(&format!("{value}-01"), "%Y-%m-%d").ok()?;
    let next = if first.month() == 12 {
        NaiveDate::from_ymd_opt(first.year() + 1, 1, 1)?
    } else {
        NaiveDate::from_ymd_opt(first.year(), first.month() + 1, 1)?
    };
    let start = |d: NaiveDate| {
        wareki::jst()
            .from_local_datetime(&d.and_hms_opt(0, 0, 0)?)
            .single()
            .map(|t| t.timestamp_millis())
    };
    Some((start(first)?, start(next)?))
}

/// "令和8年11月" for the heading of a printed month.
fn month_ja(value: &str) -> String {
    NaiveDate::parse_from_str(&format!("{value}-01"), "%Y-%m-%d")
        .ok()
        .and_then(WarekiDate::from_date)
        .map(|w| {
            let s = w.to_string();
            s.split_inclusive('月').next().unwrap_or(&s).to_string()
        })
        .unwrap_or_else(|| value.to_string())
}

#[component]
pub fn KeyLogbook(
    keys: RwSignal<Vec<KeyDefined>>,
    /// Bumped after every loan or return.
    changes: RwSignal<u32>,
) -> impl IntoView {
    let store = crate::state::use_store_value();
    let key = RwSignal::new(String::new());
    let month = RwSignal::new(String::new());
    let pages = PageTrail::new();
    let shown = PageShown::<KeyLoan>::new();
    let PageShown { rows, total, error } = shown;
    let load = move || {
        let (k, m) = (key.get_untracked(), month.get_untracked());
        let range = month_range(&m);
        let query = LogQuery {
            prefix: Vec::new(),
            from_ms: range.map(|r| r.0),
            until_ms: range.map(|r| r.1),
            // A month reads as a book, oldest first; otherwise the newest lines first.
            newest_first: range.is_none(),
            limit: if range.is_some() {
                MONTH_LINES
            } else {
                PAGE_LINES
            },
            after: pages.current(),
        };
        let (store, ticket) = (store.get_value(), pages.ask());
        spawn_local(async move {
            let key_id = (!k.is_empty()).then_some(k.as_str());
            let page = store.loan_page(key_id, &query).await;
            if !pages.is_newest(ticket) {
                return; // a newer month or line came meanwhile; its read fills the page
            }
            shown.show(page, &pages);
        });
    };
    Effect::new(move |_| {
        key.track();
        month.track();
        changes.track();
        pages.reset();
        load();
    });
    let go_next = move |_| {
        pages.forward();
        load();
    };
    let go_back = move |_| {
        pages.back();
        load();
    };
    let session = expect_context::<Session>();
    let print = move |_| {
        let kind = EventKind::Printed(Printed {
            what: "key_logbook".into(),
            period: month.get_untracked(),
        });
        let store = store.get_value();
        spawn_local(async move {
            // The print is history (第12条); the book prints even if recording it fails.
            let _ = store
                .record_act(kind, &session.operator_id(), Utc::now())
                .await;
            if let Some(w) = web_sys::window() {
                let _ = w.print();
            }
        });
    };
    let key_label = move |id: &str| {
        keys.with(|k| k.iter().find(|k| k.id == id).map(|k| k.label.clone()))
            .unwrap_or_else(|| id.to_string())
    };
    view! {
        <section class="card wide log key-logbook" aria-labelledby="key-log-heading">
            <h2 id="key-log-heading">
                "鍵の管理簿 " {move || { let m = month.get(); (!m.is_empty()).then(|| month_ja(&m)) }}
            </h2>
            <div class="logbook-filters no-print" role="search">
                <div class="field">
                    <label for="key-log-key">"鍵"</label>
                    <select id="key-log-key" on:change=move |ev| key.set(event_target_value(&ev))>
                        <option value="">"すべての鍵"</option>
                        {move || keys.get().into_iter().map(|k| view! {
                            <option value=k.id.clone()>{k.label.clone()}</option>
                        }).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="key-log-month">"月"<small>"（選ぶと一か月分を表示・印刷）"</small></label>
                    <input type="month" id="key-log-month" on:change=move |ev| month.set(event_target_value(&ev))/>
                </div>
                <button type="button" id="print-key-log" class="button" on:click=print>"印刷（A4）"</button>
            </div>
            <p class="log-count" data-total=move || total.get().map(|t| t.to_string())>
                {move || total.get().map(|n| format!("該当 {n} 件"))}
            </p>
            <Show when=move || error.get().is_some()>
                <p class="form-error" role="alert">{move || error.get()}</p>
            </Show>
            <table class="logbook key-log-table">
                <thead>
                    <tr>
                        <th scope="col">"鍵"</th>
                        <th scope="col">"貸出先"</th>
                        <th scope="col">"目的"</th>
                        <th scope="col">"貸出日時"</th>
                        <th scope="col">"貸出者"</th>
                        <th scope="col">"返却予定"</th>
                        <th scope="col">"返却日時"</th>
                        <th scope="col">"受領者"</th>
                    </tr>
                </thead>
                <tbody>
                    <For each=move || rows.get()
                        key=|l| (l.id.to_string(), l.returned_at)
                        children=move |loan| {
                            // Follows the keys as they load (a line may be drawn before them).
                            let key_id = loan.key_id.clone();
                            let label = Signal::derive(move || key_label(&key_id));
                            view! { <LoanRow loan key_label=label/> }
                        }/>
                </tbody>
            </table>
            <Show when=move || rows.with(Vec::is_empty)>
                <p class="empty">"該当する記録はありません。"</p>
            </Show>
            <nav class="pager no-print" aria-label="鍵の管理簿のページ">
                <button type="button" class="button" disabled=move || pages.at_first()
                    on:click=go_back>"← 前へ"</button>
                <button type="button" id="key-log-next" class="button" disabled=move || pages.at_last()
                    on:click=go_next>"次へ →"</button>
            </nav>
        </section>
    }
}

#[component]
fn LoanRow(loan: KeyLoan, key_label: Signal<String>) -> impl IntoView {
    let directory = expect_context::<Directory>();
    let overdue = loan.is_overdue(Utc::now());
    view! {
        <tr class:open=loan.is_out() class:overdue=overdue data-loan=loan.id.to_string()>
            <td>{key_label}</td>
            <td><a class="record-link" href=format!("#/record/{}", loan.id)>{directory.name_of(&loan.person_id)}</a></td>
            <td>{loan.purpose.clone()}</td>
            <td><JaDateTime at=loan.lent_at/></td>
            <td>{directory.name_of(&loan.lent_by)}</td>
            <td><JaDateTime at=loan.due_back/></td>
            <td>{match loan.returned_at {
                Some(at) => view! { <JaDateTime at/> }.into_any(),
                None => view! { <span class="inside-mark">"貸出中"</span> }.into_any(),
            }}</td>
            <td>{loan.received_by.as_deref().map(|id| directory.name_of(id))}</td>
        </tr>
    }
}
