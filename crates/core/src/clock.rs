//! Hybrid logical clock: wall time in milliseconds plus a counter, so that events made on
//! devices with slightly different clocks still fold in an order every device agrees on.

use serde::{Deserialize, Serialize};

#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Hlc {
    pub wall_ms: i64,
    pub counter: u32,
}

impl Hlc {
    /// The clock value for a new local event at wall time `now_ms`.
    pub fn tick(self, now_ms: i64) -> Hlc {
        if now_ms > self.wall_ms {
            Hlc {
                wall_ms: now_ms,
                counter: 0,
            }
        } else {
            Hlc {
                wall_ms: self.wall_ms,
                counter: self.counter + 1,
            }
        }
    }

    /// The clock after seeing `remote` (an event from another device) at wall time `now_ms`:
    /// later than both, so what we record next sorts after what we have seen.
    pub fn observe(self, remote: Hlc, now_ms: i64) -> Hlc {
        let wall = self.wall_ms.max(remote.wall_ms).max(now_ms);
        let counter = match (wall == self.wall_ms, wall == remote.wall_ms) {
            (true, true) => self.counter.max(remote.counter) + 1,
            (true, false) => self.counter + 1,
            (false, true) => remote.counter + 1,
            (false, false) => 0,
        };
        Hlc {
            wall_ms: wall,
            counter,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tick_moves_forward_even_when_the_wall_clock_stands_still_or_goes_back() {
        let a = Hlc::default().tick(1_000);
        let b = a.tick(1_000);
        let c = b.tick(900);
        assert!(a < b && b < c);
        assert_eq!(c.wall_ms, 1_000);
    }

    #[test]
    fn observe_sorts_after_the_remote_event() {
        let local = Hlc::default().tick(1_000);
        let remote = Hlc {
            wall_ms: 5_000,
            counter: 3,
        };
        let after = local.observe(remote, 2_000);
        assert!(after > remote && after > local);
    }
}
