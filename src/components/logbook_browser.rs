//! Reading the entry/exit logbook as a manager does: by room or all rooms, by person, by
//! period, newest or oldest first, a page at a time (read through the store's indexes, so a
//! logbook of any length pages alike), and printed on A4 as shown.

use super::ja_day::ja_day;
use super::logbook_table::{Line, LogbookTable};
use super::pager::PageTrail;
use super::register_output::{ReadAll, RegisterOutput};
use crate::components::staff_choice::person_label;
use crate::directory::Directory;
use crate::state::{follow_store, use_store};
use crate::store::paging::{LogPage, LogQuery, PageCursor};
use crate::store::Store;
use chrono::NaiveDate;
use daicho_core::corrections::CorrectionTrail;
use daicho_core::history::date_start_ms;
use daicho_core::sort::sort_by_key;
use daicho_core::{tr, wareki, EntryRecord, Room};
use leptos::prelude::*;
use std::borrow::Cow;

/// Lines per page: a screenful, and about two A4 pages when printed.
pub const PAGE_LINES: u32 = 50;

/// The filters as the form holds them (empty = not filtered).
#[derive(Clone, Default, PartialEq)]
struct Filters {
    room: String,
    person: String,
    from: String,
    to: String,
    oldest_first: bool,
}

impl Filters {
    /// The filters in words, for the printout's heading and the export's record.
    fn in_words(&self, rooms: &[Room], directory: &Directory) -> String {
        let room = rooms.iter().find(|r| r.id == self.room);
        let mut parts =
            vec![room.map_or_else(|| tr!("すべての室").into_owned(), |r| r.name.clone())];
        if !self.person.is_empty() {
            parts.push(directory.name_of(&self.person));
        }
        let day = |v: &str| {
            NaiveDate::parse_from_str(v, "%Y-%m-%d").map_or_else(|_| v.to_string(), ja_day)
        };
        if !self.from.is_empty() || !self.to.is_empty() {
            let (from, to) = (day(&self.from), day(&self.to));
            parts.push(tr!("%{from}〜%{to}", from = from, to = to).into_owned());
        }
        parts.join(&*tr!("・"))
    }

    fn query(&self, after: Option<PageCursor>) -> LogQuery {
        LogQuery {
            prefix: Vec::new(),
            from_ms: day_start_ms(&self.from, 0),
            // "to" is inclusive of its whole day.
            until_ms: day_start_ms(&self.to, 1),
            newest_first: !self.oldest_first,
            limit: PAGE_LINES,
            after,
        }
    }
}

/// Midnight (JST) of the day `value` (`YYYY-MM-DD`) plus `days`, in epoch milliseconds.
fn day_start_ms(value: &str, days: i64) -> Option<i64> {
    let day = NaiveDate::parse_from_str(value, "%Y-%m-%d").ok()?;
    Some(date_start_ms(
        day.checked_add_days(chrono::Days::new(days as u64))?,
    ))
}

/// One page of the logbook as `filters` choose it, each line with its corrections (few: one
/// index read).
async fn read_lines(
    store: &Store,
    filters: &Filters,
    after: Option<PageCursor>,
) -> crate::store::Result<LogPage<Line>> {
    let room = (!filters.room.is_empty()).then_some(filters.room.as_str());
    let person = (!filters.person.is_empty()).then_some(filters.person.as_str());
    let corrections = store.corrections().await?;
    let page = store
        .entry_page(room, person, &filters.query(after))
        .await?;
    let rows = page.rows.into_iter().map(|entry| {
        let trail = corrections.get(&entry.id).cloned().unwrap_or_default();
        Line { entry, trail }
    });
    Ok(LogPage {
        rows: rows.collect(),
        total: page.total,
        next: page.next,
    })
}

