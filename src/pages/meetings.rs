//! セキュリティ会議 (第6条): the meetings the general manager convened and chaired, with their
//! agenda, the staff called to explain, and the review board's opinions.

mod detail;
mod form;

use crate::components::ja_day::{ja_day, today, JaDay};
use crate::components::log_table::LogTable;
use crate::components::record_link::RecordLink;
use crate::components::register_output::RegisterOutput;
use crate::directory::Directory;
use crate::state::follow_store;
use daicho_core::office::Meeting;
use daicho_core::organisation::Role;
use daicho_core::sort::sort_by;
use daicho_core::years::YearKind;
use daicho_core::{tr, EventId};
use leptos::prelude::*;
use std::borrow::Cow;

/// The register as read: every meeting, and who holds the general manager's role today.
#[derive(Clone)]
struct MeetingsRead {
    meetings: Vec<Meeting>,
    general_manager: Option<String>,
}

#[component]
pub fn MeetingsPage() -> impl IntoView {
    // Read again after each write or sync.
    let register = follow_store(move |store| async move {
        let registers = store.registers().await.map_err(|e| e.to_string())?;
        let general_manager = registers
            .organisation()
            .who_held(Role::GeneralManager, today())
            .map(str::to_string);
        let meetings = registers.office().meetings.values().cloned().collect();
        Ok::<_, String>(MeetingsRead {
            meetings,
            general_manager,
        })
    });
    let read = move || register.get().and_then(Result::ok);
    let meetings = Signal::derive(move || read().map(|r| r.meetings).unwrap_or_default());
    let general_manager = Signal::derive(move || read().and_then(|r| r.general_manager));
    let selected = RwSignal::new(None::<EventId>);
    view! {
        <div class="meetings-page" data-ready=move || register.get().is_some().then_some("true")>
            {move || register.get().and_then(Result::err).map(|e| view! {
                <p class="form-error" role="alert">{tr!("会議の記録を読めませんでした。%{e}", e = e)}</p>
            })}
            <MeetingList meetings selected/>
            <detail::MeetingDetail meetings selected/>
            <form::MeetingForm general_manager/>
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
    meetings: Signal<Vec<Meeting>>,
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
        sort_by(&mut ys, |a, b| b.cmp(a));
        ys.dedup();
        ys.into_iter().map(move |y| (y, k.label_text(y)))
    };
    // A few meetings a year: filtered and sorted in memory.
    let rows = Signal::derive(move || {
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
        sort_by(&mut list, |a, b| {
            (a.held.date, &a.id).cmp(&(b.held.date, &b.id))
        });
        if !oldest_first.get() {
            list.reverse();
        }
        list
    });
    // A meeting changes after it is recorded only by the opinions it receives.
    let key = |m: &Meeting| (m.id.clone(), m.opinions.len());
    let row = move |meeting| view! { <MeetingRow meeting selected/> };
    view! {
        <section class="card wide meeting-list">
            <h2>{tr!("セキュリティ会議の記録")}</h2>
            <div class="filters">
                <div class="field">
                    <label for="meeting-year-kind">{tr!("年の区切り")}</label>
                    <select id="meeting-year-kind" on:change=move |ev| {
                        kind.set(event_target_value(&ev));
                        year.set(String::new());
                    }>
                        <option value="fiscal">{tr!("年度（4月〜3月）")}</option>
                        <option value="calendar">{tr!("暦年（1月〜12月）")}</option>
                    </select>
                </div>
                <div class="field">
                    <label for="meeting-year">{tr!("年")}</label>
                    <select id="meeting-year" on:change=move |ev| year.set(event_target_value(&ev))>
                        <option value="" prop:selected=move || year.get().is_empty()>{tr!("すべて")}</option>
                        {move || years().map(|(y, label)| view! {
                            <option value=y.to_string() prop:selected=move || year.get() == y.to_string()>{label}</option>
                        }).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="meeting-search">{tr!("検索（場所・氏名・審議事項）")}</label>
                    <input id="meeting-search" type="search" autocomplete="off" bind:value=text/>
                </div>
                <div class="field">
                    <label for="meeting-sort">{tr!("並び順")}</label>
                    <select id="meeting-sort" on:change=move |ev| oldest_first.set(event_target_value(&ev) == "oldest")>
                        <option value="newest">{tr!("新しい順")}</option>
                        <option value="oldest">{tr!("古い順")}</option>
                    </select>
                </div>
            </div>
            <RegisterOutput what="meetings" header=csv_header()
                rows=Signal::derive(move || rows.get().iter().map(|m| csv_row(m, &directory)).collect())
                covers=Signal::derive(move || {
                    let k = year_kind(&kind.get());
                    let y: Option<i32> = year.get().parse().ok();
                    let period = y.map_or_else(|| tr!("すべての年").into_owned(), |y| k.label_text(y));
                    match text.get().trim() {
                        "" => period,
                        t => tr!("%{period}・「%{t}」で検索", period = period, t = t).into_owned(),
                    }
                })/>
            <LogTable
                class="register meetings"
                columns=vec![tr!("開催日"), tr!("開催場所"), tr!("議長"), tr!("審議事項"), tr!("審査会の意見"), "".into()]
                rows
                key
                row
                empty=tr!("該当する会議の記録はありません。")
            />
        </section>
    }
}

/// The CSV's columns.
fn csv_header() -> Vec<Cow<'static, str>> {
    vec![
        tr!("開催日"),
        tr!("開催場所"),
        tr!("議長"),
        tr!("出席者"),
        tr!("審議事項（決定）"),
        tr!("審査会の意見"),
    ]
}

