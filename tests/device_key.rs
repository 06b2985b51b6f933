//! The device's sync key in headless Chromium: Ed25519 by WebCrypto, the private half never
//! exportable, kept in IndexedDB across reopening, and its signatures verified as the endpoint
//! verifies them (ed25519-dalek over the shared signature base).
#![cfg(target_arch = "wasm32")]

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use daicho::auth::device_key::DeviceKey;
use daicho::store::Store;
use daicho_core::request_signing::{content_digest, signature_base};
use ed25519_dalek::{Signature, Verifier, VerifyingKey};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn verifying_key(base64: &str) -> VerifyingKey {
    let bytes: [u8; 32] = BASE64.decode(base64).unwrap().try_into().unwrap();
    VerifyingKey::from_bytes(&bytes).unwrap()
}

#[wasm_bindgen_test]
async fn the_key_signs_what_the_endpoint_verifies_and_never_leaves_the_device() {
    let key = DeviceKey::generate().await.unwrap();
    let public = verifying_key(&key.public_key_base64().await.unwrap());
    let digest = content_digest(br#"{"events":[]}"#);
    let base = signature_base("tablet-a", "1790000000000", "POST", "/api/events", &digest);
    let signature = key.sign(base.as_bytes()).await.unwrap();
    assert_eq!(signature.len(), 64);
    let signature = Signature::from_slice(&signature).unwrap();
    assert!(public.verify(base.as_bytes(), &signature).is_ok());
    assert!(public.verify(b"something else", &signature).is_err());

    // The private key cannot be exported in any format.
    let subtle = web_sys::window().unwrap().crypto().unwrap().subtle();
    for format in ["pkcs8", "jwk"] {
        let export = subtle.export_key(format, &key.private).unwrap();
        assert!(
            JsFuture::from(export).await.is_err(),
            "{format} export must fail"
        );
    }
}

#[wasm_bindgen_test]
async fn the_stored_key_survives_reopening_and_is_made_once() {
    Store::delete("t-device-key").await.unwrap();
    let store = Store::open("t-device-key").await.unwrap();
    let first = store.device_key().await.unwrap();
    let public = first.public_key_base64().await.unwrap();
    assert_eq!(
        store
            .device_key()
            .await
            .unwrap()
            .public_key_base64()
            .await
            .unwrap(),
        public
    );
    store.close();

    let reopened = Store::open("t-device-key").await.unwrap();
    let key = reopened.device_key().await.unwrap();
    assert_eq!(
        key.public_key_base64().await.unwrap(),
        public,
        "the same key after reopening"
    );
    let signature = key.sign(b"after a restart").await.unwrap();
    let signature = Signature::from_slice(&signature).unwrap();
    assert!(verifying_key(&public)
        .verify(b"after a restart", &signature)
        .is_ok());
    reopened.close();
    Store::delete("t-device-key").await.unwrap();
}
