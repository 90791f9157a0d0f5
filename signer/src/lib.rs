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

pub mod auth;
pub mod config;
pub mod cors;
pub mod crypto;
pub mod error;
pub mod outbound;
pub mod policy;
pub mod ratelimit;
pub mod serve;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use cloudinary_connector::core::sign::{
    self, ParamValue, SignatureVersion, UNSIGNED_UPLOAD_PARAMS,
};
use serde::Deserialize;
use serde_json::{json, Map, Value};

use crate::auth::{AuthError, Claims, Verifier};
use crate::config::{Account, Algorithm, Config, ConfigError, Secret};
use crate::error::ApiError;
use crate::outbound::Outbound;
use crate::policy::{Role, RolePolicy, Subject};
use crate::ratelimit::RateLimiter;

/// The signer's version, reported by the health check.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

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

struct Inner {
    cfg: Config,
    verifier: Verifier,
    limiter: RateLimiter,
    clock: Clock,
    /// The key `POST /v1/dev/token` mints with (development mode only).
    dev_key: Option<Secret>,
    outbound: Outbound,
    issued: AtomicU64,
    /// Notifications already accepted: (account, signature) → when the entry may be forgotten.
    seen_webhooks: std::sync::Mutex<std::collections::HashMap<(String, String), u64>>,
}

/// How many recent notifications the replay cache holds; when it is full of unexpired entries
/// new notifications are refused with 503 (Cloudinary retries them).
pub const WEBHOOK_REPLAY_CACHE: usize = 100_000;

/// A configured signer; cheap to clone.
#[derive(Clone)]
pub struct Signer(Arc<Inner>);

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
        Ok(Signer(Arc::new(Inner {
            limiter: RateLimiter::new(
                cfg.server.rate_limit_per_minute,
                cfg.server.rate_limit_burst,
            ),
            outbound: Outbound::new(&cfg),
            verifier,
            clock: opts.clock,
            dev_key,
            cfg,
            issued: AtomicU64::new(0),
            seen_webhooks: std::sync::Mutex::new(std::collections::HashMap::new()),
        })))
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.0.cfg
    }

    /// How many signatures this instance has issued (every kind).
    pub fn signatures_issued(&self) -> u64 {
        self.0.issued.load(Ordering::Relaxed)
    }

    /// The User-Agent of outbound calls.
    pub fn user_agent(&self) -> &str {
        self.0.outbound.user_agent()
    }

    /// Mints a development token (development mode only).
    pub fn mint_dev_token(&self, req: &DevTokenRequest) -> Result<(String, u64), ApiError> {
        let key = self.0.dev_key.as_ref().ok_or_else(not_found)?;
        mint_token_with_kid(&self.0.cfg, key, Some("dev"), req, (self.0.clock)())
    }

    /// The HTTP service.
    pub fn router(&self) -> Router {
        let cfg = &self.0.cfg;
        let mut r = Router::new()
            .route("/v1/health", get(health))
            .route("/v1/accounts", get(list_accounts))
            .route("/v1/accounts/{id}/check", get(check_account))
            .route("/v1/accounts/{id}/sub-accounts", get(remote_sub_accounts))
            .route("/v1/sign/upload", post(sign_upload))
            .route("/v1/sign/media-library", post(sign_media_library))
            .route("/v1/sign/delivery", post(sign_delivery))
            .route("/v1/sign/delivery/batch", post(sign_delivery_batch))
            .route("/v1/verify/api-signature", post(verify_api_signature))
            .route(
                "/v1/webhooks/cloudinary/{id}",
                post(webhook).layer(DefaultBodyLimit::max(cfg.webhooks.max_body_bytes)),
            );
        if self.0.dev_key.is_some() {
            r = r.route("/v1/dev/token", post(dev_token));
        }
        r.fallback(|| async { not_found() })
            .method_not_allowed_fallback(|| async {
                ApiError::new(
                    StatusCode::METHOD_NOT_ALLOWED,
                    "method_not_allowed",
                    "this endpoint does not answer that method",
                )
            })
            .layer(middleware::from_fn_with_state(self.clone(), edge))
            .with_state(self.clone())
    }
}

/// Builds the whole HTTP service for `cfg` in production mode with the system clock.
///
/// # Panics
/// If `cfg` has no token verification key (the binary reports that as a start-up error).
pub fn app(cfg: Config) -> Router {
    Signer::new(cfg, Options::default())
        .expect("a token verification key is configured")
        .router()
}

fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such endpoint")
}

// ---------------------------------------------------------------------------------------------
// Middleware

/// The edge of every request: the CORS allowlist (preflights answered here, other origins
/// refused), the whole-request timeout, and a panic barrier: a panicking handler answers 500
/// with a fixed message and the process keeps serving (with `panic = "unwind"`: build with
/// `--profile signer`, not `--release`).
///
/// The barrier catches the panic where the request is polled instead of running the request in
/// a task of its own: no task allocation, hand-over and wake-up per request.
async fn edge(State(s): State<Signer>, req: Request, next: Next) -> Response {
    use futures_util::FutureExt as _;
    let ms = s.0.cfg.server.request_timeout_ms;
    // Unwind safety: after a panic the request's future is dropped, never polled again, and the
    // shared state it may have held a lock on is behind mutexes whose poisoning every user
    // clears (`unwrap_or_else(PoisonError::into_inner)`): each guards data valid at every step.
    let guarded = std::panic::AssertUnwindSafe(cors(&s, req, next)).catch_unwind();
    match tokio::time::timeout(Duration::from_millis(ms), guarded).await {
        Ok(Ok(r)) => r,
        Ok(Err(_panic)) => {
            tracing::error!(panicked = true, "a request handler failed");
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal_error",
                "the signer failed while handling this request",
            )
            .into_response()
        }
        Err(_) => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "timeout",
            format!("the request took longer than {ms} ms and was abandoned"),
        )
        .into_response(),
    }
}

