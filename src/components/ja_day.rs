//! A calendar day (no time) as the town writes it, in 和暦 with the Western date at hand; and
//! the `<input type="date">` values the register forms read.

use chrono::{NaiveDate, Utc};
use daicho_core::wareki::{self, WarekiDate};
use leptos::prelude::*;

/// 令和8年6月10日 (the Western date alone before 明治6年).
pub fn day_ja(day: NaiveDate) -> String {
    WarekiDate::from_date(day).map_or_else(|| day.to_string(), |w| w.to_string())
}

/// Today in Japan, whatever the device's time zone.
pub fn today() -> NaiveDate {
    wareki::to_jst(Utc::now()).date_naive()
}

/// Reads an `<input type="date">` value (`2026-06-10`); `None` when empty or unreadable.
pub fn parse_day(value: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d").ok()
}

#[component]
pub fn JaDay(day: NaiveDate) -> impl IntoView {
    let (western, datetime, title) = (day.to_string(), day.to_string(), day.to_string());
    view! {
        <time datetime=datetime title=title class="ja-date">
            {day_ja(day)}
            <small class="western">{western}</small>
        </time>
    }
}
