//! Terms of office in the store: who may record them, one holder at a time, and the query
//! "who held role X on day D".
#![cfg(target_arch = "wasm32")]

use chrono::{NaiveDate, Utc};
use daicho::store::{Store, StoreError};
use daicho_core::organisation::{Role, TenureRecorded, HEAD_OF_GENERAL_AFFAIRS};
use daicho_core::RefusalCode;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn term(holder: &str, from: (i32, u32, u32)) -> TenureRecorded {
    TenureRecorded {
        position_id: HEAD_OF_GENERAL_AFFAIRS.into(),
        holder: holder.into(),
        from: NaiveDate::from_ymd_opt(from.0, from.1, from.2).unwrap(),
        to: None,
    }
}

#[wasm_bindgen_test]
async fn terms_answer_who_held_a_role_and_only_the_administrator_records_them() {
    Store::delete("t-org").await.unwrap();
    let store = Store::open("t-org").await.unwrap();
    // Nobody is system administrator yet: the town's first setup may record the first term.
    store
        .record_tenure(term("kanri", (2024, 4, 1)), "kanri", Utc::now())
        .await
        .unwrap();
    let org = store.organisation().await.unwrap();
    let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
    assert_eq!(
        org.who_held(Role::EntryManagerSecureRooms, day(2025, 1, 1)),
        Some("kanri")
    );
    assert_eq!(
        org.who_held(Role::EntryManagerSecureRooms, day(2023, 6, 1)),
        None
    );

    let before = store.event_count().await.unwrap();
    let overlap = store
        .record_tenure(term("sato", (2025, 1, 1)), "kanri", Utc::now())
        .await;
    let Err(StoreError::Refused(refusals)) = overlap else {
        panic!("an overlapping term must be refused: {overlap:?}");
    };
    assert!(matches!(
        refusals.0[0].code,
        RefusalCode::PositionAlreadyHeld { .. }
    ));

    let mut by_other = term("sato", (2030, 4, 1));
    by_other.position_id = "head-welfare".into();
    let refused = store.record_tenure(by_other, "sato", Utc::now()).await;
    let Err(StoreError::Refused(refusals)) = refused else {
        panic!("only the system administrator records terms: {refused:?}");
    };
    assert!(refusals.0[0].message_ja().contains("システム管理者"));
    assert!(refusals.0[0].message_ja().contains("第4条"));
    assert_eq!(store.event_count().await.unwrap(), before, "nothing stored");
    store.close();
    Store::delete("t-org").await.unwrap();
}
