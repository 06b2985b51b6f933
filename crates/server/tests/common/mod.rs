//! A server on a free port of 127.0.0.1 for the integration tests, stopped on request.
#![allow(dead_code)] // each test file uses part of it

use daicho_server::Config;
use std::net::{IpAddr, Ipv4Addr};
use std::path::Path;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

pub struct Running {
    pub base: String,
    pub stop: Option<oneshot::Sender<()>>,
    pub task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

pub async fn start(data: &Path, dist: &Path) -> Running {
    let config = Config {
        bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
        port: 0,
        data_dir: data.to_path_buf(),
        dist_dir: dist.to_path_buf(),
    };
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
        stop: Some(tx),
        task,
    }
}

impl Running {
    /// Stops the server and waits until it has closed its database.
    pub async fn shut_down(mut self) {
        self.stop.take().unwrap().send(()).unwrap();
        self.task.await.unwrap().unwrap();
    }
}
