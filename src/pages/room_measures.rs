//! 入退室管理の措置 (第18条第2項) on 室・鍵: what the town adds to 第17条第2項 room by room —
//! a permit per visit at level 3, visitors escorted, key keepers — each shown with the day it
//! took effect and why, and the form the room's entry manager records one with (in force, or
//! lifted, from a day on). The rule is daicho-core's `entry_measures`; this page only lists.

use crate::auth::session::Session;
use crate::components::choices::RoomSelect;
use crate::components::ja_day::{day_in, ja_day, missing, today};
use crate::components::record_form::{Field, Outcome, RecordForm};
use crate::components::shown::Shown;
use crate::components::staff_choice::StaffSelect;
use crate::directory::Directory;
use crate::state::{local_action, use_store};
use crate::store::StoreError;
use chrono::Utc;
use daicho_core::entry_measures::{in_force_on, EntryMeasure, EntryMeasureSet, RoomMeasure};
use daicho_core::{tr, Room};
use leptos::prelude::*;

/// What the room's measures in force today say, one line each: "入室のたびの許可（令和8年12月1日から）：理由".
pub fn measures_today(measures: &[RoomMeasure], room: &Room, directory: Directory) -> Vec<String> {
    measures_on(measures, room, today(), directory)
}

/// The room's measures in force on `day`, one line each, as `measures_today` says them.
pub fn measures_on(
    measures: &[RoomMeasure],
    room: &Room,
    day: chrono::NaiveDate,
    directory: Directory,
) -> Vec<String> {
    in_force_on(measures, &room.id, day)
        .into_iter()
        .map(|m| {
            let what = match &m.value.measure {
                EntryMeasure::KeyKeeper { person_id } => {
                    tr!("鍵取扱者 %{name}", name = directory.name_of(person_id)).into_owned()
                }
                other => other.name_text().to_string(),
            };
            let (from, reason) = (ja_day(m.value.from), &m.value.reason);
            let line = tr!(
                "%{what}（%{from}から）：%{reason}",
                what = what,
                from = from,
                reason = reason
            );
            line.into_owned()
        })
        .collect()
}

/// The measure chosen in the form's select.
fn measure_of(kind: &str, keeper: String) -> Option<EntryMeasure> {
    match kind {
        "per_visit_permit" => Some(EntryMeasure::PerVisitPermit),
        "visitors_escorted" => Some(EntryMeasure::VisitorsEscorted),
        "key_keeper" => Some(EntryMeasure::KeyKeeper { person_id: keeper }),
        _ => None,
    }
}

/// The entry manager records a measure for a room, in force or lifted from a day (today by
/// default). Only the room's entry manager may (第18条第2項); the store says so otherwise.
#[component]
pub fn MeasureForm(rooms: Signal<Vec<Room>>) -> impl IntoView {
    let (store, session) = (use_store(), expect_context::<Session>());
    let room = RwSignal::new(String::new());
    let kind = RwSignal::new("per_visit_permit".to_string());
    let keeper = RwSignal::new(String::new());
    let in_force = RwSignal::new("true".to_string());
    let from = RwSignal::new(today().to_string());
    let reason = RwSignal::new(String::new());
    let save = local_action(move |_: &()| {
        let (store, operator) = (store.clone(), session.operator_id());
        let measure = measure_of(&kind.get_untracked(), keeper.get_untracked());
        let start = tr!("開始日");
        let set = day_in(&from.get_untracked(), &start, daicho_core::Field::Period).map(|day| {
            measure.map(|measure| EntryMeasureSet {
                room_id: room.get_untracked(),
                measure,
                in_force: in_force.get_untracked() == "true",
                from: day,
                reason: reason.get_untracked().trim().to_string(),
            })
        });
        async move {
            let result = match set {
                Ok(Some(set)) => store.set_entry_measure(set, &operator, Utc::now()).await,
                // Not a measure the form offers: said, never recorded as done.
                Ok(None) => Err(StoreError::Refused(missing(
                    &tr!("措置"),
                    daicho_core::Field::Record,
                    None,
                ))),
                Err(refusals) => Err(StoreError::Refused(refusals)),
            };
            if result.is_ok() {
                reason.try_set(String::new());
            }
            Outcome::of(result, tr!("措置を記録しました。"))
        }
    });
    view! {
        <RecordForm class="card wide measure-form" action=save>
            <h2>{tr!("入退室管理の措置（第18条第2項）")}</h2>
            <p class="hint">{tr!("規程の定め（第17条第2項）に加えて町が行う措置を、室ごとに日付と理由を付けて記録します。")}
                {tr!("記録できるのは室の入退室管理者です。措置をやめるときは「やめる」を記録します。")}</p>
            <RoomSelect id="measure-room" label=tr!("室") rooms value=room refusals=daicho_core::Field::Room/>
            <Field id="measure-kind" label=tr!("措置")>
                <select id="measure-kind" prop:value=move || kind.get()
                    on:change=move |ev| kind.set(event_target_value(&ev))>
                    <option value="per_visit_permit">{tr!("入室のたびの許可（その都度の許可・レベル3）")}</option>
                    <option value="visitors_escorted">{tr!("来訪者は入室を許可された職員が同行")}</option>
                    <option value="key_keeper">{tr!("鍵取扱者の指名（鍵の貸出し・返却の受領）")}</option>
                </select>
            </Field>
            <Shown when=move || kind.get() == "key_keeper">
                <StaffSelect id="measure-keeper" label=tr!("鍵取扱者") value=keeper refusals=daicho_core::Field::Person/>
            </Shown>
            <Field id="measure-in-force" label=tr!("行うか")>
                <select id="measure-in-force" prop:value=move || in_force.get()
                    on:change=move |ev| in_force.set(event_target_value(&ev))>
                    <option value="true">{tr!("行う")}</option>
                    <option value="false">{tr!("やめる")}</option>
                </select>
            </Field>
            <Field id="measure-from" label=tr!("開始日") refusals=daicho_core::Field::Period>
                <input id="measure-from" type="date" aria-describedby="measure-from-error" bind:value=from/>
            </Field>
            <Field id="measure-reason" label=tr!("理由") refusals=daicho_core::Field::Purpose>
                <input id="measure-reason" autocomplete="off" aria-describedby="measure-reason-error" bind:value=reason/>
            </Field>
            <button type="submit" id="record-measure" class="button primary">{tr!("記録")}</button>
        </RecordForm>
    }
}
