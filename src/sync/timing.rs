//! User Timing marks of a sync (`performance.mark`): the bench reads the push's and the pull's
//! own start and end from them (as its floors time a POST and a GET), and DevTools shows them
//! on the page's timeline.

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

/// What each start clears first: a tablet left open for weeks keeps its last push's and last
/// pull's marks, not every one since it was opened.
const PUSH: [&str; 2] = [PUSH_START, PUSH_END];
const PULL: [&str; 4] = [PULL_START, PAGE_FETCHED, PAGE_APPLIED, PULL_END];

/// Sets the mark `name`. A mark the browser refuses only loses a figure of the bench.
pub fn mark(name: &str) {
    let Some(performance) = web_sys::window().and_then(|w| w.performance()) else {
        return;
    };
    let earlier = match name {
        PUSH_START => &PUSH[..],
        PULL_START => &PULL[..],
        _ => &[],
    };
    for m in earlier {
        performance.clear_marks_with_mark_name(m);
    }
    let _ = performance.mark(name);
}
