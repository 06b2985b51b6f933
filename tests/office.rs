//! The office registers in the store: folded from their events through the kind index, each
//! act checked for its role, and a record's history read through the `refers` index.
#![cfg(target_arch = "wasm32")]

use chrono::{NaiveDate, Utc};
use daicho::store::{Store, StoreError};
use daicho_core::corrections::{CorrectionKind, CorrectionRecorded};
use daicho_core::meetings::{AgendaCategory, AgendaItem, MeetingHeld};
use daicho_core::organisation::{TenureRecorded, DEPUTY_MAYOR};
use daicho_core::people::{PersonDefined, PersonKind};
use daicho_core::EventKind;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn meeting(chair: &str) -> MeetingHeld {
    MeetingHeld {
        date: day(2026, 6, 1),
        place: "上湧別庁舎 第1会議室".into(),
        chair: chair.into(),
        members: vec![chair.into()],
        explainers: Vec::new(),
        agenda: vec![AgendaItem {
            category: AgendaCategory::Measures,
            title: "端末の配置".into(),
            discussion: "福祉課窓口の端末を移設する。".into(),
            decision: "承認".into(),
        }],
        consultations: Vec::new(),
    }
}

/// Tanaka becomes 副町長 from 2024, and so セキュリティ総括責任者.
async fn make_tanaka_general_manager(store: &Store) {
    let term = TenureRecorded {
        position_id: DEPUTY_MAYOR.into(),
        holder: "tanaka".into(),
        from: day(2024, 4, 1),
        to: None,
    };
    store
        .record_tenure(term, "tanaka", Utc::now())
        .await
        .unwrap();
}

#[wasm_bindgen_test]
async fn office_registers_fold_their_events_and_check_the_role() {
    Store::delete("t-office").await.unwrap();
    let store = Store::open("t-office").await.unwrap();
    let seeded = store.registers().await.unwrap();
    assert_eq!(
        seeded.office().equipment.len(),
        4,
        "第16条's server and terminals"
    );
    assert!(seeded
        .office()
        .equipment
        .values()
        .all(|e| e.value.is_default));

    // Only the general manager convenes a meeting: refused, nothing is stored.
    let before = store.event_count().await.unwrap();
    let kind = EventKind::MeetingHeld(meeting("tanaka"));
    let refused = store.record(kind.clone(), "tanaka", Utc::now()).await;
    let Err(StoreError::Refused(refusals)) = refused else {
        panic!("a meeting chaired by a non-manager must be refused: {refused:?}");
    };
    let message = refusals.0[0].message_ja();
    assert!(message.contains("セキュリティ総括責任者"), "{message}");
    assert!(message.contains("第6条"), "{message}");
    assert_eq!(store.event_count().await.unwrap(), before);

    make_tanaka_general_manager(&store).await;
    let tanaka = PersonDefined {
        id: "tanaka".into(),
        name: "田中 一郎".into(),
        affiliation: "副町長".into(),
        kind: PersonKind::Staff,
    };
    store
        .define_person(tanaka, "tanaka", Utc::now())
        .await
        .unwrap();
    let held = store.record(kind, "tanaka", Utc::now()).await.unwrap();
    let registers = store.registers().await.unwrap();
    assert!(registers.office().meetings.contains_key(&held.id()));

    // A correction points at the meeting; its history shows both, the original first.
    let correction = CorrectionRecorded {
        target: held.id(),
        kind: CorrectionKind::Void,
        reason: "日付の誤り".into(),
    };
    let kind = EventKind::CorrectionRecorded(correction);
    let corrected = store.record(kind, "tanaka", Utc::now()).await.unwrap();
    let history = store.history(&held.id()).await.unwrap();
    let ids: Vec<_> = history.iter().map(|e| e.id()).collect();
    assert_eq!(ids, vec![held.id(), corrected.id()]);
    let registers = store.registers().await.unwrap();
    assert!(
        registers.office().meetings.contains_key(&held.id()),
        "the original stays"
    );
    assert!(registers.corrections()[&held.id()].is_void());
    // The corrections alone (what the logbooks read beside each page) say the same.
    assert_eq!(store.corrections().await.unwrap(), *registers.corrections());
}

/// A record too large ever to be sent (minutes pasted by mistake) is refused when recorded,
/// with its size and the limit, and nothing is stored: the device's chain never holds an
/// event its sync could not pass.
#[wasm_bindgen_test]
async fn a_record_too_large_to_send_is_refused_and_nothing_is_stored() {
    use daicho_core::sync_limits::MAX_RECORD_BYTES;
    use daicho_core::{Field, RefusalCode};
    Store::delete("t-office-size").await.unwrap();
    let store = Store::open("t-office-size").await.unwrap();
    make_tanaka_general_manager(&store).await;
    let before = store.event_count().await.unwrap();

    let mut long = meeting("tanaka");
    // Three bytes a character: just over the limit.
    long.agenda[0].discussion = "議".repeat(MAX_RECORD_BYTES / 3 + 1);
    let refused = store
        .record(EventKind::MeetingHeld(long), "tanaka", Utc::now())
        .await;
    let Err(StoreError::Refused(refusals)) = refused else {
        panic!("a record over the limit must be refused: {refused:?}");
    };
    let refusal = &refusals.0[0];
    assert_eq!(refusal.field, Field::Record);
    assert!(
        matches!(
            refusal.code,
            RefusalCode::RecordTooLarge { max_kib: 1024, .. }
        ),
        "{refusal:?}"
    );
    assert!(
        refusal.message_ja().contains("分けて記録"),
        "{}",
        refusal.message_ja()
    );
    assert_eq!(store.event_count().await.unwrap(), before, "nothing stored");

    let held = store
        .record(
            EventKind::MeetingHeld(meeting("tanaka")),
            "tanaka",
            Utc::now(),
        )
        .await;
    assert!(
        held.is_ok(),
        "the same meeting, shorter, is recorded: {held:?}"
    );
}
