//! The entry form: room → person (氏名, 所属) → purpose → name tag → time → record.

use super::field_error::FieldError;
use super::record_time::{self, ChosenTime, RecordTimeControl};
use crate::auth::session::Session;
use crate::store::{Store, StoreError};
use chrono::Utc;
use daicho_core::{EntryRecord, EntryRecorded, Field, Refusals, Room};
use leptos::ev::SubmitEvent;
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::rc::Rc;

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
    store: StoredValue<Rc<Store>, LocalStorage>,
    #[prop(into)] room: Signal<Option<Room>>,
    time: ChosenTime,
    on_recorded: Callback<EntryRecord>,
    /// Called when the input was refused (so an earlier success line can be withdrawn).
    on_refused: Callback<()>,
) -> impl IntoView {
    let session = expect_context::<Session>();
    let name = RwSignal::new(String::new());
    let affiliation = RwSignal::new(String::new());
    let purpose = RwSignal::new(String::new());
    let name_tag = RwSignal::new(false);
    let errors = RwSignal::new(Refusals::default());
    let failure = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let name_input = NodeRef::<html::Input>::new();

    let clear = move || {
        name.set(String::new());
        affiliation.set(String::new());
        purpose.set(String::new());
        name_tag.set(false);
        errors.set(Refusals::default());
        failure.set(None);
        if let Some(input) = name_input.get_untracked() {
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
        let room_id = room.get_untracked().map(|r| r.id).unwrap_or_default();
        let entry = EntryRecorded::new(
            &room_id,
            &name.get_untracked(),
            &affiliation.get_untracked(),
            &purpose.get_untracked(),
            name_tag.get_untracked(),
            at,
        );
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
                Err(e @ StoreError::Storage(_)) => {
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
                {move || room.get().map(|r| r.name).unwrap_or_else(|| "部屋を選んでください".into())}
            </p>
            <FieldError errors field=Field::Room/>
            <div class="field">
                <label for="entry-name">"氏名"</label>
                <input id="entry-name" node_ref=name_input autocomplete="off" bind:value=name
                    aria-invalid=invalid(Field::Name)/>
                <FieldError errors field=Field::Name/>
            </div>
            <div class="field">
                <label for="entry-affiliation">"所属"<small>"（来訪者は会社・団体名）"</small></label>
                <input id="entry-affiliation" autocomplete="off" bind:value=affiliation
                    aria-invalid=invalid(Field::Affiliation)/>
                <FieldError errors field=Field::Affiliation/>
            </div>
            <div class="field">
                <label for="entry-purpose">"目的"</label>
                <input id="entry-purpose" list="purposes" autocomplete="off" bind:value=purpose
                    aria-invalid=invalid(Field::Purpose)/>
                <datalist id="purposes">
                    {PURPOSES.map(|p| view! { <option value=p></option> })}
                </datalist>
                <FieldError errors field=Field::Purpose/>
            </div>
            <div class="field name-tag">
                <label class="check">
                    <input type="checkbox" id="entry-name-tag" bind:checked=name_tag
                        aria-invalid=invalid(Field::NameTag)/>
                    "名札の着用を確認した"
                    <small>"（第17条第2項）"</small>
                </label>
                <FieldError errors field=Field::NameTag/>
            </div>
            <RecordTimeControl time errors/>
            <button type="submit" id="record-entry" class="button primary big"
                disabled=move || busy.get()>
                "入室を記録"
            </button>
            <Show when=move || failure.get().is_some()>
                <p class="form-error" role="alert">{move || failure.get()}</p>
            </Show>
        </form>
    }
}
