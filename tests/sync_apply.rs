//! Events pulled from other devices, applied in the browser's store: idempotent, the same
//! registers on both devices whatever the order, master data newest by clock, a damaged page
//! refused whole, and a rule break made offline raised on both devices.
#![cfg(target_arch = "wasm32")]

mod common;

use chrono::{DateTime, Duration, Utc};
use common::{person, town, ADMIN, COUNTER, STORAGE_ROOM};
use daicho::store::{Applied, Store};
use daicho_core::key_log::{KeyDefined, KeyLent, KeyLoan};
use daicho_core::people::PersonKind;
use daicho_core::room_permit::{PermissionGranted, PermitRevoked};
use daicho_core::rule_breaks::{BreakKind, RuleBreak};
use daicho_core::{EntryRecorded, EventId, ExitRecorded, Version};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// The level-2 room (server room), whose key is lent.
const SERVER_ROOM: &str = "default-level-2";

async fn fresh(name: &str) -> Store {
    Store::delete(name).await.unwrap();
    Store::open(name).await.unwrap()
}

/// `to` pulls everything `from` holds (as the endpoint would hand it over).
async fn pull(from: &Store, to: &Store) -> Applied {
    let events = from.events().await.unwrap();
    to.apply_pulled(&events, Utc::now().timestamp_millis())
        .await
        .unwrap()
}

/// Each device pulls the other's events: each raises exactly one break, of `record` as `kind`,
/// and keeps it. The break as each holds it, head office's first.
async fn raised_once_on_both(
    head: &Store,
    branch: &Store,
    record: &EventId,
    kind: BreakKind,
) -> Vec<RuleBreak> {
    let at_head = pull(branch, head).await;
    let at_branch = pull(head, branch).await;
    assert_eq!(at_head.breaks.len(), 1, "{at_head:?}");
    assert_eq!(at_branch.breaks.len(), 1, "{at_branch:?}");
    let mut held = Vec::new();
    for store in [head, branch] {
        let mut breaks = store.rule_breaks().await.unwrap();
        assert_eq!(breaks.len(), 1, "{breaks:?}");
        assert_eq!((&breaks[0].record, breaks[0].kind), (record, kind));
        held.push(breaks.remove(0));
    }
    held
}

#[wasm_bindgen_test]
async fn a_page_applied_twice_changes_nothing_and_both_devices_agree() {
    let head = town("pull-head-a").await;
    let branch = fresh("pull-branch-a").await;
    let first = pull(&head, &branch).await;
    assert!(first.new_events > 10, "{first:?}");
    let count = branch.event_count().await.unwrap();
    let again = pull(&head, &branch).await;
    assert_eq!(again.new_events, 0);
    assert_eq!(branch.event_count().await.unwrap(), count);
    pull(&branch, &head).await;
    assert_eq!(head.event_count().await.unwrap(), count);
    assert_eq!(branch.people().await.unwrap(), head.people().await.unwrap());
    assert_eq!(
        branch.permits().await.unwrap(),
        head.permits().await.unwrap()
    );
    assert_eq!(branch.rooms().await.unwrap(), head.rooms().await.unwrap());
    assert_eq!(
        branch.organisation().await.unwrap(),
        head.organisation().await.unwrap()
    );
}

#[wasm_bindgen_test]
async fn what_the_branch_records_after_pulling_sorts_after_what_it_pulled() {
    let head = town("pull-head-b").await;
    let branch = fresh("pull-branch-b").await;
    pull(&head, &branch).await;
    let newest_pulled = head.device().await.unwrap().hlc;
    assert!(branch.device().await.unwrap().hlc > newest_pulled);
}

#[wasm_bindgen_test]
async fn the_newest_version_of_a_person_wins_on_both_devices() {
    let head = town("pull-head-c").await;
    let branch = fresh("pull-branch-c").await;
    pull(&head, &branch).await;
    let now = Utc::now();
    let older = person("tanaka", "田中 （旧）", PersonKind::Staff);
    head.define_person(older, ADMIN, now).await.unwrap();
    let newer = person("tanaka", "田中 正", PersonKind::Staff);
    branch
        .define_person(newer, ADMIN, now + Duration::seconds(1))
        .await
        .unwrap();
    // Opposite orders of arrival: the head gets the newer version after its own older one,
    // the branch gets the older one after its own newer one.
    pull(&branch, &head).await;
    pull(&head, &branch).await;
    for store in [&head, &branch] {
        let people = store.people().await.unwrap();
        let tanaka = people.iter().find(|p| p.id == "tanaka").unwrap();
        assert_eq!(tanaka.name, "田中 正");
    }
}

