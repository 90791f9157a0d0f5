//! The TOML form of the configuration (and the `CLOUDINARY_URL` zero-config form), read into
//! the validated model of [`super`].

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::secrets::{self, read_secret, redact_serde_message, scan_inline_secrets, Env, Secret};
use super::*;
use crate::policy::RolePolicyToml;

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
    state: Option<String>,
    state_env: Option<String>,
    state_unavailable: Option<String>,
    state_timeout_ms: Option<u64>,
    state_lease: Option<u32>,
    metrics: Option<bool>,
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
    roles_claim: Option<String>,
    groups_claim: Option<String>,
    #[serde(default)]
    group_roles: BTreeMap<String, BTreeMap<String, String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawKey {
    id: Option<String>,
    algorithm: Option<String>,
    jwks_url: Option<String>,
    oidc_issuer: Option<String>,
    refresh_min_interval_secs: Option<u64>,
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
    product: Option<::toml::Value>,
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
/// Parses and validates configuration text; relative file paths are resolved against `base`.
pub fn from_toml(src: &str, base: &Path, env: &dyn Env) -> Result<Config, ConfigError> {
    let table: ::toml::Table = match src.parse() {
        Ok(t) => t,
        Err(e) => {
            let e: ::toml::de::Error = e;
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
    scan_inline_secrets(&::toml::Value::Table(table.clone()), "")?;
    let raw: RawConfig = match ::toml::from_str(src) {
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
fn build(raw: RawConfig, base: &Path, env: &dyn Env) -> Result<Config, ConfigError> {
    let server = build_server(raw.server, env)?;
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
    if let Some(unknown) = auth.group_roles.keys().find(|a| !ids.contains(*a)) {
        return err(format!(
            "auth.group_roles.{unknown}: no account or sub-account has this id"
        ));
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
        Some(::toml::Value::String(s)) => vec![Product::parse(&s, &path)?],
        Some(::toml::Value::Array(v)) if !v.is_empty() => {
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

/// Default `server.state_lease`: rate-limit tokens taken from Redis per round trip.
pub const DEFAULT_STATE_LEASE: u32 = 32;
/// Largest `server.state_lease`.
pub const MAX_STATE_LEASE: u32 = 1000;

fn state_lease(v: Option<u32>) -> Result<u32, ConfigError> {
    match v.unwrap_or(DEFAULT_STATE_LEASE) {
        n @ 1..=MAX_STATE_LEASE => Ok(n),
        n => err(format!(
            "server.state_lease: must be from 1 (one Redis round trip per request) to {MAX_STATE_LEASE}, not {n}"
        )),
    }
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

/// `server.state` / `server.state_env` / `server.state_unavailable`.
fn build_state(s: &RawServer, env: &dyn Env) -> Result<StateBackend, ConfigError> {
    let url = match (&s.state, &s.state_env) {
        (Some(_), Some(_)) => {
            return err("server: give either `state` or `state_env`, not both");
        }
        (Some(u), None) => {
            let u = u.trim();
            if u == "memory" {
                None
            } else {
                // A password belongs in the environment, not in the file.
                let creds = u
                    .split_once("://")
                    .and_then(|(_, rest)| rest.split('/').next())
                    .and_then(|auth| auth.rsplit_once('@'))
                    .map(|(creds, _)| creds);
                if creds.is_some_and(|c| !c.is_empty()) {
                    return err(
                        "server.state: holds credentials; put the whole Redis URL in an environment variable and name it with `state_env`",
                    );
                }
                Some(u.to_owned())
            }
        }
        (None, Some(name)) => Some(
            secrets::read_secret("server", "state", Some(name), None, Path::new("."), env)?
                .expose()
                .to_owned(),
        ),
        (None, None) => None,
    };
    let on_unavailable = match s.state_unavailable.as_deref() {
        None | Some("refuse") => StateUnavailable::Refuse,
        Some("local") => StateUnavailable::Local,
        Some(_) => {
            return err("server.state_unavailable: must be \"refuse\" (the default) or \"local\"");
        }
    };
    match url {
        None => {
            if s.state_unavailable.is_some() {
                return err("server.state_unavailable: applies to a Redis `state` only");
            }
            if s.state_lease.is_some() {
                return err("server.state_lease: applies to a Redis `state` only");
            }
            Ok(StateBackend::Memory)
        }
        Some(u) if u.starts_with("redis://") || u.starts_with("rediss://") => {
            Ok(StateBackend::Redis {
                url: u,
                on_unavailable,
            })
        }
        Some(_) => {
            err("server.state: must be \"memory\" or a Redis URL like \"redis://127.0.0.1:6379/0\"")
        }
    }
}

fn build_server(s: RawServer, env: &dyn Env) -> Result<ServerConfig, ConfigError> {
    let state = build_state(&s, env)?;
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
        state,
        state_timeout_ms: positive(s.state_timeout_ms, 500, "state_timeout_ms")?,
        state_lease: state_lease(s.state_lease)?,
        metrics: s.metrics.unwrap_or(true),
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
    let mut jwks = Vec::new();
    for (i, k) in a.keys.into_iter().enumerate() {
        let path = format!("auth.keys[{i}]");
        if k.jwks_url.is_some() || k.oidc_issuer.is_some() {
            jwks.push(build_jwks(k, &path)?);
            continue;
        }
        if k.refresh_min_interval_secs.is_some() {
            return err(format!(
                "{path}.refresh_min_interval_secs: applies to a `jwks_url` or `oidc_issuer` key set only"
            ));
        }
        let Some(algorithm) = k.algorithm.clone() else {
            return err(format!(
                "{path}: give `algorithm` (\"HS256\", \"EdDSA\" or \"RS256\") with its key, or a `jwks_url` / `oidc_issuer` key set"
            ));
        };
        let material = match algorithm.as_str() {
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
                    return err(format!("{path}: {algorithm} verifies with a public key (`public_key_pem` or `public_key_file`)"));
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
                let ok = if algorithm == "EdDSA" {
                    jsonwebtoken::DecodingKey::from_ed_pem(pem.as_bytes()).is_ok()
                } else {
                    jsonwebtoken::DecodingKey::from_rsa_pem(pem.as_bytes()).is_ok()
                };
                if !ok || pem.contains("PRIVATE KEY") {
                    return err(format!("{path}: not a PEM {algorithm} public key"));
                }
                if algorithm == "EdDSA" {
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
        jwks,
        roles_claim: claim_name(a.roles_claim, "roles_claim")?.unwrap_or_else(|| "roles".into()),
        groups_claim: claim_name(a.groups_claim, "groups_claim")?,
        group_roles: a
            .group_roles
            .into_iter()
            .map(|(account, map)| {
                let roles = map
                    .into_iter()
                    .map(|(group, role)| {
                        role.parse::<Role>().map(|r| (group, r)).map_err(|_| {
                            ConfigError(format!(
                                "auth.group_roles.{account}: {role:?} is not a role; expected \"viewer\", \"uploader\" or \"admin\""
                            ))
                        })
                    })
                    .collect::<Result<BTreeMap<_, _>, _>>()?;
                Ok((account, roles))
            })
            .collect::<Result<_, ConfigError>>()?,
    })
}

fn claim_name(v: Option<String>, key: &str) -> Result<Option<String>, ConfigError> {
    match v {
        Some(c) if c.trim().is_empty() || c.len() > 128 => err(format!(
            "auth.{key}: must be a claim name (1 to 128 characters)"
        )),
        other => Ok(other),
    }
}

/// Default fewest seconds between two unknown-`kid` refreshes of one key set.
pub const DEFAULT_JWKS_REFRESH_MIN_INTERVAL_SECS: u64 = 60;

fn build_jwks(k: RawKey, path: &str) -> Result<JwksConfig, ConfigError> {
    if k.algorithm.is_some()
        || k.secret_env.is_some()
        || k.secret_file.is_some()
        || k.public_key_pem.is_some()
        || k.public_key_file.is_some()
        || k.id.is_some()
    {
        return err(format!(
            "{path}: a key set (`jwks_url` / `oidc_issuer`) names its keys and algorithms itself; remove `id`, `algorithm` and the key"
        ));
    }
    let location = match (k.jwks_url, k.oidc_issuer) {
        (Some(u), None) => {
            check_key_url(&u).map_err(|e| ConfigError(format!("{path}.jwks_url: {e}")))?;
            JwksLocation::Url(u)
        }
        (None, Some(i)) => {
            check_key_url(&i).map_err(|e| ConfigError(format!("{path}.oidc_issuer: {e}")))?;
            JwksLocation::Issuer(i)
        }
        _ => {
            return err(format!(
                "{path}: give either `jwks_url` or `oidc_issuer`, not both"
            ))
        }
    };
    Ok(JwksConfig {
        location,
        refresh_min_interval_secs: k
            .refresh_min_interval_secs
            .unwrap_or(DEFAULT_JWKS_REFRESH_MIN_INTERVAL_SECS),
        timeout_ms: 5_000,
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
    let mut keys: Vec<AuthKey> = Vec::new();
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
        server: build_server(RawServer::default(), env)?,
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