/// A meeting's line for the CSV: names, and each agenda item with its decision.
fn csv_row(m: &Meeting, directory: &Directory) -> Vec<String> {
    vec![
        ja_day(m.held.date),
        m.held.place.clone(),
        directory.name_of(&m.held.chair),
        attendees(m, directory),
        decisions(m),
        opinions_cell(m),
    ]
}

/// 出席者: the members present, by name.
fn attendees(m: &Meeting, directory: &Directory) -> String {
    let names: Vec<String> = m
        .held
        .members
        .iter()
        .map(|id| directory.name_of(id))
        .collect();
    names.join(&tr!("、"))
}

/// 審議事項（決定）: each agenda item with its decision.
fn decisions(m: &Meeting) -> String {
    let items: Vec<String> = m
        .held
        .agenda
        .iter()
        .map(|a| {
            let (item, result) = (&a.title, &a.decision);
            tr!("%{item}（%{result}）", item = item, result = result).into_owned()
        })
        .collect();
    items.join(&tr!("／"))
}

/// 審査会の意見: how many consultations still wait for an opinion, and how many have one.
fn opinions_cell(m: &Meeting) -> String {
    let asked = m.held.consultations.len();
    if asked == 0 {
        return "—".into();
    }
    let pending = m.opinions_pending();
    let (waiting, received) = (tr!("未着 %{n}件", n = pending), asked - pending);
    format!("{waiting} / {}", tr!("受領 %{n}件", n = received))
}

#[component]
fn MeetingRow(meeting: Meeting, selected: RwSignal<Option<EventId>>) -> impl IntoView {
    let directory = expect_context::<Directory>();
    let id = meeting.id.clone();
    let (is_open, choose, shown) = (id.clone(), id.clone(), id.to_string());
    let label = tr!("%{day}の会議の詳細", day = ja_day(meeting.held.date));
    view! {
        <tr data-meeting=shown class:selected=move || selected.with(|s| s.as_ref() == Some(&is_open))>
            <td><JaDay day=meeting.held.date/></td>
            <td class="place">{meeting.held.place.clone()}</td>
            // On paper the line is the register itself: who attended, and what was decided.
            <td class="chair">
                <span class="name">{directory.name_of(&meeting.held.chair)}</span>
                <span class="print-only attendees">{tr!("出席者：%{names}", names = attendees(&meeting, &directory))}</span>
            </td>
            <td class="agenda-count">
                <span class="no-print count">{tr!("%{n}件", n = meeting.held.agenda.len())}</span>
                <span class="print-only decisions">{decisions(&meeting)}</span>
            </td>
            <td class="opinions" data-pending=meeting.opinions_pending()>{opinions_cell(&meeting)}</td>
            <td class="actions">
                <button type="button" class="button" aria-label=label
                    on:click=move |_| selected.set(Some(choose.clone()))>{tr!("詳細")}</button>
                <RecordLink id/>
            </td>
        </tr>
    }
}
