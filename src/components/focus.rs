//! Keyboard focus that follows the flow of a task: after a choice, the next field; and the
//! skip link past the header and the register bar to the page's own content.

use daicho_core::tr;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// Focuses the element `id` once the view has drawn what the last change brings (the field
/// may be redrawn by it), so a keyboard user goes on where the task goes on.
pub fn focus_next(id: &'static str) {
    request_animation_frame(move || {
        let element = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id(id))
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
        if let Some(element) = element {
            let _ = element.focus();
        }
    });
}

/// The first thing a keyboard reaches: past the header and the bars of tabs to the page's own
/// content (a button, not a `#` link, which the hash router would take for a page).
#[component]
pub fn SkipLink() -> impl IntoView {
    view! {
        <button type="button" class="skip-link no-print" on:click=move |_| focus_next("page-content")>
            {tr!("本文へ移動")}
        </button>
    }
}
