//! Shows its children while `when` holds, else `fallback` (Leptos's `<Show>`), compiled once
//! for every condition of the app: `<Show>` is generic over its condition and its children,
//! so each of the app's 30 conditions had its own memo, effect and view code. Here the
//! condition is boxed and the children are `ChildrenFn`, a boxed closure returning `AnyView`.

use leptos::prelude::*;
use std::sync::Arc;

/// `<Show when fallback>children</Show>`, with the same arguments.
#[component]
pub fn Shown<W>(
    children: ChildrenFn,
    when: W,
    #[prop(optional, into)] fallback: ViewFn,
) -> impl IntoView
where
    W: Fn() -> bool + Send + Sync + 'static,
{
    shown(children, Arc::new(when), fallback)
}

fn shown(
    children: ChildrenFn,
    when: Arc<dyn Fn() -> bool + Send + Sync>,
    fallback: ViewFn,
) -> AnyView {
    view! { <Show when=move || when() fallback>{children()}</Show> }.into_any()
}
