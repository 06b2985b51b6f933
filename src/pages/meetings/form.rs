//! Recording a meeting held (第6条): date, place, chair, members present, staff called to
//! explain, the agenda by category, and the review board consulted. The store refuses anyone
//! but the general manager, naming the article.

use crate::auth::session::Session;
use crate::components::ja_day::{day_in, missing, parse_day, today};
use crate::components::keyed::Keyed;
use crate::components::record_form::{Field, FieldRefusal, Outcome, RecordForm};
use crate::components::staff_choice::{StaffChecklist, StaffSelect};
use crate::state::{local_action, use_store};
use chrono::Utc;
use daicho_core::meetings::{AgendaCategory, AgendaItem, Consultation, Explainer, MeetingHeld};
use daicho_core::{tr, Article, EventKind, Refusals};
use leptos::prelude::*;

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

/// Explainers from the rows (blank rows left out), or what is missing, shown at their
/// fieldset: daicho-core has no field for them, and staff who accompany (`Escort`) is the
/// nearest.
fn explainers(rows: &[ExplainerRow]) -> Result<Vec<Explainer>, Refusals> {
    let refuse = |what: &str| {
        missing(
            what,
            daicho_core::Field::Escort,
            Some(Article::paragraph(6, 5)),
        )
    };
    rows.iter()
        .filter(|r| !(blank(r.person) && blank(r.topic)))
        .map(|r| match (blank(r.person), blank(r.topic)) {
            (true, _) => Err(refuse(&tr!("説明のため出席した職員"))),
            (_, true) => Err(refuse(&tr!("説明を求めた事項"))),
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

/// Consultations from the rows (blank rows left out), or what is missing (shown at the
/// fieldset, where daicho-core places its own refusal of their dates).
fn consultations(rows: &[ConsultationRow]) -> Result<Vec<Consultation>, Refusals> {
    let refuse = |what: &str| {
        missing(
            what,
            daicho_core::Field::Period,
            Some(Article::paragraph(6, 4)),
        )
    };
    rows.iter()
        .filter(|r| !(blank(r.asked_on) && blank(r.subject)))
        .map(|r| {
            let asked_on = parse_day(&r.asked_on.get_untracked())
                .ok_or_else(|| refuse(&tr!("審査会に意見を求めた日")))?;
            if blank(r.subject) {
                return Err(refuse(&tr!("審査会に意見を求めた事項")));
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

/// What the form is filled with.
#[derive(Clone, Copy)]
struct Draft {
    date: RwSignal<String>,
    place: RwSignal<String>,
    chair: RwSignal<String>,
    members: RwSignal<Vec<String>>,
    explainers: Rows<ExplainerRow>,
    agenda: Rows<AgendaRow>,
    consultations: Rows<ConsultationRow>,
}

impl Draft {
    fn new() -> Self {
        let draft = Draft {
            date: RwSignal::new(today().to_string()),
            place: RwSignal::new(String::new()),
            chair: RwSignal::new(String::new()),
            members: RwSignal::new(Vec::new()),
            explainers: Rows::new(),
            agenda: Rows::new(),
            consultations: Rows::new(),
        };
        draft.agenda.add(new_agenda);
        draft
    }

    /// The meeting as filled in, or the form's own refusal; the store checks the rest.
    fn held(&self) -> Result<MeetingHeld, Refusals> {
        Ok(MeetingHeld {
            date: day_in(
                &self.date.get_untracked(),
                &tr!("開催日"),
                daicho_core::Field::Time,
            )?,
            place: text(self.place),
            chair: self.chair.get_untracked(),
            members: self.members.get_untracked(),
            explainers: explainers(&self.explainers.list.get_untracked())?,
            agenda: agenda(&self.agenda.list.get_untracked()),
            consultations: consultations(&self.consultations.list.get_untracked())?,
        })
    }

    /// Ready for the next meeting: the date and the chair stay.
    fn clear(&self) {
        self.place.set(String::new());
        self.members.set(Vec::new());
        self.explainers.list.set(Vec::new());
        self.agenda.list.set(Vec::new());
        self.agenda.add(new_agenda);
        self.consultations.list.set(Vec::new());
    }
}

#[component]
pub fn MeetingForm(
    /// Who holds the general manager's role today: the chair unless another is chosen.
    general_manager: Signal<Option<String>>,
) -> impl IntoView {
    let (store, session) = (use_store(), expect_context::<Session>());
    let draft = Draft::new();
    Effect::new(move |_| {
        if let Some(gm) = general_manager.get() {
            if draft.chair.get_untracked().is_empty() {
                draft.chair.set(gm);
            }
        }
    });
    let record = local_action(move |_: &()| {
        let (store, operator, held) = (store.clone(), session.operator_id(), draft.held());
        async move {
            let held = match held {
                Ok(held) => held,
                Err(refusals) => return Outcome::Refused(refusals),
            };
            let kind = EventKind::MeetingHeld(held);
            let done = tr!("会議を記録しました。");
            let outcome = Outcome::of(store.record(kind, &operator, Utc::now()).await, done);
            if outcome.is_done() {
                draft.clear();
            }
            outcome
        }
    });
    view! {
        <RecordForm class="card wide meeting-form" action=record>
            <h2>{tr!("開催した会議を記録")}</h2>
            <p class="hint">{tr!("会議を招集し議長となるのはセキュリティ総括責任者です（第6条第1項）。記録もセキュリティ総括責任者が行います。")}</p>
            <Field id="meeting-date" label=tr!("開催日") refusals=daicho_core::Field::Time>
                <input id="meeting-date" type="date" aria-describedby="meeting-date-error" bind:value=draft.date/>
            </Field>
            <Field id="meeting-place" label=tr!("開催場所") refusals=daicho_core::Field::Room>
                <input id="meeting-place" autocomplete="off" aria-describedby="meeting-place-error" bind:value=draft.place/>
            </Field>
            <StaffSelect id="meeting-chair" label=tr!("議長（セキュリティ総括責任者）") value=draft.chair/>
            <FieldRefusal field=daicho_core::Field::GrantedBy id="meeting-chair-error"/>
            <StaffChecklist id="meeting-members" legend=tr!("出席者（第6条第2項）") chosen=draft.members/>
            <ExplainerRows rows=draft.explainers/>
            <AgendaRows rows=draft.agenda/>
            <ConsultationRows rows=draft.consultations/>
            <button type="submit" id="record-meeting" class="button primary">{tr!("会議を記録")}</button>
        </RecordForm>
    }
}

#[component]
fn ExplainerRows(rows: Rows<ExplainerRow>) -> impl IntoView {
    view! {
        <fieldset class="rows explainers">
            <legend>{tr!("説明のため出席を求めた職員（第6条第5項）")}</legend>
            <Keyed each=move || rows.list.get() key=|r| r.key children=move |r| {
                let remove = move |_| rows.remove(|x: &ExplainerRow| x.key != r.key);
                view! {
                    <div class="row explainer-row">
                        <StaffSelect id=format!("explainer-person-{}", r.key) label=tr!("職員")
                            value=r.person class="explainer-person"/>
                        <Field id=format!("explainer-topic-{}", r.key) label=tr!("説明を求めた事項")>
                            <input id=format!("explainer-topic-{}", r.key) class="explainer-topic"
                                autocomplete="off" bind:value=r.topic/>
                        </Field>
                        <button type="button" class="button remove-row" on:click=remove>{tr!("この行を削除")}</button>
                    </div>
                }
            }/>
            <button type="button" id="add-explainer" class="button"
                on:click=move |_| rows.add(new_explainer)>{tr!("説明者を追加")}</button>
            <FieldRefusal field=daicho_core::Field::Escort id="explainers-error"/>
        </fieldset>
    }
}

#[component]
fn AgendaRows(rows: Rows<AgendaRow>) -> impl IntoView {
    view! {
        <fieldset class="rows agenda">
            <legend>{tr!("審議事項（第6条第3項）")}</legend>
            <Keyed each=move || rows.list.get() key=|r| r.key children=move |r| {
                let remove = move |_| rows.remove(|x: &AgendaRow| x.key != r.key);
                let id = move |what: &str| format!("agenda-{what}-{}", r.key);
                view! {
                    <div class="row agenda-row">
                        <Field id=id("category") label=tr!("区分")>
                            <select id=id("category") class="agenda-category"
                                on:change=move |ev| r.category.set(event_target_value(&ev))>
                                {CATEGORIES.map(|(c, value, number)| view! {
                                    <option value=value prop:selected=move || r.category.get() == value>
                                        {format!("{number}{}", c.name_text())}
                                    </option>
                                })}
                            </select>
                        </Field>
                        <Field id=id("title") label=tr!("件名")>
                            <input id=id("title") class="agenda-title" autocomplete="off" bind:value=r.title/>
                        </Field>
                        <Field id=id("discussion") label=tr!("審議の内容")>
                            <textarea id=id("discussion") class="agenda-discussion" rows="2"
                                prop:value=move || r.discussion.get()
                                on:input=move |ev| r.discussion.set(event_target_value(&ev))></textarea>
                        </Field>
                        <Field id=id("decision") label=tr!("結果（決定事項）")>
                            <textarea id=id("decision") class="agenda-decision" rows="2"
                                prop:value=move || r.decision.get()
                                on:input=move |ev| r.decision.set(event_target_value(&ev))></textarea>
                        </Field>
                        <button type="button" class="button remove-row" on:click=remove>{tr!("この行を削除")}</button>
                    </div>
                }
            }/>
            <button type="button" id="add-agenda" class="button"
                on:click=move |_| rows.add(new_agenda)>{tr!("審議事項を追加")}</button>
            <FieldRefusal field=daicho_core::Field::Purpose id="agenda-error"/>
        </fieldset>
    }
}

#[component]
fn ConsultationRows(rows: Rows<ConsultationRow>) -> impl IntoView {
    view! {
        <fieldset class="rows consultations">
            <legend>{tr!("審査会への意見聴取（第6条第4項）")}</legend>
            <p class="hint">{tr!("湧別町情報公開・個人情報保護・行政不服審査会に意見を求めた事項。意見は受け取った後、会議の詳細から記録します。")}</p>
            <Keyed each=move || rows.list.get() key=|r| r.key children=move |r| {
                let remove = move |_| rows.remove(|x: &ConsultationRow| x.key != r.key);
                let id = move |what: &str| format!("consultation-{what}-{}", r.key);
                view! {
                    <div class="row consultation-row">
                        <Field id=id("asked") label=tr!("意見を求めた日")>
                            <input id=id("asked") class="consultation-asked" type="date" bind:value=r.asked_on/>
                        </Field>
                        <Field id=id("subject") label=tr!("意見を求めた事項")>
                            <input id=id("subject") class="consultation-subject" autocomplete="off" bind:value=r.subject/>
                        </Field>
                        <button type="button" class="button remove-row" on:click=remove>{tr!("この行を削除")}</button>
                    </div>
                }
            }/>
            <button type="button" id="add-consultation" class="button"
                on:click=move |_| rows.add(new_consultation)>{tr!("意見聴取を追加")}</button>
            <FieldRefusal field=daicho_core::Field::Period id="consultations-error"/>
        </fieldset>
    }
}
