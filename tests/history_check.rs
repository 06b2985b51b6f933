//! The device re-checks the history it holds: sound as recorded; one byte changed in one
//! stored event in IndexedDB (outside the app, as an attacker with the disk would) is found
//! and the record named; a removed event is found as a gap.
#![cfg(target_arch = "wasm32")]

mod common;

use common::town;
use daicho::store::HistoryCheck;
use daicho_core::chain::ChainRefusal;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// Runs `script` (a function of the open IndexedDB `db`, returning a promise) on `name`.
async fn with_raw_db(name: &str, script: &str) {
    let open = js_sys::Function::new_with_args(
        "name, script",
        "return new Promise((resolve, reject) => {
            const req = indexedDB.open(name);
            req.onerror = () => reject(req.error);
            req.onsuccess = () => {
                const db = req.result;
                new Function('db', script)(db).then((v) => { db.close(); resolve(v); }, reject);
            };
        });",
    );
    let promise = open
        .call2(&JsValue::NULL, &name.into(), &script.into())
        .unwrap();
    JsFuture::from(promise.unchecked_into::<js_sys::Promise>())
        .await
        .unwrap();
}

#[wasm_bindgen_test]
async fn a_byte_changed_in_indexeddb_is_found_and_the_record_named() {
    let store = town("history-check-a").await;
    let count = store.event_count().await.unwrap() as u64;
    assert_eq!(
        store.check_history().await.unwrap(),
        HistoryCheck::Sound {
            events: count,
            devices: 1
        }
    );
    let device = store.device().await.unwrap().id.0;
    // The third event: its operator's first character changed by one bit.
    with_raw_db(
        "history-check-a",
        &format!(
            "return new Promise((resolve, reject) => {{
                const events = db.transaction('events', 'readwrite').objectStore('events');
                const get = events.get(['{device}', 3]);
                get.onsuccess = () => {{
                    const e = get.result;
                    e.operator = String.fromCharCode(e.operator.charCodeAt(0) ^ 1) + e.operator.slice(1);
                    const put = events.put(e);
                    put.onsuccess = resolve;
                    put.onerror = () => reject(put.error);
                }};
            }});"
        ),
    )
    .await;
    let check = store.check_history().await.unwrap();
    let HistoryCheck::Broken { record, why } = &check else {
        panic!("not found: {check:?}");
    };
    assert_eq!(record.to_string(), format!("{device}:3"));
    assert_eq!(*why, ChainRefusal::BadHash { seq: 3 });
    assert!(check.summary_text().contains(&format!("記録 {device}:3")));
}

#[wasm_bindgen_test]
async fn a_removed_event_is_found_as_a_gap() {
    let store = town("history-check-b").await;
    let device = store.device().await.unwrap().id.0;
    with_raw_db(
        "history-check-b",
        &format!(
            "return new Promise((resolve, reject) => {{
                const del = db.transaction('events', 'readwrite').objectStore('events').delete(['{device}', 2]);
                del.onsuccess = resolve;
                del.onerror = () => reject(del.error);
            }});"
        ),
    )
    .await;
    let check = store.check_history().await.unwrap();
    assert_eq!(
        check,
        HistoryCheck::Broken {
            record: daicho_core::EventId {
                device: daicho_core::DeviceId(device.clone()),
                seq: 3
            },
            why: ChainRefusal::Gap {
                expected: 2,
                got: 3
            }
        }
    );
    assert!(check.summary_text().contains("2番の記録が欠けています"));
}
