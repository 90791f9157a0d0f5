//! The Redis backend of [`crate::store::Store`] (`[server] state = "redis://..."`): one rate
//! limit per user across every instance that names the same Redis, and one webhook replay cache.
//!
//! * The rate limit is a token bucket kept in a Redis hash and updated by one Lua script
//!   (atomic, with Redis's own clock, so the instances' clocks do not matter). One round trip
//!   takes a *lease* of up to `server.state_lease` tokens (never more than a quarter of what the
//!   bucket holds, so the last tokens go one at a time); the instance spends the rest locally
//!   within [`LEASE_TTL`], then drops what is left. Leased tokens are taken from the shared
//!   bucket, so a deployment never grants more than one budget in the long run; the bound on a
//!   short burst is one budget plus the tokens the instances still hold (at most N ×
//!   `state_lease`, each within [`LEASE_TTL`] of being taken). One round trip per request cost
//!   half of the memory state's throughput (bench in docs/signer.md).
//! * A notification is recorded with `SET key 1 NX EX ttl`: the first instance to record it wins,
//!   every other instance (and every later retry) sees it as a replay.
//!
//! Redis unavailable (not answering within `server.state_timeout_ms`): the replay cache fails
//! closed (503, Cloudinary retries the notification); the rate limiter follows
//! `server.state_unavailable`: `"refuse"` (default: 503, nothing signed) or `"local"` (this
//! instance's own buckets, so each instance allows one budget). Both log an error line and count
//! `cld_signer_state_errors_total`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use dashmap::DashMap;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::Script;
use tokio::sync::OnceCell;

use crate::config::{ConfigError, ServerConfig, StateUnavailable};
use crate::ratelimit::RateLimiter;
use crate::store::{Remembered, ReplayKey, StoreUnavailable};
use crate::telemetry;

/// The token bucket: `KEYS[1]` the user's bucket, `ARGV[1]` tokens per millisecond,
/// `ARGV[2]` the burst, `ARGV[3]` the largest lease. Returns `{granted, wait_ms}`: the tokens
/// taken (at least 1, at most a quarter of those in the bucket), or 0 and how long to wait.
pub const TAKE_TOKENS: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local lease = tonumber(ARGV[3])
local b = redis.call('HMGET', KEYS[1], 'tokens', 'last')
local tokens = tonumber(b[1]) or burst
local last = tonumber(b[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - last) * rate)
local granted = 0
local wait = 0
if tokens >= 1 then
  granted = math.min(lease, math.max(1, math.floor(tokens / 4)))
  tokens = tokens - granted
else
  wait = math.ceil((1 - tokens) / rate)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'last', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate) + 1000)
return {granted, wait}
";

/// How long an instance may spend the tokens of a lease before it drops them.
pub const LEASE_TTL: Duration = Duration::from_secs(1);
/// Most users with a lease held at once; past it, expired leases are dropped.
const MAX_LEASES: usize = 65_536;

/// Tokens this instance took from the shared bucket and has not spent yet.
#[derive(Debug, Clone, Copy)]
struct Lease {
    tokens: u32,
    until: Instant,
}

/// The instance's leases, by user.
#[derive(Debug, Default)]
pub(crate) struct Leases(DashMap<Box<str>, Lease>);

impl Leases {
    /// Spends one leased token of `user`'s, if one is held and its lease has not expired.
    fn spend(&self, user: &str, now: Instant) -> bool {
        match self.0.get_mut(user) {
            Some(mut l) if l.tokens > 0 && now < l.until => {
                l.tokens -= 1;
                true
            }
            _ => false,
        }
    }

    /// Keeps `tokens` more for `user` until `now + LEASE_TTL` (added to what is held).
    fn hold(&self, user: &str, tokens: u32, now: Instant) {
        if tokens == 0 {
            return;
        }
        let until = now + LEASE_TTL;
        if self.0.len() >= MAX_LEASES {
            self.0.retain(|_, l| l.tokens > 0 && now < l.until);
        }
        self.0
            .entry(user.into())
            .and_modify(|l| {
                l.tokens = if now < l.until {
                    l.tokens + tokens
                } else {
                    tokens
                };
                l.until = until;
            })
            .or_insert(Lease { tokens, until });
    }
}

