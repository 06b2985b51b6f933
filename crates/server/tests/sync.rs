//! Enrolling devices and pushing and pulling events through `/api/events`, each request
//! signed by the device's Ed25519 key. Each refusal has its code, and stores nothing.

mod common;

use common::{chain, code, enroll, enroll_with, now_ms, start, Device, Running};
use daicho_core::event::GENESIS_HASH;
use daicho_core::room::default_rooms;
use daicho_core::{DeviceId, Event, EventKind, Hlc};
use daicho_server::event_log;
use ed25519_dalek::SigningKey;
use serde_json::{json, Value};

async fn push_as(device: &Device, base: &str, events: &[Event], at_ms: i64) -> (u16, Value) {
    let body = serde_json::to_vec(&json!({ "events": events })).unwrap();
    let mut request = reqwest::Client::new()
        .post(format!("{base}/api/events"))
        .header("content-type", "application/json");
    for (name, value) in device.sign("POST", "/api/events", &body, at_ms) {
        request = request.header(name, value);
    }
    let response = request.body(body).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn push(device: &Device, base: &str, events: &[Event]) -> (u16, Value) {
    push_as(device, base, events, now_ms()).await
}

async fn stored_count(server: &Running) -> i64 {
    common::rows(server, "events").await
}

/// One page of the log after `after`: its events, its cursor, and whether it is the last.
async fn pull_page(device: &Device, base: &str, after: i64, limit: i64) -> (Vec<Event>, i64, bool) {
    let mut request =
        reqwest::Client::new().get(format!("{base}/api/events?after={after}&limit={limit}"));
    let signed = format!("/api/events?after={after}&limit={limit}");
    for (name, value) in device.sign("GET", &signed, b"", now_ms()) {
        request = request.header(name, value);
    }
    let page: Value = request.send().await.unwrap().json().await.unwrap();
    let events: Vec<Event> = serde_json::from_value(page["events"].clone()).unwrap();
    let cursor = page["cursor"].as_i64().unwrap();
    (events, cursor, page["done"].as_bool().unwrap())
}

async fn pull_all(device: &Device, base: &str) -> Vec<Event> {
    let mut events = Vec::new();
    let mut after = 0;
    loop {
        let (page, cursor, done) = pull_page(device, base, after, 2).await;
        events.extend(page);
        after = cursor;
        if done {
            return events;
        }
    }
}

#[tokio::test]
async fn a_batch_is_stored_once_and_pulled_in_the_order_stored() {
    let data = tempfile::tempdir().unwrap();
    let dist = tempfile::tempdir().unwrap();
    let server = start(data.path(), dist.path()).await;
    let ta = enroll(&server, "tablet-a", 1).await;
    let tb = enroll(&server, "tablet-b", 2).await;
    let a = chain("tablet-a", 3, "室");
    let b = chain("tablet-b", 2, "室");

    let first = push(&ta, &server.base, &a[..2]).await;
    assert_eq!(
        first,
        (
            200,
            json!({"stored": 2, "already_stored": 0, "rule_breaks": 0})
        )
    );
    assert_eq!(push(&tb, &server.base, &b).await.0, 200);
    // The same batch again, and one overlapping what is stored: each event stored once.
    let again = push(&ta, &server.base, &a[..2]).await;
    assert_eq!(
        again,
        (
            200,
            json!({"stored": 0, "already_stored": 2, "rule_breaks": 0})
        )
    );
    let overlap = push(&ta, &server.base, &a).await;
    assert_eq!(
        overlap,
        (
            200,
            json!({"stored": 1, "already_stored": 2, "rule_breaks": 0})
        )
    );
    assert_eq!(stored_count(&server).await, 5);

    let reader = enroll(&server, "reader", 3).await;
    let pulled = pull_all(&reader, &server.base).await;
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
    // A device is never sent its own events back: tablet-b gets only tablet-a's.
    let at_b: Vec<String> = pull_all(&tb, &server.base)
        .await
        .iter()
        .map(|e| e.id().to_string())
        .collect();
    assert_eq!(at_b, ["tablet-a:1", "tablet-a:2", "tablet-a:3"]);
    server.shut_down().await;
}

/// Devices push at once while another pulls page after page: every push is stored (none is
/// refused because another holds the database) and the puller gets every event exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_puller_misses_nothing_while_devices_push_at_once() {
    let data = tempfile::tempdir().unwrap();
    let dist = tempfile::tempdir().unwrap();
    let server = start(data.path(), dist.path()).await;
    let reader = enroll(&server, "reader", 9).await;
    let mut pushers = Vec::new();
    for d in 0..4u8 {
        let device = enroll(&server, &format!("tablet-{d}"), d + 1).await;
        let base = server.base.clone();
        pushers.push(tokio::spawn(async move {
            for batch in chain(&device.id, 60, "室").chunks(3) {
                let (status, body) = push(&device, &base, batch).await;
                assert_eq!(status, 200, "{body}");
            }
        }));
    }
    let mut pulled = Vec::new();
    let mut after = 0;
    loop {
        let pushing = pushers.iter().any(|p| !p.is_finished());
        let (page, cursor, done) = pull_page(&reader, &server.base, after, 5).await;
        pulled.extend(page.iter().map(|e| e.id().to_string()));
        after = cursor;
        if done && !pushing {
            break;
        }
    }
    for pusher in pushers {
        pusher.await.unwrap();
    }
    let distinct: std::collections::BTreeSet<&String> = pulled.iter().collect();
    assert_eq!(
        (pulled.len(), distinct.len()),
        (240, 240),
        "each event once"
    );
    server.shut_down().await;
}

