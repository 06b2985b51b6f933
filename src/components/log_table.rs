//! A register's table: its column headings, one row per record (drawn by the page), kept in
//! place as rows come and go, and a line saying so when there are none.

use leptos::prelude::*;
use std::hash::Hash;

#[component]
pub fn LogTable<T, K, KF, R, V>(
    /// The table's classes, e.g. `register equipment-list`.
    #[prop(into)]
    class: String,
    /// The column headings, in order (an empty one for a column of buttons or links).
    columns: Vec<&'static str>,
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
    K: Eq + Hash + Clone + 'static,
    KF: Fn(&T) -> K + Clone + Send + Sync + 'static,
    R: Fn(T) -> V + Clone + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let headings = columns
        .into_iter()
        .map(|heading| match heading {
            "" => view! { <th scope="col"><span class="visually-hidden">"操作"</span></th> }
                .into_any(),
            text => view! { <th scope="col">{text}</th> }.into_any(),
        })
        .collect_view();
    view! {
        <table class=class>
            <thead><tr>{headings}</tr></thead>
            <tbody>
                <For each=move || rows.get() key=key children=row/>
            </tbody>
        </table>
        <Show when=move || rows.with(Vec::is_empty)>
            <p class="empty">{empty.clone()}</p>
        </Show>
    }
}
