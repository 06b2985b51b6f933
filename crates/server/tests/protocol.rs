//! What docs/protocol.md promises a client written from it alone: the signature covers the
//! query, an event is refused unless it is exactly its canonical form, and a batch of another
//! device's events is refused with the documented code. Each refusal stores nothing and leaves
//! the log verifying.

mod common;

use common::{chain, enroll, now_ms, start, Device, Running};
use daicho_server::archive;
use serde_json::{json, Map, Value};
use sqlx::AnyPool;
use std::path::Path;

/// How many rows `table` holds.
async fn rows(pool: &AnyPool, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(pool)
        .await
        .unwrap()
}

/// The rows a refused request must leave as they were.
async fn stored(pool: &AnyPool) -> [i64; 3] {
    [
        rows(pool, "events").await,
        rows(pool, "log_checkpoints").await,
        rows(pool, "security_exceptions").await,
    ]
}

async fn assert_verifies(pool: &AnyPool) {
    let summary = archive::verify_database(pool, None).await.unwrap();
    assert!(summary.is_ok(), "{summary:?}");
}

/// Sends `method` to `url` signed over `signed` (the path and query the device meant).
async fn send_signed(
    device: &Device,
    server: &Running,
    method: reqwest::Method,
    url: &str,
    signed: &str,
    body: &[u8],
) -> (u16, Value) {
    let mut request = reqwest::Client::new()
        .request(method.clone(), format!("{}{url}", server.base))
        .header("content-type", "application/json");
    for (name, value) in device.sign(method.as_str(), signed, body, now_ms()) {
        request = request.header(name, value);
    }
    let response = request.body(body.to_vec()).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// A pull by `device` that must pass: it also signs a checkpoint over what is stored, so the
/// database verifies whole (a push alone leaves its events to the next checkpoint).
async fn pull_ok(device: &Device, server: &Running) -> Value {
    let url = "/api/events?after=0&limit=1000";
    let get = reqwest::Method::GET;
    let (status, page) = send_signed(device, server, get, url, url, b"").await;
    assert_eq!(status, 200, "{page}");
    page
}

async fn push_json(device: &Device, server: &Running, body: &Value) -> (u16, Value) {
    let body = serde_json::to_vec(body).unwrap();
    let post = reqwest::Method::POST;
    send_signed(device, server, post, "/api/events", "/api/events", &body).await
}

#[tokio::test]
async fn a_query_changed_after_signing_is_refused_and_the_one_signed_passes() {
    let (data, dist) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let server = start(data.path(), dist.path()).await;
    let a = enroll(&server, "tablet-a", 1).await;
    let b = enroll(&server, "tablet-b", 2).await;
    assert_eq!(
        push_json(
            &a,
            &server,
            &json!({ "events": chain("tablet-a", 3, "室") })
        )
        .await
        .0,
        200
    );
    pull_ok(&a, &server).await;
    let pool = server.open_database().await;
    let before = stored(&pool).await;

    let get = reqwest::Method::GET;
    for (sent, signed) in [
        (
            "/api/events?after=2&limit=1000",
            "/api/events?after=0&limit=1000",
        ),
        (
            "/api/events?after=0&limit=1",
            "/api/events?after=0&limit=1000",
        ),
        ("/api/events?after=0", "/api/events"),
        (
            "/api/log/consistency?from=1&to=3",
            "/api/log/consistency?from=0&to=3",
        ),
    ] {
        let (status, refusal) = send_signed(&b, &server, get.clone(), sent, signed, b"").await;
        assert_eq!(
            (status, &refusal["code"]),
            (401, &json!("bad_signature")),
            "{sent}"
        );
        assert!(refusal["message_ja"]
            .as_str()
            .is_some_and(|m| !m.is_empty()));
    }
    assert_eq!(
        stored(&pool).await,
        before,
        "a refused pull signs no checkpoint"
    );
    assert_verifies(&pool).await;

    let page = pull_ok(&b, &server).await;
    assert_eq!(page["events"].as_array().unwrap().len(), 3);
    let url = "/api/log/consistency?from=1&to=3";
    assert_eq!(send_signed(&b, &server, get, url, url, b"").await.0, 200);
    assert_verifies(&pool).await;
    pool.close().await;
    server.shut_down().await;
}

/// Refused pushes, each with its documented status and code; none stores anything.
async fn assert_refused(device: &Device, server: &Running, body: &Value, want: (u16, &str)) {
    let pool = server.open_database().await;
    let before = stored(&pool).await;
    let (status, refusal) = push_json(device, server, body).await;
    assert_eq!(
        (status, refusal["code"].as_str()),
        (want.0, Some(want.1)),
        "{body}: {refusal}"
    );
    assert!(refusal["message_en"]
        .as_str()
        .is_some_and(|m| !m.is_empty()));
    assert_eq!(stored(&pool).await, before);
    assert_verifies(&pool).await;
    pool.close().await;
}

#[tokio::test]
async fn an_event_beside_its_canonical_form_is_refused_and_nothing_stored() {
    let (data, dist) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let server = start(data.path(), dist.path()).await;
    let a = enroll(&server, "tablet-a", 1).await;
    let events = serde_json::to_value(chain("tablet-a", 2, "室")).unwrap();
    let malformed = (400, "malformed_json");
    for (field, value) in [
        ("/1/signature", json!("unsigned extra")),
        ("/1/payload/note", json!("not hashed")),
        ("/0/hlc/drift", json!(0)),
    ] {
        let mut events = events.clone();
        let (at, key) = field.rsplit_once('/').unwrap();
        events.pointer_mut(at).unwrap()[key] = value;
        assert_refused(&a, &server, &json!({ "events": events }), malformed).await;
    }
    let mut float_seq = events.clone();
    float_seq[0]["seq"] = json!(1.0);
    assert_refused(&a, &server, &json!({ "events": float_seq }), malformed).await;
    let extra = json!({ "events": events, "batch": 1 });
    assert_refused(&a, &server, &extra, malformed).await;
    // The same events, exactly as sealed, are stored.
    let (status, outcome) = push_json(&a, &server, &json!({ "events": events })).await;
    assert_eq!((status, &outcome["stored"]), (200, &json!(2)), "{outcome}");
    server.shut_down().await;
}

/// The endpoint answers `not_own_events` for any event not of the signing device, mixed or
/// not; `wrong_device` is what a device's own chain check names when a pulled page's run
/// for one device holds another's event, and never reaches the wire from a push.
#[tokio::test]
async fn a_batch_holding_another_devices_event_is_refused_not_own_events() {
    let (data, dist) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let server = start(data.path(), dist.path()).await;
    let a = enroll(&server, "tablet-a", 1).await;
    let a_events = chain("tablet-a", 2, "室");
    let b_events = chain("tablet-b", 2, "室");
    let refused = (403, "not_own_events");
    let mixed = json!({ "events": [a_events[0], b_events[1]] });
    assert_refused(&a, &server, &mixed, refused).await;
    let other = json!({ "events": b_events });
    assert_refused(&a, &server, &other, refused).await;
    server.shut_down().await;
}

/// openapi.json's `components/schemas` are the Rust types' JSON Schemas (`api::schemas`),
/// beside the hand-written `Refusal`. After changing a wire type, regenerate them with
/// `DAICHO_WRITE_OPENAPI=1 cargo test -p daicho-server --test protocol openapi`.
#[test]
fn openapi_json_carries_the_schemas_of_the_rust_types() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi.json");
    let document = std::fs::read_to_string(&path).unwrap();
    let parsed: Value = serde_json::from_str(&document).unwrap();
    let mut schemas = Map::new();
    schemas.insert(
        "Refusal".into(),
        parsed["components"]["schemas"]["Refusal"].clone(),
    );
    schemas.extend(daicho_core::schema::schemas());
    let expected = with_schemas(&document, &schemas);
    if std::env::var_os("DAICHO_WRITE_OPENAPI").is_some() {
        std::fs::write(&path, expected).unwrap();
    } else {
        assert!(
            document == expected,
            "openapi.json's schemas differ from the Rust types': regenerate them with \
             DAICHO_WRITE_OPENAPI=1 cargo test -p daicho-server --test protocol openapi"
        );
    }
}

/// `document` with its `components/schemas` (the document's last member) written anew.
fn with_schemas(document: &str, schemas: &Map<String, Value>) -> String {
    let start = document
        .find("\n    \"schemas\": {")
        .expect("components/schemas last in openapi.json");
    let schemas = serde_json::to_string_pretty(schemas).unwrap();
    let schemas = schemas.replace('\n', "\n    ");
    format!(
        "{}\n    \"schemas\": {schemas}\n  }}\n}}\n",
        &document[..start]
    )
}
