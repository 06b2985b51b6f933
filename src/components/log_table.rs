//! A register's table: its column headings, one row per record (drawn by the page), kept in
//! place as rows come and go, and a line saying so when there are none.

use super::keyed::Keyed;
use super::shown::Shown;
use daicho_core::tr;
use leptos::prelude::*;
use std::borrow::Cow;
use std::hash::Hash;
use std::sync::Arc;

#[component]
pub fn LogTable<T, K, KF, R, V, C>(
    /// The table's classes, e.g. `register equipment-list`.
    #[prop(into)]
    class: String,
    /// The column headings, in order (an empty one for a column of buttons or links): `tr!`
    /// texts, or plain `&'static str`.
    columns: Vec<C>,
    rows: Signal<Vec<T>>,
    /// What identifies a row, so a refresh redraws only the rows that changed.
    key: KF,
    /// Draws one row (a `<tr>`).
    row: R,
    /// Said when there are no rows.
    #[prop(into)]
    empty: String,
) -> impl IntoView
where
    T: Clone + Send + Sync + 'static,
    K: Eq + Hash + Send + Sync + 'static,
    KF: Fn(&T) -> K + Send + Sync + 'static,
    R: Fn(T) -> V + Send + Sync + 'static,
    V: IntoView + 'static,
    C: Into<Cow<'static, str>>,
{
    let columns = columns.into_iter().map(Into::into).collect();
    let body = view! { <Keyed each=move || rows.get() key children=row/> }.into_any();
    let is_empty = Arc::new(move || rows.with(Vec::is_empty));
    table(class, columns, body, is_empty, empty)
}

/// The table around its rows, compiled once for every register (some 25 draw one).
fn table(
    class: String,
    columns: Vec<Cow<'static, str>>,
    body: AnyView,
    is_empty: Arc<dyn Fn() -> bool + Send + Sync>,
    empty: String,
) -> AnyView {
    let headings = columns
        .into_iter()
        .map(|heading| match heading.as_ref() {
            "" => view! { <th scope="col"><span class="visually-hidden">{tr!("操作")}</span></th> }
                .into_any(),
            _ => view! { <th scope="col">{heading}</th> }.into_any(),
        })
        .collect_view();
    view! {
        <table class=class>
            <thead><tr>{headings}</tr></thead>
            <tbody>{body}</tbody>
        </table>
        <Shown when=move || is_empty()>
            <p class="empty">{empty.clone()}</p>
        </Shown>
    }
    .into_any()
}
