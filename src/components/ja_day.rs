//! A calendar day (a term, a ledger date) as the town writes it (和暦), with the Western date
//! at hand — or ISO alone in the English UI; and the helpers the office register forms share
//! for their own checks.

use chrono::{NaiveDate, Utc};
use daicho_core::{lang, wareki};
use daicho_core::{Article, Field, Refusal, RefusalCode, Refusals};
use leptos::prelude::*;

/// A day as the reader's language writes it: 令和8年11月26日 (the Western date alone before
/// 明治6年), or 2026-11-26 in English.
pub fn ja_day(day: NaiveDate) -> String {
    wareki::day_text(day)
}

/// Today in Japan, whatever the device's time zone.
pub fn today() -> NaiveDate {
    wareki::to_jst(Utc::now()).date_naive()
}

/// Reads an `<input type="date">` value; `None` when empty or unreadable.
pub fn parse_day(value: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d").ok()
}

/// A form's own check, before the store's: `what` is left empty. Worded and placed (at
/// `field`) as daicho-core's refusals are, so the form shows it as it shows theirs.
pub fn missing(what: &str, field: Field, article: Option<Article>) -> Refusals {
    let code = RefusalCode::Missing { what: what.into() };
    Refusals(vec![Refusal::new(code, field, article)])
}

/// A form's date input read, or refused at `field` as `what` left empty.
pub fn day_in(value: &str, what: &str, field: Field) -> Result<NaiveDate, Refusals> {
    parse_day(value).ok_or_else(|| missing(what, field, None))
}

#[component]
pub fn JaDay(day: NaiveDate) -> impl IntoView {
    view! {
        <time datetime=day.to_string() title=day.to_string() class="ja-date ja-day">
            {ja_day(day)}
            {(!lang::is_english()).then(|| view! { <small class="western">{day.to_string()}</small> })}
        </time>
    }
}
