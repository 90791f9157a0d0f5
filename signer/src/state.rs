//! The signer's state: its validated configuration, token verifier, shared store (rate limits
//! and the webhook replay cache), outbound client and clock, behind one cheap-to-clone
//! [`Signer`] handle that every handler receives as axum state.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use axum::Router;

use crate::auth::Verifier;
use crate::config::{Config, ConfigError, Secret};
use crate::error::ApiError;
use crate::outbound::Outbound;
use crate::store::Store;
use crate::token::{mint_token_with_kid, DevTokenRequest};
use crate::{crypto, telemetry};

/// The signer's clock: Unix seconds. Tests inject a fixed one.
pub type Clock = Arc<dyn Fn() -> u64 + Send + Sync>;

/// The system clock.
pub fn system_clock() -> Clock {
    Arc::new(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0)
    })
}

/// How the signer runs.
#[derive(Clone)]
pub struct Options {
    /// Development mode: `POST /v1/dev/token` exists. Never in production.
    pub dev: bool,
    /// The clock.
    pub clock: Clock,
}

impl std::fmt::Debug for Options {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Options")
            .field("dev", &self.dev)
            .finish_non_exhaustive()
    }
}

impl Default for Options {
    fn default() -> Self {
        Options {
            dev: false,
            clock: system_clock(),
        }
    }
}

pub(crate) struct Inner {
    pub(crate) cfg: Config,
    pub(crate) verifier: Verifier,
    pub(crate) store: Store,
    pub(crate) clock: Clock,
    /// The key `POST /v1/dev/token` mints with (development mode only).
    pub(crate) dev_key: Option<Secret>,
    pub(crate) outbound: Outbound,
    issued: AtomicU64,
}

/// A configured signer; cheap to clone.
#[derive(Clone)]
pub struct Signer(pub(crate) Arc<Inner>);

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer")
            .field("accounts", &self.0.cfg.accounts.len())
            .finish_non_exhaustive()
    }
}

impl Signer {
    /// Builds the signer. In production a token verification key is required. Development
    /// mode needs a configuration whose `[identity] environment` is `"dev"`, and mints its
    /// tokens with an ephemeral per-process key (kid `"dev"`) that only this process accepts:
    /// a token from `POST /v1/dev/token` is worthless to any other signer, including a
    /// production one with the same configuration.
    ///
    /// JWKS key sets (`[[auth.keys]] jwks_url` / `oidc_issuer`) are not fetched here: call
    /// [`Signer::start`] (the binary does) or let the first token fetch them.
    pub fn new(cfg: Config, opts: Options) -> Result<Self, ConfigError> {
        let (verifier, dev_key) = if opts.dev {
            if cfg.identity.environment != cloudinary_connector::Environment::Dev {
                return Err(ConfigError(format!(
                    "development mode needs a development configuration: set `environment = \"dev\"` in \
                     [identity] (this configuration's environment is {:?})",
                    cfg.identity.environment.as_str()
                )));
            }
            let mut raw = [0u8; 32];
            getrandom::getrandom(&mut raw)
                .map_err(|e| ConfigError(format!("cannot generate a development key: {e}")))?;
            let key = Secret::new(crypto::hex(&raw));
            (Verifier::new(&cfg.auth, Some(&key)), Some(key))
        } else {
            (Verifier::new(&cfg.auth, None), None)
        };
        if !verifier.has_keys() {
            return Err(ConfigError(
                "no token verification key: add an [[auth.keys]] table (or set CLD_SIGNER_JWT_KEY with CLOUDINARY_URL)"
                    .into(),
            ));
        }
        telemetry::install();
        Ok(Signer(Arc::new(Inner {
            store: Store::new(&cfg.server)?,
            outbound: Outbound::new(&cfg),
            verifier,
            clock: opts.clock,
            dev_key,
            cfg,
            issued: AtomicU64::new(0),
        })))
    }

    /// The start-up checks of a production signer: every JWKS key set is fetched (an
    /// unreachable provider or an unusable document is an error), and a Redis state store must
    /// answer.
    pub async fn start(&self) -> Result<(), String> {
        self.0.verifier.start().await.map_err(|e| e.to_string())?;
        if let crate::store::Store::Redis(r) = &self.0.store {
            r.ping().await.map_err(|_| {
                "server.state: the Redis server does not answer (is it running, and is the URL right?)"
                    .to_owned()
            })?;
        }
        Ok(())
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.0.cfg
    }

    /// Whether this signer runs in development mode.
    pub fn is_dev(&self) -> bool {
        self.0.dev_key.is_some()
    }

    /// How many signatures this instance has issued (every kind).
    pub fn signatures_issued(&self) -> u64 {
        self.0.issued.load(Ordering::Relaxed)
    }

    /// Counts one signature of `kind` for `account` (this instance's count and the metrics).
    pub(crate) fn issued(&self, kind: &'static str, account: &str) {
        self.0.issued.fetch_add(1, Ordering::Relaxed);
        telemetry::signature(kind, account);
    }

    /// The signer's clock, now.
    pub(crate) fn now(&self) -> u64 {
        (self.0.clock)()
    }

    /// The User-Agent of outbound calls.
    pub fn user_agent(&self) -> &str {
        self.0.outbound.user_agent()
    }

    /// The token verifier.
    pub fn verifier(&self) -> &Verifier {
        &self.0.verifier
    }

    /// Mints a development token (development mode only).
    pub fn mint_dev_token(&self, req: &DevTokenRequest) -> Result<(String, u64), ApiError> {
        let key = self
            .0
            .dev_key
            .as_ref()
            .ok_or_else(crate::routes::not_found)?;
        mint_token_with_kid(&self.0.cfg, key, Some("dev"), req, self.now())
    }

    /// The HTTP service: the routes behind the edge layers (CORS, panic barrier, timeout,
    /// metrics).
    pub fn router(&self) -> Router {
        crate::app::layers(crate::routes::router(self), self).with_state(self.clone())
    }
}
