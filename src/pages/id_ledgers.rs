//! 操作者ID管理簿・照合ID管理簿（第10条・第11条）: the kinds of 操作者ID and who holds each,
//! the 照合ID of each operator, and the life of every ID — issue, change, suspension,
//! reinstatement, deletion, 照合情報 registered or deleted — each with its approver and date.
//! Only the アクセス管理責任者 records these; the store refuses anyone else, naming the article.

mod operator_kinds;

use crate::auth::session::Session;
use crate::components::choices::PersonSelect;
use crate::components::form_message::{FormMessage, Outcome};
use crate::components::ja_day::{parse_day, today, JaDay};
use crate::components::record_link::{latest_definitions, RecordLink};
use crate::directory::Directory;
use chrono::{NaiveDate, Utc};
use daicho_core::id_ledger::{
    CollationInfoRecorded, IdLedgerRecorded, IdRecord, IdState, Ledger, LedgerAction,
    OperatorIdKindDefined,
};
use daicho_core::organisation::{Organisation, Role};
use daicho_core::EventTag;
use daicho_core::{Event, EventId, EventKind};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::collections::BTreeMap;

/// One line of an ID's life, as the paper ledger writes it.
#[derive(Clone)]
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
            EventKind::IdLedgerRecorded(l) => {
                (l.ledger, &l.id, action_ja(&l.action), l.on, &l.approved_by)
            }
            EventKind::CollationInfoRecorded(c) => {
                let what = if c.registered {
                    "照合情報登録"
                } else {
                    "照合情報削除"
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

fn action_ja(action: &LedgerAction) -> String {
    match action {
        LedgerAction::Issued => "発行".into(),
        LedgerAction::Changed { note } => format!("変更（{note}）"),
        LedgerAction::Suspended { reason } => format!("停止（{reason}）"),
        LedgerAction::Reinstated => "再開".into(),
        LedgerAction::Deleted { reason } => format!("削除（{reason}）"),
    }
}

fn state_ja(state: IdState) -> &'static str {
    match state {
        IdState::Active => "有効",
        IdState::Suspended => "停止中",
        IdState::Deleted => "削除済み",
    }
}

fn state_key(state: IdState) -> &'static str {
    match state {
        IdState::Active => "active",
        IdState::Suspended => "suspended",
        IdState::Deleted => "deleted",
    }
}

/// The ledgers as loaded.
#[derive(Clone, Default)]
struct LedgersView {
    kinds: Vec<OperatorIdKindDefined>,
    kind_defined_by: BTreeMap<String, EventId>,
    ids: Vec<IdRecord>,
    history: Vec<HistoryLine>,
    organisation: Organisation,
}

