//! 指示・依頼 (第7条, 第20条): what the general manager instructs department heads, or requests
//! of administrative committees, from a meeting's results or an entry manager's report; each
//! followed up by reports and closed: open → reported → closed.

mod forms;

use crate::components::ja_day::{ja_day, today, JaDay};
use crate::components::log_table::LogTable;
use crate::components::record_link::{record_href, RecordLink};
use crate::components::register_output::RegisterOutput;
use crate::directory::Directory;
use crate::state::follow_store;
use daicho_core::instructions::{
    Addressee, Basis, FollowUpReported, Instruction, InstructionStatus,
};
use daicho_core::office::Meeting;
use daicho_core::sort::sort_by;
use daicho_core::tr;
use leptos::prelude::*;
use std::borrow::Cow;

const STATUSES: [InstructionStatus; 3] = [
    InstructionStatus::Open,
    InstructionStatus::Reported,
    InstructionStatus::Closed,
];

/// The value a status carries in the filter and in `data-status`.
fn status_key(status: InstructionStatus) -> &'static str {
    match status {
        InstructionStatus::Open => "open",
        InstructionStatus::Reported => "reported",
        InstructionStatus::Closed => "closed",
    }
}

/// 指示：総務 太郎 / 要請：教育委員会
fn addressee_text(addressee: &Addressee, directory: &Directory) -> String {
    match addressee {
        Addressee::DepartmentHead { person_id } => {
            tr!("指示：%{name}", name = directory.name_of(person_id)).into_owned()
        }
        Addressee::Committee { name } => tr!("要請：%{name}", name = name).into_owned(),
    }
}

/// How an instruction is named in a select: its date, the start of its content, its addressee.
fn instruction_label(i: &Instruction, directory: &Directory) -> String {
    let content: String = i.issued.content.chars().take(24).collect();
    let more = if i.issued.content.chars().count() > 24 {
        "…"
    } else {
        ""
    };
    let text = format!("{content}{more}");
    let (day, to) = (
        ja_day(i.issued.issued_on),
        addressee_text(&i.issued.addressee, directory),
    );
    tr!("%{day} %{text}（%{to}）", day = day, text = text, to = to).into_owned()
}

/// How a meeting is named as a basis: its date and place.
fn meeting_label(m: &Meeting) -> String {
    let (day, place) = (ja_day(m.held.date), &m.held.place);
    tr!("%{day}の会議（%{place}）", day = day, place = place).into_owned()
}

/// "住民窓口 令和8年11月1日〜令和8年11月30日の報告": a submitted report as the form offers it.
pub fn report_label(
    r: &daicho_core::reports::Report,
    registers: &daicho_core::Registers,
) -> String {
    let s = &r.submitted;
    let room = registers
        .room(&s.room_id)
        .map_or_else(|| s.room_id.clone(), |x| x.name.clone());
    let version = if s.supersedes.is_some() {
        tr!("（訂正版）")
    } else {
        "".into()
    };
    let period = tr!("%{from}〜%{to}", from = ja_day(s.from), to = ja_day(s.to));
    let report = tr!("%{room} %{period}の報告", room = room, period = period);
    format!("{report}{version}")
}

/// The register as read: the instructions, and the meetings they may come from (newest
/// first).
#[derive(Clone)]
struct InstructionsRead {
    instructions: Vec<Instruction>,
    meetings: Vec<Meeting>,
    /// The submitted reports (第20条) an instruction may come from, as (id, label).
    reports: Vec<(String, String)>,
}

#[component]
pub fn InstructionsPage() -> impl IntoView {
    // Read again after each write or sync.
    let register = follow_store(move |store| async move {
        let registers = store.registers().await.map_err(|e| e.to_string())?;
        let office = registers.office();
        let mut meetings: Vec<Meeting> = office.meetings.values().cloned().collect();
        sort_by(&mut meetings, |a, b| {
            (b.held.date, &b.id).cmp(&(a.held.date, &a.id))
        });
        let instructions = office.instructions.values().cloned().collect();
        let reports = office
            .reports
            .values()
            .map(|r| (r.id.to_string(), report_label(r, &registers)))
            .collect();
        Ok::<_, String>(InstructionsRead {
            instructions,
            meetings,
            reports,
        })
    });
    let read = move || register.get().and_then(Result::ok);
    let instructions = Signal::derive(move || read().map(|r| r.instructions).unwrap_or_default());
    let meetings = Signal::derive(move || read().map(|r| r.meetings).unwrap_or_default());
    let reports = Signal::derive(move || read().map(|r| r.reports).unwrap_or_default());
    // The instruction a row's button chose for the report form, and for the close form.
    let (report_target, close_target) =
        (RwSignal::new(String::new()), RwSignal::new(String::new()));
    view! {
        <div class="instructions-page" data-ready=move || register.get().is_some().then_some("true")>
            {move || register.get().and_then(Result::err).map(|e| view! {
                <p class="form-error" role="alert">{tr!("指示・要請の記録を読めませんでした。%{e}", e = e)}</p>
            })}
            <InstructionList instructions meetings report_target close_target/>
            <forms::IssueForm meetings reports/>
            <forms::ReportForm instructions target=report_target/>
            <forms::CloseForm instructions target=close_target/>
        </div>
    }
}

