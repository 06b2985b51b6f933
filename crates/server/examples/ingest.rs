//! The endpoint's ingest speed (part of `tools/bench.sh`, never a test): 10,000 events from 10
//! devices pushed in batches of 1,000 through `event_log::push` (every hash and link checked,
//! each batch in one transaction), beside the floor of plain INSERTs of the same rows in the
//! same transactions, both into a fresh SQLite file (WAL) measured in this run. With
//! `DATABASE_URL=postgres://…` set, both go into fresh databases on that PostgreSQL server
//! instead (made for the run and dropped after).
//!
//! Then concurrent ingest over HTTP: 20 enrolled devices (`INGEST_DEVICES`) each push 500
//! logbook entries at once (signed requests to a server on 127.0.0.1, a fresh SQLite file;
//! `INGEST_BATCH` events a push, 500 by default: a device's whole outbox, as the PWA sends it), checked afterwards
//! (count, each device's seqs 1..=500 once, `verify_database`), beside plain INSERTs of the
//! same rows, a device's batch a transaction.

mod bench_support;

use bench_support::{common, Sealer};

use daicho_core::Event;
use sqlx::AnyPool;
use std::time::Instant;

const DEVICES: u64 = 10;
const PER_DEVICE: u64 = 1000;

fn chain(device: &str) -> Vec<Event> {
    daicho_core::chain::test_chain(device, PER_DEVICE, "計測", "bench")
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let chains: Vec<Vec<Event>> = (0..DEVICES).map(|d| chain(&format!("bench-{d}"))).collect();
    let total = (DEVICES * PER_DEVICE) as f64;

    let scratch = Scratch::new("ingest").await?;
    let ours = verified_pushes(&scratch.pool, &chains).await?;
    let engine = scratch.engine();
    scratch.remove().await?;
    let scratch = Scratch::new("floor").await?;
    let floor = plain_inserts(&scratch.pool, &chains).await?;
    scratch.remove().await?;

    println!("\nDaichō endpoint ingest ({engine}, {total} events in batches of {PER_DEVICE})");
    println!(
        "verified push: {:.0} events/s ({ours:.2} s)  vs plain INSERTs {:.0} events/s ({floor:.2} s) → {:.2}× floor; target ≥ 5,000 events/s",
        total / ours,
        total / floor,
        ours / floor
    );
    concurrent().await
}

const HTTP_DEVICES: usize = 20;
const HTTP_PER_DEVICE: usize = 500;

/// 20 devices pushing 500 entries each at once over HTTP, beside plain INSERTs.
async fn concurrent() -> anyhow::Result<()> {
    let batch = setting("INGEST_BATCH", HTTP_PER_DEVICE);
    let device_count = setting("INGEST_DEVICES", HTTP_DEVICES);
    let chains: Vec<Vec<Event>> = (0..device_count).map(entries).collect();
    let total = (device_count * HTTP_PER_DEVICE) as f64;
    let dir = tempfile::tempdir()?;
    let server = bench_support::start(dir.path()).await;
    let mut devices = Vec::new();
    for d in 0..device_count {
        devices.push(common::enroll(&server, &device_name(d), d as u8 + 1).await);
    }
    let started = Instant::now();
    let mut pushing = tokio::task::JoinSet::new();
    for (device, events) in devices.into_iter().zip(chains.clone()) {
        let base = server.base.clone();
        pushing.spawn(async move {
            for part in events.chunks(batch) {
                let timeout = std::time::Duration::from_secs(120);
                let pushed = bench_support::push(&base, &device, part, timeout).await;
                anyhow::ensure!(
                    pushed.status == 200,
                    "{} answered {}",
                    device.id,
                    pushed.status
                );
            }
            anyhow::Ok(())
        });
    }
    while let Some(done) = pushing.join_next().await {
        done??;
    }
    let ours = started.elapsed().as_secs_f64();
    let checked = check_stored(server, dir.path(), device_count).await?;
    let scratch = Scratch::new("concurrent-floor").await?;
    let floor = plain_inserts(&scratch.pool, &batches(&chains, batch)).await?;
    scratch.remove().await?;
    println!(
        "\nDaichō concurrent ingest over HTTP ({} engine, {device_count} devices × {HTTP_PER_DEVICE} entries at once, {batch} a push)",
        common::engine()
    );
    println!(
        "verified events/s: {:.0} ({ours:.2} s)  vs plain INSERTs {:.0} events/s ({floor:.2} s) → {:.2}× floor; target ≥ 5,000; {checked}",
        total / ours,
        total / floor,
        ours / floor
    );
    Ok(())
}

