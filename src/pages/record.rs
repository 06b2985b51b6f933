//! One record with its whole history (第12条): the event that made it, every event that acted
//! on it since (exit, return, revocation, report, correction …), and a form to correct or void
//! it. Nothing is edited: a correction is a new event beside the original.

use crate::auth::session::Session;
use crate::components::ja_date::JaDateTime;
use crate::components::record_form::{Field, Outcome, RecordForm};
use crate::components::record_link::RecordLink;
use crate::components::shown::Shown;
use crate::directory::Directory;
use crate::pages::history_summary::Devices;
use crate::state::{follow_store, local_action, use_store};
use crate::store::StoreError;
use chrono::{DateTime, Utc};
use daicho_core::corrections::{CorrectionKind, CorrectionRecorded};
use daicho_core::lang::{self, Lang};
use daicho_core::sort::sort_by_key;
use daicho_core::{tr, Event, EventId, EventTag, Registers, Room};
use leptos::prelude::*;
use serde_json::Value;
use std::borrow::Cow;
use std::collections::BTreeMap;

/// A record's events as read, with the rooms they name by id.
#[derive(Clone)]
struct Loaded {
    history: Vec<Event>,
    rooms: BTreeMap<String, Room>,
    /// Whether the record was voided by a correction.
    void: bool,
    /// The name of the device that made the record (as enrolled).
    device: String,
}

impl Loaded {
    fn new(history: Vec<Event>, registers: &Registers) -> Self {
        let void = history.first().is_some_and(|original| {
            registers
                .corrections_of(&original.id())
                .is_some_and(|trail| trail.is_void())
        });
        let rooms = registers
            .rooms()
            .map(|r| (r.id.clone(), r.clone()))
            .collect();
        Loaded {
            history,
            rooms,
            void,
            device: String::new(),
        }
    }
}

#[component]
pub fn RecordPage(id: String) -> impl IntoView {
    let Ok(id) = id.parse::<EventId>() else {
        return view! { <p class="form-error" role="alert">{tr!("記録の番号が読めません: %{id}", id = id)}</p> }
            .into_any();
    };
    // Read again after each write or sync: a correction, here or synced, joins the history.
    let record = follow_store(move |store| {
        let id = id.clone();
        async move {
            let history = store.history(&id).await?;
            let registers = store.registers().await?;
            let device = Devices::read(&store).await?.name(&id.device.0);
            Ok::<_, StoreError>(Loaded {
                device,
                ..Loaded::new(history, &registers)
            })
        }
    });
    let loaded = move || record.get().and_then(Result::ok);
    // The record itself: the correction form is drawn once for it, so it keeps how its submit
    // went while the history refreshes.
    let original = Memo::new(move |_| loaded().and_then(|l| l.history.first().cloned()));
    let void = Signal::derive(move || loaded().is_some_and(|l| l.void));
    view! {
        <div class="record-page" data-ready=move || record.get().is_some().then_some("true")>
            {move || record.get().map(|result| match result {
                Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                Ok(l) if l.history.is_empty() => view! {
                    <p class="empty">{tr!("この記録はこの端末にありません。")}</p>
                }.into_any(),
                Ok(l) => view! { <RecordHistory loaded=l/> }.into_any(),
            })}
            {move || original.get().map(|target| view! { <CorrectionForm target void/> })}
        </div>
    }
    .into_any()
}

/// Every version of a master record (a room, a person, a key …): each definition as it was
/// recorded, by whom and when, oldest first. The latest is the one in force.
#[component]
pub fn VersionsPage(key: String) -> impl IntoView {
    let record = follow_store(move |store| {
        let key = key.clone();
        async move {
            let history = store.versions(&key).await?;
            let registers = store.registers().await?;
            Ok::<_, StoreError>(Loaded::new(history, &registers))
        }
    });
    view! {
        <div class="record-page" data-ready=move || record.get().is_some().then_some("true")>
            {move || record.get().map(|result| match result {
                Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                Ok(l) if l.history.is_empty() => view! {
                    <p class="empty">{tr!("この記録の履歴はこの端末にありません。")}</p>
                }.into_any(),
                Ok(l) => view! {
                    <section class="card wide record-history">
                        <h2>{tr!("%{kind}の履歴", kind = l.history[0].kind.tag().label_text())}</h2>
                        <p class="record-id">{tr!("版の数 %{count}（最後の版が現在のものです）", count = l.history.len())}</p>
                        <ol class="history">
                            {l.history.iter().map(|e| view! {
                                <HistoryEvent event=e.clone() rooms=l.rooms.clone()/>
                            }).collect_view()}
                        </ol>
                    </section>
                }.into_any(),
            })}
        </div>
    }
}

