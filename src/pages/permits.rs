//! 入室許可 (第17条第2項・第18条): standing permissions granted beforehand, and per-visit permits
//! for level-3 rooms, each granted by the room's entry manager.

use crate::auth::session::Session;
use crate::components::choices::{PersonSelect, RoomSelect};
use crate::components::ja_day::{ja_day, parse_day};
use crate::components::log_table::LogTable;
use crate::components::record_form::{Field, Outcome, RecordForm};
use crate::components::register_output::RegisterOutput;
use crate::directory::Directory;
use crate::state::{follow_store, local_action, use_store};
use crate::store::{Store, StoreError};
use chrono::{DateTime, NaiveDate, Utc};
use daicho_core::room_permit::{
    PermissionGranted, Permit, PermitRevoked, PermitScope, VisitPermitGranted,
};
use daicho_core::sort::sort_by_key;
use daicho_core::{lang, tr, wareki, Refusal, RefusalCode, Refusals, Room, SecurityLevel};
use leptos::prelude::*;
use std::borrow::Cow;

/// The rooms and the permits of the register.
#[derive(Debug, Clone, Default, PartialEq)]
struct PermitsNow {
    rooms: Vec<Room>,
    permits: Vec<Permit>,
}

impl PermitsNow {
    async fn read(store: &Store) -> crate::store::Result<PermitsNow> {
        Ok(PermitsNow {
            rooms: store.rooms().await?,
            permits: store.permits().await?,
        })
    }

    fn room_name(&self, id: &str) -> String {
        let room = self.rooms.iter().find(|r| r.id == id);
        room.map_or_else(|| id.to_string(), |r| r.name.clone())
    }
}

#[component]
pub fn PermitsPage() -> impl IntoView {
    // Read again after each write or sync.
    let read = follow_store(move |store| async move {
        PermitsNow::read(&store).await.map_err(|e| e.to_string())
    });
    let now = Memo::new(move |_| read.get().and_then(Result::ok).unwrap_or_default());
    let rooms = Signal::derive(move || now.with(|n| n.rooms.clone()));
    let level3 = Signal::derive(move || {
        now.with(|n| {
            let rooms = n.rooms.iter().filter(|r| r.level == SecurityLevel::Three);
            rooms.cloned().collect()
        })
    });
    view! {
        <div class="permits-page" data-ready=move || read.is_read().then_some("true")>
            {move || read.get().and_then(Result::err).map(|e| view! {
                <p class="form-error" role="alert">{tr!("許可の台帳を読めませんでした。")} {e}</p>
            })}
            <GrantStanding rooms/>
            <GrantVisit rooms=level3/>
            <PermitList now/>
        </div>
    }
}

/// A refusal of what the form itself cannot read (a date left empty), said as the store's are.
fn missing(what: &str) -> Refusals {
    let code = RefusalCode::Missing { what: what.into() };
    Refusals(vec![Refusal::new(code, daicho_core::Field::Period, None)])
}

#[component]
fn GrantStanding(rooms: Signal<Vec<Room>>) -> impl IntoView {
    let (store, session) = (use_store(), expect_context::<Session>());
    let person = RwSignal::new(String::new());
    let room = RwSignal::new(String::new());
    let from = RwSignal::new(wareki::to_jst(Utc::now()).date_naive().to_string());
    let to = RwSignal::new(String::new());
    one_day_for_visitors(person, from, to);
    let grant = local_action(move |_: &()| {
        let (store, operator) = (store.clone(), session.operator_id());
        let grant = parse_day(&from.get_untracked()).map(|start| PermissionGranted {
            person_id: person.get_untracked(),
            room_id: room.get_untracked(),
            from: start,
            to: parse_day(&to.get_untracked()),
            granted_by: operator.clone(),
        });
        async move {
            let result = match grant {
                Some(grant) => store.grant_permission(grant, &operator, Utc::now()).await,
                None => Err(StoreError::Refused(missing(&tr!("開始日")))),
            };
            Outcome::of(result, tr!("入室を許可しました。"))
        }
    });
    view! {
        <RecordForm class="card wide standing-form" action=grant>
            <h2>{tr!("入室許可（期間）")}</h2>
            <p class="hint">{tr!("レベル3〜1の室に、事前に期間を定めて許可します（第17条第2項）。来訪者を選ぶと、開始日1日限りの許可になります（終了日は変えられます）。許可できるのは室の入退室管理者です（第18条）。")}</p>
            <PersonSelect id="standing-person" label=tr!("許可する人") value=person/>
            <RoomSelect id="standing-room" label=tr!("室") rooms value=room refusals=daicho_core::Field::Room/>
            <Field id="standing-from" label=tr!("開始日") refusals=daicho_core::Field::Period>
                <input id="standing-from" type="date" aria-describedby="standing-from-error" bind:value=from/>
            </Field>
            <Field id="standing-to" label=tr!("終了日（定めない場合は空欄）")>
                <input id="standing-to" type="date" bind:value=to/>
            </Field>
            <button type="submit" id="grant-standing" class="button primary">{tr!("許可")}</button>
        </RecordForm>
    }
}

