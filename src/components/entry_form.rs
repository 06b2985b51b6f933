//! The entry form: room → person from the people register (and, for a visitor, the staff
//! member escorting them) → purpose → name tag → time → record. The store checks what the
//! room's level requires (第17条第2項); the form shows each refusal at its field, and all of
//! them under the form.

use super::choices::{fill_last_purpose, PermittedChips};
use super::focus::focus_after_paint;
use super::inside_list::{Notice, Occupancy};
use super::record_form::{form_busy, Field as RecordField, FieldRefusal, Outcome, RecordForm};
use super::record_time::{self, ChosenTime, RecordTimeControl};
use super::shown::Shown;
use crate::auth::session::Session;
use crate::components::staff_choice::person_label;
use crate::directory::Directory;
use crate::pages::room_measures::measures_today;
use crate::state::{follow_registers, local_action, painted, use_store};
use crate::store::paging::LogQuery;
use crate::store::StoreError;
use chrono::Utc;
use daicho_core::people::PersonDefined;
use daicho_core::sort::sort_by;
use daicho_core::{
    tr, wareki, EntryRecord, EntryRecorded, EventId, Field, RefusalCode, Refusals, Room,
    SecurityLevel,
};
use leptos::prelude::*;
use std::borrow::Cow;

/// Purposes clerks type often (any other may be typed).
fn purposes() -> [Cow<'static, str>; 6] {
    [
        tr!("システム保守"),
        tr!("サーバ点検"),
        tr!("データの保管・搬出入"),
        tr!("窓口業務"),
        tr!("清掃"),
        tr!("監査"),
    ]
}

/// What the form is filled with.
#[derive(Clone, Copy)]
struct Draft {
    person_id: RwSignal<String>,
    escort_id: RwSignal<String>,
    purpose: RwSignal<String>,
    /// The line of another room the operator confirmed the person left unrecorded (the
    /// door's warning, 第19条第1項).
    confirmed_elsewhere: RwSignal<Option<EventId>>,
}

impl Draft {
    fn new() -> Self {
        Draft {
            person_id: RwSignal::new(String::new()),
            escort_id: RwSignal::new(String::new()),
            purpose: RwSignal::new(String::new()),
            confirmed_elsewhere: RwSignal::new(None),
        }
    }

    /// The entry as filled in, into `room` at the time chosen (unreadable: refused).
    fn entry(
        &self,
        room: Option<Room>,
        directory: Directory,
        time: Option<String>,
    ) -> Result<EntryRecorded, Refusals> {
        let at = record_time::resolve(time, Utc::now())?;
        let person_id = self.person_id.get_untracked();
        let person = directory.0.with_untracked(|m| m.get(&person_id).cloned());
        let (name, affiliation) = person.map_or_else(Default::default, |p| (p.name, p.affiliation));
        let room_id = room.map(|r| r.value.id).unwrap_or_default();
        let escort = self.escort_id.get_untracked();
        let entry = EntryRecorded::new(
            &room_id,
            &name,
            &affiliation,
            &self.purpose.get_untracked(),
            // The only way to record is the button confirming the name tag (第17条第2項).
            true,
            at,
        );
        let confirmed = self.confirmed_elsewhere.get_untracked();
        Ok(entry
            .of(&person_id)
            .escorted_by(Some(escort.as_str()))
            .confirming_inside(confirmed))
    }

    /// Empty again for the next person (written once the write returns: the page may be gone).
    fn clear(&self) {
        for field in [self.person_id, self.escort_id, self.purpose] {
            field.try_set(String::new());
        }
        self.confirmed_elsewhere.try_set(None);
    }
}

