//! PIN hashing through WebCrypto and the store's sign-in in headless Chromium.
#![cfg(target_arch = "wasm32")]

use chrono::Utc;
use daicho::auth::pin::{hash_pin, new_salt};
use daicho::store::{SignInOutcome, Store, StoreError};
use daicho_core::people::{PersonDefined, PersonKind};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn pbkdf2_matches_the_rfc_7914_test_vector() {
    // RFC 7914 §11: PBKDF2-HMAC-SHA-256, P="passwd", S="salt", c=1, first 32 bytes.
    let salt = hex::encode("salt");
    let digest = hash_pin("passwd", &salt, 1).await.unwrap();
    assert_eq!(
        digest,
        "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"
    );
}

#[wasm_bindgen_test]
async fn salts_are_random_and_change_the_hash() {
    let (a, b) = (new_salt().unwrap(), new_salt().unwrap());
    assert_eq!(a.len(), 32);
    assert_ne!(a, b);
    assert_ne!(
        hash_pin("1234", &a, 1000).await,
        hash_pin("1234", &b, 1000).await
    );
}

async fn store_with_yamada(name: &str) -> Store {
    Store::delete(name).await.unwrap();
    let store = Store::open(name).await.unwrap();
    let person = PersonDefined {
        id: "yamada".into(),
        name: "山田 太郎".into(),
        affiliation: "総務課".into(),
        kind: PersonKind::Staff,
    };
    store
        .define_person(person, "初期設定", Utc::now())
        .await
        .unwrap();
    store
        .set_pin("yamada", "2468", "初期設定", Utc::now())
        .await
        .unwrap();
    store
}

#[wasm_bindgen_test]
async fn five_wrong_pins_lock_until_unlocked() {
    let store = store_with_yamada("t-pin-lock").await;
    let signed_in = store.sign_in("yamada", "2468", Utc::now()).await.unwrap();
    assert!(matches!(signed_in, SignInOutcome::SignedIn(ref p) if p.name == "山田 太郎"));
    for left in (0..5).rev() {
        let outcome = store.sign_in("yamada", "0000", Utc::now()).await.unwrap();
        assert_eq!(
            outcome,
            SignInOutcome::WrongPin {
                attempts_left: left
            }
        );
    }
    let locked = store.sign_in("yamada", "2468", Utc::now()).await;
    assert!(matches!(locked, Err(StoreError::Refused(_))), "{locked:?}");
    store
        .unlock_pin("yamada", "admin", Utc::now())
        .await
        .unwrap();
    let again = store.sign_in("yamada", "2468", Utc::now()).await.unwrap();
    assert!(matches!(again, SignInOutcome::SignedIn(_)));
    // Each attempt is history: 1 + 5 failures + 1 unlock + 1 success, after the setup.
    let kinds: Vec<String> = store
        .events()
        .await
        .unwrap()
        .iter()
        .map(|e| {
            serde_json::to_value(e).unwrap()["kind"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(kinds.iter().filter(|k| *k == "sign_in_failed").count(), 5);
    assert_eq!(kinds.iter().filter(|k| *k == "signed_in").count(), 2);
    store.close();
    Store::delete("t-pin-lock").await.unwrap();
}

#[wasm_bindgen_test]
async fn a_malformed_pin_is_refused_and_stores_nothing() {
    let store = store_with_yamada("t-pin-bad").await;
    let before = store.event_count().await.unwrap();
    let result = store.set_pin("yamada", "12ab", "admin", Utc::now()).await;
    assert!(matches!(result, Err(StoreError::Refused(_))));
    assert_eq!(store.event_count().await.unwrap(), before);
    let unknown = store.sign_in("nobody", "2468", Utc::now()).await;
    assert!(unknown.is_err());
    store.close();
    Store::delete("t-pin-bad").await.unwrap();
}

mod common;

#[wasm_bindgen_test]
async fn once_there_is_a_system_administrator_only_they_define_staff_and_set_pins() {
    // In the test town the administrator holds 総務課長, and so システム管理者 (第4条).
    let store = common::town("t-people-authority").await;
    let newcomer = common::person("tanaka", "田中 三郎", PersonKind::Staff);
    let before = store.event_count().await.unwrap();
    let refused = store
        .define_person(newcomer.clone(), "yamada", Utc::now())
        .await;
    let Err(StoreError::Refused(refusals)) = refused else {
        panic!("staff are defined by the system administrator only: {refused:?}");
    };
    assert!(refusals.0[0].message_ja().contains("システム管理者"));
    let pin = store.set_pin("sato", "2468", "yamada", Utc::now()).await;
    assert!(matches!(pin, Err(StoreError::Refused(_))), "{pin:?}");
    assert_eq!(store.event_count().await.unwrap(), before, "nothing stored");

    // A visitor is registered by the staff member who meets them; staff by the administrator.
    let visitor = common::person("guest", "来庁 花子", PersonKind::Visitor);
    store
        .define_person(visitor, "yamada", Utc::now())
        .await
        .unwrap();
    store
        .define_person(newcomer, common::ADMIN, Utc::now())
        .await
        .unwrap();
    store
        .set_pin("tanaka", "2468", common::ADMIN, Utc::now())
        .await
        .unwrap();
    let outcome = store.sign_in("tanaka", "2468", Utc::now()).await.unwrap();
    assert!(matches!(outcome, SignInOutcome::SignedIn(_)), "{outcome:?}");
}
