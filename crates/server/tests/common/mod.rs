//! A server on a free port of 127.0.0.1 for the integration tests, stopped on request.
//!
//! The engine: a temporary SQLite file by default; PostgreSQL when `DAICHO_TEST_POSTGRES` names
//! a server (`postgres://daicho@127.0.0.1:54329`), on a fresh database for each test. The same
//! tests run unchanged on either (`tools/postgres-tests.sh` runs them on PostgreSQL).
#![allow(dead_code)] // each test file uses part of it

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use daicho_core::Event;
use daicho_server::devices::{content_digest, signature_base};
use daicho_server::Config;
use ed25519_dalek::{Signer, SigningKey};
use serde_json::{json, Value};
use sqlx::AnyPool;
use std::net::{IpAddr, Ipv4Addr};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

pub struct Running {
    pub base: String,
    /// The URL of the server's database, for tests that open it beside the server.
    pub database: String,
    pub stop: Option<oneshot::Sender<()>>,
    pub task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

/// The engine the tests run on, as `/api/health` names it.
pub fn engine() -> &'static str {
    if postgres_server().is_some() {
        "postgres"
    } else {
        "sqlite"
    }
}

fn postgres_server() -> Option<String> {
    std::env::var("DAICHO_TEST_POSTGRES")
        .ok()
        .filter(|url| !url.is_empty())
}

pub async fn start(data: &Path, dist: &Path) -> Running {
    let config = Config {
        bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
        port: 0,
        data_dir: data.to_path_buf(),
        dist_dir: dist.to_path_buf(),
        database_url: postgres_database(data).await,
        log_origin: Some("daicho.test/log".into()),
    };
    let database = config.database_url().unwrap();
    let listener = TcpListener::bind(config.socket_addr()).await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(daicho_server::serve(listener, config, async {
        let _ = rx.await;
    }));
    // Wait until the database is open and the server answers.
    for _ in 0..100 {
        if reqwest::get(format!("{base}/api/health")).await.is_ok() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    Running {
        base,
        database,
        stop: Some(tx),
        task,
    }
}

/// On PostgreSQL, the database of the server on `data`: made for it on the first start and
/// remembered in `data`, so that a restart finds the same one (as it finds the SQLite file).
async fn postgres_database(data: &Path) -> Option<String> {
    let server = postgres_server()?;
    let remembered = data.join("postgres-database-url");
    if let Ok(url) = std::fs::read_to_string(&remembered) {
        return Some(url);
    }
    let url = daicho_server::database::create_postgres_database(&server, &unique_name())
        .await
        .unwrap();
    std::fs::create_dir_all(data).unwrap();
    std::fs::write(&remembered, &url).unwrap();
    Some(url)
}

/// Unique among the test processes run against one cluster, and among runs.
fn unique_name() -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    format!("daicho_test_{}_{nanos}_{n}", std::process::id())
}

impl Running {
    /// The server's database, opened beside it as the CLI commands open it.
    pub async fn open_database(&self) -> AnyPool {
        daicho_server::database::open(&self.database).await.unwrap()
    }

    /// Stops the server and waits until it has closed its database.
    pub async fn shut_down(mut self) {
        self.stop.take().unwrap().send(()).unwrap();
        self.task.await.unwrap().unwrap();
    }
}

// An enrolled device, as the tests drive one: its chain, its signed requests, its enrollment.

/// A chain of `n` events of `device`; `label` tells two histories of one device apart.
pub fn chain(device: &str, n: u64, label: &str) -> Vec<Event> {
    daicho_core::chain::test_chain(device, n, label, "kanri")
}

/// An enrolled device: its id and key.
pub struct Device {
    pub id: String,
    pub key: SigningKey,
}

impl Device {
    /// Signs a request as the client does: the covered parts, each on its line. `path` is the
    /// path and query as sent (`/api/events?after=0`).
    pub fn sign(&self, method: &str, path: &str, body: &[u8], at_ms: i64) -> Vec<(String, String)> {
        let digest = content_digest(body);
        let timestamp = at_ms.to_string();
        let base = signature_base(&self.id, &timestamp, method, path, &digest);
        let signature = BASE64.encode(self.key.sign(base.as_bytes()).to_bytes());
        vec![
            ("daicho-device".into(), self.id.clone()),
            ("daicho-timestamp".into(), timestamp),
            ("content-digest".into(), digest),
            ("daicho-signature".into(), signature),
        ]
    }

    /// A signed request to `url` (its path and query signed), as the client makes it.
    pub fn request(
        &self,
        method: reqwest::Method,
        url: &str,
        body: &[u8],
    ) -> reqwest::RequestBuilder {
        let parsed = url::Url::parse(url).unwrap();
        let path = match parsed.query() {
            Some(query) => format!("{}?{query}", parsed.path()),
            None => parsed.path().to_string(),
        };
        let mut request = reqwest::Client::new().request(method.clone(), url);
        for (name, value) in self.sign(method.as_str(), &path, body, now_ms()) {
            request = request.header(name, value);
        }
        request
    }
}

pub fn now_ms() -> i64 {
    daicho_server::now_ms()
}

/// A one-time code, made as `daicho-server enroll-token` makes it.
pub async fn code(server: &Running, minutes: i64) -> String {
    let pool = server.open_database().await;
    let code = daicho_server::devices::create_code(&pool, minutes, now_ms())
        .await
        .unwrap();
    pool.close().await;
    code
}

pub async fn enroll_with(base: &str, code: &str, id: &str, key: &SigningKey) -> (u16, Value) {
    let public_key = BASE64.encode(key.verifying_key().to_bytes());
    let response = reqwest::Client::new()
        .post(format!("{base}/api/devices"))
        .json(&json!({ "code": code, "device": id, "public_key": public_key }))
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

pub async fn enroll(server: &Running, id: &str, seed: u8) -> Device {
    let key = SigningKey::from_bytes(&[seed; 32]);
    let code = code(server, 10).await;
    assert_eq!(enroll_with(&server.base, &code, id, &key).await.0, 201);
    Device { id: id.into(), key }
}