#[component]
pub fn EntryForm(
    #[prop(into)] room: Signal<Option<Room>>,
    time: ChosenTime,
    /// Shows the entry recorded at once.
    occupancy: Occupancy,
    /// Says who was recorded, or withdraws that line when an entry is refused.
    notice: Notice,
) -> impl IntoView {
    let (store, session) = (use_store(), expect_context::<Session>());
    let directory = expect_context::<Directory>();
    let draft = Draft::new();
    let record = local_action(move |_: &()| {
        let entry = draft.entry(room.get_untracked(), directory, time.get_untracked());
        let (store, operator) = (store.clone(), session.operator_id());
        async move {
            let result = match entry {
                Ok(entry) => store.record_entry(entry, &operator, Utc::now()).await,
                Err(refusals) => Err(StoreError::Refused(refusals)),
            };
            match &result {
                Ok(record) => {
                    // Before anything else, so that the row is drawn from this answer, in a
                    // frame of its own: the notice and the emptied form follow in the next.
                    occupancy.entered(record);
                    painted().await;
                    notice.try_set(Some(entered(record)));
                    draft.clear();
                    focus_after_paint("entry-person");
                }
                Err(_) => {
                    notice.try_set(None);
                }
            }
            Outcome::said_by_page(result)
        }
    });
    fill_purpose_from_last_entry(draft, room);
    read_facts_ahead(draft, room, directory);
    let refused = move |fields: &'static [Field]| move || refused_at(record, fields).to_string();
    let person = move || directory.0.with(|m| m.get(&draft.person_id.get()).cloned());
    // A visitor's escort is recorded on the line at every level; the room's measure may
    // require one (第18条第2項).
    let needs_escort = move || person().is_some_and(|p| !p.is_staff());
    let measures =
        follow_registers(
            move |store| async move { store.entry_measures().await.unwrap_or_default() },
        );
    let measures_here = move || {
        let (room, measures) = (room.get()?, measures.get()?);
        let lines = measures_today(&measures, &room, directory);
        let list = lines.join(&*tr!("／"));
        let text = tr!("この室の措置（第18条第2項）：%{list}", list = list);
        (!lines.is_empty()).then_some(text)
    };
    view! {
        <RecordForm class="entry-form" action=record>
            <h2>{tr!("入室を記録")}</h2>
            <p class="form-room">
                {move || room.get().map(|r| r.value.name).unwrap_or_else(|| tr!("部屋を選んでください").into_owned())}
            </p>
            <FieldRefusal field=Field::Room id="entry-room-error"/>
            <p class="requirement">{move || room.get().map(|r| requirement(r.level))}</p>
            <p class="requirement measure">{measures_here}</p>
            <RecordField id="entry-person" label=tr!("入室する方（職員・来訪者に登録された方）") refusals=Field::Name>
                <PermittedChips room person_id=draft.person_id/>
                <select id="entry-person" prop:value=move || draft.person_id.get()
                    on:change=move |ev| {
                        draft.person_id.set(event_target_value(&ev));
                        draft.confirmed_elsewhere.set(None);
                    }
                    aria-invalid=refused(&[Field::Name, Field::Person])
                    aria-describedby="entry-person-error entry-person-permit-error entry-person-key-error">
                    <option value="">{tr!("選んでください")}</option>
                    <PeopleOptions staff=true/>
                    <PeopleOptions staff=false/>
                </select>
                <p class="person-affiliation">{move || person().map(|p| tr!("所属：%{affiliation}", affiliation = p.affiliation))}</p>
                <FieldRefusal field=Field::Person id="entry-person-permit-error"/>
                <FieldRefusal field=Field::Key id="entry-person-key-error"/>
                <ConfirmElsewhere action=record confirmed=draft.confirmed_elsewhere/>
            </RecordField>
            <Shown when=needs_escort>
                <RecordField id="entry-escort" label=tr!("同行する職員") refusals=Field::Escort>
                    <select id="entry-escort" on:change=move |ev| draft.escort_id.set(event_target_value(&ev))
                        aria-invalid=refused(&[Field::Escort]) aria-describedby="entry-escort-error">
                        <option value="">{tr!("選んでください")}</option>
                        <PeopleOptions staff=true plain=true/>
                    </select>
                </RecordField>
            </Shown>
            <RecordField id="entry-purpose" label=tr!("目的") refusals=Field::Purpose>
                <input id="entry-purpose" list="purposes" autocomplete="off" bind:value=draft.purpose
                    aria-invalid=refused(&[Field::Purpose]) aria-describedby="entry-purpose-error"/>
                <datalist id="purposes">
                    {purposes().map(|p| view! { <option value=p></option> })}
                </datalist>
            </RecordField>
            <RecordTimeControl time/>
            <FieldRefusal field=Field::NameTag id="entry-name-tag-error"/>
            <button type="submit" id="record-entry" class="button primary big"
                disabled=form_busy()>
                {tr!("名札を確認して入室を記録")}
            </button>
            <p class="hint">{tr!("入室する方の名札の着用を確かめてから押してください（第17条第2項）。")}</p>
        </RecordForm>
    }
}

