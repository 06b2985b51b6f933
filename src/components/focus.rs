//! Keyboard focus that follows the flow of a task: after a choice, the next field; and the
//! skip link past the header and the register bar to the page's own content.

use daicho_core::tr;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// Focuses the element `id` once the view has drawn what the last change brings (the field
/// may be redrawn by it), so a keyboard user goes on where the task goes on.
pub fn focus_next(id: &'static str) {
    request_animation_frame(move || focus_now(id));
}

/// Focuses the element `id` once the next frame is painted: after a tap at the door, the row it
/// added is drawn first (a focus forces the browser to bring style and layout up to date at
/// once, ~1 ms before the row could be drawn), and the cursor is back in the person's field a
/// frame later.
pub fn focus_after_paint(id: &'static str) {
    crate::state::after_paint(move || focus_now(id));
}

fn focus_now(id: &str) {
    let element = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(id))
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
    if let Some(element) = element {
        let _ = element.focus();
    }
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
