//! The state the signer keeps between requests: the per-user rate limit and the webhook replay
//! cache. In memory by default (one instance); in Redis with `[server] state = "redis://..."`,
//! shared by every instance that names the same Redis (see [`crate::redis_store`]).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::http::StatusCode;

use crate::config::{ConfigError, ServerConfig, StateBackend};
use crate::error::ApiError;
use crate::ratelimit::RateLimiter;
use crate::redis_store::RedisStore;

/// How many recent notifications the in-memory replay cache holds; when it is full of
/// unexpired entries new notifications are refused with 503 (Cloudinary retries them).
pub const WEBHOOK_REPLAY_CACHE: usize = 100_000;

/// A webhook's replay key: (account id, lower-case signature).
pub type ReplayKey = (String, String);

/// What the replay cache says about a notification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Remembered {
    /// First time seen: now recorded.
    New,
    /// Already accepted within its validity window.
    Replayed,
    /// The in-memory cache is full of unexpired entries.
    Full,
}

/// The rate limiter and replay cache backend.
#[derive(Debug)]
pub enum Store {
    /// This process only.
    Memory {
        /// Per-user token buckets.
        limiter: RateLimiter,
        /// Notifications already accepted → when the entry may be forgotten.
        seen: Mutex<HashMap<ReplayKey, u64>>,
    },
    /// Shared by every instance on the same Redis.
    Redis(Box<RedisStore>),
}

/// The state store could not be reached: the request is refused (503), never signed.
#[derive(Debug, Clone)]
pub struct StoreUnavailable;

impl From<StoreUnavailable> for ApiError {
    fn from(_: StoreUnavailable) -> Self {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "state_unavailable",
            "the signer's shared state store (Redis) does not answer; retry later",
        )
        .with_rule("server.state")
    }
}

impl Store {
    /// The store `server.state` names.
    pub fn new(srv: &ServerConfig) -> Result<Self, ConfigError> {
        Ok(match &srv.state {
            StateBackend::Memory => Store::Memory {
                limiter: RateLimiter::new(srv.rate_limit_per_minute, srv.rate_limit_burst),
                seen: Mutex::new(HashMap::new()),
            },
            StateBackend::Redis {
                url,
                on_unavailable,
            } => Store::Redis(Box::new(RedisStore::new(url, *on_unavailable, srv)?)),
        })
    }

    /// Where a user's rate limit applies, for messages: `"instance"` or `"deployment"`.
    pub fn scope(&self) -> &'static str {
        match self {
            Store::Memory { .. } => "instance",
            Store::Redis(_) => "deployment",
        }
    }

    /// Takes one rate-limit token for `user`; `Ok(Err(wait))` when the user must wait.
    pub async fn take_token(&self, user: &str) -> Result<Result<(), Duration>, StoreUnavailable> {
        match self {
            Store::Memory { limiter, .. } => Ok(limiter.check(user, Instant::now())),
            Store::Redis(r) => r.take_token(user).await,
        }
    }

    /// Records an accepted notification unless it was accepted already.
    pub async fn remember_webhook(
        &self,
        key: &ReplayKey,
        forget_after: u64,
        now: u64,
    ) -> Result<Remembered, StoreUnavailable> {
        match self {
            Store::Memory { seen, .. } => {
                let mut seen = seen
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                if seen.get(key).is_some_and(|&until| until >= now) {
                    return Ok(Remembered::Replayed);
                }
                if seen.len() >= WEBHOOK_REPLAY_CACHE {
                    seen.retain(|_, until| *until >= now);
                    if seen.len() >= WEBHOOK_REPLAY_CACHE {
                        return Ok(Remembered::Full);
                    }
                }
                seen.insert(key.clone(), forget_after);
                Ok(Remembered::New)
            }
            Store::Redis(r) => r.remember_webhook(key, forget_after, now).await,
        }
    }

    /// Forgets a notification whose forward failed, so that Cloudinary's retry gets through.
    /// Runs from `Drop`: the Redis deletion is spawned.
    pub fn forget_webhook(&self, key: ReplayKey) {
        match self {
            Store::Memory { seen, .. } => {
                seen.lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .remove(&key);
            }
            Store::Redis(r) => r.forget_webhook(key),
        }
    }
}