const ALLOW_METHODS: HeaderValue = HeaderValue::from_static("GET, POST, OPTIONS");
const ALLOW_HEADERS: HeaderValue = HeaderValue::from_static("authorization, content-type");

async fn cors(s: &Signer, req: Request, next: Next) -> Response {
    let Some(origin) = req.headers().get(header::ORIGIN).cloned() else {
        return next.run(req).await;
    };
    let ok = origin
        .to_str()
        .is_ok_and(|o| cors::allowed(&s.0.cfg.server.cors_origins, o));
    if !ok {
        let shown: String = String::from_utf8_lossy(origin.as_bytes())
            .chars()
            .take(200)
            .collect();
        return ApiError::new(
            StatusCode::FORBIDDEN,
            "origin_not_allowed",
            format!("origin {shown:?} is not in this signer's CORS allowlist"),
        )
        .with_rule("server.cors_origins")
        .into_response();
    }
    let preflight = req.method() == Method::OPTIONS
        && req
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    let mut res = if preflight {
        let mut r = StatusCode::NO_CONTENT.into_response();
        let h = r.headers_mut();
        h.insert(header::ACCESS_CONTROL_ALLOW_METHODS, ALLOW_METHODS);
        h.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, ALLOW_HEADERS);
        h.insert(
            header::ACCESS_CONTROL_MAX_AGE,
            HeaderValue::from_static("600"),
        );
        r
    } else {
        next.run(req).await
    };
    let h = res.headers_mut();
    h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    h.insert(
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static("retry-after"),
    );
    h.append(header::VARY, HeaderValue::from_static("Origin"));
    res
}

// ---------------------------------------------------------------------------------------------
// Shared request plumbing

fn now(s: &Signer) -> u64 {
    (s.0.clock)()
}

/// Verifies the bearer token and takes one rate-limit token for its user.
fn authenticate(s: &Signer, headers: &HeaderMap) -> Result<Arc<Claims>, ApiError> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or(AuthError::Missing)?;
    let claims = s.0.verifier.verify(token, now(s))?;
    if let Err(wait) = s.0.limiter.check(&claims.sub, Instant::now()) {
        let secs = wait.as_secs() + 1;
        let mut e = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            format!(
                "user {:?} exceeded {} requests per minute on this signer instance; retry in {secs} s",
                claims.sub, s.0.cfg.server.rate_limit_per_minute
            ),
        )
        .with_rule("server.rate_limit_per_minute");
        e.retry_after = Some(secs);
        return Err(e);
    }
    Ok(claims)
}

/// Authenticates the caller, then reads the JSON body (at most `server.max_body_bytes`): the
/// start of every signing endpoint.
async fn authenticated_json<T: serde::de::DeserializeOwned>(
    s: &Signer,
    req: Request,
) -> Result<(Arc<Claims>, T), ApiError> {
    let (parts, body) = req.into_parts();
    let claims = authenticate(s, &parts.headers)?;
    let body = json_body(&parts.headers, body, s.0.cfg.server.max_body_bytes).await?;
    Ok((claims, body))
}

/// Refuses more than `server.max_params` parameters in `field`.
fn check_param_count(s: &Signer, field: &str, n: usize, verb: &str) -> Result<(), ApiError> {
    let max = s.0.cfg.server.max_params;
    if n <= max {
        return Ok(());
    }
    Err(ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "too_many_params",
        format!("{field} has {n} parameters; at most {max} are {verb} in one request"),
    )
    .with_rule("server.max_params"))
}

/// Refuses a parameter name that is not ASCII letters, digits and `_`.
fn check_param_name(field: &str, name: &str) -> Result<(), ApiError> {
    if valid_param_name(name) {
        return Ok(());
    }
    Err(ApiError::invalid(format!(
        "{field}: {:?} is not a parameter name (ASCII letters, digits and `_`)",
        truncate(name, 64)
    )))
}

/// Reads a JSON body of at most `limit` bytes, mapping every failure to a precise 4xx.
async fn json_body<T: serde::de::DeserializeOwned>(
    headers: &HeaderMap,
    body: axum::body::Body,
    limit: usize,
) -> Result<T, ApiError> {
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            format!("the request body is larger than {limit} bytes"),
        )
        .with_rule("server.max_body_bytes")
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(too_large());
    }
    let body = http_body_util::BodyExt::collect(http_body_util::Limited::new(body, limit))
        .await
        .map_err(|e| {
            if e.is::<http_body_util::LengthLimitError>() {
                too_large()
            } else {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "body_unreadable",
                    "the request body could not be read",
                )
            }
        })?
        .to_bytes();
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
    if !is_json {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the request body as JSON with `Content-Type: application/json`",
        ));
    }
    serde_json::from_slice(&body).map_err(|e| {
        let (code, what) = if e.is_data() {
            (
                "invalid_request",
                "the request does not have the expected fields",
            )
        } else {
            ("malformed_json", "the request body is not valid JSON")
        };
        let status = if e.is_data() {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::BAD_REQUEST
        };
        ApiError::new(status, code, format!("{what}: {e}"))
    })
}