/// A push waits while another write to the log (begin_log_write, as every write to it) is
/// under way. Were it not to, its events would take later positions yet be seen first, a
/// puller's cursor would pass the write under way, and the events of that write, committed
/// after, would never be pulled.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_push_waits_for_a_write_under_way_so_no_position_is_skipped() {
    let data = tempfile::tempdir().unwrap();
    let dist = tempfile::tempdir().unwrap();
    let server = start(data.path(), dist.path()).await;
    let pool = server.open_database().await;
    let (a, b) = (chain("tablet-a", 1, "室"), chain("tablet-b", 1, "室"));
    // tablet-a's event inserted, so its position taken, and not yet committed.
    let mut under_way = event_log::begin_log_write(&pool).await.unwrap();
    insert_unchecked(&mut under_way, &a[0]).await;
    let pushing = tokio::spawn({
        let pool = pool.clone();
        async move {
            let rules = daicho_server::rule_check::RuleCache::default();
            event_log::push(&pool, &common::log_key(), &rules, &b)
                .await
                .unwrap()
        }
    });
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(!pushing.is_finished(), "the push waits");
    assert!(event_log::pull(&pool, 0, 10).await.unwrap().0.is_empty());

    under_way.commit().await.unwrap();
    assert_eq!(pushing.await.unwrap().stored, 1);
    let (pulled, _) = event_log::pull(&pool, 0, 10).await.unwrap();
    let order: Vec<String> = pulled.iter().map(|e| e.id().to_string()).collect();
    assert_eq!(order, ["tablet-a:1", "tablet-b:1"]);
    pool.close().await;
    server.shut_down().await;
}

/// A row of the log written directly, as a write other than a push would.
async fn insert_unchecked(tx: &mut sqlx::Transaction<'static, sqlx::Any>, e: &Event) {
    sqlx::query(
        "INSERT INTO events (device, seq, hlc_wall_ms, hlc_counter, operator, kind, body, \
         prev_hash, hash, received_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(&e.device.0)
    .bind(e.seq as i64)
    .bind(e.hlc.wall_ms)
    .bind(e.hlc.counter as i64)
    .bind(&e.operator)
    .bind(e.kind.tag().as_str())
    .bind(serde_json::to_string(e).unwrap())
    .bind(&e.prev_hash)
    .bind(&e.hash)
    .bind(0_i64)
    .execute(&mut **tx)
    .await
    .unwrap();
}

/// Each refusal: its status and code, and nothing of the batch stored.
#[tokio::test]
async fn every_break_of_a_chain_is_refused_with_its_code_and_stores_nothing() {
    let data = tempfile::tempdir().unwrap();
    let dist = tempfile::tempdir().unwrap();
    let server = start(data.path(), dist.path()).await;
    let ta = enroll(&server, "tablet-a", 1).await;
    let tc = enroll(&server, "tablet-c", 3).await;
    let a = chain("tablet-a", 5, "室");
    assert_eq!(push(&ta, &server.base, &a[..2]).await.0, 200);

    let mut altered = a[2].clone();
    altered.operator = "someone else".into();
    let forked = chain("tablet-a", 3, "別の室");
    let too_many = chain("tablet-c", 1001, "室");
    let cases: Vec<(&str, &Device, Vec<Event>, u16, &str)> = vec![
        ("gap", &ta, a[3..].to_vec(), 409, "gap"),
        ("altered", &ta, vec![altered], 409, "bad_hash"),
        ("fork", &ta, forked[1..].to_vec(), 409, "fork"),
        ("too many", &tc, too_many, 413, "batch_too_large"),
        (
            "another device's events",
            &tc,
            a[2..].to_vec(),
            403,
            "not_own_events",
        ),
    ];
    for (what, device, batch, status, code) in cases {
        let (got_status, body) = push(device, &server.base, &batch).await;
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
        assert_eq!(stored_count(&server).await, 2, "{what}: nothing stored");
    }

    // Malformed JSON and a wrong content type, signed, are refused before any of this.
    for (content_type, body, status) in [
        ("application/json", &b"{\"events\": ["[..], 400),
        ("text/plain", &b"{}"[..], 415),
    ] {
        let mut request = reqwest::Client::new()
            .post(format!("{}/api/events", server.base))
            .header("content-type", content_type);
        for (name, value) in ta.sign("POST", "/api/events", body, now_ms()) {
            request = request.header(name, value);
        }
        let response = request.body(body.to_vec()).send().await.unwrap();
        assert_eq!(response.status().as_u16(), status, "{content_type}");
    }
    assert_eq!(stored_count(&server).await, 2);
    // A pull whose cursor is not a number, signed, is refused with its code.
    let mut request = reqwest::Client::new().get(format!("{}/api/events?after=first", server.base));
    for (name, value) in ta.sign("GET", "/api/events?after=first", b"", now_ms()) {
        request = request.header(name, value);
    }
    let response = request.send().await.unwrap();
    assert_eq!(response.status().as_u16(), 400);
    let refusal: Value = response.json().await.unwrap();
    assert_eq!(refusal["code"], "malformed_query");

    // The fork is kept as a security exception even though its batch is not.
    let pool = server.open_database().await;
    assert_eq!(
        daicho_server::event_log::exception_count(&pool)
            .await
            .unwrap(),
        1
    );
    pool.close().await;
    server.shut_down().await;
}

/// Who may push: only enrolled, unrevoked devices, with a valid signature made now.
#[tokio::test]
async fn unsigned_unknown_revoked_replayed_and_tampered_requests_are_refused() {
    let data = tempfile::tempdir().unwrap();
    let dist = tempfile::tempdir().unwrap();
    let server = start(data.path(), dist.path()).await;
    let ta = enroll(&server, "tablet-a", 1).await;
    let a = chain("tablet-a", 2, "室");
    let stranger = Device {
        id: "tablet-x".into(),
        key: SigningKey::from_bytes(&[9; 32]),
    };
    let impostor = Device {
        id: "tablet-a".into(),
        key: SigningKey::from_bytes(&[9; 32]),
    };
    let hour = 60 * 60 * 1000;
    let cases: Vec<(&str, &Device, i64, u16, &str)> = vec![
        ("unknown device", &stranger, now_ms(), 401, "unknown_device"),
        ("another key", &impostor, now_ms(), 401, "bad_signature"),
        (
            "an hour old (replayed)",
            &ta,
            now_ms() - hour,
            401,
            "clock_skew",
        ),
        ("an hour ahead", &ta, now_ms() + hour, 401, "clock_skew"),
    ];
    for (what, device, at, status, code) in cases {
        let (got, body) = push_as(device, &server.base, &a, at).await;
        assert_eq!((got, body["code"].as_str()), (status, Some(code)), "{what}");
    }
    // Unsigned, and a body changed after signing.
    let unsigned = reqwest::Client::new()
        .post(format!("{}/api/events", server.base))
        .json(&json!({ "events": a }))
        .send()
        .await
        .unwrap();
    assert_eq!(unsigned.status().as_u16(), 401);
    let signed_for = serde_json::to_vec(&json!({ "events": [] })).unwrap();
    let mut tampered = reqwest::Client::new()
        .post(format!("{}/api/events", server.base))
        .header("content-type", "application/json");
    for (name, value) in ta.sign("POST", "/api/events", &signed_for, now_ms()) {
        tampered = tampered.header(name, value);
    }
    let tampered = tampered
        .body(serde_json::to_vec(&json!({ "events": a })).unwrap())
        .send()
        .await
        .unwrap();
    let body: Value = tampered.json().await.unwrap();
    assert_eq!(body["code"], "bad_digest");
    assert_eq!(stored_count(&server).await, 0, "nothing stored");

    // Revoked, a device is refused from then on.
    assert_eq!(push(&ta, &server.base, &a).await.0, 200);
    let pool = server.open_database().await;
    assert!(daicho_server::devices::revoke(&pool, "tablet-a", now_ms())
        .await
        .unwrap());
    pool.close().await;
    let (status, body) = push(&ta, &server.base, &a).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("device_revoked"))
    );
    server.shut_down().await;
}

