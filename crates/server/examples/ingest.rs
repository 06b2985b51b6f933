//! The endpoint's ingest speed (part of `tools/bench.sh`, never a test): 10,000 events from 10
//! devices pushed in batches of 1,000 through `event_log::push` (every hash and link checked,
//! each batch in one transaction), beside the floor of plain INSERTs of the same rows in the
//! same transactions, both into a fresh SQLite file (WAL) measured in this run. With
//! `DATABASE_URL=postgres://…` set, both go into fresh databases on that PostgreSQL server
//! instead (made for the run and dropped after).

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
    Ok(())
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
