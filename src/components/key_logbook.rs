//! 鍵の管理簿 as the paper book reads (第19条第2項): for each loan, the key, to whom, by whom,
//! when lent, due, when returned and to whom — one month at a time, printable on A4, or the
//! newest lines a page at a time (read through the store's indexes).

use super::ja_date::JaDateTime;
use super::log_table::LogTable;
use super::pager::PageTrail;
use super::register_output::RegisterOutput;
use crate::directory::Directory;
use crate::state::follow_store;
use crate::store::paging::{LogQuery, PageCursor};
use chrono::{Datelike, NaiveDate, Utc};
use daicho_core::history::date_start_ms;
use daicho_core::key_log::{KeyDefined, KeyLoan};
use daicho_core::wareki::{self, WarekiDate};
use daicho_core::{lang, tr};
use leptos::prelude::*;
use std::borrow::Cow;

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
    Some((date_start_ms(first), date_start_ms(next)))
}

/// "令和8年11月" (in English "November 2026") for the heading of a printed month.
fn month_text(value: &str) -> String {
    let first = NaiveDate::parse_from_str(&format!("{value}-01"), "%Y-%m-%d").ok();
    if lang::is_english() {
        return first.map_or_else(|| value.to_string(), |d| d.format("%B %Y").to_string());
    }
    first
        .and_then(WarekiDate::from_date)
        .map(|w| {
            let s = w.to_string();
            s.split_inclusive('月').next().unwrap_or(&s).to_string()
        })
        .unwrap_or_else(|| value.to_string())
}

/// How many months back the month choice reaches: the seven years history is kept (第12条).
const MONTHS_OFFERED: u32 = 7 * 12;

/// The months to choose from, newest first, as `YYYY-MM`: a list every browser shows alike
/// (Firefox's month field is free text, and a typo would show an empty register).
fn months_offered(today: NaiveDate) -> Vec<String> {
    let first = today.with_day(1).unwrap_or(today);
    (0..MONTHS_OFFERED)
        .filter_map(|back| first.checked_sub_months(chrono::Months::new(back)))
        .map(|m| m.format("%Y-%m").to_string())
        .collect()
}

/// The lines of a month (oldest first, as a book reads), or the newest lines a page at a time.
fn loan_query(month: &str, after: Option<PageCursor>) -> LogQuery {
    let range = month_range(month);
    LogQuery {
        prefix: Vec::new(),
        from_ms: range.map(|r| r.0),
        until_ms: range.map(|r| r.1),
        newest_first: range.is_none(),
        limit: if range.is_some() {
            MONTH_LINES
        } else {
            PAGE_LINES
        },
        after,
    }
}

