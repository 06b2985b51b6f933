//! The line under a form saying what happened: done (status) or refused (alert).

use leptos::prelude::*;

/// `(true, text)` for a success, `(false, text)` for a refusal or failure.
pub type Outcome = RwSignal<Option<(bool, String)>>;

#[component]
pub fn FormMessage(outcome: Outcome) -> impl IntoView {
    move || {
        outcome.get().map(|(ok, text)| {
            view! { <p class=if ok { "status" } else { "form-error" } role="alert">{text}</p> }
        })
    }
}
