//! The IndexedDB store in a real browser (headless Chromium through wasm-bindgen-test):
//! write, read back, reopen, refusals, and that an event never outlives a failed projection.
#![cfg(target_arch = "wasm32")]

use chrono::{Duration, Utc};
use daicho::store::schema::{self, EVENTS};
use daicho::store::{Store, StoreError};
use daicho_core::{EntryRecorded, Event, EventKind, ExitRecorded, Field, RefusalCode};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

mod common;
use common::{staff_id, town, ADMIN as OPERATOR, COUNTER as ROOM};

/// A database of its own for each test, deleted first in case a failed run left it behind.
async fn fresh(name: &str) -> Store {
    Store::delete(name).await.unwrap();
    Store::open(name).await.unwrap()
}

/// An entry of a staff member of the test town into the counter room.
fn entry(name: &str, name_tag: bool) -> EntryRecorded {
    let at = Utc::now() - Duration::minutes(10);
    EntryRecorded::new(ROOM, name, "総務課", "窓口業務", name_tag, at).of(staff_id(name))
}

fn assert_chain(events: &[Event]) {
    for pair in events.windows(2) {
        assert_eq!(
            pair[1].prev_hash, pair[0].hash,
            "chain broken at seq {}",
            pair[1].seq
        );
        assert_eq!(pair[1].seq, pair[0].seq + 1);
    }
    assert!(events.iter().all(Event::hash_is_valid));
}

#[wasm_bindgen_test]
async fn first_open_seeds_one_default_room_per_level_as_events() {
    let store = fresh("t-seed").await;
    let rooms = store.rooms().await.unwrap();
    let levels: Vec<u8> = rooms.iter().map(|r| r.level.number()).collect();
    assert_eq!(levels, vec![3, 2, 1]);
    assert!(rooms.iter().all(|r| r.is_default));
    let events = store.events().await.unwrap();
    let count = |f: fn(&EventKind) -> bool| events.iter().filter(|e| f(&e.kind)).count();
    assert_eq!(count(|k| matches!(k, EventKind::RoomDefined(_))), 3);
    assert_eq!(count(|k| matches!(k, EventKind::PositionDefined(_))), 5);
    assert_eq!(
        count(|k| matches!(k, EventKind::RoleAssigned(_))),
        8,
        "the 2024 mapping"
    );
    assert_chain(&events);
    let org = store.organisation().await.unwrap();
    assert_eq!(org.assignments.len(), 8);
    store.close();
    Store::delete("t-seed").await.unwrap();
}

#[wasm_bindgen_test]
async fn an_entry_is_written_and_read_back_then_survives_reopening() {
    let store = town("t-reopen").await;
    let device = store.device().await.unwrap();
    let seeded = store.event_count().await.unwrap() as usize;
    let record = store
        .record_entry(entry("山田 太郎", true), OPERATOR, Utc::now())
        .await
        .unwrap();
    assert_eq!(record.entered_by, OPERATOR);
    let inside = store.inside(ROOM).await.unwrap();
    assert_eq!(inside, vec![record.clone()]);
    assert_eq!(
        store.room_log(ROOM, 10).await.unwrap(),
        vec![record.clone()]
    );
    assert_eq!(store.inside_count(ROOM).await.unwrap(), 1);
    store.close();

    let reopened = Store::open("t-reopen").await.unwrap();
    assert_eq!(
        reopened.device().await.unwrap().id,
        device.id,
        "same device after reopening"
    );
    assert_eq!(reopened.inside(ROOM).await.unwrap(), vec![record]);
    assert_eq!(reopened.rooms().await.unwrap().len(), 3, "not seeded twice");
    let events = reopened.events().await.unwrap();
    assert_eq!(events.len(), seeded + 1, "not seeded twice");
    assert_chain(&events);
    let head = &events.iter().max_by_key(|e| e.seq).unwrap().hash;
    assert_eq!(&reopened.device().await.unwrap().head, head);
    reopened.close();
    Store::delete("t-reopen").await.unwrap();
}