/// After the door's warning that the logbook shows the person inside another room: a box the
/// operator ticks to record the entry all the same (an exit not recorded there). The entry
/// names that line, and is reported to the entry manager as an exception.
#[component]
fn ConfirmElsewhere(
    action: Action<(), Outcome>,
    confirmed: RwSignal<Option<EventId>>,
) -> impl IntoView {
    let warned = move || {
        action.value().with(|outcome| match outcome {
            Some(Outcome::Refused(refusals)) => refusals.0.iter().find_map(|r| match &r.code {
                RefusalCode::InsideAnotherRoom { entry, room, .. } => {
                    Some((entry.parse::<EventId>().ok()?, room.clone()))
                }
                _ => None,
            }),
            _ => None,
        })
    };
    view! {
        <Shown when=move || warned().is_some()>
            <label class="confirm-elsewhere" for="entry-confirm-elsewhere">
                <input type="checkbox" id="entry-confirm-elsewhere"
                    prop:checked=move || confirmed.get().is_some()
                    on:change=move |ev| {
                        let line = warned().map(|(line, _)| line);
                        confirmed.set(line.filter(|_| event_target_checked(&ev)));
                    }/>
                {move || warned().map(|(_, room)| tr!("%{room}の退室が記録されていないことを確かめました。このまま入室を記録します（例外として入退室管理者に報告されます）。", room = room))}
            </label>
        </Shown>
    }
}

/// Did the last submit of `action` refuse one of `fields`? (For the inputs' `aria-invalid`.)
fn refused_at(action: Action<(), Outcome>, fields: &[Field]) -> bool {
    action.value().with(|outcome| match outcome {
        Some(Outcome::Refused(refusals)) => fields.iter().any(|f| refusals.has(*f)),
        _ => false,
    })
}

/// What the page says once an entry is recorded.
fn entered(record: &EntryRecord) -> String {
    let at = wareki::datetime_text(record.entered_at);
    let name = &record.name;
    let text = tr!(
        "%{name}さんの入室を記録しました（%{at}）。",
        name = name,
        at = at
    );
    text.into_owned()
}

/// Fills the purpose with the one the person chosen gave last time in the room.
fn fill_purpose_from_last_entry(draft: Draft, room: Signal<Option<Room>>) {
    let store = use_store();
    let room_id = Memo::new(move |_| room.with(|r| r.as_ref().map(|r| r.id.clone())));
    fill_last_purpose(draft.person_id, draft.purpose, move |who| {
        let (room_id, store) = (room_id.get(), store.clone());
        async move {
            let room_id = room_id?;
            let recent = LogQuery::newest(5);
            let rows = store.entry_page(None, Some(&who), &recent).await.ok()?.rows;
            rows.into_iter()
                .find(|e| e.room_id == room_id)
                .map(|e| e.purpose)
        }
    });
}

/// Once the room and who enters are chosen, the store reads what the verdict on their entry
/// will read (`Store::read_entry_facts_ahead`): the tap then waits for its write alone, as
/// long as nothing was written meanwhile.
fn read_facts_ahead(draft: Draft, room: Signal<Option<Room>>, directory: Directory) {
    let (store, session) = (use_store(), expect_context::<Session>());
    Effect::new(move |_| {
        let (room, person) = (room.get(), draft.person_id.get());
        draft.escort_id.track();
        if room.is_none() || person.is_empty() {
            return;
        }
        let Ok(entry) = draft.entry(room, directory, None) else {
            return;
        };
        let (store, operator) = (store.clone(), session.operator_id());
        leptos::task::spawn_local(async move {
            // A read that fails leaves the tap to read for itself, and say what failed.
            let _ = store.read_entry_facts_ahead(&entry, &operator).await;
        });
    });
}

/// What the room's level asks at the door (第17条第2項), shown above the form.
fn requirement(level: SecurityLevel) -> Cow<'static, str> {
    match level {
        SecurityLevel::Three => tr!("レベル3：入退室管理者の事前の許可と、入室のたびに貸出しを受けた鍵が必要です（第17条第2項）。"),
        SecurityLevel::Two => tr!("レベル2：入退室管理者の事前の許可と、この室の鍵が必要です（第17条第2項）。"),
        SecurityLevel::One => tr!("レベル1：入退室管理者の事前の許可が必要です。来訪者も許可を受けて入室します（第17条第2項）。"),
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
        sort_by(&mut people, |a, b| {
            (&a.affiliation, &a.name).cmp(&(&b.affiliation, &b.name))
        });
        people
            .into_iter()
            .map(|p| {
                let text = person_label(&p);
                view! { <option value=p.id>{text}</option> }
            })
            .collect_view()
    };
    let label = if staff {
        tr!("職員")
    } else {
        tr!("来訪者")
    };
    if plain {
        options.into_any()
    } else {
        view! { <optgroup label=label>{options}</optgroup> }.into_any()
    }
}
