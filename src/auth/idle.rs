//! A shared tablet signs out by itself after idle time (default 5 minutes, set per device on
//! the 端末と同期 page), so the next person does not act under the last one's name. The
//! sign-out is recorded as such (第12条).

use super::session::Session;
use chrono::Utc;
use gloo::events::EventListener;
use gloo::timers::callback::Interval;
use leptos::prelude::*;
use leptos::task::spawn_local;
use send_wrapper::SendWrapper;
use std::cell::Cell;
use std::rc::Rc;

const KEY: &str = "daicho.idle_seconds";
pub const DEFAULT_IDLE_SECONDS: u32 = 5 * 60;
/// The choices offered on the settings page, in minutes.
pub const CHOICES_MINUTES: [u32; 6] = [1, 3, 5, 10, 15, 30];

/// The idle time of this device.
pub fn idle_seconds() -> u32 {
    storage()
        .and_then(|s| s.get_item(KEY).ok().flatten())
        .and_then(|v| v.parse().ok())
        .filter(|&s: &u32| s > 0)
        .unwrap_or(DEFAULT_IDLE_SECONDS)
}

pub fn set_idle_seconds(seconds: u32) {
    if let Some(s) = storage() {
        let _ = s.set_item(KEY, &seconds.to_string());
    }
}

/// Watches taps, keys and scrolling while someone is signed in; signs them out after the idle
/// time without any. Lives as long as the calling component.
pub fn watch(session: Session) {
    let store = crate::state::use_store_value();
    let last = Rc::new(Cell::new(js_sys::Date::now()));
    let listeners: Vec<EventListener> = ["pointerdown", "keydown", "wheel", "touchstart"]
        .into_iter()
        .map(|name| {
            let last = last.clone();
            EventListener::new(&gloo::utils::document(), name, move |_| {
                last.set(js_sys::Date::now())
            })
        })
        .collect();
    let interval = Interval::new(1_000, move || {
        let idle_ms = f64::from(idle_seconds()) * 1000.0;
        let signed_in = session.0.with_untracked(Option::is_some);
        if !signed_in || js_sys::Date::now() - last.get() < idle_ms {
            return;
        }
        let (store, id) = (store.get_value(), session.operator_id());
        session.sign_out();
        spawn_local(async move {
            let _ = store.sign_out(&id, true, Utc::now()).await;
        });
    });
    let kept = SendWrapper::new((listeners, interval));
    on_cleanup(move || drop(kept));
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}
