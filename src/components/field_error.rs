//! The messages refusing one field, shown right under it.

use daicho_core::{Field, Refusals};
use leptos::prelude::*;

#[component]
pub fn FieldError(errors: RwSignal<Refusals>, field: Field) -> impl IntoView {
    let messages = move || {
        errors.with(|e| {
            e.for_field(field)
                .map(|r| r.message_ja())
                .collect::<Vec<_>>()
        })
    };
    view! {
        <Show when=move || !messages().is_empty()>
            <p class="field-error" role="alert" data-field=format!("{field:?}")>
                {move || messages().join(" ")}
            </p>
        </Show>
    }
}