/// Resolves the account and the caller's role on it.
fn resolve<'a>(
    s: &'a Signer,
    claims: &Claims,
    account: Option<&str>,
) -> Result<(&'a Account, Role), ApiError> {
    let cfg = &s.0.cfg;
    let acct = match account {
        Some(id) => cfg.account(id).ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "unknown_account",
                format!("unknown account {:?}", truncate(id, 64)),
            )
        })?,
        None if cfg.accounts.len() == 1 => &cfg.accounts[0],
        None => {
            return Err(ApiError::invalid(format!(
                "`account` is required: this signer holds {} accounts",
                cfg.accounts.len()
            )))
        }
    };
    let role = role_on(claims, acct).ok_or_else(|| {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "no_role",
            format!("user {:?} has no role on account {:?}", claims.sub, acct.id),
        )
        .with_rule("token.roles")
    })?;
    Ok((acct, role))
}

fn role_on(claims: &Claims, acct: &Account) -> Option<Role> {
    claims
        .roles
        .get(&acct.id)
        .or_else(|| acct.parent.as_ref().and_then(|p| claims.roles.get(p)))
        .copied()
}

fn policy(acct: &Account, role: Role) -> &RolePolicy {
    &acct.policy[&role]
}

fn truncate(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

fn check_timestamp(s: &Signer, ts: u64) -> Result<(), ApiError> {
    let now = now(s);
    let srv = &s.0.cfg.server;
    if ts.saturating_add(srv.timestamp_max_age_secs) < now {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "stale_timestamp",
            format!(
                "timestamp {ts} is {} seconds old; this signer signs timestamps at most {} seconds old \
                 (Cloudinary honours a signature for one hour from its timestamp): omit it and the signer sets it",
                now - ts,
                srv.timestamp_max_age_secs
            ),
        )
        .with_rule("server.timestamp_max_age_secs"));
    }
    if ts > now.saturating_add(srv.timestamp_max_future_secs) {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "future_timestamp",
            format!(
                "timestamp {ts} is {} seconds in the future (at most {} allowed); check the client's clock \
                 or omit it and the signer sets it",
                ts - now,
                srv.timestamp_max_future_secs
            ),
        )
        .with_rule("server.timestamp_max_future_secs"));
    }
    Ok(())
}

fn parse_timestamp(v: &Value) -> Result<u64, ApiError> {
    let bad =
        || ApiError::invalid("`timestamp` must be Unix seconds (an integer or a string of digits)");
    match v {
        // At most 12 digits, like the string form: no arithmetic on the timestamp can overflow.
        Value::Number(n) => n
            .as_u64()
            .filter(|t| *t < 1_000_000_000_000)
            .ok_or_else(bad),
        Value::String(s)
            if !s.is_empty() && s.len() <= 12 && s.bytes().all(|b| b.is_ascii_digit()) =>
        {
            s.parse().map_err(|_| bad())
        }
        _ => Err(bad()),
    }
}

fn issued(s: &Signer) {
    s.0.issued.fetch_add(1, Ordering::Relaxed);
}

// ---------------------------------------------------------------------------------------------
// Handlers

async fn health(State(s): State<Signer>) -> Json<Value> {
    Json(json!({
        "status": "ok",
        "service": "cld-signer",
        "version": VERSION,
        "plugin_version": cloudinary_connector::core::VERSION,
        "mode": if s.0.dev_key.is_some() { "development" } else { "production" },
    }))
}

fn permissions(p: &RolePolicy, user: &str) -> Value {
    json!({
        "upload_params": p.upload_params.to_list(),
        "upload_presets": p.upload_presets.to_list(),
        "folder_prefix": p.effective_prefix(user),
        "delivery_types": p.delivery_types.to_list(),
        "delivery_prefixes": p.delivery_prefixes.clone().unwrap_or_else(|| vec!["*".into()]),
        "media_library": p.media_library,
    })
}

fn account_json(a: &Account, role: Option<Role>, user: &str) -> Value {
    json!({
        "id": a.id,
        "label": a.label,
        "cloud_name": a.cloud_name,
        "api_key": a.api_key,
        "products": a.products,
        "signature_algorithm": a.signature_algorithm.as_str(),
        "role": role,
        "permissions": role.map(|r| permissions(policy(a, r), user)),
    })
}

async fn list_accounts(
    State(s): State<Signer>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let claims = authenticate(&s, &headers)?;
    let cfg = &s.0.cfg;
    let mut out = Vec::new();
    for a in cfg.accounts.iter().filter(|a| a.parent.is_none()) {
        let role = role_on(&claims, a);
        let subs: Vec<Value> = cfg
            .sub_accounts(&a.id)
            .filter_map(|sa| role_on(&claims, sa).map(|r| account_json(sa, Some(r), &claims.sub)))
            .collect();
        if role.is_none() && subs.is_empty() {
            continue;
        }
        let mut v = account_json(a, role, &claims.sub);
        v["sub_accounts"] = Value::Array(subs);
        out.push(v);
    }
    Ok(Json(
        json!({ "user": claims.sub, "expires_at": claims.exp, "accounts": out }),
    ))
}

fn require_admin(acct: &Account, role: Role, what: &str) -> Result<(), ApiError> {
    if role == Role::Admin {
        return Ok(());
    }
    Err(ApiError::new(
        StatusCode::FORBIDDEN,
        "role_too_low",
        format!(
            "{what} on account {:?} needs the admin role, not {role}",
            acct.id
        ),
    )
    .with_rule("token.roles"))
}

async fn check_account(
    State(s): State<Signer>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let claims = authenticate(&s, &headers)?;
    let (acct, role) = resolve(&s, &claims, Some(&id))?;
    require_admin(acct, role, "checking credentials")?;
    s.0.outbound.check_credentials(acct).await?;
    tracing::info!(user = %claims.sub, account = %acct.id, "credentials checked");
    Ok(Json(json!({ "account": acct.id, "credentials": "valid" })))
}