#[component]
pub fn KeyLogbook(#[prop(into)] keys: Signal<Vec<KeyDefined>>) -> impl IntoView {
    let key = RwSignal::new(String::new());
    let month = RwSignal::new(String::new());
    let pages = PageTrail::new();
    // The page shown, read again after each write or sync: a loan or return shows at once.
    let read = follow_store(move |store| {
        let (key_id, query) = (key.get(), loan_query(&month.get(), pages.cursor()));
        async move {
            let key_id = (!key_id.is_empty()).then_some(key_id.as_str());
            let page = store.loan_page(key_id, &query).await;
            page.map_err(|e| e.to_string())
        }
    });
    pages.follow(read);
    let loans = Signal::derive(move || {
        read.get()
            .and_then(Result::ok)
            .map(|p| p.rows)
            .unwrap_or_default()
    });
    let total = move || read.with(|r| r.as_ref()?.as_ref().ok().map(|p| p.total));
    // A new key or month shows its first page.
    let choose = move |what: RwSignal<String>| {
        move |ev| {
            what.set(event_target_value(&ev));
            pages.reset();
        }
    };
    let directory = expect_context::<Directory>();
    let key_label = move |id: &str| {
        keys.with(|k| k.iter().find(|k| k.id == id).map(|k| k.label.clone()))
            .unwrap_or_else(|| id.to_string())
    };
    let row = move |loan: KeyLoan| {
        // Follows the keys as they load (a line may be drawn before them).
        let key_id = loan.key_id.clone();
        let label = Signal::derive(move || key_label(&key_id));
        view! { <LoanRow loan key_label=label/> }
    };
    view! {
        <section class="card wide log key-logbook" aria-labelledby="key-log-heading">
            <h2 id="key-log-heading">
                {tr!("鍵の管理簿")} " " {move || { let m = month.get(); (!m.is_empty()).then(|| month_text(&m)) }}
            </h2>
            <div class="logbook-filters no-print" role="search">
                <div class="field">
                    <label for="key-log-key">{tr!("鍵")}</label>
                    <select id="key-log-key" on:change=choose(key)>
                        <option value="">{tr!("すべての鍵")}</option>
                        {move || keys.get().into_iter().map(|k| view! {
                            <option value=k.id.clone()>{k.label.clone()}</option>
                        }).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="key-log-month">{tr!("月")}<small>{tr!("（選ぶと一か月分を表示・印刷）")}</small></label>
                    <select id="key-log-month" on:change=choose(month)>
                        <option value="">{tr!("新しい順（月を選ばない）")}</option>
                        {months_offered(crate::components::ja_day::today()).into_iter().map(|m| {
                            let label = month_text(&m);
                            view! { <option value=m>{label}</option> }
                        }).collect_view()}
                    </select>
                </div>
            </div>
            <RegisterOutput what="key_logbook" header=csv_header()
                rows=Signal::derive(move || {
                    loans.get().iter().map(|l| csv_row(l, &key_label(&l.key_id), &directory)).collect()
                })
                covers=Signal::derive(move || {
                    let m = month.get();
                    if m.is_empty() { tr!("新しい順 %{n}件まで（表示中のページ）", n = PAGE_LINES).into_owned() } else { month_text(&m) }
                })/>
            <p class="log-count" data-total=move || total().map(|t| t.to_string())>
                {move || total().map(|n| tr!("該当 %{n} 件", n = n))}
            </p>
            {move || read.get().and_then(Result::err).map(|e| view! {
                <p class="form-error" role="alert">{e}</p>
            })}
            <LogTable
                class="logbook key-log-table"
                columns=vec![tr!("鍵"), tr!("貸出先"), tr!("目的"), tr!("貸出日時"), tr!("貸出者"), tr!("返却予定"), tr!("返却日時"), tr!("受領者")]
                rows=loans
                key=|l: &KeyLoan| (l.id.to_string(), l.returned_at)
                row
                empty=tr!("該当する記録はありません。")
            />
            <nav class="pager no-print" aria-label=tr!("鍵の管理簿のページ")>
                <button type="button" class="button" disabled=move || pages.at_first()
                    on:click=move |_| pages.back()>{tr!("← 前へ")}</button>
                <button type="button" id="key-log-next" class="button" disabled=move || pages.at_last()
                    on:click=move |_| pages.forward()>{tr!("次へ →")}</button>
            </nav>
        </section>
    }
}

/// The CSV's columns: the book's, with 和暦 times.
fn csv_header() -> [Cow<'static, str>; 9] {
    [
        tr!("鍵"),
        tr!("貸出先"),
        tr!("目的"),
        tr!("貸出日時"),
        tr!("貸出者"),
        tr!("返却予定"),
        tr!("返却日時"),
        tr!("受領者"),
        tr!("備考"),
    ]
}

/// A loan's line for the CSV, as the book reads (names and the key's label, never ids).
fn csv_row(loan: &KeyLoan, key_label: &str, directory: &Directory) -> Vec<String> {
    let returned = match loan.returned_at {
        _ if loan.voided => String::new(),
        Some(at) => wareki::datetime_text(at),
        None => tr!("貸出中").into_owned(),
    };
    vec![
        key_label.to_string(),
        directory.name_of(&loan.person_id),
        loan.purpose.clone(),
        wareki::datetime_text(loan.lent_at),
        directory.name_of(&loan.lent_by),
        wareki::datetime_text(loan.due_back),
        returned,
        loan.received_by
            .as_deref()
            .map(|id| directory.name_of(id))
            .unwrap_or_default(),
        if loan.voided {
            tr!("取消（競合の解決）").into_owned()
        } else {
            String::new()
        },
    ]
}

#[component]
fn LoanRow(loan: KeyLoan, key_label: Signal<String>) -> impl IntoView {
    let directory = expect_context::<Directory>();
    let overdue = loan.is_overdue(Utc::now());
    view! {
        <tr class:open=loan.is_out() class:overdue=overdue class:voided=loan.voided data-loan=loan.id.to_string()>
            <td>{key_label}</td>
            <td><a class="record-link" href=format!("#/record/{}", loan.id)>{directory.name_of(&loan.person_id)}</a></td>
            <td>{loan.purpose.clone()}</td>
            <td><JaDateTime at=loan.lent_at/></td>
            <td>{directory.name_of(&loan.lent_by)}</td>
            <td><JaDateTime at=loan.due_back/></td>
            <td>{match loan.returned_at {
                // A loan found not real when the key was lent twice: struck, never out.
                _ if loan.voided => view! { <span class="voided">{tr!("取消（競合の解決）")}</span> }.into_any(),
                Some(at) => view! { <JaDateTime at/> }.into_any(),
                None => view! { <span class="inside-mark">{tr!("貸出中")}</span> }.into_any(),
            }}</td>
            <td>{loan.received_by.as_deref().map(|id| directory.name_of(id))}</td>
        </tr>
    }
}
