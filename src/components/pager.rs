//! Where a paged logbook is: the cursor of the page shown, those of the pages before it (for
//! 前へ), and where the next page starts (for 次へ, absent on the last page).

use crate::state::StoreRead;
use crate::store::paging::{LogPage, PageCursor};
use leptos::prelude::*;

#[derive(Clone, Copy)]
pub struct PageTrail {
    current: RwSignal<Option<PageCursor>>,
    before: RwSignal<Vec<Option<PageCursor>>>,
    next: RwSignal<Option<PageCursor>>,
}

impl PageTrail {
    pub fn new() -> Self {
        PageTrail {
            current: RwSignal::new(None),
            before: RwSignal::new(Vec::new()),
            next: RwSignal::new(None),
        }
    }

    /// The cursor to read the page shown from.
    pub fn current(&self) -> Option<PageCursor> {
        self.current.get_untracked()
    }

    /// The cursor of the page shown, read reactively: a resource reading it reads the page
    /// again when 前へ or 次へ moves it.
    pub fn cursor(&self) -> Option<PageCursor> {
        self.current.get()
    }

    /// After a page is read: where the one after it starts.
    pub fn set_next(&self, next: Option<PageCursor>) {
        self.next.set(next);
    }

    /// Back to the first page (a new filter).
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

    /// Learns where the next page starts from each page `read` answers.
    pub fn follow<T: 'static, E: 'static>(&self, read: StoreRead<Result<LogPage<T>, E>>) {
        let trail = *self;
        Effect::new(move |_| {
            let next = read.with(|r| r?.as_ref().ok()?.next);
            trail.set_next(next);
        });
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