#[wasm_bindgen_test]
async fn an_exit_closes_the_entry_and_a_second_exit_is_refused() {
    let store = town("t-exit").await;
    let record = store
        .record_entry(entry("佐藤 花子", true), OPERATOR, Utc::now())
        .await
        .unwrap();
    let exit = ExitRecorded {
        entry: record.id.clone(),
        exited_at: Utc::now(),
    };
    let closed = store
        .record_exit(exit.clone(), OPERATOR, Utc::now())
        .await
        .unwrap();
    assert_eq!(closed.exited_at, Some(exit.exited_at));
    assert!(store.inside(ROOM).await.unwrap().is_empty());
    assert_eq!(store.room_log(ROOM, 10).await.unwrap(), vec![closed]);

    let events_before = store.event_count().await.unwrap();
    let again = store.record_exit(exit, OPERATOR, Utc::now()).await;
    let Err(StoreError::Refused(refusals)) = again else {
        panic!("a second exit must be refused, got {again:?}");
    };
    assert_eq!(refusals.0[0].code, RefusalCode::NotInside);
    assert_eq!(store.event_count().await.unwrap(), events_before);
    store.close();
    Store::delete("t-exit").await.unwrap();
}

#[wasm_bindgen_test]
async fn a_refused_entry_stores_nothing() {
    let store = town("t-refused").await;
    let before = store.event_count().await.unwrap();
    let result = store
        .record_entry(entry("", false), OPERATOR, Utc::now())
        .await;
    let Err(StoreError::Refused(refusals)) = result else {
        panic!("expected a refusal, got {result:?}");
    };
    assert!(refusals.has(Field::Name) && refusals.has(Field::NameTag));
    assert_eq!(store.event_count().await.unwrap(), before);
    assert!(store.room_log(ROOM, 10).await.unwrap().is_empty());
    assert_eq!(store.device().await.unwrap().seq, before as u64);
    store.close();
    Store::delete("t-refused").await.unwrap();
}

/// Makes every `put` into IndexedDB's store `store` throw as a full disk would, until the
/// returned function is called.
fn fail_puts_into(store: &str) -> js_sys::Function {
    let inject = js_sys::Function::new_with_args(
        "store",
        "const proto = IDBObjectStore.prototype;
         const put = proto.put;
         proto.put = function (...args) {
           if (this.name === store) {
             throw new DOMException('injected by the test', 'QuotaExceededError');
           }
           return put.apply(this, args);
         };
         return () => { proto.put = put; };",
    );
    inject
        .call1(&JsValue::NULL, &JsValue::from_str(store))
        .unwrap()
        .into()
}

#[wasm_bindgen_test]
async fn a_failed_projection_write_leaves_no_event_behind() {
    let store = town("t-atomic").await;
    store
        .record_entry(entry("山田 太郎", true), OPERATOR, Utc::now())
        .await
        .unwrap();
    let device_before = store.device().await.unwrap();
    let events_before = store.event_count().await.unwrap();

    // The entry's event is issued, then the write of who is inside fails: the whole
    // transaction must abort, the event with it.
    let restore = fail_puts_into(schema::OCCUPANCY);
    let result = store
        .record_entry(entry("鈴木 一郎", true), OPERATOR, Utc::now())
        .await;
    restore.call0(&JsValue::NULL).unwrap();
    // A request refused for the quota (as Firefox refuses one) is told as not saved.
    let Err(StoreError::NotSaved(message)) = result else {
        panic!("the failed write must fail the entry, got {result:?}");
    };
    assert!(
        message.contains("QuotaExceededError"),
        "names the browser's error: {message}"
    );
    assert_eq!(
        store.event_count().await.unwrap(),
        events_before,
        "event rolled back"
    );
    assert_eq!(
        store.device().await.unwrap(),
        device_before,
        "chain head unchanged"
    );

    // The chain goes on from where it was: the next event takes the seq that failed.
    let next = store
        .record_entry(entry("鈴木 一郎", true), OPERATOR, Utc::now())
        .await
        .unwrap();
    assert_eq!(next.id.seq, device_before.seq + 1);
    assert_chain(&store.events().await.unwrap());
    store.close();
    Store::delete("t-atomic").await.unwrap();
}

/// The next schema version's upgrade keeps every index as it is: rebuilding them would read
/// seven years of events again on each tablet (rexie rebuilds an index whose flags are unset).
#[wasm_bindgen_test]
async fn a_schema_upgrade_rebuilds_no_index() {
    let name = "daicho-test-upgrade-indexes";
    fresh(name).await.close();
    // Counts the indexes the upgrade deletes (a rebuild deletes, then creates).
    let spy = js_sys::Function::new_no_args(
        "const proto = IDBObjectStore.prototype;
         globalThis.deletedIndexes = [];
         globalThis.originalDeleteIndex = proto.deleteIndex;
         proto.deleteIndex = function (name) {
           globalThis.deletedIndexes.push(`${this.name}.${name}`);
           return globalThis.originalDeleteIndex.call(this, name);
         };
         return () => { proto.deleteIndex = globalThis.originalDeleteIndex; return globalThis.deletedIndexes; };",
    );
    let restore: js_sys::Function = spy.call0(&JsValue::NULL).unwrap().into();
    let upgraded = schema::open_at(name, schema::VERSION + 1).await;
    let deleted: js_sys::Array = restore.call0(&JsValue::NULL).unwrap().into();
    let db = upgraded.expect("the upgrade opens");
    let deleted: Vec<String> = deleted.iter().filter_map(|d| d.as_string()).collect();
    assert_eq!(
        deleted,
        Vec::<String>::new(),
        "indexes rebuilt by the upgrade"
    );
    let tx = db
        .transaction(&[EVENTS], rexie::TransactionMode::ReadOnly)
        .unwrap();
    assert_eq!(tx.store(EVENTS).unwrap().index_names().len(), 8);
    db.close();
    Store::delete(name).await.unwrap();
}

