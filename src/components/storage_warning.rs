//! The tablet's storage running low, or not kept for good while records wait unsent: told on
//! every page, so the operator syncs before anything is lost and calls the administrator.

use crate::device_storage::{self, Concern, StorageReport};
use crate::state::{use_store, SyncSignals};
use daicho_core::tr;
use leptos::prelude::*;

/// The storage's report and the records held back (`device_storage::status`), read at start
/// and after each sync: not after every write, whose painted row must not wait for the
/// browser's quota manager (a write beyond the quota is refused by itself).
pub fn follow_storage() -> LocalResource<(StorageReport, u64)> {
    let store = use_store();
    let signals = expect_context::<SyncSignals>();
    LocalResource::new(move || {
        signals.state_changed.track();
        let store = store.clone();
        async move { device_storage::status(&store).await }
    })
}

#[component]
pub fn StorageWarning() -> impl IntoView {
    let status = follow_storage();
    let concerns = move || {
        status
            .get()
            .map(|(report, unsent)| report.concerns(unsent))
            .unwrap_or_default()
    };
    view! {
        {move || concerns().into_iter().map(|concern| {
            let low = matches!(concern, Concern::LowSpace { .. });
            view! {
                <p class="storage-trouble no-print" class:low=low role=if low { "alert" } else { "status" }>
                    <span>{concern.message()}</span>
                    <a class="button" href="#/sync">{tr!("端末と同期を開く")}</a>
                </p>
            }
        }).collect_view()}
    }
}
