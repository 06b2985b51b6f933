//! Every refusal code the endpoint documents, provoked from outside as an attacker would, one
//! test per group (issue 14): each case asserts its status and code, that nothing was stored
//! (events, devices, rule breaks, exceptions: read from the database) and that `verify` still
//! passes. The last test holds the suite to `ApiCode`: a code no attack provokes fails it.

mod common;

use common::{
    assert_refused, chain, code, enroll, enroll_with, now_ms, push_events, rows, start, verifies,
    Device, Running,
};
use daicho_core::api::ApiCode;
use daicho_core::event::GENESIS_HASH;
use daicho_core::Event;
use ed25519_dalek::SigningKey;
use serde_json::{json, Value};

async fn server() -> (Running, tempfile::TempDir, tempfile::TempDir) {
    let data = tempfile::tempdir().unwrap();
    let dist = tempfile::tempdir().unwrap();
    (start(data.path(), dist.path()).await, data, dist)
}

/// What a refusal must leave as it was.
async fn stored(server: &Running) -> [i64; 4] {
    [
        rows(server, "events").await,
        rows(server, "devices").await,
        rows(server, "rule_breaks").await,
        rows(server, "security_exceptions").await,
    ]
}

/// The answer of `response`: its status and JSON body.
async fn answer(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Asserts `got` is the refusal `(status, code)` and that it stored nothing, verify passing.
async fn refused_storing_nothing(
    server: &Running,
    before: [i64; 4],
    what: &str,
    got: (u16, Value),
    status: u16,
    code: &str,
) {
    assert_refused(&got, status, code);
    assert_eq!(stored(server).await, before, "{what}: nothing stored");
    verifies(server).await;
}

async fn post_enrollment(server: &Running, body: Value) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(format!("{}/api/devices", server.base))
        .json(&body)
        .send()
        .await
        .unwrap();
    answer(response).await
}

#[tokio::test]
async fn enrollment_refusals() {
    let (server, _d, _s) = server().await;
    let key = SigningKey::from_bytes(&[1; 32]);
    let used = code(&server, 10).await;
    assert_eq!(
        enroll_with(&server.base, &used, "tablet-a", &key).await.0,
        201
    );
    let before = stored(&server).await;
    let other = SigningKey::from_bytes(&[2; 32]);
    let expired = code(&server, -1).await;
    let fresh = code(&server, 10).await;
    let cases = [
        (
            "unknown code",
            enroll_with(&server.base, "0000-0000", "tablet-b", &other).await,
            400,
            "unknown_code",
        ),
        (
            "expired code",
            enroll_with(&server.base, &expired, "tablet-b", &other).await,
            400,
            "code_expired",
        ),
        (
            "used code",
            enroll_with(&server.base, &used, "tablet-b", &other).await,
            400,
            "code_used",
        ),
        (
            "enrolled device id",
            enroll_with(&server.base, &fresh, "tablet-a", &other).await,
            400,
            "device_exists",
        ),
        (
            "unreadable key",
            post_enrollment(
                &server,
                json!({ "code": fresh, "device": "tablet-b", "public_key": "AAAA" }),
            )
            .await,
            400,
            "bad_key",
        ),
        (
            "no device field",
            post_enrollment(&server, json!({ "code": fresh, "public_key": "AAAA" })).await,
            400,
            "malformed_json",
        ),
    ];
    for (what, got, status, code) in cases {
        refused_storing_nothing(&server, before, what, got, status, code).await;
    }
    server.shut_down().await;
}

/// A POST of `body` to /api/events signed by `device` as at `at_ms`, with `body_sent` sent.
async fn push_raw(
    server: &Running,
    device: &Device,
    signed: &[u8],
    sent: Vec<u8>,
    at_ms: i64,
) -> (u16, Value) {
    let mut request = reqwest::Client::new()
        .post(format!("{}/api/events", server.base))
        .header("content-type", "application/json");
    for (name, value) in device.sign("POST", "/api/events", signed, at_ms) {
        request = request.header(name, value);
    }
    answer(request.body(sent).send().await.unwrap()).await
}

fn batch_body(events: &[Event]) -> Vec<u8> {
    serde_json::to_vec(&json!({ "events": events })).unwrap()
}

