//! One meeting in full, and the review board's opinion recorded when it arrives (第6条第4項).

use crate::auth::session::Session;
use crate::components::ja_day::{day_in, ja_day, missing, today, JaDay};
use crate::components::record_form::{Field, Outcome, RecordForm};
use crate::components::record_link::RecordLink;
use crate::components::shown::Shown;
use crate::directory::Directory;
use crate::state::{local_action, use_store};
use chrono::Utc;
use daicho_core::meetings::OpinionReceived;
use daicho_core::office::Meeting;
use daicho_core::{tr, EventId, EventKind, Refusals};
use leptos::prelude::*;

#[component]
pub fn MeetingDetail(
    meetings: Signal<Vec<Meeting>>,
    selected: RwSignal<Option<EventId>>,
) -> impl IntoView {
    // Drawn anew only when another meeting is chosen: a refresh redraws what the meeting
    // shows, and the opinion form keeps how its submit went.
    let chosen = Memo::new(move |_| selected.get());
    move || {
        chosen
            .get()
            .map(|id| view! { <MeetingCard id meetings selected/> })
    }
}

#[component]
fn MeetingCard(
    id: EventId,
    meetings: Signal<Vec<Meeting>>,
    selected: RwSignal<Option<EventId>>,
) -> impl IntoView {
    let (shown, meeting_id) = (id.to_string(), id.clone());
    let meeting =
        Memo::new(move |_| meetings.with(|ms| ms.iter().find(|m| m.id == meeting_id).cloned()));
    let facts = move || {
        meeting.get().map(|meeting| {
            view! {
                <h2>{tr!("%{day}の会議", day = ja_day(meeting.held.date))}</h2>
                <Held meeting=meeting.clone()/>
                <Consultations meeting/>
            }
        })
    };
    view! {
        <section id="meeting-detail" class="card wide meeting-detail" data-meeting=shown>
            {facts}
            <OpinionForm id meeting/>
            <button type="button" class="button" on:click=move |_| selected.set(None)>{tr!("閉じる")}</button>
        </section>
    }
}

#[component]
fn Held(meeting: Meeting) -> impl IntoView {
    let directory = expect_context::<Directory>();
    let held = meeting.held;
    let members = held
        .members
        .iter()
        .map(|p| directory.name_of(p))
        .collect::<Vec<_>>()
        .join(&tr!("、"));
    let explainers = held
        .explainers
        .iter()
        .map(|e| {
            let name = directory.name_of(&e.person_id);
            view! { <li>{tr!("%{name}：%{topic}", name = name, topic = e.topic)}</li> }
        })
        .collect_view();
    let agenda = held
        .agenda
        .iter()
        .map(|a| {
            view! {
                <li class="agenda-item" data-category=format!("{:?}", a.category)>
                    <p><span class="category">{a.category.name_text()}</span> " " <strong>{a.title.clone()}</strong></p>
                    <p class="discussion">{tr!("審議の内容：%{discussion}", discussion = a.discussion)}</p>
                    <p class="decision">{tr!("結果：%{decision}", decision = a.decision)}</p>
                </li>
            }
        })
        .collect_view();
    view! {
        <dl class="meeting-facts">
            <dt>{tr!("開催日")}</dt><dd><JaDay day=held.date/></dd>
            <dt>{tr!("開催場所")}</dt><dd>{held.place.clone()}</dd>
            <dt>{tr!("議長")}</dt><dd class="chair">{directory.name_of(&held.chair)}</dd>
            <dt>{tr!("出席者")}</dt><dd class="members">{if members.is_empty() { tr!("（記録なし）").into_owned() } else { members }}</dd>
            <dt>{tr!("説明のため出席した職員")}</dt>
            <dd>{if held.explainers.is_empty() {
                view! { <span>{tr!("（なし）")}</span> }.into_any()
            } else {
                view! { <ul class="explainers">{explainers}</ul> }.into_any()
            }}</dd>
            <dt>{tr!("記録")}</dt><dd><RecordLink id=meeting.id label=tr!("この記録の履歴・訂正")/></dd>
        </dl>
        <h3>{tr!("審議事項")}</h3>
        <ol class="agenda-items">{agenda}</ol>
    }
}

