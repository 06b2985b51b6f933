//! PIN hashing with the browser's WebCrypto: PBKDF2-HMAC-SHA-256 with a random salt, so a PIN
//! is never stored, only a slow salted hash of it.

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

fn crypto() -> Result<web_sys::Crypto, String> {
    web_sys::window()
        .ok_or("no window")?
        .crypto()
        .map_err(|e| format!("WebCrypto unavailable: {e:?}"))
}

/// 16 random bytes, hex-encoded.
pub fn new_salt() -> Result<String, String> {
    let mut salt = [0u8; 16];
    crypto()?
        .get_random_values_with_u8_array(&mut salt)
        .map_err(|e| format!("no random values: {e:?}"))?;
    Ok(hex::encode(salt))
}

/// The hex PBKDF2-HMAC-SHA-256 digest (32 bytes) of `pin` with the hex `salt`.
pub async fn hash_pin(pin: &str, salt_hex: &str, iterations: u32) -> Result<String, String> {
    let subtle = crypto()?.subtle();
    let fail = |what: &'static str| move |e: wasm_bindgen::JsValue| format!("{what}: {e:?}");
    let pin_bytes = js_sys::Uint8Array::from(pin.as_bytes());
    let usages = js_sys::Array::of1(&"deriveBits".into());
    let import = subtle
        .import_key_with_str("raw", &pin_bytes, "PBKDF2", false, &usages)
        .map_err(fail("importKey"))?;
    let key: web_sys::CryptoKey = JsFuture::from(import)
        .await
        .map_err(fail("importKey"))?
        .unchecked_into();
    let salt = hex::decode(salt_hex).map_err(|e| format!("bad salt: {e}"))?;
    let salt = js_sys::Uint8Array::from(salt.as_slice());
    let params = web_sys::Pbkdf2Params::new_with_str("PBKDF2", "SHA-256", iterations, &salt);
    let derive = subtle
        .derive_bits_with_object(&params, &key, 256)
        .map_err(fail("deriveBits"))?;
    let bits = JsFuture::from(derive).await.map_err(fail("deriveBits"))?;
    Ok(hex::encode(js_sys::Uint8Array::new(&bits).to_vec()))
}
