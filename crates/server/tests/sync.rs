//! Pushing and pulling events through `/api/events` (issue 4, first part: the chain checks;
//! device keys and signatures come next). Each refusal has its code, and stores nothing.

mod common;

use common::start;
use daicho_core::event::GENESIS_HASH;
use daicho_core::room::default_rooms;
use daicho_core::{DeviceId, Event, EventKind, Hlc};
use serde_json::{json, Value};

/// A chain of `n` events of `device`; `label` tells two histories of one device apart.
fn chain(device: &str, n: u64, label: &str) -> Vec<Event> {
    let mut events: Vec<Event> = Vec::new();
    for seq in 1..=n {
        let prev = events
            .last()
            .map_or(GENESIS_HASH.to_string(), |e| e.hash.clone());
        let mut room = default_rooms().remove(0);
        room.name = format!("{label}{seq}");
        let hlc = Hlc {
            wall_ms: 1_790_000_000_000 + seq as i64,
            counter: 0,
        };
        let kind = EventKind::RoomDefined(room);
        events.push(Event::seal(
            DeviceId(device.into()),
            seq,
            hlc,
            "kanri".into(),
            kind,
            &prev,
        ));
    }
    events
}

async fn push(base: &str, events: &[Event]) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(format!("{base}/api/events"))
        .json(&json!({ "events": events }))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

async fn pull_all(base: &str) -> Vec<Event> {
    let mut events = Vec::new();
    let mut after = 0;
    loop {
        let page: Value = reqwest::get(format!("{base}/api/events?after={after}&limit=2"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let batch: Vec<Event> = serde_json::from_value(page["events"].clone()).unwrap();
        events.extend(batch);
        after = page["cursor"].as_i64().unwrap();
        if page["done"].as_bool().unwrap() {
            return events;
        }
    }
}

async fn stored_count(base: &str) -> i64 {
    let health: Value = reqwest::get(format!("{base}/api/health"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    health["events"].as_i64().unwrap()
}

#[tokio::test]
async fn a_batch_is_stored_once_and_pulled_in_the_order_stored() {
    let data = tempfile::tempdir().unwrap();
    let dist = tempfile::tempdir().unwrap();
    let server = start(data.path(), dist.path()).await;
    let a = chain("tablet-a", 3, "室");
    let b = chain("tablet-b", 2, "室");

    assert_eq!(
        push(&server.base, &a[..2]).await,
        (200, json!({"stored": 2, "already_stored": 0}))
    );
    assert_eq!(push(&server.base, &b).await.0, 200);
    // The same batch again, and one overlapping what is stored: each event stored once.
    assert_eq!(
        push(&server.base, &a[..2]).await,
        (200, json!({"stored": 0, "already_stored": 2}))
    );
    assert_eq!(
        push(&server.base, &a).await,
        (200, json!({"stored": 1, "already_stored": 2}))
    );
    assert_eq!(stored_count(&server.base).await, 5);

    let pulled = pull_all(&server.base).await;
    let order: Vec<String> = pulled.iter().map(|e| e.id().to_string()).collect();
    assert_eq!(
        order,
        [
            "tablet-a:1",
            "tablet-a:2",
            "tablet-b:1",
            "tablet-b:2",
            "tablet-a:3"
        ]
    );
    assert!(pulled.iter().all(Event::hash_is_valid), "pulled as pushed");
    server.shut_down().await;
}

/// Each refusal: its status and code, and nothing of the batch stored.
#[tokio::test]
async fn every_break_of_a_chain_is_refused_with_its_code_and_stores_nothing() {
    let data = tempfile::tempdir().unwrap();
    let dist = tempfile::tempdir().unwrap();
    let server = start(data.path(), dist.path()).await;
    let a = chain("tablet-a", 5, "室");
    assert_eq!(push(&server.base, &a[..2]).await.0, 200);

    let mut altered = a[2].clone();
    altered.operator = "someone else".into();
    let forked = chain("tablet-a", 3, "別の室");
    let too_many = chain("tablet-c", 1001, "室");
    let cases: Vec<(&str, Vec<Event>, u16, &str)> = vec![
        ("gap", a[3..].to_vec(), 409, "gap"),
        ("altered", vec![altered], 409, "bad_hash"),
        ("fork", forked[1..].to_vec(), 409, "fork"),
        ("too many", too_many, 413, "batch_too_large"),
    ];
    for (what, batch, status, code) in cases {
        let (got_status, body) = push(&server.base, &batch).await;
        assert_eq!(
            (got_status, body["code"].as_str()),
            (status, Some(code)),
            "{what}: {body}"
        );
        assert!(
            body["message_ja"].as_str().is_some_and(|m| !m.is_empty()),
            "{what}"
        );
        assert!(
            body["message_en"].as_str().is_some_and(|m| !m.is_empty()),
            "{what}"
        );
        assert_eq!(
            stored_count(&server.base).await,
            2,
            "{what}: nothing stored"
        );
    }

    // Malformed JSON and a wrong content type are refused before any of this.
    let client = reqwest::Client::new();
    let malformed = client
        .post(format!("{}/api/events", server.base))
        .header("content-type", "application/json")
        .body("{\"events\": [")
        .send()
        .await
        .unwrap();
    assert_eq!(malformed.status().as_u16(), 400);
    let wrong_type = client
        .post(format!("{}/api/events", server.base))
        .header("content-type", "text/plain")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_type.status().as_u16(), 415);
    assert_eq!(stored_count(&server.base).await, 2);

    // The fork is kept as a security exception even though its batch is not.
    let pool = daicho_server::database::open(&data.path().join("daicho.sqlite3"))
        .await
        .unwrap();
    assert_eq!(
        daicho_server::event_log::exception_count(&pool)
            .await
            .unwrap(),
        1
    );
    pool.close().await;
    server.shut_down().await;
}
