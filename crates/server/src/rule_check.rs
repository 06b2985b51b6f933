//! The rules of daicho-core run again on what arrives. A device checked each record against
//! what it knew; offline, that may be less than the endpoint knows. What breaks a rule is
//! stored all the same (the record is evidence) and raised as a rule break, once per record:
//! the same breaks every device finds when it pulls the same events (daicho-core
//! `rule_breaks`).

use crate::database::Engine;
use daicho_core::rule_breaks::{may_break_rules, RuleBreak};
use daicho_core::sort::sort_by_key;
use daicho_core::EntryRecord;
use daicho_core::{Event, EventId, EventKind, EventTag, Registers};
use sqlx::{Any, Row, Transaction};

/// The kinds the rules read: rooms, keys, permits, people, the entry managers' measures and
/// the key logbook (small registers, read whole; the key logbook grows by a few lines a day).
const RULE_KINDS: [EventTag; 10] = [
    EventTag::RoomDefined,
    EventTag::KeyDefined,
    EventTag::PersonDefined,
    EventTag::PermissionGranted,
    EventTag::VisitPermitGranted,
    EventTag::PermitRevoked,
    EventTag::EntryMeasureSet,
    EventTag::KeyLent,
    EventTag::KeyReturned,
    EventTag::KeyLoanVoided,
];

/// `kinds` as an SQL list of their stored names: `'room_defined', 'key_defined'`.
fn sql_list(kinds: &[EventTag]) -> String {
    let names: Vec<String> = kinds.iter().map(|k| format!("'{}'", k.as_str())).collect();
    names.join(", ")
}

/// The rule kinds folded so far and the last `pos` read, kept between pushes: a push reads
/// only the events stored since (a room, a key, a permit or two), not every room of the town.
/// Pushes are one at a time (`event_log::begin_log_write`), so the fold always follows the
/// committed log; a push that does not commit forgets it, and the next reads it whole again.
#[derive(Default)]
pub struct RuleCache(tokio::sync::Mutex<Folded>);

#[derive(Default)]
pub struct Folded {
    through_pos: i64,
    registers: Registers,
}

impl RuleCache {
    /// The fold, held until the push that locked it has committed (or forgotten it).
    pub async fn lock(&self) -> tokio::sync::MutexGuard<'_, Folded> {
        self.0.lock().await
    }
}

impl Folded {
    /// After a push that did not commit: what was folded may include its events.
    pub fn forget(&mut self) {
        *self = Folded::default();
    }

    /// Folds in the rule kinds stored after what was read before (this push's own included).
    async fn catch_up(&mut self, tx: &mut Transaction<'_, Any>) -> sqlx::Result<()> {
        let head: Option<i64> = sqlx::query_scalar("SELECT MAX(pos) FROM events")
            .fetch_one(&mut **tx)
            .await?;
        let head = head.unwrap_or(0);
        if head <= self.through_pos {
            return Ok(());
        }
        let sql = format!(
            "SELECT body FROM events WHERE pos > $1 AND pos <= $2 AND kind IN ({})",
            sql_list(&RULE_KINDS)
        );
        let query = sqlx::query(&sql).bind(self.through_pos).bind(head);
        for event in bodies(tx, query).await? {
            self.registers.apply(&event);
        }
        self.through_pos = head;
        Ok(())
    }
}

/// The rule breaks `new_events` reveal, with everything stored in `tx` (them included): their
/// own loans and entries, and the loans and entries already stored that a revocation among
/// them falls on (of the revoked permit's person, from the revocation's moment on).
pub async fn breaks_in(
    tx: &mut Transaction<'_, Any>,
    rules: &mut Folded,
    new_events: &[Event],
) -> sqlx::Result<Vec<RuleBreak>> {
    if !new_events.iter().any(|e| may_break_rules(&e.kind)) {
        return Ok(Vec::new());
    }
    rules.catch_up(tx).await?;
    let registers = &rules.registers;
    let mut candidates: Vec<Event> = new_events.to_vec();
    candidates.extend(revoked_records(tx, registers, new_events).await?);
    candidates.extend(returned_records(tx, registers, new_events).await?);
    let lines = lines_needed(tx, registers, &candidates).await?;
    Ok(registers.breaks_among(&candidates, &lines))
}