#[tokio::test]
async fn request_signature_refusals() {
    let (server, _d, _s) = server().await;
    let tablet = enroll(&server, "tablet-a", 1).await;
    let gone = enroll(&server, "tablet-g", 2).await;
    let all = chain("tablet-a", 3, "室");
    assert_eq!(push_events(&tablet, &server.base, &all[..2]).await.0, 200);
    let pool = server.open_database().await;
    daicho_server::devices::revoke(&pool, "tablet-g", now_ms())
        .await
        .unwrap();
    pool.close().await;
    let before = stored(&server).await;
    let body = batch_body(&all[2..]);
    let stranger = Device {
        id: "tablet-x".into(),
        key: SigningKey::from_bytes(&[9; 32]),
    };
    let impostor = Device {
        id: "tablet-a".into(),
        key: SigningKey::from_bytes(&[9; 32]),
    };
    let hour = 60 * 60 * 1000;
    let unsigned = reqwest::Client::new()
        .post(format!("{}/api/events", server.base))
        .header("content-type", "application/json")
        .body(body.clone())
        .send()
        .await
        .unwrap();
    let empty = batch_body(&[]);
    let gone_body = batch_body(&chain("tablet-g", 1, "室"));
    let cases = [
        ("unsigned", answer(unsigned).await, 401, "unsigned"),
        (
            "unknown device",
            push_raw(&server, &stranger, &body, body.clone(), now_ms()).await,
            401,
            "unknown_device",
        ),
        (
            "another key",
            push_raw(&server, &impostor, &body, body.clone(), now_ms()).await,
            401,
            "bad_signature",
        ),
        (
            "an hour old (replayed)",
            push_raw(&server, &tablet, &body, body.clone(), now_ms() - hour).await,
            401,
            "clock_skew",
        ),
        (
            "body changed after signing",
            push_raw(&server, &tablet, &empty, body.clone(), now_ms()).await,
            401,
            "bad_digest",
        ),
        (
            "revoked device",
            push_raw(&server, &gone, &gone_body, gone_body.clone(), now_ms()).await,
            403,
            "device_revoked",
        ),
        (
            "signed, not JSON",
            push_raw(
                &server,
                &tablet,
                b"{\"events\": [",
                b"{\"events\": [".to_vec(),
                now_ms(),
            )
            .await,
            400,
            "malformed_json",
        ),
    ];
    for (what, got, status, code) in cases {
        refused_storing_nothing(&server, before, what, got, status, code).await;
    }
    server.shut_down().await;
}

/// `device`'s signed GET of `path_and_query`.
async fn get_signed(server: &Running, device: &Device, path_and_query: &str) -> (u16, Value) {
    let url = format!("{}{path_and_query}", server.base);
    answer(
        device
            .request(reqwest::Method::GET, &url, b"")
            .send()
            .await
            .unwrap(),
    )
    .await
}

#[tokio::test]
async fn batch_and_query_refusals() {
    let (server, _d, _s) = server().await;
    let tablet = enroll(&server, "tablet-a", 1).await;
    assert_eq!(
        push_events(&tablet, &server.base, &chain("tablet-a", 1, "室"))
            .await
            .0,
        200
    );
    let before = stored(&server).await;
    let many = chain("tablet-a", 1001, "室");
    // Padded with spaces to just over the byte limit: still JSON, too large.
    let mut large = batch_body(&many[1..3]);
    large.splice(1..1, vec![b' '; daicho_core::sync_limits::MAX_BODY_BYTES]);
    let cases = [
        (
            "1,001 events",
            push_events(&tablet, &server.base, &many).await,
            413,
            "batch_too_large",
        ),
        (
            "over 4 MiB",
            push_raw(&server, &tablet, &large, large.clone(), now_ms()).await,
            413,
            "body_too_large",
        ),
        (
            "after is not a number",
            get_signed(&server, &tablet, "/api/events?after=abc").await,
            400,
            "malformed_query",
        ),
        (
            "a proof backwards",
            get_signed(&server, &tablet, "/api/log/consistency?from=1&to=0").await,
            400,
            "bad_tree_size",
        ),
        (
            "a proof past the log",
            get_signed(&server, &tablet, "/api/log/consistency?from=0&to=9").await,
            400,
            "bad_tree_size",
        ),
    ];
    for (what, got, status, code) in cases {
        refused_storing_nothing(&server, before, what, got, status, code).await;
    }
    server.shut_down().await;
}

