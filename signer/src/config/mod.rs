//! The signer's configuration: a TOML file (or `CLOUDINARY_URL` alone), validated completely at
//! start-up. Secrets are never written in the file: each one is named by the environment
//! variable (or the file) that holds it, and no error message ever prints a secret.
//!
//! This module is the validated model; [`toml`](self::toml) reads the file form into it and
//! [`secrets`] holds the secret rules (where a secret may come from, what is never written inline).

mod secrets;
mod toml;

use std::collections::BTreeMap;
use std::fmt;

use crate::cors::OriginPattern;
use crate::policy::{FolderMode, Role, RolePolicy};

pub use self::secrets::{Env, ProcessEnv, Secret};
pub use self::toml::{
    from_cloudinary_url, from_toml, load_file, DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_PARAMS,
    MIN_HS256_KEY_BYTES,
};

/// Why the configuration was refused. The message names the place (file line, key path or
/// environment variable) and never contains a secret value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError(pub String);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

pub(crate) fn err<T>(msg: impl Into<String>) -> Result<T, ConfigError> {
    Err(ConfigError(msg.into()))
}

/// The Cloudinary products an account is used for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Product {
    /// Programmable Media: uploads, transformations, delivery URLs.
    ProgrammableMedia,
    /// Assets (DAM): the Media Library.
    Dam,
}

impl Product {
    pub(crate) fn parse(s: &str, path: &str) -> Result<Self, ConfigError> {
        match s {
            "programmable_media" => Ok(Product::ProgrammableMedia),
            "dam" => Ok(Product::Dam),
            _ => err(format!(
                "{path}.product: unknown product; expected \"programmable_media\" or \"dam\""
            )),
        }
    }
}

/// The digest used for Upload API and delivery signatures: the plugin's own
/// [`SignatureAlgorithm`](cloudinary_connector::core::url::SignatureAlgorithm) (`sha1`, the
/// default, or `sha256`), one type on both sides of the wire contract.
pub use cloudinary_connector::core::url::SignatureAlgorithm as Algorithm;

/// Credentials of the Provisioning (Account) API, used to list sub-accounts.
#[derive(Clone, Debug)]
pub struct Provisioning {
    /// The Cloudinary account id (not a cloud name).
    pub account_id: String,
    /// The provisioning API key.
    pub api_key: String,
    /// The provisioning API secret.
    pub api_secret: Secret,
}

/// One Cloudinary product environment the signer holds the secret of.
#[derive(Clone, Debug)]
pub struct Account {
    /// Stable id used by callers and in tokens' `roles`.
    pub id: String,
    /// Human label.
    pub label: String,
    /// Cloud name.
    pub cloud_name: String,
    /// Public API key.
    pub api_key: String,
    /// The API secret.
    pub api_secret: Secret,
    /// Products used with this account.
    pub products: Vec<Product>,
    /// Default digest for upload signatures.
    pub signature_algorithm: Algorithm,
    /// Policy per role.
    pub policy: BTreeMap<Role, RolePolicy>,
    /// How the account computes public ids (`folder_mode`; sub-accounts inherit it).
    pub folder_mode: FolderMode,
    /// The parent account's id, for a sub-account.
    pub parent: Option<String>,
    /// Provisioning API credentials (top-level accounts only).
    pub provisioning: Option<Provisioning>,
}

/// How a caller's JWT is verified.
#[derive(Clone, Debug)]
pub enum KeyMaterial {
    /// HS256 shared key.
    Hs256(Secret),
    /// EdDSA (Ed25519) public key, PEM.
    EdDsaPem(String),
    /// RS256 public key, PEM.
    Rs256Pem(String),
}

/// One token verification key.
#[derive(Clone, Debug)]
pub struct AuthKey {
    /// Optional key id matched against the token header's `kid`.
    pub id: Option<String>,
    /// The key.
    pub material: KeyMaterial,
}