/// A code works once, and not after it expires; a key must be a 32-byte Ed25519 key.
#[tokio::test]
async fn enrollment_codes_work_once_and_expire() {
    let data = tempfile::tempdir().unwrap();
    let dist = tempfile::tempdir().unwrap();
    let server = start(data.path(), dist.path()).await;
    let key = SigningKey::from_bytes(&[1; 32]);
    let once = code(&server, 10).await;
    assert_eq!(
        enroll_with(&server.base, &once, "tablet-a", &key).await.0,
        201
    );
    let again = enroll_with(&server.base, &once, "tablet-b", &key).await;
    assert_eq!(again.1["code"], "code_used");
    let expired = code(&server, -1).await;
    let late = enroll_with(&server.base, &expired, "tablet-b", &key).await;
    assert_eq!(late.1["code"], "code_expired");
    let wrong = enroll_with(&server.base, "0000-0000", "tablet-b", &key).await;
    assert_eq!(wrong.1["code"], "unknown_code");
    let bad_key = reqwest::Client::new()
        .post(format!("{}/api/devices", server.base))
        .json(
            &json!({ "code": code(&server, 10).await, "device": "tablet-b", "public_key": "AAAA" }),
        )
        .send()
        .await
        .unwrap();
    let body: Value = bad_key.json().await.unwrap();
    assert_eq!(body["code"], "bad_key");
    // An unreadable enrollment is refused with a code too, not the framework's plain text.
    for (content_type, body, status, code) in [
        ("application/json", "{\"code\": ", 400, "malformed_json"),
        ("text/plain", "{}", 415, "wrong_content_type"),
    ] {
        let response = reqwest::Client::new()
            .post(format!("{}/api/devices", server.base))
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), status, "{content_type}");
        let refusal: Value = response.json().await.unwrap();
        assert_eq!(refusal["code"], code);
    }
    server.shut_down().await;
}

/// `{"events": [...]}` of `events`, padded with spaces (still JSON) to `bytes` in all.
fn padded_batch(events: &[Event], bytes: usize) -> Vec<u8> {
    let json = serde_json::to_string(&json!({ "events": events })).unwrap();
    let open = &json[..json.len() - 1];
    let pad = bytes - json.len();
    format!("{open}{}}}", " ".repeat(pad)).into_bytes()
}

