//! The device's own key for sync: an Ed25519 key pair made by WebCrypto with the private half
//! non-extractable, kept in IndexedDB as the `CryptoKey` objects themselves (structured clone).
//! Nothing on the device can read the private key out; it can only sign with it.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::CryptoKey;

const ALGORITHM: &str = "Ed25519";

/// The device's key pair.
#[derive(Clone)]
pub struct DeviceKey {
    pub private: CryptoKey,
    pub public: CryptoKey,
}

fn subtle() -> Result<web_sys::SubtleCrypto, String> {
    let crypto = web_sys::window()
        .ok_or("no window")?
        .crypto()
        .map_err(|e| format!("WebCrypto unavailable: {e:?}"))?;
    Ok(crypto.subtle())
}

fn fail(what: &'static str) -> impl Fn(JsValue) -> String {
    move |e| format!("{what}: {e:?}")
}

fn field(object: &JsValue, name: &str) -> Result<CryptoKey, String> {
    js_sys::Reflect::get(object, &name.into())
        .map_err(fail("key pair"))?
        .dyn_into::<CryptoKey>()
        .map_err(|_| format!("no {name} in the stored key"))
}

impl DeviceKey {
    /// A new key pair; the private key cannot be exported.
    pub async fn generate() -> Result<DeviceKey, String> {
        let usages = js_sys::Array::of2(&"sign".into(), &"verify".into());
        let promise = subtle()?
            .generate_key_with_str(ALGORITHM, false, &usages)
            .map_err(fail("generateKey"))?;
        let pair = JsFuture::from(promise).await.map_err(fail("generateKey"))?;
        Ok(DeviceKey {
            private: field(&pair, "privateKey")?,
            public: field(&pair, "publicKey")?,
        })
    }

    /// As stored in IndexedDB: a plain object holding the two `CryptoKey`s.
    pub fn to_js(&self) -> JsValue {
        let object = js_sys::Object::new();
        // Setting a property on a fresh plain object cannot fail.
        let _ = js_sys::Reflect::set(&object, &"privateKey".into(), &self.private);
        let _ = js_sys::Reflect::set(&object, &"publicKey".into(), &self.public);
        object.into()
    }

    pub fn from_js(value: &JsValue) -> Result<DeviceKey, String> {
        Ok(DeviceKey {
            private: field(value, "privateKey")?,
            public: field(value, "publicKey")?,
        })
    }

    /// The public key as the endpoint enrolls it: 32 raw bytes, base64.
    pub async fn public_key_base64(&self) -> Result<String, String> {
        let promise = subtle()?
            .export_key("raw", &self.public)
            .map_err(fail("exportKey"))?;
        let raw = JsFuture::from(promise).await.map_err(fail("exportKey"))?;
        Ok(BASE64.encode(js_sys::Uint8Array::new(&raw).to_vec()))
    }

    /// The 64-byte Ed25519 signature of `data`.
    pub async fn sign(&self, data: &[u8]) -> Result<Vec<u8>, String> {
        let promise = subtle()?
            .sign_with_str_and_u8_array(ALGORITHM, &self.private, data)
            .map_err(fail("sign"))?;
        let signature = JsFuture::from(promise).await.map_err(fail("sign"))?;
        Ok(js_sys::Uint8Array::new(&signature).to_vec())
    }
}
