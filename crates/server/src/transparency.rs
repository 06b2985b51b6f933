//! The transparency log: an RFC 6962 Merkle tree over every accepted event, in pull order
//! (daicho-core `merkle`; an event's leaf is `Event::leaf_hash`), and the checkpoints the
//! endpoint signs of it (`log_key`).
//!
//! `log_tree` holds every *perfect* subtree by `(level, idx)`, level 0 being the leaves (each
//! with its event's `pos`). Such a subtree never changes once complete, so the rows are only
//! ever inserted, about two per event; the root and any proof are a few of them folded, never
//! a pass over the leaves.

use crate::database::{self, Engine};
use crate::log_key::LogKey;
use daicho_core::merkle::{self, Frontier, Hash};
use sqlx::{Any, AnyConnection, AnyPool, Row, Transaction};
use std::collections::HashMap;

/// Rows per INSERT into `log_tree` (4 parameters a row).
const ROWS_PER_INSERT: usize = 200;

/// How many leaves the tree has, and the pos of the last one's event.
async fn leaf_head(conn: &mut AnyConnection) -> sqlx::Result<(u64, i64)> {
    let last: Option<i64> = sqlx::query_scalar("SELECT MAX(idx) FROM log_tree WHERE level = 0")
        .fetch_one(&mut *conn)
        .await?;
    let Some(last) = last else {
        return Ok((0, 0));
    };
    let pos: Option<i64> =
        sqlx::query_scalar("SELECT pos FROM log_tree WHERE level = 0 AND idx = $1")
            .bind(last)
            .fetch_one(&mut *conn)
            .await?;
    Ok((last as u64 + 1, pos.unwrap_or(0)))
}

pub async fn tree_size(pool: &AnyPool) -> sqlx::Result<u64> {
    let mut conn = pool.acquire().await?;
    Ok(leaf_head(&mut conn).await?.0)
}

/// The stored perfect subtrees `keys` names, by `(level, idx)`.
async fn subtrees(
    conn: &mut AnyConnection,
    keys: &[(u32, u64)],
) -> sqlx::Result<HashMap<(u32, u64), Hash>> {
    let mut found = HashMap::new();
    for chunk in keys.chunks(200) {
        let clauses: Vec<String> = (0..chunk.len())
            .map(|i| format!("(level = ${} AND idx = ${})", 2 * i + 1, 2 * i + 2))
            .collect();
        let sql = format!(
            "SELECT level, idx, hash FROM log_tree WHERE {}",
            clauses.join(" OR ")
        );
        let mut query = sqlx::query(&sql);
        for &(level, idx) in chunk {
            query = query.bind(level as i64).bind(idx as i64);
        }
        for row in query.fetch_all(&mut *conn).await? {
            let key = (
                row.get::<i64, _>("level") as u32,
                row.get::<i64, _>("idx") as u64,
            );
            found.insert(key, decode(&row.get::<String, _>("hash"))?);
        }
    }
    Ok(found)
}

/// The hashes of the subtrees `keys` names, in that order; an error if one is missing.
async fn subtree_hashes(conn: &mut AnyConnection, keys: &[(u32, u64)]) -> sqlx::Result<Vec<Hash>> {
    let found = subtrees(conn, keys).await?;
    keys.iter()
        .map(|k| {
            found
                .get(k)
                .copied()
                .ok_or_else(|| sqlx::Error::Decode(format!("log_tree has no subtree {k:?}").into()))
        })
        .collect()
}

fn decode(hex_hash: &str) -> sqlx::Result<Hash> {
    hex::decode(hex_hash)
        .ok()
        .and_then(|h| h.try_into().ok())
        .ok_or_else(|| sqlx::Error::Decode(format!("not a hash: {hex_hash}").into()))
}

/// The right edge of the tree of `size` leaves.
async fn frontier(conn: &mut AnyConnection, size: u64) -> sqlx::Result<Frontier> {
    let peaks = subtree_hashes(conn, &merkle::perfect_subtrees(0..size)).await?;
    Ok(Frontier::from_peaks(size, peaks).expect("one hash per perfect subtree"))
}