/// A signed push of `body` as it is.
async fn push_body(device: &Device, base: &str, body: Vec<u8>) -> (u16, Value) {
    let mut request = reqwest::Client::new()
        .post(format!("{base}/api/events"))
        .header("content-type", "application/json");
    for (name, value) in device.sign("POST", "/api/events", &body, now_ms()) {
        request = request.header(name, value);
    }
    let response = request.body(body).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// The bytes of a body have their limit and code, apart from the count of events: a batch
/// of five events one byte over it is refused whole, the same batch at the limit is stored.
/// An enrollment over it is refused with the same code, and its code stays unused.
#[tokio::test]
async fn a_body_over_the_byte_limit_is_refused_with_its_code_and_stores_nothing() {
    use daicho_core::sync_limits::MAX_BODY_BYTES;
    let data = tempfile::tempdir().unwrap();
    let dist = tempfile::tempdir().unwrap();
    let server = start(data.path(), dist.path()).await;
    let ta = enroll(&server, "tablet-a", 1).await;
    let batch = chain("tablet-a", 5, "室");

    let (status, refusal) =
        push_body(&ta, &server.base, padded_batch(&batch, MAX_BODY_BYTES + 1)).await;
    assert_eq!(
        (status, refusal["code"].as_str()),
        (413, Some("body_too_large")),
        "{refusal}"
    );
    assert!(
        refusal["message_ja"]
            .as_str()
            .is_some_and(|m| m.contains("4MiB")),
        "{refusal}"
    );
    assert!(
        refusal["message_en"]
            .as_str()
            .is_some_and(|m| m.contains("4 MiB")),
        "{refusal}"
    );
    assert_eq!(stored_count(&server).await, 0, "nothing of it stored");

    let (status, outcome) =
        push_body(&ta, &server.base, padded_batch(&batch, MAX_BODY_BYTES)).await;
    assert_eq!(status, 200, "{outcome}");
    assert_eq!(stored_count(&server).await, 5);

    let once = code(&server, 10).await;
    let mut enrollment =
        serde_json::to_string(&json!({ "code": once, "device": "tablet-b", "public_key": "AAAA" }))
            .unwrap();
    enrollment.insert_str(1, &" ".repeat(MAX_BODY_BYTES));
    let response = reqwest::Client::new()
        .post(format!("{}/api/devices", server.base))
        .header("content-type", "application/json")
        .body(enrollment)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 413);
    assert_eq!(
        response.json::<Value>().await.unwrap()["code"],
        "body_too_large"
    );
    let key = SigningKey::from_bytes(&[2; 32]);
    assert_eq!(
        enroll_with(&server.base, &once, "tablet-b", &key).await.0,
        201,
        "the code was not used"
    );
    server.shut_down().await;
}

/// Head office's events: the server room, its key, a permission for 山田, and (when
/// `revoked_at_min` is given) its revocation from that minute on.
fn head_office(revoked_at_min: Option<i64>) -> Vec<Event> {
    use daicho_core::key_log::KeyDefined;
    use daicho_core::room_permit::{PermissionGranted, PermitRevoked};
    let room = default_rooms().remove(1); // the level-2 server room
    let mut kinds = vec![
        EventKind::KeyDefined(KeyDefined {
            id: "key-1".into(),
            room_id: room.id.clone(),
            label: "電算室の鍵".into(),
        }),
        EventKind::PermissionGranted(PermissionGranted {
            person_id: "yamada".into(),
            room_id: room.id.clone(),
            from: chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            to: None,
            granted_by: "kanri".into(),
        }),
    ];
    kinds.insert(0, EventKind::RoomDefined(room));
    if let Some(minute) = revoked_at_min {
        let permit = daicho_core::EventId {
            device: DeviceId("head".into()),
            seq: 3,
        };
        kinds.push(EventKind::PermitRevoked(PermitRevoked {
            permit,
            at: at_minute(minute),
            reason: "異動".into(),
            revoked_by: "kanri".into(),
        }));
    }
    sealed("head", kinds, 0)
}

/// 山田 lends `key_id` at minute `lent` (due back at minute `due`), lent by kanri.
fn lent_to_yamada(key_id: &str, lent: i64, due: i64) -> EventKind {
    EventKind::KeyLent(daicho_core::key_log::KeyLent {
        key_id: key_id.into(),
        person_id: "yamada".into(),
        purpose: "保守".into(),
        lent_at: at_minute(lent),
        due_back: at_minute(due),
        lent_by: "kanri".into(),
    })
}

/// 山田 太郎 of 総務課, staff, in the people register.
fn yamada() -> EventKind {
    use daicho_core::people::{PersonDefined, PersonKind};
    EventKind::PersonDefined(PersonDefined {
        id: "yamada".into(),
        name: "山田 太郎".into(),
        affiliation: "総務課".into(),
        kind: PersonKind::Staff,
    })
}

fn at_minute(minute: i64) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp_millis(1_790_000_000_000 + minute * 60_000).unwrap()
}

/// `kinds` as `device`'s chain, the n-th recorded at minute `start + n`.
fn sealed(device: &str, kinds: Vec<EventKind>, start: i64) -> Vec<Event> {
    let mut events: Vec<Event> = Vec::new();
    for (n, kind) in kinds.into_iter().enumerate() {
        let prev = events
            .last()
            .map_or(GENESIS_HASH.into(), |e| e.hash.clone());
        let hlc = Hlc {
            wall_ms: at_minute(start + n as i64).timestamp_millis(),
            counter: 0,
        };
        let seq = n as u64 + 1;
        let id = DeviceId(device.into());
        events.push(Event::seal(id, seq, hlc, "kanri".into(), kind, &prev));
    }
    events
}

