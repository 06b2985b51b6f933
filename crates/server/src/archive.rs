//! Evidence anyone can check offline. `export` writes the whole log as JSON lines: a header
//! with the log's public keys, every device's public key, every event in pull order (its
//! stored body verbatim) with each signed checkpoint after the event that completed its tree.
//! `verify` reads such an archive, or the live database, and checks every event's hash, every
//! chain link of every device (daicho-core `chain`), the Merkle root at every checkpoint and
//! every checkpoint's signature; it names the first bad record.
//!
//! Devices sign their requests, not their events, and the endpoint keeps no request
//! signatures: an event's authenticity rests on its chain and on the signed checkpoints.

use crate::log_key;
use daicho_core::chain::{check_continuation, StoredChain};
use daicho_core::checkpoint::{self, Checkpoint, Verifier};
use daicho_core::merkle::Frontier;
use daicho_core::{DeviceId, Event};
use serde::{Deserialize, Serialize};
use sqlx::{AnyPool, Row};
use std::collections::{BTreeSet, HashMap, VecDeque};
use std::fmt;
use std::io::{BufRead, Write};

/// The first line of an archive names its format.
pub const FORMAT: &str = "daicho-archive/1";

/// One line of an archive.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "record", rename_all = "snake_case")]
enum Line {
    Archive {
        format: String,
        exported_at: i64,
        /// Every key the log signed with, as verifier keys.
        log_keys: Vec<String>,
    },
    Device {
        device: String,
        /// Ed25519, 32 raw bytes, base64.
        public_key: String,
        enrolled_at: i64,
        revoked_at: Option<i64>,
    },
    Event {
        pos: i64,
        /// Exactly in its canonical form: a field added beside what the hash covers is found.
        #[serde(deserialize_with = "exact_event")]
        event: Box<Event>,
    },
    Checkpoint {
        size: u64,
        note: String,
    },
}

fn exact_event<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Box<Event>, D::Error> {
    daicho_core::canonical::exact_event(d).map(Box::new)
}

/// What is wrong, and where: the first bad record found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The record: `event tablet-a:3 (pos 17)`, `checkpoint 12`, `line 40`.
    pub record: String,
    pub what: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.record, self.what)
    }
}

fn problem<T>(record: impl Into<String>, what: impl Into<String>) -> Result<T, Problem> {
    Err(Problem {
        record: record.into(),
        what: what.into(),
    })
}

/// What a good log holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub events: u64,
    pub devices: usize,
    pub checkpoints: u64,
    pub tree_size: u64,
    pub root: String,
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "OK: {} events, {} devices, tree size {}, root {}, {} checkpoints verified",
            self.events, self.devices, self.tree_size, self.root, self.checkpoints
        )
    }
}

/// The last event seen of one device: all of its chain a next event needs.
struct Head<'a>(Option<&'a Event>);

impl StoredChain for Head<'_> {
    fn at(&self, seq: u64) -> Option<&Event> {
        self.0.filter(|e| e.seq == seq)
    }

    fn head_seq(&self) -> u64 {
        self.0.map_or(0, |e| e.seq)
    }
}

/// The checks, record after record, in pull order.
pub struct Audit {
    log_keys: Vec<Verifier>,
    devices: BTreeSet<String>,
    heads: HashMap<DeviceId, Event>,
    tree: Frontier,
    checkpoints: u64,
    /// The tree size the last good checkpoint signed, and the pos of the first event after it.
    signed: u64,
    first_unsigned_pos: Option<i64>,
    last_pos: i64,
}

impl Audit {
    /// Checks against these log keys (verifier keys).
    pub fn new(log_keys: &[String]) -> Result<Audit, Problem> {
        let log_keys = log_keys
            .iter()
            .map(|k| Verifier::from_vkey(k).or_else(|e| problem("log key", e.message_en())))
            .collect::<Result<Vec<_>, _>>()?;
        if log_keys.is_empty() {
            return problem("log key", "no key to check checkpoints with");
        }
        Ok(Audit {
            log_keys,
            devices: BTreeSet::new(),
            heads: HashMap::new(),
            tree: Frontier::default(),
            checkpoints: 0,
            signed: 0,
            first_unsigned_pos: None,
            last_pos: 0,
        })
    }

    pub fn device(&mut self, device: &str) {
        self.devices.insert(device.to_string());
    }