/// The logbook's lines the re-check of `candidates` reads (daicho-core `Registers::lines_for`):
/// each entry's person's lines near its moment, and the lines the exits close, each closed by
/// the exits naming it. Read through `events_entry_person_entered` and `events_exit_entry`.
async fn lines_needed(
    tx: &mut Transaction<'_, Any>,
    registers: &Registers,
    candidates: &[Event],
) -> sqlx::Result<Vec<EntryRecord>> {
    let needed = registers.lines_for(candidates);
    let engine = Engine::of_connection(tx);
    let mut entries: Vec<Event> = Vec::new();
    for (person, from, to) in &needed.stays {
        let query = sqlx::query(entries_between_sql(engine))
            .bind(person)
            .bind(from)
            .bind(to);
        entries.extend(bodies(tx, query).await?);
    }
    // The entries the exits close: most came with them, or in a person's span just read.
    let mut known: Vec<&Event> = candidates.iter().chain(&entries).collect();
    known.retain(|e| matches!(e.kind, EventKind::EntryRecorded(_)));
    let have: std::collections::BTreeSet<EventId> = known.iter().map(|e| e.id()).collect();
    entries.extend(known.into_iter().cloned().collect::<Vec<_>>());
    let unread: Vec<&EventId> = needed
        .closed
        .iter()
        .filter(|id| !have.contains(id))
        .collect();
    for (device, seqs) in by_device(&unread) {
        for chunk in seqs.chunks(PERSONS_PER_READ) {
            let sql = events_of_device_sql(chunk.len());
            let mut query = sqlx::query(&sql).bind(device);
            for seq in chunk {
                query = query.bind(*seq);
            }
            entries.extend(bodies(tx, query).await?);
        }
    }
    sort_by_key(&mut entries, |e| e.id().to_string());
    entries.dedup_by_key(|e| e.id());
    let mut exits = Vec::new();
    for chunk in entries.chunks(PERSONS_PER_READ) {
        let ids: Vec<String> = chunk.iter().map(|e| e.id().to_string()).collect();
        let sql = exits_of_sql(engine, ids.len());
        let mut query = sqlx::query(&sql);
        for id in &ids {
            query = query.bind(id.clone());
        }
        exits.extend(bodies(tx, query).await?);
    }
    Ok(entries
        .iter()
        .filter_map(|e| EntryRecord::of_events(e, &exits))
        .collect())
}

/// `ids` grouped by device, each with its seqs: one read a device.
fn by_device<'a>(ids: &[&'a EventId]) -> std::collections::BTreeMap<&'a str, Vec<i64>> {
    let mut grouped: std::collections::BTreeMap<&str, Vec<i64>> = Default::default();
    for id in ids {
        grouped.entry(&id.device.0).or_default().push(id.seq as i64);
    }
    grouped
}

/// Events of one device (`$1`) by `seqs` seqs (`$2`…), through the primary key.
fn events_of_device_sql(seqs: usize) -> String {
    let params: Vec<String> = (2..seqs + 2).map(|n| format!("${n}")).collect();
    format!(
        "SELECT body FROM events WHERE device = $1 AND seq IN ({})",
        params.join(", ")
    )
}

/// The entries of one person (`$1`) entered in `[$2, $3]` (ms), by the expressions the index
/// `events_entry_person_entered` is built on: public so a test can hold the index to it.
pub fn entries_between_sql(engine: Engine) -> &'static str {
    match engine {
        Engine::Sqlite => {
            "SELECT body FROM events INDEXED BY events_entry_person_entered \
             WHERE kind = 'entry_recorded' \
             AND json_extract(body, '$.payload.person_id') = $1 \
             AND json_extract(body, '$.payload.entered_at') BETWEEN $2 AND $3"
        }
        Engine::Postgres => {
            "SELECT body FROM events WHERE kind = 'entry_recorded' \
             AND ((body::jsonb) -> 'payload' ->> 'person_id') = $1 \
             AND (((body::jsonb) -> 'payload' ->> 'entered_at')::bigint) BETWEEN $2 AND $3"
        }
    }
}