/// The branch lends the key to 山田 at minute 10, offline, not knowing of any revocation.
fn branch_loan() -> Vec<Event> {
    sealed("branch", vec![lent_to_yamada("key-1", 10, 70)], 10)
}

async fn rule_break_count(server: &Running) -> i64 {
    common::rows(server, "rule_breaks").await
}

/// The core rules run again on what arrives: a loan made offline after a revocation recorded
/// elsewhere is stored (it is evidence) and raised once as a rule break, whichever of the two
/// reaches the endpoint first.
#[tokio::test]
async fn a_loan_made_offline_after_a_revocation_is_stored_and_raised_once_in_either_order() {
    for revocation_first in [true, false] {
        let (setup, with_revocation) = (head_office(None), head_office(Some(5)));
        let revoke = &with_revocation[3..];
        let (story, first, second) =
            pushed_in_order(&setup, revoke, &branch_loan(), revocation_first).await;
        let Story { server, branch, .. } = &story;
        assert_eq!(first.1["rule_breaks"], 0, "{first:?}");
        assert_eq!(second.1["rule_breaks"], 1, "{second:?}");
        assert_eq!(stored_count(server).await, 5, "both records kept");
        // Sent again: already stored, nothing raised twice.
        let again = push(branch, &server.base, &branch_loan()).await;
        assert_eq!(
            again,
            (
                200,
                json!({"stored": 0, "already_stored": 1, "rule_breaks": 0})
            )
        );
        assert_eq!(rule_break_count(server).await, 1);
        story.server.shut_down().await;
    }
}

/// An endpoint of its own, with its directories and the branch's device.
struct Story {
    server: Running,
    branch: Device,
    _dirs: [tempfile::TempDir; 2],
}

/// A fresh endpoint with head office's `setup` pushed, then head office's `at_head` and the
/// branch's `at_branch`, in the order given: the endpoint and the two pushes' answers.
async fn pushed_in_order(
    setup: &[Event],
    at_head: &[Event],
    at_branch: &[Event],
    head_first: bool,
) -> (Story, (u16, Value), (u16, Value)) {
    let dirs = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
    let server = start(dirs[0].path(), dirs[1].path()).await;
    let head = enroll(&server, "head", 1).await;
    let branch = enroll(&server, "branch", 2).await;
    assert_eq!(push(&head, &server.base, setup).await.0, 200);
    let (first, second) = if head_first {
        let first = push(&head, &server.base, at_head).await;
        (first, push(&branch, &server.base, at_branch).await)
    } else {
        let first = push(&branch, &server.base, at_branch).await;
        (first, push(&head, &server.base, at_head).await)
    };
    let story = Story {
        server,
        branch,
        _dirs: dirs,
    };
    (story, first, second)
}

/// The rule breaks the endpoint raised, as (record, code).
async fn raised(server: &Running) -> Vec<(String, String)> {
    let pool = server.open_database().await;
    let raised = sqlx::query_as("SELECT record, code FROM rule_breaks ORDER BY record")
        .fetch_all(&pool)
        .await
        .unwrap();
    pool.close().await;
    raised
}

/// Issue 16's story at the endpoint: head office lent 山田 the server room's key (minute 6) and
/// took it back (minute 15); the branch, offline since the loan, recorded his entries at
/// minutes 12 and 20. The second was made without the key: raised once (`entry_without_key`),
/// whichever push arrives first; the first entry, with the key, is not.
#[tokio::test]
async fn an_entry_made_offline_after_the_key_went_back_is_raised_once_in_either_order() {
    use daicho_core::key_log::KeyReturned;
    use daicho_core::{EntryRecorded, ExitRecorded};
    let room = default_rooms().remove(1).id;
    let mut setup = head_office(None);
    let more = vec![yamada(), lent_to_yamada("key-1", 6, 60)];
    let mut kinds: Vec<EventKind> = setup.iter().map(|e| e.kind.clone()).collect();
    kinds.extend(more);
    setup = sealed("head", kinds, 0);
    let loan = setup.last().unwrap().id();
    let ret = KeyReturned {
        loan,
        returned_at: at_minute(15),
        received_by: "kanri".into(),
    };
    let mut all = setup.iter().map(|e| e.kind.clone()).collect::<Vec<_>>();
    all.push(EventKind::KeyReturned(ret));
    let with_return = sealed("head", all, 0);
    let entry = |minute| {
        let e = EntryRecorded::new(
            &room,
            "山田 太郎",
            "総務課",
            "保守",
            true,
            at_minute(minute),
        );
        EventKind::EntryRecorded(e.of("yamada"))
    };
    let exit = ExitRecorded {
        entry: daicho_core::EventId {
            device: DeviceId("branch".into()),
            seq: 1,
        },
        exited_at: at_minute(14),
    };
    let branch_events = sealed(
        "branch",
        vec![entry(12), EventKind::ExitRecorded(exit), entry(20)],
        12,
    );
    let give_back = &with_return[setup.len()..];
    for return_first in [true, false] {
        let (story, first, second) =
            pushed_in_order(&setup, give_back, &branch_events, return_first).await;
        assert_eq!(first.1["rule_breaks"], 0, "{first:?}");
        assert_eq!(second.1["rule_breaks"], 1, "{second:?}");
        assert_eq!(rule_break_count(&story.server).await, 1);
        let codes: Vec<String> = raised(&story.server)
            .await
            .into_iter()
            .map(|r| r.1)
            .collect();
        assert_eq!(codes, vec!["entry_without_key".to_string()]);
        story.server.shut_down().await;
    }
}