    /// The event stored at `pos`, next in pull order.
    pub fn event(&mut self, pos: i64, event: &Event) -> Result<(), Problem> {
        let record = format!("event {} (pos {pos})", event.id());
        if pos <= self.last_pos {
            return problem(record, "out of order: pos not after the one before");
        }
        if !self.devices.contains(&event.device.0) {
            return problem(record, "from a device that was never enrolled");
        }
        if !event.hash_is_valid() {
            return problem(record, "its hash does not match its content (changed)");
        }
        let head = Head(self.heads.get(&event.device));
        match check_continuation(&head, std::slice::from_ref(event)) {
            Ok(c) if c.already_stored == 0 => {}
            Ok(_) => return problem(record, "stored twice"),
            Err(refusal) => return problem(record, refusal.message_en()),
        }
        self.heads.insert(event.device.clone(), event.clone());
        self.tree.push(event.leaf_hash());
        self.first_unsigned_pos.get_or_insert(pos);
        self.last_pos = pos;
        Ok(())
    }

    /// A signed checkpoint, after the event that completed its tree.
    pub fn checkpoint(&mut self, size: u64, note: &str) -> Result<(), Problem> {
        let record = format!("checkpoint {size}");
        let opened = self
            .log_keys
            .iter()
            .map(|key| checkpoint::open(note, key))
            .find(|c| !matches!(c, Err(checkpoint::NoteError::NotSignedByKey)))
            .unwrap_or(Err(checkpoint::NoteError::NotSignedByKey));
        let head: Checkpoint = opened.or_else(|e| problem(&record, e.message_en()))?;
        if head.size != size || size != self.tree.size() {
            return problem(
                record,
                format!(
                    "signs {} events where {} come before it",
                    head.size,
                    self.tree.size()
                ),
            );
        }
        if head.root != self.tree.root() {
            let since = self.first_unsigned_pos.unwrap_or(self.last_pos);
            return problem(
                format!("{record} (events pos {since}..={})", self.last_pos),
                format!(
                    "the events' Merkle root differs from the signed one: an event after \
                     checkpoint {} was changed, or the history rewritten",
                    self.signed
                ),
            );
        }
        self.checkpoints += 1;
        self.signed = size;
        self.first_unsigned_pos = None;
        Ok(())
    }

    pub fn finish(self) -> Result<Summary, Problem> {
        if self.checkpoints == 0 {
            return problem("checkpoints", "none: the log's root is signed nowhere");
        }
        if let Some(pos) = self.first_unsigned_pos {
            return problem(
                format!("events from pos {pos}"),
                "covered by no signed checkpoint",
            );
        }
        Ok(Summary {
            events: self.tree.size(),
            devices: self.heads.len(),
            checkpoints: self.checkpoints,
            tree_size: self.tree.size(),
            root: base64_of(&self.tree.root()),
        })
    }
}

