//! The three acts on an instruction: the general manager issues it (第7条), any staff member
//! reports on it, and the general manager closes it once reported.

use super::{instruction_label, meeting_label};
use crate::auth::session::Session;
use crate::components::ja_day::{day_in, missing, today};
use crate::components::record_form::{Field, FieldRefusal, Outcome, RecordForm};
use crate::components::shown::Shown;
use crate::components::staff_choice::StaffSelect;
use crate::directory::Directory;
use crate::state::{local_action, use_store};
use crate::store::Store;
use chrono::Utc;
use daicho_core::instructions::{
    Addressee, Basis, FollowUpReported, Instruction, InstructionClosed, InstructionIssued,
    InstructionStatus,
};
use daicho_core::office::Meeting;
use daicho_core::{tr, Article, EventId, EventKind, Refusals};
use leptos::prelude::*;
use std::rc::Rc;

/// The administrative committees (行政委員会) of a town, offered when typing a request.
// ja-only-begin: the committees' own names, offered as data (recorded as the addressee).
const COMMITTEES: [&str; 5] = [
    "教育委員会",
    "選挙管理委員会",
    "監査委員",
    "農業委員会",
    "固定資産評価審査委員会",
];
// ja-only-end

/// Records the act filled in, or says why the form refused it: how it went.
async fn record(
    store: Rc<Store>,
    operator: String,
    act: Result<EventKind, Refusals>,
    done: &str,
) -> Outcome {
    match act {
        Ok(kind) => Outcome::of(store.record(kind, &operator, Utc::now()).await, done),
        Err(refusals) => Outcome::Refused(refusals),
    }
}

fn trimmed(s: RwSignal<String>) -> String {
    s.get_untracked().trim().to_string()
}

/// What the issue form is filled with.
#[derive(Clone, Copy)]
struct IssueDraft {
    to_committee: RwSignal<bool>,
    head: RwSignal<String>,
    committee: RwSignal<String>,
    content: RwSignal<String>,
    issued_on: RwSignal<String>,
    due: RwSignal<String>,
    from_report: RwSignal<bool>,
    meeting: RwSignal<String>,
    summary: RwSignal<String>,
    /// The submitted report it comes from (第20条), if chosen.
    report: RwSignal<String>,
}

impl IssueDraft {
    fn new() -> Self {
        IssueDraft {
            to_committee: RwSignal::new(false),
            head: RwSignal::new(String::new()),
            committee: RwSignal::new(String::new()),
            content: RwSignal::new(String::new()),
            issued_on: RwSignal::new(today().to_string()),
            due: RwSignal::new(String::new()),
            from_report: RwSignal::new(false),
            meeting: RwSignal::new(String::new()),
            summary: RwSignal::new(String::new()),
            report: RwSignal::new(String::new()),
        }
    }

    /// To whom, shown at the addressee (the one form input naming someone).
    fn addressee(&self) -> Result<Addressee, Refusals> {
        let refuse = |what: &str| missing(what, daicho_core::Field::Name, Some(Article::new(7)));
        if self.to_committee.get_untracked() {
            let name = trimmed(self.committee);
            if name.is_empty() {
                return Err(refuse(&tr!("要請する行政委員会")));
            }
            Ok(Addressee::Committee { name })
        } else {
            let person_id = self.head.get_untracked();
            if person_id.is_empty() {
                return Err(refuse(&tr!("指示する部課長")));
            }
            Ok(Addressee::DepartmentHead { person_id })
        }
    }

    /// What it comes from, shown at the basis (the record it refers to).
    fn basis(&self) -> Result<Basis, Refusals> {
        let field = daicho_core::Field::Entry;
        if self.from_report.get_untracked() {
            let summary = trimmed(self.summary);
            if summary.is_empty() {
                return Err(missing(
                    &tr!("根拠となる報告の要旨"),
                    field,
                    Some(Article::new(20)),
                ));
            }
            let report = self.report.get_untracked().parse().ok();
            Ok(Basis::Report { summary, report })
        } else {
            let chosen: Option<EventId> = self.meeting.get_untracked().parse().ok();
            let refusal = || {
                missing(
                    &tr!("根拠となるセキュリティ会議"),
                    field,
                    Some(Article::new(7)),
                )
            };
            let meeting = chosen.ok_or_else(refusal)?;
            Ok(Basis::Meeting { meeting })
        }
    }

    fn issued(&self, issued_by: String) -> Result<InstructionIssued, Refusals> {
        Ok(InstructionIssued {
            addressee: self.addressee()?,
            content: trimmed(self.content),
            due: day_in(
                &self.due.get_untracked(),
                &tr!("期限"),
                daicho_core::Field::Period,
            )?,
            basis: self.basis()?,
            issued_by,
            issued_on: day_in(
                &self.issued_on.get_untracked(),
                &tr!("指示した日"),
                daicho_core::Field::Time,
            )?,
        })
    }
}

