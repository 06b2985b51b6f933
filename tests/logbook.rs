//! The entry/exit logbook in the store: the door's rules per level (第17条第2項) checked in the
//! write's own transaction, and pages of the logbook read through its indexes.
#![cfg(target_arch = "wasm32")]

mod common;

use chrono::NaiveDate;
use chrono::{DateTime, Duration, Utc};
use common::{permit, town, ADMIN, COUNTER, STAFF, STORAGE_ROOM, VISITOR};
use daicho::store::paging::LogQuery;
use daicho::store::{Store, StoreError};
use daicho_core::entry_measures::{EntryMeasure, EntryMeasureSet};
use daicho_core::key_log::{KeyDefined, KeyLent, KeyReturned};
use daicho_core::room_permit::VisitPermitGranted;
use daicho_core::{EntryRecorded, Event, EventId, EventKind, ExitRecorded, RefusalCode};
use std::collections::BTreeSet;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn entry(room: &str, person_id: &str, at: DateTime<Utc>) -> EntryRecorded {
    EntryRecorded::new(room, person_id, "総務課", "点検", true, at).of(person_id)
}

async fn refused_codes(store: &Store, entry: EntryRecorded) -> Vec<RefusalCode> {
    let before = store.event_count().await.unwrap();
    match store.record_entry(entry, ADMIN, Utc::now()).await {
        Err(StoreError::Refused(r)) => {
            assert_eq!(
                store.event_count().await.unwrap(),
                before,
                "refused: nothing stored"
            );
            r.0.into_iter().map(|r| r.code).collect()
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// The entry manager's measure for `room_id` from `from` on (第18条第2項).
async fn set_measure(store: &Store, room_id: &str, measure: EntryMeasure, from: NaiveDate) {
    let set = EntryMeasureSet {
        room_id: room_id.into(),
        measure,
        in_force: true,
        from,
        reason: "監査の指摘".into(),
    };
    store
        .set_entry_measure(set, ADMIN, Utc::now())
        .await
        .unwrap();
}

async fn lend(store: &Store, lent_at: DateTime<Utc>) {
    let lent = KeyLent {
        key_id: "key-storage".into(),
        person_id: "yamada".into(),
        purpose: "媒体の保管".into(),
        lent_at,
        due_back: lent_at + Duration::hours(2),
        lent_by: ADMIN.into(),
    };
    store.lend_key(lent, ADMIN, Utc::now()).await.unwrap();
}

/// Level 3 as the text reads (第17条第2項): prior permission, and the key lent for each entry
/// (the store finds the previous entry through its index); then the measure of a permit per
/// visit, named with its day.
#[wasm_bindgen_test]
async fn level_3_needs_prior_permission_and_the_key_lent_for_each_entry() {
    let store = town("t-level3").await;
    let now = Utc::now();
    let at = now - Duration::minutes(30);
    let codes = refused_codes(&store, entry(STORAGE_ROOM, "yamada", at)).await;
    let key_not_held = RefusalCode::KeyNotHeld { level: 3 };
    assert_eq!(
        codes,
        vec![RefusalCode::NotPermitted { level: 3 }, key_not_held]
    );
    permit(&store, "yamada", STORAGE_ROOM).await;
    let codes = refused_codes(&store, entry(STORAGE_ROOM, "yamada", at)).await;
    assert_eq!(codes, vec![RefusalCode::KeyNotHeld { level: 3 }]);

    let key = KeyDefined {
        id: "key-storage".into(),
        room_id: STORAGE_ROOM.into(),
        label: "保管室の鍵".into(),
    };
    store.define_key(key, ADMIN, now).await.unwrap();
    lend(&store, at - Duration::minutes(5)).await;
    let first = store
        .record_entry(entry(STORAGE_ROOM, "yamada", at), ADMIN, now)
        .await
        .unwrap();
    assert_eq!(
        store.inside(STORAGE_ROOM).await.unwrap(),
        vec![first.clone()]
    );
    let exit = ExitRecorded {
        entry: first.id.clone(),
        exited_at: at + Duration::minutes(5),
    };
    store.record_exit(exit, ADMIN, now).await.unwrap();
    // Forty visits to the counter since, recorded on another tablet, all in one millisecond:
    // the door's look back for the last entry into the storage room is not misled by them.
    let visit_at = at + Duration::minutes(6);
    let visits = (0..40).flat_map(|i| {
        let entered = EventKind::EntryRecorded(entry(COUNTER, "yamada", visit_at));
        let closing = pulled_id(2 * i + 1);
        let exited = EventKind::ExitRecorded(ExitRecorded {
            entry: closing,
            exited_at: visit_at + Duration::seconds(1),
        });
        [
            (entered, visit_at),
            (exited, visit_at + Duration::seconds(1)),
        ]
    });
    let visits = pulled_chain(visits.collect());
    let now_ms = Utc::now().timestamp_millis();
    store.apply_pulled(&visits, now_ms).await.unwrap();
    // Back with the same loan: 「その都度」 the key is lent again.
    let again = at + Duration::minutes(10);
    let codes = refused_codes(&store, entry(STORAGE_ROOM, "yamada", again)).await;
    assert_eq!(codes, vec![RefusalCode::KeyNotHeld { level: 3 }]);
    let loan = store.keys_out().await.unwrap().remove(0);
    let ret = KeyReturned {
        loan: loan.id,
        returned_at: at + Duration::minutes(6),
        received_by: ADMIN.into(),
    };
    store.return_key(ret, ADMIN, now).await.unwrap();
    lend(&store, at + Duration::minutes(8)).await;
    store
        .record_entry(entry(STORAGE_ROOM, "yamada", again), ADMIN, now)
        .await
        .unwrap();

    // The town's measure: a permit per visit, from today (never backwards).
    let since = daicho_core::wareki::to_jst(now).date_naive();
    set_measure(&store, STORAGE_ROOM, EntryMeasure::PerVisitPermit, since).await;
    let codes = refused_codes(&store, entry(STORAGE_ROOM, "sato", now)).await;
    assert_eq!(codes, vec![RefusalCode::NotPermitted { level: 3 }]);
    permit(&store, "sato", STORAGE_ROOM).await;
    let codes = refused_codes(&store, entry(STORAGE_ROOM, "sato", now)).await;
    assert_eq!(codes, vec![RefusalCode::VisitPermitRequired { since }]);
    let grant = VisitPermitGranted {
        person_id: "sato".into(),
        room_id: STORAGE_ROOM.into(),
        valid_from: now - Duration::hours(1),
        valid_until: now + Duration::hours(1),
        purpose: "媒体の保管".into(),
        granted_by: ADMIN.into(),
    };
    store.grant_visit_permit(grant, ADMIN, now).await.unwrap();
    let codes = refused_codes(&store, entry(STORAGE_ROOM, "sato", now)).await;
    assert_eq!(codes, vec![RefusalCode::KeyNotHeld { level: 3 }]);
}

/// A visitor as the text reads: permitted beforehand like anyone, an escort only recorded;
/// under the measure "visitors escorted", escorted by staff permitted into the room.
#[wasm_bindgen_test]
async fn a_visitor_needs_permission_and_under_the_measure_an_escort() {
    let store = town("t-escort").await;
    let at = Utc::now();
    let alone = entry(COUNTER, VISITOR.0, at);
    let not_permitted = vec![RefusalCode::NotPermitted { level: 1 }];
    assert_eq!(refused_codes(&store, alone.clone()).await, not_permitted);
    let escorted = alone.clone().escorted_by(Some("yamada"));
    assert_eq!(refused_codes(&store, escorted.clone()).await, not_permitted);
    permit(&store, VISITOR.0, COUNTER).await;
    let since = daicho_core::wareki::to_jst(at).date_naive();
    set_measure(&store, COUNTER, EntryMeasure::VisitorsEscorted, since).await;
    let codes = refused_codes(&store, alone.clone()).await;
    assert_eq!(codes, vec![RefusalCode::EscortRequired { since }]);
    // The administrator is staff but holds no permission for the counter room.
    let codes = refused_codes(&store, alone.escorted_by(Some(ADMIN))).await;
    assert_eq!(codes, vec![RefusalCode::EscortNotPermitted { since }]);
    let record = store
        .record_entry(escorted, ADMIN, Utc::now())
        .await
        .unwrap();
    assert_eq!(record.escort_id.as_deref(), Some("yamada"));
}

/// Records `n` entries (and exits) into the counter room, two at each minute, from `start`.
async fn fill(store: &Store, start: DateTime<Utc>, n: usize) -> Vec<String> {
    let mut ids = Vec::new();
    for i in 0..n {
        let (person, _) = STAFF[i % 2];
        let at = start + Duration::minutes((i / 2) as i64);
        let record = store
            .record_entry(entry(COUNTER, person, at), ADMIN, Utc::now())
            .await
            .unwrap();
        let exit = ExitRecorded {
            entry: record.id.clone(),
            exited_at: at,
        };
        store.record_exit(exit, ADMIN, Utc::now()).await.unwrap();
        ids.push(record.id.to_string());
    }
    ids
}

#[wasm_bindgen_test]
async fn pages_cover_every_line_once_in_order_with_lines_sharing_a_minute() {
    let store = town("t-pages").await;
    let start = Utc::now() - Duration::days(1);
    let ids = fill(&store, start, 25).await;
    let mut seen = Vec::new();
    let mut query = LogQuery::newest(10);
    let mut pages = 0;
    loop {
        let page = store.entry_page(Some(COUNTER), None, &query).await.unwrap();
        assert_eq!(page.total, 25);
        pages += 1;
        seen.extend(page.rows);
        match page.next {
            Some(next) => query.after = Some(next),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    let times: Vec<_> = seen.iter().map(|e| e.entered_at).collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "newest first");
    let unique: BTreeSet<String> = seen.iter().map(|e| e.id.to_string()).collect();
    assert_eq!(unique, ids.into_iter().collect(), "every line exactly once");

    // Oldest first, one person, a time range: each through its own index.
    let mut oldest = LogQuery::newest(100);
    oldest.newest_first = false;
    let page = store.entry_page(None, Some("sato"), &oldest).await.unwrap();
    assert_eq!(page.total, 12);
    assert!(page.rows.iter().all(|e| e.person_id == "sato"));
    assert!(page
        .rows
        .windows(2)
        .all(|w| w[0].entered_at <= w[1].entered_at));
    let mut range = LogQuery::newest(100);
    range.from_ms = Some((start + Duration::minutes(2)).timestamp_millis());
    range.until_ms = Some((start + Duration::minutes(4)).timestamp_millis());
    let page = store.entry_page(None, None, &range).await.unwrap();
    assert_eq!(page.total, 4, "minutes 2 and 3, two lines each");
    let both = store
        .entry_page(Some(COUNTER), Some("sato"), &oldest)
        .await
        .unwrap();
    assert_eq!(both.total, 12);
    assert!(both
        .rows
        .iter()
        .all(|e| e.person_id == "sato" && e.room_id == COUNTER));
    let elsewhere = store
        .entry_page(Some(STORAGE_ROOM), Some("sato"), &oldest)
        .await
        .unwrap();
    assert_eq!((elsewhere.total, elsewhere.rows.len()), (0, 0));
}

/// Another device's entries, as a pull brings them: (room, person, time), in chain order.
fn pulled_entries(lines: &[(&str, &str, DateTime<Utc>)]) -> Vec<Event> {
    let kinds = lines.iter().map(|(room, person, at)| {
        let kind = EventKind::EntryRecorded(entry(room, person, *at));
        (kind, *at)
    });
    pulled_chain(kinds.collect())
}

/// The tablet `pulled_chain` seals for.
const PULLED_FROM: &str = "branch-tablet";

/// Another device's events, as a pull brings them: each kind recorded at its time, in chain
/// order (the `n`th is `pulled_id(n)`).
fn pulled_chain(kinds: Vec<(EventKind, DateTime<Utc>)>) -> Vec<Event> {
    use daicho_core::{event::GENESIS_HASH, DeviceId, Hlc};
    let mut prev = GENESIS_HASH.to_string();
    let events = kinds.into_iter().enumerate().map(|(i, (kind, at))| {
        let hlc = Hlc {
            wall_ms: at.timestamp_millis(),
            counter: i as u32,
        };
        let device = DeviceId(PULLED_FROM.into());
        let event = Event::seal(device, i as u64 + 1, hlc, ADMIN.into(), kind, &prev);
        prev = event.hash.clone();
        event
    });
    events.collect()
}

/// The id of the `seq`th event `pulled_chain` seals.
fn pulled_id(seq: u64) -> EventId {
    let device = daicho_core::DeviceId(PULLED_FROM.into());
    EventId { device, seq }
}

#[wasm_bindgen_test]
async fn one_person_in_one_room_pages_through_their_lines_there() {
    // Pages and cursors through the index over room, person and time, lines sharing a
    // millisecond included, the person's lines in another room and another person's left out.
    let store = town("t-room-person").await;
    let start = Utc::now() - Duration::days(2);
    let mut lines = Vec::new();
    for i in 0..9 {
        let at = start + Duration::minutes(i / 2);
        lines.push((COUNTER, "sato", at));
        lines.push((STORAGE_ROOM, "sato", at));
        lines.push((COUNTER, "suzuki", at));
    }
    let events = pulled_entries(&lines);
    store
        .apply_pulled(&events, Utc::now().timestamp_millis())
        .await
        .unwrap();
    for newest_first in [true, false] {
        let mut query = LogQuery::newest(4);
        query.newest_first = newest_first;
        let (mut seen, mut pages) = (Vec::new(), 0);
        loop {
            let page = store
                .entry_page(Some(COUNTER), Some("sato"), &query)
                .await
                .unwrap();
            assert_eq!(page.total, 9);
            pages += 1;
            seen.extend(page.rows);
            match page.next {
                Some(next) => query.after = Some(next),
                None => break,
            }
        }
        assert_eq!(pages, 3, "4 + 4 + 1");
        assert!(seen
            .iter()
            .all(|e| e.person_id == "sato" && e.room_id == COUNTER));
        let unique: BTreeSet<String> = seen.iter().map(|e| e.id.to_string()).collect();
        assert_eq!(unique.len(), 9, "every line exactly once");
        let times: Vec<_> = seen.iter().map(|e| e.entered_at).collect();
        match newest_first {
            true => assert!(times.windows(2).all(|w| w[0] >= w[1])),
            false => assert!(times.windows(2).all(|w| w[0] <= w[1])),
        }
    }
    // A time range: minutes 1 and 2 hold two of sato's counter lines each.
    let mut range = LogQuery::newest(100);
    range.from_ms = Some((start + Duration::minutes(1)).timestamp_millis());
    range.until_ms = Some((start + Duration::minutes(3)).timestamp_millis());
    let page = store
        .entry_page(Some(COUNTER), Some("sato"), &range)
        .await
        .unwrap();
    assert_eq!((page.total, page.rows.len()), (4, 4));
}