#[component]
fn RecordHistory(loaded: Loaded) -> impl IntoView {
    let original = &loaded.history[0];
    let title = original.kind.tag().label_text();
    let events = loaded
        .history
        .iter()
        .map(|e| view! { <HistoryEvent event=e.clone() rooms=loaded.rooms.clone()/> })
        .collect_view();
    view! {
        <section class="card wide record-history">
            <h2>{title} {loaded.void.then(|| view! { <span class="void-mark">{tr!("取消済み")}</span> })}</h2>
            <p class="record-id">
                {tr!("記録した端末：%{device}（その端末の%{seq}件目の記録）", device = loaded.device, seq = original.seq)}
            </p>
            <ol class="history">{events}</ol>
        </section>
    }
}

#[component]
fn HistoryEvent(event: Event, rooms: BTreeMap<String, Room>) -> impl IntoView {
    let directory = expect_context::<Directory>();
    let tag = event.kind.tag();
    let at = DateTime::<Utc>::from_timestamp_millis(event.hlc.wall_ms).unwrap_or_default();
    let payload = event.kind.payload_value();
    let fields = fields_of(&payload)
        .into_iter()
        // A master record's own id is internal (it is named by its other fields); an ID
        // ledger line's id is the 操作者ID or 照合ID itself.
        .filter(|(key, _)| key != "id" || tag == EventTag::IdLedgerRecorded)
        // The kind of an 操作者ID is named on ID管理簿; here it would be its bare id.
        .filter(|(key, _)| key != "kind_id")
        .map(|(key, value)| {
            // Another record is a link to it, never its number.
            let shown = match reference(&key, &value) {
                Some(id) => view! { <RecordLink id label=tr!("記録を開く")/> }.into_any(),
                None => shown(&key, &value, &directory, &rooms).into_any(),
            };
            view! { <dt>{field_label(&key)}</dt><dd data-field=key>{shown}</dd> }
        })
        .collect_view();
    view! {
        <li class="history-event" data-kind=tag.as_str()>
            <h3>{tag.label_text()}</h3>
            <p class="meta">
                <JaDateTime at/> " " {tr!("・ 記録者 %{operator}", operator = directory.name_of(&event.operator))}
            </p>
            <dl class="fields">{fields}</dl>
        </li>
    }
}

/// The order fields are shown in: as the paper register lists them; others after.
const FIELD_ORDER: [&str; 16] = [
    "room_id",
    "key_id",
    "person_id",
    "person",
    "escort_id",
    "purpose",
    "name_tag_worn",
    "entered_at",
    "exited_at",
    "lent_at",
    "due_back",
    "returned_at",
    "lent_by",
    "received_by",
    "target",
    "reason",
];

/// The payload's fields in the register's order; a nested record (the name and 所属 written
/// at the time) is spelled out field by field, a correction's `fields` as 訂正後の….
fn fields_of(payload: &Value) -> Vec<(String, Value)> {
    let Some(object) = payload.as_object() else {
        return Vec::new();
    };
    let mut keys: Vec<&String> = object.keys().collect();
    sort_by_key(&mut keys, |k| {
        FIELD_ORDER
            .iter()
            .position(|o| o == k)
            .unwrap_or(FIELD_ORDER.len())
    });
    let mut out = Vec::new();
    // ja-only-begin: the keys of nested and amended fields, in Japanese (data: a correction
    // names the field it amends so, and the page marks each field with its key)
    for key in keys {
        let value = &object[key];
        match (key.as_str(), value.as_object()) {
            ("fields", Some(amended)) => {
                for (field, v) in amended {
                    out.push((format!("訂正後の{}", japanese_label(field)), v.clone()));
                }
            }
            (_, Some(nested)) => {
                for (field, v) in nested {
                    out.push((format!("{}（記録時）", japanese_label(field)), v.clone()));
                }
            }
            _ => out.push((key.clone(), value.clone())),
        }
    }
    // ja-only-end
    out
}

/// The fields that name another record by its event.
const REFERENCES: [&str; 13] = [
    "target",
    "entry",
    "loan",
    "real_loan",
    "record",
    "follows",
    "permit",
    "report",
    "review",
    "meeting",
    "instruction",
    "supersedes",
    "inside_elsewhere",
];

/// The record `value` names, if `key` is a reference to one.
fn reference(key: &str, value: &Value) -> Option<EventId> {
    let id = value.as_str().filter(|_| REFERENCES.contains(&key))?;
    id.parse().ok()
}