async fn remote_sub_accounts(
    State(s): State<Signer>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let claims = authenticate(&s, &headers)?;
    let (acct, role) = resolve(&s, &claims, Some(&id))?;
    require_admin(acct, role, "listing sub-accounts")?;
    let prov = acct.provisioning.as_ref().ok_or_else(|| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "not_configured",
            format!(
                "account {:?} has no [accounts.provisioning] credentials to list sub-accounts with",
                acct.id
            ),
        )
        .with_rule(format!("accounts.{}.provisioning", acct.id))
    })?;
    let remote = s.0.outbound.list_sub_accounts(&acct.id, prov).await?;
    let list: Vec<Value> = remote
        .into_iter()
        .map(|r| {
            let configured = s.0.cfg.sub_accounts(&acct.id).find(|c| c.cloud_name == r.cloud_name).map(|c| c.id.clone());
            json!({"id": r.id, "name": r.name, "cloud_name": r.cloud_name, "enabled": r.enabled, "configured_as": configured})
        })
        .collect();
    Ok(Json(json!({ "account": acct.id, "sub_accounts": list })))
}

/// Body of `POST /v1/sign/upload`. `paramsToSign` is accepted as an alias so that endpoints
/// written for next-cloudinary's `signatureEndpoint` convention work unchanged.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UploadRequest {
    account: Option<String>,
    #[serde(alias = "paramsToSign")]
    params_to_sign: Map<String, Value>,
    algorithm: Option<Algorithm>,
    signature_version: Option<u64>,
}

fn valid_param_name(k: &str) -> bool {
    !k.is_empty() && k.len() <= 64 && k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// [`to_param`] for a value the caller no longer needs: strings are moved, not copied.
fn into_param(field: &str, k: &str, v: Value) -> Result<Option<ParamValue>, ApiError> {
    match v {
        Value::String(s) => Ok(Some(ParamValue::Text(s))),
        other => to_param(field, k, &other),
    }
}

fn to_param(field: &str, k: &str, v: &Value) -> Result<Option<ParamValue>, ApiError> {
    let nested = || {
        ApiError::invalid(format!(
            "{field}.{k}: nested objects and arrays cannot be signed; send the value serialised as Cloudinary expects \
             (e.g. context as key=value|key2=value2)"
        ))
    };
    Ok(match v {
        Value::Null => None,
        Value::Array(items) => Some(ParamValue::List(
            items
                .iter()
                .map(|i| scalar_text(i).ok_or_else(nested))
                .collect::<Result<_, _>>()?,
        )),
        Value::Object(_) => return Err(nested()),
        scalar => Some(ParamValue::Text(scalar_text(scalar).expect("scalar"))),
    })
}

async fn sign_upload(State(s): State<Signer>, req: Request) -> Result<Response, ApiError> {
    let (claims, req): (_, UploadRequest) = authenticated_json(&s, req).await?;
    check_param_count(&s, "params_to_sign", req.params_to_sign.len(), "signed")?;
    match req.signature_version {
        None | Some(2) => {}
        Some(v) => {
            return Err(ApiError::invalid(format!(
                "signature_version {v} is not supported: this signer signs with version 2 only (it escapes `&` in values)"
            )))
        }
    }
    let (acct, role) = resolve(&s, &claims, req.account.as_deref())?;
    let mut params: Vec<(String, ParamValue)> = Vec::with_capacity(req.params_to_sign.len() + 1);
    let mut timestamp = None;
    // Consumed: names and string values move into the parameters to sign, uncopied.
    for (k, v) in req.params_to_sign {
        check_param_name("params_to_sign", &k)?;
        if UNSIGNED_UPLOAD_PARAMS.contains(&k.as_str()) {
            continue;
        }
        if k == "timestamp" {
            timestamp = Some(parse_timestamp(&v)?);
            continue;
        }
        // Empty values are not signed (SDK rule), so no policy applies to them either.
        if let Some(p) = into_param("params_to_sign", &k, v)?.filter(|p| !p.joined().is_empty()) {
            params.push((k, p));
        }
    }
    let ts = match timestamp {
        Some(ts) => {
            check_timestamp(&s, ts)?;
            ts
        }
        None => now(&s),
    };
    params.push(("timestamp".into(), ParamValue::Text(ts.to_string())));
    policy(acct, role).check_upload(
        Subject {
            account: &acct.id,
            role,
            user: &claims.sub,
            folder_mode: acct.folder_mode,
        },
        &params,
    )?;
    let alg = req.algorithm.unwrap_or(acct.signature_algorithm);
    let to_sign = sign::api_string_to_sign(
        params.iter().map(|(k, v)| (k.as_str(), v)),
        SignatureVersion::V2,
    );
    let signature = crypto::api_signature(&to_sign, &acct.api_secret, alg);
    issued(&s);
    tracing::debug!(user = %claims.sub, account = %acct.id, params = params.len(), algorithm = alg.as_str(), "upload signed");
    Ok(Json(UploadSigned {
        signature,
        timestamp: ts,
        api_key: &acct.api_key,
        cloud_name: &acct.cloud_name,
        algorithm: alg.as_str(),
        signature_version: 2,
    })
    .into_response())
}

/// The answer of `POST /v1/sign/upload`.
#[derive(serde::Serialize)]
struct UploadSigned<'a> {
    signature: String,
    timestamp: u64,
    api_key: &'a str,
    cloud_name: &'a str,
    algorithm: &'static str,
    signature_version: u8,
}

/// Body of `POST /v1/verify/api-signature`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VerifyRequest {
    account: Option<String>,
    params: Map<String, Value>,
    signature: String,
    signature_version: Option<u64>,
}

