//! Records to and from JavaScript values, through one JSON text: `serde_json` writes it and the
//! browser parses it (`JSON.parse`), or the browser writes it (`JSON.stringify`) and
//! `serde_json` reads it. The values are plain objects (not `Map`s), so IndexedDB key paths and
//! indexes reach their fields.
//!
//! One text crosses the wasm boundary, not every key and string on its own (which took a third
//! of a pulled page's time), and the wasm holds one deserializer of each type, serde_json's,
//! which the sync needs anyway (docs/decisions.md, 2026-12-06).

use super::{Result, StoreError};
use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::JsValue;

pub fn to_js<T: Serialize>(value: &T) -> JsValue {
    let text = serde_json::to_string(value).expect("records are plain data and always serialise");
    js_sys::JSON::parse(&text).expect("serde_json writes JSON")
}

pub fn from_js<T: DeserializeOwned>(value: JsValue) -> Result<T> {
    from_json_text(&json_text(&value)?)
}

/// Every value of `values`, through one JSON text (many small records read faster so).
pub fn from_js_all<T: DeserializeOwned>(values: Vec<JsValue>) -> Result<Vec<T>> {
    if values.is_empty() {
        return Ok(Vec::new());
    }
    let array: js_sys::Array = values.into_iter().collect();
    from_json_text(&json_text(&array)?)
}

/// The field at `path` of a stored record (`["payload", "room_id"]`), read as it is stored,
/// without reading the record: `undefined` where it has none.
pub fn stored_field(value: &JsValue, path: &[&str]) -> JsValue {
    path.iter().fold(value.clone(), |at, name| {
        js_sys::Reflect::get(&at, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED)
    })
}

/// The browser's JSON of `value` (`undefined`, which has none, as `null`).
fn json_text(value: &JsValue) -> Result<String> {
    if value.is_undefined() {
        return Ok("null".into());
    }
    js_sys::JSON::stringify(value)
        .map(String::from)
        .map_err(|e| StoreError::Unreadable(format!("{e:?}")))
}

fn from_json_text<T: DeserializeOwned>(text: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|e| StoreError::Unreadable(e.to_string()))
}
