//! Attacks on the chain and on who may write it, as a hostile device (enrolled or not) makes
//! them (issue 14). Each asserts the coded refusal, that nothing was stored (read from the
//! database), and that `verify` still passes afterwards. Same tests on SQLite and PostgreSQL.

mod common;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use common::{
    assert_refused, chain, code, enroll, now_ms, push_events, rows, start, verifies, Device,
    Running,
};
use daicho_core::event::GENESIS_HASH;
use daicho_core::sync_limits::MAX_CLOCK_AHEAD_MS;
use daicho_core::{Event, Hlc};
use ed25519_dalek::SigningKey;
use serde_json::{json, Value};

async fn server() -> (Running, tempfile::TempDir, tempfile::TempDir) {
    let data = tempfile::tempdir().unwrap();
    let dist = tempfile::tempdir().unwrap();
    (start(data.path(), dist.path()).await, data, dist)
}

/// `event` changed by `change` and sealed again, so its hash is right for what it now holds.
fn resealed(event: &Event, change: impl Fn(&mut Event)) -> Event {
    let mut e = event.clone();
    change(&mut e);
    Event::seal(e.device, e.seq, e.hlc, e.operator, e.kind, &e.prev_hash)
}

/// A first event numbered 0, linked to genesis as a first event is.
fn seq_zero(device: &str) -> Event {
    resealed(&chain(device, 1, "零")[0], |e| e.seq = 0)
}

#[tokio::test]
async fn a_new_device_cannot_start_its_chain_at_seq_zero() {
    let (server, _d, _s) = server().await;
    let tablet = enroll(&server, "tablet-a", 1).await;
    let one = chain("tablet-a", 1, "室").remove(0);
    for batch in [vec![seq_zero("tablet-a")], vec![seq_zero("tablet-a"), one]] {
        let answer = push_events(&tablet, &server.base, &batch).await;
        assert_refused(&answer, 409, "bad_seq");
    }
    assert_eq!(rows(&server, "events").await, 0);
    assert_eq!(verifies(&server).await.events, 0);
    server.shut_down().await;
}

#[tokio::test]
async fn seq_zero_after_a_chain_is_refused_and_the_chain_goes_on() {
    let (server, _d, _s) = server().await;
    let tablet = enroll(&server, "tablet-a", 1).await;
    let all = chain("tablet-a", 4, "室");
    assert_eq!(push_events(&tablet, &server.base, &all[..3]).await.0, 200);
    let answer = push_events(&tablet, &server.base, &[seq_zero("tablet-a")]).await;
    assert_refused(&answer, 409, "bad_seq");
    assert_eq!(rows(&server, "events").await, 3);
    assert_eq!(push_events(&tablet, &server.base, &all[3..]).await.0, 200);
    let summary = verifies(&server).await;
    assert_eq!((summary.events, summary.devices), (4, 1));
    server.shut_down().await;
}

/// Enrolls `device` with the raw 32 bytes of `public_key`: the status and answer.
async fn enroll_raw(base: &str, code: &str, device: &str, public_key: &[u8]) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(format!("{base}/api/devices"))
        .json(&json!({ "code": code, "device": device, "public_key": BASE64.encode(public_key) }))
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

/// The identity point: with a non-strict check, the constant signature (R = identity, s = 0),
/// made with no private key, verifies any message under it.
fn identity_key() -> [u8; 32] {
    let mut key = [0u8; 32];
    key[0] = 1;
    key
}

#[tokio::test]
async fn a_weak_key_is_refused_at_enrollment_without_spending_the_code() {
    let (server, _d, _s) = server().await;
    let code = code(&server, 10).await;
    let answer = enroll_raw(&server.base, &code, "tablet-a", &identity_key()).await;
    assert_refused(&answer, 400, "bad_key");
    assert_eq!(rows(&server, "devices").await, 0);
    let good = SigningKey::from_bytes(&[3; 32]).verifying_key().to_bytes();
    let answer = enroll_raw(&server.base, &code, "tablet-a", &good).await;
    assert_eq!(answer.0, 201, "the code was not spent: {}", answer.1);
    server.shut_down().await;
}

/// A device enrolled with a weak key before this check (put straight into the database) gets
/// nothing with the forged constant signature: neither a push nor a pull.
#[tokio::test]
async fn a_forged_signature_under_a_weak_key_is_refused_everywhere() {
    let (server, _d, _s) = server().await;
    let pool = server.open_database().await;
    sqlx::query("INSERT INTO devices (device, public_key, enrolled_at) VALUES ($1, $2, $3)")
        .bind("weak")
        .bind(BASE64.encode(identity_key()))
        .bind(now_ms())
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let mut forged = [0u8; 64];
    forged[0] = 1;
    let events = chain("weak", 1, "室");
    let body = serde_json::to_vec(&json!({ "events": events })).unwrap();
    for (method, path, body) in [
        ("POST", "/api/events", body.clone()),
        ("GET", "/api/events", Vec::new()),
    ] {
        let digest = daicho_server::devices::content_digest(&body);
        let response = reqwest::Client::new()
            .request(method.parse().unwrap(), format!("{}{path}", server.base))
            .header("content-type", "application/json")
            .header("daicho-device", "weak")
            .header("daicho-timestamp", now_ms().to_string())
            .header("content-digest", digest)
            .header("daicho-signature", BASE64.encode(forged))
            .body(body)
            .send()
            .await
            .unwrap();
        let answer = (response.status().as_u16(), response.json().await.unwrap());
        assert_refused(&answer, 400, "bad_key");
    }
    assert_eq!(rows(&server, "events").await, 0);
    verifies(&server).await;
    server.shut_down().await;
}