/// Checks a signature over exactly `params` (nothing added, nothing dropped): an upload
/// response's `signature` over `{public_id, version}` (signature version 1, as the SDKs verify
/// it), or any API signature the caller holds. Answers `valid: true/false`; issues nothing.
async fn verify_api_signature(
    State(s): State<Signer>,
    req: Request,
) -> Result<Json<Value>, ApiError> {
    let (claims, req): (_, VerifyRequest) = authenticated_json(&s, req).await?;
    check_param_count(&s, "params", req.params.len(), "accepted")?;
    let version = match req.signature_version {
        None | Some(2) => SignatureVersion::V2,
        Some(1) => SignatureVersion::V1,
        Some(v) => {
            return Err(ApiError::invalid(format!(
                "signature_version {v} is not 1 or 2"
            )))
        }
    };
    let (acct, _role) = resolve(&s, &claims, req.account.as_deref())?;
    let alg =
        match req.signature.len() {
            40 => Algorithm::Sha1,
            64 => Algorithm::Sha256,
            _ => return Err(ApiError::invalid(
                "signature must be a hex SHA-1 (40 characters) or SHA-256 (64 characters) digest",
            )),
        };
    let mut params = Vec::with_capacity(req.params.len());
    for (k, v) in &req.params {
        check_param_name("params", k)?;
        if let Some(p) = to_param("params", k, v)? {
            params.push((k.clone(), p));
        }
    }
    let to_sign = sign::api_string_to_sign(params.iter().map(|(k, v)| (k.as_str(), v)), version);
    let expected = crypto::api_signature(&to_sign, &acct.api_secret, alg);
    let valid = crypto::constant_time_eq(
        expected.as_bytes(),
        req.signature.to_ascii_lowercase().as_bytes(),
    );
    tracing::debug!(user = %claims.sub, account = %acct.id, valid, "API signature checked");
    Ok(Json(json!({ "valid": valid, "algorithm": alg.as_str() })))
}

/// Body of `POST /v1/sign/media-library`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MediaLibraryRequest {
    account: Option<String>,
    username: Option<String>,
    timestamp: Option<Value>,
}

async fn sign_media_library(
    State(s): State<Signer>,
    req: Request,
) -> Result<Json<Value>, ApiError> {
    let (claims, req): (_, MediaLibraryRequest) = authenticated_json(&s, req).await?;
    let (acct, role) = resolve(&s, &claims, req.account.as_deref())?;
    policy(acct, role).check_media_library(Subject {
        account: &acct.id,
        role,
        user: &claims.sub,
        folder_mode: acct.folder_mode,
    })?;
    let vouched = claims.ml_username.as_deref().unwrap_or(&claims.sub);
    let username = match req.username.as_deref() {
        None => vouched,
        Some(u) if u == vouched => vouched,
        Some(u) => {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "policy_refused",
                format!(
                    "the token vouches for Media Library user {vouched:?}, not {:?}",
                    truncate(u, 128)
                ),
            )
            .with_rule("token.ml_username"))
        }
    };
    if username.is_empty()
        || username.contains(['&', '='])
        || username.chars().any(char::is_control)
    {
        return Err(ApiError::invalid(
            "the Media Library user name must be non-empty, without `&`, `=` or control characters",
        ));
    }
    let ts = match &req.timestamp {
        Some(v) => {
            let ts = parse_timestamp(v)?;
            check_timestamp(&s, ts)?;
            ts
        }
        None => now(&s),
    };
    let to_sign = sign::media_library_login_string_to_sign(&acct.cloud_name, ts, username);
    let signature = crypto::api_signature(&to_sign, &acct.api_secret, Algorithm::Sha256);
    issued(&s);
    tracing::debug!(user = %claims.sub, account = %acct.id, "media library login signed");
    Ok(Json(json!({
        "cloud_name": acct.cloud_name,
        "api_key": acct.api_key,
        "username": username,
        "timestamp": ts,
        "signature": signature,
    })))
}

fn default_image() -> String {
    "image".into()
}

fn default_upload() -> String {
    "upload".into()
}

/// Body of `POST /v1/sign/delivery`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DeliveryRequest {
    account: Option<String>,
    #[serde(default = "default_image")]
    resource_type: String,
    #[serde(default = "default_upload", rename = "type")]
    delivery_type: String,
    #[serde(default)]
    transformation: String,
    public_id: String,
    #[serde(default)]
    long_signature: bool,
    algorithm: Option<Algorithm>,
}

impl DeliveryRequest {
    fn into_parts(self) -> (Option<String>, DeliveryItem) {
        let item = DeliveryItem {
            resource_type: self.resource_type,
            delivery_type: self.delivery_type,
            transformation: self.transformation,
            public_id: self.public_id,
            long_signature: self.long_signature,
            algorithm: self.algorithm,
        };
        (self.account, item)
    }
}

/// One delivery URL to sign: the body of `POST /v1/sign/delivery` without `account`, and one
/// item of `POST /v1/sign/delivery/batch`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DeliveryItem {
    #[serde(default = "default_image")]
    resource_type: String,
    #[serde(default = "default_upload", rename = "type")]
    delivery_type: String,
    #[serde(default)]
    transformation: String,
    public_id: String,
    #[serde(default)]
    long_signature: bool,
    algorithm: Option<Algorithm>,
}

