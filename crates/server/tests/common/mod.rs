//! A server on a free port of 127.0.0.1 for the integration tests, stopped on request.
//!
//! The engine: a temporary SQLite file by default; PostgreSQL when `DAICHO_TEST_POSTGRES` names
//! a server (`postgres://daicho@127.0.0.1:54329`), on a fresh database for each test. The same
//! tests run unchanged on either (`tools/postgres-tests.sh` runs them on PostgreSQL).
#![allow(dead_code)] // each test file uses part of it

use daicho_server::Config;
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