#[wasm_bindgen_test]
async fn a_damaged_event_refuses_the_whole_page_and_stores_nothing() {
    let head = town("pull-head-d").await;
    let branch = fresh("pull-branch-d").await;
    let before = branch.event_count().await.unwrap();
    let mut events = head.events().await.unwrap();
    let last = events.len() - 1;
    events[last].operator = "someone else".into();
    let refused = branch
        .apply_pulled(&events, Utc::now().timestamp_millis())
        .await;
    let message = refused.unwrap_err().to_string();
    assert!(
        message.contains(&events[last].id().to_string()),
        "{message}"
    );
    assert_eq!(branch.event_count().await.unwrap(), before);
}

#[wasm_bindgen_test]
async fn a_key_lent_offline_after_a_revocation_elsewhere_is_kept_and_raised_on_both() {
    let head = town("pull-head-e").await;
    let now = Utc::now() - Duration::minutes(10);
    let key = KeyDefined {
        id: "key-server".into(),
        room_id: SERVER_ROOM.into(),
        label: "電算室の鍵".into(),
    };
    head.define_key(key, ADMIN, now).await.unwrap();
    let grant = PermissionGranted {
        person_id: "yamada".into(),
        room_id: SERVER_ROOM.into(),
        from: (now - Duration::days(30)).date_naive(),
        to: None,
        granted_by: ADMIN.into(),
    };
    let permit = head.grant_permission(grant, ADMIN, now).await.unwrap();
    let branch = fresh("pull-branch-e").await;
    pull(&head, &branch).await;

    // Both offline: head office revokes; the branch, not knowing, lends the key afterwards.
    let revoked_at = now + Duration::minutes(1);
    let revocation = PermitRevoked {
        permit: permit.id.clone(),
        at: revoked_at,
        reason: "異動".into(),
        revoked_by: ADMIN.into(),
    };
    head.revoke_permit(revocation, ADMIN, revoked_at)
        .await
        .unwrap();
    let lent_at = now + Duration::minutes(2);
    let lent = KeyLent {
        key_id: "key-server".into(),
        person_id: "yamada".into(),
        purpose: "保守".into(),
        lent_at,
        due_back: lent_at + Duration::hours(1),
        lent_by: ADMIN.into(),
    };
    let loan = branch.lend_key(lent, ADMIN, lent_at).await.unwrap();

    let unpermitted = BreakKind::KeyLentUnpermitted;
    let held = raised_once_on_both(&head, &branch, &loan.id, unpermitted).await;
    assert_eq!(held[0], held[1]);
    for store in [&head, &branch] {
        // The loan is evidence: kept, still out, on both devices.
        assert_eq!(store.keys_out().await.unwrap(), vec![loan.clone()]);
    }
}

/// Head office (`pull-head-<name>`) lends yamada the server room's key half an hour ago; the
/// branch (`pull-branch-<name>`) pulls it: both know the loan. The loan, and that moment.
async fn key_lent_on_both(name: &str) -> (Store, Store, KeyLoan, DateTime<Utc>) {
    let now = Utc::now() - Duration::minutes(30);
    let key = ("key-server", "電算室の鍵");
    let (head, branch, loan) = lent_on_both(name, SERVER_ROOM, key, now).await;
    (head, branch, loan, now)
}

/// Head office (`pull-head-<name>`) defines `room`'s key (id, label), permits yamada into the
/// room and lends him the key at `lent_at`; the branch (`pull-branch-<name>`) pulls it all.
async fn lent_on_both(
    name: &str,
    room: &str,
    (key_id, label): (&str, &str),
    lent_at: DateTime<Utc>,
) -> (Store, Store, KeyLoan) {
    let head = town(&format!("pull-head-{name}")).await;
    let key = KeyDefined {
        id: key_id.into(),
        room_id: room.into(),
        label: label.into(),
    };
    head.define_key(key, ADMIN, lent_at).await.unwrap();
    common::permit(&head, "yamada", room).await;
    let lent = KeyLent {
        key_id: key_id.into(),
        person_id: "yamada".into(),
        purpose: "保守".into(),
        lent_at,
        due_back: lent_at + Duration::hours(2),
        lent_by: ADMIN.into(),
    };
    let loan = head.lend_key(lent, ADMIN, lent_at).await.unwrap();
    let branch = fresh(&format!("pull-branch-{name}")).await;
    pull(&head, &branch).await;
    (head, branch, loan)
}

