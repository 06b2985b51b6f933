//! The tablet's storage running low, or not kept for good while records wait unsent: told on
//! every page, so the operator syncs before anything is lost and calls the administrator.

use crate::device_storage::{self, Concern};
use crate::state::{use_store, SyncSignals};
use leptos::prelude::*;

#[component]
pub fn StorageWarning() -> impl IntoView {
    let store = use_store();
    let signals = expect_context::<SyncSignals>();
    // Read at start and after each sync: not after every write, whose painted row must not
    // wait for the browser's quota manager (a write beyond the quota is refused by itself).
    let status = LocalResource::new(move || {
        signals.state_changed.track();
        let store = store.clone();
        async move { device_storage::status(&store).await }
    });
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
                    <span>{concern.message_ja()}</span>
                    <a class="button" href="#/sync">"端末と同期を開く"</a>
                </p>
            }
        }).collect_view()}
    }
}
