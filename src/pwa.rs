//! The service worker: registered on start; when a new build has installed and waits, the
//! page offers to reload into it (the worker takes over only when the user says so). And the
//! static first screen of `index.html`, which the app replaces.

use gloo::events::EventListener;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{spawn_local, JsFuture};
use web_sys::{ServiceWorkerContainer, ServiceWorkerRegistration, ServiceWorkerState};

/// The id of the static first screen `index.html` shows until the wasm has loaded.
const FIRST_SCREEN: &str = "first-screen";

/// Puts `index.html`'s first screen out of use, right before the app mounts over it: hidden
/// from assistive technology and from focus, and covered by the app's opaque layer. It is not
/// removed: Chromium stops counting a removed element as the page's largest paint, and the
/// app's own screen, painted seconds later on a slow link, would count instead.
pub fn leave_first_screen() {
    let screen = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(FIRST_SCREEN));
    if let Some(screen) = screen {
        let _ = screen.set_attribute("aria-hidden", "true");
        let _ = screen.set_attribute("inert", "");
        // Its header goes (the app's own takes its place: one header on the page), its height
        // kept as padding so nothing below it moves.
        if let Ok(Some(header)) = screen.query_selector("header") {
            let height = header
                .dyn_ref::<web_sys::HtmlElement>()
                .map_or(0, |h| h.offset_height());
            let _ = screen.set_attribute("style", &format!("padding-top: {height}px"));
            header.remove();
        }
    }
}

/// The message `sw.js` answers by activating the waiting version.
const SKIP_WAITING: &str = "skip-waiting";

fn container() -> Option<ServiceWorkerContainer> {
    Some(web_sys::window()?.navigator().service_worker())
}

fn controlled() -> bool {
    container().and_then(|c| c.controller()).is_some()
}

/// Registers `/sw.js`; sets `update_ready` once a newer build waits to take over.
pub fn register_service_worker(update_ready: RwSignal<bool>) {
    let Some(container) = container() else {
        return;
    };
    let registering = container.register("/sw.js");
    spawn_local(async move {
        match JsFuture::from(registering).await {
            Ok(registration) => watch_for_update(registration.unchecked_into(), update_ready),
            Err(e) => leptos::logging::warn!("service worker not registered: {e:?}"),
        }
    });
}

fn watch_for_update(registration: ServiceWorkerRegistration, update_ready: RwSignal<bool>) {
    // Without a controller this is the first install: nothing older to replace.
    if registration.waiting().is_some() && controlled() {
        update_ready.set(true);
    }
    let reg = registration.clone();
    EventListener::new(&registration, "updatefound", move |_| {
        let Some(installing) = reg.installing() else {
            return;
        };
        let worker = installing.clone();
        EventListener::new(&installing, "statechange", move |_| {
            if worker.state() == ServiceWorkerState::Installed && controlled() {
                update_ready.set(true);
            }
        })
        .forget();
    })
    .forget();
}

/// Lets the waiting version take over and reloads into it.
pub fn apply_update() {
    let Some(container) = container() else {
        return;
    };
    EventListener::once(&container, "controllerchange", |_| {
        if let Some(window) = web_sys::window() {
            let _ = window.location().reload();
        }
    })
    .forget();
    let pending = container.get_registration();
    spawn_local(async move {
        let Ok(registration) = JsFuture::from(pending).await else {
            return;
        };
        let registration: ServiceWorkerRegistration = registration.unchecked_into();
        if let Some(waiting) = registration.waiting() {
            let _ = waiting.post_message(&SKIP_WAITING.into());
        }
    });
}
