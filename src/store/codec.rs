//! Records to and from JavaScript values: plain objects (not `Map`s), so IndexedDB key paths
//! and indexes can reach their fields.

use super::{Result, StoreError};
use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::JsValue;

pub fn to_js<T: Serialize>(value: &T) -> JsValue {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .expect("registers are plain data and always serialise")
}

pub fn from_js<T: DeserializeOwned>(value: JsValue) -> Result<T> {
    serde_wasm_bindgen::from_value(value).map_err(|e| StoreError::Unreadable(e.to_string()))
}

/// As `to_js`, through one JSON text parsed by the browser: for records of many strings (a
/// room's occupancy, a page of events), which `to_js` builds field by field across the wasm
/// boundary, decoding each string on its own.
pub fn to_js_whole<T: Serialize>(value: &T) -> JsValue {
    let text = serde_json::to_string(value).expect("records always serialise");
    js_sys::JSON::parse(&text).expect("serde_json writes JSON")
}

/// As `from_js`, through one JSON text (the counterpart of `to_js_whole`).
pub fn from_js_whole<T: DeserializeOwned>(value: &JsValue) -> Result<T> {
    let text =
        js_sys::JSON::stringify(value).map_err(|e| StoreError::Unreadable(format!("{e:?}")))?;
    serde_json::from_str(&String::from(text)).map_err(|e| StoreError::Unreadable(e.to_string()))
}
