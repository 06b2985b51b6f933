//! Syncing by itself: when the network comes back, shortly after each local write, every few
//! minutes, and again after a failure (waiting longer each time). Only the tab holding the
//! Web Lock syncs; it tells the other tabs over a BroadcastChannel, so they show what arrived.
//! It says what happened by firing events on `window` (`ARRIVED`, `STATE_CHANGED`), as the store
//! does after a write: whoever shows something listens, and the sync knows no page.

use super::{is_online, sync_now, tab_lock, SyncReport};
use crate::store::{Store, LINE_WRITTEN};
use gloo::events::EventListener;
use gloo::timers::callback::{Interval, Timeout};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::spawn_local;

/// After a local write: soon, but after a burst of writes has settled.
const AFTER_WRITE_MS: u32 = 1_500;
/// The periodic sync, for what other devices recorded.
const PERIOD_MS: u32 = 60_000;
/// The first retry after a failure; doubled each time, up to `MAX_RETRY_MS`.
const FIRST_RETRY_MS: u32 = 1_000;
const MAX_RETRY_MS: u32 = 30_000;
/// The name of the lock and of the channel the tabs share.
const LOCK: &str = "daicho-sync";
/// The event the store fires on `window` after each write it issues.
pub use crate::store::WRITTEN;
/// Fired on `window` when records from elsewhere arrived (by this tab's sync or another's).
pub const ARRIVED: &str = "daicho:arrived";
/// Fired on `window` when the sync state changed (a sync ended, well or not; an enrollment).
pub const STATE_CHANGED: &str = "daicho:sync-state";

struct Runner {
    store: Rc<Store>,
    failures: Cell<u32>,
    running: Cell<bool>,
    pending: RefCell<Option<Timeout>>,
}

thread_local! {
    /// This tab's end of the channel the tabs share: it posts what this tab's syncs brought
    /// and hears the others' (a channel is never sent its own messages).
    static CHANNEL: Option<web_sys::BroadcastChannel> = web_sys::BroadcastChannel::new(LOCK).ok();
}

/// Starts syncing by itself for the life of the page.
pub fn start(store: Rc<Store>) {
    let runner = Rc::new(Runner {
        store,
        failures: Cell::new(0),
        running: Cell::new(false),
        pending: RefCell::new(None),
    });
    listen(&runner);
    runner.schedule(0);
}

/// A sync asked for by hand (今すぐ同期): after any sync under way in this or another tab,
/// never beside it; the other tabs are told what arrived.
pub async fn sync_by_hand(store: Rc<Store>) -> Result<SyncReport, super::SyncError> {
    let result = sync_in_turn(store).await;
    if let Ok(report) = &result {
        tell_arrival(report);
    }
    notify_state_changed();
    result
}

/// A sync holding the tabs' lock, after any sync under way (the runner's too), never beside
/// it: two syncs at once would both pull every page, one of them only to find it stored.
pub async fn sync_in_turn(store: Rc<Store>) -> Result<SyncReport, super::SyncError> {
    let outcome = tab_lock::queued(LOCK, async move { sync_now(&store).await }).await;
    outcome.unwrap_or(Err(super::SyncError::NotStarted))
}

/// Tells this tab's pages and the other tabs that records arrived (they draw again).
fn tell_arrival(report: &SyncReport) {
    // Other devices' sync records alone change nothing shown (but the history).
    if report.pulled == report.pulled_syncs {
        return;
    }
    fire(ARRIVED);
    CHANNEL.with(|channel| {
        if let Some(channel) = channel {
            let _ = channel.post_message(&JsValue::from(report.pulled as u32));
        }
    });
}

/// Asks the runner for a sync shortly (as after a write): after enrolling, say.
pub fn request_soon() {
    fire(WRITTEN);
}

/// Tells the pages showing the sync state to draw it again.
pub fn notify_state_changed() {
    fire(STATE_CHANGED);
}

fn fire(name: &str) {
    if let Some(window) = web_sys::window() {
        if let Ok(event) = web_sys::Event::new(name) {
            let _ = window.dispatch_event(&event);
        }
    }
}

fn listen(runner: &Rc<Runner>) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let r = runner.clone();
    EventListener::new(&window, "online", move |_| r.schedule(0)).forget();
    for written in [WRITTEN, LINE_WRITTEN] {
        let r = runner.clone();
        EventListener::new(&window, written, move |_| r.schedule(AFTER_WRITE_MS)).forget();
    }
    let r = runner.clone();
    Interval::new(PERIOD_MS, move || r.schedule(0)).forget();
    CHANNEL.with(|channel| {
        let Some(channel) = channel else {
            return;
        };
        let on_message = Closure::<dyn Fn()>::new(move || {
            fire(ARRIVED);
            fire(STATE_CHANGED);
        });
        channel.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        on_message.forget();
    });
}

impl Runner {
    /// Runs a sync in `delay_ms`, replacing any sync already waiting.
    fn schedule(self: &Rc<Self>, delay_ms: u32) {
        let runner = self.clone();
        let timeout = Timeout::new(delay_ms, move || {
            spawn_local(async move { runner.run().await });
        });
        self.pending.replace(Some(timeout));
    }

    async fn run(self: Rc<Self>) {
        if self.running.replace(true) {
            return;
        }
        if is_online() && self.is_enrolled().await {
            let store = self.store.clone();
            let outcome = tab_lock::if_available(LOCK, async move { sync_now(&store).await }).await;
            self.after(outcome);
        }
        self.running.set(false);
    }

    async fn is_enrolled(&self) -> bool {
        super::SyncState::of(&self.store)
            .await
            .is_ok_and(|s| s.enrolled)
    }

    /// Another tab held the lock (`None`): it does the work. Otherwise tell the pages, and
    /// retry a failure after a growing wait.
    fn after(self: &Rc<Self>, outcome: Option<Result<SyncReport, super::SyncError>>) {
        let Some(outcome) = outcome else {
            return;
        };
        notify_state_changed();
        match outcome {
            Ok(report) => {
                self.failures.set(0);
                tell_arrival(&report);
            }
            Err(_) => {
                let failures = self.failures.get() + 1;
                self.failures.set(failures);
                self.schedule(retry_delay(failures));
            }
        }
    }
}

/// The wait before retry number `failures`: 1 s, 2 s, 4 s … up to 30 s.
fn retry_delay(failures: u32) -> u32 {
    let doubled = FIRST_RETRY_MS.saturating_mul(1 << failures.saturating_sub(1).min(15));
    doubled.min(MAX_RETRY_MS)
}