#[component]
fn Consultations(meeting: Meeting) -> impl IntoView {
    if meeting.held.consultations.is_empty() {
        return view! {
            <h3>{tr!("審査会への意見聴取")}</h3>
            <p class="empty">{tr!("この会議では審査会に意見を求めていません。")}</p>
        }
        .into_any();
    }
    let rows = meeting
        .consultation_status()
        .into_iter()
        .map(|s| {
            let opinion = match s.opinion {
                Some((on, text)) => view! {
                    <span class="opinion">{tr!("%{day}受領：%{opinion}", day = ja_day(on), opinion = text)}</span>
                }
                .into_any(),
                None => view! { <span class="pending">{tr!("未着")}</span> }.into_any(),
            };
            let subject = &s.consultation.subject;
            view! {
                <tr data-subject=subject.clone()>
                    <td><JaDay day=s.consultation.asked_on/></td>
                    <td>{subject.clone()}</td>
                    <td>{opinion}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <h3>{tr!("審査会への意見聴取")}</h3>
        <table class="register consultations">
            <thead><tr><th>{tr!("意見を求めた日")}</th><th>{tr!("事項")}</th><th>{tr!("意見")}</th></tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}

/// The subjects of the meeting still waiting for the board's opinion, in the order asked.
fn pending_subjects(meeting: &Meeting) -> Vec<String> {
    meeting
        .consultation_status()
        .into_iter()
        .filter(|s| s.opinion.is_none())
        .map(|s| s.consultation.subject.clone())
        .collect()
}

/// The opinion as filled in, or the form's own refusal.
fn opinion_received(
    meeting: EventId,
    subject: String,
    received_on: &str,
    opinion: &str,
) -> Result<OpinionReceived, Refusals> {
    let received_on = day_in(
        received_on,
        &tr!("意見を受け取った日"),
        daicho_core::Field::Period,
    )?;
    let opinion = opinion.trim().to_string();
    if opinion.is_empty() {
        return Err(missing(
            &tr!("審査会の意見"),
            daicho_core::Field::Purpose,
            None,
        ));
    }
    Ok(OpinionReceived {
        meeting,
        subject,
        received_on,
        opinion,
    })
}

#[component]
fn OpinionForm(id: EventId, meeting: Memo<Option<Meeting>>) -> impl IntoView {
    let (store, session) = (use_store(), expect_context::<Session>());
    let pending =
        Memo::new(move |_| meeting.with(|m| m.as_ref().map(pending_subjects).unwrap_or_default()));
    let picked = RwSignal::new(String::new());
    // The subject picked while it still waits, else the first that does.
    let subject = move || {
        let picked = picked.get();
        pending.with(|p| {
            p.iter()
                .find(|s| **s == picked)
                .or(p.first())
                .cloned()
                .unwrap_or_default()
        })
    };
    let received_on = RwSignal::new(today().to_string());
    let opinion = RwSignal::new(String::new());
    let record = local_action(move |_: &()| {
        let received = opinion_received(
            id.clone(),
            subject(),
            &received_on.get_untracked(),
            &opinion.get_untracked(),
        );
        let (store, operator) = (store.clone(), session.operator_id());
        async move {
            let received = match received {
                Ok(received) => received,
                Err(refusals) => return Outcome::Refused(refusals),
            };
            let kind = EventKind::OpinionReceived(received);
            let done = tr!("審査会の意見を記録しました。");
            let outcome = Outcome::of(store.record(kind, &operator, Utc::now()).await, done);
            if outcome.is_done() {
                opinion.set(String::new());
            }
            outcome
        }
    });
    let options = move || {
        pending.get().into_iter().map(|s| {
            let value = s.clone();
            view! { <option value=value.clone() prop:selected=move || subject() == value>{s}</option> }
        }).collect_view()
    };
    view! {
        <RecordForm class="opinion-form" action=record>
            // Once every opinion is in, only how the last submit went is left.
            <Shown when=move || !pending.with(Vec::is_empty)>
                <h3>{tr!("審査会の意見を記録")}</h3>
                <Field id="opinion-subject" label=tr!("意見を求めた事項") refusals=daicho_core::Field::Permit>
                    <select id="opinion-subject" aria-describedby="opinion-subject-error"
                        on:change=move |ev| picked.set(event_target_value(&ev))>
                        {options}
                    </select>
                </Field>
                <Field id="opinion-received-on" label=tr!("受け取った日") refusals=daicho_core::Field::Period>
                    <input id="opinion-received-on" type="date" aria-describedby="opinion-received-on-error"
                        bind:value=received_on/>
                </Field>
                <Field id="opinion-text" label=tr!("意見") refusals=daicho_core::Field::Purpose>
                    <textarea id="opinion-text" rows="3" aria-describedby="opinion-text-error"
                        prop:value=move || opinion.get()
                        on:input=move |ev| opinion.set(event_target_value(&ev))></textarea>
                </Field>
                <button type="submit" id="record-opinion" class="button primary">{tr!("意見を記録")}</button>
            </Shown>
        </RecordForm>
    }
}
