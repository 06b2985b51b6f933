//! The link from a line of a register to its record page (history and corrections).

use daicho_core::{tr, EventId};
use leptos::prelude::*;

/// The address of a record's own page.
pub fn record_href(id: &EventId) -> String {
    format!("#/record/{id}")
}

#[component]
pub fn RecordLink(
    id: EventId,
    /// The link's text (a `tr!` text, or a plain `&'static str`).
    #[prop(optional, into)]
    label: String,
) -> impl IntoView {
    // The bare link ("記録") is a way to the record on screen, nothing to read on paper.
    let (text, bare) = if label.is_empty() {
        (tr!("記録").into_owned(), true)
    } else {
        (label, false)
    };
    view! {
        <a class="record-link" class:bare=bare href=record_href(&id) data-event=id.to_string()>{text}</a>
    }
}
