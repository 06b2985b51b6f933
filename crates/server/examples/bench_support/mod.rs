//! What the endpoint benches share (`ingest`, `revocation`): a device that seals its chain and
//! pushes it over HTTP, signed as the client signs, to a server on 127.0.0.1 (the tests'
//! `common` server, SQLite in a temporary directory).
#![allow(dead_code)] // each bench uses part of it

#[path = "../../tests/common/mod.rs"]
pub mod common;

use daicho_core::event::GENESIS_HASH;
use daicho_core::{DeviceId, Event, EventKind, Hlc};
use std::time::{Duration, Instant};

/// A device's chain as it grows: the next seq and the hash to link to.
pub struct Sealer {
    pub device: String,
    seq: u64,
    prev: String,
}

impl Sealer {
    pub fn new(device: &str) -> Sealer {
        Sealer {
            device: device.into(),
            seq: 0,
            prev: GENESIS_HASH.into(),
        }
    }

    /// The next event of the chain: `kind`, recorded by `operator` at `wall_ms`.
    pub fn seal(&mut self, kind: EventKind, operator: &str, wall_ms: i64) -> Event {
        self.seq += 1;
        let hlc = Hlc {
            wall_ms,
            counter: 0,
        };
        let device = DeviceId(self.device.clone());
        let event = Event::seal(device, self.seq, hlc, operator.into(), kind, &self.prev);
        self.prev = event.hash.clone();
        event
    }
}

/// What one push answered, and how long it took.
pub struct Pushed {
    pub status: u16,
    pub seconds: f64,
}

/// Pushes `events` as `device`, signed; waits at most `timeout` for the answer (a client's
/// patience), answering status 0 when it runs out.
pub async fn push(
    base: &str,
    device: &common::Device,
    events: &[Event],
    timeout: Duration,
) -> Pushed {
    let body = serde_json::to_vec(&serde_json::json!({ "events": events })).expect("serialises");
    let url = format!("{base}/api/events");
    let started = Instant::now();
    let sent = device
        .request(reqwest::Method::POST, &url, &body)
        .header("content-type", "application/json")
        .timeout(timeout)
        .body(body)
        .send()
        .await;
    let status = sent.map_or(0, |r| r.status().as_u16());
    Pushed {
        status,
        seconds: started.elapsed().as_secs_f64(),
    }
}

/// The middle value of `seconds` (sorted in place).
pub fn median(seconds: &mut [f64]) -> f64 {
    seconds.sort_by(f64::total_cmp);
    seconds.get(seconds.len() / 2).copied().unwrap_or(0.0)
}

/// A server on 127.0.0.1 with a fresh SQLite file in `dir` (no PWA to serve). Its devices
/// all enroll from 127.0.0.1: the per-address enrollment limit is opened for them.
pub async fn start(dir: &std::path::Path) -> common::Running {
    let dist = dir.join("dist");
    std::fs::create_dir_all(&dist).expect("dist dir");
    common::start_configured(&dir.join("data"), &dist, |config| {
        config.enroll_burst = 1000
    })
    .await
}