#[component]
pub fn LogbookBrowser(
    #[prop(into)] rooms: Signal<Vec<Room>>,
    /// The room chosen at the top of the page: the logbook follows it.
    #[prop(into)]
    selected: Signal<Option<String>>,
) -> impl IntoView {
    let filters = RwSignal::new(Filters {
        room: selected.get_untracked().unwrap_or_default(),
        ..Filters::default()
    });
    let pages = PageTrail::new();
    // A new filter shows its first page.
    let refilter = move |apply: &dyn Fn(&mut Filters)| {
        filters.update(|f| apply(f));
        pages.reset();
    };
    Effect::new(move |_| {
        let Some(room) = selected.get() else { return };
        if filters.with_untracked(|f| f.room != room) {
            refilter(&|f| f.room = room.clone());
        }
    });
    // The page shown, read again after each write or sync: a line recorded shows at once.
    let read = follow_store(move |store| {
        let (f, after) = (filters.get(), pages.cursor());
        async move {
            read_lines(&store, &f, after)
                .await
                .map_err(|e| e.to_string())
        }
    });
    pages.follow(read);
    let page = move || read.get().and_then(Result::ok);
    let lines = Signal::derive(move || page().map(|p| p.rows).unwrap_or_default());
    let total = move || read.with(|r| r.as_ref()?.as_ref().ok().map(|p| p.total));
    let (store, directory) = (use_store(), expect_context::<Directory>());
    let set = move |apply: fn(&mut Filters, String)| {
        move |ev| {
            let value = event_target_value(&ev);
            refilter(&|f| apply(f, value.clone()));
        }
    };
    view! {
        <div class="logbook-filters no-print" role="search">
            <div class="field">
                <label for="log-room">{tr!("室")}</label>
                <select id="log-room" prop:value=move || filters.with(|f| f.room.clone())
                    on:change=set(|f, v| f.room = v)>
                    <option value="">{tr!("すべての室")}</option>
                    {move || rooms.get().into_iter().map(|r| view! {
                        <option value=r.id.clone()>{tr!("%{name}（レベル%{level}）", name = r.name, level = r.level.number())}</option>
                    }).collect_view()}
                </select>
            </div>
            <PersonFilter on_change=set(|f, v| f.person = v)/>
            <div class="field">
                <label for="log-from">{tr!("期間（から）")}</label>
                <input type="date" id="log-from" on:change=set(|f, v| f.from = v)/>
            </div>
            <div class="field">
                <label for="log-to">{tr!("期間（まで）")}</label>
                <input type="date" id="log-to" on:change=set(|f, v| f.to = v)/>
            </div>
            <div class="field">
                <label for="log-order">{tr!("並び順")}</label>
                <select id="log-order" on:change=set(|f, v| f.oldest_first = v == "oldest")>
                    <option value="newest">{tr!("新しい順")}</option>
                    <option value="oldest">{tr!("古い順")}</option>
                </select>
            </div>
        </div>
        <p class="log-count" data-total=move || total().map(|t| t.to_string())>
            {move || match total() {
                Some(n) => tr!("該当 %{n} 件（%{per}件ずつ表示）", n = n, per = PAGE_LINES),
                None => tr!("%{per}件ずつ表示", per = PAGE_LINES),
            }}
        </p>
        {move || read.get().and_then(Result::err).map(|e| view! {
            <p class="form-error" role="alert">{e}</p>
        })}
        <RegisterOutput what="entry_logbook" header=csv_header()
            rows=Signal::derive(Vec::new)
            covers=Signal::derive(move || filters.with(|f| f.in_words(&rooms.get(), &directory)))
            read_all=ReadAll(std::rc::Rc::new(move || {
                let (store, f) = (store.clone(), filters.get_untracked());
                Box::pin(async move { read_all(&store, &f, &directory).await })
            }))/>
        <LogbookTable lines/>
        <nav class="pager no-print" aria-label=tr!("管理簿のページ")>
            <button type="button" id="log-prev" class="button" disabled=move || pages.at_first()
                on:click=move |_| pages.back()>{tr!("← 前の%{n}件", n = PAGE_LINES)}</button>
            <button type="button" id="log-next" class="button" disabled=move || pages.at_last()
                on:click=move |_| pages.forward()>{tr!("次の%{n}件 →", n = PAGE_LINES)}</button>
        </nav>
    }
}

