//! 操作者ID管理簿・照合ID管理簿（第10条・第11条）: the kinds of 操作者ID and who holds each,
//! the 照合ID of each operator, and the life of every ID — issue, change, suspension,
//! reinstatement, deletion, 照合情報 registered or deleted — each with its approver and date.
//! Only the アクセス管理責任者 records these; the store refuses anyone else, naming the article.

mod operator_kinds;

use crate::auth::session::Session;
use crate::components::choices::PersonSelect;
use crate::components::ja_day::{day_in, ja_day, missing, parse_day, today, JaDay};
use crate::components::log_table::LogTable;
use crate::components::record_form::{Field, FieldRefusal, Outcome, RecordForm};
use crate::components::record_link::RecordLink;
use crate::components::register_output::RegisterOutput;
use crate::components::shown::Shown;
use crate::directory::Directory;
use crate::state::{follow_store, local_action, use_store};
use chrono::{NaiveDate, Utc};
use daicho_core::id_ledger::{
    CollationInfoRecorded, IdLedgerRecorded, IdRecord, IdState, Ledger, LedgerAction,
    OperatorIdKindDefined,
};
use daicho_core::organisation::{Organisation, Role};
use daicho_core::sort::sort_by;
use daicho_core::{tr, Event, EventId, EventKind, EventTag, Refusals, Versioned};
use leptos::prelude::*;
use std::borrow::Cow;

/// One line of an ID's life, as the paper ledger writes it.
#[derive(Clone, PartialEq)]
struct HistoryLine {
    event: EventId,
    ledger: Ledger,
    id: String,
    what: String,
    on: NaiveDate,
    approved_by: String,
}

impl HistoryLine {
    fn from_event(event: &Event) -> Option<HistoryLine> {
        let (ledger, id, what, on, approved_by) = match &event.kind {
            EventKind::IdLedgerRecorded(l) => (
                l.ledger,
                &l.id,
                action_text(&l.action),
                l.on,
                &l.approved_by,
            ),
            EventKind::CollationInfoRecorded(c) => {
                let what = if c.registered {
                    tr!("照合情報登録")
                } else {
                    tr!("照合情報削除")
                };
                let id = &c.collation_id;
                (Ledger::Collation, id, what.into(), c.on, &c.approved_by)
            }
            _ => return None,
        };
        Some(HistoryLine {
            event: event.id(),
            ledger,
            id: id.clone(),
            what,
            on,
            approved_by: approved_by.clone(),
        })
    }
}

fn action_text(action: &LedgerAction) -> String {
    match action {
        LedgerAction::Issued => tr!("発行").into(),
        LedgerAction::Changed { note } => tr!("変更（%{note}）", note = note).into(),
        LedgerAction::Suspended { reason } => tr!("停止（%{reason}）", reason = reason).into(),
        LedgerAction::Reinstated => tr!("再開").into(),
        LedgerAction::Deleted { reason } => tr!("削除（%{reason}）", reason = reason).into(),
    }
}

fn state_text(state: IdState) -> Cow<'static, str> {
    match state {
        IdState::Active => tr!("有効"),
        IdState::Suspended => tr!("停止中"),
        IdState::Deleted => tr!("削除済み"),
    }
}

fn state_key(state: IdState) -> &'static str {
    match state {
        IdState::Active => "active",
        IdState::Suspended => "suspended",
        IdState::Deleted => "deleted",
    }
}

/// The ledgers as read.
#[derive(Clone, Default, PartialEq)]
struct LedgersView {
    /// Each kind of 操作者ID as last defined, with the version that defined it.
    kinds: Vec<Versioned<OperatorIdKindDefined>>,
    ids: Vec<IdRecord>,
    history: Vec<HistoryLine>,
    organisation: Organisation,
}

impl LedgersView {
    /// The ledgers in the registers, each ID's life from its ledger lines.
    fn read(registers: &daicho_core::Registers, lines: &[Event]) -> Self {
        let office = registers.office();
        LedgersView {
            kinds: office.operator_id_kinds.values().cloned().collect(),
            ids: office.ids.values().cloned().collect(),
            history: lines.iter().filter_map(HistoryLine::from_event).collect(),
            organisation: registers.organisation().clone(),
        }
    }

