//! User Timing marks (`performance.mark`) of a sync and of a checked write: the bench reads
//! the push's and the pull's own start and end from them (as its floors time a POST and a
//! GET), and the phases of a tap; DevTools shows them on the page's timeline.

pub const PUSH_START: &str = "daicho:push:start";
/// The last batch answered (none set when the push failed).
pub const PUSH_END: &str = "daicho:push:end";
pub const PULL_START: &str = "daicho:pull:start";
/// A page's events received and read.
pub const PAGE_FETCHED: &str = "daicho:pull:fetched";
/// A page applied, in its own transaction.
pub const PAGE_APPLIED: &str = "daicho:pull:applied";
/// The last page applied.
pub const PULL_END: &str = "daicho:pull:end";

/// A checked write (`Store::record`) began: its transaction is open.
pub const WRITE_START: &str = "daicho:write:start";
/// Its verdict's facts read (and the chain's head beside them).
pub const WRITE_JUDGED: &str = "daicho:write:judged";
/// Its verdict taken from the door's facts read ahead (`store::door_ahead`), not read again.
pub const WRITE_JUDGED_AHEAD: &str = "daicho:write:judged-ahead";
/// Its event and records issued, before the commit.
pub const WRITE_APPLIED: &str = "daicho:write:applied";
/// Its transaction committed.
pub const WRITE_COMMITTED: &str = "daicho:write:committed";
/// It was an entry let in on facts read ahead and written in one round (`Store::record_planned`).
pub const WRITE_IN_ONE_ROUND: &str = "daicho:write:in-one-round";

/// What each start clears first: a tablet left open for weeks keeps its last push's, last
/// pull's and last write's marks, not every one since it was opened.
const PUSH: [&str; 2] = [PUSH_START, PUSH_END];
const PULL: [&str; 4] = [PULL_START, PAGE_FETCHED, PAGE_APPLIED, PULL_END];
const WRITE: [&str; 6] = [
    WRITE_START,
    WRITE_JUDGED,
    WRITE_JUDGED_AHEAD,
    WRITE_APPLIED,
    WRITE_COMMITTED,
    WRITE_IN_ONE_ROUND,
];

/// Sets the mark `name`. A mark the browser refuses only loses a figure of the bench.
pub fn mark(name: &str) {
    let Some(performance) = web_sys::window().and_then(|w| w.performance()) else {
        return;
    };
    let earlier = match name {
        PUSH_START => &PUSH[..],
        PULL_START => &PULL[..],
        WRITE_START => &WRITE[..],
        _ => &[],
    };
    for m in earlier {
        performance.clear_marks_with_mark_name(m);
    }
    let _ = performance.mark(name);
}