/// The exits naming any of `entries` entries (`$1`…), through `events_exit_entry` (SQLite
/// is told so: without statistics it would rather read every exit through the kind's index).
pub fn exits_of_sql(engine: Engine, entries: usize) -> String {
    let (table, entry) = match engine {
        Engine::Sqlite => (
            "events INDEXED BY events_exit_entry",
            "json_extract(body, '$.payload.entry')",
        ),
        Engine::Postgres => ("events", "((body::jsonb) -> 'payload' ->> 'entry')"),
    };
    let params: Vec<String> = (1..=entries).map(|n| format!("${n}")).collect();
    format!(
        "SELECT body FROM {table} WHERE kind = 'exit_recorded' AND {entry} IN ({})",
        params.join(", ")
    )
}

/// The stored loans and entries the revocations among `new_events` fall on: those of each
/// revoked permit's person and room from the revocation's moment on, read through the index
/// by person and time (`events_person_time`), many persons a statement.
async fn revoked_records(
    tx: &mut Transaction<'_, Any>,
    registers: &Registers,
    new_events: &[Event],
) -> sqlx::Result<Vec<Event>> {
    let revoked: Vec<(&str, &str, i64)> = new_events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::PermitRevoked(r) => {
                let permit = registers.permit(&r.permit)?;
                let at = r.at.timestamp_millis();
                Some((permit.person_id.as_str(), permit.room_id.as_str(), at))
            }
            _ => None,
        })
        .collect();
    let falls_on = |e: &Event| {
        let (person, room, at) = match &e.kind {
            EventKind::KeyLent(l) => {
                let room = registers.key(&l.key_id).map(|k| k.room_id.as_str());
                (&l.person_id, room, l.lent_at)
            }
            EventKind::EntryRecorded(en) => {
                (&en.person_id, Some(en.room_id.as_str()), en.entered_at)
            }
            _ => return false,
        };
        let at = at.timestamp_millis();
        revoked
            .iter()
            .any(|(p, r, from)| p == person && Some(*r) == room && at >= *from)
    };
    // A loan or entry may be recorded up to the clock's tolerance before the moment it names.
    records_falling_on(tx, &revoked, FUTURE_TOLERANCE_MS, falls_on).await
}

/// The stored loans and entries of the persons of `targets` (person, room, from) recorded from
/// each chunk's earliest moment on, less `slack_ms`, that `falls_on` keeps: many persons a
/// statement, through the index by person and time.
async fn records_falling_on(
    tx: &mut Transaction<'_, Any>,
    targets: &[(&str, &str, i64)],
    slack_ms: i64,
    falls_on: impl Fn(&Event) -> bool,
) -> sqlx::Result<Vec<Event>> {
    let mut found = Vec::new();
    for chunk in targets.chunks(PERSONS_PER_READ) {
        let persons: Vec<&str> = chunk.iter().map(|(person, _, _)| *person).collect();
        let since = chunk.iter().map(|(_, _, at)| *at).min().unwrap_or_default();
        let records = records_of(tx, &persons, since - slack_ms).await?;
        found.extend(records.into_iter().filter(|e| falls_on(e)));
    }
    Ok(found)
}

