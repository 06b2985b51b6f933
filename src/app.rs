//! The application shell: header, update banner, and the page once the store is open.

use crate::components::header::Header;
use crate::components::update_banner::UpdateBanner;
use crate::pages::entry_log::EntryLogPage;
use crate::pwa;
use crate::store::Store;
use leptos::prelude::*;
use std::rc::Rc;

/// The IndexedDB database of the app.
pub const DB_NAME: &str = "daicho";

#[component]
pub fn App() -> impl IntoView {
    let update_ready = RwSignal::new(false);
    pwa::register_service_worker(update_ready);
    let store = LocalResource::new(|| async {
        Store::open(DB_NAME)
            .await
            .map(Rc::new)
            .map_err(|e| e.to_string())
    });
    view! {
        <Header/>
        <UpdateBanner ready=update_ready/>
        <main id="main">
            <Suspense fallback=|| view! { <p class="loading">"読み込み中…"</p> }>
                {move || {
                    store
                        .get()
                        .map(|opened| match opened {
                            Ok(store) => view! { <EntryLogPage store/> }.into_any(),
                            Err(e) => {
                                view! {
                                    <p class="fatal" role="alert">
                                        "この端末の記録を開けませんでした。" {e}
                                    </p>
                                }
                                    .into_any()
                            }
                        })
                }}
            </Suspense>
        </main>
    }
}
