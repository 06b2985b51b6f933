//! The three acts on an instruction: the general manager issues it (第7条), any staff member
//! reports on it, and the general manager closes it once reported.

use super::{instruction_label, meeting_label};
use crate::auth::session::Session;
use crate::components::form_message::{FormMessage, Outcome};
use crate::components::ja_day::{parse_day, today};
use crate::components::staff_choice::StaffSelect;
use crate::directory::Directory;
use crate::store::Store;
use chrono::Utc;
use daicho_core::instructions::{
    Addressee, Basis, FollowUpReported, Instruction, InstructionClosed, InstructionIssued,
    InstructionStatus,
};
use daicho_core::office::Meeting;
use daicho_core::{EventId, EventKind};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::rc::Rc;

/// The administrative committees (行政委員会) of a town, offered when typing a request.
const COMMITTEES: [&str; 5] = [
    "教育委員会",
    "選挙管理委員会",
    "監査委員",
    "農業委員会",
    "固定資産評価審査委員会",
];

/// Records `kind`, then says `done` and runs `after`; or shows why it was refused.
fn record(
    store: StoredValue<Rc<Store>, LocalStorage>,
    operator: String,
    kind: EventKind,
    message: Outcome,
    done: &'static str,
    after: impl FnOnce() + 'static,
) {
    let store = store.get_value();
    message.set(None);
    spawn_local(async move {
        match store.record(kind, &operator, Utc::now()).await {
            Ok(_) => {
                message.set(Some((true, done.into())));
                after();
            }
            Err(e) => message.set(Some((false, e.to_string()))),
        }
    });
}

fn trimmed(s: RwSignal<String>) -> String {
    s.get_untracked().trim().to_string()
}