    fn kind_name(&self, id: &str) -> String {
        self.kinds
            .iter()
            .find(|k| k.id == id)
            .map_or_else(|| id.to_string(), |k| k.name.clone())
    }

    fn record(&self, ledger: Ledger, id: &str) -> Option<IdRecord> {
        self.ids
            .iter()
            .find(|r| r.ledger == ledger && r.id == id)
            .cloned()
    }

    /// The approver of a line dated `on`: the アクセス管理責任者 of that day (第10条).
    fn approver(&self, on: NaiveDate) -> Option<String> {
        self.organisation
            .who_held(Role::AccessManagementOfficer, on)
            .map(str::to_string)
    }
}

/// The element ids of one ledger's list and form, kept apart so both stay addressable.
struct LedgerIds {
    key: &'static str,
    filter_state: &'static str,
    filter_text: &'static str,
    sort: &'static str,
    action: &'static str,
    id: &'static str,
    ids_list: &'static str,
    person: &'static str,
    kind: &'static str,
    note: &'static str,
    on: &'static str,
    approver: &'static str,
    submit: &'static str,
}

fn ledger_ids(ledger: Ledger) -> LedgerIds {
    match ledger {
        Ledger::Operator => LedgerIds {
            key: "operator",
            filter_state: "operator-filter-state",
            filter_text: "operator-filter-text",
            sort: "operator-sort",
            action: "operator-action",
            id: "operator-id",
            ids_list: "operator-id-list",
            person: "operator-person",
            kind: "operator-kind",
            note: "operator-note",
            on: "operator-on",
            approver: "operator-approver",
            submit: "record-operator-line",
        },
        Ledger::Collation => LedgerIds {
            key: "collation",
            filter_state: "collation-filter-state",
            filter_text: "collation-filter-text",
            sort: "collation-sort",
            action: "collation-action",
            id: "collation-id",
            ids_list: "collation-id-list",
            person: "collation-person",
            kind: "collation-kind",
            note: "collation-note",
            on: "collation-on",
            approver: "collation-approver",
            submit: "record-collation-line",
        },
    }
}

/// What one ledger says: its ID's name (a label and a column), its list's and form's
/// headings, and the form's outcome.
struct LedgerTexts {
    title: Cow<'static, str>,
    list: Cow<'static, str>,
    form: Cow<'static, str>,
    recorded: Cow<'static, str>,
}

fn ledger_texts(ledger: Ledger) -> LedgerTexts {
    match ledger {
        Ledger::Operator => LedgerTexts {
            title: tr!("操作者ID"),
            list: tr!("操作者ID管理簿（第10条第1項第4号）"),
            form: tr!("操作者ID管理簿に記録"),
            recorded: tr!("操作者ID管理簿に記録しました。"),
        },
        Ledger::Collation => LedgerTexts {
            title: tr!("照合ID"),
            list: tr!("照合ID管理簿（第10条第1項第4号）"),
            form: tr!("照合ID管理簿に記録"),
            recorded: tr!("照合ID管理簿に記録しました。"),
        },
    }
}