/// Head office's level-3 room (the vault), its key, and 山田 permitted and lent the key at
/// minute 6: the setup both stories below start from.
fn vault_with_loan() -> Vec<Event> {
    use daicho_core::key_log::KeyDefined;
    use daicho_core::room_permit::PermissionGranted;
    let room = default_rooms().remove(0);
    assert_eq!(room.level, daicho_core::room::SecurityLevel::Three);
    let kinds = vec![
        EventKind::KeyDefined(KeyDefined {
            id: "vault-key".into(),
            room_id: room.id.clone(),
            label: "保管庫の鍵".into(),
        }),
        yamada(),
        EventKind::PermissionGranted(PermissionGranted {
            person_id: "yamada".into(),
            room_id: room.id.clone(),
            from: chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            to: None,
            granted_by: "kanri".into(),
        }),
        lent_to_yamada("vault-key", 6, 60),
    ];
    sealed(
        "head",
        [vec![EventKind::RoomDefined(room)], kinds].concat(),
        0,
    )
}

/// 山田 entering the level-3 room at `minute`, as `device`'s event `seq` in a chain of one.
fn vault_entry(device: &str, minute: i64) -> Vec<Event> {
    let room = default_rooms().remove(0).id;
    let e = daicho_core::EntryRecorded::new(
        &room,
        "山田 太郎",
        "総務課",
        "保守",
        true,
        at_minute(minute),
    );
    sealed(
        device,
        vec![EventKind::EntryRecorded(e.of("yamada"))],
        minute,
    )
}

/// A level-3 key serves one entry (第17条第2項「その都度」): lent once, it let 山田 in at head
/// office (minute 12, out at 15) and again at the branch, offline (minute 20, or two days later
/// on the same loan, never returned). The branch's entry is raised once (`entry_without_key`),
/// whichever of the two arrives first.
#[tokio::test]
async fn a_level_3_key_used_for_two_entries_raises_the_second_once_in_either_order() {
    for branch_minute in [20, 2 * 24 * 60 + 20] {
        level_3_key_used_twice(branch_minute).await;
    }
}

async fn level_3_key_used_twice(branch_minute: i64) {
    let setup = vault_with_loan();
    let mut kinds: Vec<EventKind> = setup.iter().map(|e| e.kind.clone()).collect();
    kinds.push(vault_entry("head", 12)[0].kind.clone());
    // He left at minute 15: the branch's entry is no stay in two places, only a key used twice.
    let entry = daicho_core::EventId {
        device: DeviceId("head".into()),
        seq: kinds.len() as u64,
    };
    kinds.push(EventKind::ExitRecorded(daicho_core::ExitRecorded {
        entry,
        exited_at: at_minute(15),
    }));
    let with_entry = sealed("head", kinds, 0);
    let at_head = &with_entry[setup.len()..];
    let at_branch = vault_entry("branch", branch_minute);
    for head_first in [true, false] {
        let (story, first, second) = pushed_in_order(&setup, at_head, &at_branch, head_first).await;
        assert_eq!(first.1["rule_breaks"], 0, "{branch_minute}: {first:?}");
        assert_eq!(second.1["rule_breaks"], 1, "{branch_minute}: {second:?}");
        let raised = raised(&story.server).await;
        assert_eq!(
            raised,
            vec![(
                at_branch[0].id().to_string(),
                "entry_without_key".to_string()
            )]
        );
        story.server.shut_down().await;
    }
}

/// Two tablets offline each lend the level-3 room's key: head office at minute 6 (in its
/// setup), the branch at minute 8. The later loan is raised once (`key_lent_twice`), whichever
/// push arrives first; head office's is not.
#[tokio::test]
async fn one_key_lent_on_two_tablets_raises_the_later_loan_once_in_either_order() {
    let with_loan = vault_with_loan();
    let (setup, at_head) = with_loan.split_at(with_loan.len() - 1);
    let at_branch = sealed("branch", vec![lent_to_yamada("vault-key", 8, 60)], 8);
    for head_first in [true, false] {
        let (story, first, second) = pushed_in_order(setup, at_head, &at_branch, head_first).await;
        assert_eq!(first.1["rule_breaks"], 0, "{first:?}");
        assert_eq!(second.1["rule_breaks"], 1, "{second:?}");
        let raised = raised(&story.server).await;
        let code = "key_lent_twice".to_string();
        assert_eq!(raised, vec![(at_branch[0].id().to_string(), code)]);
        story.server.shut_down().await;
    }
}