fn base64_of(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// One stored event, with its columns and its leaf in `log_tree` (absent if none).
struct StoredEvent {
    pos: i64,
    body: String,
    columns: (String, i64, i64, i64, String, String, String, String),
    leaf: Option<(i64, String)>,
}

enum Item {
    Event(StoredEvent),
    Checkpoint { size: u64, note: String },
}

const PAGE: i64 = 1000;

/// Every event in pos order, each checkpoint after the event that completed its tree.
async fn walk(
    pool: &AnyPool,
    mut each: impl FnMut(Item) -> Result<(), Problem>,
) -> anyhow::Result<Result<(), Problem>> {
    let mut checkpoints = Checkpoints::default();
    let (mut after, mut count) = (0_i64, 0_u64);
    loop {
        let rows = sqlx::query(
            "SELECT e.pos, e.device, e.seq, e.hlc_wall_ms, e.hlc_counter, e.operator, e.kind, \
             e.body, e.prev_hash, e.hash, t.idx, t.hash AS leaf FROM events e \
             LEFT JOIN log_tree t ON t.level = 0 AND t.pos = e.pos \
             WHERE e.pos > $1 ORDER BY e.pos LIMIT $2",
        )
        .bind(after)
        .bind(PAGE)
        .fetch_all(pool)
        .await?;
        let last_page = (rows.len() as i64) < PAGE;
        for row in rows {
            while let Some((size, note)) = checkpoints.next_at_most(pool, count).await? {
                if let Err(p) = each(Item::Checkpoint { size, note }) {
                    return Ok(Err(p));
                }
            }
            let leaf = row
                .get::<Option<i64>, _>("idx")
                .map(|idx| (idx, row.get::<String, _>("leaf")));
            let event = StoredEvent {
                pos: row.get("pos"),
                body: row.get("body"),
                columns: (
                    row.get("device"),
                    row.get("seq"),
                    row.get("hlc_wall_ms"),
                    row.get("hlc_counter"),
                    row.get("operator"),
                    row.get("kind"),
                    row.get("prev_hash"),
                    row.get("hash"),
                ),
                leaf,
            };
            after = event.pos;
            count += 1;
            if let Err(p) = each(Item::Event(event)) {
                return Ok(Err(p));
            }
        }
        if last_page {
            break;
        }
    }
    while let Some((size, note)) = checkpoints.next_at_most(pool, u64::MAX).await? {
        if let Err(p) = each(Item::Checkpoint { size, note }) {
            return Ok(Err(p));
        }
    }
    Ok(Ok(()))
}

/// The stored checkpoints by size, read a page at a time.
#[derive(Default)]
struct Checkpoints {
    page: VecDeque<(u64, String)>,
    after: Option<i64>,
    done: bool,
}

impl Checkpoints {
    /// The next checkpoint if its size is at most `size`.
    async fn next_at_most(
        &mut self,
        pool: &AnyPool,
        size: u64,
    ) -> sqlx::Result<Option<(u64, String)>> {
        if self.page.is_empty() && !self.done {
            let rows = sqlx::query(
                "SELECT size, note FROM log_checkpoints WHERE size > $1 ORDER BY size LIMIT $2",
            )
            .bind(self.after.unwrap_or(-1))
            .bind(PAGE)
            .fetch_all(pool)
            .await?;
            self.done = (rows.len() as i64) < PAGE;
            for row in rows {
                let s: i64 = row.get("size");
                self.after = Some(s);
                self.page.push_back((s as u64, row.get("note")));
            }
        }
        match self.page.front() {
            Some((s, _)) if *s <= size => Ok(self.page.pop_front()),
            _ => Ok(None),
        }
    }
}

/// Every enrolled device: (device, public key, enrolled at, revoked at).
async fn devices(pool: &AnyPool) -> sqlx::Result<Vec<(String, String, i64, Option<i64>)>> {
    let rows = sqlx::query(
        "SELECT device, public_key, enrolled_at, revoked_at FROM devices ORDER BY device",
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            (
                r.get("device"),
                r.get("public_key"),
                r.get("enrolled_at"),
                r.get("revoked_at"),
            )
        })
        .collect())
}

/// Writes the archive of the database to `out`. Answers how many events it holds.
pub async fn export(pool: &AnyPool, out: &mut impl Write) -> anyhow::Result<u64> {
    let header = Line::Archive {
        format: FORMAT.into(),
        exported_at: crate::now_ms(),
        log_keys: log_key::recorded(pool).await?,
    };
    writeln!(out, "{}", serde_json::to_string(&header)?)?;
    for (device, public_key, enrolled_at, revoked_at) in devices(pool).await? {
        let line = Line::Device {
            device,
            public_key,
            enrolled_at,
            revoked_at,
        };
        writeln!(out, "{}", serde_json::to_string(&line)?)?;
    }
    let mut events = 0;
    let mut failed: Option<std::io::Error> = None;
    let walked = walk(pool, |item| {
        let written = match item {
            // The body as stored, byte for byte: the archive is evidence of the database.
            Item::Event(e) => {
                events += 1;
                writeln!(
                    out,
                    "{{\"record\":\"event\",\"pos\":{},\"event\":{}}}",
                    e.pos, e.body
                )
            }
            Item::Checkpoint { size, note } => {
                let line = serde_json::to_string(&Line::Checkpoint { size, note })
                    .expect("a checkpoint line always serialises");
                writeln!(out, "{line}")
            }
        };
        written.map_err(|e| {
            failed = Some(e);
            Problem {
                record: "archive".into(),
                what: "cannot write".into(),
            }
        })
    })
    .await?;
    if let Some(e) = failed {
        return Err(e.into());
    }
    walked.map_err(|p| anyhow::anyhow!("{p}"))?;
    out.flush()?;
    Ok(events)
}