/// Checks one delivery item's values and the caller's policy on it: everything short of
/// signing, so that a batch can be refused whole before a single signature is issued.
fn check_delivery_item(
    acct: &Account,
    role: Role,
    claims: &Claims,
    req: &DeliveryItem,
) -> Result<(), ApiError> {
    if !matches!(req.resource_type.as_str(), "image" | "video" | "raw") {
        return Err(ApiError::invalid(format!(
            "resource_type {:?} is not one of \"image\", \"video\", \"raw\"",
            truncate(&req.resource_type, 32)
        )));
    }
    if req.delivery_type.is_empty()
        || !req
            .delivery_type
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b == b'_')
    {
        return Err(ApiError::invalid(format!(
            "type {:?} is not a delivery type",
            truncate(&req.delivery_type, 32)
        )));
    }
    if req.public_id.is_empty()
        || req.public_id.len() > 2048
        || req.public_id.chars().any(char::is_control)
    {
        return Err(ApiError::invalid(
            "public_id must be 1 to 2048 characters without control characters",
        ));
    }
    if req.transformation.len() > 2048
        || req
            .transformation
            .chars()
            // A plain space is signed as is (a text layer's font, `l_text:Open Sans_20:hi`: the
            // SDKs sign the transformation before the URL gets `%20`); other whitespace is not.
            .any(|c| c.is_control() || (c.is_whitespace() && c != ' '))
    {
        return Err(ApiError::invalid(
            "transformation must be at most 2048 characters without control characters or whitespace other than spaces",
        ));
    }
    // A space only inside a qualifier's value (after its `key_`): never before or in a key, where
    // it could hide a layer (` l_secret:doc`) from the policy's checks if Cloudinary trims it.
    if let Some(q) = req.transformation.split(['/', ',']).find(|q| {
        q.find(' ')
            .is_some_and(|sp| q.find('_').is_none_or(|us| sp < us))
    }) {
        return Err(ApiError::invalid(format!(
            "transformation: {:?} has a space outside its value (a space may only follow a qualifier's key_)",
            truncate(q, 64)
        )));
    }
    policy(acct, role).check_delivery(
        Subject {
            account: &acct.id,
            role,
            user: &claims.sub,
            folder_mode: acct.folder_mode,
        },
        &req.delivery_type,
        &req.transformation,
        &req.public_id,
    )?;
    Ok(())
}

/// Signs one checked delivery item: `{"signature", "url_component", "algorithm"}`.
fn sign_delivery_item(s: &Signer, acct: &Account, claims: &Claims, req: &DeliveryItem) -> Value {
    let to_sign = sign::url_string_to_sign(&req.transformation, &req.public_id);
    let alg = req.algorithm.unwrap_or(acct.signature_algorithm);
    let sig = crypto::url_signature(&to_sign, &acct.api_secret, alg, req.long_signature);
    issued(s);
    tracing::debug!(user = %claims.sub, account = %acct.id, r#type = %req.delivery_type, "delivery URL signed");
    json!({
        "signature": sig,
        "url_component": format!("s--{sig}--"),
        "algorithm": if req.long_signature { "sha256" } else { alg.as_str() },
    })
}

async fn sign_delivery(State(s): State<Signer>, req: Request) -> Result<Json<Value>, ApiError> {
    let (claims, req): (_, DeliveryRequest) = authenticated_json(&s, req).await?;
    let (account, item) = req.into_parts();
    let (acct, role) = resolve(&s, &claims, account.as_deref())?;
    check_delivery_item(acct, role, &claims, &item)?;
    Ok(Json(sign_delivery_item(&s, acct, &claims, &item)))
}

/// Body of `POST /v1/sign/delivery/batch`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DeliveryBatchRequest {
    account: Option<String>,
    items: BoundedItems,
}

/// `items` of a batch: at most [`config::MAX_MAX_BATCH`] + 1 items are kept; the rest are only
/// counted (skipped without allocating), so a body of tiny items cannot allocate without bound.
/// An item that does not parse is named by its index.
struct BoundedItems {
    kept: Vec<DeliveryItem>,
    total: usize,
}

impl<'de> Deserialize<'de> for BoundedItems {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = BoundedItems;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a list of delivery URLs to sign")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<BoundedItems, A::Error> {
                let mut kept = Vec::new();
                let mut total = 0usize;
                loop {
                    if total <= config::MAX_MAX_BATCH {
                        match seq.next_element::<DeliveryItem>() {
                            Ok(Some(item)) => kept.push(item),
                            Ok(None) => break,
                            Err(e) => {
                                return Err(serde::de::Error::custom(format!(
                                    "items[{total}]: {e}"
                                )))
                            }
                        }
                    } else if seq.next_element::<serde::de::IgnoredAny>()?.is_none() {
                        break;
                    }
                    total += 1;
                }
                Ok(BoundedItems { kept, total })
            }
        }
        d.deserialize_seq(V)
    }
}

/// Signs up to `server.max_batch` delivery URLs in one request (one rate-limit token), all or
/// none: every item is checked before the first is signed, and the first refused item's error
/// is answered with its index (`items[N]: ...`).
async fn sign_delivery_batch(
    State(s): State<Signer>,
    req: Request,
) -> Result<Json<Value>, ApiError> {
    let (parts, body) = req.into_parts();
    let claims = authenticate(&s, &parts.headers)?;
    let srv = &s.0.cfg.server;
    let limit = srv.max_body_bytes.saturating_mul(srv.max_batch);
    let req: DeliveryBatchRequest =
        json_body(&parts.headers, body, limit)
            .await
            .map_err(|mut e| {
                if e.code == "body_too_large" {
                    e.message = format!(
                        "the batch body is larger than {limit} bytes (server.max_body_bytes × server.max_batch)"
                    );
                }
                e
            })?;
    let total = req.items.total;
    let items = req.items.kept;
    if total == 0 {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "empty_batch",
            "`items` is empty: send at least one delivery URL to sign",
        ));
    }
    let max = srv.max_batch;
    if total > max {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_many_items",
            format!("`items` has {total} delivery URLs; at most {max} are signed in one request"),
        )
        .with_rule("server.max_batch"));
    }
    let (acct, role) = resolve(&s, &claims, req.account.as_deref())?;
    for (i, item) in items.iter().enumerate() {
        check_delivery_item(acct, role, &claims, item).map_err(|mut e| {
            e.message = format!("items[{i}]: {}", e.message);
            e
        })?;
    }
    let results: Vec<Value> = items
        .iter()
        .map(|item| sign_delivery_item(&s, acct, &claims, item))
        .collect();
    Ok(Json(json!({ "results": results })))
}

