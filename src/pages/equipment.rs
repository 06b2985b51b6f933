//! アクセス管理の対象機器（第8条・第16条）

use crate::store::Store;
use leptos::prelude::*;
use std::rc::Rc;

#[component]
pub fn EquipmentPage(store: StoredValue<Rc<Store>, LocalStorage>) -> impl IntoView {
    let _ = store;
    view! { <h2>"アクセス管理の対象機器（第8条・第16条）"</h2> }
}
