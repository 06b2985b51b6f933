//! One meeting in full, and the review board's opinion recorded when it arrives (第6条第4項).

use super::record_href;
use crate::auth::session::Session;
use crate::components::form_message::{FormMessage, Outcome};
use crate::components::ja_day::{ja_day, parse_day, today, JaDay};
use crate::directory::Directory;
use chrono::Utc;
use daicho_core::meetings::OpinionReceived;
use daicho_core::office::Meeting;
use daicho_core::{EventId, EventKind};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;

#[component]
pub fn MeetingDetail(
    meetings: RwSignal<Vec<Meeting>>,
    selected: RwSignal<Option<EventId>>,
    on_recorded: Callback<()>,
) -> impl IntoView {
    let _store = crate::state::use_store_value();
    // Outlives the form, which is rebuilt when the record it added reloads the meeting.
    let message: Outcome = RwSignal::new(None);
    Effect::new(move |_| {
        selected.track();
        message.set(None);
    });
    let chosen = move || {
        let id = selected.get()?;
        meetings.with(|ms| ms.iter().find(|m| m.id == id).cloned())
    };
    move || {
        chosen().map(|meeting| {
            let (id, title) = (meeting.id.to_string(), format!("{}の会議", ja_day(meeting.held.date)));
            view! {
                <section id="meeting-detail" class="card wide meeting-detail" data-meeting=id>
                    <h2>{title}</h2>
                    <Held meeting=meeting.clone()/>
                    <Consultations meeting=meeting.clone()/>
                    <OpinionForm meeting message on_recorded/>
                    <button type="button" class="button" on:click=move |_| selected.set(None)>"閉じる"</button>
                </section>
            }
        })
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
        .join("、");
    let explainers = held
        .explainers
        .iter()
        .map(|e| view! { <li>{directory.name_of(&e.person_id)} "：" {e.topic.clone()}</li> })
        .collect_view();
    let agenda = held
        .agenda
        .iter()
        .map(|a| {
            view! {
                <li class="agenda-item" data-category=format!("{:?}", a.category)>
                    <p><span class="category">{a.category.name_ja()}</span> " " <strong>{a.title.clone()}</strong></p>
                    <p class="discussion">"審議の内容：" {a.discussion.clone()}</p>
                    <p class="decision">"結果：" {a.decision.clone()}</p>
                </li>
            }
        })
        .collect_view();
    view! {
        <dl class="meeting-facts">
            <dt>"開催日"</dt><dd><JaDay day=held.date/></dd>
            <dt>"開催場所"</dt><dd>{held.place.clone()}</dd>
            <dt>"議長"</dt><dd class="chair">{directory.name_of(&held.chair)}</dd>
            <dt>"出席者"</dt><dd class="members">{if members.is_empty() { "（記録なし）".to_string() } else { members }}</dd>
            <dt>"説明のため出席した職員"</dt>
            <dd>{if held.explainers.is_empty() {
                view! { <span>"（なし）"</span> }.into_any()
            } else {
                view! { <ul class="explainers">{explainers}</ul> }.into_any()
            }}</dd>
            <dt>"記録"</dt><dd><a class="record-link" href=record_href(&meeting.id)>"この記録の履歴・訂正"</a></dd>
        </dl>
        <h3>"審議事項"</h3>
        <ol class="agenda-items">{agenda}</ol>
    }
}

#[component]
fn Consultations(meeting: Meeting) -> impl IntoView {
    let rows = meeting
        .consultation_status()
        .into_iter()
        .map(|s| {
            let (subject, data_subject) = (
                s.consultation.subject.clone(),
                s.consultation.subject.clone(),
            );
            let opinion = match s.opinion {
                Some((on, text)) => view! {
                    <span class="opinion">{ja_day(on)} "受領：" {text.to_string()}</span>
                }
                .into_any(),
                None => view! { <span class="pending">"未着"</span> }.into_any(),
            };
            view! {
                <tr data-subject=data_subject>
                    <td><JaDay day=s.consultation.asked_on/></td>
                    <td>{subject}</td>
                    <td>{opinion}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <h3>"審査会への意見聴取"</h3>
        {if meeting.held.consultations.is_empty() {
            view! { <p class="empty">"この会議では審査会に意見を求めていません。"</p> }.into_any()
        } else {
            view! {
                <table class="register consultations">
                    <thead><tr><th>"意見を求めた日"</th><th>"事項"</th><th>"意見"</th></tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            }.into_any()
        }}
    }
}

#[component]
fn OpinionForm(meeting: Meeting, message: Outcome, on_recorded: Callback<()>) -> impl IntoView {
    let store = crate::state::use_store_value();
    let session = expect_context::<Session>();
    let pending: Vec<String> = meeting
        .consultation_status()
        .into_iter()
        .filter(|s| s.opinion.is_none())
        .map(|s| s.consultation.subject.clone())
        .collect();
    let subject = RwSignal::new(pending.first().cloned().unwrap_or_default());
    let received_on = RwSignal::new(today().to_string());
    let opinion = RwSignal::new(String::new());
    let meeting_id = meeting.id.clone();
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let Some(on) = parse_day(&received_on.get_untracked()) else {
            return message.set(Some((
                false,
                "意見を受け取った日を入力してください。".into(),
            )));
        };
        let text = opinion.get_untracked().trim().to_string();
        if text.is_empty() {
            return message.set(Some((false, "審査会の意見を入力してください。".into())));
        }
        let received = OpinionReceived {
            meeting: meeting_id.clone(),
            subject: subject.get_untracked(),
            received_on: on,
            opinion: text,
        };
        let (store, operator) = (store.get_value(), session.operator_id());
        message.set(None);
        spawn_local(async move {
            let kind = EventKind::OpinionReceived(received);
            match store.record(kind, &operator, Utc::now()).await {
                Ok(_) => {
                    message.set(Some((true, "審査会の意見を記録しました。".into())));
                    opinion.set(String::new());
                    on_recorded.run(());
                }
                Err(e) => message.set(Some((false, e.to_string()))),
            }
        });
    };
    if pending.is_empty() {
        return view! { <FormMessage outcome=message/> }.into_any();
    }
    let options = pending
        .into_iter()
        .map(|s| {
            let value = s.clone();
            view! { <option value=value>{s}</option> }
        })
        .collect_view();
    view! {
        <form class="opinion-form" on:submit=submit novalidate>
            <h3>"審査会の意見を記録"</h3>
            <div class="field">
                <label for="opinion-subject">"意見を求めた事項"</label>
                <select id="opinion-subject" on:change=move |ev| subject.set(event_target_value(&ev))>
                    {options}
                </select>
            </div>
            <div class="field">
                <label for="opinion-received-on">"受け取った日"</label>
                <input id="opinion-received-on" type="date" bind:value=received_on/>
            </div>
            <div class="field">
                <label for="opinion-text">"意見"</label>
                <textarea id="opinion-text" rows="3" prop:value=move || opinion.get()
                    on:input=move |ev| opinion.set(event_target_value(&ev))></textarea>
            </div>
            <button type="submit" id="record-opinion" class="button primary">"意見を記録"</button>
            <FormMessage outcome=message/>
        </form>
    }
    .into_any()
}