fn search_text(i: &Instruction, directory: &Directory) -> String {
    let mut words = vec![
        i.issued.content.clone(),
        addressee_text(&i.issued.addressee, directory),
    ];
    if let Basis::Report { summary, .. } = &i.issued.basis {
        words.push(summary.clone());
    }
    words.extend(i.reports.iter().map(|r| r.report.clone()));
    words.join("\n").to_lowercase()
}

#[component]
fn InstructionList(
    instructions: Signal<Vec<Instruction>>,
    meetings: Signal<Vec<Meeting>>,
    report_target: RwSignal<String>,
    close_target: RwSignal<String>,
) -> impl IntoView {
    let directory = expect_context::<Directory>();
    let status = RwSignal::new(String::new());
    let text = RwSignal::new(String::new());
    let by_issued = RwSignal::new(false);
    // Tens of instructions a year: filtered and sorted in memory.
    let rows = Signal::derive(move || {
        let wanted = status.get();
        let needle = text.get().trim().to_lowercase();
        let mut list: Vec<Instruction> = instructions.with(|is| {
            is.iter()
                .filter(|i| wanted.is_empty() || status_key(i.status()) == wanted)
                .filter(|i| needle.is_empty() || search_text(i, &directory).contains(&needle))
                .cloned()
                .collect()
        });
        if by_issued.get() {
            sort_by(&mut list, |a, b| {
                (b.issued.issued_on, &b.id).cmp(&(a.issued.issued_on, &a.id))
            });
        } else {
            sort_by(&mut list, |a, b| {
                (a.issued.due, &a.id).cmp(&(b.issued.due, &b.id))
            });
        }
        list
    });
    // An instruction changes after it is issued only by its reports and its closing.
    let key = |i: &Instruction| (i.id.clone(), i.reports.len(), i.closed.is_some());
    let row = move |instruction| {
        view! { <InstructionRow instruction meetings report_target close_target/> }
    };
    view! {
        <section class="card wide instruction-list">
            <h2>{tr!("指示・要請の一覧")}</h2>
            <div class="filters">
                <div class="field">
                    <label for="instruction-status">{tr!("状況")}</label>
                    <select id="instruction-status" on:change=move |ev| status.set(event_target_value(&ev))>
                        <option value="">{tr!("すべて")}</option>
                        {STATUSES.map(|s| view! { <option value=status_key(s)>{s.name_text()}</option> })}
                    </select>
                </div>
                <div class="field">
                    <label for="instruction-search">{tr!("検索（内容・宛先・報告）")}</label>
                    <input id="instruction-search" type="search" autocomplete="off" bind:value=text/>
                </div>
                <div class="field">
                    <label for="instruction-sort">{tr!("並び順")}</label>
                    <select id="instruction-sort" on:change=move |ev| by_issued.set(event_target_value(&ev) == "issued")>
                        <option value="due">{tr!("期限の近い順")}</option>
                        <option value="issued">{tr!("指示日の新しい順")}</option>
                    </select>
                </div>
            </div>
            <RegisterOutput what="instructions" header=csv_header()
                rows=Signal::derive(move || {
                    let ms = meetings.get();
                    rows.get().iter().map(|i| csv_row(i, &ms, &directory)).collect()
                })
                covers=Signal::derive(move || {
                    let wanted = status.get();
                    let state = STATUSES
                        .into_iter()
                        .find(|s| status_key(*s) == wanted)
                        .map_or_else(|| tr!("すべての状況").into_owned(), |s| s.name_text().to_string());
                    match text.get().trim() {
                        "" => state,
                        t => tr!("%{state}・「%{t}」で検索", state = state, t = t).into_owned(),
                    }
                })/>
            <LogTable
                class="register instructions"
                columns=vec![tr!("指示日"), tr!("宛先"), tr!("内容・報告"), tr!("期限"), tr!("根拠"), tr!("状況"), "".into()]
                rows
                key
                row
                empty=tr!("該当する指示・要請はありません。")
            />
        </section>
    }
}