impl LedgersView {
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
    title: &'static str,
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
            title: "操作者ID",
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
            title: "照合ID",
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

#[component]
pub fn IdLedgersPage() -> impl IntoView {
    let store = crate::state::use_store_value();
    let loaded = RwSignal::new(LedgersView::default());
    let ready = RwSignal::new(false);
    let tab = RwSignal::new(Ledger::Operator);
    let reload = move || {
        spawn_local(async move {
            let store = store.get_value();
            let kinds = [
                EventTag::OperatorIdKindDefined,
                EventTag::IdLedgerRecorded,
                EventTag::CollationInfoRecorded,
            ];
            let (Ok(registers), Ok(events)) =
                (store.registers().await, store.events_of(&kinds).await)
            else {
                return;
            };
            let kind_defined_by = latest_definitions(&events, |k| match k {
                EventKind::OperatorIdKindDefined(d) => Some(d.id.as_str()),
                _ => None,
            });
            let office = registers.office().clone();
            loaded.set(LedgersView {
                kinds: office
                    .operator_id_kinds
                    .into_values()
                    .map(|v| v.value)
                    .collect(),
                kind_defined_by,
                ids: office.ids.into_values().collect(),
                history: events.iter().filter_map(HistoryLine::from_event).collect(),
                organisation: registers.organisation().clone(),
            });
            ready.set(true);
        })
    };
    reload();
    let on_recorded = Callback::new(move |()| reload());
    let tab_button = move |ledger: Ledger, id: &'static str, label: &'static str| {
        view! {
            <button type="button" role="tab" id=id class="tab"
                aria-selected=move || (tab.get() == ledger).to_string()
                aria-current=move || (tab.get() == ledger).then_some("page")
                on:click=move |_| tab.set(ledger)>{label}</button>
        }
    };
    view! {
        <div class="id-ledgers-page" data-ready=move || ready.get().to_string()>
            <div class="ledger-tabs" role="tablist" aria-label="管理簿">
                {tab_button(Ledger::Operator, "tab-operator-ledger", "操作者ID管理簿")}
                {tab_button(Ledger::Collation, "tab-collation-ledger", "照合ID管理簿")}
            </div>
            <p class="hint">"記録できるのはアクセス管理責任者です（第10条第1項）。承認者は記録する日のアクセス管理責任者です。"</p>
            {move || match tab.get() {
                Ledger::Operator => view! {
                    <operator_kinds::KindsSection loaded on_recorded/>
                    <IdList ledger=Ledger::Operator loaded/>
                    <LedgerForm ledger=Ledger::Operator loaded on_recorded/>
                }.into_any(),
                Ledger::Collation => view! {
                    <IdList ledger=Ledger::Collation loaded/>
                    <LedgerForm ledger=Ledger::Collation loaded on_recorded/>
                    <CollationInfoForm loaded on_recorded/>
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

#[component]
fn IdList(ledger: Ledger, loaded: RwSignal<LedgersView>) -> impl IntoView {
    let directory = expect_context::<Directory>();
    let ids = ledger_ids(ledger);
    let state = RwSignal::new(String::new());
    let text = RwSignal::new(String::new());
    let sort = RwSignal::new(SortBy::Id);
    // A town issues tens of IDs: filter and sort in memory.
    let rows = move || {
        let (wanted, needle) = (state.get(), text.get().trim().to_string());
        let mut records: Vec<(IdRecord, String)> = loaded.with(|l| {
            l.ids
                .iter()
                .filter(|r| r.ledger == ledger)
                .filter(|r| wanted.is_empty() || state_key(r.state) == wanted)
                .map(|r| (r.clone(), directory.name_of(&r.person_id)))
                .filter(|(r, name)| {
                    let kind = r
                        .kind_id
                        .as_deref()
                        .map(|k| l.kind_name(k))
                        .unwrap_or_default();
                    needle.is_empty() || [&r.id, name, &kind].iter().any(|s| s.contains(&needle))
                })
                .collect()
        });
        match sort.get() {
            SortBy::Id => records.sort_by(|a, b| a.0.id.cmp(&b.0.id)),
            SortBy::Person => records.sort_by(|a, b| (&a.1, &a.0.id).cmp(&(&b.1, &b.0.id))),
        }
        records
    };
    let pick_sort = move |ev| {
        let by = if event_target_value(&ev) == "person" {
            SortBy::Person
        } else {
            SortBy::Id
        };
        sort.set(by);
    };
    let is_operator = ledger == Ledger::Operator;
    view! {
        <section class="card wide">
            <h2>{format!("{}管理簿（第10条第1項第4号）", ids.title)}</h2>
            <div class="filters">
                <div class="field">
                    <label for=ids.filter_state>"状態"</label>
                    <select id=ids.filter_state on:change=move |ev| state.set(event_target_value(&ev))>
                        <option value="">"すべて"</option>
                        {[IdState::Active, IdState::Suspended, IdState::Deleted].map(|s| view! {
                            <option value=state_key(s)>{state_ja(s)}</option>
                        })}
                    </select>
                </div>
                <div class="field">
                    <label for=ids.filter_text>"ID・氏名・種類で絞り込む"</label>
                    <input id=ids.filter_text type="search" autocomplete="off" bind:value=text/>
                </div>
                <div class="field">
                    <label for=ids.sort>"並び順"</label>
                    <select id=ids.sort on:change=pick_sort>
                        <option value="id">"ID順"</option>
                        <option value="person">"氏名順"</option>
                    </select>
                </div>
            </div>
            <table class="register id-list" data-ledger=ids.key>
                <thead>
                    <tr>
                        <th>{ids.title}</th><th>"操作者"</th>
                        {if is_operator { view! { <th>"種類"</th> }.into_any() } else { view! { <th>"照合情報"</th> }.into_any() }}
                        <th>"状態"</th><th>"経過（承認者・日付）"</th>
                    </tr>
                </thead>
                <tbody>
                    {move || rows().into_iter().map(|(record, name)| view! {
                        <IdRow record name loaded/>
                    }).collect_view()}
                </tbody>
            </table>
            <Show when=move || rows().is_empty()>
                <p class="empty">"該当するIDはありません。"</p>
            </Show>
        </section>
    }
}

#[component]
fn IdRow(record: IdRecord, name: String, loaded: RwSignal<LedgersView>) -> impl IntoView {
    let directory = expect_context::<Directory>();
    let (kind, history) = loaded.with_untracked(|l| {
        let kind = record.kind_id.as_deref().map(|k| l.kind_name(k));
        let history: Vec<HistoryLine> = l
            .history
            .iter()
            .filter(|h| h.ledger == record.ledger && h.id == record.id)
            .cloned()
            .collect();
        (kind, history)
    });
    let third = match record.ledger {
        Ledger::Operator => kind.unwrap_or_default(),
        Ledger::Collation if record.collation_info_registered => "登録済み".into(),
        Ledger::Collation => "未登録".into(),
    };
    view! {
        <tr data-id=record.id.clone() data-state=state_key(record.state)>
            <td class="id-number">{record.id.clone()}</td>
            <td>{name}</td>
            <td class="id-third">{third}</td>
            <td class="id-state">{state_ja(record.state)}</td>
            <td>
                <ul class="id-history">
                    {history.into_iter().map(|h| view! {
                        <li>
                            <span class="what">{h.what}</span> " " <JaDay day=h.on/>
                            " 承認: " {directory.name_of(&h.approved_by)} " " <RecordLink id=h.event/>
                        </li>
                    }).collect_view()}
                </ul>
            </td>
        </tr>
    }
}

/// The actions of a ledger line, as the form offers them.
const ACTIONS: [(&str, &str); 5] = [
    ("issued", "発行"),
    ("changed", "変更"),
    ("suspended", "停止"),
    ("reinstated", "再開"),
    ("deleted", "削除"),
];

/// The action chosen in the form; `Err` names what is missing.
fn action_of(key: &str, note: &str) -> Result<LedgerAction, &'static str> {
    let note = note.trim().to_string();
    let needs = |what| if note.is_empty() { Err(what) } else { Ok(()) };
    Ok(match key {
        "issued" => LedgerAction::Issued,
        "changed" => {
            needs("変更の内容を入力してください。")?;
            LedgerAction::Changed { note }
        }
        "suspended" => {
            needs("停止の理由を入力してください。")?;
            LedgerAction::Suspended { reason: note }
        }
        "reinstated" => LedgerAction::Reinstated,
        "deleted" => {
            needs("削除の理由を入力してください。")?;
            LedgerAction::Deleted { reason: note }
        }
        _ => return Err("操作を選んでください。"),
    })
}

#[component]
fn LedgerForm(
    ledger: Ledger,
    loaded: RwSignal<LedgersView>,
    on_recorded: Callback<()>,
) -> impl IntoView {
    let store = crate::state::use_store_value();
    let session = expect_context::<Session>();
    let directory = expect_context::<Directory>();
    let ids = ledger_ids(ledger);
    let action = RwSignal::new("issued".to_string());
    let id = RwSignal::new(String::new());
    let person = RwSignal::new(String::new());
    let kind = RwSignal::new(String::new());
    let note = RwSignal::new(String::new());
    let on = RwSignal::new(today().to_string());
    let message: Outcome = RwSignal::new(None);
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let number = id.get_untracked().trim().to_string();
        if number.is_empty() {
            return message.set(Some((false, format!("{}を入力してください。", ids.title))));
        }
        let Some(day) = parse_day(&on.get_untracked()) else {
            return message.set(Some((false, "日付を入力してください。".into())));
        };
        let act = match action_of(&action.get_untracked(), &note.get_untracked()) {
            Ok(a) => a,
            Err(why) => return message.set(Some((false, why.into()))),
        };
        let operator = session.operator_id();
        let (current, approver) =
            loaded.with_untracked(|l| (l.record(ledger, &number), l.approver(day)));
        // Holder and kind carry over from the ID's record unless the form gives new ones.
        let chosen = |s: RwSignal<String>| Some(s.get_untracked()).filter(|v| !v.is_empty());
        let person_id = chosen(person)
            .or_else(|| current.as_ref().map(|c| c.person_id.clone()))
            .unwrap_or_default();
        if person_id.is_empty() && act == LedgerAction::Issued {
            return message.set(Some((false, "操作者を選んでください。".into())));
        }
        let kind_id = match ledger {
            Ledger::Operator => chosen(kind).or_else(|| current.and_then(|c| c.kind_id)),
            Ledger::Collation => None,
        };
        let line = IdLedgerRecorded {
            ledger,
            id: number,
            person_id,
            kind_id,
            action: act,
            on: day,
            // With nobody in the role that day the store refuses, naming the role.
            approved_by: approver.unwrap_or_else(|| operator.clone()),
        };
        let store = store.get_value();
        spawn_local(async move {
            match store
                .record(EventKind::IdLedgerRecorded(line), &operator, Utc::now())
                .await
            {
                Ok(_) => {
                    message.set(Some((true, format!("{}管理簿に記録しました。", ids.title))));
                    id.set(String::new());
                    note.set(String::new());
                    on_recorded.run(());
                }
                Err(e) => message.set(Some((false, e.to_string()))),
            }
        });
    };
    let shows_holder = move || matches!(action.get().as_str(), "issued" | "changed");
    let pick_action = move |ev| {
        action.set(event_target_value(&ev));
        // Hidden selects re-render empty when shown again: forget what they held.
        if !matches!(action.get_untracked().as_str(), "issued" | "changed") {
            person.set(String::new());
            kind.set(String::new());
        }
    };
    let note_label = move || match action.get().as_str() {
        "changed" => "変更の内容",
        "suspended" => "停止の理由",
        "deleted" => "削除の理由",
        _ => "備考（この操作では不要）",
    };
    let approver = move || {
        let day = parse_day(&on.get())?;
        let who = loaded.with(|l| l.approver(day));
        Some(who.map_or_else(
            || "その日のアクセス管理責任者が記録されていません。".to_string(),
            |w| format!("承認者（アクセス管理責任者）: {}", directory.name_of(&w)),
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
        "（変更では、変える項目だけ選びます）"
    } else {
        "（変更では、変える場合だけ選びます）"
    };
    view! {
        <form class="card wide ledger-form" data-ledger=ids.key on:submit=submit>
            <h2>{format!("{}管理簿に記録", ids.title)}</h2>
            <div class="field">
                <label for=ids.action>"操作"</label>
                <select id=ids.action on:change=pick_action>
                    {ACTIONS.map(|(key, label)| view! { <option value=key>{label}</option> })}
                </select>
            </div>
            <div class="field">
                <label for=ids.id>{ids.title}</label>
                <input id=ids.id autocomplete="off" list=ids.ids_list bind:value=id/>
                <datalist id=ids.ids_list>{existing}</datalist>
            </div>
            <Show when=shows_holder>
                <p class="hint">{holder_hint}</p>
                <PersonSelect id=ids.person label="操作者" value=person/>
                {(ledger == Ledger::Operator).then(|| view! {
                    <div class="field">
                        <label for=ids.kind>"操作者IDの種類"</label>
                        <select id=ids.kind on:change=move |ev| kind.set(event_target_value(&ev))>
                            <option value="">"選んでください"</option>
                            {kind_options}
                        </select>
                    </div>
                })}
            </Show>
            <div class="field">
                <label for=ids.note>{note_label}</label>
                <input id=ids.note autocomplete="off" bind:value=note/>
            </div>
            <div class="field">
                <label for=ids.on>"日付"</label>
                <input id=ids.on type="date" bind:value=on/>
            </div>
            <p class="derived" id=ids.approver role="status">{approver}</p>
            <button type="submit" id=ids.submit class="button primary">"記録"</button>
            <FormMessage outcome=message/>
        </form>
    }
}

#[component]
fn CollationInfoForm(loaded: RwSignal<LedgersView>, on_recorded: Callback<()>) -> impl IntoView {
    let store = crate::state::use_store_value();
    let session = expect_context::<Session>();
    let directory = expect_context::<Directory>();
    let collation_id = RwSignal::new(String::new());
    let registered = RwSignal::new(true);
    let on = RwSignal::new(today().to_string());
    let message: Outcome = RwSignal::new(None);
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let Some(day) = parse_day(&on.get_untracked()) else {
            return message.set(Some((false, "日付を入力してください。".into())));
        };
        if collation_id.get_untracked().is_empty() {
            return message.set(Some((false, "照合IDを選んでください。".into())));
        }
        let operator = session.operator_id();
        let approver = loaded.with_untracked(|l| l.approver(day));
        let holder = loaded.with_untracked(|l| {
            let id = collation_id.get_untracked();
            l.ids
                .iter()
                .find(|r| r.ledger == Ledger::Collation && r.id == id)
                .map(|r| r.person_id.clone())
        });
        let info = CollationInfoRecorded {
            collation_id: collation_id.get_untracked(),
            registered: registered.get_untracked(),
            on: day,
            approved_by: approver.unwrap_or_else(|| operator.clone()),
            credential: None,
        };
        let done = if info.registered {
            "照合情報の登録を記録しました。"
        } else {
            "照合情報の削除を記録しました。"
        };
        let store = store.get_value();
        let name = directory.name_of(holder.as_deref().unwrap_or_default());
        message.set(None);
        spawn_local(async move {
            let info = match with_passkey(info, holder, &name).await {
                Ok(info) => info,
                Err(e) => return message.set(Some((false, e))),
            };
            let kind = EventKind::CollationInfoRecorded(info);
            match store.record(kind, &operator, Utc::now()).await {
                Ok(_) => {
                    message.set(Some((true, done.into())));
                    on_recorded.run(());
                }
                Err(e) => message.set(Some((false, e.to_string()))),
            }
        });
    };
    let options = move || {
        loaded.with(|l| {
            l.ids
                .iter()
                .filter(|r| r.ledger == Ledger::Collation && r.state != IdState::Deleted)
                .map(|r| {
                    let text = format!("{}（{}）", r.id, directory.name_of(&r.person_id));
                    view! { <option value=r.id.clone()>{text}</option> }
                })
                .collect_view()
        })
    };
    view! {
        <form class="card wide collation-info-form" on:submit=submit>
            <h2>"照合情報の登録・削除（第8条第2項・第10条）"</h2>
            <p class="hint">"登録では、本人がこの端末の生体認証（指紋・顔）またはセキュリティキーで照合情報を登録します。照合情報そのものは認証器の中に保管され、ここには公開鍵と登録・削除の事実だけを記録します。"</p>
            <div class="field">
                <label for="collation-info-id">"照合ID"</label>
                <select id="collation-info-id" on:change=move |ev| collation_id.set(event_target_value(&ev))>
                    <option value="">"選んでください"</option>
                    {options}
                </select>
            </div>
            <div class="field">
                <label for="collation-info-action">"操作"</label>
                <select id="collation-info-action"
                    on:change=move |ev| registered.set(event_target_value(&ev) == "registered")>
                    <option value="registered">"照合情報を登録"</option>
                    <option value="deleted">"照合情報を削除"</option>
                </select>
            </div>
            <div class="field">
                <label for="collation-info-on">"日付"</label>
                <input id="collation-info-on" type="date" bind:value=on/>
            </div>
            <button type="submit" id="record-collation-info" class="button primary">"記録"</button>
            <FormMessage outcome=message/>
        </form>
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
        return Err("この端末では生体認証（WebAuthn）を使えません。".into());
    }
    info.credential = Some(crate::auth::webauthn::register(&holder, name).await?);
    Ok(info)
}
