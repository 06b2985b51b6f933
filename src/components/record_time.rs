//! The time an entry or exit is recorded with: the moment of recording unless the clerk
//! chooses another (writing up a paper slip afterwards, say).

use super::field_error::FieldError;
use chrono::{DateTime, Utc};
use daicho_core::wareki;
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

#[component]
pub fn RecordTimeControl(time: ChosenTime, errors: RwSignal<Refusals>) -> impl IntoView {
    let choose = move |_| time.set(Some(wareki::jst_input_value(Utc::now())));
    let chosen_input = move || {
        view! {
            <input
                type="datetime-local"
                id="record-time"
                aria-invalid=move || errors.with(|e| e.has(Field::Time)).to_string()
                prop:value=move || time.get().unwrap_or_default()
                on:input=move |ev| time.set(Some(event_target_value(&ev)))
            />
            <button type="button" class="button" on:click=move |_| time.set(None)>
                "現在時刻に戻す"
            </button>
        }
    };
    view! {
        <fieldset class="record-time">
            <legend>"記録する時刻（入室・退室）"</legend>
            <Show when=move || time.get().is_some() fallback=move || view! {
                <span class="now-label">"現在時刻"</span>
                <button type="button" class="button" id="choose-time" on:click=choose>
                    "時刻を指定"
                </button>
            }>
                {chosen_input}
            </Show>
            <FieldError errors field=Field::Time/>
        </fieldset>
    }
}