/// A push batch stays within the body's byte limit however long the texts, and the batches
/// together carry every event of the chain once, in order; an event longer than the limit by
/// itself is still given (alone), for the endpoint to refuse with its code.
#[wasm_bindgen_test]
async fn push_batches_keep_within_the_byte_limit_and_carry_every_event_once() {
    use daicho_core::history::Exported;
    let store = fresh("daicho-test-batch-bytes").await;
    for n in 0..12 {
        // About 1.8 KB of UTF-8 each: 600 characters of three bytes.
        let filter = "絞".repeat(600);
        let kind = EventKind::Exported(Exported {
            what: "operation_history".into(),
            rows: n,
            filter,
        });
        store.record_act(kind, OPERATOR, Utc::now()).await.unwrap();
    }
    let chain: Vec<u64> = store
        .events()
        .await
        .unwrap()
        .iter()
        .map(|e| e.seq)
        .collect();

    let batches = |max_bytes: usize| {
        let store = &store;
        async move {
            let (mut seq, mut batches) = (0, Vec::new());
            while let Some((body, last)) = store
                .own_events_batch_after(seq, 1000, max_bytes)
                .await
                .unwrap()
            {
                for field in ["refers", "kind_key"] {
                    let quoted = format!("\"{field}\"");
                    assert!(!body.contains(&quoted), "{field} is the store's own");
                }
                let parsed: serde_json::Value = serde_json::from_str(&body).unwrap();
                let seqs: Vec<u64> = parsed["events"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|e| e["seq"].as_u64().unwrap())
                    .collect();
                assert_eq!(
                    seqs.last(),
                    Some(&last),
                    "the seq given is the batch's last"
                );
                batches.push((body.len(), seqs));
                seq = last;
            }
            batches
        }
    };

    let whole = batches(daicho_core::sync_limits::MAX_BODY_BYTES).await;
    assert_eq!(whole.len(), 1, "within the real limit, one batch");
    assert_eq!(whole[0].1, chain);

    let cut = batches(5_000).await;
    assert!(
        cut.len() >= 6,
        "long texts make more, shorter batches: {}",
        cut.len()
    );
    assert!(
        cut.iter().all(|(bytes, _)| *bytes <= 5_000),
        "{:?}",
        cut.iter().map(|b| b.0).collect::<Vec<_>>()
    );
    assert_eq!(
        cut.iter()
            .flat_map(|(_, seqs)| seqs.clone())
            .collect::<Vec<_>>(),
        chain,
        "every event once, in order"
    );

    let alone = batches(100).await;
    assert!(
        alone.iter().all(|(_, seqs)| seqs.len() == 1),
        "one event over the limit goes alone"
    );
    assert_eq!(alone.len(), chain.len());
}

/// A database from before schema 10 kept its registers without their versions, and one from
/// before schema 9 who was inside in its logbook lines: the first open after the upgrade
/// writes the registers again from the events, once.
#[wasm_bindgen_test]
async fn the_registers_are_found_from_the_events_on_the_first_open_after_the_upgrade() {
    let name = "t-occupancy-fill";
    let store = town(name).await;
    let mut lines = Vec::new();
    for name in ["山田 太郎", "佐藤 花子", "鈴木 一郎"] {
        let line = store.record_entry(entry(name, true), OPERATOR, Utc::now());
        lines.push(line.await.unwrap());
    }
    let exit = ExitRecorded {
        entry: lines[1].id.clone(),
        exited_at: Utc::now() - Duration::minutes(5),
    };
    store.record_exit(exit, OPERATOR, Utc::now()).await.unwrap();
    let log = store.room_log(ROOM, 10).await.unwrap();
    let people = store.people().await.unwrap();
    store.close();

    // As an upgraded database stands before its first open: no registers, not yet rebuilt.
    let db = schema::open(name).await.unwrap();
    let tx = db
        .transaction(
            &[schema::OCCUPANCY, schema::PEOPLE, schema::DEVICE],
            rexie::TransactionMode::ReadWrite,
        )
        .unwrap();
    tx.store(schema::OCCUPANCY).unwrap().clear().await.unwrap();
    tx.store(schema::PEOPLE).unwrap().clear().await.unwrap();
    let marker = JsValue::from_str("registers_rebuilt_v10");
    tx.store(schema::DEVICE)
        .unwrap()
        .delete(marker)
        .await
        .unwrap();
    tx.done().await.unwrap();
    db.close();

    let store = Store::open(name).await.unwrap();
    let inside = store.inside(ROOM).await.unwrap();
    assert_eq!(inside, vec![lines[0].clone(), lines[2].clone()]);
    assert_eq!(store.room_log(ROOM, 10).await.unwrap(), log);
    assert_eq!(store.people().await.unwrap(), people);
    store.close();
    Store::delete(name).await.unwrap();
}

