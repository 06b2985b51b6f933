//! Enrollment attempts limited per client address (governor's keyed GCRA limiter), so a
//! one-time code cannot be guessed at speed: a burst, then one attempt per interval. An IPv6
//! client is counted by its /64, the block one host usually holds.

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

/// How often the addresses whose attempts are all forgiven are forgotten (bounds the memory).
const FORGET_EVERY_MS: i64 = 60_000;

pub struct EnrollLimiter {
    limiter: DefaultKeyedRateLimiter<IpAddr>,
    last_forgotten_ms: AtomicI64,
}

impl EnrollLimiter {
    /// `burst` attempts at once, then one more every `interval`.
    pub fn new(burst: u32, interval: Duration) -> Self {
        let burst = NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN);
        let quota = Quota::with_period(interval.max(Duration::from_millis(1)))
            .expect("a period above zero")
            .allow_burst(burst);
        EnrollLimiter {
            limiter: DefaultKeyedRateLimiter::keyed(quota),
            last_forgotten_ms: AtomicI64::new(crate::now_ms()),
        }
    }

    /// Counts an attempt from `address`: `Err(wait)` if it must wait that long first.
    pub fn attempt(&self, address: IpAddr) -> Result<(), Duration> {
        self.forget_idle();
        self.limiter
            .check_key(&client(address))
            .map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now()))
    }

    /// At most once a minute: drops the addresses that would start afresh anyway.
    fn forget_idle(&self) {
        let now = crate::now_ms();
        let last = self.last_forgotten_ms.load(Ordering::Relaxed);
        if now - last >= FORGET_EVERY_MS
            && self
                .last_forgotten_ms
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            self.limiter.retain_recent();
            self.limiter.shrink_to_fit();
        }
    }
}

/// The key an address is counted under: IPv4 as is (also when mapped into IPv6), IPv6 by /64.
fn client(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6((u128::from(v6) & !u128::from(u64::MAX)).into()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_then_a_wait_per_address() {
        let limiter = EnrollLimiter::new(2, Duration::from_secs(60));
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        assert!(limiter.attempt(a).is_ok());
        assert!(limiter.attempt(a).is_ok());
        let wait = limiter.attempt(a).unwrap_err();
        assert!(wait > Duration::from_secs(50) && wait <= Duration::from_secs(60));
        assert!(
            limiter.attempt(b).is_ok(),
            "another address has its own burst"
        );
    }

    #[test]
    fn an_ipv6_host_is_counted_by_its_64() {
        let one: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let same: IpAddr = "2001:db8:1:2:bbbb::9".parse().unwrap();
        assert_eq!(client(one), client(same));
        let mapped: IpAddr = "::ffff:192.0.2.1".parse().unwrap();
        assert_eq!(client(mapped), "192.0.2.1".parse::<IpAddr>().unwrap());
    }
}