#[tokio::test]
async fn an_event_clock_far_ahead_or_impossible_is_refused() {
    let (server, _d, _s) = server().await;
    let tablet = enroll(&server, "tablet-a", 1).await;
    let first = chain("tablet-a", 1, "室").remove(0);
    for (wall_ms, counter) in [
        (i64::MAX, 0),
        (now_ms() + MAX_CLOCK_AHEAD_MS + 60_000, 0),
        (i64::MIN, 0),
        (-1, 0),
        (now_ms(), u32::MAX),
    ] {
        let forged = resealed(&first, |e| e.hlc = Hlc { wall_ms, counter });
        let answer = push_events(&tablet, &server.base, &[forged]).await;
        assert_refused(&answer, 400, "event_clock");
        let message = answer.1["message_en"].as_str().unwrap();
        assert!(message.contains("Event 1"), "names the event: {message}");
    }
    assert_eq!(rows(&server, "events").await, 0);
    // A clock a little ahead (within the allowed skew) is a device's clock, not a forgery.
    let ahead = resealed(&first, |e| {
        e.hlc = Hlc {
            wall_ms: now_ms() + MAX_CLOCK_AHEAD_MS / 2,
            counter: 0,
        }
    });
    assert_eq!(push_events(&tablet, &server.base, &[ahead]).await.0, 200);
    assert_eq!(verifies(&server).await.events, 1);
    server.shut_down().await;
}

/// PostgreSQL's text cannot hold NUL: refused the same on both engines, with its code, and the
/// device's next event is not jammed behind it.
#[tokio::test]
async fn an_event_with_a_nul_is_refused_alike_on_every_engine() {
    let (server, _d, _s) = server().await;
    let tablet = enroll(&server, "tablet-a", 1).await;
    let first = chain("tablet-a", 1, "室").remove(0);
    let nul = resealed(&first, |e| e.operator = "kan\0ri".into());
    for _ in 0..3 {
        let answer = push_events(&tablet, &server.base, std::slice::from_ref(&nul)).await;
        assert_refused(&answer, 400, "bad_text");
    }
    assert_eq!(rows(&server, "events").await, 0);
    assert_eq!(push_events(&tablet, &server.base, &[first]).await.0, 200);
    assert_eq!(verifies(&server).await.events, 1);
    server.shut_down().await;
}

#[tokio::test]
async fn a_device_id_outside_the_format_is_refused_before_the_code_is_spent() {
    let (server, _d, _s) = server().await;
    let code = code(&server, 10).await;
    let key = SigningKey::from_bytes(&[4; 32]).verifying_key().to_bytes();
    let long = "a".repeat(65);
    for bad in [
        "tab\0let",
        "tab\nlet",
        "端末",
        "a:1",
        "",
        " ",
        long.as_str(),
    ] {
        let answer = enroll_raw(&server.base, &code, bad, &key).await;
        assert_refused(&answer, 400, "bad_device_id");
    }
    assert_eq!(rows(&server, "devices").await, 0);
    let answer = enroll_raw(&server.base, &code, "tablet-a", &key).await;
    assert_eq!(answer.0, 201, "the code was not spent: {}", answer.1);
    server.shut_down().await;
}

#[tokio::test]
async fn a_batch_with_another_devices_events_is_refused_as_not_own() {
    let (server, _d, _s) = server().await;
    let a = enroll(&server, "tablet-a", 1).await;
    enroll(&server, "tablet-b", 2).await;
    let mixed = vec![
        chain("tablet-a", 1, "室").remove(0),
        chain("tablet-b", 2, "室").remove(1),
    ];
    let answer = push_events(&a, &server.base, &mixed).await;
    assert_refused(&answer, 403, "not_own_events");
    let only_b = chain("tablet-b", 1, "室");
    assert_refused(
        &push_events(&a, &server.base, &only_b).await,
        403,
        "not_own_events",
    );
    assert_eq!(rows(&server, "events").await, 0);
    verifies(&server).await;
    server.shut_down().await;
}

/// A healthy database verifies right after a push nobody has pulled: the push signs its tree.
#[tokio::test]
async fn a_push_nobody_pulled_is_covered_by_a_signed_checkpoint() {
    let (server, _d, _s) = server().await;
    let tablet = enroll(&server, "tablet-a", 1).await;
    let all = chain("tablet-a", 5, "室");
    for part in [&all[..2], &all[2..]] {
        assert_eq!(push_events(&tablet, &server.base, part).await.0, 200);
        let summary = verifies(&server).await;
        assert_eq!(
            summary.tree_size as usize,
            part.last().unwrap().seq as usize
        );
    }
    assert_eq!(rows(&server, "log_checkpoints").await, 3, "empty, 2 and 5");
    server.shut_down().await;
}

/// The genesis link of a forged first event is still checked: a batch whose first event links
/// elsewhere is refused, not stored.
#[tokio::test]
async fn a_first_event_linked_past_genesis_is_refused() {
    let (server, _d, _s) = server().await;
    let tablet: Device = enroll(&server, "tablet-a", 1).await;
    let relinked = resealed(&chain("tablet-a", 1, "室")[0], |e| {
        e.prev_hash = "f".repeat(GENESIS_HASH.len())
    });
    let answer = push_events(&tablet, &server.base, &[relinked]).await;
    assert_refused(&answer, 409, "broken_link");
    assert_eq!(rows(&server, "events").await, 0);
    verifies(&server).await;
    server.shut_down().await;
}
