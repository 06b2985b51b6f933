//! A server on a free port of 127.0.0.1 for the integration tests, stopped on request.
//!
//! The engine: a temporary SQLite file by default; PostgreSQL when `DAICHO_TEST_POSTGRES` names
//! a server (`postgres://daicho@127.0.0.1:54329`), on a fresh database for each test. The same
//! tests run unchanged on either (`tools/postgres-tests.sh` runs them on PostgreSQL). On
//! PostgreSQL the server runs as in production: it migrates as the role of that URL, which owns
//! the test's database, and serves as the runtime role `daicho_app` (or
//! `DAICHO_TEST_POSTGRES_RUNTIME_ROLE`), which may only read and append.
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
    /// The URL of the server's database as its owner, for tests that open it beside the server
    /// (as an administrator would, or an attacker holding the owner's password).
    pub database: String,
    /// The same database as the role the server serves as (on SQLite, the same file).
    pub runtime_database: String,
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
    start_configured(data, dist, |_| {}).await
}

/// A server whose configuration `configure` changes first (its limits, say).
pub async fn start_configured(
    data: &Path,
    dist: &Path,
    configure: impl FnOnce(&mut Config),
) -> Running {
    let owner_url = postgres_database(data).await;
    let mut config = Config {
        bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
        port: 0,
        data_dir: data.to_path_buf(),
        dist_dir: dist.to_path_buf(),
        database_url: owner_url.as_deref().map(runtime_url),
        migrate_database_url: owner_url.clone(),
        log_origin: Some("daicho.test/log".into()),
        header_timeout: 10,
        body_timeout: 30,
        max_connections: 512,
        enroll_burst: 10,
        enroll_interval: 6,
    };
    configure(&mut config);
    let runtime_database = config.database_url().unwrap();
    let database = owner_url.unwrap_or_else(|| runtime_database.clone());
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
        runtime_database,
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

/// The role the server serves as on PostgreSQL; tools/postgres-tests.sh creates it.
pub fn runtime_role() -> String {
    std::env::var("DAICHO_TEST_POSTGRES_RUNTIME_ROLE").unwrap_or_else(|_| "daicho_app".into())
}

/// `owner_url` with the runtime role as its user (the test cluster trusts local connections).
fn runtime_url(owner_url: &str) -> String {
    let mut url = url::Url::parse(owner_url).unwrap();
    url.set_username(&runtime_role()).unwrap();
    url.set_password(None).unwrap();
    url.to_string()
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

/// A log key for tests that push through `event_log` directly, beside no server.
pub fn log_key() -> daicho_server::log_key::LogKey {
    daicho_server::log_key::LogKey::new("daicho.test/log", SigningKey::from_bytes(&[42; 32]))
        .unwrap()
}

/// `device` pushes `events` (signed now): the status and the JSON answer.
pub async fn push_events(device: &Device, base: &str, events: &[Event]) -> (u16, Value) {
    let body = serde_json::to_vec(&json!({ "events": events })).unwrap();
    let response = device
        .request(reqwest::Method::POST, &format!("{base}/api/events"), &body)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Rows of `table` in the server's database, read beside it (what a refusal must not add to).
pub async fn rows(server: &Running, table: &str) -> i64 {
    let pool = server.open_database().await;
    let count = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(&pool)
        .await
        .unwrap();
    pool.close().await;
    count
}

/// `daicho-server verify` on the live database passes: the summary of what it checked.
pub async fn verifies(server: &Running) -> daicho_server::archive::Summary {
    let pool = server.open_database().await;
    let outcome = daicho_server::archive::verify_database(&pool, None).await;
    pool.close().await;
    outcome
        .unwrap()
        .unwrap_or_else(|bad| panic!("verify: {bad}"))
}

/// Asserts a refusal: its status and code, and both messages present.
pub fn assert_refused(answer: &(u16, Value), status: u16, code: &str) {
    assert_eq!(answer.0, status, "{}", answer.1);
    assert_eq!(answer.1["code"], code, "{}", answer.1);
    assert!(answer.1["message_ja"]
        .as_str()
        .is_some_and(|m| !m.is_empty()));
    assert!(answer.1["message_en"]
        .as_str()
        .is_some_and(|m| !m.is_empty()));
}
