//! The top bar: the app's name, today in 和暦 (ISO in English), whether the network is
//! reachable, and the switch of language.

use crate::lang::LanguageSwitch;
use crate::sync::is_online;
use chrono::Utc;
use daicho_core::{lang, tr, wareki};
use leptos::ev;
use leptos::prelude::*;

#[component]
pub fn Header() -> impl IntoView {
    let online = RwSignal::new(is_online());
    let listeners = [
        window_event_listener(ev::online, move |_| online.set(is_online())),
        window_event_listener(ev::offline, move |_| online.set(is_online())),
    ];
    on_cleanup(move || listeners.into_iter().for_each(|l| l.remove()));
    let today = Utc::now();
    view! {
        <header class="app-header">
            <h1>
                {tr!("台帳")} <span class="subtitle">{tr!("住基ネット セキュリティ管理簿")}</span>
            </h1>
            <p class="today">
                {wareki::date_text(today)}
                {(!lang::is_english()).then(|| view! { <small>{wareki::date_western(today)}</small> })}
            </p>
            <p class="network" class:offline=move || !online.get() role="status">
                {move || {
                    if online.get() {
                        tr!("オンライン")
                    } else {
                        tr!("オフライン（この端末に記録します）")
                    }
                }}
            </p>
            <LanguageSwitch/>
        </header>
    }
}