/// Keys: `cld-signer:rl:<user>` and `cld-signer:wh:<account>:<signature>`.
const PREFIX: &str = "cld-signer:";

/// A Redis-backed store.
pub struct RedisStore {
    client: redis::Client,
    conn: OnceCell<ConnectionManager>,
    timeout: Duration,
    on_unavailable: StateUnavailable,
    per_ms: f64,
    burst: u32,
    lease: u32,
    script: Script,
    leases: Leases,
    /// This instance's buckets, used when Redis is down and `state_unavailable = "local"`.
    fallback: RateLimiter,
}

impl std::fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL is not shown: it may hold a password.
        f.debug_struct("RedisStore")
            .field("on_unavailable", &self.on_unavailable)
            .finish_non_exhaustive()
    }
}

impl RedisStore {
    /// A store on `url` (connected on first use, reconnected after failures).
    pub fn new(
        url: &str,
        on_unavailable: StateUnavailable,
        srv: &ServerConfig,
    ) -> Result<Self, ConfigError> {
        let client = redis::Client::open(url).map_err(|e| {
            ConfigError(format!(
                "server.state: not a Redis URL like redis://127.0.0.1:6379/0 ({})",
                e.category()
            ))
        })?;
        Ok(RedisStore {
            client,
            conn: OnceCell::new(),
            timeout: Duration::from_millis(srv.state_timeout_ms),
            on_unavailable,
            per_ms: f64::from(srv.rate_limit_per_minute) / 60_000.0,
            burst: srv.rate_limit_burst.max(1),
            lease: srv.state_lease.max(1),
            script: Script::new(TAKE_TOKENS),
            leases: Leases::default(),
            fallback: RateLimiter::new(srv.rate_limit_per_minute, srv.rate_limit_burst),
        })
    }

    async fn conn(&self) -> Result<ConnectionManager, StoreUnavailable> {
        let cfg = ConnectionManagerConfig::new()
            .set_connection_timeout(self.timeout)
            .set_response_timeout(self.timeout)
            .set_number_of_retries(1);
        self.conn
            .get_or_try_init(|| self.client.get_connection_manager_with_config(cfg))
            .await
            .cloned()
            .map_err(|e| unavailable("connect", &e))
    }

    /// Checks that Redis answers (start-up and the shared-state tests).
    pub async fn ping(&self) -> Result<(), StoreUnavailable> {
        let mut c = self.conn().await?;
        redis::cmd("PING")
            .query_async::<String>(&mut c)
            .await
            .map(drop)
            .map_err(|e| unavailable("ping", &e))
    }

    pub(crate) async fn take_token(
        &self,
        user: &str,
    ) -> Result<Result<(), Duration>, StoreUnavailable> {
        if self.leases.spend(user, Instant::now()) {
            return Ok(Ok(()));
        }
        let result = async {
            let mut c = self.conn().await?;
            self.script
                .key(format!("{PREFIX}rl:{user}"))
                .arg(self.per_ms)
                .arg(self.burst)
                .arg(self.lease)
                .invoke_async::<(u32, u64)>(&mut c)
                .await
                .map_err(|e| unavailable("rate_limit", &e))
        }
        .await;
        match result {
            Ok((0, wait_ms)) => Ok(Err(Duration::from_millis(wait_ms.max(1)))),
            Ok((granted, _)) => {
                self.leases.hold(user, granted - 1, Instant::now());
                Ok(Ok(()))
            }
            Err(e) => match self.on_unavailable {
                StateUnavailable::Refuse => Err(e),
                StateUnavailable::Local => Ok(self.fallback.check(user, Instant::now())),
            },
        }
    }