#[component]
pub fn IdLedgersPage() -> impl IntoView {
    // Read again after each write or sync.
    let register = follow_store(move |store| async move {
        let tags = [EventTag::IdLedgerRecorded, EventTag::CollationInfoRecorded];
        let registers = store.registers().await.map_err(|e| e.to_string())?;
        let lines = store.events_of(&tags).await.map_err(|e| e.to_string())?;
        Ok::<_, String>(LedgersView::read(&registers, &lines))
    });
    let loaded = Memo::new(move |_| register.get().and_then(Result::ok).unwrap_or_default());
    let tab = RwSignal::new(Ledger::Operator);
    let tab_button = move |ledger: Ledger, id: &'static str, label: Cow<'static, str>| {
        view! {
            <button type="button" role="tab" id=id class="tab"
                aria-selected=move || (tab.get() == ledger).to_string()
                aria-current=move || (tab.get() == ledger).then_some("page")
                on:click=move |_| tab.set(ledger)>{label}</button>
        }
    };
    view! {
        <div class="id-ledgers-page" data-ready=move || register.get().is_some().to_string()>
            {move || register.get().and_then(Result::err).map(|e| view! {
                <p class="form-error" role="alert">{tr!("管理簿を読めませんでした。")} {e}</p>
            })}
            <div class="ledger-tabs" role="tablist" aria-label=tr!("管理簿")>
                {tab_button(Ledger::Operator, "tab-operator-ledger", tr!("操作者ID管理簿"))}
                {tab_button(Ledger::Collation, "tab-collation-ledger", tr!("照合ID管理簿"))}
            </div>
            <p class="hint">{tr!("記録できるのはアクセス管理責任者です（第10条第1項）。承認者は記録する日のアクセス管理責任者です。")}</p>
            {move || match tab.get() {
                Ledger::Operator => view! {
                    <operator_kinds::KindsSection loaded/>
                    <IdList ledger=Ledger::Operator loaded/>
                    <LedgerForm ledger=Ledger::Operator loaded/>
                }.into_any(),
                Ledger::Collation => view! {
                    <IdList ledger=Ledger::Collation loaded/>
                    <LedgerForm ledger=Ledger::Collation loaded/>
                    <CollationInfoForm loaded/>
                }.into_any(),
            }}
        </div>
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum SortBy {
    Id,
    Person,
}

/// One ID as its row shows it: the record, its holder's name, the third column (its kind,
/// or whether 照合情報 is registered) and its life line by line.
#[derive(Clone)]
struct IdLine {
    record: IdRecord,
    name: String,
    third: String,
    history: Vec<HistoryLine>,
}

/// The ledger's columns, on screen and in the CSV: the ID, its holder, the third column
/// (its kind, or whether 照合情報 is registered), its state and its life.
fn columns(ledger: Ledger) -> [Cow<'static, str>; 5] {
    let third = match ledger {
        Ledger::Operator => tr!("種類"),
        Ledger::Collation => tr!("照合情報"),
    };
    let title = ledger_texts(ledger).title;
    [
        title,
        tr!("操作者"),
        third,
        tr!("状態"),
        tr!("経過（承認者・日付）"),
    ]
}

impl IdLine {
    /// The line for the CSV and print, as the ledger shows it.
    fn csv_row(&self, directory: &Directory) -> Vec<String> {
        let history: Vec<String> = self
            .history
            .iter()
            .map(|h| {
                let (act, on) = (&h.what, ja_day(h.on));
                let by = directory.name_of(&h.approved_by);
                tr!("%{act} %{on} 承認: %{by}", act = act, on = on, by = by).into_owned()
            })
            .collect();
        vec![
            self.record.id.clone(),
            self.name.clone(),
            self.third.clone(),
            state_text(self.record.state).into_owned(),
            history.join(tr!("／").as_ref()),
        ]
    }
    fn new(record: &IdRecord, view: &LedgersView, directory: &Directory) -> Self {
        let third = match record.ledger {
            Ledger::Operator => record
                .kind_id
                .as_deref()
                .map(|k| view.kind_name(k))
                .unwrap_or_default(),
            Ledger::Collation if record.collation_info_registered => tr!("登録済み").into(),
            Ledger::Collation => tr!("未登録").into(),
        };
        let history = view
            .history
            .iter()
            .filter(|h| h.ledger == record.ledger && h.id == record.id)
            .cloned()
            .collect();
        IdLine {
            record: record.clone(),
            name: directory.name_of(&record.person_id),
            third,
            history,
        }
    }

    /// What the row shows changes with each ledger line, and with a new name of its holder or
    /// its kind.
    fn key(&self) -> (String, usize, String, String) {
        let id = self.record.id.clone();
        (
            id,
            self.history.len(),
            self.name.clone(),
            self.third.clone(),
        )
    }

    fn matches(&self, state: &str, needle: &str) -> bool {
        let kind = match self.record.ledger {
            Ledger::Operator => self.third.as_str(),
            Ledger::Collation => "",
        };
        let texts = [self.record.id.as_str(), &self.name, kind];
        (state.is_empty() || state_key(self.record.state) == state)
            && (needle.is_empty() || texts.iter().any(|s| s.contains(needle)))
    }
}

#[component]
fn IdList(ledger: Ledger, loaded: Memo<LedgersView>) -> impl IntoView {
    let directory = expect_context::<Directory>();
    let ids = ledger_ids(ledger);
    let state = RwSignal::new(String::new());
    let text = RwSignal::new(String::new());
    let sort = RwSignal::new(SortBy::Id);
    // A town issues tens of IDs: filter and sort in memory.
    let rows = Signal::derive(move || {
        let (wanted, needle) = (state.get(), text.get().trim().to_string());
        let mut lines: Vec<IdLine> = loaded.with(|l| {
            l.ids
                .iter()
                .filter(|r| r.ledger == ledger)
                .map(|r| IdLine::new(r, l, &directory))
                .filter(|line| line.matches(&wanted, &needle))
                .collect()
        });
        match sort.get() {
            SortBy::Id => sort_by(&mut lines, |a, b| a.record.id.cmp(&b.record.id)),
            SortBy::Person => sort_by(&mut lines, |a, b| {
                (&a.name, &a.record.id).cmp(&(&b.name, &b.record.id))
            }),
        }
        lines
    });
    let pick_sort = move |ev| {
        let by = if event_target_value(&ev) == "person" {
            SortBy::Person
        } else {
            SortBy::Id
        };
        sort.set(by);
    };
    let what = match ledger {
        Ledger::Operator => "operator_ids",
        Ledger::Collation => "collation_ids",
    };
    view! {
        <section class="card wide">
            <h2>{ledger_texts(ledger).list}</h2>
            <div class="filters">
                <Field id=ids.filter_state label=tr!("状態")>
                    <select id=ids.filter_state on:change=move |ev| state.set(event_target_value(&ev))>
                        <option value="">{tr!("すべて")}</option>
                        {[IdState::Active, IdState::Suspended, IdState::Deleted].map(|s| view! {
                            <option value=state_key(s)>{state_text(s)}</option>
                        })}
                    </select>
                </Field>
                <Field id=ids.filter_text label=tr!("ID・氏名・種類で絞り込む")>
                    <input id=ids.filter_text type="search" autocomplete="off" bind:value=text/>
                </Field>
                <Field id=ids.sort label=tr!("並び順")>
                    <select id=ids.sort on:change=pick_sort>
                        <option value="id">{tr!("ID順")}</option>
                        <option value="person">{tr!("氏名順")}</option>
                    </select>
                </Field>
            </div>
            <RegisterOutput what header=columns(ledger)
                rows=Signal::derive(move || rows.get().iter().map(|l| l.csv_row(&directory)).collect())
                covers=Signal::derive(move || {
                    let wanted = state.get();
                    let shown = [IdState::Active, IdState::Suspended, IdState::Deleted]
                        .into_iter()
                        .find(|s| state_key(*s) == wanted)
                        .map_or_else(|| tr!("すべての状態"), state_text);
                    match text.get().trim() {
                        "" => shown.into_owned(),
                        t => tr!("%{what}・「%{t}」で絞り込み", what = shown, t = t).into_owned(),
                    }
                })/>
            <LogTable
                class="register id-list"
                attr:data-ledger=ids.key
                columns=Vec::from(columns(ledger))
                rows
                key=IdLine::key
                row=|line| view! { <IdRow line/> }
                empty=tr!("該当するIDはありません。")
            />
        </section>
    }
}

#[component]
fn IdRow(line: IdLine) -> impl IntoView {
    let directory = expect_context::<Directory>();
    let record = line.record;
    view! {
        <tr data-id=record.id.clone() data-state=state_key(record.state)>
            <td class="id-number">{record.id.clone()}</td>
            <td>{line.name}</td>
            <td class="id-third">{line.third}</td>
            <td class="id-state">{state_text(record.state)}</td>
            <td>
                <ul class="id-history">
                    {line.history.into_iter().map(|h| view! {
                        <li>
                            <span class="what">{h.what}</span> " " <JaDay day=h.on/>
                            {tr!(" 承認: ")} {directory.name_of(&h.approved_by)} " " <RecordLink id=h.event/>
                        </li>
                    }).collect_view()}
                </ul>
            </td>
        </tr>
    }
}

/// The actions of a ledger line, as the form offers them.
fn actions() -> [(&'static str, Cow<'static, str>); 5] {
    [
        ("issued", tr!("発行")),
        ("changed", tr!("変更")),
        ("suspended", tr!("停止")),
        ("reinstated", tr!("再開")),
        ("deleted", tr!("削除")),
    ]
}

/// The action chosen in the form, or what it lacks (shown at the note, where its reason is
/// typed).
fn action_of(key: &str, note: &str) -> Result<LedgerAction, Refusals> {
    let note = note.trim().to_string();
    let needs = |what: &str| match note.is_empty() {
        true => Err(missing(what, daicho_core::Field::Purpose, None)),
        false => Ok(()),
    };
    Ok(match key {
        "issued" => LedgerAction::Issued,
        "changed" => {
            needs(&tr!("変更の内容"))?;
            LedgerAction::Changed { note }
        }
        "suspended" => {
            needs(&tr!("停止の理由"))?;
            LedgerAction::Suspended { reason: note }
        }
        "reinstated" => LedgerAction::Reinstated,
        "deleted" => {
            needs(&tr!("削除の理由"))?;
            LedgerAction::Deleted { reason: note }
        }
        _ => return Err(missing(&tr!("操作"), daicho_core::Field::Purpose, None)),
    })
}

/// What the ledger form is filled with.
#[derive(Clone, Copy)]
struct LineDraft {
    ledger: Ledger,
    action: RwSignal<String>,
    id: RwSignal<String>,
    person: RwSignal<String>,
    kind: RwSignal<String>,
    note: RwSignal<String>,
    on: RwSignal<String>,
}

impl LineDraft {
    fn new(ledger: Ledger) -> Self {
        LineDraft {
            ledger,
            action: RwSignal::new("issued".to_string()),
            id: RwSignal::new(String::new()),
            person: RwSignal::new(String::new()),
            kind: RwSignal::new(String::new()),
            note: RwSignal::new(String::new()),
            on: RwSignal::new(today().to_string()),
        }
    }

    /// The line as filled in, or the form's own refusal. Holder and kind carry over from the
    /// ID's record unless the form gives new ones; the approver is the officer of the day
    /// (with nobody in the role that day the store refuses, naming the role).
    fn line(&self, view: &LedgersView, operator: &str) -> Result<IdLedgerRecorded, Refusals> {
        let (ledger, title) = (self.ledger, ledger_texts(self.ledger).title);
        let number = self.id.get_untracked().trim().to_string();
        if number.is_empty() {
            return Err(missing(&title, daicho_core::Field::Permit, None));
        }
        let day = day_in(
            &self.on.get_untracked(),
            &tr!("日付"),
            daicho_core::Field::Time,
        )?;
        let action = action_of(&self.action.get_untracked(), &self.note.get_untracked())?;
        let current = view.record(ledger, &number);
        let chosen = |s: RwSignal<String>| Some(s.get_untracked()).filter(|v| !v.is_empty());
        let person_id = chosen(self.person)
            .or_else(|| current.as_ref().map(|c| c.person_id.clone()))
            .unwrap_or_default();
        if person_id.is_empty() && action == LedgerAction::Issued {
            return Err(missing(&tr!("操作者"), daicho_core::Field::Name, None));
        }
        let kind_id = match ledger {
            Ledger::Operator => chosen(self.kind).or_else(|| current.and_then(|c| c.kind_id)),
            Ledger::Collation => None,
        };
        Ok(IdLedgerRecorded {
            ledger,
            id: number,
            person_id,
            kind_id,
            action,
            on: day,
            approved_by: view.approver(day).unwrap_or_else(|| operator.to_string()),
        })
    }

    /// Does the chosen action name the ID's holder (and kind)?
    fn names_holder(&self) -> bool {
        matches!(self.action.get().as_str(), "issued" | "changed")
    }
}

#[component]
fn LedgerForm(ledger: Ledger, loaded: Memo<LedgersView>) -> impl IntoView {
    let (store, session) = (use_store(), expect_context::<Session>());
    let directory = expect_context::<Directory>();
    let ids = ledger_ids(ledger);
    let draft = LineDraft::new(ledger);
    let record = local_action(move |_: &()| {
        let operator = session.operator_id();
        let line = loaded.with_untracked(|l| draft.line(l, &operator));
        let store = store.clone();
        async move {
            let line = match line {
                Ok(line) => line,
                Err(refusals) => return Outcome::Refused(refusals),
            };
            let kind = EventKind::IdLedgerRecorded(line);
            let done = ledger_texts(ledger).recorded;
            let outcome = Outcome::of(store.record(kind, &operator, Utc::now()).await, done);
            if outcome.is_done() {
                draft.id.set(String::new());
                draft.note.set(String::new());
            }
            outcome
        }
    });
    let pick_action = move |ev| {
        draft.action.set(event_target_value(&ev));
        // Hidden selects re-render empty when shown again: forget what they held.
        if !draft.names_holder() {
            draft.person.set(String::new());
            draft.kind.set(String::new());
        }
    };
    let note_label = move || match draft.action.get().as_str() {
        "changed" => tr!("変更の内容"),
        "suspended" => tr!("停止の理由"),
        "deleted" => tr!("削除の理由"),
        _ => tr!("備考（この操作では不要）"),
    };
    let approver = move || {
        let day = parse_day(&draft.on.get())?;
        let who = loaded.with(|l| l.approver(day));
        Some(who.map_or_else(
            || tr!("その日のアクセス管理責任者が記録されていません。").into_owned(),
            |w| {
                let name = directory.name_of(&w);
                tr!("承認者（アクセス管理責任者）: %{name}", name = name).into_owned()
            },
        ))
    };
    let existing = move || {
        loaded.with(|l| {
            l.ids
                .iter()
                .filter(|r| r.ledger == ledger)
                .map(|r| view! { <option value=r.id.clone()></option> })
                .collect_view()
        })
    };
    let kind_options = move || {
        loaded.with(|l| {
            l.kinds
                .iter()
                .map(|k| view! { <option value=k.id.clone()>{k.name.clone()}</option> })
                .collect_view()
        })
    };
    let holder_hint = if ledger == Ledger::Operator {
        tr!("（変更では、変える項目だけ選びます）")
    } else {
        tr!("（変更では、変える場合だけ選びます）")
    };
    let error_of = |id: &str| format!("{id}-error");
    let texts = ledger_texts(ledger);
    view! {
        <RecordForm class="card wide ledger-form" attr:data-ledger=ids.key action=record>
            <h2>{texts.form}</h2>
            <Field id=ids.action label=tr!("操作")>
                <select id=ids.action on:change=pick_action>
                    {actions().map(|(key, label)| view! { <option value=key>{label}</option> })}
                </select>
            </Field>
            <Field id=ids.id label=texts.title refusals=daicho_core::Field::Permit>
                <input id=ids.id autocomplete="off" list=ids.ids_list aria-describedby=error_of(ids.id)
                    bind:value=draft.id/>
                <datalist id=ids.ids_list>{existing}</datalist>
            </Field>
            <Shown when=move || draft.names_holder()>
                <p class="hint">{holder_hint.clone()}</p>
                <PersonSelect id=ids.person label=tr!("操作者") value=draft.person/>
                <FieldRefusal field=daicho_core::Field::Name id=error_of(ids.person)/>
                {(ledger == Ledger::Operator).then(|| view! {
                    <Field id=ids.kind label=tr!("操作者IDの種類")>
                        <select id=ids.kind on:change=move |ev| draft.kind.set(event_target_value(&ev))>
                            <option value="">{tr!("選んでください")}</option>
                            {kind_options}
                        </select>
                    </Field>
                })}
            </Shown>
            // A field by hand: its label follows the action.
            <div class="field">
                <label for=ids.note>{note_label}</label>
                <input id=ids.note autocomplete="off" aria-describedby=error_of(ids.note) bind:value=draft.note/>
                <FieldRefusal field=daicho_core::Field::Purpose id=error_of(ids.note)/>
            </div>
            <Field id=ids.on label=tr!("日付") refusals=daicho_core::Field::Time>
                <input id=ids.on type="date" aria-describedby=error_of(ids.on) bind:value=draft.on/>
            </Field>
            <p class="derived" id=ids.approver role="status">{approver}</p>
            <FieldRefusal field=daicho_core::Field::GrantedBy id=error_of(ids.approver)/>
            <button type="submit" id=ids.submit class="button primary">{tr!("記録")}</button>
        </RecordForm>
    }
}

/// The 照合情報 act as filled in, with the holder of its 照合ID; or the form's own refusal.
fn collation_info(
    view: &LedgersView,
    collation_id: String,
    registered: bool,
    on: &str,
    operator: &str,
) -> Result<(CollationInfoRecorded, Option<String>), Refusals> {
    let day = day_in(on, &tr!("日付"), daicho_core::Field::Time)?;
    if collation_id.is_empty() {
        return Err(missing(&tr!("照合ID"), daicho_core::Field::Permit, None));
    }
    let holder = view
        .record(Ledger::Collation, &collation_id)
        .map(|r| r.person_id);
    let info = CollationInfoRecorded {
        collation_id,
        registered,
        on: day,
        approved_by: view.approver(day).unwrap_or_else(|| operator.to_string()),
        credential: None,
    };
    Ok((info, holder))
}

#[component]
fn CollationInfoForm(loaded: Memo<LedgersView>) -> impl IntoView {
    let (store, session) = (use_store(), expect_context::<Session>());
    let directory = expect_context::<Directory>();
    let collation_id = RwSignal::new(String::new());
    let registered = RwSignal::new(true);
    let on = RwSignal::new(today().to_string());
    let record = local_action(move |_: &()| {
        let operator = session.operator_id();
        let read = loaded.with_untracked(|l| {
            let (id, on) = (collation_id.get_untracked(), on.get_untracked());
            collation_info(l, id, registered.get_untracked(), &on, &operator)
        });
        let name = read
            .as_ref()
            .ok()
            .and_then(|(_, h)| h.as_deref().map(|h| directory.name_of(h)));
        let store = store.clone();
        async move {
            let (info, holder) = match read {
                Ok(read) => read,
                Err(refusals) => return Outcome::Refused(refusals),
            };
            let done = match info.registered {
                true => tr!("照合情報の登録を記録しました。"),
                false => tr!("照合情報の削除を記録しました。"),
            };
            let info = match with_passkey(info, holder, &name.unwrap_or_default()).await {
                Ok(info) => info,
                Err(e) => return Outcome::Failed(e),
            };
            let kind = EventKind::CollationInfoRecorded(info);
            Outcome::of(store.record(kind, &operator, Utc::now()).await, done)
        }
    });
    let options = move || {
        loaded.with(|l| {
            l.ids
                .iter()
                .filter(|r| r.ledger == Ledger::Collation && r.state != IdState::Deleted)
                .map(|r| {
                    let name = directory.name_of(&r.person_id);
                    let text = tr!("%{id}（%{name}）", id = r.id, name = name);
                    view! { <option value=r.id.clone()>{text}</option> }
                })
                .collect_view()
        })
    };
    view! {
        <RecordForm class="card wide collation-info-form" action=record>
            <h2>{tr!("照合情報の登録・削除（第8条第2項・第10条）")}</h2>
            <p class="hint">{tr!("登録では、本人がこの端末の生体認証（指紋・顔）またはセキュリティキーで照合情報を登録します。照合情報そのものは認証器の中に保管され、ここには公開鍵と登録・削除の事実だけを記録します。")}</p>
            <Field id="collation-info-id" label=tr!("照合ID") refusals=daicho_core::Field::Permit>
                <select id="collation-info-id" aria-describedby="collation-info-id-error"
                    on:change=move |ev| collation_id.set(event_target_value(&ev))>
                    <option value="">{tr!("選んでください")}</option>
                    {options}
                </select>
            </Field>
            <Field id="collation-info-action" label=tr!("操作")>
                <select id="collation-info-action"
                    on:change=move |ev| registered.set(event_target_value(&ev) == "registered")>
                    <option value="registered">{tr!("照合情報を登録")}</option>
                    <option value="deleted">{tr!("照合情報を削除")}</option>
                </select>
            </Field>
            <Field id="collation-info-on" label=tr!("日付") refusals=daicho_core::Field::Time>
                <input id="collation-info-on" type="date" aria-describedby="collation-info-on-error"
                    bind:value=on/>
            </Field>
            <button type="submit" id="record-collation-info" class="button primary">{tr!("記録")}</button>
        </RecordForm>
    }
}

/// Registering 照合情報 on this tablet: the holder registers a passkey with the authenticator
/// (the biometric stays in it) and its public key goes into the ledger line.
async fn with_passkey(
    mut info: CollationInfoRecorded,
    holder: Option<String>,
    name: &str,
) -> Result<CollationInfoRecorded, String> {
    let Some(holder) = holder.filter(|_| info.registered) else {
        return Ok(info);
    };
    if !crate::auth::webauthn::is_available() {
        return Err(tr!("この端末では生体認証（WebAuthn）を使えません。").into());
    }
    info.credential = Some(crate::auth::webauthn::register(&holder, name).await?);
    Ok(info)
}
