//! Reading the entry/exit logbook as a manager does: by room or all rooms, by person, by
//! period, newest or oldest first, a page at a time (read through the store's indexes, so a
//! logbook of any length pages alike), and printed on A4 as shown.

use super::logbook_table::{Corrections, LogbookTable};
use super::pager::{PageShown, PageTrail};
use crate::directory::Directory;
use crate::store::paging::{LogQuery, PageCursor};
use chrono::{NaiveDate, TimeZone};
use daicho_core::{wareki, EntryRecord, Room};
use leptos::prelude::*;
use leptos::task::spawn_local;

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

#[component]
pub fn LogbookBrowser(
    rooms: RwSignal<Vec<Room>>,
    /// The room chosen at the top of the page: the logbook follows it.
    selected: RwSignal<Option<String>>,
    /// Bumped after every write, so the page shown includes it.
    changes: RwSignal<u32>,
) -> impl IntoView {
    let store = crate::state::use_store_value();
    let filters = RwSignal::new(Filters::default());
    let pages = PageTrail::new();
    let shown = PageShown::<EntryRecord>::new();
    let PageShown { rows, total, error } = shown;
    let corrections: Corrections = RwSignal::new(Default::default());
    Effect::new(move |_| {
        if let Some(room) = selected.get() {
            filters.update(|f| f.room = room);
        }
    });
    let load = move || {
        let f = filters.get_untracked();
        let query = f.query(pages.current());
        let (store, ticket) = (store.get_value(), pages.ask());
        spawn_local(async move {
            let room = (!f.room.is_empty()).then_some(f.room.as_str());
            let person = (!f.person.is_empty()).then_some(f.person.as_str());
            // Corrections are few (one index read): read them with each page.
            let read_corrections = store.corrections().await;
            let page = store.entry_page(room, person, &query).await;
            if !pages.is_newest(ticket) {
                return; // a newer filter or line came meanwhile; its read fills the page
            }
            if let Ok(c) = read_corrections {
                corrections.set(c);
            }
            shown.show(page, &pages);
        });
    };
    // A new filter, or a new line recorded: back to the first page.
    Effect::new(move |_| {
        filters.track();
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
    let set = move |apply: fn(&mut Filters, String)| {
        move |ev| filters.update(|f| apply(f, event_target_value(&ev)))
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
            <PersonFilter filters/>
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
        <p class="log-count" data-total=move || total.get().map(|t| t.to_string())>
            {move || match total.get() {
                Some(n) => format!("該当 {n} 件（{PAGE_LINES}件ずつ表示）"),
                None => format!("{PAGE_LINES}件ずつ表示"),
            }}
        </p>
        <Show when=move || error.get().is_some()>
            <p class="form-error" role="alert">{move || error.get()}</p>
        </Show>
        <LogbookTable rows corrections/>
        <nav class="pager no-print" aria-label="管理簿のページ">
            <button type="button" id="log-prev" class="button" disabled=move || pages.at_first()
                on:click=go_back>"← 前の" {PAGE_LINES} "件"</button>
            <button type="button" id="log-next" class="button" disabled=move || pages.at_last()
                on:click=go_next>"次の" {PAGE_LINES} "件 →"</button>
        </nav>
    }
}

#[component]
fn PersonFilter(filters: RwSignal<Filters>) -> impl IntoView {
    let directory = expect_context::<Directory>();
    let people = move || {
        let mut people: Vec<_> = directory.0.with(|m| m.values().cloned().collect());
        people.sort_by_key(|p| (!p.is_staff(), p.affiliation.clone(), p.name.clone()));
        people
    };
    view! {
        <div class="field">
            <label for="log-person">"氏名"</label>
            <select id="log-person" on:change=move |ev| filters.update(|f| f.person = event_target_value(&ev))>
                <option value="">"すべての方"</option>
                {move || people().into_iter().map(|p| view! {
                    <option value=p.id.clone()>{format!("{}（{}）", p.name, p.affiliation)}</option>
                }).collect_view()}
            </select>
        </div>
    }
}