    pub(crate) async fn remember_webhook(
        &self,
        key: &ReplayKey,
        forget_after: u64,
        now: u64,
    ) -> Result<Remembered, StoreUnavailable> {
        let mut c = self.conn().await?;
        let ttl = forget_after.saturating_sub(now).max(1);
        let set: Option<String> = redis::cmd("SET")
            .arg(replay_key(key))
            .arg(1)
            .arg("NX")
            .arg("EX")
            .arg(ttl)
            .query_async(&mut c)
            .await
            .map_err(|e| unavailable("replay_cache", &e))?;
        Ok(if set.is_some() {
            Remembered::New
        } else {
            Remembered::Replayed
        })
    }

    pub(crate) fn forget_webhook(&self, key: ReplayKey) {
        let Some(c) = self.conn.get().cloned() else {
            return;
        };
        let Ok(rt) = tokio::runtime::Handle::try_current() else {
            return;
        };
        rt.spawn(async move {
            let mut c = c;
            if let Err(e) = redis::cmd("DEL")
                .arg(replay_key(&key))
                .query_async::<u64>(&mut c)
                .await
            {
                // The entry expires on its own; until then Cloudinary's retry is refused.
                unavailable("replay_forget", &e);
            }
        });
    }
}

fn replay_key((account, sig): &ReplayKey) -> String {
    format!("{PREFIX}wh:{account}:{sig}")
}

/// When the last "unavailable" line was logged (Unix seconds): during an outage every request
/// fails, and one line per [`LOG_EVERY_SECS`] says so (the metric counts every failure).
static LAST_LOGGED: AtomicU64 = AtomicU64::new(0);
const LOG_EVERY_SECS: u64 = 10;

fn unavailable(op: &'static str, e: &redis::RedisError) -> StoreUnavailable {
    telemetry::state_error(op);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let last = LAST_LOGGED.load(Ordering::Relaxed);
    if now >= last + LOG_EVERY_SECS
        && LAST_LOGGED
            .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
            .is_ok()
    {
        // The error's category only: its text can quote the URL (and a password in it).
        tracing::error!(
            op,
            error_kind = e.category(),
            "the shared state store (Redis) is unavailable: refusing what needs it (see server.state_unavailable)"
        );
    }
    StoreUnavailable
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lease_is_spent_token_by_token_then_runs_out() {
        let (l, t0) = (Leases::default(), Instant::now());
        assert!(!l.spend("u", t0), "nothing held before a lease");
        l.hold("u", 2, t0);
        assert!(l.spend("u", t0));
        assert!(l.spend("u", t0 + Duration::from_millis(10)));
        assert!(
            !l.spend("u", t0 + Duration::from_millis(20)),
            "two tokens, two requests"
        );
        assert!(!l.spend("other", t0), "leases are per user");
    }

    #[test]
    fn an_expired_lease_is_dropped_not_spent() {
        let (l, t0) = (Leases::default(), Instant::now());
        l.hold("u", 5, t0);
        assert!(
            !l.spend("u", t0 + LEASE_TTL),
            "tokens older than LEASE_TTL are not spent"
        );
        // A new lease replaces the expired one instead of adding to it.
        l.hold("u", 1, t0 + LEASE_TTL);
        assert!(l.spend("u", t0 + LEASE_TTL));
        assert!(!l.spend("u", t0 + LEASE_TTL));
    }

    #[test]
    fn a_second_lease_within_the_ttl_adds_to_the_first() {
        let (l, t0) = (Leases::default(), Instant::now());
        l.hold("u", 1, t0);
        l.hold("u", 1, t0 + Duration::from_millis(500));
        assert!(
            l.spend("u", t0 + Duration::from_millis(1200)),
            "the second lease renewed the ttl"
        );
        assert!(l.spend("u", t0 + Duration::from_millis(1200)));
        assert!(!l.spend("u", t0 + Duration::from_millis(1200)));
        l.hold("u", 0, t0);
        assert!(
            !l.spend("u", t0 + Duration::from_millis(1200)),
            "holding 0 holds nothing"
        );
    }
}
