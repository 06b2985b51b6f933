//! The shared event log: batches pushed by devices, stored when they continue the device's
//! chain (daicho-core `chain`), and pulled by every device in the order the endpoint stored
//! them. A batch is stored whole in one transaction, or not at all.

use crate::database::{self, Engine};
use crate::log_key::LogKey;
use crate::rule_check::{Folded, RuleCache};
use crate::{now_ms, rule_check, sign_in_check};
use daicho_core::api::PushOutcome;
use daicho_core::chain::{check_continuation, check_event, ChainRefusal, StoredChain};
use daicho_core::{DeviceId, Event};
use sqlx::{Any, AnyPool, Row, Transaction};
use std::collections::BTreeMap;

pub use daicho_core::sync_limits::MAX_BATCH_EVENTS;

#[derive(Debug)]
pub enum PushError {
    /// The batch does not continue the device's chain.
    Chain(ChainRefusal),
    /// More events than one push may carry.
    TooManyEvents {
        count: usize,
    },
    Database(sqlx::Error),
}

impl From<sqlx::Error> for PushError {
    fn from(e: sqlx::Error) -> Self {
        PushError::Database(e)
    }
}

/// The stored part of one device's chain that a batch touches: the event before it and those
/// it overlaps, and the device's head.
struct ChainWindow {
    events: BTreeMap<u64, Event>,
    head: u64,
}

impl StoredChain for ChainWindow {
    fn at(&self, seq: u64) -> Option<&Event> {
        self.events.get(&seq)
    }

    fn head_seq(&self) -> u64 {
        self.head
    }
}

/// Stores `batch` (one device's events, ascending) if it continues that device's chain,
/// re-checks the rules with the fold `rules` keeps, and signs the grown tree with `log`, all
/// in one transaction.
pub async fn push(
    pool: &AnyPool,
    log: &LogKey,
    rules: &RuleCache,
    batch: &[Event],
) -> Result<PushOutcome, PushError> {
    if batch.len() > MAX_BATCH_EVENTS {
        return Err(PushError::TooManyEvents { count: batch.len() });
    }
    // Each event on its own first: nothing of a batch with a forged clock, a seq 0 or a NUL
    // reaches the transaction.
    let now = now_ms();
    for event in batch {
        check_event(event, now).map_err(PushError::Chain)?;
    }
    let (Some(first), Some(last)) = (batch.first(), batch.last()) else {
        return Ok(PushOutcome {
            stored: 0,
            already_stored: 0,
            rule_breaks: 0,
        });
    };
    let mut tx = begin_log_write(pool).await?;
    let window = read_window(
        &mut tx,
        &first.device,
        first.seq.saturating_sub(1),
        last.seq,
    )
    .await?;
    let continuation = match check_continuation(&window, batch) {
        Ok(c) => c,
        Err(refusal) => {
            tx.rollback().await?;
            if let ChainRefusal::Fork { seq } = refusal {
                raise_exception(pool, &first.device, seq, &refusal).await?;
            }
            return Err(PushError::Chain(refusal));
        }
    };
    let new_events = continuation.new_events(batch);
    let mut rules = rules.lock().await;
    let stored = store_checked(&mut tx, log, &mut rules, new_events).await;
    let committed = match stored {
        Ok(breaks) => tx.commit().await.map(|()| breaks),
        Err(e) => Err(e),
    };
    // The fold may hold events of a batch that was not stored after all.
    let breaks = committed.inspect_err(|_| rules.forget())?;
    Ok(PushOutcome {
        stored: new_events.len(),
        already_stored: continuation.already_stored,
        rule_breaks: breaks,
    })
}

/// Stores `new_events` in the push's transaction `tx` with all that follows from them: their
/// leaves and the signed tree, the rule breaks and the sign-ins that do not verify.
async fn store_checked(
    tx: &mut Transaction<'static, Any>,
    log: &LogKey,
    rules: &mut Folded,
    new_events: &[Event],
) -> sqlx::Result<usize> {
    insert_all(tx, new_events).await?;
    crate::transparency::append_new(tx).await?;
    crate::transparency::sign_tree(tx, log).await?;
    let breaks = rule_check::breaks_in(tx, rules, new_events).await?;
    rule_check::record(tx, &breaks).await?;
    let unverified = sign_in_check::unverified(tx, new_events).await?;
    sign_in_check::raise(tx, &unverified).await?;
    Ok(breaks.len())
}