async fn webhook(
    State(s): State<Signer>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    let cfg = &s.0.cfg;
    let body = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body_too_large",
                format!(
                    "the notification is larger than {} bytes",
                    cfg.webhooks.max_body_bytes
                ),
            )
            .with_rule("webhooks.max_body_bytes")
        } else {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "body_unreadable",
                "the notification body could not be read",
            )
        }
    })?;
    let acct = cfg.account(&id).ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "unknown_account",
            format!("unknown account {:?}", truncate(&id, 64)),
        )
    })?;
    let header_str = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    let unauth =
        |code: &'static str, msg: String| ApiError::new(StatusCode::UNAUTHORIZED, code, msg);
    let ts_raw = header_str("x-cld-timestamp")
        .filter(|t| !t.is_empty() && t.len() <= 12 && t.bytes().all(|b| b.is_ascii_digit()))
        .ok_or_else(|| {
            unauth(
                "webhook_unsigned",
                "the notification has no valid X-Cld-Timestamp header".into(),
            )
        })?;
    let sig = header_str("x-cld-signature")
        .filter(|s| !s.is_empty())
        .ok_or_else(|| {
            unauth(
                "webhook_unsigned",
                "the notification has no X-Cld-Signature header".into(),
            )
        })?;
    let ts: u64 = ts_raw.parse().map_err(|_| {
        unauth(
            "webhook_unsigned",
            "X-Cld-Timestamp is not Unix seconds".into(),
        )
    })?;
    let now = now(&s);
    if ts.saturating_add(cfg.webhooks.max_age_secs) < now
        || ts > now.saturating_add(cfg.server.timestamp_max_future_secs)
    {
        return Err(unauth(
            "webhook_stale",
            format!(
                "the notification's X-Cld-Timestamp {ts} is outside the accepted window ({} seconds old at most)",
                cfg.webhooks.max_age_secs
            ),
        )
        .with_rule("webhooks.max_age_secs"));
    }
    let payload = sign::notification_payload_to_sign(&body, ts_raw);
    if !crypto::verify_notification(&payload, &acct.api_secret, sig) {
        return Err(unauth(
            "webhook_bad_signature",
            format!("the notification's X-Cld-Signature does not verify with the secret of account {:?}", acct.id),
        ));
    }
    let replay_key = (acct.id.clone(), sig.to_ascii_lowercase());
    remember_webhook(
        &s,
        replay_key.clone(),
        ts.saturating_add(cfg.webhooks.max_age_secs),
        now,
    )?;
    // Until the host has it, the notification is not "accepted": if forwarding fails, or this
    // future is dropped (the caller hung up, the request timed out), Cloudinary's retry of this
    // very notification must get through.
    let mut pending = ForgetUnlessDelivered {
        signer: &s,
        key: Some(replay_key),
    };
    let forwarded = forward_webhook(&s, acct, &headers, ts_raw, now, body).await;
    if forwarded.is_ok() {
        pending.key = None;
    }
    forwarded
}

/// Removes a webhook's replay key when dropped, unless its forward succeeded.
struct ForgetUnlessDelivered<'a> {
    signer: &'a Signer,
    key: Option<(String, String)>,
}

impl Drop for ForgetUnlessDelivered<'_> {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            self.signer
                .0
                .seen_webhooks
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .remove(&key);
        }
    }
}

/// Records an accepted notification; refuses one already accepted within its validity window.
fn remember_webhook(
    s: &Signer,
    key: (String, String),
    forget_after: u64,
    now: u64,
) -> Result<(), ApiError> {
    let mut seen =
        s.0.seen_webhooks
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
    if seen.get(&key).is_some_and(|&until| until >= now) {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "webhook_replayed",
            format!(
                "this notification was already accepted for account {:?}; a replay is not forwarded again",
                key.0
            ),
        )
        .with_rule("webhooks.max_age_secs"));
    }
    if seen.len() >= WEBHOOK_REPLAY_CACHE {
        seen.retain(|_, until| *until >= now);
        if seen.len() >= WEBHOOK_REPLAY_CACHE {
            return Err(ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "webhook_busy",
                format!(
                    "more than {WEBHOOK_REPLAY_CACHE} notifications arrived within webhooks.max_age_secs; retry later"
                ),
            )
            .with_rule("webhooks.max_age_secs"));
        }
    }
    seen.insert(key, forget_after);
    Ok(())
}