/// Two tablets offline each record the return of one loan: the later return is raised once
/// (`key_returned_twice`), whichever reaches the endpoint first.
#[tokio::test]
async fn a_loan_returned_on_two_tablets_raises_the_later_return_once_in_either_order() {
    use daicho_core::key_log::KeyReturned;
    let mut kinds: Vec<EventKind> = head_office(None).iter().map(|e| e.kind.clone()).collect();
    kinds.push(lent_to_yamada("key-1", 6, 60));
    let setup = sealed("head", kinds.clone(), 0);
    let loan = setup.last().unwrap().id();
    let give_back = |minute| {
        EventKind::KeyReturned(KeyReturned {
            loan: loan.clone(),
            returned_at: at_minute(minute),
            received_by: "kanri".into(),
        })
    };
    kinds.push(give_back(15));
    let at_head = sealed("head", kinds, 0).split_off(setup.len());
    let at_branch = sealed("branch", vec![give_back(16)], 16);
    for head_first in [true, false] {
        let (story, first, second) =
            pushed_in_order(&setup, &at_head, &at_branch, head_first).await;
        assert_eq!(first.1["rule_breaks"], 0, "{first:?}");
        assert_eq!(second.1["rule_breaks"], 1, "{second:?}");
        assert_eq!(
            raised(&story.server).await,
            vec![("branch:1".to_string(), "key_returned_twice".to_string())]
        );
        story.server.shut_down().await;
    }
}

/// A loan recorded on a clock up to the tolerance behind the moment it names (recorded at
/// minute 22 as lent at 26) falls after a revocation from minute 25 just the same, when the
/// revocation arrives last.
#[tokio::test]
async fn a_loan_recorded_ahead_of_its_clock_is_raised_by_a_later_revocation() {
    let data = tempfile::tempdir().unwrap();
    let dist = tempfile::tempdir().unwrap();
    let server = start(data.path(), dist.path()).await;
    let head = enroll(&server, "head", 1).await;
    let branch = enroll(&server, "branch", 2).await;
    let (setup, with_revocation) = (head_office(None), head_office(Some(25)));
    assert_eq!(push(&head, &server.base, &setup).await.0, 200);
    let ahead = sealed("branch", vec![lent_to_yamada("key-1", 26, 70)], 22);
    assert_eq!(
        push(&branch, &server.base, &ahead).await.1["rule_breaks"],
        0
    );
    let revoked = push(&head, &server.base, &with_revocation[3..]).await;
    assert_eq!(revoked.1["rule_breaks"], 1, "{revoked:?}");
    server.shut_down().await;
}

/// Without the revocation the same loan is within the rules: nothing is raised.
#[tokio::test]
async fn a_permitted_loan_raises_nothing() {
    let data = tempfile::tempdir().unwrap();
    let dist = tempfile::tempdir().unwrap();
    let server = start(data.path(), dist.path()).await;
    let head = enroll(&server, "head", 1).await;
    let branch = enroll(&server, "branch", 2).await;
    assert_eq!(push(&head, &server.base, &head_office(None)).await.0, 200);
    let (status, body) = push(&branch, &server.base, &branch_loan()).await;
    assert_eq!((status, body["rule_breaks"].clone()), (200, json!(0)));
    assert_eq!(rule_break_count(&server).await, 0);
    server.shut_down().await;
}

/// A batch larger than one INSERT statement's rows is stored whole and in chain order.
#[tokio::test]
async fn a_batch_of_many_rows_is_stored_whole_in_order() {
    let data = tempfile::tempdir().unwrap();
    let dist = tempfile::tempdir().unwrap();
    let server = start(data.path(), dist.path()).await;
    let tablet = enroll(&server, "tablet-a", 1).await;
    let reader = enroll(&server, "reader", 2).await;
    let events = chain("tablet-a", 250, "室");
    let (status, body) = push(&tablet, &server.base, &events).await;
    assert_eq!((status, body["stored"].clone()), (200, json!(250)));
    let (pulled, _, done) = pull_page(&reader, &server.base, 0, 1000).await;
    assert!(done);
    assert_eq!(pulled, events);
    server.shut_down().await;
}

/// 山田's 照合ID with the passkey of `key`, then 山田 signing in with `signer` on the branch
/// tablet (a forged answer when the two keys differ).
fn passkey_story(key: u8, signer: u8) -> Vec<Event> {
    use daicho_core::id_ledger::{CollationInfoRecorded, IdLedgerRecorded, Ledger, LedgerAction};
    use daicho_core::sign_in::{SignInMethod, SignedIn};
    use daicho_core::webauthn::test_authenticator::answer;
    let origin = "http://localhost:8090";
    let (credential, _) = answer(
        &SigningKey::from_bytes(&[key; 32]),
        "yamada",
        "branch",
        5,
        origin,
    );
    let (_, assertion) = answer(
        &SigningKey::from_bytes(&[signer; 32]),
        "yamada",
        "branch",
        5,
        origin,
    );
    let on = at_minute(0).date_naive();
    let kinds = vec![
        EventKind::IdLedgerRecorded(IdLedgerRecorded {
            ledger: Ledger::Collation,
            id: "C-001".into(),
            person_id: "yamada".into(),
            kind_id: None,
            action: LedgerAction::Issued,
            on,
            approved_by: "kanri".into(),
        }),
        EventKind::CollationInfoRecorded(CollationInfoRecorded {
            collation_id: "C-001".into(),
            registered: true,
            on,
            approved_by: "kanri".into(),
            credential: Some(credential),
        }),
        EventKind::SignedIn(SignedIn {
            person_id: "yamada".into(),
            method: SignInMethod::Passkey,
            assertion: Some(assertion),
            fallback: false,
        }),
    ];
    sealed("branch", kinds, 0)
}