/// Caller authentication settings.
#[derive(Clone, Debug)]
pub struct AuthConfig {
    /// Verification keys.
    pub keys: Vec<AuthKey>,
    /// Required `aud` claim, if any.
    pub audience: Option<String>,
    /// Required `iss` claim, if any.
    pub issuer: Option<String>,
    /// Clock skew allowed on `exp`/`nbf`, seconds.
    pub leeway_secs: u64,
    /// Tokens whose `exp` is further away than this are refused as not short-lived.
    pub max_token_lifetime_secs: u64,
    /// Key sets fetched from identity providers (`[[auth.keys]]` with `jwks_url` or
    /// `oidc_issuer`).
    pub jwks: Vec<JwksConfig>,
    /// The claim holding the `{account: role}` object (`auth.roles_claim`, default `roles`).
    pub roles_claim: String,
    /// The claim holding the user's groups (`auth.groups_claim`), mapped to roles per account
    /// by `[auth.group_roles.<account>]`.
    pub groups_claim: Option<String>,
    /// Per account id: group → role (`[auth.group_roles.<account>]`).
    pub group_roles: BTreeMap<String, BTreeMap<String, Role>>,
}

/// Where a JWKS key set comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JwksLocation {
    /// The JWKS document's URL.
    Url(String),
    /// The OpenID Connect issuer: its discovery document names the JWKS URL.
    Issuer(String),
}

/// One identity provider's key set.
#[derive(Clone, Debug)]
pub struct JwksConfig {
    /// Where the set comes from.
    pub location: JwksLocation,
    /// Fewest seconds between two fetches caused by unknown `kid`s.
    pub refresh_min_interval_secs: u64,
    /// Timeout of one fetch, milliseconds.
    pub timeout_ms: u64,
}

/// Checks a JWKS or issuer URL: `https://`, or `http://` to a loopback host only (key sets
/// decide who may sign: never over an unauthenticated network).
pub fn check_key_url(u: &str) -> Result<(), String> {
    if u.starts_with("https://") {
        return Ok(());
    }
    let host = u
        .strip_prefix("http://")
        .and_then(|r| r.split(['/', '?', '#']).next())
        // `user@host` would let `http://127.0.0.1:80@elsewhere/` pass for a loopback URL.
        .filter(|h| !h.contains('@'))
        .map(|h| match h.rsplit_once(':') {
            Some((host, port)) if port.bytes().all(|b| b.is_ascii_digit()) => host,
            _ => h,
        });
    match host {
        Some("127.0.0.1" | "localhost" | "[::1]") => Ok(()),
        Some(_) => Err("must be https:// (http:// only to a loopback address)".into()),
        None => Err("must be an https:// URL".into()),
    }
}

/// Server limits and settings.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    /// Allowed browser origins.
    pub cors_origins: Vec<OriginPattern>,
    /// Largest request body of the signing endpoints, bytes.
    pub max_body_bytes: usize,
    /// Most parameters in one upload signing request.
    pub max_params: usize,
    /// Whole-request timeout, milliseconds.
    pub request_timeout_ms: u64,
    /// Most delivery URLs in one `POST /v1/sign/delivery/batch` request.
    pub max_batch: usize,
    /// Requests per minute per user (token bucket refill rate).
    pub rate_limit_per_minute: u32,
    /// Token bucket size (burst).
    pub rate_limit_burst: u32,
    /// How old a caller-given timestamp may be, seconds.
    pub timestamp_max_age_secs: u64,
    /// How far in the future a caller-given timestamp may be, seconds.
    pub timestamp_max_future_secs: u64,
    /// Base URL of Cloudinary's API (overridden in tests).
    pub cloudinary_api_base: String,
    /// Timeout of outbound calls, milliseconds.
    pub outbound_timeout_ms: u64,
    /// Time a client has to send its request headers, milliseconds.
    pub header_read_timeout_ms: u64,
    /// Connections served at once.
    pub max_connections: usize,
    /// Threads that serve requests (`None`: one per available CPU). With 1, one thread runs
    /// everything (accept loop, connections, timers): the lowest latency when the signer shares
    /// the machine's CPUs with other busy processes.
    pub workers: Option<usize>,
    /// Where the rate limits and the webhook replay cache live.
    pub state: StateBackend,
    /// Timeout of one state-store operation, milliseconds.
    pub state_timeout_ms: u64,
    /// Most rate-limit tokens an instance takes from Redis in one round trip and spends locally
    /// within [`crate::redis_store::LEASE_TTL`] (Redis state only; 1 = a round trip per request).
    pub state_lease: u32,
    /// Whether `GET /metrics` answers.
    pub metrics: bool,
}

