//! The door's facts read ahead of the tap (`Store::read_entry_facts_ahead`): taken by the tap
//! while nothing was written since, and given up for a fresh read after any write — in this
//! page, in another tab — so that no verdict is on facts the stores no longer hold.
#![cfg(target_arch = "wasm32")]

mod common;

use chrono::{DateTime, Duration, Utc};
use common::{permit, town, ADMIN, COUNTER, VISITOR};
use daicho::store::{schema, Store, StoreError};
use daicho_core::room_permit::PermitRevoked;
use daicho_core::{EntryRecorded, ExitRecorded, RefusalCode};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn entry(person_id: &str, at: DateTime<Utc>) -> EntryRecorded {
    EntryRecorded::new(COUNTER, person_id, "総務課", "点検", true, at).of(person_id)
}

/// The codes `store` refuses `entry` with, nothing stored.
async fn refused(store: &Store, entry: EntryRecorded) -> Vec<RefusalCode> {
    let before = store.event_count().await.unwrap();
    match store.record_entry(entry, ADMIN, Utc::now()).await {
        Err(StoreError::Refused(r)) => {
            assert_eq!(store.event_count().await.unwrap(), before, "nothing stored");
            r.0.into_iter().map(|r| r.code).collect()
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// The door's facts of `person_id`'s entry now, read ahead as the form reads them.
async fn read_ahead(store: &Store, person_id: &str) {
    let draft = entry(person_id, Utc::now());
    store.read_entry_facts_ahead(&draft, ADMIN).await.unwrap();
}

async fn leave(store: &Store, line: &daicho_core::EntryRecord) {
    let exit = ExitRecorded {
        entry: line.id.clone(),
        exited_at: Utc::now(),
    };
    store.record_exit(exit, ADMIN, Utc::now()).await.unwrap();
}

/// A refusal read ahead does not outlive the permission granted after it, nor a permission
/// read ahead its revocation.
#[wasm_bindgen_test]
async fn a_write_after_the_read_ahead_is_what_the_tap_judges_by() {
    let store = town("t-ahead-writes").await;
    let visitor = VISITOR.0;
    read_ahead(&store, visitor).await;
    permit(&store, visitor, COUNTER).await;
    let line = store
        .record_entry(entry(visitor, Utc::now()), ADMIN, Utc::now())
        .await
        .expect("permitted since the read ahead");
    leave(&store, &line).await;

    read_ahead(&store, visitor).await;
    let granted = store.permits().await.unwrap();
    let granted = granted.iter().find(|p| p.person_id == visitor).unwrap();
    let revocation = PermitRevoked {
        permit: granted.id.clone(),
        at: Utc::now() - Duration::minutes(1),
        reason: "契約の終了".into(),
        revoked_by: ADMIN.into(),
    };
    store
        .revoke_permit(revocation, ADMIN, Utc::now())
        .await
        .unwrap();
    let codes = refused(&store, entry(visitor, Utc::now())).await;
    assert_eq!(codes, vec![RefusalCode::NotPermitted { level: 1 }]);
}

/// Another tab's write is seen as well: the same person recorded inside there is not let in
/// twice here on facts read before it.
#[wasm_bindgen_test]
async fn another_tabs_write_is_what_the_tap_judges_by() {
    let here = town("t-ahead-tabs").await;
    let there = Store::open("t-ahead-tabs").await.unwrap();
    read_ahead(&here, "yamada").await;
    there
        .record_entry(entry("yamada", Utc::now()), ADMIN, Utc::now())
        .await
        .unwrap();
    let codes = refused(&here, entry("yamada", Utc::now())).await;
    assert!(
        matches!(codes.as_slice(), [RefusalCode::AlreadyInside { .. }]),
        "{codes:?}"
    );
}

/// While nothing is written the tap takes the facts read ahead and reads none of its own.
/// Seen here by removing a permission behind the store's back (a raw IndexedDB delete, which
/// no page ever does: it renews no mark): the tap still judges by the permission it read
/// ahead. Any write through the store then renews the mark, and the next tap reads again.
#[wasm_bindgen_test]
async fn without_a_write_since_the_tap_takes_the_facts_read_ahead() {
    let store = town("t-ahead-taken").await;
    read_ahead(&store, "sato").await;
    remove_permits_unmarked("t-ahead-taken", "sato").await;
    let line = store
        .record_entry(entry("sato", Utc::now()), ADMIN, Utc::now())
        .await
        .expect("judged by the facts read ahead");
    leave(&store, &line).await;
    let codes = refused(&store, entry("sato", Utc::now())).await;
    assert_eq!(codes, vec![RefusalCode::NotPermitted { level: 1 }]);
}

/// Facts read ahead for one person are not taken for another, nor for an entry dated before
/// the read (its lines elsewhere were not read for that moment).
#[wasm_bindgen_test]
async fn facts_read_ahead_serve_only_the_entry_they_were_read_for() {
    let store = town("t-ahead-other").await;
    // Yamada's facts would let Sato in on Yamada's permission.
    remove_permits_unmarked("t-ahead-other", "sato").await;
    read_ahead(&store, "yamada").await;
    let codes = refused(&store, entry("sato", Utc::now())).await;
    assert_eq!(codes, vec![RefusalCode::NotPermitted { level: 1 }]);

    read_ahead(&store, "suzuki").await;
    remove_permits_unmarked("t-ahead-other", "suzuki").await;
    let earlier = Utc::now() - Duration::minutes(10);
    let codes = refused(&store, entry("suzuki", earlier)).await;
    assert_eq!(codes, vec![RefusalCode::NotPermitted { level: 1 }]);
}

/// A write by an earlier version of the app (open in another tab after an update) renews no
/// mark, but it moves the device's chain head: that too sends the tap back to the stores.
#[wasm_bindgen_test]
async fn an_earlier_versions_write_is_seen_by_the_chain_head() {
    let store = town("t-ahead-earlier").await;
    read_ahead(&store, "sato").await;
    remove_permits_unmarked("t-ahead-earlier", "sato").await;
    move_chain_head_unmarked("t-ahead-earlier").await;
    let codes = refused(&store, entry("sato", Utc::now())).await;
    assert_eq!(codes, vec![RefusalCode::NotPermitted { level: 1 }]);
}

/// The write's own reads (who is inside the room, today's counts of the operation history) are
/// taken from the read ahead too while nothing was written: seen by emptying the room's record
/// behind the store's back, which the tap then does not see. After another tab's write they
/// are read again: nobody that tab let in is lost from the room, no act from the day counts.
#[wasm_bindgen_test]
async fn the_writes_own_reads_are_taken_ahead_only_while_nothing_was_written() {
    let here = town("t-ahead-seed").await;
    let there = Store::open("t-ahead-seed").await.unwrap();
    here.record_entry(entry("yamada", Utc::now()), ADMIN, Utc::now())
        .await
        .unwrap();
    read_ahead(&here, "sato").await;
    empty_room_unmarked("t-ahead-seed").await;
    here.record_entry(entry("sato", Utc::now()), ADMIN, Utc::now())
        .await
        .unwrap();
    assert_eq!(
        inside(&here).await,
        ["sato", "yamada"],
        "the room as read ahead"
    );
    assert!(
        written_in_one_round(),
        "nothing was written since the read ahead"
    );

    read_ahead(&here, "suzuki").await;
    permit(&there, VISITOR.0, COUNTER).await;
    there
        .record_entry(entry(VISITOR.0, Utc::now()), ADMIN, Utc::now())
        .await
        .unwrap();
    here.record_entry(entry("suzuki", Utc::now()), ADMIN, Utc::now())
        .await
        .unwrap();
    assert!(
        !written_in_one_round(),
        "the write in one round found another mark"
    );
    assert_eq!(inside(&here).await, ["sato", "suzuki", "visitor", "yamada"]);
    assert_eq!(acts_counted(&here).await, here.event_count().await.unwrap());
}

/// A tap right after the person is chosen, while the read ahead is still under way, is not
/// written in one round on facts kept from before (they are older than that read): its
/// transaction, begun behind the read, takes what the read found.
#[wasm_bindgen_test]
async fn a_tap_during_the_read_ahead_takes_what_it_found() {
    let store = town("t-ahead-during").await;
    read_ahead(&store, "sato").await;
    let line = store
        .record_entry(entry("sato", Utc::now()), ADMIN, Utc::now())
        .await
        .unwrap();
    leave(&store, &line).await;
    let draft = entry("sato", Utc::now());
    let (read, tapped) = futures::join!(
        store.read_entry_facts_ahead(&draft, ADMIN),
        store.record_entry(entry("sato", Utc::now()), ADMIN, Utc::now())
    );
    read.unwrap();
    tapped.unwrap();
    assert!(!written_in_one_round(), "not on the facts kept from before");
    assert!(judged_ahead(), "on what the read under way found");
    assert_eq!(inside(&store).await, ["sato"]);
}

/// Did the last write take the facts read ahead (its User Timing mark, which every write's
/// start clears)?
fn judged_ahead() -> bool {
    marked("daicho:write:judged-ahead")
}

/// Was the last write an entry written in one round on facts read ahead?
fn written_in_one_round() -> bool {
    marked("daicho:write:in-one-round")
}

/// Is the User Timing mark `name` set?
fn marked(name: &str) -> bool {
    let performance = web_sys::window().unwrap().performance().unwrap();
    performance.get_entries_by_name(name).length() > 0
}

/// Who is inside the counter room, by id.
async fn inside(store: &Store) -> Vec<String> {
    let mut ids: Vec<String> = store
        .inside(COUNTER)
        .await
        .unwrap()
        .into_iter()
        .map(|line| line.person_id)
        .collect();
    ids.sort();
    ids
}

/// Every act the history's day counts hold, around today.
async fn acts_counted(store: &Store) -> u32 {
    let today = daicho_core::history::jst_day(Utc::now().timestamp_millis());
    let days = store
        .history_days(today - 1, today + 1, false)
        .await
        .unwrap();
    days.iter().map(|d| d.n).sum()
}

/// Deletes the counter room's record of who is inside straight from IndexedDB.
async fn empty_room_unmarked(db: &str) {
    let raw = schema::open(db).await.unwrap();
    let tx = raw
        .transaction(&[schema::OCCUPANCY], rexie::TransactionMode::ReadWrite)
        .unwrap();
    tx.store(schema::OCCUPANCY)
        .unwrap()
        .delete(JsValue::from_str(COUNTER))
        .await
        .unwrap();
    tx.done().await.unwrap();
    raw.close();
}

/// Changes the device's chain head straight in IndexedDB, as another version's write would.
async fn move_chain_head_unmarked(db: &str) {
    let raw = schema::open(db).await.unwrap();
    let tx = raw
        .transaction(&[schema::DEVICE], rexie::TransactionMode::ReadWrite)
        .unwrap();
    let device = tx.store(schema::DEVICE).unwrap();
    let key = JsValue::from_str("self");
    let head = device.get(key.clone()).await.unwrap().expect("a device");
    js_sys::Reflect::set(&head, &"head".into(), &"moved".into()).unwrap();
    device.put(&head, Some(&key)).await.unwrap();
    tx.done().await.unwrap();
    raw.close();
}

/// Deletes `person_id`'s permits into the counter room straight from IndexedDB.
async fn remove_permits_unmarked(db: &str, person_id: &str) {
    let raw = schema::open(db).await.unwrap();
    let tx = raw
        .transaction(&[schema::PERMITS], rexie::TransactionMode::ReadWrite)
        .unwrap();
    let permits = tx.store(schema::PERMITS).unwrap();
    let key = js_sys::Array::of2(&JsValue::from_str(COUNTER), &JsValue::from_str(person_id));
    let range = rexie::KeyRange::only(&key).unwrap();
    let index = permits.index(schema::PERMITS_BY_ROOM_PERSON).unwrap();
    let ids = index.get_all_keys(Some(range), None).await.unwrap();
    assert!(!ids.is_empty(), "{person_id} held a permission");
    for id in ids {
        permits.delete(id).await.unwrap();
    }
    tx.done().await.unwrap();
    raw.close();
}