/// A visitor's permission is for the day by default: choosing a visitor with no end day set
/// ends it on its first day (one form, today, one tap).
fn one_day_for_visitors(person: RwSignal<String>, from: RwSignal<String>, to: RwSignal<String>) {
    let directory = expect_context::<Directory>();
    Effect::new(move |_| {
        let id = person.get();
        let visitor = directory
            .0
            .with_untracked(|m| m.get(&id).is_some_and(|p| !p.is_staff()));
        if visitor && to.get_untracked().is_empty() {
            to.set(from.get_untracked());
        }
    });
}

#[component]
fn GrantVisit(rooms: Signal<Vec<Room>>) -> impl IntoView {
    let (store, session) = (use_store(), expect_context::<Session>());
    let person = RwSignal::new(String::new());
    let room = RwSignal::new(String::new());
    let from = RwSignal::new(wareki::jst_input_value(Utc::now()));
    let until = RwSignal::new(wareki::jst_input_value(
        Utc::now() + chrono::Duration::hours(2),
    ));
    let purpose = RwSignal::new(String::new());
    let grant = local_action(move |_: &()| {
        let (store, operator) = (store.clone(), session.operator_id());
        let window = (
            wareki::parse_jst_input(&from.get_untracked()),
            wareki::parse_jst_input(&until.get_untracked()),
        );
        let grant = match window {
            (Some(valid_from), Some(valid_until)) => Some(VisitPermitGranted {
                person_id: person.get_untracked(),
                room_id: room.get_untracked(),
                valid_from,
                valid_until,
                purpose: purpose.get_untracked().trim().to_string(),
                granted_by: operator.clone(),
            }),
            _ => None,
        };
        async move {
            let result = match grant {
                Some(grant) => store.grant_visit_permit(grant, &operator, Utc::now()).await,
                None => Err(StoreError::Refused(missing(&tr!("許可する時間")))),
            };
            Outcome::of(result, tr!("その都度の入室を許可しました。"))
        }
    });
    view! {
        <RecordForm class="card wide visit-form" action=grant>
            <h2>{tr!("その都度の入室許可（レベル3）")}</h2>
            <p class="hint">{tr!("入室のたびの許可の措置（第18条第2項）をとる室で使います。措置のない室では、期間の許可で入室できます。")}</p>
            <PersonSelect id="visit-person" label=tr!("許可する人") value=person/>
            <RoomSelect id="visit-room" label=tr!("室") rooms value=room refusals=daicho_core::Field::Room/>
            <Field id="visit-from" label=tr!("許可する時間（から）") refusals=daicho_core::Field::Period>
                <input id="visit-from" type="datetime-local" aria-describedby="visit-from-error" bind:value=from/>
            </Field>
            <Field id="visit-until" label=tr!("許可する時間（まで）")>
                <input id="visit-until" type="datetime-local" bind:value=until/>
            </Field>
            <Field id="visit-purpose" label=tr!("目的") refusals=daicho_core::Field::Purpose>
                <input id="visit-purpose" autocomplete="off" aria-describedby="visit-purpose-error" bind:value=purpose/>
            </Field>
            <button type="submit" id="grant-visit" class="button primary">{tr!("許可")}</button>
        </RecordForm>
    }
}

/// Revokes a permit now, by the operator signed in.
fn revoke_permit() -> Action<Permit, Result<(), String>> {
    let (store, session) = (use_store(), expect_context::<Session>());
    local_action(move |permit: &Permit| {
        let operator = session.operator_id();
        let revocation = PermitRevoked {
            permit: permit.id.clone(),
            at: Utc::now(),
            // ja-only: the reason recorded in the register (data), the same on every device.
            reason: "取消".into(),
            revoked_by: operator.clone(),
        };
        let store = store.clone();
        async move {
            let revoked = store.revoke_permit(revocation, &operator, Utc::now()).await;
            revoked.map(|_| ()).map_err(|e| e.to_string())
        }
    })
}