/// `server.state`: where the rate limits and the webhook replay cache live.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StateBackend {
    /// In this process (the default): one instance.
    Memory,
    /// In Redis, shared by every instance naming it.
    Redis {
        /// `redis://host:port/db` (from `server.state` or the variable `server.state_env` names).
        url: String,
        /// What the rate limiter does while Redis does not answer.
        on_unavailable: StateUnavailable,
    },
}

/// `server.state_unavailable`: the rate limiter's behaviour while Redis does not answer (the
/// replay cache always fails closed).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum StateUnavailable {
    /// Refuse the request (503 `state_unavailable`): nothing is signed without the shared limit.
    #[default]
    Refuse,
    /// Limit with this instance's own buckets until Redis answers again.
    Local,
}

/// Default most delivery URLs per batch signing request.
pub const DEFAULT_MAX_BATCH: usize = 100;
/// Fewest delivery URLs `server.max_batch` accepts: the plugin sends up to 50 per request.
pub const MIN_MAX_BATCH: usize = 50;
/// Most delivery URLs `server.max_batch` accepts.
pub const MAX_MAX_BATCH: usize = 1000;

/// Most runtime threads `server.workers` and `--workers` accept.
pub const MAX_WORKERS: usize = 1024;

/// Checks a worker-thread count (`server.workers` or `--workers`); the error names no source.
pub fn check_workers(n: usize) -> Result<usize, String> {
    if (1..=MAX_WORKERS).contains(&n) {
        Ok(n)
    } else {
        Err(format!(
            "must be between 1 and {MAX_WORKERS} threads (omit it for one per CPU), not {n}"
        ))
    }
}

/// The host identity sent in the User-Agent of outbound calls.
#[derive(Clone, Debug)]
pub struct IdentityConfig {
    /// Host platform name.
    pub platform: String,
    /// Host platform version.
    pub platform_version: String,
    /// `prod` / `stag` / `dev`.
    pub environment: cloudinary_connector::Environment,
}

/// Webhook (notification) verification and forwarding.
#[derive(Clone, Debug)]
pub struct WebhookConfig {
    /// Where verified notifications are forwarded.
    pub forward_url: Option<String>,
    /// HMAC-SHA256 key signing forwarded notifications (`X-Cld-Signer-Signature`).
    pub forward_secret: Option<Secret>,
    /// Oldest accepted `X-Cld-Timestamp`, seconds.
    pub max_age_secs: u64,
    /// Largest notification body, bytes.
    pub max_body_bytes: usize,
}

/// The validated configuration.
#[derive(Clone, Debug)]
pub struct Config {
    /// Server settings.
    pub server: ServerConfig,
    /// Outbound identity.
    pub identity: IdentityConfig,
    /// Caller authentication.
    pub auth: AuthConfig,
    /// Webhooks.
    pub webhooks: WebhookConfig,
    /// All accounts and sub-accounts, parents before their children.
    pub accounts: Vec<Account>,
}

impl Config {
    /// The account or sub-account with this id.
    pub fn account(&self, id: &str) -> Option<&Account> {
        self.accounts.iter().find(|a| a.id == id)
    }

    /// The sub-accounts of `parent`.
    pub fn sub_accounts<'a>(&'a self, parent: &'a str) -> impl Iterator<Item = &'a Account> + 'a {
        self.accounts
            .iter()
            .filter(move |a| a.parent.as_deref() == Some(parent))
    }

    /// Every secret the configuration holds (for leak scans in tests).
    pub fn secrets(&self) -> Vec<&str> {
        let mut v: Vec<&str> = self
            .accounts
            .iter()
            .map(|a| a.api_secret.expose())
            .collect();
        v.extend(
            self.accounts
                .iter()
                .filter_map(|a| a.provisioning.as_ref().map(|p| p.api_secret.expose())),
        );
        v.extend(self.auth.keys.iter().filter_map(|k| match &k.material {
            KeyMaterial::Hs256(s) => Some(s.expose()),
            _ => None,
        }));
        v.extend(self.webhooks.forward_secret.as_ref().map(Secret::expose));
        v
    }
}
