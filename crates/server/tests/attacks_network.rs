//! The endpoint against an open network (issue 14): slow and too many connections, bodies
//! declared too large or sent too slowly, media types, unknown paths and methods, what the
//! health answer tells an outsider, enrollment codes guessed at speed, timestamps that
//! overflowed the replay window. Each attack gets its coded answer, stores nothing, and the
//! log still verifies. Raw TCP where a well-behaved client cannot make the attack.

mod common;

use common::{chain, code, enroll, enroll_with, now_ms, start_configured, Device, Running};
use daicho_server::devices::CLOCK_WINDOW_MS;
use daicho_server::Config;
use ed25519_dalek::SigningKey;
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use tempfile::TempDir;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A server with a device that pushed two events and pulled them (so a checkpoint covers the
/// log), and what it stored then, to compare with after each attack.
struct Target {
    server: Running,
    device: Device,
    before: Stored,
    _dirs: (TempDir, TempDir),
}

/// What an attack must leave as it was.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
struct Stored {
    events: i64,
    devices: i64,
    codes_used: i64,
    security_exceptions: i64,
}

async fn target(configure: impl FnOnce(&mut Config)) -> Target {
    let data = tempfile::tempdir().unwrap();
    let dist = tempfile::tempdir().unwrap();
    std::fs::write(dist.path().join("index.html"), "<html>台帳</html>").unwrap();
    let server = start_configured(data.path(), dist.path(), configure).await;
    let device = enroll(&server, "tablet-a", 1).await;
    let body = serde_json::to_vec(&json!({ "events": chain("tablet-a", 2, "a") })).unwrap();
    let (status, _) = send(
        &device,
        &server.base,
        "POST",
        "/api/events",
        &body,
        now_ms(),
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = send(&device, &server.base, "GET", "/api/events", b"", now_ms()).await;
    assert_eq!(status, 200);
    let before = stored(&server).await;
    assert_eq!((before.events, before.devices), (2, 1));
    Target {
        server,
        device,
        before,
        _dirs: (data, dist),
    }
}

impl Target {
    /// Nothing stored since `before`, and the log verifies.
    async fn assert_untouched(&self) {
        assert_eq!(stored(&self.server).await, self.before, "nothing stored");
        assert_verifies(&self.server).await;
    }

    fn addr(&self) -> String {
        self.server.base.trim_start_matches("http://").to_string()
    }
}

async fn stored(server: &Running) -> Stored {
    let pool = server.open_database().await;
    let count = |sql: &'static str| {
        let pool = pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>(sql)
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    let stored = Stored {
        events: count("SELECT COUNT(*) FROM events").await,
        devices: count("SELECT COUNT(*) FROM devices").await,
        codes_used: count("SELECT COUNT(*) FROM enrollment_codes WHERE used_at IS NOT NULL").await,
        security_exceptions: count("SELECT COUNT(*) FROM security_exceptions").await,
    };
    pool.close().await;
    stored
}

async fn assert_verifies(server: &Running) {
    let pool = server.open_database().await;
    let outcome = daicho_server::archive::verify_database(&pool, None)
        .await
        .unwrap();
    assert!(outcome.is_ok(), "verify: {outcome:?}");
    pool.close().await;
}

/// A request signed by `device` at `at_ms`: its status and JSON body.
async fn send(
    device: &Device,
    base: &str,
    method: &str,
    path: &str,
    body: &[u8],
    at_ms: i64,
) -> (u16, Value) {
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut request = reqwest::Client::new()
        .request(method.clone(), format!("{base}{path}"))
        .header("content-type", "application/json");
    for (name, value) in device.sign(method.as_str(), path, body, at_ms) {
        request = request.header(name, value);
    }
    let response = request.body(body.to_vec()).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// A refusal's status and code.
fn refusal(answer: &(u16, Value)) -> (u16, &str) {
    (answer.0, answer.1["code"].as_str().unwrap_or("(no code)"))
}

/// An HTTP/1.1 answer read off a raw connection.
#[derive(Debug)]
struct RawAnswer {
    status: u16,
    headers: String,
    body: Value,
}

/// Reads one answer (headers, then as many body bytes as `Content-Length` says).
async fn read_answer(stream: &mut TcpStream) -> RawAnswer {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break end + 4;
        }
        let n = stream.read(&mut chunk).await.unwrap();
        assert!(
            n > 0,
            "closed before an answer: {:?}",
            String::from_utf8_lossy(&buffer)
        );
        buffer.extend_from_slice(&chunk[..n]);
    };
    let headers = String::from_utf8_lossy(&buffer[..head_end]).to_lowercase();
    let status = headers[9..12].parse().unwrap();
    let length: usize = headers
        .lines()
        .find_map(|line| line.strip_prefix("content-length:"))
        .map_or(0, |v| v.trim().parse().unwrap());
    while buffer.len() < head_end + length {
        let n = stream.read(&mut chunk).await.unwrap();
        assert!(n > 0, "closed in the answer's body");
        buffer.extend_from_slice(&chunk[..n]);
    }
    let body = serde_json::from_slice(&buffer[head_end..head_end + length]).unwrap_or(Value::Null);
    RawAnswer {
        status,
        headers,
        body,
    }
}

/// Waits until the server closes `stream` (end of file or reset), reading whatever it sends;
/// how long that took.
async fn closed_after(mut stream: TcpStream, started: Instant) -> (Duration, Vec<u8>) {
    let mut received = Vec::new();
    let mut chunk = [0u8; 1024];
    loop {
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return (started.elapsed(), received),
            Ok(n) => received.extend_from_slice(&chunk[..n]),
        }
    }
}

