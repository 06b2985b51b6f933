//! Reading the entry/exit logbook as a manager does: by room or all rooms, by person, by
//! period, newest or oldest first, a page at a time (read through the store's indexes, so a
//! logbook of any length pages alike), and printed on A4 as shown.

use super::logbook_table::{Line, LogbookTable};
use super::pager::PageTrail;
use crate::directory::Directory;
use crate::state::follow_store;
use crate::store::paging::{LogPage, LogQuery, PageCursor};
use crate::store::Store;
use chrono::{NaiveDate, TimeZone};
use daicho_core::sort::sort_by_key;
use daicho_core::{wareki, Room};
use leptos::prelude::*;

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
    let midnight = wareki::jst()
        .from_local_datetime(&day.and_hms_opt(0, 0, 0)?)
        .single()?;
    Some(midnight.timestamp_millis() + days * 86_400_000)
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
    let set = move |apply: fn(&mut Filters, String)| {
        move |ev| {
            let value = event_target_value(&ev);
            refilter(&|f| apply(f, value.clone()));
        }
    };
    view! {
        <div class="logbook-filters no-print" role="search">
            <div class="field">
                <label for="log-room">"室"</label>
                <select id="log-room" prop:value=move || filters.with(|f| f.room.clone())
                    on:change=set(|f, v| f.room = v)>
                    <option value="">"すべての室"</option>
                    {move || rooms.get().into_iter().map(|r| view! {
                        <option value=r.id.clone()>{format!("{}（レベル{}）", r.name, r.level.number())}</option>
                    }).collect_view()}
                </select>
            </div>
            <PersonFilter on_change=set(|f, v| f.person = v)/>
            <div class="field">
                <label for="log-from">"期間（から）"</label>
                <input type="date" id="log-from" on:change=set(|f, v| f.from = v)/>
            </div>
            <div class="field">
                <label for="log-to">"期間（まで）"</label>
                <input type="date" id="log-to" on:change=set(|f, v| f.to = v)/>
            </div>
            <div class="field">
                <label for="log-order">"並び順"</label>
                <select id="log-order" on:change=set(|f, v| f.oldest_first = v == "oldest")>
                    <option value="newest">"新しい順"</option>
                    <option value="oldest">"古い順"</option>
                </select>
            </div>
        </div>
        <p class="log-count" data-total=move || total().map(|t| t.to_string())>
            {move || match total() {
                Some(n) => format!("該当 {n} 件（{PAGE_LINES}件ずつ表示）"),
                None => format!("{PAGE_LINES}件ずつ表示"),
            }}
        </p>
        {move || read.get().and_then(Result::err).map(|e| view! {
            <p class="form-error" role="alert">{e}</p>
        })}
        <LogbookTable lines/>
        <nav class="pager no-print" aria-label="管理簿のページ">
            <button type="button" id="log-prev" class="button" disabled=move || pages.at_first()
                on:click=move |_| pages.back()>"← 前の" {PAGE_LINES} "件"</button>
            <button type="button" id="log-next" class="button" disabled=move || pages.at_last()
                on:click=move |_| pages.forward()>"次の" {PAGE_LINES} "件 →"</button>
        </nav>
    }
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
            <label for="log-person">"氏名"</label>
            <select id="log-person" on:change=on_change>
                <option value="">"すべての方"</option>
                {move || people().into_iter().map(|p| view! {
                    <option value=p.id.clone()>{format!("{}（{}）", p.name, p.affiliation)}</option>
                }).collect_view()}
            </select>
        </div>
    }
}
