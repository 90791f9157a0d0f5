//! The companion signing endpoint: the only process that holds Cloudinary API secrets.
//!
//! [`app()`] builds the whole HTTP service from a validated [`config::Config`], so tests drive it
//! in-process with `oneshot`; [`Signer`] does the same with a test clock and exposes the count of
//! signatures issued.
//!
//! Endpoints (JSON, versioned):
//!
//! | method + path | who | what |
//! |---|---|---|
//! | `GET /v1/health` | anyone | liveness and version |
//! | `GET /v1/accounts` | token | accounts, sub-accounts and the caller's role + permissions |
//! | `POST /v1/sign/upload` | uploader | Upload API signature of `params_to_sign` |
//! | `POST /v1/sign/media-library` | uploader | Media Library login signature |
//! | `POST /v1/sign/delivery` | viewer | delivery-URL signature |
//! | `POST /v1/sign/delivery/batch` | viewer | up to `server.max_batch` delivery-URL signatures, all or none |
//! | `POST /v1/verify/api-signature` | viewer | check an API signature (e.g. an upload response's) |
//! | `GET /v1/accounts/{id}/check` | admin | credential check against Cloudinary |
//! | `GET /v1/accounts/{id}/sub-accounts` | admin | Provisioning API sub-account listing |
//! | `POST /v1/webhooks/cloudinary/{id}` | Cloudinary | verify a notification, forward it to the host |
//! | `POST /v1/dev/token` | development mode only | mint a token for the demo host |
//! | `GET /metrics` | the scraper | Prometheus metrics ([`telemetry`]) |
//!
//! The crate is laid out the axum way: [`state`] (the shared [`Signer`]), [`extract`] (the
//! [`extract::Authenticated`] extractor), `routes` (one module per endpoint), [`app`] (the edge
//! layers), [`config`] (model, TOML form, secret rules), [`auth`] (static keys and JWKS key
//! sets), [`store`] (rate limits and replay cache, in memory or in Redis).

pub mod app;
pub mod auth;
pub mod config;
pub mod cors;
pub mod crypto;
pub mod error;
pub mod extract;
pub mod jwks;
pub mod outbound;
pub mod policy;
pub mod ratelimit;
pub mod redis_store;
mod routes;
pub mod serve;
pub mod state;
pub mod store;
pub mod telemetry;
pub mod token;

pub use state::{system_clock, Clock, Options, Signer};
pub use store::WEBHOOK_REPLAY_CACHE;
pub use token::{mint_token, DevTokenRequest};

/// The signer's version, reported by the health check.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Builds the whole HTTP service for `cfg` in production mode with the system clock.
///
/// # Panics
/// If `cfg` has no token verification key (the binary reports that as a start-up error).
pub fn app(cfg: config::Config) -> axum::Router {
    Signer::new(cfg, Options::default())
        .expect("a token verification key is configured")
        .router()
}