#[component]
pub fn IssueForm(
    meetings: Signal<Vec<Meeting>>,
    /// The submitted reports an instruction may come from, as (id, label).
    reports: Signal<Vec<(String, String)>>,
) -> impl IntoView {
    let (store, session) = (use_store(), expect_context::<Session>());
    let draft = IssueDraft::new();
    let issue = local_action(move |_: &()| {
        let operator = session.operator_id();
        let act = draft.issued(operator.clone());
        let store = store.clone();
        async move {
            let act = act.map(EventKind::InstructionIssued);
            let done = tr!("指示・要請を記録しました。");
            let outcome = record(store, operator, act, &done).await;
            if outcome.is_done() {
                draft.content.set(String::new());
                draft.due.set(String::new());
            }
            outcome
        }
    });
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
    let addressee_error = "instruction-addressee-error";
    view! {
        <RecordForm class="card wide issue-form" action=issue>
            <h2>{tr!("指示・要請を記録")}</h2>
            <p class="hint">{tr!("会議の結果（第7条）や入退室管理者の報告（第20条）に基づき、セキュリティ総括責任者が部課長に指示し、行政委員会に要請します。")}</p>
            <Field id="instruction-addressee-kind" label=tr!("宛先")>
                <select id="instruction-addressee-kind"
                    on:change=move |ev| draft.to_committee.set(event_target_value(&ev) == "committee")>
                    <option value="department_head">{tr!("部課長への指示")}</option>
                    <option value="committee">{tr!("行政委員会への要請")}</option>
                </select>
            </Field>
            <Shown when=move || draft.to_committee.get() fallback=move || view! {
                <StaffSelect id="instruction-head" label=tr!("指示する部課長") value=draft.head/>
            }>
                <Field id="instruction-committee" label=tr!("要請する行政委員会")>
                    <input id="instruction-committee" list="committees" autocomplete="off"
                        aria-describedby=addressee_error bind:value=draft.committee/>
                    <datalist id="committees">{COMMITTEES.map(|c| view! { <option value=c></option> })}</datalist>
                </Field>
            </Shown>
            <FieldRefusal field=daicho_core::Field::Name id=addressee_error/>
            <Field id="instruction-content" label=tr!("指示・要請の内容") refusals=daicho_core::Field::Purpose>
                <textarea id="instruction-content" rows="3" aria-describedby="instruction-content-error"
                    prop:value=move || draft.content.get()
                    on:input=move |ev| draft.content.set(event_target_value(&ev))></textarea>
            </Field>
            <Field id="instruction-issued-on" label=tr!("指示した日") refusals=daicho_core::Field::Time>
                <input id="instruction-issued-on" type="date" aria-describedby="instruction-issued-on-error"
                    bind:value=draft.issued_on/>
            </Field>
            <Field id="instruction-due" label=tr!("期限") refusals=daicho_core::Field::Period>
                <input id="instruction-due" type="date" aria-describedby="instruction-due-error"
                    bind:value=draft.due/>
            </Field>
            <Field id="instruction-basis-kind" label=tr!("根拠")>
                <select id="instruction-basis-kind"
                    on:change=move |ev| draft.from_report.set(event_target_value(&ev) == "report")>
                    <option value="meeting">{tr!("セキュリティ会議の結果（第7条）")}</option>
                    <option value="report">{tr!("入退室管理者からの報告（第20条）")}</option>
                </select>
            </Field>
            <Shown when=move || draft.from_report.get() fallback=move || view! {
                <Field id="instruction-meeting" label=tr!("根拠となる会議")>
                    <select id="instruction-meeting" aria-describedby="instruction-basis-error"
                        on:change=move |ev| draft.meeting.set(event_target_value(&ev))>
                        <option value="" prop:selected=move || draft.meeting.get().is_empty()>{tr!("選んでください")}</option>
                        {meeting_options}
                    </select>
                </Field>
            }>
                <Field id="instruction-report" label=tr!("根拠となる報告（台帳で提出されたもの）")>
                    <select id="instruction-report" on:change=move |ev| {
                        let chosen = event_target_value(&ev);
                        let label = reports.with(|rs| rs.iter().find(|(id, _)| *id == chosen).map(|(_, l)| l.clone()));
                        draft.report.set(chosen);
                        if let Some(label) = label {
                            draft.summary.set(label);
                        }
                    }>
                        <option value="">{tr!("（紙などで受けた報告）")}</option>
                        {move || reports.get().into_iter().map(|(id, label)| view! {
                            <option value=id>{label}</option>
                        }).collect_view()}
                    </select>
                </Field>
                <Field id="instruction-report-summary" label=tr!("報告の要旨（いつ、誰から、何の報告か）")>
                    <input id="instruction-report-summary" autocomplete="off"
                        aria-describedby="instruction-basis-error" bind:value=draft.summary/>
                </Field>
            </Shown>
            <FieldRefusal field=daicho_core::Field::Entry id="instruction-basis-error"/>
            <button type="submit" id="issue-instruction" class="button primary">{tr!("指示・要請を記録")}</button>
        </RecordForm>
    }
}