/// Issue 16's story: the branch knows yamada holds the server room's key; head office, offline
/// from it, records the key back. The branch's entry after that moment was made without the
/// key: kept, and raised on both devices (`entry_without_key`); the entry before, none.
#[wasm_bindgen_test]
async fn an_entry_recorded_offline_after_the_key_went_back_elsewhere_is_raised_on_both() {
    let (head, branch, loan, now) = key_lent_on_both("k").await;

    let entry = |minutes: i64| {
        let at = now + Duration::minutes(minutes);
        EntryRecorded::new(SERVER_ROOM, "山田 太郎", "総務課", "保守", true, at).of("yamada")
    };
    let with_key = branch
        .record_entry(entry(5), ADMIN, Utc::now())
        .await
        .unwrap();
    let exit = ExitRecorded {
        entry: with_key.id.clone(),
        exited_at: now + Duration::minutes(8),
    };
    branch.record_exit(exit, ADMIN, Utc::now()).await.unwrap();
    let ret = daicho_core::key_log::KeyReturned {
        loan: loan.id.clone(),
        returned_at: now + Duration::minutes(10),
        received_by: ADMIN.into(),
    };
    head.return_key(ret, ADMIN, Utc::now()).await.unwrap();
    // Offline, the branch still believes the key lent.
    let without = branch
        .record_entry(entry(15), ADMIN, Utc::now())
        .await
        .unwrap();

    // At the branch, the return pulled falls on the entry.
    let without_key = BreakKind::EntryWithoutKey;
    for held in raised_once_on_both(&head, &branch, &without.id, without_key).await {
        assert!(held
            .message_ja("山田 太郎", "電算室")
            .contains("第17条第2項"));
    }
}

/// A level-3 key serves one entry however long it stays out (第17条第2項「その都度」): lent two
/// days ago and never returned, it let yamada into the storage room at head office then; the
/// branch, which pulled the loan but not that entry, let him in again on it today. Raised on
/// both devices once they meet, though the two entries are days apart.
#[wasm_bindgen_test]
async fn a_level_3_key_out_for_days_used_again_offline_is_raised_on_both() {
    let long_ago = Utc::now() - Duration::days(2);
    let key = ("key-storage", "保管室の鍵");
    let (head, branch, _) = lent_on_both("l3", STORAGE_ROOM, key, long_ago).await;
    let entry = |at: DateTime<Utc>| {
        EntryRecorded::new(STORAGE_ROOM, "山田 太郎", "総務課", "保守", true, at).of("yamada")
    };
    let first = head
        .record_entry(entry(long_ago + Duration::minutes(5)), ADMIN, Utc::now())
        .await
        .unwrap();
    let exit = ExitRecorded {
        entry: first.id.clone(),
        exited_at: long_ago + Duration::minutes(10),
    };
    head.record_exit(exit, ADMIN, Utc::now()).await.unwrap();
    // Offline, the branch knows the loan but not that it served an entry already.
    let again = Utc::now() - Duration::minutes(30);
    let second = branch
        .record_entry(entry(again), ADMIN, Utc::now())
        .await
        .unwrap();

    raised_once_on_both(&head, &branch, &second.id, BreakKind::EntryWithoutKey).await;
}

/// Issue 13's story raised (issue 16): both tablets, offline, record the return of one loan.
/// The earlier return closes it on both; the later is raised on both as `key_returned_twice`.
#[wasm_bindgen_test]
async fn a_loan_returned_on_both_tablets_offline_raises_the_later_return_on_both() {
    let (head, branch, loan, now) = key_lent_on_both("r").await;
    let give_back = |minutes: i64| daicho_core::key_log::KeyReturned {
        loan: loan.id.clone(),
        returned_at: now + Duration::minutes(minutes),
        received_by: ADMIN.into(),
    };
    head.return_key(give_back(10), ADMIN, now + Duration::minutes(10))
        .await
        .unwrap();
    branch
        .return_key(give_back(12), ADMIN, now + Duration::minutes(12))
        .await
        .unwrap();
    // The later of the two by the fold's order (clock, then device): two tablets' clocks may
    // read the same millisecond, and then the device decides, not which was recorded first.
    // (Each store holds only its own return yet; the branch holds head office's events too.)
    let mut returns = Vec::new();
    for store in [&head, &branch] {
        let events = store.events().await.unwrap();
        let own = events
            .iter()
            .find(|e| matches!(e.kind, daicho_core::EventKind::KeyReturned(_)));
        returns.push(Version::of(own.unwrap()));
    }
    let later = returns.into_iter().max().unwrap().event();

    raised_once_on_both(&head, &branch, &later, BreakKind::KeyReturnedTwice).await;
    for store in [&head, &branch] {
        let out = store.keys_out().await.unwrap();
        assert!(out.is_empty(), "returned on both: {out:?}");
    }
}

