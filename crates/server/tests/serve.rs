//! The server as the browser sees it: the PWA shell, its caching, the API, its database.

mod common;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use common::start;
use std::path::Path;

fn fake_dist(dir: &Path) {
    std::fs::write(dir.join("index.html"), "<html>台帳</html>").unwrap();
    std::fs::write(dir.join("sw.js"), "// worker").unwrap();
    std::fs::write(dir.join("daicho-0123456789abcdef_bg.wasm"), b"\0asm").unwrap();
}

#[tokio::test]
async fn serves_the_shell_api_and_creates_the_database() {
    let data = tempfile::tempdir().unwrap();
    let dist = tempfile::tempdir().unwrap();
    fake_dist(dist.path());
    let data_dir = data.path().join("nested/data");
    let mut server = start(&data_dir, dist.path()).await;

    let health: serde_json::Value = reqwest::get(format!("{}/api/health", server.base))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    // Liveness only: the figures are for enrolled devices (attacks_network.rs).
    assert_eq!(
        health,
        serde_json::json!({ "status": "ok", "version": env!("CARGO_PKG_VERSION") })
    );
    if common::engine() == "sqlite" {
        assert!(data_dir.join("daicho.sqlite3").exists());
        let pool = server.open_database().await;
        let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(mode, "wal");
        pool.close().await;
    }

    // A route of the app is answered with the shell.
    let route = reqwest::get(format!("{}/rooms/default-level-2", server.base))
        .await
        .unwrap();
    assert_eq!(route.status(), 200);
    assert_eq!(route.text().await.unwrap(), "<html>台帳</html>");

    let sw = reqwest::get(format!("{}/sw.js", server.base))
        .await
        .unwrap();
    assert_eq!(sw.headers()["cache-control"], "no-cache");
    let wasm = reqwest::get(format!("{}/daicho-0123456789abcdef_bg.wasm", server.base))
        .await
        .unwrap();
    assert!(wasm.headers()["cache-control"]
        .to_str()
        .unwrap()
        .contains("immutable"));

    server.stop.take().unwrap().send(()).unwrap();
    server.task.await.unwrap().unwrap();
    assert!(
        reqwest::get(format!("{}/api/health", server.base))
            .await
            .is_err(),
        "the server stopped"
    );
}

/// What one run stores, the next finds: a code made in the first enrolls a device in the second.
#[tokio::test]
async fn a_restart_keeps_the_same_database() {
    let data = tempfile::tempdir().unwrap();
    let dist = tempfile::tempdir().unwrap();
    fake_dist(dist.path());
    let first = start(data.path(), dist.path()).await;
    let pool = first.open_database().await;
    let code = daicho_server::devices::create_code(&pool, 10, daicho_server::now_ms())
        .await
        .unwrap();
    pool.close().await;
    first.shut_down().await;

    let second = start(data.path(), dist.path()).await;
    let key = ed25519_dalek::SigningKey::from_bytes(&[1; 32]).verifying_key();
    let enrolled = reqwest::Client::new()
        .post(format!("{}/api/devices", second.base))
        .json(&serde_json::json!({
            "code": code,
            "device": "tablet-a",
            "public_key": BASE64.encode(key.to_bytes()),
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(enrolled.status(), 201);
    second.shut_down().await;
    if common::engine() == "sqlite" {
        assert!(data.path().join("daicho.sqlite3").exists());
    }
}

/// A build file goes out as the precompressed variant the client accepts (brotli before gzip),
/// with `Vary: accept-encoding`, and as it is to a client that accepts neither; the API's JSON
/// is compressed on the fly for a client that accepts it.
#[tokio::test]
async fn build_files_go_out_precompressed_and_the_api_compressed() {
    let data = tempfile::tempdir().unwrap();
    let dist = tempfile::tempdir().unwrap();
    fake_dist(dist.path());
    let wasm = "daicho-0123456789abcdef_bg.wasm";
    std::fs::write(dist.path().join(format!("{wasm}.br")), b"brotli bytes").unwrap();
    std::fs::write(dist.path().join(format!("{wasm}.gz")), b"gzip bytes").unwrap();
    let server = start(data.path(), dist.path()).await;
    let client = reqwest::Client::new();
    let get = |path: String, accept: &'static str| {
        let request = client.get(format!("{}{path}", server.base));
        let request = match accept {
            "" => request,
            accept => request.header("accept-encoding", accept),
        };
        async move { request.send().await.unwrap() }
    };
    for (accept, encoding, body) in [
        ("gzip, deflate, br", Some("br"), &b"brotli bytes"[..]),
        ("gzip", Some("gzip"), &b"gzip bytes"[..]),
        ("", None, &b"\0asm"[..]),
    ] {
        let answer = get(format!("/{wasm}"), accept).await;
        let headers = answer.headers().clone();
        assert_eq!(
            headers.get("content-encoding").map(|v| v.to_str().unwrap()),
            encoding,
            "{accept}"
        );
        assert_eq!(headers["vary"], "accept-encoding", "{accept}");
        assert_eq!(headers["content-type"], "application/wasm", "{accept}");
        assert_eq!(&answer.bytes().await.unwrap()[..], body, "{accept}");
    }
    let openapi = get("/api/openapi.json".into(), "gzip").await;
    assert_eq!(openapi.headers()["content-encoding"], "gzip");
    let plain = get("/api/openapi.json".into(), "").await;
    assert!(plain.headers().get("content-encoding").is_none());
    server.shut_down().await;
}