async fn collation_exceptions(server: &Running) -> Vec<(i64, String)> {
    let pool = server.open_database().await;
    let rows: Vec<(i64, String)> = sqlx::query_as(
        "SELECT seq, detail FROM security_exceptions WHERE code = 'collation_failed'",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    pool.close().await;
    rows
}

/// 第8条第2項 again on the endpoint: a passkey sign-in is verified against the 照合ID ledger
/// it knows. A good one raises nothing; a forged one is stored (the chain is evidence) and
/// raised as a security exception naming the record, once.
#[tokio::test]
async fn passkey_sign_ins_are_verified_again_and_a_forged_one_is_raised() {
    for (signer, raised) in [(7, false), (8, true)] {
        let data = tempfile::tempdir().unwrap();
        let dist = tempfile::tempdir().unwrap();
        let server = start(data.path(), dist.path()).await;
        let branch = enroll(&server, "branch", 2).await;
        let story = passkey_story(7, signer);
        assert_eq!(push(&branch, &server.base, &story).await.0, 200);
        assert_eq!(
            push(&branch, &server.base, &story).await.0,
            200,
            "sent again"
        );
        assert_eq!(stored_count(&server).await, 3);
        let exceptions = collation_exceptions(&server).await;
        if raised {
            assert_eq!(exceptions.len(), 1, "{exceptions:?}");
            assert_eq!(exceptions[0].0, 3, "the sign-in is named");
            assert!(exceptions[0].1.contains("第8条第2項"), "{exceptions:?}");
        } else {
            assert_eq!(exceptions, vec![]);
        }
        server.shut_down().await;
    }
}

/// Two counters (level 1) with 山田 registered and permitted into both, and his entry into
/// the first at minute 10, with no exit.
fn two_counters() -> Vec<Event> {
    use daicho_core::room_permit::PermissionGranted;
    use daicho_core::{EntryRecorded, RoomDefined, SecurityLevel};
    let counter = |id: &str| RoomDefined {
        id: id.into(),
        name: id.into(),
        place: "本庁舎".into(),
        level: SecurityLevel::One,
        is_default: false,
    };
    let permitted = |room: &str| PermissionGranted {
        person_id: "yamada".into(),
        room_id: room.into(),
        from: chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
        to: None,
        granted_by: "kanri".into(),
    };
    let entry = EntryRecorded::new("c1", "山田 太郎", "総務課", "窓口", true, at_minute(10));
    let kinds = vec![
        EventKind::RoomDefined(counter("c1")),
        EventKind::RoomDefined(counter("c2")),
        yamada(),
        EventKind::PermissionGranted(permitted("c1")),
        EventKind::PermissionGranted(permitted("c2")),
        EventKind::EntryRecorded(entry.of("yamada")),
    ];
    sealed("head", kinds, 5)
}

/// 山田 is recorded inside two rooms at once: head office's line of counter 1 is open when
/// the branch records him entering counter 2 (minute 12). The later entry is raised once
/// (`entry_while_inside`, 第19条第1項), whichever push arrives first; had he left counter 1
/// first (an exit at minute 11), nothing is.
#[tokio::test]
async fn a_person_recorded_inside_two_rooms_is_raised_once_in_either_order() {
    use daicho_core::{EntryRecorded, ExitRecorded};
    let all = two_counters();
    let (setup, line) = all.split_at(5);
    let entry = EntryRecorded::new("c2", "山田 太郎", "総務課", "窓口", true, at_minute(12));
    let at_branch = sealed(
        "branch",
        vec![EventKind::EntryRecorded(entry.of("yamada"))],
        12,
    );
    for head_first in [true, false] {
        let (story, first, second) = pushed_in_order(setup, line, &at_branch, head_first).await;
        assert_eq!(first.1["rule_breaks"], 0, "{first:?}");
        assert_eq!(second.1["rule_breaks"], 1, "{second:?}");
        assert_eq!(
            raised(&story.server).await,
            vec![("branch:1".to_string(), "entry_while_inside".to_string())]
        );
        story.server.shut_down().await;
    }
    let left = ExitRecorded {
        entry: line[0].id(),
        exited_at: at_minute(11),
    };
    let mut kinds: Vec<EventKind> = all.iter().map(|e| e.kind.clone()).collect();
    kinds.push(EventKind::ExitRecorded(left));
    let with_exit = sealed("head", kinds, 5).split_off(5);
    let (story, first, second) = pushed_in_order(setup, &with_exit, &at_branch, false).await;
    assert_eq!(
        (
            first.1["rule_breaks"].clone(),
            second.1["rule_breaks"].clone()
        ),
        (json!(0), json!(0))
    );
    assert!(raised(&story.server).await.is_empty());
    story.server.shut_down().await;
}

/// An exit earlier than the entry it closes (no tablet records one: an altered device's) is
/// stored and raised (`exit_before_entry`).
#[tokio::test]
async fn an_exit_before_its_entry_is_stored_and_raised() {
    use daicho_core::ExitRecorded;
    let all = two_counters();
    let early = ExitRecorded {
        entry: all[5].id(),
        exited_at: at_minute(9),
    };
    let at_branch = sealed("branch", vec![EventKind::ExitRecorded(early)], 12);
    let (story, _, second) = pushed_in_order(&all[..5], &all[5..], &at_branch, true).await;
    assert_eq!(second.1["rule_breaks"], 1, "{second:?}");
    assert_eq!(
        raised(&story.server).await,
        vec![("branch:1".to_string(), "exit_before_entry".to_string())]
    );
    story.server.shut_down().await;
}