/// Yamada's entry into the counter room, `minutes_ago`.
fn yamada_enters(minutes_ago: i64) -> EntryRecorded {
    let at = Utc::now() - Duration::minutes(minutes_ago);
    EntryRecorded::new(COUNTER, "山田 太郎", "総務課", "窓口業務", true, at).of("yamada")
}

#[wasm_bindgen_test]
async fn an_exit_recorded_on_both_devices_offline_closes_the_line_the_same_way_on_both() {
    let head = town("pull-head-f").await;
    let branch = fresh("pull-branch-f").await;
    let entry = head
        .record_entry(yamada_enters(30), ADMIN, Utc::now())
        .await
        .unwrap();
    pull(&head, &branch).await;
    assert_eq!(branch.inside(COUNTER).await.unwrap(), vec![entry.clone()]);

    // Both offline, both record Yamada leaving: the branch first (by clock), then the head.
    let exit_at = |minutes_ago| ExitRecorded {
        entry: entry.id.clone(),
        exited_at: Utc::now() - Duration::minutes(minutes_ago),
    };
    let first = branch
        .record_exit(exit_at(20), ADMIN, Utc::now() - Duration::minutes(19))
        .await
        .unwrap();
    let later = Utc::now() + Duration::seconds(2);
    head.record_exit(exit_at(10), ADMIN, later).await.unwrap();
    pull(&branch, &head).await;
    pull(&head, &branch).await;
    for store in [&head, &branch] {
        let log = store.room_log(COUNTER, 10).await.unwrap();
        assert_eq!(
            log,
            vec![first.clone()],
            "both exits kept, the earliest closes"
        );
        assert_eq!(store.inside(COUNTER).await.unwrap(), vec![]);
        assert_eq!(store.history(&entry.id).await.unwrap().len(), 3);
    }
}

/// Yamada enters the counter room and leaves it again, at `store`; the closed line.
async fn yamada_in_and_out(store: &Store) -> daicho_core::EntryRecord {
    let entry = store
        .record_entry(yamada_enters(30), ADMIN, Utc::now())
        .await
        .unwrap();
    let exit = ExitRecorded {
        entry: entry.id.clone(),
        exited_at: Utc::now() - Duration::minutes(5),
    };
    store.record_exit(exit, ADMIN, Utc::now()).await.unwrap()
}

#[wasm_bindgen_test]
async fn an_exit_pulled_before_its_entry_leaves_nobody_inside() {
    let head = town("pull-head-g").await;
    let closed = yamada_in_and_out(&head).await;
    let mut events = head.events().await.unwrap();
    let exit_event = events.pop().unwrap();
    let branch = fresh("pull-branch-g").await;
    let now = Utc::now().timestamp_millis();
    branch.apply_pulled(&[exit_event], now).await.unwrap();
    branch.apply_pulled(&events, now).await.unwrap();
    assert_eq!(branch.inside(COUNTER).await.unwrap(), vec![]);
    assert_eq!(branch.inside_count(COUNTER).await.unwrap(), 0);
    assert_eq!(branch.room_log(COUNTER, 10).await.unwrap(), vec![closed]);
}

/// Every event of `name` as IndexedDB holds it, in key order, as JSON text.
async fn stored_as_json(name: &str) -> Vec<String> {
    let db = daicho::store::schema::open(name).await.unwrap();
    let events = daicho::store::schema::EVENTS;
    let tx = db
        .transaction(&[events], rexie::TransactionMode::ReadOnly)
        .unwrap();
    let values = tx.store(events).unwrap().get_all(None, None).await.unwrap();
    db.close();
    let json = |v: &wasm_bindgen::JsValue| js_sys::JSON::stringify(v).unwrap().into();
    values.iter().map(json).collect()
}