/// Row "300 connections sending headers slowly": each is closed once the header timeout is
/// up, and the server answers others meanwhile.
#[tokio::test]
async fn slow_headers_are_cut_off_at_the_header_timeout() {
    let target = target(|c| c.header_timeout = 2).await;
    let request = b"GET /api/health HTTP/1.1\r\nHost: daicho\r\nUser-Agent: slow\r\n\r\n";
    let started = Instant::now();
    let mut slow = Vec::new();
    for _ in 0..8 {
        let stream = TcpStream::connect(target.addr()).await.unwrap();
        let (mut reader, mut writer) = stream.into_split();
        // A header byte every half second: the request would take 30 s to arrive.
        let dripping = tokio::spawn(async move {
            for byte in request {
                if writer.write_all(&[*byte]).await.is_err() {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        });
        let closed = tokio::spawn(async move {
            let mut received = Vec::new();
            let _ = reader.read_to_end(&mut received).await;
            (started.elapsed(), received)
        });
        slow.push((dripping, closed));
    }
    // Meanwhile a client that sends its request at once is answered at once.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let asked = Instant::now();
    let health = reqwest::get(format!("{}/api/health", target.server.base))
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    assert!(
        asked.elapsed() < Duration::from_millis(500),
        "{:?}",
        asked.elapsed()
    );

    for (dripping, closed) in slow {
        let (after, received) = closed.await.unwrap();
        dripping.abort();
        assert!(
            after >= Duration::from_millis(1800) && after < Duration::from_secs(6),
            "closed after {after:?}"
        );
        assert!(
            !String::from_utf8_lossy(&received).contains(" 200 "),
            "never answered as a request"
        );
    }
    target.assert_untouched().await;
}

/// Row "a cap on open connections": past `max_connections` a client waits to be accepted
/// until a connection closes (here the idle ones, at the header timeout).
#[tokio::test]
async fn connections_past_the_cap_wait_for_a_free_slot() {
    let target = target(|c| {
        c.max_connections = 3;
        c.header_timeout = 2;
    })
    .await;
    // The three connections the cap allows: each answered once (so surely accepted), then
    // kept alive and idle.
    let started = Instant::now();
    let mut idle = Vec::new();
    for _ in 0..3 {
        let mut stream = TcpStream::connect(target.addr()).await.unwrap();
        let request = b"GET /api/health HTTP/1.1\r\nHost: daicho\r\n\r\n";
        stream.write_all(request).await.unwrap();
        assert_eq!(read_answer(&mut stream).await.status, 200);
        idle.push(tokio::spawn(closed_after(stream, started)));
    }

    let asked = Instant::now();
    let health = reqwest::get(format!("{}/api/health", target.server.base))
        .await
        .unwrap();
    let waited = asked.elapsed();
    assert_eq!(health.status(), 200);
    // Not served while the three held their slots, served once they were closed.
    assert!(
        waited >= Duration::from_millis(1500) && waited < Duration::from_secs(6),
        "the fourth waited {waited:?}"
    );
    for connection in idle {
        let (after, received) = connection.await.unwrap();
        assert!(
            after < Duration::from_secs(6),
            "idle closed after {after:?}"
        );
        assert!(received.is_empty(), "nothing more was answered");
    }
    target.assert_untouched().await;
}

/// Row "`Content-Length` 50 MiB, then silent": `413 body_too_large` at once, before any byte
/// of the body, signed or not.
#[tokio::test]
async fn a_declared_oversize_body_is_refused_at_once() {
    let target = target(|_| {}).await;
    let declared = 50 * 1024 * 1024;
    for path in ["/api/events", "/api/devices"] {
        let mut stream = TcpStream::connect(target.addr()).await.unwrap();
        let mut head = format!(
            "POST {path} HTTP/1.1\r\nHost: daicho\r\nContent-Type: application/json\r\n\
             Content-Length: {declared}\r\n"
        );
        for (name, value) in target.device.sign("POST", path, b"{}", now_ms()) {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        stream.write_all(head.as_bytes()).await.unwrap();
        let asked = Instant::now();
        let answer = tokio::time::timeout(Duration::from_secs(2), read_answer(&mut stream))
            .await
            .expect("answered without waiting for the body");
        assert!(asked.elapsed() < Duration::from_secs(1));
        assert_eq!(answer.status, 413, "{answer:?}");
        assert_eq!(answer.body["code"], "body_too_large", "{answer:?}");
        assert!(
            answer.headers.contains("content-type: application/json"),
            "{answer:?}"
        );
    }
    target.assert_untouched().await;
}

/// A body that trickles in (a byte every 200 ms: never idle long) is cut off when the whole
/// body has not arrived within the body timeout: `408 request_timeout`.
#[tokio::test]
async fn a_body_sent_too_slowly_is_refused_with_408() {
    let target = target(|c| c.body_timeout = 1).await;
    let code = code(&target.server, 10).await;
    let key = public_key(&SigningKey::from_bytes(&[9; 32]));
    let enrollment = json!({ "code": code, "device": "slow-1", "public_key": key }).to_string();
    let mut stream = TcpStream::connect(target.addr()).await.unwrap();
    let head = format!(
        "POST /api/devices HTTP/1.1\r\nHost: daicho\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n",
        enrollment.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let (mut reader, mut writer) = stream.into_split();
    let body = enrollment.into_bytes();
    let dripping = tokio::spawn(async move {
        for byte in body {
            if writer.write_all(&[byte]).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    });
    let started = Instant::now();
    let mut stream_back = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), async {
        let mut chunk = [0u8; 1024];
        while !String::from_utf8_lossy(&stream_back).contains('}') {
            match reader.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(n) => stream_back.extend_from_slice(&chunk[..n]),
            }
        }
    })
    .await;
    dripping.abort();
    let answer = String::from_utf8_lossy(&stream_back).to_string();
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains(r#""code":"request_timeout""#), "{answer}");
    let after = started.elapsed();
    assert!(
        after < Duration::from_millis(2500),
        "answered after {after:?}"
    );
    // The code was never spent: it still enrolls.
    target.assert_untouched().await;
    let key = SigningKey::from_bytes(&[9; 32]);
    let enrolled = enroll_with(&target.server.base, &code, "slow-1", &key).await;
    assert_eq!(enrolled.0, 201, "{enrolled:?}");
}

fn public_key(key: &SigningKey) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(key.verifying_key().to_bytes())
}

/// Row "`application/jsonp` / `Application/JSON`": the media type is parsed, so case and
/// parameters do not matter and look-alikes are refused `415 wrong_content_type`, before the
/// code is looked up.
#[tokio::test]
async fn the_media_type_is_application_json_in_any_case() {
    let target = target(|_| {}).await;
    let code = code(&target.server, 10).await;
    let key = SigningKey::from_bytes(&[7; 32]);
    let enrollment = json!({ "code": code, "device": "tablet-b", "public_key": public_key(&key) });
    let enroll_as = |media_type: &'static str| {
        reqwest::Client::new()
            .post(format!("{}/api/devices", target.server.base))
            .header("content-type", media_type)
            .body(enrollment.to_string())
            .send()
    };
    for look_alike in [
        "application/jsonp",
        "application/json-seq",
        "text/json",
        "application/json; charset=latin1",
    ] {
        let response = enroll_as(look_alike).await.unwrap();
        let answer = (response.status().as_u16(), response.json().await.unwrap());
        assert_eq!(
            refusal(&answer),
            (415, "wrong_content_type"),
            "{look_alike}"
        );
    }
    target.assert_untouched().await;

    let response = enroll_as("Application/JSON; charset=UTF-8").await.unwrap();
    assert_eq!(response.status(), 201);
    // A signed push reads its media type the same way.
    let tablet_b = Device {
        id: "tablet-b".into(),
        key,
    };
    let body = serde_json::to_vec(&json!({ "events": chain("tablet-b", 1, "b") })).unwrap();
    let mut push = reqwest::Client::new()
        .post(format!("{}/api/events", target.server.base))
        .header("content-type", "APPLICATION/json;charset=utf-8");
    for (name, value) in tablet_b.sign("POST", "/api/events", &body, now_ms()) {
        push = push.header(name, value);
    }
    assert_eq!(push.body(body).send().await.unwrap().status(), 200);
    let after = stored(&target.server).await;
    assert_eq!((after.events, after.devices), (3, 2));
}

/// Row "wrong method; unknown `/api/…` path": coded JSON, `405 method_not_allowed` (with
/// `Allow`) and `404 not_found`; other paths are still the app's.
#[tokio::test]
async fn unknown_api_paths_and_wrong_methods_are_coded() {
    let target = target(|_| {}).await;
    let base = &target.server.base;
    let client = reqwest::Client::new();
    let ask = |method: &str, path: &str| {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        client.request(method, format!("{base}{path}")).send()
    };
    for (method, path) in [
        ("GET", "/api/nothing"),
        ("POST", "/api/nothing"),
        ("DELETE", "/api/events/1"),
        ("GET", "/api"),
        ("PUT", "/api/health/more"),
    ] {
        let response = ask(method, path).await.unwrap();
        assert_eq!(response.headers()["content-type"], "application/json");
        let answer = (response.status().as_u16(), response.json().await.unwrap());
        assert_eq!(refusal(&answer), (404, "not_found"), "{method} {path}");
        assert!(answer.1["message_ja"]
            .as_str()
            .is_some_and(|m| !m.is_empty()));
    }
    for (method, path, allow) in [
        ("DELETE", "/api/events", "GET,HEAD,POST"),
        ("PUT", "/api/health", "GET,HEAD"),
        ("GET", "/api/devices", "POST"),
    ] {
        let response = ask(method, path).await.unwrap();
        let allowed = response.headers()["allow"].to_str().unwrap().to_string();
        let mut allowed: Vec<&str> = allowed.split(',').map(str::trim).collect();
        allowed.sort_unstable();
        assert_eq!(allowed.join(","), allow, "{method} {path}");
        let answer = (response.status().as_u16(), response.json().await.unwrap());
        assert_eq!(
            refusal(&answer),
            (405, "method_not_allowed"),
            "{method} {path}"
        );
    }
    let page = ask("GET", "/rooms/apiary").await.unwrap();
    assert_eq!(page.status(), 200);
    assert_eq!(page.text().await.unwrap(), "<html>台帳</html>");
    target.assert_untouched().await;
}

/// Row "`GET /api/health` anonymously": status and version only; the figures to an enrolled
/// device's signed request; a bad signature refused as anywhere else.
#[tokio::test]
async fn health_tells_outsiders_only_that_it_is_alive() {
    let target = target(|_| {}).await;
    let base = &target.server.base;
    let anonymous: Value = reqwest::get(format!("{base}/api/health"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        anonymous,
        json!({ "status": "ok", "version": env!("CARGO_PKG_VERSION") })
    );

    let signed = send(&target.device, base, "GET", "/api/health", b"", now_ms()).await;
    assert_eq!(signed.0, 200);
    assert_eq!(
        signed.1,
        json!({
            "status": "ok",
            "version": env!("CARGO_PKG_VERSION"),
            "database": common::engine(),
            "events": 2,
            "rule_breaks": 0,
            "security_exceptions": 0,
        })
    );

    // The device's id with another key's signature; a device never enrolled; half the headers.
    let impostor = Device {
        id: "tablet-a".into(),
        key: SigningKey::from_bytes(&[2; 32]),
    };
    let forged = send(&impostor, base, "GET", "/api/health", b"", now_ms()).await;
    assert_eq!(refusal(&forged), (401, "bad_signature"));
    let stranger = Device {
        id: "tablet-z".into(),
        key: SigningKey::from_bytes(&[3; 32]),
    };
    let unknown = send(&stranger, base, "GET", "/api/health", b"", now_ms()).await;
    assert_eq!(refusal(&unknown), (401, "unknown_device"));
    let half = reqwest::Client::new()
        .get(format!("{base}/api/health"))
        .header("daicho-device", "tablet-a")
        .send()
        .await
        .unwrap();
    let half = (half.status().as_u16(), half.json().await.unwrap());
    assert_eq!(refusal(&half), (401, "unsigned"));
    target.assert_untouched().await;
}

/// Row "200 guessed enrollment codes": past the burst an address gets `429
/// too_many_attempts` with `Retry-After`, even with the right code, which is not looked up
/// (nor spent); after the wait it enrolls.
#[tokio::test]
async fn enrollment_attempts_are_limited_per_address() {
    let target = target(|c| {
        c.enroll_burst = 3;
        c.enroll_interval = 2;
    })
    .await;
    let base = &target.server.base;
    let key = SigningKey::from_bytes(&[5; 32]);
    let good = code(&target.server, 10).await;
    let enroll_good = || {
        reqwest::Client::new()
            .post(format!("{base}/api/devices"))
            .json(&json!({ "code": good, "device": "tablet-g", "public_key": public_key(&key) }))
            .send()
    };
    // Guesses until the address is limited: the burst of 3, less the fixture's enrollment
    // (and plus what came back since, on a slow machine).
    let mut guesses = 0;
    loop {
        let code = format!("0000-0000-0000-0000-{guesses:04}");
        let answer = enroll_with(base, &code, "tablet-g", &key).await;
        if answer.0 == 429 {
            break;
        }
        assert_eq!(refusal(&answer), (400, "unknown_code"));
        guesses += 1;
        assert!(guesses <= 4, "never limited");
    }
    assert!(guesses >= 1);
    // Right away the right code: refused all the same, and not spent.
    let limited = enroll_good().await.unwrap();
    let retry_after: u64 = limited.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=2).contains(&retry_after), "Retry-After: {retry_after}");
    let answer = (limited.status().as_u16(), limited.json().await.unwrap());
    assert_eq!(refusal(&answer), (429, "too_many_attempts"));
    target.assert_untouched().await;

    // After the wait it says, the code enrolls.
    tokio::time::sleep(Duration::from_secs(retry_after) + Duration::from_millis(100)).await;
    let enrolled = enroll_good().await.unwrap();
    assert_eq!(enrolled.status(), 201);
    let after = stored(&target.server).await;
    assert_eq!((after.devices, after.codes_used), (2, 2));
    assert_verifies(&target.server).await;
}

/// Row "timestamps of `i64::MIN + now`": however far the timestamp, `401 clock_skew`, on a
/// pull and on a push (nothing stored).
#[tokio::test]
async fn timestamps_far_from_now_never_overflow_the_window() {
    let target = target(|_| {}).await;
    let base = &target.server.base;
    let now = now_ms();
    let push = serde_json::to_vec(&json!({ "events": chain("tablet-a", 3, "a") })).unwrap();
    for at in [
        i64::MIN,
        i64::MIN + now,
        i64::MIN + now + 1,
        i64::MAX,
        i64::MAX - now,
        -now,
        0,
        now + CLOCK_WINDOW_MS + 60_000,
        now - CLOCK_WINDOW_MS - 60_000,
    ] {
        let pull = send(&target.device, base, "GET", "/api/events", b"", at).await;
        assert_eq!(refusal(&pull), (401, "clock_skew"), "pull at {at}");
        let pushed = send(&target.device, base, "POST", "/api/events", &push, at).await;
        assert_eq!(refusal(&pushed), (401, "clock_skew"), "push at {at}");
    }
    target.assert_untouched().await;
}
