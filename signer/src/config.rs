//! The signer's configuration: a TOML file (or `CLOUDINARY_URL` alone), validated completely at
//! start-up. Secrets are never written in the file: each one is named by the environment
//! variable (or the file) that holds it, and no error message ever prints a secret.

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::cors::OriginPattern;
use crate::policy::{FolderMode, Role, RolePolicy, RolePolicyToml};

/// A secret held in memory. Its `Debug` is redacted and it has no `Display`, so it cannot end up
/// in a log line or an error by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Box<str>);

impl Secret {
    /// Wraps a secret value.
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into().into_boxed_str())
    }

    /// The secret, for hashing only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

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

fn err<T>(msg: impl Into<String>) -> Result<T, ConfigError> {
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
    fn parse(s: &str, path: &str) -> Result<Self, ConfigError> {
        match s {
            "programmable_media" => Ok(Product::ProgrammableMedia),
            "dam" => Ok(Product::Dam),
            _ => err(format!(
                "{path}.product: unknown product; expected \"programmable_media\" or \"dam\""
            )),
        }
    }
}

/// The digest used for Upload API signatures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default, serde::Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Algorithm {
    /// SHA-1, Cloudinary's default.
    #[default]
    Sha1,
    /// SHA-256.
    Sha256,
}

impl Algorithm {
    /// `"sha1"` or `"sha256"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Algorithm::Sha1 => "sha1",
            Algorithm::Sha256 => "sha256",
        }
    }
}

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