/// A pulled page is converted in one piece (one JSON text) where the device's own events are
/// converted one by one: both must store exactly the same record, `refers` included.
#[wasm_bindgen_test]
async fn a_pulled_event_is_stored_exactly_as_the_device_that_made_it_stored_it() {
    let head = town("pull-head-h").await;
    yamada_in_and_out(&head).await;
    let branch = fresh("pull-branch-h").await;
    pull(&head, &branch).await;
    let branch_own = branch.device().await.unwrap().id;
    head.close();
    branch.close();
    let at_head = stored_as_json("pull-head-h").await;
    let at_branch: Vec<String> = stored_as_json("pull-branch-h")
        .await
        .into_iter()
        .filter(|json| !json.contains(&format!("\"device\":\"{}\"", branch_own.0)))
        .collect();
    assert!(at_head.iter().any(|json| json.contains("\"refers\"")));
    assert_eq!(at_branch, at_head);
}

/// Issue 16's story of one person in two rooms: head office records yamada entering the
/// counter (no exit yet); the branch, offline, records him entering the server room with the
/// key lent. Once the two meet, the later entry is raised on both (`entry_while_inside`,
/// 第19条第1項); both lines are kept.
#[wasm_bindgen_test]
async fn a_person_recorded_inside_two_rooms_offline_is_raised_on_both() {
    let (head, branch, _, now) = key_lent_on_both("two-rooms").await;
    let at = |minutes: i64| now + Duration::minutes(minutes);
    let counter = EntryRecorded::new(COUNTER, "山田 太郎", "総務課", "窓口業務", true, at(5));
    head.record_entry(counter.of("yamada"), ADMIN, Utc::now())
        .await
        .unwrap();
    let server = EntryRecorded::new(SERVER_ROOM, "山田 太郎", "総務課", "保守", true, at(7));
    let later = branch
        .record_entry(server.of("yamada"), ADMIN, Utc::now())
        .await
        .unwrap();

    let inside = BreakKind::EntryWhileInside;
    let held = raised_once_on_both(&head, &branch, &later.id, inside).await;
    for (store, held) in [&head, &branch].into_iter().zip(held) {
        assert!(held
            .message_ja("山田 太郎", "電算室")
            .contains("第19条第1項"));
        assert_eq!(store.inside_count(COUNTER).await.unwrap(), 1);
        assert_eq!(store.inside_count(SERVER_ROOM).await.unwrap(), 1);
    }
}

/// At the door, the store reads the person's open line in another room through its indexes:
/// the entry is refused with the warning, nothing written; recorded over that very line when
/// the operator confirms it, the entry keeps the confirmation.
#[wasm_bindgen_test]
async fn the_door_warns_of_a_line_open_in_another_room_and_records_when_confirmed() {
    let (head, _, _, now) = key_lent_on_both("door-warns").await;
    let at = |minutes: i64| now + Duration::minutes(minutes);
    let counter = EntryRecorded::new(COUNTER, "山田 太郎", "総務課", "窓口業務", true, at(5));
    let open = head
        .record_entry(counter.of("yamada"), ADMIN, Utc::now())
        .await
        .unwrap();
    let server = EntryRecorded::new(SERVER_ROOM, "山田 太郎", "総務課", "保守", true, at(7));
    let server = server.of("yamada");
    let before = head.events().await.unwrap().len();
    let refused = head
        .record_entry(server.clone(), ADMIN, Utc::now())
        .await
        .unwrap_err();
    let daicho::store::StoreError::Refused(refusals) = refused else {
        panic!("refused by the rule: {refused:?}")
    };
    assert_eq!(refusals.0.len(), 1, "{refusals:?}");
    assert!(matches!(&refusals.0[0].code,
        daicho_core::RefusalCode::InsideAnotherRoom { entry, .. } if *entry == open.id.to_string()));
    assert!(
        refusals.0[0].message_ja().contains("住民窓口に入室中"),
        "{}",
        refusals.0[0].message_ja()
    );
    assert_eq!(
        head.events().await.unwrap().len(),
        before,
        "nothing written"
    );
    let confirmed = server.confirming_inside(Some(open.id.clone()));
    let line = head
        .record_entry(confirmed, ADMIN, Utc::now())
        .await
        .unwrap();
    let events = head.events().await.unwrap();
    let stored = events.iter().find(|e| e.id() == line.id).unwrap();
    let daicho_core::EventKind::EntryRecorded(entry) = &stored.kind else {
        panic!("an entry")
    };
    assert_eq!(entry.inside_elsewhere.as_ref(), Some(&open.id));
    // Raised on this device at once, as every other device raises it on pulling the entry.
    let breaks = head.rule_breaks().await.unwrap();
    assert_eq!(breaks.len(), 1, "{breaks:?}");
    assert_eq!(
        (&breaks[0].record, breaks[0].kind),
        (&line.id, BreakKind::EntryWhileInside)
    );
}
