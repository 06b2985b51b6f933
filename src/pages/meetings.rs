//! セキュリティ会議 (第6条): the meetings the general manager convened and chaired, with their
//! agenda, the staff called to explain, and the review board's opinions.

mod detail;
mod form;

use crate::components::ja_day::{today, JaDay};
use crate::directory::Directory;
use daicho_core::office::Meeting;
use daicho_core::organisation::Role;
use daicho_core::years::YearKind;
use daicho_core::EventId;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// The link to a record's own page, with its history and corrections.
pub(crate) fn record_href(id: &EventId) -> String {
    format!("#/record/{id}")
}

#[component]
pub fn MeetingsPage() -> impl IntoView {
    let store = crate::state::use_store_value();
    let meetings = RwSignal::new(Vec::<Meeting>::new());
    let general_manager = RwSignal::new(None::<String>);
    let loaded = RwSignal::new(false);
    let selected = RwSignal::new(None::<EventId>);
    let reload = move || {
        spawn_local(async move {
            if let Ok(registers) = store.get_value().registers().await {
                let gm = registers
                    .organisation()
                    .who_held(Role::GeneralManager, today());
                general_manager.set(gm.map(str::to_string));
                meetings.set(registers.office().meetings.values().cloned().collect());
                loaded.set(true);
            }
        })
    };
    reload();
    let on_recorded = Callback::new(move |()| reload());
    view! {
        <div class="meetings-page" data-ready=move || loaded.get().then_some("true")>
            <MeetingList meetings selected/>
            <detail::MeetingDetail meetings selected on_recorded/>
            <form::MeetingForm general_manager=general_manager.into() on_recorded/>
        </div>
    }
}

/// The words a meeting is found by: place, people, agenda and consultations.
fn search_text(m: &Meeting, directory: &Directory) -> String {
    let held = &m.held;
    let mut words = vec![held.place.clone(), directory.name_of(&held.chair)];
    words.extend(held.members.iter().map(|p| directory.name_of(p)));
    for e in &held.explainers {
        words.extend([directory.name_of(&e.person_id), e.topic.clone()]);
    }
    for a in &held.agenda {
        words.extend([a.title.clone(), a.discussion.clone(), a.decision.clone()]);
    }
    words.extend(held.consultations.iter().map(|c| c.subject.clone()));
    words.join("\n").to_lowercase()
}

fn year_kind(value: &str) -> YearKind {
    if value == "calendar" {
        YearKind::Calendar
    } else {
        YearKind::Fiscal
    }
}

#[component]
fn MeetingList(
    meetings: RwSignal<Vec<Meeting>>,
    selected: RwSignal<Option<EventId>>,
) -> impl IntoView {
    let directory = expect_context::<Directory>();
    let kind = RwSignal::new("fiscal".to_string());
    let year = RwSignal::new(String::new());
    let text = RwSignal::new(String::new());
    let oldest_first = RwSignal::new(false);
    let years = move || {
        let k = year_kind(&kind.get());
        let mut ys: Vec<i32> =
            meetings.with(|ms| ms.iter().map(|m| k.year_of(m.held.date)).collect());
        ys.sort_unstable_by(|a, b| b.cmp(a));
        ys.dedup();
        ys.into_iter().map(move |y| (y, k.label_ja(y)))
    };
    // A few meetings a year: filtered and sorted in memory.
    let shown = move || {
        let k = year_kind(&kind.get());
        let y: Option<i32> = year.get().parse().ok();
        let needle = text.get().trim().to_lowercase();
        let mut list: Vec<Meeting> = meetings.with(|ms| {
            ms.iter()
                .filter(|m| y.is_none_or(|y| k.year_of(m.held.date) == y))
                .filter(|m| needle.is_empty() || search_text(m, &directory).contains(&needle))
                .cloned()
                .collect()
        });
        list.sort_by(|a, b| (a.held.date, &a.id).cmp(&(b.held.date, &b.id)));
        if !oldest_first.get() {
            list.reverse();
        }
        list
    };
    view! {
        <section class="card wide meeting-list">
            <h2>"セキュリティ会議の記録"</h2>
            <div class="filters">
                <div class="field">
                    <label for="meeting-year-kind">"年の区切り"</label>
                    <select id="meeting-year-kind" on:change=move |ev| {
                        kind.set(event_target_value(&ev));
                        year.set(String::new());
                    }>
                        <option value="fiscal">"年度（4月〜3月）"</option>
                        <option value="calendar">"暦年（1月〜12月）"</option>
                    </select>
                </div>
                <div class="field">
                    <label for="meeting-year">"年"</label>
                    <select id="meeting-year" on:change=move |ev| year.set(event_target_value(&ev))>
                        <option value="" prop:selected=move || year.get().is_empty()>"すべて"</option>
                        {move || years().map(|(y, label)| view! {
                            <option value=y.to_string() prop:selected=move || year.get() == y.to_string()>{label}</option>
                        }).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="meeting-search">"検索（場所・氏名・審議事項）"</label>
                    <input id="meeting-search" type="search" autocomplete="off" bind:value=text/>
                </div>
                <div class="field">
                    <label for="meeting-sort">"並び順"</label>
                    <select id="meeting-sort" on:change=move |ev| oldest_first.set(event_target_value(&ev) == "oldest")>
                        <option value="newest">"新しい順"</option>
                        <option value="oldest">"古い順"</option>
                    </select>
                </div>
            </div>
            <table class="register meetings">
                <thead>
                    <tr>
                        <th>"開催日"</th><th>"開催場所"</th><th>"議長"</th><th>"審議事項"</th>
                        <th>"審査会の意見"</th><th></th>
                    </tr>
                </thead>
                <tbody>
                    {move || shown().into_iter().map(|m| view! { <MeetingRow meeting=m selected/> }).collect_view()}
                </tbody>
            </table>
            <Show when=move || shown().is_empty()>
                <p class="empty">"該当する会議の記録はありません。"</p>
            </Show>
        </section>
    }
}

/// 審査会の意見: how many consultations still wait for an opinion, and how many have one.
fn opinions_cell(m: &Meeting) -> String {
    let asked = m.held.consultations.len();
    if asked == 0 {
        return "—".into();
    }
    let pending = m.opinions_pending();
    format!("未着 {pending}件 / 受領 {}件", asked - pending)
}

#[component]
fn MeetingRow(meeting: Meeting, selected: RwSignal<Option<EventId>>) -> impl IntoView {
    let directory = expect_context::<Directory>();
    let id = meeting.id.clone();
    let (is_open, choose) = (id.clone(), id.clone());
    let label = format!(
        "{}の会議の詳細",
        crate::components::ja_day::ja_day(meeting.held.date)
    );
    view! {
        <tr data-meeting=id.to_string() class:selected=move || selected.with(|s| s.as_ref() == Some(&is_open))>
            <td><JaDay day=meeting.held.date/></td>
            <td class="place">{meeting.held.place.clone()}</td>
            <td class="chair">{directory.name_of(&meeting.held.chair)}</td>
            <td class="agenda-count">{format!("{}件", meeting.held.agenda.len())}</td>
            <td class="opinions" data-pending=meeting.opinions_pending()>{opinions_cell(&meeting)}</td>
            <td class="actions">
                <button type="button" class="button" aria-label=label
                    on:click=move |_| selected.set(Some(choose.clone()))>"詳細"</button>
                <a class="record-link" href=record_href(&id)>"記録"</a>
            </td>
        </tr>
    }
}
