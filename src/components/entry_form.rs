//! The entry form: room → person from the people register (and, for a visitor, the staff
//! member escorting them) → purpose → name tag → time → record. The store checks what the
//! room's level requires (第17条第2項) and the form shows each refusal at its field.

use super::choices::PermittedChips;
use super::field_error::FieldError;
use super::record_time::{self, ChosenTime, RecordTimeControl};
use crate::auth::session::Session;
use crate::directory::Directory;
use crate::store::paging::LogQuery;
use crate::store::StoreError;
use chrono::Utc;
use daicho_core::people::PersonDefined;
use daicho_core::{EntryRecord, EntryRecorded, Field, Refusals, Room, SecurityLevel};
use leptos::ev::SubmitEvent;
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// Purposes clerks type often (any other may be typed).
const PURPOSES: [&str; 6] = [
    "システム保守",
    "サーバ点検",
    "データの保管・搬出入",
    "窓口業務",
    "清掃",
    "監査",
];

#[component]
pub fn EntryForm(
    #[prop(into)] room: Signal<Option<Room>>,
    time: ChosenTime,
    on_recorded: Callback<EntryRecord>,
    /// Called when the input was refused (so an earlier success line can be withdrawn).
    on_refused: Callback<()>,
) -> impl IntoView {
    let store = crate::state::use_store_value();
    let session = expect_context::<Session>();
    let directory = expect_context::<Directory>();
    let person_id = RwSignal::new(String::new());
    let escort_id = RwSignal::new(String::new());
    let purpose = RwSignal::new(String::new());
    let errors = RwSignal::new(Refusals::default());
    let failure = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let person_input = NodeRef::<html::Select>::new();
    let person = move || directory.0.with(|m| m.get(&person_id.get()).cloned());
    let needs_escort = move || {
        let level_1 = room.get().is_some_and(|r| r.level == SecurityLevel::One);
        level_1 && person().is_some_and(|p| !p.is_staff())
    };

    // The purpose a person gave last time in this room is usually the purpose again.
    Effect::new(move |_| {
        let (who, room_id) = (person_id.get(), room.get().map(|r| r.value.id));
        let (Some(room_id), false) = (room_id, who.is_empty()) else {
            return;
        };
        let store = store.get_value();
        spawn_local(async move {
            let recent = store
                .entry_page(None, Some(&who), &LogQuery::newest(5))
                .await;
            // Another person or room chosen meanwhile: its own read fills the purpose.
            let still = person_id.get_untracked() == who
                && room.with_untracked(|r| r.as_ref().is_some_and(|r| r.id == room_id));
            let last = recent.ok().filter(|_| still).and_then(|page| {
                page.rows
                    .into_iter()
                    .find(|e| e.room_id == room_id)
                    .map(|e| e.purpose)
            });
            if let (Some(last), true) = (last, purpose.get_untracked().is_empty()) {
                purpose.set(last);
            }
        });
    });

    let clear = move || {
        person_id.set(String::new());
        escort_id.set(String::new());
        purpose.set(String::new());
        errors.set(Refusals::default());
        failure.set(None);
        if let Some(input) = person_input.get_untracked() {
            input.set_value("");
            let _ = input.focus();
        }
    };

    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let at = match record_time::resolve(time.get_untracked(), Utc::now()) {
            Ok(at) => at,
            Err(refusals) => {
                on_refused.run(());
                return errors.set(refusals);
            }
        };
        let room_id = room.get_untracked().map(|r| r.value.id).unwrap_or_default();
        let who = directory
            .0
            .with_untracked(|m| m.get(&person_id.get_untracked()).cloned());
        let (name, affiliation) = who.map_or_else(Default::default, |p| (p.name, p.affiliation));
        let escort = escort_id.get_untracked();
        let entry = EntryRecorded::new(
            &room_id,
            &name,
            &affiliation,
            &purpose.get_untracked(),
            // The only way to record is the button confirming the name tag (第17条第2項).
            true,
            at,
        )
        .of(&person_id.get_untracked())
        .escorted_by(Some(escort.as_str()));
        busy.set(true);
        let store = store.get_value();
        spawn_local(async move {
            let result = store
                .record_entry(entry, &session.operator_id(), Utc::now())
                .await;
            busy.set(false);
            match result {
                Ok(record) => {
                    clear();
                    on_recorded.run(record);
                }
                Err(StoreError::Refused(refusals)) => {
                    on_refused.run(());
                    errors.set(refusals);
                }
                Err(e) => {
                    on_refused.run(());
                    failure.set(Some(e.to_string()));
                }
            }
        });
    };

    let invalid = move |field: Field| move || errors.with(|e| e.has(field)).to_string();
    view! {
        <form class="entry-form" on:submit=submit novalidate>
            <h2>"入室を記録"</h2>
            <p class="form-room">
                {move || room.get().map(|r| r.value.name).unwrap_or_else(|| "部屋を選んでください".into())}
            </p>
            <FieldError errors field=Field::Room/>
            <p class="requirement">{move || room.get().map(|r| requirement(r.level))}</p>
            <div class="field">
                <label for="entry-person">"入室する方"<small>"（職員・来訪者に登録された方）"</small></label>
                <PermittedChips room person_id/>
                <select id="entry-person" node_ref=person_input prop:value=move || person_id.get()
                    on:change=move |ev| person_id.set(event_target_value(&ev))
                    aria-invalid=move || errors.with(|e| e.has(Field::Name) || e.has(Field::Person)).to_string()>
                    <option value="">"選んでください"</option>
                    <PeopleOptions staff=true/>
                    <PeopleOptions staff=false/>
                </select>
                <p class="person-affiliation">{move || person().map(|p| format!("所属：{}", p.affiliation))}</p>
                <FieldError errors field=Field::Name/>
                <FieldError errors field=Field::Person/>
                <FieldError errors field=Field::Key/>
            </div>
            <Show when=needs_escort>
                <div class="field">
                    <label for="entry-escort">"同行する職員"<small>"（入室を許可された職員）"</small></label>
                    <select id="entry-escort" on:change=move |ev| escort_id.set(event_target_value(&ev))
                        aria-invalid=invalid(Field::Escort)>
                        <option value="">"選んでください"</option>
                        <PeopleOptions staff=true plain=true/>
                    </select>
                    <FieldError errors field=Field::Escort/>
                </div>
            </Show>
            <div class="field">
                <label for="entry-purpose">"目的"</label>
                <input id="entry-purpose" list="purposes" autocomplete="off" bind:value=purpose
                    aria-invalid=invalid(Field::Purpose)/>
                <datalist id="purposes">
                    {PURPOSES.map(|p| view! { <option value=p></option> })}
                </datalist>
                <FieldError errors field=Field::Purpose/>
            </div>
            <FieldError errors field=Field::NameTag/>
            <RecordTimeControl time errors/>
            <FieldError errors field=Field::Record/>
            <button type="submit" id="record-entry" class="button primary big"
                disabled=move || busy.get()>
                "名札を確認して入室を記録"
            </button>
            <p class="hint">"入室する方の名札の着用を確かめてから押してください（第17条第2項）。"</p>
            <Show when=move || failure.get().is_some()>
                <p class="form-error" role="alert">{move || failure.get()}</p>
            </Show>
        </form>
    }
}

