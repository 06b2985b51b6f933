//! 第8条第2項 again on the endpoint: a passkey sign-in, verified by the tablet against the
//! public key it held, is verified again here against the 照合ID ledger as the endpoint knows
//! it. One that does not verify is stored all the same (the device's chain is evidence and
//! must not be broken) and raised as a security exception, once per event.

use daicho_core::event::EventTag;
use daicho_core::sign_in::{check_passkey_sign_in, SignInMethod};
use daicho_core::{Event, EventKind, Registers};
use sqlx::{Any, Transaction};

/// The code of the security exception raised.
pub const CODE: &str = "collation_failed";

/// The passkey sign-ins among `new_events` that do not verify, with why (in Japanese).
pub async fn unverified(
    tx: &mut Transaction<'_, Any>,
    new_events: &[Event],
) -> sqlx::Result<Vec<(Event, String)>> {
    let sign_ins: Vec<&Event> = new_events.iter().filter(|e| is_passkey(e)).collect();
    if sign_ins.is_empty() {
        return Ok(Vec::new());
    }
    let ledger_kinds = sqlx::query("SELECT body FROM events WHERE kind IN ($1, $2)")
        .bind(EventTag::IdLedgerRecorded.as_str())
        .bind(EventTag::CollationInfoRecorded.as_str());
    let ledger = crate::rule_check::bodies(tx, ledger_kinds).await?;
    let registers = Registers::fold(&ledger);
    let ids = &registers.office().ids;
    Ok(sign_ins
        .into_iter()
        .filter_map(|event| {
            let EventKind::SignedIn(signed_in) = &event.kind else {
                return None;
            };
            check_passkey_sign_in(signed_in, &event.device.0, ids.values())
                .err()
                .map(|refusals| (event.clone(), refusals.to_string()))
        })
        .collect())
}

fn is_passkey(event: &Event) -> bool {
    matches!(&event.kind, EventKind::SignedIn(s) if s.method == SignInMethod::Passkey)
}

/// Raises each as a security exception, in the push's transaction.
pub async fn raise(
    tx: &mut Transaction<'_, Any>,
    unverified: &[(Event, String)],
) -> sqlx::Result<()> {
    for (event, why) in unverified {
        let (device, seq) = (&event.device.0, event.seq);
        crate::event_log::insert_exception(tx, device, seq, CODE, why).await?;
    }
    Ok(())
}