/// A number from the environment, or `default`.
fn setting(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn device_name(d: usize) -> String {
    format!("ingest-{d:02}")
}

/// Device `d`'s 500 logbook entries (no register id, as on paper: sync is measured, not
/// thousands of rule breaks), a second apart, a day ago.
fn entries(d: usize) -> Vec<Event> {
    let mut chain = Sealer::new(&device_name(d));
    let start = daicho_server::now_ms() - 86_400_000;
    (0..HTTP_PER_DEVICE)
        .map(|n| {
            let at_ms = start + n as i64 * 1000;
            let at = chrono::DateTime::from_timestamp_millis(at_ms).expect("in range");
            let entry = daicho_core::EntryRecorded::new(
                "default-level-1",
                "計測 花子",
                "総務課",
                "計測",
                true,
                at,
            );
            chain.seal(daicho_core::EventKind::EntryRecorded(entry), "bench", at_ms)
        })
        .collect()
}

/// Each chain cut into pushes of `batch` events.
fn batches(chains: &[Vec<Event>], batch: usize) -> Vec<Vec<Event>> {
    chains
        .iter()
        .flat_map(|c| c.chunks(batch).map(<[Event]>::to_vec))
        .collect()
}

/// Nothing lost, nothing twice, and the log verifies (live, or else after a restart, which
/// signs a checkpoint over the tail): what the check found, or the error. Stops the server.
async fn check_stored(
    server: common::Running,
    dir: &std::path::Path,
    device_count: usize,
) -> anyhow::Result<String> {
    let pool = server.open_database().await;
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM events")
        .fetch_one(&pool)
        .await?;
    anyhow::ensure!(
        count as usize == device_count * HTTP_PER_DEVICE,
        "{count} events stored"
    );
    for d in 0..device_count {
        let seqs: Vec<i64> =
            sqlx::query_scalar("SELECT seq FROM events WHERE device = $1 ORDER BY seq")
                .bind(device_name(d))
                .fetch_all(&pool)
                .await?;
        let expected: Vec<i64> = (1..=HTTP_PER_DEVICE as i64).collect();
        anyhow::ensure!(
            seqs == expected,
            "{}: seqs not 1..={HTTP_PER_DEVICE} once each",
            device_name(d)
        );
    }
    let live = daicho_server::archive::verify_database(&pool, None).await?;
    pool.close().await;
    server.shut_down().await;
    let stored = format!("{count} stored, 0 lost, 0 duplicated");
    let Err(problem) = live else {
        return Ok(format!("{stored}, verify OK"));
    };
    let server = bench_support::start(dir).await;
    let pool = server.open_database().await;
    let restarted = daicho_server::archive::verify_database(&pool, None).await?;
    pool.close().await;
    server.shut_down().await;
    match restarted {
        Ok(_) => Ok(format!(
            "{stored}, verify OK after a restart (live: {} {})",
            problem.record, problem.what
        )),
        Err(problem) => anyhow::bail!("verify: {problem:?}"),
    }
}

/// Seconds to store every chain through the endpoint's push.
async fn verified_pushes(pool: &AnyPool, chains: &[Vec<Event>]) -> anyhow::Result<f64> {
    let key = ed25519_dalek::SigningKey::from_bytes(&[7; 32]);
    let log = daicho_server::log_key::LogKey::new("daicho.bench/log", key)?;
    let rules = daicho_server::rule_check::RuleCache::default();
    let started = Instant::now();
    for events in chains {
        let outcome = daicho_server::event_log::push(pool, &log, &rules, events)
            .await
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        anyhow::ensure!(outcome.stored == events.len(), "all stored");
    }
    Ok(started.elapsed().as_secs_f64())
}

/// Seconds to INSERT the same rows, a chain per transaction, checking nothing.
async fn plain_inserts(pool: &AnyPool, chains: &[Vec<Event>]) -> anyhow::Result<f64> {
    let started = Instant::now();
    for events in chains {
        let mut tx = pool.begin().await?;
        for e in events {
            sqlx::query(
                "INSERT INTO events (device, seq, hlc_wall_ms, hlc_counter, operator, kind, body, \
                 prev_hash, hash, received_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(&e.device.0)
            .bind(e.seq as i64)
            .bind(e.hlc.wall_ms)
            .bind(e.hlc.counter as i64)
            .bind(&e.operator)
            .bind("room_defined")
            .bind(serde_json::to_string(e)?)
            .bind(&e.prev_hash)
            .bind(&e.hash)
            .bind(0_i64)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
    }
    Ok(started.elapsed().as_secs_f64())
}

/// A fresh, empty database for one measurement.
struct Scratch {
    pool: AnyPool,
    /// The PostgreSQL server and the database made on it, to drop after.
    postgres: Option<(String, String)>,
    _dir: tempfile::TempDir,
}

impl Scratch {
    async fn new(label: &str) -> anyhow::Result<Scratch> {
        let dir = tempfile::tempdir()?;
        let server = std::env::var("DATABASE_URL").ok().filter(|u| !u.is_empty());
        let (url, postgres) = match server {
            Some(server) => {
                let name = format!("daicho_bench_{label}_{}", std::process::id());
                let url = daicho_server::database::create_postgres_database(&server, &name).await?;
                (url, Some((server, name)))
            }
            None => {
                let file = dir.path().join(format!("{label}.sqlite3"));
                (daicho_server::database::sqlite_url(&file)?, None)
            }
        };
        let pool = daicho_server::database::open(&url).await?;
        Ok(Scratch {
            pool,
            postgres,
            _dir: dir,
        })
    }

    fn engine(&self) -> &'static str {
        daicho_server::database::Engine::of(&self.pool).name()
    }

    async fn remove(self) -> anyhow::Result<()> {
        self.pool.close().await;
        if let Some((server, name)) = &self.postgres {
            daicho_server::database::drop_postgres_database(server, name).await?;
        }
        Ok(())
    }
}
