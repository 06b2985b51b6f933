//! The endpoint's ingest speed (part of `tools/bench.sh`, never a test): 10,000 events from 10
//! devices pushed in batches of 1,000 through `event_log::push` (every hash and link checked,
//! each batch in one transaction), beside the floor of plain INSERTs of the same rows in the
//! same transactions, both into a fresh SQLite file (WAL) measured in this run.

use daicho_core::event::GENESIS_HASH;
use daicho_core::room::default_rooms;
use daicho_core::{DeviceId, Event, EventKind, Hlc};
use std::time::Instant;

const DEVICES: u64 = 10;
const PER_DEVICE: u64 = 1000;

fn chain(device: &str) -> Vec<Event> {
    let mut events: Vec<Event> = Vec::new();
    for seq in 1..=PER_DEVICE {
        let prev = events
            .last()
            .map_or(GENESIS_HASH.to_string(), |e| e.hash.clone());
        let mut room = default_rooms().remove(0);
        room.name = format!("計測{seq}");
        let hlc = Hlc {
            wall_ms: 1_790_000_000_000 + seq as i64,
            counter: 0,
        };
        let kind = EventKind::RoomDefined(room);
        events.push(Event::seal(
            DeviceId(device.into()),
            seq,
            hlc,
            "bench".into(),
            kind,
            &prev,
        ));
    }
    events
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let chains: Vec<Vec<Event>> = (0..DEVICES).map(|d| chain(&format!("bench-{d}"))).collect();
    let total = (DEVICES * PER_DEVICE) as f64;

    let dir = tempfile::tempdir()?;
    let pool = daicho_server::database::open(&dir.path().join("ingest.sqlite3")).await?;
    let started = Instant::now();
    for events in &chains {
        let outcome = daicho_server::event_log::push(&pool, events)
            .await
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        anyhow::ensure!(outcome.stored == events.len(), "all stored");
    }
    let ours = started.elapsed().as_secs_f64();
    pool.close().await;

    let dir = tempfile::tempdir()?;
    let pool = daicho_server::database::open(&dir.path().join("floor.sqlite3")).await?;
    let started = Instant::now();
    for events in &chains {
        let mut tx = pool.begin().await?;
        for e in events {
            sqlx::query(
                "INSERT INTO events (device, seq, hlc_wall_ms, hlc_counter, operator, kind, body, \
                 prev_hash, hash, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
    let floor = started.elapsed().as_secs_f64();
    pool.close().await;

    println!("\nDaichō endpoint ingest (SQLite, {total} events in batches of {PER_DEVICE})");
    println!(
        "verified push: {:.0} events/s ({ours:.2} s)  vs plain INSERTs {:.0} events/s ({floor:.2} s) → {:.2}× floor; target ≥ 5,000 events/s",
        total / ours,
        total / floor,
        ours / floor
    );
    Ok(())
}