/// Appends every stored event the tree does not have yet, in pos order, inside the log's
/// write transaction (so leaves follow pulls' order, and commit with their events). Answers
/// the new tree size.
pub async fn append_new(tx: &mut Transaction<'_, Any>) -> sqlx::Result<u64> {
    let (size, last_pos) = leaf_head(tx).await?;
    let rows = sqlx::query("SELECT pos, hash FROM events WHERE pos > $1 ORDER BY pos")
        .bind(last_pos)
        .fetch_all(&mut **tx)
        .await?;
    if rows.is_empty() {
        return Ok(size);
    }
    let mut tree = frontier(tx, size).await?;
    let mut nodes: Vec<(u32, u64, Hash, Option<i64>)> = Vec::with_capacity(rows.len() * 2);
    for row in rows {
        let pos: i64 = row.get("pos");
        let hash: String = row.get("hash");
        for (level, idx, node) in tree.push(merkle::leaf_hash(hash.as_bytes())) {
            nodes.push((level, idx, node, (level == 0).then_some(pos)));
        }
    }
    let engine = Engine::of_connection(tx);
    for chunk in nodes.chunks(ROWS_PER_INSERT) {
        let sql = format!(
            "INSERT INTO log_tree (level, idx, hash, pos) VALUES {}",
            database::values_rows(engine, chunk.len(), 4)
        );
        let mut query = sqlx::query(&sql);
        for (level, idx, node, pos) in chunk {
            query = query
                .bind(*level as i64)
                .bind(*idx as i64)
                .bind(hex::encode(node))
                .bind(*pos);
        }
        query.execute(&mut **tx).await?;
    }
    Ok(tree.size())
}

/// Brings the tree up to every stored event (a database from before the log, or events
/// written by other means than a push), in a log write of its own.
pub async fn catch_up(pool: &AnyPool) -> sqlx::Result<u64> {
    let mut tx = crate::event_log::begin_log_write(pool).await?;
    let size = append_new(&mut tx).await?;
    tx.commit().await?;
    Ok(size)
}

/// The latest signed checkpoint, as a signed note: the one of the current tree, signed now if
/// the tree grew since the last. Every checkpoint signed is kept (`log_checkpoints`).
pub async fn checkpoint(pool: &AnyPool, key: &LogKey) -> sqlx::Result<String> {
    let mut conn = pool.acquire().await?;
    sign_tree(&mut conn, key).await
}

/// `checkpoint` on `conn`: a pool's connection, or the push's transaction (which signs the
/// tree its events grew, so no committed event is ever covered by no checkpoint).
pub(crate) async fn sign_tree(conn: &mut AnyConnection, key: &LogKey) -> sqlx::Result<String> {
    let (size, _) = leaf_head(conn).await?;
    let signed: Option<String> =
        sqlx::query_scalar("SELECT note FROM log_checkpoints WHERE size = $1")
            .bind(size as i64)
            .fetch_optional(&mut *conn)
            .await?;
    if let Some(note) = signed {
        return Ok(note);
    }
    let root = frontier(conn, size).await?.root();
    let note = key.sign(size, root);
    // Two signers at once sign the same text with the same key: the same note, kept once.
    sqlx::query(
        "INSERT INTO log_checkpoints (size, note, signed_at) VALUES ($1, $2, $3) \
         ON CONFLICT (size) DO NOTHING",
    )
    .bind(size as i64)
    .bind(&note)
    .bind(crate::now_ms())
    .execute(&mut *conn)
    .await?;
    Ok(note)
}

/// Why a proof cannot be given.
#[derive(Debug)]
pub enum ProofRefusal {
    /// `from` > `to`, or `to` past the tree's size.
    BadSizes {
        from: u64,
        to: u64,
        size: u64,
    },
    Database(sqlx::Error),
}

impl From<sqlx::Error> for ProofRefusal {
    fn from(e: sqlx::Error) -> Self {
        ProofRefusal::Database(e)
    }
}

/// The consistency proof from the tree of `from` leaves to the tree of `to` (RFC 6962 §2.1.2).
pub async fn consistency_proof(
    pool: &AnyPool,
    from: u64,
    to: u64,
) -> Result<Vec<Hash>, ProofRefusal> {
    let mut conn = pool.acquire().await?;
    let (size, _) = leaf_head(&mut conn).await?;
    if from > to || to > size {
        return Err(ProofRefusal::BadSizes { from, to, size });
    }
    let ranges = merkle::consistency_ranges(from, to);
    let parts: Vec<Vec<(u32, u64)>> = ranges.into_iter().map(merkle::perfect_subtrees).collect();
    let keys: Vec<(u32, u64)> = parts.iter().flatten().copied().collect();
    let found = subtrees(&mut conn, &keys).await?;
    let hash = |k: &(u32, u64)| {
        found.get(k).copied().ok_or_else(|| {
            ProofRefusal::Database(sqlx::Error::Decode(
                format!("log_tree has no subtree {k:?}").into(),
            ))
        })
    };
    parts
        .iter()
        .map(|p| {
            Ok(merkle::fold_right(
                &p.iter().map(hash).collect::<Result<Vec<_>, _>>()?,
            ))
        })
        .collect()
}

/// The root of the tree of `size` leaves (≤ the current size), from the stored subtrees.
pub async fn root_at(pool: &AnyPool, size: u64) -> sqlx::Result<Hash> {
    let mut conn = pool.acquire().await?;
    Ok(frontier(&mut conn, size).await?.root())
}
