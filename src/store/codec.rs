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
    serde_wasm_bindgen::from_value(value)
        .map_err(|e| StoreError::Storage(format!("保存されたデータを読めません: {e}")))
}