// ---------------------------------------------------------------------------------------------
// Raw TOML shape

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    server: RawServer,
    #[serde(default)]
    identity: RawIdentity,
    #[serde(default)]
    auth: RawAuth,
    #[serde(default)]
    webhooks: RawWebhooks,
    #[serde(default)]
    accounts: Vec<RawAccount>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawServer {
    #[serde(default)]
    cors_origins: Vec<String>,
    max_body_bytes: Option<usize>,
    max_params: Option<usize>,
    max_batch: Option<usize>,
    request_timeout_ms: Option<u64>,
    rate_limit_per_minute: Option<u32>,
    rate_limit_burst: Option<u32>,
    timestamp_max_age_secs: Option<u64>,
    timestamp_max_future_secs: Option<u64>,
    cloudinary_api_base: Option<String>,
    outbound_timeout_ms: Option<u64>,
    header_read_timeout_ms: Option<u64>,
    max_connections: Option<usize>,
    workers: Option<usize>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawIdentity {
    platform: Option<String>,
    platform_version: Option<String>,
    environment: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawAuth {
    audience: Option<String>,
    issuer: Option<String>,
    leeway_secs: Option<u64>,
    max_token_lifetime_secs: Option<u64>,
    #[serde(default)]
    keys: Vec<RawKey>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawKey {
    id: Option<String>,
    algorithm: String,
    secret_env: Option<String>,
    secret_file: Option<PathBuf>,
    public_key_pem: Option<String>,
    public_key_file: Option<PathBuf>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawWebhooks {
    forward_url: Option<String>,
    forward_secret_env: Option<String>,
    forward_secret_file: Option<PathBuf>,
    max_age_secs: Option<u64>,
    max_body_bytes: Option<usize>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAccount {
    id: String,
    label: Option<String>,
    cloud_name: String,
    api_key: String,
    api_secret_env: Option<String>,
    api_secret_file: Option<PathBuf>,
    product: Option<toml::Value>,
    signature_algorithm: Option<Algorithm>,
    folder_mode: Option<FolderMode>,
    #[serde(default)]
    policy: BTreeMap<String, RolePolicyToml>,
    provisioning: Option<RawProvisioning>,
    #[serde(default)]
    sub_accounts: Vec<RawAccount>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProvisioning {
    account_id: String,
    api_key: String,
    api_secret_env: Option<String>,
    api_secret_file: Option<PathBuf>,
}

/// Keys that would hold a secret inline: always refused.
const INLINE_SECRET_KEYS: [&str; 8] = [
    "api_secret",
    "secret",
    "shared_secret",
    "forward_secret",
    "private_key",
    "private_key_pem",
    "password",
    "key",
];

// ---------------------------------------------------------------------------------------------
// Loading

/// Where the loader reads environment variables and secret files from (tests pass a map).
pub trait Env {
    /// The variable's value, if set.
    fn var(&self, name: &str) -> Option<String>;
}

/// The process environment.
#[derive(Debug, Clone, Copy)]
pub struct ProcessEnv;

impl Env for ProcessEnv {
    fn var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok()
    }
}

impl Env for BTreeMap<String, String> {
    fn var(&self, name: &str) -> Option<String> {
        self.get(name).cloned()
    }
}

impl Env for std::collections::HashMap<String, String> {
    fn var(&self, name: &str) -> Option<String> {
        self.get(name).cloned()
    }
}

/// Reads and validates the configuration file at `path`.
pub fn load_file(path: &Path, env: &dyn Env) -> Result<Config, ConfigError> {
    let src = std::fs::read_to_string(path).or_else(|e| {
        err(format!(
            "cannot read the config file {}: {e}",
            path.display()
        ))
    })?;
    let base = path.parent().unwrap_or(Path::new("."));
    from_toml(&src, base, env).map_err(|e| ConfigError(format!("{}: {}", path.display(), e.0)))
}

fn line_of(src: &str, offset: usize) -> usize {
    src[..offset.min(src.len())]
        .bytes()
        .filter(|b| *b == b'\n')
        .count()
        + 1
}

/// Drops the part of a serde message that would quote a value from the file (the value could
/// be a secret written in the wrong place).
fn redact_serde_message(msg: &str) -> String {
    let first = msg.lines().next().unwrap_or("");
    for prefix in ["invalid type: ", "invalid value: ", "unknown variant "] {
        if let Some(rest) = first.strip_prefix(prefix) {
            let expected = rest.find(", expected").map(|i| &rest[i..]).unwrap_or("");
            let kind = rest.split([' ', ',']).next().unwrap_or("");
            let kind = if kind.starts_with('`') || kind.starts_with('"') {
                ""
            } else {
                kind
            };
            let head = prefix.trim_end_matches(": ").trim_end();
            return if kind.is_empty() {
                format!("{head}{expected}")
            } else {
                format!("{head} ({kind}){expected}")
            };
        }
    }
    first.to_owned()
}

/// Parses and validates configuration text; relative file paths are resolved against `base`.
pub fn from_toml(src: &str, base: &Path, env: &dyn Env) -> Result<Config, ConfigError> {
    let table: toml::Table = match src.parse() {
        Ok(t) => t,
        Err(e) => {
            let e: toml::de::Error = e;
            let at = e
                .span()
                .map(|s| format!("line {}: ", line_of(src, s.start)))
                .unwrap_or_default();
            return err(format!(
                "not valid TOML: {at}{}",
                redact_serde_message(e.message())
            ));
        }
    };
    scan_inline_secrets(&toml::Value::Table(table.clone()), "")?;
    let raw: RawConfig = match toml::from_str(src) {
        Ok(r) => r,
        Err(e) => {
            let at = e
                .span()
                .map(|s| format!("line {}: ", line_of(src, s.start)))
                .unwrap_or_default();
            return err(format!("{at}{}", redact_serde_message(e.message())));
        }
    };
    build(raw, base, env)
}

fn scan_inline_secrets(v: &toml::Value, path: &str) -> Result<(), ConfigError> {
    match v {
        toml::Value::Table(t) => {
            for (k, v) in t {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                if k.starts_with("private_key") {
                    return err(format!(
                        "{p}: the signer verifies tokens with public keys only; remove the private \
                         key from the config file"
                    ));
                }
                if INLINE_SECRET_KEYS.contains(&k.as_str()) {
                    return err(format!(
                        "{p}: secrets must not be written in the config file; put the value in an \
                         environment variable (or a file readable only by the signer) and name it \
                         with `{k}_env` / `{k}_file`",
                        k = if k == "key" || k == "secret" {
                            "secret"
                        } else {
                            k.as_str()
                        }
                    ));
                }
                scan_inline_secrets(v, &p)?;
            }
            Ok(())
        }
        toml::Value::Array(a) => {
            for (i, v) in a.iter().enumerate() {
                scan_inline_secrets(v, &format!("{path}[{i}]"))?;
            }
            Ok(())
        }
        toml::Value::String(s) => {
            if looks_like_credential_url(s) {
                return err(format!(
                    "{path}: holds a Cloudinary URL with a secret in it; give it through the \
                     CLOUDINARY_URL environment variable instead"
                ));
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

fn looks_like_credential_url(s: &str) -> bool {
    let lower = s.trim().to_ascii_lowercase();
    ["cloudinary://", "account://"].iter().any(|scheme| {
        lower
            .strip_prefix(scheme)
            .and_then(|rest| rest.split_once('@'))
            .is_some_and(|(creds, _)| creds.contains(':'))
    })
}

/// An environment variable NAME (so that it may be echoed in errors): upper-case letters,
/// digits and `_`, at most 64 characters. Anything else may be a secret pasted in the wrong
/// place and is never echoed.
fn valid_env_name(s: &str) -> bool {
    if s.len() > 64 {
        return false;
    }
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_uppercase() || c == '_')
        && chars.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

fn valid_id(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

fn valid_cloud_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 128
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Reads a secret named by `<key>_env` or `<key>_file`, exactly one of which must be given.
fn read_secret(
    path: &str,
    key: &str,
    env_name: Option<&str>,
    file: Option<&Path>,
    base: &Path,
    env: &dyn Env,
) -> Result<Secret, ConfigError> {
    match (env_name, file) {
        (Some(_), Some(_)) => err(format!(
            "{path}: give either `{key}_env` or `{key}_file`, not both"
        )),
        (None, None) => err(format!(
            "{path}: no secret source; name the environment variable holding it with `{key}_env` \
             (or a file with `{key}_file`)"
        )),
        (Some(name), None) => {
            if !valid_env_name(name) {
                return err(format!(
                    "{path}.{key}_env: must be the NAME of an environment variable (upper-case \
                     letters, digits and `_`, at most 64 characters), not the secret itself"
                ));
            }
            match env.var(name) {
                None => err(format!(
                    "{path}.{key}_env: the environment variable {name} is not set"
                )),
                Some(v) if v.trim().is_empty() => err(format!(
                    "{path}.{key}_env: the environment variable {name} is empty"
                )),
                Some(v) => Ok(Secret::new(v.trim())),
            }
        }
        (None, Some(f)) => {
            let full = if f.is_absolute() {
                f.to_path_buf()
            } else {
                base.join(f)
            };
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                if let Ok(meta) = std::fs::metadata(&full) {
                    if meta.permissions().mode() & 0o004 != 0 {
                        return err(format!(
                            "{path}.{key}_file: {} is readable by every user; restrict it (chmod 600)",
                            full.display()
                        ));
                    }
                }
            }
            let v = std::fs::read_to_string(&full).or_else(|e| {
                err(format!(
                    "{path}.{key}_file: cannot read {}: {}",
                    full.display(),
                    e.kind()
                ))
            })?;
            if v.trim().is_empty() {
                return err(format!("{path}.{key}_file: {} is empty", full.display()));
            }
            Ok(Secret::new(v.trim()))
        }
    }
}

fn build(raw: RawConfig, base: &Path, env: &dyn Env) -> Result<Config, ConfigError> {
    let server = build_server(raw.server)?;
    let identity = build_identity(raw.identity)?;
    let auth = build_auth(raw.auth, base, env)?;
    let webhooks = build_webhooks(raw.webhooks, base, env)?;
    if raw.accounts.is_empty() {
        return err("no account is configured: add at least one [[accounts]] table");
    }
    let mut accounts = Vec::new();
    let mut ids = HashSet::new();
    for (i, a) in raw.accounts.into_iter().enumerate() {
        let path = format!("accounts[{i}]");
        let subs = build_account_tree(a, &path, None, base, env, &mut ids)?;
        accounts.extend(subs);
    }
    Ok(Config {
        server,
        identity,
        auth,
        webhooks,
        accounts,
    })
}

fn build_account_tree(
    a: RawAccount,
    path: &str,
    parent: Option<&Account>,
    base: &Path,
    env: &dyn Env,
    ids: &mut HashSet<String>,
) -> Result<Vec<Account>, ConfigError> {
    if !valid_id(&a.id) {
        return err(format!(
            "{path}.id: {:?} is not a valid account id (lower-case letters, digits, `-` and `_`, \
             at most 63 characters)",
            a.id
        ));
    }
    let path = format!("{path} (id \"{}\")", a.id);
    if !ids.insert(a.id.clone()) {
        return err(format!(
            "{path}: the id is used by another account or sub-account"
        ));
    }
    if !valid_cloud_name(&a.cloud_name) {
        return err(format!(
            "{path}.cloud_name: {:?} is not a valid cloud name",
            a.cloud_name
        ));
    }
    let api_key = a.api_key.trim();
    if api_key.is_empty() || api_key.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return err(format!(
            "{path}.api_key: must be a non-empty key without spaces"
        ));
    }
    let api_secret = read_secret(
        &path,
        "api_secret",
        a.api_secret_env.as_deref(),
        a.api_secret_file.as_deref(),
        base,
        env,
    )?;
    let products = match a.product {
        None => parent
            .map(|p| p.products.clone())
            .unwrap_or_else(|| vec![Product::ProgrammableMedia]),
        Some(toml::Value::String(s)) => vec![Product::parse(&s, &path)?],
        Some(toml::Value::Array(v)) if !v.is_empty() => {
            let mut out = v
                .iter()
                .map(|s| match s.as_str() {
                    Some(s) => Product::parse(s, &path),
                    None => err(format!("{path}.product: the list must hold product names")),
                })
                .collect::<Result<Vec<_>, _>>()?;
            out.sort();
            out.dedup();
            out
        }
        Some(_) => {
            return err(format!(
            "{path}.product: must be \"programmable_media\", \"dam\" or a non-empty list of them"
        ))
        }
    };
    let mut policy: BTreeMap<Role, RolePolicy> = match parent {
        Some(p) => p.policy.clone(),
        None => Role::ALL
            .iter()
            .map(|r| (*r, RolePolicy::default_for(*r)))
            .collect(),
    };
    for (role, p) in a.policy {
        let r: Role = role.parse().map_err(|_| {
            ConfigError(format!(
                "{path}.policy.{role}: unknown role; expected \"viewer\", \"uploader\" or \"admin\""
            ))
        })?;
        let built = p
            .build(r, &format!("{path}.policy.{role}"))
            .map_err(ConfigError)?;
        policy.insert(r, built);
    }
    let provisioning = match a.provisioning {
        None => None,
        Some(_) if parent.is_some() => {
            return err(format!(
                "{path}.provisioning: only a top-level account can list sub-accounts"
            ))
        }
        Some(p) => {
            let ppath = format!("{path}.provisioning");
            if p.account_id.trim().is_empty() || p.api_key.trim().is_empty() {
                return err(format!("{ppath}: account_id and api_key must not be empty"));
            }
            Some(Provisioning {
                account_id: p.account_id.trim().to_owned(),
                api_key: p.api_key.trim().to_owned(),
                api_secret: read_secret(
                    &ppath,
                    "api_secret",
                    p.api_secret_env.as_deref(),
                    p.api_secret_file.as_deref(),
                    base,
                    env,
                )?,
            })
        }
    };
    let account = Account {
        label: a.label.unwrap_or_else(|| a.id.clone()),
        id: a.id,
        cloud_name: a.cloud_name,
        api_key: api_key.to_owned(),
        api_secret,
        products,
        signature_algorithm: a
            .signature_algorithm
            .or(parent.map(|p| p.signature_algorithm))
            .unwrap_or_default(),
        folder_mode: a
            .folder_mode
            .or(parent.map(|p| p.folder_mode))
            .unwrap_or_default(),
        policy,
        parent: parent.map(|p| p.id.clone()),
        provisioning,
    };
    let mut out = Vec::new();
    if parent.is_some() && !a.sub_accounts.is_empty() {
        return err(format!(
            "{path}.sub_accounts: a sub-account cannot have sub-accounts"
        ));
    }
    for (j, s) in a.sub_accounts.into_iter().enumerate() {
        let spath = format!("{path}.sub_accounts[{j}]");
        out.extend(build_account_tree(
            s,
            &spath,
            Some(&account),
            base,
            env,
            ids,
        )?);
    }
    out.insert(0, account);
    Ok(out)
}

fn positive<T: PartialOrd + Default + Copy>(
    v: Option<T>,
    default: T,
    name: &str,
) -> Result<T, ConfigError> {
    let v = v.unwrap_or(default);
    if v <= T::default() {
        return err(format!("server.{name}: must be greater than 0"));
    }
    Ok(v)
}

/// Default largest signing request body (bytes).
pub const DEFAULT_MAX_BODY_BYTES: usize = 16 * 1024;
/// Default most parameters per upload signing request.
pub const DEFAULT_MAX_PARAMS: usize = 64;

/// `server.max_batch`: between [`MIN_MAX_BATCH`] (the plugin's batch size) and [`MAX_MAX_BATCH`].
fn max_batch(v: Option<usize>) -> Result<usize, ConfigError> {
    match v {
        None => Ok(DEFAULT_MAX_BATCH),
        Some(n) if (MIN_MAX_BATCH..=MAX_MAX_BATCH).contains(&n) => Ok(n),
        Some(n) => err(format!(
            "server.max_batch: must be between {MIN_MAX_BATCH} (the plugin sends up to {MIN_MAX_BATCH} delivery URLs per request) and {MAX_MAX_BATCH}, not {n}"
        )),
    }
}

fn build_server(s: RawServer) -> Result<ServerConfig, ConfigError> {
    let mut cors_origins = Vec::new();
    for (i, o) in s.cors_origins.iter().enumerate() {
        cors_origins.push(
            o.parse::<OriginPattern>()
                .map_err(|e| ConfigError(format!("server.cors_origins[{i}]: {e}")))?,
        );
    }
    let api_base = s
        .cloudinary_api_base
        .unwrap_or_else(|| "https://api.cloudinary.com".to_owned());
    let api_base = api_base.trim_end_matches('/').to_owned();
    if !(api_base.starts_with("https://") || api_base.starts_with("http://")) {
        return err("server.cloudinary_api_base: must be an http:// or https:// URL");
    }
    Ok(ServerConfig {
        cors_origins,
        max_body_bytes: positive(s.max_body_bytes, DEFAULT_MAX_BODY_BYTES, "max_body_bytes")?,
        max_params: positive(s.max_params, DEFAULT_MAX_PARAMS, "max_params")?,
        max_batch: max_batch(s.max_batch)?,
        request_timeout_ms: positive(s.request_timeout_ms, 10_000, "request_timeout_ms")?,
        rate_limit_per_minute: positive(s.rate_limit_per_minute, 600, "rate_limit_per_minute")?,
        rate_limit_burst: positive(s.rate_limit_burst, 60, "rate_limit_burst")?,
        timestamp_max_age_secs: positive(s.timestamp_max_age_secs, 900, "timestamp_max_age_secs")?,
        timestamp_max_future_secs: s.timestamp_max_future_secs.unwrap_or(300),
        cloudinary_api_base: api_base,
        outbound_timeout_ms: positive(s.outbound_timeout_ms, 10_000, "outbound_timeout_ms")?,
        header_read_timeout_ms: positive(
            s.header_read_timeout_ms,
            10_000,
            "header_read_timeout_ms",
        )?,
        max_connections: positive(s.max_connections, 1024, "max_connections")?,
        workers: s
            .workers
            .map(check_workers)
            .transpose()
            .map_err(|e| ConfigError(format!("server.workers: {e}")))?,
    })
}

fn build_identity(i: RawIdentity) -> Result<IdentityConfig, ConfigError> {
    let environment = match i.environment.as_deref() {
        None => cloudinary_connector::Environment::Prod,
        Some(e) => e
            .parse()
            .map_err(|e| ConfigError(format!("identity.environment: {e}")))?,
    };
    let platform = i.platform.unwrap_or_else(|| "cld-signer".to_owned());
    let platform_version = i
        .platform_version
        .unwrap_or_else(|| crate::VERSION.to_owned());
    cloudinary_connector::Identity::new(&platform, &platform_version, environment)
        .map_err(|e| ConfigError(format!("identity: {e}")))?;
    Ok(IdentityConfig {
        platform,
        platform_version,
        environment,
    })
}

/// Shortest accepted HS256 key, bytes (RFC 7518 §3.2: at least the hash size).
pub const MIN_HS256_KEY_BYTES: usize = 32;

fn build_auth(a: RawAuth, base: &Path, env: &dyn Env) -> Result<AuthConfig, ConfigError> {
    let mut keys = Vec::new();
    for (i, k) in a.keys.into_iter().enumerate() {
        let path = format!("auth.keys[{i}]");
        let material = match k.algorithm.as_str() {
            "HS256" => {
                if k.public_key_pem.is_some() || k.public_key_file.is_some() {
                    return err(format!(
                        "{path}: HS256 uses a shared secret, not a public key"
                    ));
                }
                let s = read_secret(
                    &path,
                    "secret",
                    k.secret_env.as_deref(),
                    k.secret_file.as_deref(),
                    base,
                    env,
                )?;
                if s.expose().len() < MIN_HS256_KEY_BYTES {
                    return err(format!(
                        "{path}: the HS256 key is too short; use at least {MIN_HS256_KEY_BYTES} bytes"
                    ));
                }
                KeyMaterial::Hs256(s)
            }
            "EdDSA" | "RS256" => {
                if k.secret_env.is_some() || k.secret_file.is_some() {
                    return err(format!("{path}: {} verifies with a public key (`public_key_pem` or `public_key_file`)", k.algorithm));
                }
                let pem = match (k.public_key_pem, k.public_key_file) {
                    (Some(p), None) => p,
                    (None, Some(f)) => {
                        let full = if f.is_absolute() { f } else { base.join(f) };
                        std::fs::read_to_string(&full).or_else(|e| {
                            err(format!(
                                "{path}.public_key_file: cannot read {}: {}",
                                full.display(),
                                e.kind()
                            ))
                        })?
                    }
                    _ => {
                        return err(format!(
                            "{path}: give exactly one of `public_key_pem` or `public_key_file`"
                        ))
                    }
                };
                let ok = if k.algorithm == "EdDSA" {
                    jsonwebtoken::DecodingKey::from_ed_pem(pem.as_bytes()).is_ok()
                } else {
                    jsonwebtoken::DecodingKey::from_rsa_pem(pem.as_bytes()).is_ok()
                };
                if !ok || pem.contains("PRIVATE KEY") {
                    return err(format!("{path}: not a PEM {} public key", k.algorithm));
                }
                if k.algorithm == "EdDSA" {
                    KeyMaterial::EdDsaPem(pem)
                } else {
                    KeyMaterial::Rs256Pem(pem)
                }
            }
            _ => {
                return err(format!(
                "{path}.algorithm: this value is not supported; use \"HS256\", \"EdDSA\" or \"RS256\""
            ))
            }
        };
        keys.push(AuthKey { id: k.id, material });
    }
    Ok(AuthConfig {
        keys,
        audience: a.audience,
        issuer: a.issuer,
        leeway_secs: a.leeway_secs.unwrap_or(30),
        max_token_lifetime_secs: a.max_token_lifetime_secs.unwrap_or(24 * 3600),
    })
}

fn build_webhooks(
    w: RawWebhooks,
    base: &Path,
    env: &dyn Env,
) -> Result<WebhookConfig, ConfigError> {
    if let Some(u) = &w.forward_url {
        if !(u.starts_with("https://") || u.starts_with("http://")) {
            return err("webhooks.forward_url: must be an http:// or https:// URL");
        }
    }
    let forward_secret = if w.forward_secret_env.is_some() || w.forward_secret_file.is_some() {
        Some(read_secret(
            "webhooks",
            "forward_secret",
            w.forward_secret_env.as_deref(),
            w.forward_secret_file.as_deref(),
            base,
            env,
        )?)
    } else {
        None
    };
    Ok(WebhookConfig {
        forward_url: w.forward_url,
        forward_secret,
        max_age_secs: w.max_age_secs.unwrap_or(7200),
        max_body_bytes: w.max_body_bytes.unwrap_or(256 * 1024),
    })
}

/// The zero-config mode: one account from `CLOUDINARY_URL` (`cloudinary://key:secret@cloud`),
/// default policies, and HS256 tokens verified with `CLD_SIGNER_JWT_KEY` when it is set.
pub fn from_cloudinary_url(url: &str, env: &dyn Env) -> Result<Config, ConfigError> {
    let rest = url
        .trim()
        .strip_prefix("cloudinary://")
        .ok_or_else(|| ConfigError("CLOUDINARY_URL: must start with cloudinary://".into()))?;
    let (creds, cloud) = rest.rsplit_once('@').ok_or_else(|| {
        ConfigError("CLOUDINARY_URL: expected cloudinary://API_KEY:API_SECRET@CLOUD_NAME".into())
    })?;
    let (key, secret) = creds.split_once(':').ok_or_else(|| {
        ConfigError("CLOUDINARY_URL: expected cloudinary://API_KEY:API_SECRET@CLOUD_NAME".into())
    })?;
    let cloud = cloud.split(['?', '/']).next().unwrap_or("");
    if key.is_empty() || secret.is_empty() {
        return err("CLOUDINARY_URL: the API key and the API secret must not be empty");
    }
    if !valid_cloud_name(cloud) {
        return err("CLOUDINARY_URL: the cloud name after `@` is missing or invalid");
    }
    let mut keys = Vec::new();
    if let Some(k) = env.var("CLD_SIGNER_JWT_KEY") {
        if k.trim().len() < MIN_HS256_KEY_BYTES {
            return err(format!(
                "CLD_SIGNER_JWT_KEY: the HS256 key is too short; use at least {MIN_HS256_KEY_BYTES} bytes"
            ));
        }
        keys.push(AuthKey {
            id: None,
            material: KeyMaterial::Hs256(Secret::new(k.trim())),
        });
    }
    Ok(Config {
        server: build_server(RawServer::default())?,
        identity: build_identity(RawIdentity::default())?,
        auth: build_auth(RawAuth::default(), Path::new("."), env).map(|mut a| {
            a.keys = keys;
            a
        })?,
        webhooks: build_webhooks(RawWebhooks::default(), Path::new("."), env)?,
        accounts: vec![Account {
            id: "default".into(),
            label: cloud.into(),
            cloud_name: cloud.into(),
            api_key: key.into(),
            api_secret: Secret::new(secret),
            products: vec![Product::ProgrammableMedia],
            signature_algorithm: Algorithm::Sha1,
            policy: Role::ALL
                .iter()
                .map(|r| (*r, RolePolicy::default_for(*r)))
                .collect(),
            folder_mode: FolderMode::Unspecified,
            parent: None,
            provisioning: None,
        }],
    })
}
