//! Offers to reload when a new build of the app has been installed.

use super::shown::Shown;
use crate::pwa;
use daicho_core::tr;
use leptos::prelude::*;

#[component]
pub fn UpdateBanner(ready: RwSignal<bool>) -> impl IntoView {
    view! {
        <Shown when=move || ready.get()>
            <div class="update-banner" role="status">
                <span>{tr!("新しい版の台帳があります。")}</span>
                <button type="button" class="button primary" on:click=|_| pwa::apply_update()>
                    {tr!("再読み込みして更新")}
                </button>
            </div>
        </Shown>
    }
}
