//! One tab at a time: the Web Locks API's browser-wide lock, taken only if free, so a second
//! tab never syncs alongside the first (and never queues behind it either).

use js_sys::{Function, Object, Promise, Reflect};
use std::cell::RefCell;
use std::future::Future;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{future_to_promise, JsFuture};

/// Runs `job` holding the lock `name`; `None` at once when another tab holds it. Where the
/// browser has no Web Locks the job simply runs.
pub async fn if_available<T: 'static>(
    name: &str,
    job: impl Future<Output = T> + 'static,
) -> Option<T> {
    locked(name, true, job).await
}

/// Runs `job` holding the lock `name`, waiting for it while another tab (or this one's own
/// runner) holds it: a sync asked for by hand follows the one under way, never runs beside it.
pub async fn queued<T: 'static>(name: &str, job: impl Future<Output = T> + 'static) -> Option<T> {
    locked(name, false, job).await
}

async fn locked<T: 'static>(
    name: &str,
    if_available: bool,
    job: impl Future<Output = T> + 'static,
) -> Option<T> {
    let Some((locks, request)) = lock_manager() else {
        return Some(job.await);
    };
    let result = Rc::new(RefCell::new(None));
    let slot = result.clone();
    let callback = Closure::once(move |lock: JsValue| -> Promise {
        if lock.is_null() {
            return Promise::resolve(&JsValue::FALSE);
        }
        future_to_promise(async move {
            *slot.borrow_mut() = Some(job.await);
            Ok(JsValue::TRUE)
        })
    });
    let options = Object::new();
    let _ = Reflect::set(
        &options,
        &"ifAvailable".into(),
        &JsValue::from(if_available),
    );
    let name = JsValue::from_str(name);
    let granted = request.call3(&locks, &name, &options, callback.as_ref().unchecked_ref());
    if let Ok(promise) = granted {
        let _ = JsFuture::from(Promise::from(promise)).await;
    }
    result.take()
}

/// `navigator.locks` and its `request` method, where the browser has them.
fn lock_manager() -> Option<(JsValue, Function)> {
    let navigator = web_sys::window()?.navigator();
    let locks = Reflect::get(&navigator, &"locks".into()).ok()?;
    if locks.is_undefined() {
        return None;
    }
    let request = Reflect::get(&locks, &"request".into()).ok()?;
    Some((locks, request.dyn_into().ok()?))
}
