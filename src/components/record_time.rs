//! The time an entry or exit is recorded with: the moment of recording unless the clerk
//! chooses another (writing up a paper slip afterwards, say).

use super::record_form::{FieldRefusal, FormState, Outcome};
use super::shown::Shown;
use chrono::{DateTime, Utc};
use daicho_core::{tr, wareki};
use daicho_core::{Field, Refusal, RefusalCode, Refusals};
use leptos::prelude::*;

/// `None`: the moment of recording. `Some(value)`: a `datetime-local` value in JST.
pub type ChosenTime = RwSignal<Option<String>>;

/// The instant to record with, or why the chosen time cannot be read.
pub fn resolve(chosen: Option<String>, now: DateTime<Utc>) -> Result<DateTime<Utc>, Refusals> {
    match chosen {
        None => Ok(now),
        Some(value) => wareki::parse_jst_input(&value).ok_or_else(|| {
            Refusals(vec![Refusal::new(
                RefusalCode::TimeUnreadable,
                Field::Time,
                None,
            )])
        }),
    }
}

/// The time control of a form: the moment of recording, or a time chosen. A refusal of the
/// time shows under it (the enclosing `RecordForm` says which).
#[component]
pub fn RecordTimeControl(time: ChosenTime) -> impl IntoView {
    let outcome = use_context::<FormState>().map(|s| s.outcome);
    let refused = move || {
        outcome.is_some_and(|o| o.with(|o| matches!(o, Outcome::Refused(r) if r.has(Field::Time))))
    };
    let choose = move |_| time.set(Some(wareki::jst_input_value(Utc::now())));
    let chosen_input = move || {
        view! {
            <input
                type="datetime-local"
                id="record-time"
                aria-invalid=move || refused().to_string()
                aria-describedby="record-time-error"
                prop:value=move || time.get().unwrap_or_default()
                on:input=move |ev| time.set(Some(event_target_value(&ev)))
            />
            <button type="button" class="button" on:click=move |_| time.set(None)>
                {tr!("現在時刻に戻す")}
            </button>
        }
    };
    view! {
        <fieldset class="record-time">
            <legend>{tr!("記録する時刻（入室・退室）")}</legend>
            <Shown when=move || time.get().is_some() fallback=move || view! {
                <span class="now-label">{tr!("現在時刻")}</span>
                <button type="button" class="button" id="choose-time" on:click=choose>
                    {tr!("時刻を指定")}
                </button>
            }>
                {chosen_input}
            </Shown>
            <FieldRefusal field=Field::Time id="record-time-error"/>
        </fieldset>
    }
}
