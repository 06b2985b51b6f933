//! Where a paged logbook is: the cursor of the page shown, those of the pages before it (for
//! 前へ), and where the next page starts (for 次へ, absent on the last page).

use super::newest_read::NewestRead;
use crate::store::paging::{LogPage, PageCursor};
use leptos::prelude::*;

#[derive(Clone, Copy)]
pub struct PageTrail {
    current: RwSignal<Option<PageCursor>>,
    before: RwSignal<Vec<Option<PageCursor>>>,
    next: RwSignal<Option<PageCursor>>,
    /// Only the newest read fills the page (a slower, older one would show the old filter's).
    reads: NewestRead,
}

impl PageTrail {
    pub fn new() -> Self {
        PageTrail {
            current: RwSignal::new(None),
            before: RwSignal::new(Vec::new()),
            next: RwSignal::new(None),
            reads: NewestRead::new(),
        }
    }

    /// The cursor to read the page shown from.
    pub fn current(&self) -> Option<PageCursor> {
        self.current.get_untracked()
    }

    /// After a page is read: where the one after it starts.
    pub fn set_next(&self, next: Option<PageCursor>) {
        self.next.set(next);
    }

    /// Back to the first page (a new filter, a new line).
    pub fn reset(&self) {
        self.before.set(Vec::new());
        self.current.set(None);
    }

    pub fn forward(&self) {
        self.before.update(|t| t.push(self.current.get_untracked()));
        self.current.set(self.next.get_untracked());
    }

    pub fn back(&self) {
        let previous = self.before.try_update(|t| t.pop()).flatten().flatten();
        self.current.set(previous);
    }

    /// Before a read: its ticket (see `NewestRead`).
    pub fn ask(&self) -> u64 {
        self.reads.ask()
    }

    /// After a read: whether it may fill the page.
    pub fn is_newest(&self, ticket: u64) -> bool {
        self.reads.is_newest(ticket)
    }

    pub fn at_first(&self) -> bool {
        self.before.with(Vec::is_empty)
    }

    pub fn at_last(&self) -> bool {
        self.next.with(Option::is_none)
    }
}

impl Default for PageTrail {
    fn default() -> Self {
        Self::new()
    }
}

/// What a paged logbook shows: the page's lines, how many match, and why a page could not be
/// read (shown, never dropped).
pub struct PageShown<T: Send + Sync + 'static> {
    pub rows: RwSignal<Vec<T>>,
    pub total: RwSignal<Option<u32>>, // None until the first page is read
    pub error: RwSignal<Option<String>>,
}

impl<T: Send + Sync + 'static> Clone for PageShown<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: Send + Sync + 'static> Copy for PageShown<T> {}

impl<T: Send + Sync + 'static> PageShown<T> {
    pub fn new() -> Self {
        PageShown {
            rows: RwSignal::new(Vec::new()),
            total: RwSignal::new(None),
            error: RwSignal::new(None),
        }
    }

    /// Shows the page read (or why it could not be), and where the next one starts.
    pub fn show(&self, read: crate::store::Result<LogPage<T>>, pages: &PageTrail) {
        match read {
            Ok(page) => {
                self.rows.set(page.rows);
                self.total.set(Some(page.total));
                pages.set_next(page.next);
                self.error.set(None);
            }
            Err(e) => self.error.set(Some(e.to_string())),
        }
    }
}

impl<T: Send + Sync + 'static> Default for PageShown<T> {
    fn default() -> Self {
        Self::new()
    }
}
