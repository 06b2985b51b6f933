//! 指示・依頼（第7条・第20条）

use crate::store::Store;
use leptos::prelude::*;
use std::rc::Rc;

#[component]
pub fn InstructionsPage(store: StoredValue<Rc<Store>, LocalStorage>) -> impl IntoView {
    let _ = store;
    view! { <h2>"指示・依頼（第7条・第20条）"</h2> }
}