/// The PostgreSQL advisory lock of the log's writer (any number the rest of the database does
/// not use: "daicho" in ASCII).
const LOG_WRITER_LOCK: i64 = 0x6461_6963_686f;

/// A transaction that is the log's only writer until it ends. Positions are handed out at
/// insert but seen by pullers at commit: were two pushes to overlap, the later position could
/// commit first, a puller move its cursor past it, and the earlier position, committed after,
/// never be pulled. One push at a time makes positions visible in order. It also keeps two
/// pushes of one device from both passing the chain check on the same head. Every write to
/// the log (events, tree, checkpoints) goes through it.
pub async fn begin_log_write(pool: &AnyPool) -> sqlx::Result<Transaction<'static, Any>> {
    // On SQLite, begin_write's write lock is already the only one.
    let mut tx = database::begin_write(pool).await?;
    if Engine::of(pool) == Engine::Postgres {
        // A lock every writer of the log takes, released at commit; not the pulls' reads. An
        // advisory lock, not LOCK TABLE: that mode needs UPDATE or DELETE on the table, which
        // the server's role does not have (runtime_role.rs). Wrapped in a COUNT because the
        // Any driver cannot read the `void` the lock function answers.
        sqlx::query("SELECT COUNT(*) FROM (SELECT pg_advisory_xact_lock($1)) AS locked")
            .bind(LOG_WRITER_LOCK)
            .execute(&mut *tx)
            .await?;
    }
    Ok(tx)
}

async fn read_window(
    tx: &mut Transaction<'_, Any>,
    device: &DeviceId,
    from: u64,
    to: u64,
) -> Result<ChainWindow, PushError> {
    let head: Option<i64> = sqlx::query_scalar("SELECT MAX(seq) FROM events WHERE device = $1")
        .bind(&device.0)
        .fetch_one(&mut **tx)
        .await?;
    let rows = sqlx::query("SELECT body FROM events WHERE device = $1 AND seq BETWEEN $2 AND $3")
        .bind(&device.0)
        .bind(from as i64)
        .bind(to as i64)
        .fetch_all(&mut **tx)
        .await?;
    let mut events = BTreeMap::new();
    for row in rows {
        let event = parse(row.get::<String, _>("body"))?;
        events.insert(event.seq, event);
    }
    Ok(ChainWindow {
        events,
        head: head.unwrap_or(0) as u64,
    })
}

/// Rows per INSERT statement: one statement per event cost more than the chain check and the
/// rules together (10 parameters a row keeps a statement well under both engines' limits).
const ROWS_PER_INSERT: usize = 100;