/// A stored value as a clerk reads it: people and rooms by name, times in 和暦.
fn shown(
    key: &str,
    value: &Value,
    directory: &Directory,
    rooms: &BTreeMap<String, Room>,
) -> String {
    const PEOPLE: [&str; 11] = [
        "person_id",
        "approved_by",
        "escort_id",
        "granted_by",
        "lent_by",
        "received_by",
        "chair",
        "holder",
        "issued_by",
        "reported_by",
        "closed_by",
    ];
    const TIMES: [&str; 8] = [
        "entered_at",
        "exited_at",
        "lent_at",
        "due_back",
        "returned_at",
        "valid_from",
        "valid_until",
        "at",
    ];
    match value {
        Value::String(s) if PEOPLE.contains(&key) => directory.name_of(s),
        Value::String(s) if key == "room_id" => rooms.get(s).map_or(s.clone(), |r| r.name.clone()),
        Value::String(s) if key == "correction" => match s.as_str() {
            "amend" => tr!("訂正（項目を訂正）").into_owned(),
            "void" => tr!("取消").into_owned(),
            other => other.to_string(),
        },
        Value::String(s) if key == "cycle" => daicho_core::reports::ReportCycle::from_code(s)
            .map_or(s.clone(), |c| c.name_text().to_string()),
        Value::String(s) if key == "ledger" || key == "action" => ledger_word(s),
        Value::String(s) if key == "on" => crate::components::ja_day::parse_day(s)
            .map_or(s.clone(), crate::components::ja_day::ja_day),
        Value::String(s) => s.clone(),
        Value::Number(n) if TIMES.contains(&key) => n
            .as_i64()
            .and_then(DateTime::<Utc>::from_timestamp_millis)
            .map_or(n.to_string(), daicho_core::wareki::datetime_text),
        Value::Bool(b) => if *b { tr!("はい") } else { tr!("いいえ") }.into_owned(),
        Value::Null => "—".to_string(),
        other => other.to_string(),
    }
}

/// An ID ledger line's stored codes in words: which ledger, and what was done to the ID.
fn ledger_word(code: &str) -> String {
    match code {
        "operator" => tr!("操作者ID管理簿"),
        "collation" => tr!("照合ID管理簿"),
        "issued" => tr!("発行"),
        "changed" => tr!("変更"),
        "suspended" => tr!("停止"),
        "reinstated" => tr!("再開"),
        "deleted" => tr!("削除"),
        other => return other.to_string(),
    }
    .into_owned()
}

/// A field's name as shown: the label of a payload's field, or a nested or amended field's
/// (the keys `fields_of` gives them, in Japanese) spelled out.
fn field_label(key: &str) -> String {
    // ja-only: the key fields_of gives an amended field (data: a correction names its field so)
    if let Some(field) = key.strip_prefix("訂正後の") {
        return tr!("訂正後の%{field}", field = field_label(field)).into_owned();
    }
    // ja-only: the key fields_of gives a nested field (data, as above)
    if let Some(field) = key.strip_suffix("（記録時）") {
        return tr!("%{field}（記録時）", field = field_label(field)).into_owned();
    }
    // A nested field's key is its Japanese label.
    let known = LABELS
        .iter()
        .find(|(k, label)| *k == key || lang::with(Lang::Ja, label) == key);
    known.map_or_else(|| key.to_string(), |(_, label)| label().into_owned())
}

/// The label of each field of a record a person reads.
type Label = fn() -> Cow<'static, str>;
const LABELS: [(&str, Label); 56] = [
    ("room_id", || tr!("室")),
    ("person_id", || tr!("対象者")),
    ("name", || tr!("氏名")),
    ("affiliation", || tr!("所属")),
    ("purpose", || tr!("目的")),
    ("name_tag_worn", || tr!("名札の着用")),
    ("escort_id", || tr!("同行者")),
    ("entered_at", || tr!("入室時刻")),
    ("exited_at", || tr!("退室時刻")),
    ("entry", || tr!("入室の記録")),
    ("key_id", || tr!("鍵")),
    ("lent_at", || tr!("貸出時刻")),
    ("due_back", || tr!("返却予定")),
    ("returned_at", || tr!("返却時刻")),
    ("lent_by", || tr!("貸出者")),
    ("received_by", || tr!("受領者")),
    ("loan", || tr!("貸出の記録")),
    ("granted_by", || tr!("許可者")),
    ("from", || tr!("開始日")),
    ("to", || tr!("終了日")),
    ("valid_from", || tr!("有効開始")),
    ("valid_until", || tr!("有効終了")),
    ("target", || tr!("訂正する記録")),
    ("kind", || tr!("種類")),
    ("reason", || tr!("理由")),
    ("date", || tr!("日付")),
    ("place", || tr!("場所")),
    ("chair", || tr!("議長")),
    ("content", || tr!("内容")),
    ("due", || tr!("期限")),
    ("correction", || tr!("訂正の種類")),
    ("record", || tr!("例外となった記録")),
    ("how", || tr!("処置の内容")),
    ("follows", || tr!("先の処置")),
    ("handled_on", || tr!("処置日")),
    ("cycle", || tr!("報告の周期")),
    ("remarks", || tr!("所見")),
    ("findings", || tr!("確認の結果")),
    ("outcome", || tr!("結果")),
    ("note", || tr!("備考")),
    ("level", || tr!("レベル")),
    ("is_default", || tr!("初期値・要編集")),
    ("id", || "ID".into()),
    ("ledger", || tr!("管理簿")),
    ("action", || tr!("操作")),
    ("on", || tr!("日付")),
    ("approved_by", || tr!("承認者")),
    ("collation_id", || tr!("照合ID")),
    ("registered", || tr!("照合情報の登録")),
    ("location", || tr!("設置場所")),
    ("method", || tr!("管理方法")),
    ("category", || tr!("区分")),
    ("label", || tr!("鍵の名称")),
    ("visitor", || tr!("来訪者")),
    ("members", || tr!("出席者")),
    ("agenda", || tr!("審議事項")),
];

