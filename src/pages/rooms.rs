//! 室と鍵（第17条・第19条）

use crate::store::Store;
use leptos::prelude::*;
use std::rc::Rc;

#[component]
pub fn RoomsPage(store: StoredValue<Rc<Store>, LocalStorage>) -> impl IntoView {
    let _ = store;
    view! { <h2>"室と鍵（第17条・第19条）"</h2> }
}