/// The stored entries a key's return among `new_events` falls on: those of the loan's person
/// into the key's room from the moment of the return on (recorded elsewhere, while that
/// device still believed the key lent).
async fn returned_records(
    tx: &mut Transaction<'_, Any>,
    registers: &Registers,
    new_events: &[Event],
) -> sqlx::Result<Vec<Event>> {
    let returned: Vec<(&str, &str, i64)> = new_events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::KeyReturned(r) => {
                let loan = registers.loan(&r.loan)?;
                let key = registers.key(&loan.key_id)?;
                let at = r.returned_at.timestamp_millis();
                Some((loan.person_id.as_str(), key.room_id.as_str(), at))
            }
            _ => None,
        })
        .collect();
    let falls_on = |e: &Event| match &e.kind {
        EventKind::EntryRecorded(en) => returned.iter().any(|(p, r, from)| {
            *p == en.person_id && *r == en.room_id && en.entered_at.timestamp_millis() >= *from
        }),
        _ => false,
    };
    // An entry may be recorded up to the clock's tolerance before the moment it names.
    records_falling_on(tx, &returned, FUTURE_TOLERANCE_MS, falls_on).await
}

/// How far ahead of its device's clock a recorded moment may lie (`check_not_future`).
const FUTURE_TOLERANCE_MS: i64 = daicho_core::entry_log::FUTURE_TOLERANCE_MINUTES * 60 * 1000;

/// Persons a read of their loans and entries names (one bound parameter each).
const PERSONS_PER_READ: usize = 500;

/// Loans and entries of `persons` recorded (by their device's clock) from `since_ms` on: a
/// loan or entry at or after a moment cannot have been recorded more than the clock's
/// tolerance before it (the callers subtract it). The person is
/// read from the body by the same expression the index `events_person_time` is built on.
async fn records_of(
    tx: &mut Transaction<'_, Any>,
    persons: &[&str],
    since_ms: i64,
) -> sqlx::Result<Vec<Event>> {
    let sql = records_of_sql(Engine::of_connection(tx), persons.len());
    let mut query = sqlx::query(&sql).bind(since_ms);
    for person in persons {
        query = query.bind(*person);
    }
    bodies(tx, query).await
}

/// Stores each break once (a break found again, by a later push, is the same break).
pub async fn record(tx: &mut Transaction<'_, Any>, breaks: &[RuleBreak]) -> sqlx::Result<()> {
    for b in breaks {
        sqlx::query(
            "INSERT INTO rule_breaks (record, code, room_id, person_id, at_ms, body, raised_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (record) DO NOTHING",
        )
        .bind(b.record.to_string())
        .bind(b.kind.code())
        .bind(&b.room_id)
        .bind(&b.person_id)
        .bind(b.at.timestamp_millis())
        .bind(serde_json::to_string(b).expect("rule breaks always serialise"))
        .bind(crate::now_ms())
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// How many rule breaks were raised, for the health answer and the tests.
pub async fn count(pool: &sqlx::AnyPool) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT COUNT(*) FROM rule_breaks")
        .fetch_one(pool)
        .await
}

/// The statement `records_of` reads with, for `persons` persons (`$1` the time, then the
/// persons): public so a test can hold the index to it.
pub fn records_of_sql(engine: Engine, persons: usize) -> String {
    let person = match engine {
        Engine::Sqlite => "json_extract(body, '$.payload.person_id')",
        Engine::Postgres => "((body::jsonb) -> 'payload' ->> 'person_id')",
    };
    let params: Vec<String> = (2..persons + 2).map(|n| format!("${n}")).collect();
    format!(
        "SELECT body FROM events WHERE kind IN ({}) AND {person} IN ({}) AND hlc_wall_ms >= $1",
        sql_list(&[EventTag::KeyLent, EventTag::EntryRecorded]),
        params.join(", ")
    )
}

pub(crate) async fn bodies<'q>(
    tx: &mut Transaction<'_, Any>,
    query: sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>>,
) -> sqlx::Result<Vec<Event>> {
    let rows = query.fetch_all(&mut **tx).await?;
    rows.iter()
        .map(|row| {
            serde_json::from_str(&row.get::<String, _>("body"))
                .map_err(|e| sqlx::Error::Decode(Box::new(e)))
        })
        .collect()
}