/// A field's label in Japanese, whatever the reader's language (for `fields_of`'s keys).
fn japanese_label(key: &str) -> String {
    lang::with(Lang::Ja, || field_label(key))
}

/// The fields of the original a clerk may amend: its text fields.
fn amendable(original: &Event) -> Vec<String> {
    let payload = original.kind.payload_value();
    fields_of(&payload)
        .into_iter()
        .filter(|(k, v)| v.is_string() && !k.ends_with("_id") && !k.ends_with("_by"))
        .map(|(k, _)| k)
        .collect()
}

#[component]
fn CorrectionForm(target: Event, void: Signal<bool>) -> impl IntoView {
    let (store, session) = (use_store(), expect_context::<Session>());
    let voiding = RwSignal::new(false);
    let field = RwSignal::new(String::new());
    let value = RwSignal::new(String::new());
    let reason = RwSignal::new(String::new());
    let fields = StoredValue::new(amendable(&target));
    let target_id = target.id();
    let correct = local_action(move |_: &()| {
        let kind = if voiding.get_untracked() {
            CorrectionKind::Void
        } else {
            let amended = [(field.get_untracked(), value.get_untracked())]
                .into_iter()
                .filter(|(k, v)| !k.is_empty() && !v.trim().is_empty())
                .collect();
            CorrectionKind::Amend { fields: amended }
        };
        let correction = CorrectionRecorded {
            target: target_id.clone(),
            kind,
            reason: reason.get_untracked().trim().to_string(),
        };
        let (store, operator) = (store.clone(), session.operator_id());
        async move {
            let done = tr!("訂正を記録しました。元の記録はそのまま残ります。");
            Outcome::of(store.correct(correction, &operator, Utc::now()).await, done)
        }
    });
    let options = move || {
        fields.with_value(|fields| {
            fields
                .iter()
                .map(|k| view! { <option value=k.clone()>{field_label(k)}</option> })
                .collect_view()
        })
    };
    let voided = || view! { <p class="notice">{tr!("この記録は取り消されています。これ以上の訂正はできません。")}</p> };
    view! {
        <Shown when=move || !void.get() fallback=voided>
            <RecordForm class="card wide correction-form no-print" action=correct>
                <h2>{tr!("訂正・取消を記録")}</h2>
                <p>{tr!("元の記録は消えません。訂正は理由とともに新しい記録として残ります。")}</p>
                <fieldset>
                    <legend>{tr!("種類")}</legend>
                    <label class="check"><input type="radio" name="correction-kind" id="correction-amend"
                        checked on:change=move |_| voiding.set(false)/> {tr!("訂正（項目の内容を正す）")}</label>
                    <label class="check"><input type="radio" name="correction-kind" id="correction-void"
                        on:change=move |_| voiding.set(true)/> {tr!("取消（記録すべきでなかった）")}</label>
                </fieldset>
                <Shown when=move || !voiding.get()>
                    <Field id="correction-field" label=tr!("訂正する項目") refusals=daicho_core::Field::Entry>
                        <select id="correction-field" aria-describedby="correction-field-error"
                            on:change=move |ev| field.set(event_target_value(&ev))>
                            <option value="">{tr!("選んでください")}</option>
                            {options}
                        </select>
                    </Field>
                    <Field id="correction-value" label=tr!("訂正後の内容")>
                        <input id="correction-value" autocomplete="off" bind:value=value/>
                    </Field>
                </Shown>
                <Field id="correction-reason" label=tr!("理由") refusals=daicho_core::Field::Purpose>
                    <input id="correction-reason" autocomplete="off" aria-describedby="correction-reason-error"
                        bind:value=reason/>
                </Field>
                <button type="submit" id="record-correction" class="button primary">{tr!("訂正を記録")}</button>
            </RecordForm>
        </Shown>
    }
}
