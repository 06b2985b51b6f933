//! 操作者ID・照合ID管理簿（第10条・第11条）

use crate::store::Store;
use leptos::prelude::*;
use std::rc::Rc;

#[component]
pub fn IdLedgersPage(store: StoredValue<Rc<Store>, LocalStorage>) -> impl IntoView {
    let _ = store;
    view! { <h2>"操作者ID・照合ID管理簿（第10条・第11条）"</h2> }
}
