//! 入室許可 (第17条第2項・第18条): standing permissions granted beforehand, and per-visit permits
//! for level-3 rooms, each granted by the room's entry manager.

use crate::auth::session::Session;
use crate::components::choices::{PersonSelect, RoomSelect};
use crate::components::form_message::{FormMessage, Outcome};
use crate::components::ja_day::ja_day;
use crate::directory::Directory;
use chrono::{NaiveDate, Utc};
use daicho_core::room_permit::{
    PermissionGranted, Permit, PermitRevoked, PermitScope, VisitPermitGranted,
};
use daicho_core::{wareki, Room, SecurityLevel};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;

#[component]
pub fn PermitsPage() -> impl IntoView {
    let store = crate::state::use_store_value();
    let rooms = RwSignal::new(Vec::<Room>::new());
    let permits = RwSignal::new(Vec::<Permit>::new());
    let reload = move || {
        spawn_local(async move {
            let store = store.get_value();
            if let (Ok(r), Ok(p)) = (store.rooms().await, store.permits().await) {
                rooms.set(r);
                permits.set(p);
            }
        })
    };
    reload();
    let on_granted = Callback::new(move |()| reload());
    let level3 = Signal::derive(move || {
        rooms.with(|r| {
            r.iter()
                .filter(|r| r.level == SecurityLevel::Three)
                .cloned()
                .collect()
        })
    });
    view! {
        <div class="permits-page" data-ready="true">
            <GrantStanding rooms=Signal::from(rooms) on_granted/>
            <GrantVisit rooms=level3 on_granted/>
            <PermitList permits rooms on_revoked=on_granted/>
        </div>
    }
}

fn parse_day(value: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(value, "%Y-%m-%d").ok()
}

#[component]
fn GrantStanding(rooms: Signal<Vec<Room>>, on_granted: Callback<()>) -> impl IntoView {
    let store = crate::state::use_store_value();
    let session = expect_context::<Session>();
    let person = RwSignal::new(String::new());
    let room = RwSignal::new(String::new());
    let from = RwSignal::new(wareki::to_jst(Utc::now()).date_naive().to_string());
    let to = RwSignal::new(String::new());
    let message = RwSignal::new(None::<(bool, String)>);
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let Some(start) = parse_day(&from.get_untracked()) else {
            return message.set(Some((false, "開始日を入力してください。".into())));
        };
        let grant = PermissionGranted {
            person_id: person.get_untracked(),
            room_id: room.get_untracked(),
            from: start,
            to: parse_day(&to.get_untracked()),
            granted_by: session.operator_id(),
        };
        let (store, operator) = (store.get_value(), session.operator_id());
        spawn_local(async move {
            match store.grant_permission(grant, &operator, Utc::now()).await {
                Ok(_) => {
                    message.set(Some((true, "入室を許可しました。".into())));
                    on_granted.run(());
                }
                Err(e) => message.set(Some((false, e.to_string()))),
            }
        });
    };
    view! {
        <form class="card wide standing-form" on:submit=submit>
            <h2>"入室許可（期間）"</h2>
            <p class="hint">"レベル2・1の室に、事前に期間を定めて許可します。許可できるのは室の入退室管理者です（第18条）。"</p>
            <PersonSelect id="standing-person" label="許可する人" value=person/>
            <RoomSelect id="standing-room" label="室" rooms=rooms value=room/>
            <div class="field">
                <label for="standing-from">"開始日"</label>
                <input id="standing-from" type="date" bind:value=from/>
            </div>
            <div class="field">
                <label for="standing-to">"終了日（定めない場合は空欄）"</label>
                <input id="standing-to" type="date" bind:value=to/>
            </div>
            <button type="submit" id="grant-standing" class="button primary">"許可"</button>
            <FormMessage outcome=message/>
        </form>
    }
}