#[tokio::test]
async fn chain_refusals() {
    let (server, _d, _s) = server().await;
    let tablet = enroll(&server, "tablet-a", 1).await;
    let all = chain("tablet-a", 6, "室");
    assert_eq!(push_events(&tablet, &server.base, &all[..3]).await.0, 200);
    let before = stored(&server).await;
    let mut altered = all[3].clone();
    altered.operator = "someone else".into();
    let relinked = {
        let e = &all[3];
        Event::seal(
            e.device.clone(),
            e.seq,
            e.hlc,
            e.operator.clone(),
            e.kind.clone(),
            GENESIS_HASH,
        )
    };
    let cases = [
        (
            "seqs 4 and 6",
            push_events(&tablet, &server.base, &[all[3].clone(), all[5].clone()]).await,
            409,
            "not_contiguous",
        ),
        (
            "from 5, 4 missing",
            push_events(&tablet, &server.base, &all[4..]).await,
            409,
            "gap",
        ),
        (
            "changed after sealing",
            push_events(&tablet, &server.base, &[altered]).await,
            409,
            "bad_hash",
        ),
        (
            "linked to genesis",
            push_events(&tablet, &server.base, &[relinked]).await,
            409,
            "broken_link",
        ),
    ];
    for (what, got, status, code) in cases {
        refused_storing_nothing(&server, before, what, got, status, code).await;
    }
    // A fork is refused and stores nothing of itself, but is kept as one security exception.
    let forked = chain("tablet-a", 3, "別の室");
    let got = push_events(&tablet, &server.base, &forked[2..]).await;
    assert_refused(&got, 409, "fork");
    let [events, devices, breaks, exceptions] = before;
    assert_eq!(
        stored(&server).await,
        [events, devices, breaks, exceptions + 1]
    );
    verifies(&server).await;
    server.shut_down().await;
}

/// The database refuses the write (here a trigger, as a full disk would): 503, nothing half
/// stored, and the same push succeeds once the database is back.
#[tokio::test]
async fn a_database_that_fails_the_write_answers_storage_unavailable() {
    let (server, _d, _s) = server().await;
    let tablet = enroll(&server, "tablet-a", 1).await;
    let all = chain("tablet-a", 2, "室");
    let before = stored(&server).await;
    let pool = server.open_database().await;
    let (fail, restore) = if common::engine() == "postgres" {
        (
            vec![
                "CREATE FUNCTION fail_write() RETURNS trigger LANGUAGE plpgsql AS \
                 $$ BEGIN RAISE EXCEPTION 'disk full'; END $$",
                "CREATE TRIGGER fail_write BEFORE INSERT ON log_tree \
                 FOR EACH ROW EXECUTE FUNCTION fail_write()",
            ],
            vec![
                "DROP TRIGGER fail_write ON log_tree",
                "DROP FUNCTION fail_write()",
            ],
        )
    } else {
        (
            vec![
                "CREATE TRIGGER fail_write BEFORE INSERT ON log_tree \
                 BEGIN SELECT RAISE(ABORT, 'disk full'); END",
            ],
            vec!["DROP TRIGGER fail_write"],
        )
    };
    for sql in fail {
        sqlx::query(sql).execute(&pool).await.unwrap();
    }
    let got = push_events(&tablet, &server.base, &all).await;
    refused_storing_nothing(
        &server,
        before,
        "log_tree refused",
        got,
        503,
        "storage_unavailable",
    )
    .await;
    for sql in restore {
        sqlx::query(sql).execute(&pool).await.unwrap();
    }
    pool.close().await;
    assert_eq!(push_events(&tablet, &server.base, &all).await.0, 200);
    assert_eq!(verifies(&server).await.events, 2);
    server.shut_down().await;
}

/// Codes no request from outside can provoke, each with the reason.
const NOT_PROVOKED: [(ApiCode, &str); 1] = [(
    ApiCode::WrongDevice,
    "a batch naming two devices is refused first as not_own_events (the signer's own events \
     only); wrong_device is the chain check's own code, met by a device's audit",
)];

/// Every code of `ApiCode` is provoked by some attack test (its code appears, quoted, in an
/// `attacks_*.rs` file), or is listed above with the reason it cannot be.
#[test]
fn every_refusal_code_has_its_attack() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let suites: String = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            name.starts_with("attacks_") && name.ends_with(".rs")
        })
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    let missing: Vec<&str> = ApiCode::all()
        .filter(|code| !NOT_PROVOKED.iter().any(|(c, _)| c == code))
        .map(ApiCode::as_str)
        .filter(|code| !suites.contains(&format!("\"{code}\"")))
        .collect();
    assert!(missing.is_empty(), "codes no attack provokes: {missing:?}");
}
