//! The rules of daicho-core run again on what arrives. A device checked each record against
//! what it knew; offline, that may be less than the endpoint knows. What breaks a rule is
//! stored all the same (the record is evidence) and raised as a rule break, once per record:
//! the same breaks every device finds when it pulls the same events (daicho-core
//! `rule_breaks`).

use daicho_core::rule_breaks::{may_break_rules, RuleBreak};
use daicho_core::{Event, EventKind, EventTag, Registers};
use sqlx::{Any, Row, Transaction};

/// The kinds the rules read: rooms, keys, permits and people (small registers, read whole).
const RULE_KINDS: [EventTag; 6] = [
    EventTag::RoomDefined,
    EventTag::KeyDefined,
    EventTag::PersonDefined,
    EventTag::PermissionGranted,
    EventTag::VisitPermitGranted,
    EventTag::PermitRevoked,
];

/// `kinds` as an SQL list of their stored names: `'room_defined', 'key_defined'`.
fn sql_list(kinds: &[EventTag]) -> String {
    let names: Vec<String> = kinds.iter().map(|k| format!("'{}'", k.as_str())).collect();
    names.join(", ")
}

/// The rule breaks `new_events` reveal, with everything stored in `tx` (them included):
/// their own loans and entries, and for each revocation among them, the loans and entries
/// already stored from its moment on.
pub async fn breaks_in(
    tx: &mut Transaction<'_, Any>,
    new_events: &[Event],
) -> sqlx::Result<Vec<RuleBreak>> {
    if !new_events.iter().any(|e| may_break_rules(&e.kind)) {
        return Ok(Vec::new());
    }
    let registers = rule_registers(tx).await?;
    let mut candidates: Vec<Event> = new_events.to_vec();
    for event in new_events {
        if let EventKind::PermitRevoked(r) = &event.kind {
            candidates.extend(records_since(tx, r.at.timestamp_millis()).await?);
        }
    }
    Ok(registers.breaks_among(&candidates))
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

/// Rooms, keys, permits and people folded from every stored event of their kinds.
async fn rule_registers(tx: &mut Transaction<'_, Any>) -> sqlx::Result<Registers> {
    let sql = format!(
        "SELECT body FROM events WHERE kind IN ({})",
        sql_list(&RULE_KINDS)
    );
    let events = bodies(tx, sqlx::query(&sql)).await?;
    Ok(Registers::fold(&events))
}

/// Loans and entries recorded (by their device's clock) from `since_ms` on: a loan or entry
/// at or after a revocation cannot have been recorded before it.
async fn records_since(tx: &mut Transaction<'_, Any>, since_ms: i64) -> sqlx::Result<Vec<Event>> {
    let sql = format!(
        "SELECT body FROM events WHERE kind IN ({}) AND hlc_wall_ms >= $1",
        sql_list(&[EventTag::KeyLent, EventTag::EntryRecorded])
    );
    bodies(tx, sqlx::query(&sql).bind(since_ms)).await
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