/// What the room's level asks at the door (第17条第2項), shown above the form.
fn requirement(level: SecurityLevel) -> &'static str {
    match level {
        SecurityLevel::Three => "レベル3：その都度の入室許可と、この入室のために借りた鍵が必要です（第17条第2項）。",
        SecurityLevel::Two => "レベル2：事前の入室許可と、この室の鍵が必要です（第17条第2項）。",
        SecurityLevel::One => "レベル1：事前の入室許可が必要です。許可のない来訪者は許可を受けた職員が同行します（第17条第2項）。",
    }
}

/// The staff (or the visitors) of the people register as options, in a group unless `plain`.
#[component]
fn PeopleOptions(staff: bool, #[prop(optional)] plain: bool) -> impl IntoView {
    let directory = expect_context::<Directory>();
    let options = move || {
        let mut people: Vec<PersonDefined> = directory.0.with(|m| {
            m.values()
                .filter(|p| p.is_staff() == staff)
                .cloned()
                .collect()
        });
        people.sort_by(|a, b| (&a.affiliation, &a.name).cmp(&(&b.affiliation, &b.name)));
        people
            .into_iter()
            .map(|p| {
                let text = format!("{}（{}）", p.name, p.affiliation);
                view! { <option value=p.id>{text}</option> }
            })
            .collect_view()
    };
    let label = if staff { "職員" } else { "来訪者" };
    if plain {
        options.into_any()
    } else {
        view! { <optgroup label=label>{options}</optgroup> }.into_any()
    }
}