/// A select of the instructions `offered` lets through, preselecting `target` when it is one;
/// daicho-core's refusals of the instruction acted on are shown under it.
#[component]
fn InstructionSelect(
    id: &'static str,
    instructions: Signal<Vec<Instruction>>,
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
        <Field id=id label=tr!("指示・要請") refusals=daicho_core::Field::Permit>
            <select id=id aria-describedby=format!("{id}-error")
                on:change=move |ev| chosen.set(event_target_value(&ev))>
                <option value="" prop:selected=move || chosen.get().is_empty()>{tr!("選んでください")}</option>
                {options}
            </select>
        </Field>
    }
}

fn chosen_instruction(chosen: RwSignal<String>) -> Result<EventId, Refusals> {
    chosen
        .get_untracked()
        .parse()
        .map_err(|_| missing(&tr!("指示・要請"), daicho_core::Field::Permit, None))
}

#[component]
pub fn ReportForm(
    instructions: Signal<Vec<Instruction>>,
    target: RwSignal<String>,
) -> impl IntoView {
    let (store, session) = (use_store(), expect_context::<Session>());
    let on = RwSignal::new(today().to_string());
    let report = RwSignal::new(String::new());
    let read = move |reported_by| -> Result<FollowUpReported, Refusals> {
        Ok(FollowUpReported {
            instruction: chosen_instruction(target)?,
            report: trimmed(report),
            reported_by,
            on: day_in(
                &on.get_untracked(),
                &tr!("報告した日"),
                daicho_core::Field::Time,
            )?,
        })
    };
    let record_report = local_action(move |_: &()| {
        let operator = session.operator_id();
        let act = read(operator.clone()).map(EventKind::FollowUpReported);
        let store = store.clone();
        async move {
            let done = tr!("報告を記録しました。");
            let outcome = record(store, operator, act, &done).await;
            if outcome.is_done() {
                report.set(String::new());
            }
            outcome
        }
    });
    view! {
        <RecordForm class="card wide report-form" action=record_report>
            <h2>{tr!("措置の報告を記録")}</h2>
            <p class="hint">{tr!("指示・要請を受けた部課・委員会からの報告を、職員が記録します。")}</p>
            <InstructionSelect id="report-instruction" instructions
                offered=|s| s != InstructionStatus::Closed chosen=target/>
            <Field id="report-on" label=tr!("報告した日") refusals=daicho_core::Field::Time>
                <input id="report-on" type="date" aria-describedby="report-on-error" bind:value=on/>
            </Field>
            <Field id="report-text" label=tr!("報告の内容") refusals=daicho_core::Field::Purpose>
                <textarea id="report-text" rows="3" aria-describedby="report-text-error"
                    prop:value=move || report.get()
                    on:input=move |ev| report.set(event_target_value(&ev))></textarea>
            </Field>
            <button type="submit" id="record-report" class="button primary">{tr!("報告を記録")}</button>
        </RecordForm>
    }
}

#[component]
pub fn CloseForm(
    instructions: Signal<Vec<Instruction>>,
    target: RwSignal<String>,
) -> impl IntoView {
    let (store, session) = (use_store(), expect_context::<Session>());
    let on = RwSignal::new(today().to_string());
    let note = RwSignal::new(String::new());
    let read = move |closed_by| -> Result<InstructionClosed, Refusals> {
        Ok(InstructionClosed {
            instruction: chosen_instruction(target)?,
            note: trimmed(note),
            closed_by,
            on: day_in(
                &on.get_untracked(),
                &tr!("完了とした日"),
                daicho_core::Field::Time,
            )?,
        })
    };
    let close = local_action(move |_: &()| {
        let operator = session.operator_id();
        let act = read(operator.clone()).map(EventKind::InstructionClosed);
        let store = store.clone();
        async move {
            let done = tr!("指示・要請を完了としました。");
            let outcome = record(store, operator, act, &done).await;
            if outcome.is_done() {
                note.set(String::new());
                target.set(String::new());
            }
            outcome
        }
    });
    view! {
        <RecordForm class="card wide close-form" action=close>
            <h2>{tr!("完了とする")}</h2>
            <p class="hint">{tr!("報告を確認した指示・要請を、セキュリティ総括責任者が完了とします（第7条）。")}</p>
            <InstructionSelect id="close-instruction" instructions
                offered=|s| s == InstructionStatus::Reported chosen=target/>
            <Field id="close-on" label=tr!("完了とした日") refusals=daicho_core::Field::Time>
                <input id="close-on" type="date" aria-describedby="close-on-error" bind:value=on/>
            </Field>
            <Field id="close-note" label=tr!("確認の結果（所見）")>
                <textarea id="close-note" rows="2" prop:value=move || note.get()
                    on:input=move |ev| note.set(event_target_value(&ev))></textarea>
            </Field>
            <button type="submit" id="record-close" class="button primary">{tr!("完了として記録")}</button>
        </RecordForm>
    }
}
