//! Per-user token buckets. The limit is per signer instance: behind a load balancer with N
//! instances a user gets at most N times the configured rate (see docs/signer.md).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

const SHARDS: usize = 16;
/// Buckets kept per shard before full (idle) buckets are dropped.
const MAX_BUCKETS_PER_SHARD: usize = 4096;

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    last: Instant,
}

/// A sharded map of token buckets keyed by user id.
#[derive(Debug)]
pub struct RateLimiter {
    per_sec: f64,
    burst: f64,
    shards: Vec<Mutex<HashMap<String, Bucket>>>,
}

impl RateLimiter {
    /// `per_minute` requests per minute on average, bursts up to `burst`.
    pub fn new(per_minute: u32, burst: u32) -> Self {
        RateLimiter {
            per_sec: f64::from(per_minute) / 60.0,
            burst: f64::from(burst.max(1)),
            shards: (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect(),
        }
    }

    fn shard(&self, key: &str) -> &Mutex<HashMap<String, Bucket>> {
        // FNV-1a: cheap and stable.
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in key.bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        &self.shards[(h as usize) % SHARDS]
    }

    /// Takes one token for `key` at `now`; on refusal, how long until one is available.
    pub fn check(&self, key: &str, now: Instant) -> Result<(), Duration> {
        let mut map = self.shard(key).lock().unwrap_or_else(|p| p.into_inner());
        // A known user (every request but a user's first) costs no allocation.
        if !map.contains_key(key) {
            if map.len() >= MAX_BUCKETS_PER_SHARD {
                let (per_sec, burst) = (self.per_sec, self.burst);
                map.retain(|_, b| {
                    b.tokens + now.saturating_duration_since(b.last).as_secs_f64() * per_sec < burst
                });
            }
            map.insert(
                key.to_owned(),
                Bucket {
                    tokens: self.burst,
                    last: now,
                },
            );
        }
        let b = map.get_mut(key).expect("inserted above");
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