/// The most lines one CSV takes: a year of a busy counter. More is refused with a way out.
const CSV_MAX_LINES: u32 = 20_000;

/// The CSV's columns: the book's, with 和暦 times and the correction beside the original.
fn csv_header() -> [Cow<'static, str>; 10] {
    [
        tr!("入室"),
        tr!("退室"),
        tr!("室"),
        tr!("氏名"),
        tr!("所属"),
        tr!("目的"),
        tr!("同行者"),
        tr!("名札"),
        tr!("記録者"),
        tr!("訂正・取消"),
    ]
}

/// Every line the filters cover, oldest first, as CSV rows (refused past `CSV_MAX_LINES`).
async fn read_all(
    store: &Store,
    f: &Filters,
    directory: &Directory,
) -> Result<Vec<Vec<String>>, String> {
    let query = LogQuery {
        newest_first: false,
        limit: CSV_MAX_LINES,
        ..f.query(None)
    };
    let room = (!f.room.is_empty()).then_some(f.room.as_str());
    let person = (!f.person.is_empty()).then_some(f.person.as_str());
    let page = store
        .entry_page(room, person, &query)
        .await
        .map_err(|e| e.to_string())?;
    if page.total > CSV_MAX_LINES {
        let (n, max) = (page.total, CSV_MAX_LINES);
        return Err(tr!("該当が%{n}件あり、一度に書き出せる%{max}件を超えています。期間か条件を絞ってください。", n = n, max = max).into_owned());
    }
    let corrections = store.corrections().await.map_err(|e| e.to_string())?;
    let rooms: Vec<Room> = store.rooms().await.map_err(|e| e.to_string())?;
    Ok(page
        .rows
        .iter()
        .map(|entry| {
            let trail = corrections.get(&entry.id).cloned().unwrap_or_default();
            let mut row = csv_row(entry, &trail, directory);
            let room = rooms.iter().find(|r| r.id == entry.room_id);
            row[2] = room.map_or_else(|| entry.room_id.clone(), |r| r.name.clone());
            row
        })
        .collect())
}

/// A line's CSV row as the book reads (the room's name is filled by the caller that knows it).
fn csv_row(entry: &EntryRecord, trail: &CorrectionTrail, directory: &Directory) -> Vec<String> {
    let corrected = trail
        .corrected("purpose")
        .map(|v| tr!("目的の訂正：%{value}", value = v).into_owned());
    let note = if trail.is_void() {
        Some(tr!("取消").into_owned())
    } else {
        corrected
    };
    vec![
        wareki::datetime_text(entry.entered_at),
        entry
            .exited_at
            .map(wareki::datetime_text)
            .unwrap_or_else(|| tr!("入室中").into_owned()),
        String::new(),
        entry.name.clone(),
        entry.affiliation.clone(),
        entry.purpose.clone(),
        entry
            .escort_id
            .as_deref()
            .map(|id| directory.name_of(id))
            .unwrap_or_default(),
        if entry.name_tag_worn {
            tr!("着用")
        } else {
            tr!("未確認")
        }
        .into_owned(),
        directory.name_of(&entry.entered_by),
        note.unwrap_or_default(),
    ]
}

#[component]
fn PersonFilter(on_change: impl Fn(leptos::ev::Event) + 'static) -> impl IntoView {
    let directory = expect_context::<Directory>();
    let people = move || {
        let mut people: Vec<_> = directory.0.with(|m| m.values().cloned().collect());
        sort_by_key(&mut people, |p| {
            (!p.is_staff(), p.affiliation.clone(), p.name.clone())
        });
        people
    };
    view! {
        <div class="field">
            <label for="log-person">{tr!("氏名")}</label>
            <select id="log-person" on:change=on_change>
                <option value="">{tr!("すべての方")}</option>
                {move || people().into_iter().map(|p| view! {
                    <option value=p.id.clone()>{person_label(&p)}</option>
                }).collect_view()}
            </select>
        </div>
    }
}