async fn forward_webhook(
    s: &Signer,
    acct: &Account,
    headers: &HeaderMap,
    ts_raw: &str,
    now: u64,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let cfg = &s.0.cfg;
    let header_str = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    let url = cfg.webhooks.forward_url.as_deref().ok_or_else(|| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "not_configured",
            "the notification is authentic but no webhooks.forward_url is configured to forward it to",
        )
        .with_rule("webhooks.forward_url")
    })?;
    let content_type = header_str("content-type")
        .unwrap_or("application/json")
        .to_owned();
    let mut fwd = vec![
        ("content-type", content_type),
        ("x-cld-account", acct.id.clone()),
        ("x-cld-timestamp", ts_raw.to_owned()),
    ];
    if let Some(key) = &cfg.webhooks.forward_secret {
        // HMAC over signer time, account, Cloudinary's timestamp and the body, so that none of
        // the forwarded headers can be swapped without breaking the signature.
        let signer_ts = now.to_string();
        let mut msg = Vec::with_capacity(body.len() + acct.id.len() + 32);
        for part in [signer_ts.as_bytes(), acct.id.as_bytes(), ts_raw.as_bytes()] {
            msg.extend_from_slice(part);
            msg.push(b'.');
        }
        msg.extend_from_slice(&body);
        fwd.push(("x-cld-signer-timestamp", signer_ts));
        fwd.push((
            "x-cld-signer-signature",
            format!("sha256={}", crypto::hmac_sha256_hex(key, &msg)),
        ));
    }
    let status = s.0.outbound.forward(url, fwd, body).await?;
    if !(200..300).contains(&status) {
        return Err(ApiError::new(
            StatusCode::BAD_GATEWAY,
            "forward_failed",
            format!("the host answered HTTP {status} to the forwarded notification; Cloudinary will retry"),
        ));
    }
    tracing::info!(account = %acct.id, "notification verified and forwarded");
    Ok(Json(json!({ "status": "forwarded", "account": acct.id })))
}

/// Body of `POST /v1/dev/token` (and the `token` subcommand).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DevTokenRequest {
    /// The user (`sub`).
    pub user: String,
    /// Role per account id.
    #[serde(default)]
    pub roles: BTreeMap<String, Role>,
    /// Lifetime, seconds (default 600, at most 3600).
    pub ttl_secs: Option<u64>,
    /// Media Library user name, if not the user id.
    pub ml_username: Option<String>,
}

/// Mints a token for `req` with `key` at `now`; returns it and its expiry.
pub fn mint_token(
    cfg: &Config,
    key: &Secret,
    req: &DevTokenRequest,
    now: u64,
) -> Result<(String, u64), ApiError> {
    mint_token_with_kid(cfg, key, None, req, now)
}

fn mint_token_with_kid(
    cfg: &Config,
    key: &Secret,
    kid: Option<&str>,
    req: &DevTokenRequest,
    now: u64,
) -> Result<(String, u64), ApiError> {
    if req.user.trim().is_empty() || req.user.len() > 256 {
        return Err(ApiError::invalid("`user` must be 1 to 256 characters"));
    }
    for id in req.roles.keys() {
        if cfg.account(id).is_none() {
            return Err(ApiError::new(
                StatusCode::NOT_FOUND,
                "unknown_account",
                format!("unknown account {:?}", truncate(id, 64)),
            ));
        }
    }
    let ttl = req.ttl_secs.unwrap_or(600);
    if ttl == 0 || ttl > 3600 || ttl > cfg.auth.max_token_lifetime_secs {
        return Err(ApiError::invalid("`ttl_secs` must be between 1 and 3600"));
    }
    let claims = Claims {
        sub: req.user.clone(),
        exp: now + ttl,
        nbf: None,
        iat: Some(now),
        iss: cfg.auth.issuer.clone(),
        aud: cfg.auth.audience.clone(),
        roles: req.roles.clone(),
        ml_username: req.ml_username.clone(),
    };
    Ok((auth::mint_hs256_kid(key, kid, &claims), claims.exp))
}

async fn dev_token(State(s): State<Signer>, req: Request) -> Result<Json<Value>, ApiError> {
    let (parts, body) = req.into_parts();
    if ["forwarded", "x-forwarded-for", "x-real-ip"]
        .iter()
        .any(|h| parts.headers.contains_key(*h))
    {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "dev_token_proxied",
            "development tokens are issued only to direct loopback clients, not through a proxy",
        ));
    }
    let req: DevTokenRequest =
        json_body(&parts.headers, body, s.0.cfg.server.max_body_bytes).await?;
    let (token, exp) = s.mint_dev_token(&req)?;
    tracing::info!(user = %req.user, "development token issued");
    Ok(Json(
        json!({ "token": token, "expires_at": exp, "token_type": "Bearer" }),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tower::ServiceExt as _;

    /// The panic barrier: a panicking handler answers 500 with a fixed message, and the
    /// service keeps answering.
    #[tokio::test]
    async fn a_panicking_handler_answers_500_and_the_service_keeps_serving() {
        let cfg = config::from_cloudinary_url(
            "cloudinary://1:2@c",
            &[("CLD_SIGNER_JWT_KEY".to_owned(), "k".repeat(32))]
                .into_iter()
                .collect::<BTreeMap<String, String>>(),
        )
        .unwrap();
        let s = Signer::new(cfg, Options::default()).unwrap();
        let app = Router::new()
            .route(
                "/boom",
                get(|| async {
                    if std::hint::black_box(true) {
                        panic!("handler bug");
                    }
                    "unreachable"
                }),
            )
            .route("/ok", get(|| async { "ok" }))
            .layer(middleware::from_fn_with_state(s.clone(), edge));
        let call = |path: &'static str| {
            app.clone().oneshot(
                axum::http::Request::get(path)
                    .body(axum::body::Body::empty())
                    .unwrap(),
            )
        };
        let r = call("/boom").await.unwrap();
        assert_eq!(r.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = http_body_util::BodyExt::collect(r.into_body())
            .await
            .unwrap()
            .to_bytes();
        let v: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["error"]["code"], "internal_error");
        assert_eq!(
            v["error"]["message"],
            "the signer failed while handling this request"
        );
        assert_eq!(call("/ok").await.unwrap().status(), StatusCode::OK);
    }
}
