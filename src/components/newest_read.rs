//! Which of a page's reads may fill it: reads finish out of order, and an older, slower one
//! would show what was there before the newer one read (an exit undone, a sync not yet made).

use leptos::prelude::*;

#[derive(Clone, Copy)]
pub struct NewestRead(StoredValue<u64>);

impl NewestRead {
    pub fn new() -> Self {
        NewestRead(StoredValue::new(0))
    }

    /// Before a read: its ticket, which makes every read asked for earlier stale.
    pub fn ask(&self) -> u64 {
        self.0.update_value(|n| *n += 1);
        self.0.get_value()
    }

    /// After a read: whether it is still the newest asked for (else its answer is dropped).
    pub fn is_newest(&self, ticket: u64) -> bool {
        self.0.get_value() == ticket
    }
}

impl Default for NewestRead {
    fn default() -> Self {
        Self::new()
    }
}