/// A line of the permit list: the permit and the name of its room.
#[derive(Clone)]
struct PermitLine {
    permit: Permit,
    room: String,
}

#[component]
fn PermitList(now: Memo<PermitsNow>) -> impl IntoView {
    let directory = expect_context::<Directory>();
    let revoke = revoke_permit();
    let filter = PermitFilter::new();
    let lines = Signal::derive(move || {
        let at = Utc::now();
        now.with(|n| {
            let kept = n
                .permits
                .iter()
                .filter(|p| filter.keeps(p, &directory.name_of(&p.person_id), at));
            let mut lines: Vec<PermitLine> = kept
                .map(|p| PermitLine {
                    permit: p.clone(),
                    room: n.room_name(&p.room_id),
                })
                .collect();
            // Newest period first: what a manager reviews is what is valid now or soon.
            sort_by_key(&mut lines, |l| std::cmp::Reverse(starts(&l.permit)));
            lines
        })
    });
    // A line is drawn again when its permit is revoked.
    let key = |l: &PermitLine| (l.permit.id.to_string(), l.permit.revoked_at, l.room.clone());
    let row = move |line: PermitLine| view! { <PermitRow line revoke/> };
    let said = move || {
        revoke.value().get().map(|revoked| match revoked {
            Ok(()) => view! { <p class="status" role="status">{tr!("許可を取り消しました。")}</p> }
                .into_any(),
            Err(e) => view! { <p class="form-error" role="alert">{e}</p> }.into_any(),
        })
    };
    view! {
        <section class="card wide">
            <h2>{tr!("許可の一覧")}</h2>
            <PermitFilters filter rooms=Signal::derive(move || now.with(|n| n.rooms.clone()))/>
            <RegisterOutput what="permits" header=csv_header()
                rows=Signal::derive(move || csv_rows(&lines.get(), directory))
                covers=Signal::derive(move || filter.in_words(now))/>
            <LogTable
                class="register permit-list"
                columns=vec![tr!("許可された人"), tr!("室"), tr!("期間"), tr!("許可した人"), "".into()]
                rows=lines
                key
                row
                empty=tr!("該当する許可はありません。")
            />
            {said}
        </section>
    }
}

/// The CSV's columns.
fn csv_header() -> [Cow<'static, str>; 6] {
    [
        tr!("許可された人"),
        tr!("所属"),
        tr!("室"),
        tr!("期間"),
        tr!("許可した人"),
        tr!("取消"),
    ]
}

/// The permit list's lines for its CSV and print, as the list shows them.
fn csv_rows(lines: &[PermitLine], directory: Directory) -> Vec<Vec<String>> {
    lines
        .iter()
        .map(|l| {
            let p = &l.permit;
            let affiliation = directory
                .0
                .with_untracked(|m| m.get(&p.person_id).map(|x| x.affiliation.clone()));
            vec![
                directory.name_of(&p.person_id),
                affiliation.unwrap_or_default(),
                l.room.clone(),
                period(p),
                directory.name_of(&p.granted_by),
                p.revoked_at.map(wareki::datetime_text).unwrap_or_default(),
            ]
        })
        .collect()
}

#[component]
fn PermitRow(line: PermitLine, revoke: Action<Permit, Result<(), String>>) -> impl IntoView {
    let directory = expect_context::<Directory>();
    let PermitLine { permit, room } = line;
    let name = directory.name_of(&permit.person_id);
    let state = match permit.revoked_at {
        Some(at) => {
            let revoked = tr!("取消 %{at}", at = wareki::datetime_text(at));
            view! { <span class="revoked">{revoked}</span> }.into_any()
        }
        None => {
            let label = tr!("%{name}さんの許可を取り消す", name = name);
            let revoking = permit.clone();
            view! {
                <button type="button" class="button" aria-label=label
                    on:click=move |_| { revoke.dispatch(revoking.clone()); }>{tr!("取り消す")}</button>
            }
            .into_any()
        }
    };
    view! {
        <tr data-person=name.clone()>
            <td><a class="record-link" href=format!("#/record/{}", permit.id)>{name.clone()}</a></td>
            <td>{room}</td>
            <td>{period(&permit)}</td>
            <td>{directory.name_of(&permit.granted_by)}</td>
            <td>{state}</td>
        </tr>
    }
}