#[component]
pub fn IssueForm(meetings: RwSignal<Vec<Meeting>>, on_recorded: Callback<()>) -> impl IntoView {
    let store = crate::state::use_store_value();
    let session = expect_context::<Session>();
    let to_committee = RwSignal::new(false);
    let head = RwSignal::new(String::new());
    let committee = RwSignal::new(String::new());
    let content = RwSignal::new(String::new());
    let issued_on = RwSignal::new(today().to_string());
    let due = RwSignal::new(String::new());
    let from_report = RwSignal::new(false);
    let meeting = RwSignal::new(String::new());
    let summary = RwSignal::new(String::new());
    let message: Outcome = RwSignal::new(None);
    let read = move || -> Result<InstructionIssued, &'static str> {
        let addressee = if to_committee.get_untracked() {
            let name = trimmed(committee);
            if name.is_empty() {
                return Err("要請する行政委員会を入力してください（第7条）。");
            }
            Addressee::Committee { name }
        } else {
            let person_id = head.get_untracked();
            if person_id.is_empty() {
                return Err("指示する部課長を選んでください（第7条）。");
            }
            Addressee::DepartmentHead { person_id }
        };
        let basis = if from_report.get_untracked() {
            let summary = trimmed(summary);
            if summary.is_empty() {
                return Err("根拠となる報告の要旨を入力してください（第20条）。");
            }
            Basis::Report { summary }
        } else {
            let chosen: Option<EventId> = meeting.get_untracked().parse().ok();
            let meeting = chosen.ok_or("根拠となるセキュリティ会議を選んでください（第7条）。")?;
            Basis::Meeting { meeting }
        };
        Ok(InstructionIssued {
            addressee,
            content: trimmed(content),
            due: parse_day(&due.get_untracked()).ok_or("期限を入力してください。")?,
            basis,
            issued_by: session.operator_id(),
            issued_on: parse_day(&issued_on.get_untracked())
                .ok_or("指示した日を入力してください。")?,
        })
    };
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        match read() {
            Ok(issued) => record(
                store,
                session.operator_id(),
                EventKind::InstructionIssued(issued),
                message,
                "指示・要請を記録しました。",
                move || {
                    content.set(String::new());
                    due.set(String::new());
                    on_recorded.run(());
                },
            ),
            Err(e) => message.set(Some((false, e.into()))),
        }
    };
    let meeting_options = move || {
        meetings.with(|ms| {
            ms.iter()
                .map(|m| {
                    let value = m.id.to_string();
                    view! { <option value=value>{meeting_label(m)}</option> }
                })
                .collect_view()
        })
    };
    view! {
        <form class="card wide issue-form" on:submit=submit novalidate>
            <h2>"指示・要請を記録"</h2>
            <p class="hint">"会議の結果（第7条）や入退室管理者の報告（第20条）に基づき、セキュリティ総括責任者が部課長に指示し、行政委員会に要請します。"</p>
            <div class="field">
                <label for="instruction-addressee-kind">"宛先"</label>
                <select id="instruction-addressee-kind"
                    on:change=move |ev| to_committee.set(event_target_value(&ev) == "committee")>
                    <option value="department_head">"部課長への指示"</option>
                    <option value="committee">"行政委員会への要請"</option>
                </select>
            </div>
            <Show when=move || to_committee.get() fallback=move || view! {
                <StaffSelect id="instruction-head" label="指示する部課長" value=head/>
            }>
                <div class="field">
                    <label for="instruction-committee">"要請する行政委員会"</label>
                    <input id="instruction-committee" list="committees" autocomplete="off" bind:value=committee/>
                    <datalist id="committees">{COMMITTEES.map(|c| view! { <option value=c></option> })}</datalist>
                </div>
            </Show>
            <div class="field">
                <label for="instruction-content">"指示・要請の内容"</label>
                <textarea id="instruction-content" rows="3" prop:value=move || content.get()
                    on:input=move |ev| content.set(event_target_value(&ev))></textarea>
            </div>
            <div class="field">
                <label for="instruction-issued-on">"指示した日"</label>
                <input id="instruction-issued-on" type="date" bind:value=issued_on/>
            </div>
            <div class="field">
                <label for="instruction-due">"期限"</label>
                <input id="instruction-due" type="date" bind:value=due/>
            </div>
            <div class="field">
                <label for="instruction-basis-kind">"根拠"</label>
                <select id="instruction-basis-kind"
                    on:change=move |ev| from_report.set(event_target_value(&ev) == "report")>
                    <option value="meeting">"セキュリティ会議の結果（第7条）"</option>
                    <option value="report">"入退室管理者からの報告（第20条）"</option>
                </select>
            </div>
            <Show when=move || from_report.get() fallback=move || view! {
                <div class="field">
                    <label for="instruction-meeting">"根拠となる会議"</label>
                    <select id="instruction-meeting" on:change=move |ev| meeting.set(event_target_value(&ev))>
                        <option value="" prop:selected=move || meeting.get().is_empty()>"選んでください"</option>
                        {meeting_options}
                    </select>
                </div>
            }>
                <div class="field">
                    <label for="instruction-report-summary">"報告の要旨（いつ、誰から、何の報告か）"</label>
                    <input id="instruction-report-summary" autocomplete="off" bind:value=summary/>
                </div>
            </Show>
            <button type="submit" id="issue-instruction" class="button primary">"指示・要請を記録"</button>
            <FormMessage outcome=message/>
        </form>
    }
}

/// A select of the instructions `offered` lets through, preselecting `target` when it is one.
fn instruction_select(
    id: &'static str,
    instructions: RwSignal<Vec<Instruction>>,
    offered: fn(InstructionStatus) -> bool,
    chosen: RwSignal<String>,
) -> impl IntoView {
    let directory = expect_context::<Directory>();
    let options = move || {
        instructions.with(|is| {
            is.iter()
                .filter(|i| offered(i.status()))
                .map(|i| {
                    let value = i.id.to_string();
                    let selected = value.clone();
                    view! {
                        <option value=value prop:selected=move || chosen.get() == selected>
                            {instruction_label(i, &directory)}
                        </option>
                    }
                })
                .collect_view()
        })
    };
    view! {
        <div class="field">
            <label for=id>"指示・要請"</label>
            <select id=id on:change=move |ev| chosen.set(event_target_value(&ev))>
                <option value="" prop:selected=move || chosen.get().is_empty()>"選んでください"</option>
                {options}
            </select>
        </div>
    }
}

