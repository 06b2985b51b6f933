//! Who is inside the room now, each with a one-tap exit.

use super::ja_date::JaTime;
use super::record_time::{self, ChosenTime};
use crate::auth::session::Session;
use crate::store::StoreError;
use chrono::Utc;
use daicho_core::{EntryRecord, ExitRecorded};
use leptos::prelude::*;
use leptos::task::spawn_local;

#[component]
pub fn InsideList(
    #[prop(into)] inside: Signal<Vec<EntryRecord>>,
    time: ChosenTime,
    on_exited: Callback<EntryRecord>,
    /// Called when the list was out of date (someone left on another tab or device).
    on_stale: Callback<()>,
    /// Called when an exit was refused (so an earlier success line can be withdrawn).
    on_refused: Callback<()>,
) -> impl IntoView {
    let store = crate::state::use_store_value();
    let session = expect_context::<Session>();
    let error = RwSignal::new(None::<String>);
    let refuse = move |message: String| {
        on_refused.run(());
        error.set(Some(message));
    };
    let record_exit = move |entry: EntryRecord| {
        let exited_at = match record_time::resolve(time.get_untracked(), Utc::now()) {
            Ok(at) => at,
            Err(refusals) => return refuse(refusals.to_string()),
        };
        let exit = ExitRecorded {
            entry: entry.id.clone(),
            exited_at,
        };
        let store = store.get_value();
        spawn_local(async move {
            match store
                .record_exit(exit, &session.operator_id(), Utc::now())
                .await
            {
                Ok(record) => {
                    error.set(None);
                    on_exited.run(record);
                }
                Err(StoreError::Refused(refusals)) => {
                    refuse(format!("{}さん: {refusals}", entry.name));
                    if refusals.has(daicho_core::Field::Entry) {
                        on_stale.run(());
                    }
                }
                Err(e) => refuse(e.to_string()),
            }
        });
    };
    view! {
        <Show when=move || error.get().is_some()>
            <p class="field-error exit-error" role="alert">{move || error.get()}</p>
        </Show>
        <Show when=move || !inside.with(Vec::is_empty)
            fallback=|| view! { <p class="empty">"入室中の人はいません。"</p> }>
            <ul class="inside-list">
                <For each=move || inside.get() key=|e| e.id.to_string() children=move |entry| {
                    let label = format!("{}さんの退室を記録", entry.name);
                    let exiting = entry.clone();
                    view! {
                        <li class="inside-row">
                            <span class="who">
                                <strong>{entry.name.clone()}</strong>
                                <span class="affiliation">{entry.affiliation.clone()}</span>
                            </span>
                            <span class="since">"入室 " <JaTime at=entry.entered_at/></span>
                            <span class="purpose">{entry.purpose.clone()}</span>
                            <button type="button" class="button exit" aria-label=label
                                on:click=move |_| record_exit(exiting.clone())>
                                "退室"
                            </button>
                        </li>
                    }
                }/>
            </ul>
        </Show>
    }
}
