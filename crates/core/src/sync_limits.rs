//! The limits of one push or pull, shared by the endpoint, which refuses a request over them
//! (each with a code of its own), and the device, which cuts its batches to fit so it never
//! sends one the endpoint must refuse.

use crate::event::EventKind;
use crate::refusal::{Field, Refusal, RefusalCode, Refusals};

/// The most events one push carries (`batch_too_large` above it).
pub const MAX_BATCH_EVENTS: usize = 1000;

/// The most events one pull answers with (a larger `limit` is answered with this many).
pub const MAX_PULL_EVENTS: usize = 1000;

/// The most bytes one request body carries (`body_too_large` above it): 4 MiB, about nine
/// thousand logbook lines, so a device normally meets the count first; long texts (minutes of
/// a meeting, an instruction's report) make the bytes the limit instead.
pub const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

/// The most bytes one record's content (its kind and payload, as JSON) may take: a quarter of
/// a body, so a batch always carries several and no record is too large ever to be sent.
/// Checked when it is recorded (`check_content`), with every other rule.
pub const MAX_RECORD_BYTES: usize = MAX_BODY_BYTES / 4;

/// The rules on a record's content as a whole (its kind and payload, as JSON), read from one
/// serialisation: its size (`check_size`), then its texts (`check_text`).
pub fn check_content(kind: &EventKind) -> Result<(), Refusals> {
    let json = serde_json::to_string(kind).unwrap_or_default();
    check_size(&json)?;
    check_text(&json)
}

/// Refuses a record whose content takes more than `MAX_RECORD_BYTES`: a text pasted by
/// mistake would otherwise stop the device's sync for good (its chain cannot pass it).
fn check_size(json: &str) -> Result<(), Refusals> {
    let bytes = json.len();
    if bytes <= MAX_RECORD_BYTES {
        return Ok(());
    }
    Err(refusal(RefusalCode::RecordTooLarge {
        kib: bytes.div_ceil(1024),
        max_kib: MAX_RECORD_BYTES / 1024,
    }))
}

fn refusal(code: RefusalCode) -> Refusals {
    Refusals(vec![Refusal::new(code, Field::Record, None)])
}

/// How far ahead of the receiver's clock an event's clock may be: the same five minutes a
/// request's timestamp may be off (a later clock would win "newest by clock" for ever).
pub const MAX_CLOCK_AHEAD_MS: i64 = 5 * 60 * 1000;

/// The earliest clock an event may carry: 2000-01-01T00:00:00Z, before any device of the
/// town recorded anything (earlier, or negative, is a forged or broken clock).
pub const EARLIEST_EVENT_MS: i64 = 946_684_800_000;

/// The largest counter an event's clock may carry: about a million events in one millisecond
/// of a stalled clock, far more than a device makes, and far from `u32::MAX`, so a device that
/// receives it can still count on.
pub const MAX_HLC_COUNTER: u32 = 1 << 20;

/// True when `text` holds a character PostgreSQL's `text` cannot store (NUL): such a record
/// would be kept on one engine and refused by the other, and jam its device's outbox.
pub fn has_unstorable_char(text: &str) -> bool {
    text.contains('\0')
}

/// Refuses a record with a NUL character in any of its texts (`has_unstorable_char`'s rule).
fn check_text(json: &str) -> Result<(), Refusals> {
    if json_has_nul(json) {
        return Err(refusal(RefusalCode::UnstorableCharacter));
    }
    Ok(())
}

/// True when any text of the record (a string or an object key within it) has a NUL.
pub fn kind_has_unstorable_char(kind: &EventKind) -> bool {
    serde_json::to_string(kind).map_or(true, |json| json_has_nul(&json))
}

/// True when serde_json's text `json` holds a NUL: it writes every NUL of a string or key as
/// `\u0000` and every backslash as `\\`, so an escape starts at a backslash not itself escaped.
fn json_has_nul(json: &str) -> bool {
    let mut rest = json.as_bytes();
    while let Some(at) = rest.iter().position(|&b| b == b'\\') {
        if rest[at + 1..].starts_with(b"u0000") {
            return true;
        }
        rest = rest.get(at + 2..).unwrap_or_default();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::Exported;

    fn exported(filter_bytes: usize) -> EventKind {
        let kind = |filter: String| {
            EventKind::Exported(Exported {
                what: "operation_history".into(),
                rows: 1,
                filter,
            })
        };
        let wrapper = serde_json::to_vec(&kind(String::new())).unwrap().len();
        kind("a".repeat(filter_bytes - wrapper))
    }

    #[test]
    fn a_record_up_to_the_limit_is_accepted_and_one_byte_more_is_refused_with_its_size() {
        assert_eq!(check_content(&exported(MAX_RECORD_BYTES)), Ok(()));
        let refused = check_content(&exported(MAX_RECORD_BYTES + 1)).unwrap_err();
        let refusal = &refused.0[0];
        assert_eq!(refusal.field, Field::Record);
        assert_eq!(
            refusal.code,
            RefusalCode::RecordTooLarge {
                kib: 1025,
                max_kib: 1024
            }
        );
        let message = refusal.message_ja();
        assert!(message.contains("（1025KiB）"), "{message}");
        assert!(
            message.contains("1024KiBまでです（日本語でおよそ35万字）"),
            "{message}"
        );
    }

    #[test]
    fn a_nul_anywhere_in_a_record_is_refused_and_other_control_characters_are_kept() {
        let with = |filter: &str| {
            EventKind::Exported(Exported {
                what: "operation_history".into(),
                rows: 1,
                filter: filter.into(),
            })
        };
        assert_eq!(check_content(&with("tab\tand\nnewline")), Ok(()));
        let refused = check_content(&with("before\0after")).unwrap_err();
        assert_eq!(refused.0[0].code, RefusalCode::UnstorableCharacter);
        assert_eq!(refused.0[0].field, Field::Record);
        // A backslash and "0" typed as text are not a NUL, nor is one after a backslash.
        assert_eq!(check_content(&with("\\0 and \\u0000")), Ok(()));
        assert_eq!(check_content(&with("\\\\u0000 \\")), Ok(()));
        assert!(check_content(&with("\\\0")).is_err());
    }
}
