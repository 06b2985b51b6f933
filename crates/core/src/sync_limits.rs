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
/// Checked when it is recorded (`check_size`), with every other rule.
pub const MAX_RECORD_BYTES: usize = MAX_BODY_BYTES / 4;

/// Refuses a record whose content takes more than `MAX_RECORD_BYTES`: a text pasted by
/// mistake would otherwise stop the device's sync for good (its chain cannot pass it).
pub fn check_size(kind: &EventKind) -> Result<(), Refusals> {
    let bytes = serde_json::to_vec(kind).map_or(0, |json| json.len());
    if bytes <= MAX_RECORD_BYTES {
        return Ok(());
    }
    let code = RefusalCode::RecordTooLarge {
        kib: bytes.div_ceil(1024),
        max_kib: MAX_RECORD_BYTES / 1024,
    };
    Err(Refusals(vec![Refusal::new(code, Field::Record, None)]))
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
        assert_eq!(check_size(&exported(MAX_RECORD_BYTES)), Ok(()));
        let refused = check_size(&exported(MAX_RECORD_BYTES + 1)).unwrap_err();
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
}
