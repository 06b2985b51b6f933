//! One record with its whole history.

use crate::store::Store;
use leptos::prelude::*;
use std::rc::Rc;

#[component]
pub fn RecordPage(store: StoredValue<Rc<Store>, LocalStorage>, id: String) -> impl IntoView {
    let _ = store;
    view! { <h2>{id}</h2> }
}