/// When a permit's period starts, for sorting.
fn starts(p: &Permit) -> DateTime<Utc> {
    match &p.scope {
        PermitScope::Standing { from, .. } => from
            .and_hms_opt(0, 0, 0)
            .map_or_else(Utc::now, |d| d.and_utc()),
        PermitScope::Visit { valid_from, .. } => *valid_from,
    }
}

/// The period in 和暦 (the Western date beside a day; in English the ISO day alone).
fn period(p: &Permit) -> String {
    let day = |d: NaiveDate| {
        if lang::is_english() {
            ja_day(d)
        } else {
            format!("{}（{d}）", ja_day(d))
        }
    };
    match &p.scope {
        PermitScope::Standing { from, to } => {
            let (from, to) = (day(*from), to.map(day));
            let to = to.unwrap_or_else(|| tr!("（定めなし）").into_owned());
            tr!("%{from} 〜 %{to}", from = from, to = to).into_owned()
        }
        PermitScope::Visit {
            valid_from,
            valid_until,
            purpose,
        } => {
            let from = wareki::datetime_text(*valid_from);
            let until = wareki::time_ja(*valid_until);
            let text = tr!(
                "%{from} 〜 %{until}（%{purpose}）",
                from = from,
                until = until,
                purpose = purpose
            );
            text.into_owned()
        }
    }
}

/// The permit list's filters: room, state, and a name. The register is small (a few
/// thousand permits over years) and read whole for every write's check, so it filters in
/// memory.
#[derive(Clone, Copy)]
struct PermitFilter {
    room: RwSignal<String>,
    state: RwSignal<String>,
    text: RwSignal<String>,
}

impl PermitFilter {
    fn new() -> Self {
        PermitFilter {
            room: RwSignal::new(String::new()),
            state: RwSignal::new("valid".into()),
            text: RwSignal::new(String::new()),
        }
    }

    fn keeps(&self, p: &Permit, name: &str, now: DateTime<Utc>) -> bool {
        let room = self.room.get();
        let text = self.text.get();
        let in_force = p.revoked_at.is_none_or(|r| r > now) && !has_ended(p, now);
        let state_ok = match self.state.get().as_str() {
            "valid" => in_force,
            "ended" => !in_force,
            _ => true,
        };
        (room.is_empty() || p.room_id == room) && state_ok && name.contains(text.trim())
    }

    /// The filter in words, for the printout's heading and the export's record.
    fn in_words(&self, now: Memo<PermitsNow>) -> String {
        let room = self.room.get();
        let room = if room.is_empty() {
            tr!("すべての室").into_owned()
        } else {
            now.with(|n| n.room_name(&room))
        };
        let state = match self.state.get().as_str() {
            "valid" => tr!("有効なもの"),
            "ended" => tr!("取消・期間終了"),
            _ => tr!("すべて"),
        };
        let words = match self.text.get().trim() {
            "" => tr!("%{room}・%{state}", room = room, state = state),
            t => tr!(
                "%{room}・%{state}・「%{text}」で検索",
                room = room,
                state = state,
                text = t
            ),
        };
        words.into_owned()
    }
}

/// A standing permission past its last day, or a visit permit past its window.
fn has_ended(p: &Permit, now: DateTime<Utc>) -> bool {
    match &p.scope {
        PermitScope::Standing { to, .. } => {
            to.is_some_and(|to| to < wareki::to_jst(now).date_naive())
        }
        PermitScope::Visit { valid_until, .. } => *valid_until < now,
    }
}

#[component]
fn PermitFilters(filter: PermitFilter, rooms: Signal<Vec<Room>>) -> impl IntoView {
    view! {
        <div class="logbook-filters" role="search">
            <Field id="permit-filter-room" label=tr!("室")>
                <select id="permit-filter-room" on:change=move |ev| filter.room.set(event_target_value(&ev))>
                    <option value="">{tr!("すべての室")}</option>
                    {move || rooms.get().into_iter().map(|r| view! {
                        <option value=r.id.clone()>{r.name.clone()}</option>
                    }).collect_view()}
                </select>
            </Field>
            <Field id="permit-filter-state" label=tr!("状態")>
                <select id="permit-filter-state" on:change=move |ev| filter.state.set(event_target_value(&ev))>
                    <option value="valid">{tr!("有効なもの")}</option>
                    <option value="ended">{tr!("取消・期間終了")}</option>
                    <option value="all">{tr!("すべて")}</option>
                </select>
            </Field>
            <Field id="permit-filter-text" label=tr!("氏名で検索")>
                <input id="permit-filter-text" autocomplete="off" bind:value=filter.text/>
            </Field>
        </div>
    }
}
