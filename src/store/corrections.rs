//! Corrections (訂正・取消): a new event pointing at the record it corrects, with a reason; the
//! original stays as it was recorded.

use super::{Result, Store};
use chrono::{DateTime, Utc};
use daicho_core::corrections::CorrectionRecorded;
use daicho_core::{Event, EventKind};

impl Store {
    /// Records a correction of `correction.target` if it exists, is not void, and the reason
    /// is given; refused, nothing is stored.
    pub async fn correct(
        &self,
        correction: CorrectionRecorded,
        operator: &str,
        now: DateTime<Utc>,
    ) -> Result<Event> {
        let kind = EventKind::CorrectionRecorded(correction);
        self.record(kind, operator, now).await
    }
}
