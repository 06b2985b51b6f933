//! Corrections (訂正・取消): a new event pointing at the record it corrects, with a reason; the
//! original stays as it was recorded.

use super::codec::from_js;
use super::entry_log::line;
use super::registers::{check_and_append, read_registers, SMALL};
use super::{event_key, schema, Result, Store};
use chrono::{DateTime, Utc};
use daicho_core::corrections::CorrectionRecorded;
use daicho_core::key_log::KeyLoan;
use daicho_core::{Event, EventId, EventKind, Registers};
use rexie::Transaction;
use wasm_bindgen::JsValue;

impl Store {
    /// Records a correction of `correction.target` if it exists, is not void, and the reason
    /// is given; refused, nothing is stored.
    pub async fn correct(
        &self,
        correction: CorrectionRecorded,
        operator: &str,
        now: DateTime<Utc>,
    ) -> Result<Event> {
        let tx = self.write_transaction(&SMALL)?;
        let mut registers = read_registers(&tx).await?;
        load_logbook_record(&tx, &mut registers, &correction.target).await?;
        let kind = EventKind::CorrectionRecorded(correction);
        check_and_append(tx, &registers, kind, operator, now, |_, _| Vec::new()).await
    }
}

/// The logbooks are not folded into the registers (they are long): the line a correction
/// points at is read by its id, so the rules see it.
async fn load_logbook_record(
    tx: &Transaction,
    registers: &mut Registers,
    target: &EventId,
) -> Result<()> {
    let Some(value) = tx.store(schema::EVENTS)?.get(event_key(target)).await? else {
        return Ok(());
    };
    let event: Event = from_js(value)?;
    let entry_id = match &event.kind {
        EventKind::EntryRecorded(_) => Some(target.clone()),
        EventKind::ExitRecorded(exit) => Some(exit.entry.clone()),
        _ => None,
    };
    if let Some(id) = entry_id {
        if let Some(entry) = line(tx, &id).await? {
            registers.entries.insert(entry.id.clone(), entry);
        }
    }
    if let EventKind::KeyLent(_) = &event.kind {
        let value = tx
            .store(schema::LOANS)?
            .get(JsValue::from_str(&target.to_string()))
            .await?;
        if let Some(value) = value {
            let loan: KeyLoan = from_js(value)?;
            registers.loans.insert(loan.id.clone(), loan);
        }
    }
    Ok(())
}