#[component]
fn GrantVisit(rooms: Signal<Vec<Room>>, on_granted: Callback<()>) -> impl IntoView {
    let store = crate::state::use_store_value();
    let session = expect_context::<Session>();
    let person = RwSignal::new(String::new());
    let room = RwSignal::new(String::new());
    let from = RwSignal::new(wareki::jst_input_value(Utc::now()));
    let until = RwSignal::new(wareki::jst_input_value(
        Utc::now() + chrono::Duration::hours(2),
    ));
    let purpose = RwSignal::new(String::new());
    let message = RwSignal::new(None::<(bool, String)>);
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let window = (
            wareki::parse_jst_input(&from.get_untracked()),
            wareki::parse_jst_input(&until.get_untracked()),
        );
        let (Some(valid_from), Some(valid_until)) = window else {
            return message.set(Some((false, "許可する時間を入力してください。".into())));
        };
        let grant = VisitPermitGranted {
            person_id: person.get_untracked(),
            room_id: room.get_untracked(),
            valid_from,
            valid_until,
            purpose: purpose.get_untracked().trim().to_string(),
            granted_by: session.operator_id(),
        };
        let (store, operator) = (store.get_value(), session.operator_id());
        spawn_local(async move {
            match store.grant_visit_permit(grant, &operator, Utc::now()).await {
                Ok(_) => {
                    message.set(Some((true, "その都度の入室を許可しました。".into())));
                    on_granted.run(());
                }
                Err(e) => message.set(Some((false, e.to_string()))),
            }
        });
    };
    view! {
        <form class="card wide visit-form" on:submit=submit>
            <h2>"その都度の入室許可（レベル3）"</h2>
            <PersonSelect id="visit-person" label="許可する人" value=person/>
            <RoomSelect id="visit-room" label="室" rooms=rooms value=room/>
            <div class="field">
                <label for="visit-from">"許可する時間（から）"</label>
                <input id="visit-from" type="datetime-local" bind:value=from/>
            </div>
            <div class="field">
                <label for="visit-until">"許可する時間（まで）"</label>
                <input id="visit-until" type="datetime-local" bind:value=until/>
            </div>
            <div class="field">
                <label for="visit-purpose">"目的"</label>
                <input id="visit-purpose" autocomplete="off" bind:value=purpose/>
            </div>
            <button type="submit" id="grant-visit" class="button primary">"許可"</button>
            <FormMessage outcome=message/>
        </form>
    }
}

