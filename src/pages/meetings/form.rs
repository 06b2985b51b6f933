//! Recording a meeting held (第6条): date, place, chair, members present, staff called to
//! explain, the agenda by category, and the review board consulted. The store refuses anyone
//! but the general manager, naming the article.

use crate::auth::session::Session;
use crate::components::form_message::{FormMessage, Outcome};
use crate::components::ja_day::{parse_day, today};
use crate::components::staff_choice::{StaffChecklist, StaffSelect};
use chrono::Utc;
use daicho_core::meetings::{AgendaCategory, AgendaItem, Consultation, Explainer, MeetingHeld};
use daicho_core::EventKind;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// The categories of 第6条第3項, with the value their `<option>` carries.
const CATEGORIES: [(AgendaCategory, &str, &str); 3] = [
    (AgendaCategory::Measures, "measures", "(1) "),
    (AgendaCategory::Compliance, "compliance", "(2) "),
    (AgendaCategory::Other, "other", "(3) "),
];

fn category_of(value: &str) -> AgendaCategory {
    CATEGORIES
        .iter()
        .find(|(_, v, _)| *v == value)
        .map_or(AgendaCategory::Other, |(c, _, _)| *c)
}

/// One row added to the form; `key` names its inputs (`agenda-title-2`).
#[derive(Clone, Copy)]
struct ExplainerRow {
    key: usize,
    person: RwSignal<String>,
    topic: RwSignal<String>,
}

#[derive(Clone, Copy)]
struct AgendaRow {
    key: usize,
    category: RwSignal<String>,
    title: RwSignal<String>,
    discussion: RwSignal<String>,
    decision: RwSignal<String>,
}

#[derive(Clone, Copy)]
struct ConsultationRow {
    key: usize,
    asked_on: RwSignal<String>,
    subject: RwSignal<String>,
}

fn blank(s: RwSignal<String>) -> bool {
    s.with_untracked(|s| s.trim().is_empty())
}

fn text(s: RwSignal<String>) -> String {
    s.get_untracked().trim().to_string()
}

/// Explainers from the rows (blank rows left out), or what is missing.
fn explainers(rows: &[ExplainerRow]) -> Result<Vec<Explainer>, String> {
    rows.iter()
        .filter(|r| !(blank(r.person) && blank(r.topic)))
        .map(|r| match (blank(r.person), blank(r.topic)) {
            (true, _) => Err("説明のため出席した職員を選んでください（第6条第5項）。".into()),
            (_, true) => Err("説明を求めた事項を入力してください（第6条第5項）。".into()),
            _ => Ok(Explainer {
                person_id: text(r.person),
                topic: text(r.topic),
            }),
        })
        .collect()
}

/// Agenda items from the rows (blank rows left out); the store checks each has a title and a
/// decision.
fn agenda(rows: &[AgendaRow]) -> Vec<AgendaItem> {
    rows.iter()
        .filter(|r| ![r.title, r.discussion, r.decision].into_iter().all(blank))
        .map(|r| AgendaItem {
            category: category_of(&r.category.get_untracked()),
            title: text(r.title),
            discussion: text(r.discussion),
            decision: text(r.decision),
        })
        .collect()
}

fn consultations(rows: &[ConsultationRow]) -> Result<Vec<Consultation>, String> {
    rows.iter()
        .filter(|r| !(blank(r.asked_on) && blank(r.subject)))
        .map(|r| {
            let asked_on = parse_day(&r.asked_on.get_untracked())
                .ok_or("審査会に意見を求めた日を入力してください（第6条第4項）。")?;
            if blank(r.subject) {
                return Err("審査会に意見を求めた事項を入力してください（第6条第4項）。".into());
            }
            Ok(Consultation {
                asked_on,
                subject: text(r.subject),
                opinion_on: None,
                opinion: None,
            })
        })
        .collect()
}

/// Rows of one kind: the list, and a counter that gives each new row its own key.
#[derive(Clone, Copy)]
struct Rows<T: Send + Sync + 'static> {
    list: RwSignal<Vec<T>>,
    next: RwSignal<usize>,
}

impl<T: Clone + Send + Sync + 'static> Rows<T> {
    fn new() -> Self {
        Rows {
            list: RwSignal::new(Vec::new()),
            next: RwSignal::new(1),
        }
    }

    fn add(&self, make: impl FnOnce(usize) -> T) {
        let key = self.next.get_untracked();
        self.next.set(key + 1);
        self.list.update(|l| l.push(make(key)));
    }

    fn remove(&self, keep: impl Fn(&T) -> bool) {
        self.list.update(|l| l.retain(keep));
    }
}