/// Stores `events` in the open push transaction, many rows per statement.
async fn insert_all(tx: &mut Transaction<'_, Any>, events: &[Event]) -> sqlx::Result<()> {
    let engine = Engine::of_connection(tx);
    for chunk in events.chunks(ROWS_PER_INSERT) {
        let sql = insert_statement(engine, chunk.len());
        let mut query = sqlx::query(&sql);
        let received_at = now_ms();
        for event in chunk {
            let body = serde_json::to_string(event).expect("events always serialise");
            query = query
                .bind(event.device.0.clone())
                .bind(event.seq as i64)
                .bind(event.hlc.wall_ms)
                .bind(event.hlc.counter as i64)
                .bind(event.operator.clone())
                .bind(event.kind.tag().as_str())
                .bind(body)
                .bind(event.prev_hash.clone())
                .bind(event.hash.clone())
                .bind(received_at);
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
}

/// `INSERT … VALUES ($1, …, $10), ($11, …, $20), …` for `rows` events (`?` on SQLite).
fn insert_statement(engine: Engine, rows: usize) -> String {
    format!(
        "INSERT INTO events (device, seq, hlc_wall_ms, hlc_counter, operator, kind, body, \
         prev_hash, hash, received_at) VALUES {}",
        database::values_rows(engine, rows, 10)
    )
}

/// Records a refusal that is a security exception (kept even though the batch is not), in a
/// write transaction of its own: the push's was rolled back.
async fn raise_exception(
    pool: &AnyPool,
    device: &DeviceId,
    seq: u64,
    refusal: &ChainRefusal,
) -> Result<(), PushError> {
    let (code, detail) = (refusal.code(), refusal.message_ja());
    let mut tx = database::begin_write(pool).await?;
    insert_exception(&mut tx, &device.0, seq, code.as_str(), &detail).await?;
    tx.commit().await?;
    Ok(())
}

/// Records one security exception (a fork, a sign-in that does not verify …) in `tx`: the
/// first time a device's (code, seq) is raised, its row in `security_exceptions` (evidence,
/// never changed); every time, its count and last time in `security_exception_counts`. So a
/// device repeating a refused fork adds no row. The upsert takes the count's row lock, so two
/// raising it at once cannot both write the first row.
pub async fn insert_exception(
    tx: &mut Transaction<'_, Any>,
    device: &str,
    seq: u64,
    code: &str,
    detail: &str,
) -> sqlx::Result<()> {
    let now = now_ms();
    let occurrences: i64 = sqlx::query_scalar(
        "INSERT INTO security_exception_counts (device, code, seq, occurrences, last_seen_at) \
         VALUES ($1, $2, $3, 1, $4) \
         ON CONFLICT (device, code, seq) DO UPDATE SET \
         occurrences = security_exception_counts.occurrences + 1, \
         last_seen_at = excluded.last_seen_at \
         RETURNING occurrences",
    )
    .bind(device)
    .bind(code)
    .bind(seq as i64)
    .bind(now)
    .fetch_one(&mut **tx)
    .await?;
    if occurrences == 1 {
        sqlx::query(
            "INSERT INTO security_exceptions (device, seq, code, detail, raised_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(device)
        .bind(seq as i64)
        .bind(code)
        .bind(detail)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// A page of the log, as a device pulls it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PulledPage {
    pub events: Vec<Event>,
    /// Where the next page starts (pass as `after`).
    pub cursor: i64,
    /// True when the page reached the end of the log (for now).
    pub done: bool,
}

/// A page of the log: the events stored after `after` (a cursor from an earlier page; 0 for
/// the start), in the order they were stored, and the cursor after them.
pub async fn pull(pool: &AnyPool, after: i64, limit: i64) -> sqlx::Result<(Vec<Event>, i64)> {
    let page = pull_for(pool, after, limit, None).await?;
    Ok((page.events, page.cursor))
}

/// A page of at most `limit` stored events after `after`, without those of `device` (it has
/// its own already). The cursor moves past the skipped ones too, so a device that pushed ten
/// thousand events is not walked through them page by page to get nothing.
pub async fn pull_for(
    pool: &AnyPool,
    after: i64,
    limit: i64,
    device: Option<&str>,
) -> sqlx::Result<PulledPage> {
    // pos is the order of storing, and positions become visible in order (begin_log_write):
    // every position up to the head read first is committed, so the page read after it, up
    // to that head, misses nothing a later commit could fill in.
    let head: Option<i64> = sqlx::query_scalar("SELECT MAX(pos) FROM events")
        .fetch_one(pool)
        .await?;
    let head = head.unwrap_or(0);
    let rows = sqlx::query(
        "SELECT pos, body FROM events WHERE pos > $1 AND pos <= $2 AND device <> $3 \
         ORDER BY pos LIMIT $4",
    )
    .bind(after)
    .bind(head)
    .bind(device.unwrap_or_default().to_string())
    .bind(limit)
    .fetch_all(pool)
    .await?;
    let done = (rows.len() as i64) < limit;
    let last = rows.last().map(|row| row.get::<i64, _>("pos"));
    let cursor = if done {
        head.max(after)
    } else {
        last.unwrap_or(after)
    };
    let events = rows
        .into_iter()
        .map(|row| {
            parse(row.get::<String, _>("body")).map_err(|e| match e {
                PushError::Database(e) => e,
                other => sqlx::Error::Decode(format!("{other:?}").into()),
            })
        })
        .collect::<sqlx::Result<Vec<Event>>>()?;
    Ok(PulledPage {
        events,
        cursor,
        done,
    })
}

/// How many security exceptions were raised, for the health answer and the tests: one per
/// device, code and seq, however often it recurred.
pub async fn exception_count(pool: &AnyPool) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT COUNT(*) FROM security_exception_counts")
        .fetch_one(pool)
        .await
}

fn parse(body: String) -> Result<Event, PushError> {
    serde_json::from_str(&body).map_err(|e| PushError::Database(sqlx::Error::Decode(Box::new(e))))
}