/// The CSV's columns.
fn csv_header() -> Vec<Cow<'static, str>> {
    vec![
        tr!("指示日"),
        tr!("指示した人"),
        tr!("宛先"),
        tr!("内容"),
        tr!("期限"),
        tr!("根拠"),
        tr!("状況"),
        tr!("報告"),
        tr!("完了"),
    ]
}

/// An instruction's line for the CSV and print: names, 和暦 days, its reports and closing.
fn csv_row(i: &Instruction, meetings: &[Meeting], directory: &Directory) -> Vec<String> {
    let basis = match &i.issued.basis {
        Basis::Meeting { meeting } => meetings
            .iter()
            .find(|m| m.id == *meeting)
            .map_or_else(|| tr!("セキュリティ会議").into_owned(), meeting_label),
        Basis::Report { summary, .. } => tr!("報告：%{summary}", summary = summary).into_owned(),
    };
    let reports: Vec<String> = i
        .reports
        .iter()
        .map(|r| report_line(r, directory))
        .collect();
    let closed = i
        .closed
        .as_ref()
        .map(|c| format!("{} {}", ja_day(c.on), c.note));
    vec![
        ja_day(i.issued.issued_on),
        directory.name_of(&i.issued.issued_by),
        addressee_text(&i.issued.addressee, directory),
        i.issued.content.clone(),
        ja_day(i.issued.due),
        basis,
        i.status().name_text().to_string(),
        reports.join(&tr!("／")),
        closed.unwrap_or_default(),
    ]
}

/// A report on an instruction: its day, who reported, and what.
fn report_line(r: &FollowUpReported, directory: &Directory) -> String {
    let (day, who, text) = (ja_day(r.on), directory.name_of(&r.reported_by), &r.report);
    tr!("%{day} %{who}：%{text}", day = day, who = who, text = text).into_owned()
}

/// The meeting or report an instruction came from; a meeting links to its record.
fn basis_view(basis: &Basis, meetings: Signal<Vec<Meeting>>) -> AnyView {
    match basis {
        Basis::Meeting { meeting } => {
            let label = meetings
                .with_untracked(|ms| ms.iter().find(|m| m.id == *meeting).map(meeting_label))
                .unwrap_or_else(|| tr!("セキュリティ会議").into_owned());
            view! { <a class="basis-link" href=record_href(meeting)>{label}</a> }.into_any()
        }
        Basis::Report { summary, .. } => {
            view! { <span class="basis-report">{tr!("報告：%{summary}", summary = summary)}</span> }
                .into_any()
        }
    }
}

#[component]
fn InstructionRow(
    instruction: Instruction,
    meetings: Signal<Vec<Meeting>>,
    report_target: RwSignal<String>,
    close_target: RwSignal<String>,
) -> impl IntoView {
    let directory = expect_context::<Directory>();
    let i = instruction;
    let status = i.status();
    let overdue = i.is_overdue(today());
    let id = i.id.to_string();
    let reports = i
        .reports
        .iter()
        .map(|r| {
            view! {
                <li class="report">{report_line(r, &directory)}</li>
            }
        })
        .collect_view();
    let closed = i.closed.as_ref().map(|c| {
        view! { <p class="closing">{tr!("完了 %{day} %{note}", day = ja_day(c.on), note = c.note)}</p> }
    });
    let (pick_report, pick_close) = (id.clone(), id.clone());
    view! {
        <tr data-instruction=id.clone() data-status=status_key(status) class:overdue=overdue>
            <td><JaDay day=i.issued.issued_on/></td>
            <td class="addressee">{addressee_text(&i.issued.addressee, &directory)}</td>
            <td class="content">
                <p>{i.issued.content.clone()}</p>
                <ul class="reports">{reports}</ul>
                {closed}
            </td>
            <td class="due">
                <JaDay day=i.issued.due/>
                {overdue.then(|| view! { <span class="overdue-mark">{tr!("期限超過")}</span> })}
            </td>
            <td class="basis">{basis_view(&i.issued.basis, meetings)}</td>
            <td class="state"><span class="status-badge" data-status=status_key(status)>{status.name_text()}</span></td>
            <td class="actions">
                {(status != InstructionStatus::Closed).then(|| view! {
                    <button type="button" class="button pick-report"
                        on:click=move |_| report_target.set(pick_report.clone())>{tr!("報告を記録")}</button>
                })}
                {(status == InstructionStatus::Reported).then(|| view! {
                    <button type="button" class="button pick-close"
                        on:click=move |_| close_target.set(pick_close.clone())>{tr!("完了にする")}</button>
                })}
                <RecordLink id=i.id.clone()/>
            </td>
        </tr>
    }
}