fn new_agenda(key: usize) -> AgendaRow {
    AgendaRow {
        key,
        category: RwSignal::new("measures".into()),
        title: RwSignal::new(String::new()),
        discussion: RwSignal::new(String::new()),
        decision: RwSignal::new(String::new()),
    }
}

fn new_explainer(key: usize) -> ExplainerRow {
    ExplainerRow {
        key,
        person: RwSignal::new(String::new()),
        topic: RwSignal::new(String::new()),
    }
}

fn new_consultation(key: usize) -> ConsultationRow {
    ConsultationRow {
        key,
        asked_on: RwSignal::new(String::new()),
        subject: RwSignal::new(String::new()),
    }
}

#[component]
pub fn MeetingForm(
    /// Who holds the general manager's role today: the chair unless another is chosen.
    general_manager: Signal<Option<String>>,
    on_recorded: Callback<()>,
) -> impl IntoView {
    let store = crate::state::use_store_value();
    let session = expect_context::<Session>();
    let date = RwSignal::new(today().to_string());
    let place = RwSignal::new(String::new());
    let chair = RwSignal::new(String::new());
    let members = RwSignal::new(Vec::<String>::new());
    let explainer_rows = Rows::<ExplainerRow>::new();
    let agenda_rows = Rows::<AgendaRow>::new();
    let consultation_rows = Rows::<ConsultationRow>::new();
    let message: Outcome = RwSignal::new(None);
    agenda_rows.add(new_agenda);
    Effect::new(move |_| {
        if let Some(gm) = general_manager.get() {
            if chair.get_untracked().is_empty() {
                chair.set(gm);
            }
        }
    });
    let reset = move || {
        place.set(String::new());
        members.set(Vec::new());
        explainer_rows.list.set(Vec::new());
        agenda_rows.list.set(Vec::new());
        agenda_rows.add(new_agenda);
        consultation_rows.list.set(Vec::new());
    };
    let read = move || -> Result<MeetingHeld, String> {
        let day = parse_day(&date.get_untracked()).ok_or("開催日を入力してください。")?;
        Ok(MeetingHeld {
            date: day,
            place: text(place),
            chair: chair.get_untracked(),
            members: members.get_untracked(),
            explainers: explainers(&explainer_rows.list.get_untracked())?,
            agenda: agenda(&agenda_rows.list.get_untracked()),
            consultations: consultations(&consultation_rows.list.get_untracked())?,
        })
    };
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let held = match read() {
            Ok(held) => held,
            Err(e) => return message.set(Some((false, e))),
        };
        let (store, operator) = (store.get_value(), session.operator_id());
        message.set(None);
        spawn_local(async move {
            match store
                .record(EventKind::MeetingHeld(held), &operator, Utc::now())
                .await
            {
                Ok(_) => {
                    message.set(Some((true, "会議を記録しました。".into())));
                    reset();
                    on_recorded.run(());
                }
                Err(e) => message.set(Some((false, e.to_string()))),
            }
        });
    };
    view! {
        <form class="card wide meeting-form" on:submit=submit novalidate>
            <h2>"開催した会議を記録"</h2>
            <p class="hint">"会議を招集し議長となるのはセキュリティ総括責任者です（第6条第1項）。記録もセキュリティ総括責任者が行います。"</p>
            <div class="field">
                <label for="meeting-date">"開催日"</label>
                <input id="meeting-date" type="date" bind:value=date/>
            </div>
            <div class="field">
                <label for="meeting-place">"開催場所"</label>
                <input id="meeting-place" autocomplete="off" bind:value=place/>
            </div>
            <StaffSelect id="meeting-chair" label="議長（セキュリティ総括責任者）" value=chair/>
            <StaffChecklist id="meeting-members" legend="出席者（第6条第2項）" chosen=members/>
            <ExplainerRows rows=explainer_rows/>
            <AgendaRows rows=agenda_rows/>
            <ConsultationRows rows=consultation_rows/>
            <button type="submit" id="record-meeting" class="button primary">"会議を記録"</button>
            <FormMessage outcome=message/>
        </form>
    }
}

