//! 情報資産（第13–15条）

use crate::store::Store;
use leptos::prelude::*;
use std::rc::Rc;

#[component]
pub fn AssetsPage(store: StoredValue<Rc<Store>, LocalStorage>) -> impl IntoView {
    let _ = store;
    view! { <h2>"情報資産（第13–15条）"</h2> }
}
