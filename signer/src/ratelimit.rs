//! Per-user token buckets in this process: the memory state's rate limit (one budget per
//! instance), and the Redis state's fallback while Redis does not answer (`state_unavailable =
//! "local"`). The Redis state's shared limit is in [`crate::redis_store`].

use std::time::{Duration, Instant};

use dashmap::DashMap;

/// Buckets kept before full (idle) buckets are dropped.
const MAX_BUCKETS: usize = 65_536;

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    last: Instant,
}

/// Token buckets keyed by user id, in a concurrent map (`dashmap`: sharded locks, so requests
/// of different users rarely wait on each other).
#[derive(Debug)]
pub struct RateLimiter {
    per_sec: f64,
    burst: f64,
    buckets: DashMap<Box<str>, Bucket>,
}

impl RateLimiter {
    /// `per_minute` requests per minute on average, bursts up to `burst`.
    pub fn new(per_minute: u32, burst: u32) -> Self {
        RateLimiter {
            per_sec: f64::from(per_minute) / 60.0,
            burst: f64::from(burst.max(1)),
            buckets: DashMap::new(),
        }
    }

    /// Takes one token for `key` at `now`; on refusal, how long until one is available.
    pub fn check(&self, key: &str, now: Instant) -> Result<(), Duration> {
        // A known user (every request but a user's first) costs no allocation.
        let mut b = match self.buckets.get_mut(key) {
            Some(b) => b,
            None => {
                if self.buckets.len() >= MAX_BUCKETS {
                    let (per_sec, burst) = (self.per_sec, self.burst);
                    self.buckets.retain(|_, b| {
                        b.tokens + now.saturating_duration_since(b.last).as_secs_f64() * per_sec
                            < burst
                    });
                }
                self.buckets.entry(key.into()).or_insert(Bucket {
                    tokens: self.burst,
                    last: now,
                })
            }
        };
        let elapsed = now.saturating_duration_since(b.last).as_secs_f64();
        b.tokens = (b.tokens + elapsed * self.per_sec).min(self.burst);
        b.last = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - b.tokens) / self.per_sec))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burst_then_refill() {
        let rl = RateLimiter::new(60, 3);
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(rl.check("u", t0).is_ok());
        }
        let wait = rl.check("u", t0).unwrap_err();
        assert!(
            wait <= Duration::from_secs(1) && wait > Duration::from_millis(900),
            "{wait:?}"
        );
        assert!(rl.check("other", t0).is_ok(), "users have separate buckets");
        assert!(rl.check("u", t0 + Duration::from_secs(1)).is_ok());
    }
}