fn chosen_instruction(chosen: RwSignal<String>) -> Result<EventId, String> {
    chosen
        .get_untracked()
        .parse()
        .map_err(|_| "指示・要請を選んでください。".to_string())
}

#[component]
pub fn ReportForm(
    instructions: RwSignal<Vec<Instruction>>,
    target: RwSignal<String>,
    on_recorded: Callback<()>,
) -> impl IntoView {
    let store = crate::state::use_store_value();
    let session = expect_context::<Session>();
    let on = RwSignal::new(today().to_string());
    let report = RwSignal::new(String::new());
    let message: Outcome = RwSignal::new(None);
    let read = move || -> Result<FollowUpReported, String> {
        Ok(FollowUpReported {
            instruction: chosen_instruction(target)?,
            report: trimmed(report),
            reported_by: session.operator_id(),
            on: parse_day(&on.get_untracked()).ok_or("報告した日を入力してください。")?,
        })
    };
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        match read() {
            Ok(r) => record(
                store,
                session.operator_id(),
                EventKind::FollowUpReported(r),
                message,
                "報告を記録しました。",
                move || {
                    report.set(String::new());
                    on_recorded.run(());
                },
            ),
            Err(e) => message.set(Some((false, e))),
        }
    };
    view! {
        <form class="card wide report-form" on:submit=submit novalidate>
            <h2>"措置の報告を記録"</h2>
            <p class="hint">"指示・要請を受けた部課・委員会からの報告を、職員が記録します。"</p>
            {instruction_select("report-instruction", instructions, |s| s != InstructionStatus::Closed, target)}
            <div class="field">
                <label for="report-on">"報告した日"</label>
                <input id="report-on" type="date" bind:value=on/>
            </div>
            <div class="field">
                <label for="report-text">"報告の内容"</label>
                <textarea id="report-text" rows="3" prop:value=move || report.get()
                    on:input=move |ev| report.set(event_target_value(&ev))></textarea>
            </div>
            <button type="submit" id="record-report" class="button primary">"報告を記録"</button>
            <FormMessage outcome=message/>
        </form>
    }
}

#[component]
pub fn CloseForm(
    instructions: RwSignal<Vec<Instruction>>,
    target: RwSignal<String>,
    on_recorded: Callback<()>,
) -> impl IntoView {
    let store = crate::state::use_store_value();
    let session = expect_context::<Session>();
    let on = RwSignal::new(today().to_string());
    let note = RwSignal::new(String::new());
    let message: Outcome = RwSignal::new(None);
    let read = move || -> Result<InstructionClosed, String> {
        Ok(InstructionClosed {
            instruction: chosen_instruction(target)?,
            note: trimmed(note),
            closed_by: session.operator_id(),
            on: parse_day(&on.get_untracked()).ok_or("完了とした日を入力してください。")?,
        })
    };
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        match read() {
            Ok(c) => record(
                store,
                session.operator_id(),
                EventKind::InstructionClosed(c),
                message,
                "指示・要請を完了としました。",
                move || {
                    note.set(String::new());
                    target.set(String::new());
                    on_recorded.run(());
                },
            ),
            Err(e) => message.set(Some((false, e))),
        }
    };
    view! {
        <form class="card wide close-form" on:submit=submit novalidate>
            <h2>"完了とする"</h2>
            <p class="hint">"報告を確認した指示・要請を、セキュリティ総括責任者が完了とします（第7条）。"</p>
            {instruction_select("close-instruction", instructions, |s| s == InstructionStatus::Reported, target)}
            <div class="field">
                <label for="close-on">"完了とした日"</label>
                <input id="close-on" type="date" bind:value=on/>
            </div>
            <div class="field">
                <label for="close-note">"確認の結果（所見）"</label>
                <textarea id="close-note" rows="2" prop:value=move || note.get()
                    on:input=move |ev| note.set(event_target_value(&ev))></textarea>
            </div>
            <button type="submit" id="record-close" class="button primary">"完了として記録"</button>
            <FormMessage outcome=message/>
        </form>
    }
}