#[component]
fn PermitList(
    permits: RwSignal<Vec<Permit>>,
    rooms: RwSignal<Vec<Room>>,
    on_revoked: Callback<()>,
) -> impl IntoView {
    let store = crate::state::use_store_value();
    let directory = expect_context::<Directory>();
    let session = expect_context::<Session>();
    let message: Outcome = RwSignal::new(None);
    let revoke = move |permit: Permit| {
        let revocation = PermitRevoked {
            permit: permit.id.clone(),
            at: Utc::now(),
            reason: "取消".into(),
            revoked_by: session.operator_id(),
        };
        let (store, operator) = (store.get_value(), session.operator_id());
        spawn_local(async move {
            match store.revoke_permit(revocation, &operator, Utc::now()).await {
                Ok(_) => message.set(Some((true, "許可を取り消しました。".into()))),
                Err(e) => message.set(Some((false, e.to_string()))),
            }
            on_revoked.run(());
        });
    };
    let room_name = move |id: &str| {
        rooms
            .with(|r| r.iter().find(|r| r.id == id).map(|r| r.name.clone()))
            .unwrap_or_else(|| id.to_string())
    };
    let filter = PermitFilter::new();
    let shown = move || {
        let now = Utc::now();
        let mut list: Vec<Permit> = permits.with(|all| {
            all.iter()
                .filter(|p| filter.keeps(p, &directory.name_of(&p.person_id), now))
                .cloned()
                .collect()
        });
        // Newest period first: what a manager reviews is what is valid now or soon.
        list.sort_by_key(|p| std::cmp::Reverse(starts(p)));
        list
    };
    view! {
        <section class="card wide">
            <h2>"許可の一覧"</h2>
            <PermitFilters filter rooms/>
            <table class="register permit-list">
                <thead>
                    <tr><th>"許可された人"</th><th>"室"</th><th>"期間"</th><th>"許可した人"</th><th></th></tr>
                </thead>
                <tbody>
                    {move || shown().into_iter().map(|p| view! {
                        <tr data-person=directory.name_of(&p.person_id)>
                            <td><a class="record-link" href=format!("#/record/{}", p.id)>{directory.name_of(&p.person_id)}</a></td>
                            <td>{room_name(&p.room_id)}</td>
                            <td>{period(&p)}</td>
                            <td>{directory.name_of(&p.granted_by)}</td>
                            <td>{match p.revoked_at {
                                Some(at) => view! { <span class="revoked">"取消 " {wareki::datetime_ja(at)}</span> }.into_any(),
                                None => {
                                    let label = format!("{}さんの許可を取り消す", directory.name_of(&p.person_id));
                                    let revoking = p.clone();
                                    view! {
                                        <button type="button" class="button" aria-label=label
                                            on:click=move |_| revoke(revoking.clone())>"取消"</button>
                                    }.into_any()
                                }
                            }}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
            <FormMessage outcome=message/>
        </section>
    }
}

/// When a permit's period starts, for sorting.
fn starts(p: &Permit) -> chrono::DateTime<Utc> {
    match &p.scope {
        PermitScope::Standing { from, .. } => from
            .and_hms_opt(0, 0, 0)
            .map_or_else(Utc::now, |d| d.and_utc()),
        PermitScope::Visit { valid_from, .. } => *valid_from,
    }
}

/// The period in 和暦 (the Western date beside a day).
fn period(p: &Permit) -> String {
    let day = |d: NaiveDate| format!("{}（{d}）", ja_day(d));
    match &p.scope {
        PermitScope::Standing { from, to } => format!(
            "{} 〜 {}",
            day(*from),
            to.map_or_else(|| "（定めなし）".to_string(), day)
        ),
        PermitScope::Visit {
            valid_from,
            valid_until,
            purpose,
        } => format!(
            "{} 〜 {}（{purpose}）",
            wareki::datetime_ja(*valid_from),
            wareki::time_ja(*valid_until)
        ),
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

    fn keeps(&self, p: &Permit, name: &str, now: chrono::DateTime<Utc>) -> bool {
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
}

/// A standing permission past its last day, or a visit permit past its window.
fn has_ended(p: &Permit, now: chrono::DateTime<Utc>) -> bool {
    match &p.scope {
        PermitScope::Standing { to, .. } => {
            to.is_some_and(|to| to < wareki::to_jst(now).date_naive())
        }
        PermitScope::Visit { valid_until, .. } => *valid_until < now,
    }
}

#[component]
fn PermitFilters(filter: PermitFilter, rooms: RwSignal<Vec<Room>>) -> impl IntoView {
    view! {
        <div class="logbook-filters" role="search">
            <div class="field">
                <label for="permit-filter-room">"室"</label>
                <select id="permit-filter-room" on:change=move |ev| filter.room.set(event_target_value(&ev))>
                    <option value="">"すべての室"</option>
                    {move || rooms.get().into_iter().map(|r| view! {
                        <option value=r.id.clone()>{r.name.clone()}</option>
                    }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="permit-filter-state">"状態"</label>
                <select id="permit-filter-state" on:change=move |ev| filter.state.set(event_target_value(&ev))>
                    <option value="valid">"有効なもの"</option>
                    <option value="ended">"取消・期間終了"</option>
                    <option value="all">"すべて"</option>
                </select>
            </div>
            <div class="field">
                <label for="permit-filter-text">"氏名で検索"</label>
                <input id="permit-filter-text" autocomplete="off" bind:value=filter.text/>
            </div>
        </div>
    }
}