#[component]
fn ExplainerRows(rows: Rows<ExplainerRow>) -> impl IntoView {
    view! {
        <fieldset class="rows explainers">
            <legend>"説明のため出席を求めた職員（第6条第5項）"</legend>
            <For each=move || rows.list.get() key=|r| r.key children=move |r| {
                let remove = move |_| rows.remove(|x: &ExplainerRow| x.key != r.key);
                view! {
                    <div class="row explainer-row">
                        <StaffSelect id=format!("explainer-person-{}", r.key) label="職員"
                            value=r.person class="explainer-person"/>
                        <div class="field">
                            <label for=format!("explainer-topic-{}", r.key)>"説明を求めた事項"</label>
                            <input id=format!("explainer-topic-{}", r.key) class="explainer-topic"
                                autocomplete="off" bind:value=r.topic/>
                        </div>
                        <button type="button" class="button remove-row" on:click=remove>"この行を削除"</button>
                    </div>
                }
            }/>
            <button type="button" id="add-explainer" class="button"
                on:click=move |_| rows.add(new_explainer)>"説明者を追加"</button>
        </fieldset>
    }
}

#[component]
fn AgendaRows(rows: Rows<AgendaRow>) -> impl IntoView {
    view! {
        <fieldset class="rows agenda">
            <legend>"審議事項（第6条第3項）"</legend>
            <For each=move || rows.list.get() key=|r| r.key children=move |r| {
                let remove = move |_| rows.remove(|x: &AgendaRow| x.key != r.key);
                let id = |what: &str| format!("agenda-{what}-{}", r.key);
                view! {
                    <div class="row agenda-row">
                        <div class="field">
                            <label for=id("category")>"区分"</label>
                            <select id=id("category") class="agenda-category"
                                on:change=move |ev| r.category.set(event_target_value(&ev))>
                                {CATEGORIES.map(|(c, value, number)| view! {
                                    <option value=value prop:selected=move || r.category.get() == value>
                                        {format!("{number}{}", c.name_ja())}
                                    </option>
                                })}
                            </select>
                        </div>
                        <div class="field">
                            <label for=id("title")>"件名"</label>
                            <input id=id("title") class="agenda-title" autocomplete="off" bind:value=r.title/>
                        </div>
                        <div class="field">
                            <label for=id("discussion")>"審議の内容"</label>
                            <textarea id=id("discussion") class="agenda-discussion" rows="2"
                                prop:value=move || r.discussion.get()
                                on:input=move |ev| r.discussion.set(event_target_value(&ev))></textarea>
                        </div>
                        <div class="field">
                            <label for=id("decision")>"結果（決定事項）"</label>
                            <textarea id=id("decision") class="agenda-decision" rows="2"
                                prop:value=move || r.decision.get()
                                on:input=move |ev| r.decision.set(event_target_value(&ev))></textarea>
                        </div>
                        <button type="button" class="button remove-row" on:click=remove>"この行を削除"</button>
                    </div>
                }
            }/>
            <button type="button" id="add-agenda" class="button"
                on:click=move |_| rows.add(new_agenda)>"審議事項を追加"</button>
        </fieldset>
    }
}

#[component]
fn ConsultationRows(rows: Rows<ConsultationRow>) -> impl IntoView {
    view! {
        <fieldset class="rows consultations">
            <legend>"審査会への意見聴取（第6条第4項）"</legend>
            <p class="hint">"湧別町情報公開・個人情報保護・行政不服審査会に意見を求めた事項。意見は受け取った後、会議の詳細から記録します。"</p>
            <For each=move || rows.list.get() key=|r| r.key children=move |r| {
                let remove = move |_| rows.remove(|x: &ConsultationRow| x.key != r.key);
                let id = |what: &str| format!("consultation-{what}-{}", r.key);
                view! {
                    <div class="row consultation-row">
                        <div class="field">
                            <label for=id("asked")>"意見を求めた日"</label>
                            <input id=id("asked") class="consultation-asked" type="date" bind:value=r.asked_on/>
                        </div>
                        <div class="field">
                            <label for=id("subject")>"意見を求めた事項"</label>
                            <input id=id("subject") class="consultation-subject" autocomplete="off" bind:value=r.subject/>
                        </div>
                        <button type="button" class="button remove-row" on:click=remove>"この行を削除"</button>
                    </div>
                }
            }/>
            <button type="button" id="add-consultation" class="button"
                on:click=move |_| rows.add(new_consultation)>"意見聴取を追加"</button>
        </fieldset>
    }
}