/// How many stored events the kind index holds, and how many events are stored.
async fn kind_indexed(db: &rexie::Rexie) -> (u32, u32) {
    let tx = db
        .transaction(&[EVENTS], rexie::TransactionMode::ReadOnly)
        .unwrap();
    let events = tx.store(EVENTS).unwrap();
    let by_kind = events.index(schema::EVENTS_BY_KIND).unwrap();
    (
        by_kind.count(None).await.unwrap(),
        events.count(None).await.unwrap(),
    )
}

/// Takes `kind_key` off every stored event and forgets it was added, as a database stands
/// before its first open at schema 11; clears the people and forgets the registers were
/// rebuilt, so that open also rebuilds them from the events (the kind index among them).
async fn as_before_schema_11(db: &rexie::Rexie) {
    let stores = [EVENTS, schema::DEVICE, schema::PEOPLE];
    let tx = db
        .transaction(&stores, rexie::TransactionMode::ReadWrite)
        .unwrap();
    let events = tx.store(EVENTS).unwrap();
    let field = JsValue::from_str(schema::KIND_KEY);
    for stored in events.get_all(None, None).await.unwrap() {
        js_sys::Reflect::delete_property(stored.unchecked_ref::<js_sys::Object>(), &field).unwrap();
        events.put(&stored, None).await.unwrap();
    }
    let device = tx.store(schema::DEVICE).unwrap();
    for marker in ["kind_keyed_v11", "registers_rebuilt_v10"] {
        device.delete(JsValue::from_str(marker)).await.unwrap();
    }
    tx.store(schema::PEOPLE).unwrap().clear().await.unwrap();
    tx.done().await.unwrap();
}

/// Schema 11's kind index reads a field of its own, which no event stored before carries:
/// the first open adds it to every event but the entries (which the index leaves out), before
/// anything reads the index, so the registers rebuilt in the same open are all found.
#[wasm_bindgen_test]
async fn the_events_stored_before_schema_11_are_keyed_for_the_kind_index_once() {
    let name = "t-kind-keys";
    let store = town(name).await;
    let mut lines = Vec::new();
    for name in ["山田 太郎", "佐藤 花子"] {
        let line = store.record_entry(entry(name, true), OPERATOR, Utc::now());
        lines.push(line.await.unwrap());
    }
    let exit = ExitRecorded {
        entry: lines[0].id.clone(),
        exited_at: Utc::now() - Duration::minutes(5),
    };
    store.record_exit(exit, OPERATOR, Utc::now()).await.unwrap();
    let (registers, people) = (
        store.registers().await.unwrap(),
        store.people().await.unwrap(),
    );
    store.close();

    let db = schema::open(name).await.unwrap();
    let (keyed, stored) = kind_indexed(&db).await;
    assert_eq!(
        keyed,
        stored - 2,
        "every event in the kind index but the two entries"
    );
    as_before_schema_11(&db).await;
    assert_eq!(
        kind_indexed(&db).await,
        (0, stored),
        "nothing keyed before the open"
    );
    db.close();

    let store = Store::open(name).await.unwrap();
    assert_eq!(store.registers().await.unwrap(), registers);
    assert_eq!(store.people().await.unwrap(), people);
    assert_eq!(store.inside(ROOM).await.unwrap(), vec![lines[1].clone()]);
    store.close();
    let db = schema::open(name).await.unwrap();
    assert_eq!(
        kind_indexed(&db).await,
        (keyed, stored),
        "keyed once: nothing new written"
    );
    db.close();
    Store::delete(name).await.unwrap();
}