/// Checks an archive. `log_key` pins the log's key (a verifier key); without it, the keys the
/// archive names are trusted.
pub fn verify_archive(
    archive: impl BufRead,
    log_key: Option<&str>,
) -> anyhow::Result<Result<Summary, Problem>> {
    let mut audit: Option<Audit> = None;
    for (n, line) in archive.lines().enumerate() {
        let line = line?;
        let record = format!("line {}", n + 1);
        let parsed: Line = match serde_json::from_str(&line) {
            Ok(parsed) => parsed,
            Err(e) => {
                return Ok(problem(
                    named_line(&record, &line),
                    format!("unreadable: {e}"),
                ))
            }
        };
        let result = match (parsed, audit.as_mut()) {
            (
                Line::Archive {
                    format, log_keys, ..
                },
                None,
            ) => {
                if format != FORMAT {
                    return Ok(problem(record, format!("not a {FORMAT} archive: {format}")));
                }
                let keys = log_key.map_or(log_keys, |k| vec![k.to_string()]);
                Audit::new(&keys).map(|a| audit = Some(a))
            }
            (_, None) | (Line::Archive { .. }, Some(_)) => problem(
                record,
                format!("the first line, and only it, is the {FORMAT} header"),
            ),
            (Line::Device { device, .. }, Some(a)) => {
                a.device(&device);
                Ok(())
            }
            (Line::Event { pos, event }, Some(a)) => a.event(pos, &event),
            (Line::Checkpoint { size, note }, Some(a)) => a.checkpoint(size, &note),
        };
        if let Err(p) = result {
            return Ok(Err(p));
        }
    }
    Ok(match audit {
        Some(audit) => audit.finish(),
        None => problem("line 1", "an empty archive"),
    })
}

/// `line N`, with the event's pos when the damaged line still shows it.
fn named_line(record: &str, line: &str) -> String {
    let pos = line
        .split_once("\"pos\":")
        .and_then(|(_, rest)| rest.split(|c: char| !c.is_ascii_digit()).next())
        .filter(|p| !p.is_empty());
    match pos {
        Some(pos) => format!("{record} (event at pos {pos})"),
        None => record.to_string(),
    }
}

/// Checks the live database as an archive of it would be checked, and also that each event's
/// columns agree with its body and its stored leaf with the event.
pub async fn verify_database(
    pool: &AnyPool,
    log_key: Option<&str>,
) -> anyhow::Result<Result<Summary, Problem>> {
    let keys = match log_key {
        Some(k) => vec![k.to_string()],
        None => log_key::recorded(pool).await?,
    };
    let mut audit = match Audit::new(&keys) {
        Ok(audit) => audit,
        Err(p) => return Ok(Err(p)),
    };
    for (device, ..) in devices(pool).await? {
        audit.device(&device);
    }
    let mut index = 0_i64;
    let walked = walk(pool, |item| match item {
        Item::Checkpoint { size, note } => audit.checkpoint(size, &note),
        Item::Event(stored) => {
            let event = stored_event(&stored)?;
            let record = format!("event {} (pos {})", event.id(), stored.pos);
            let expected_leaf = hex::encode(event.leaf_hash());
            match &stored.leaf {
                Some((idx, leaf)) if *idx == index && *leaf == expected_leaf => {}
                Some((idx, _)) if *idx != index => {
                    return problem(
                        record,
                        format!("its leaf is {idx} in the tree, not {index}"),
                    )
                }
                Some(_) => {
                    return problem(
                        record,
                        "differs from its leaf in the tree (changed since stored)",
                    )
                }
                None => return problem(record, "has no leaf in the tree"),
            }
            index += 1;
            audit.event(stored.pos, &event)
        }
    })
    .await?;
    Ok(walked.and_then(|()| audit.finish()))
}

/// The event of a stored row, if its body reads and its columns say the same as the body.
fn stored_event(stored: &StoredEvent) -> Result<Event, Problem> {
    let record = format!("event at pos {}", stored.pos);
    let event = Event::from_exact_json(&stored.body)
        .or_else(|e| problem(&record, format!("its body is unreadable: {e}")))?;
    let from_body = (
        event.device.0.clone(),
        event.seq as i64,
        event.hlc.wall_ms,
        event.hlc.counter as i64,
        event.operator.clone(),
        event.kind.tag().to_string(),
        event.prev_hash.clone(),
        event.hash.clone(),
    );
    if from_body != stored.columns {
        return problem(
            format!("event {} (pos {})", event.id(), stored.pos),
            "its columns differ from its body (changed)",
        );
    }
    Ok(event)
}
