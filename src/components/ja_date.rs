//! A date and time as the town writes it (和暦), with the Western date at hand — or ISO alone
//! in the English UI.

use chrono::{DateTime, Utc};
use daicho_core::{lang, wareki};
use leptos::prelude::*;

#[component]
pub fn JaDateTime(at: DateTime<Utc>) -> impl IntoView {
    view! {
        // The day and the time each whole on a line (a narrow column wraps between them).
        <time datetime=at.to_rfc3339() title=wareki::date_western(at) class="ja-date">
            <span class="day">{wareki::date_text(at)}</span>" "<span class="clock">{wareki::time_ja(at)}</span>
            {(!lang::is_english()).then(|| view! { <small class="western">{wareki::date_western(at)}</small> })}
        </time>
    }
}

/// Only the time of day, for lines of a day's log.
#[component]
pub fn JaTime(at: DateTime<Utc>) -> impl IntoView {
    view! {
        <time datetime=at.to_rfc3339() title=wareki::datetime_text(at)>
            {wareki::time_ja(at)}
        </time>
    }
}
