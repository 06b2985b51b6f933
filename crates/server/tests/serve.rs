//! The server as the browser sees it: the PWA shell, its caching, the API, the SQLite file.

mod common;

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
    assert_eq!(health["status"], "ok");
    assert_eq!(health["events"], 0);
    assert!(data_dir.join("daicho.sqlite3").exists());

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

#[tokio::test]
async fn a_restart_keeps_the_same_database_file() {
    let data = tempfile::tempdir().unwrap();
    let dist = tempfile::tempdir().unwrap();
    fake_dist(dist.path());
    for _ in 0..2 {
        let mut server = start(data.path(), dist.path()).await;
        let health = reqwest::get(format!("{}/api/health", server.base))
            .await
            .unwrap();
        assert_eq!(health.status(), 200);
        server.stop.take().unwrap().send(()).unwrap();
        server.task.await.unwrap().unwrap();
    }
    assert!(data.path().join("daicho.sqlite3").exists());
}
