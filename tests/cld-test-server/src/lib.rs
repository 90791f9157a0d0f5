//! TEST DOUBLE of Cloudinary's Upload API, for cloudinary-connector's tests only (never shipped,
//! `publish = false`). It answers `POST /v1_1/{cloud}/{resource_type}/upload` the way
//! Cloudinary does for chunked uploads (reference §4), and is strict where Cloudinary is:
//!
//! * every request's signature is checked with the test secrets of the signer's fixture
//!   (`signer/tests/fixtures/test-config.toml` + `test-env.sh`), with the double's OWN
//!   string-to-sign ([`signature`], written from Cloudinary's docs; this crate does not depend
//!   on the plugin); a wrong one gets Cloudinary's
//!   `Invalid Signature <sig>. String to sign - '<string>'.` (401);
//! * the chunk protocol: one `X-Unique-Upload-Id`, `Content-Range: bytes s-e/t` consistent
//!   with the bytes sent and with earlier parts, no overlap, parts of at least
//!   [`limits::MIN_PART_BYTES`] except the last, the last only after every other part has
//!   returned, the same total. Later parts need not repeat a `public_id` Cloudinary generated:
//!   the shared `X-Unique-Upload-Id` identifies the upload (react-uploady#235: "Missing required
//!   parameter - public_id" went away once the parts shared an upload id); a different one is
//!   refused;
//! * an intermediate part may give its total as `-1` (not known yet), as the Node SDK's
//!   `upload_large` does (reference §4: `bytes ${start}-${sent-1}/${is_last ? sent : -1}`,
//!   cloudinary_npm `upload_chunked_stream`); the last part gives the real total;
//! * parallel middle parts and a part sent again (a retry after a lost answer) are accepted by
//!   default — Cloudinary's behaviour for both is unconfirmed — and refused in STRICT mode
//!   (`POST /test/strict {"public_id"}` for one upload, [`TestServer::strict`] for all), in which the
//!   uploader is tested too (it must then work without either);
//! * parts are hashed as they stream in (SHA-256 per part): memory stays bounded whatever the
//!   file size.
//!
//! * partial uploads are kept by `X-Unique-Upload-Id` for the server's lifetime, whatever client
//!   session sends the next part: the id, not a connection or a cookie, names the upload
//!   (support article 208263735: "X-Unique-Upload-Id header, identical for all parts"; that
//!   Cloudinary keeps a partial upload across client sessions follows from it and is how its
//!   SDKs' `upload_large` retries work; how LONG Cloudinary keeps one is unconfirmed);
//! * rate limits: a fault may answer 420 or 429 with `Retry-After` (seconds) and/or
//!   `X-FeatureRateLimit-Reset` (an HTTP date). 420 and 429 are the statuses Cloudinary's SDKs
//!   read as "rate limited" (pycloudinary `EXCEPTION_CODES`, PHP `ENHANCE_YOUR_CALM = 420`,
//!   `TOO_MANY_REQUESTS = 429`; cloudinary_npm `docs/troubleshoot-errors.md`: "Rate limit
//!   exceeded"); `X-FeatureRateLimit-Reset` is the header they parse (reference §9);
//!   `Retry-After` is HTTP's (RFC 6585 §4, RFC 9110 §10.2.3). That the Upload API itself sends
//!   either header, and exposes it to browsers through CORS, is unconfirmed: this double exposes
//!   both (`Access-Control-Expose-Headers`) so that both paths of the client are tested;
//! * a fault may drop the connection after reading a part (`"drop": true`): the answer's body
//!   breaks off, as a connection lost on the way back does.
//!
//! Test control (not Cloudinary's API): `POST /test/faults` injects a failure,
//! `POST /test/fault-plan` injects one into every n-th upload request,
//! `POST /test/strict` makes one upload strict,
//! `GET /test/uploads?public_id=…` (or `?unique_upload_id=…`) reports what an upload received
//! (every range with the times and bytes it was received, counting resends and refused
//! requests), `GET /test/log` every upload request with its arrival time and answer on the
//! double's clock, `GET /test/stats` the requests in flight, `GET /health`.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};
use sha1::Digest as _;

pub mod limits;
pub mod signature;

use limits::{MAX_REQUEST_BYTES, MIN_PART_BYTES};

/// One account the double knows: the secret of an API key and its cloud.
#[derive(Clone, Debug)]
pub struct Account {
    /// The cloud name the key belongs to.
    pub cloud_name: String,
    /// The test secret.
    pub secret: String,
}

/// Reads the accounts (and sub-accounts) of a cld-signer TOML configuration, taking each
/// secret from the environment variable its `api_secret_env` names through `env`.
pub fn accounts_from_config(
    toml_text: &str,
    env: impl Fn(&str) -> Option<String>,
) -> Result<HashMap<String, Account>, String> {
    let v: toml::Value = toml::from_str(toml_text).map_err(|e| format!("not valid TOML: {e}"))?;
    let mut out = HashMap::new();
    let mut add = |a: &toml::Value| -> Result<(), String> {
        let get = |k: &str| a.get(k).and_then(toml::Value::as_str).map(str::to_owned);
        let key = get("api_key").ok_or("an account has no api_key")?;
        let cloud_name = get("cloud_name").ok_or("an account has no cloud_name")?;
        let var =
            get("api_secret_env").ok_or_else(|| format!("account {key}: no api_secret_env"))?;
        let secret = env(&var).filter(|s| !s.is_empty()).ok_or_else(|| {
            format!("account {key}: the environment variable {var} is not set (source signer/tests/fixtures/test-env.sh)")
        })?;
        out.insert(key, Account { cloud_name, secret });
        Ok(())
    };
    for a in v
        .get("accounts")
        .and_then(toml::Value::as_array)
        .into_iter()
        .flatten()
    {
        add(a)?;
        for s in a
            .get("sub_accounts")
            .and_then(toml::Value::as_array)
            .into_iter()
            .flatten()
        {
            add(s)?;
        }
    }
    if out.is_empty() {
        return Err("the configuration has no [[accounts]]".into());
    }
    Ok(out)
}

/// An injected failure, matched by the upload's `public_id` parameter and the request's
/// number within that upload (1-based, retries counted).
#[derive(Clone, Debug, Deserialize)]
pub struct Fault {
    /// The `public_id` parameter of the requests to hit.
    pub public_id: String,
    /// Which request of the upload (1 = the first received).
    pub nth: u32,
    /// Answer this status instead of processing (e.g. 500).
    #[serde(default)]
    pub status: Option<u16>,
    /// Wait this long before answering (a timeout for a client with a shorter one).
    #[serde(default)]
    pub delay_ms: Option<u64>,
    /// Check the signature with a wrong secret: a real `Invalid Signature` answer.
    #[serde(default)]
    pub wrong_secret: bool,
    /// With `status`: a `Retry-After` header (e.g. `"2"`).
    #[serde(default)]
    pub retry_after: Option<String>,
    /// With `status`: an `X-FeatureRateLimit-Reset` header (an HTTP date).
    #[serde(default)]
    pub rate_limit_reset: Option<String>,
    /// Drop the connection after reading the part (the answer's body breaks off).
    #[serde(default)]
    pub drop: bool,
}

/// A fault in every `every`-th upload request (counted over all uploads, from the plan's
/// start), cycling through `faults` (their `public_id` and `nth` are ignored).
#[derive(Clone, Debug, Deserialize)]
pub struct FaultPlan {
    /// 1 in how many requests fails.
    pub every: u64,
    /// The failures, in turn.
    pub faults: Vec<Fault>,
}

/// One upload request as the double saw it (`GET /test/log`).
#[derive(Clone, Debug, serde::Serialize)]
pub struct LogEntry {
    /// Milliseconds since the double started, when the request's handler began.
    pub at_ms: u64,
    /// When its answer was ready (ms since start).
    pub answered_ms: u64,
    /// The `X-Unique-Upload-Id`.
    pub upload_id: Option<String>,
    /// The `Content-Range`.
    pub range: Option<String>,
    /// The status answered, or 0 for a dropped connection.
    pub status: u16,
    /// The `Retry-After` answered.
    pub retry_after: Option<String>,
}

#[derive(Debug, Default)]
struct UploadState {
    cloud: String,
    total: u64,
    public_id: String,
    generated_id: bool,
    /// start → (end, sha256 hex)
    parts: BTreeMap<u64, (u64, String)>,
    /// Every range a request carried (resends and refused requests too): (start, end) →
    /// (times, bytes).
    received: BTreeMap<(u64, u64), (u32, u64)>,
    requests: u32,
    in_flight: u32,
    done: bool,
    version: u64,
}

#[derive(Debug, Default)]
struct Inner {
    uploads: HashMap<String, UploadState>,
    faults: Vec<Fault>,
    /// The `public_id`s of the uploads in strict mode.
    strict: Vec<String>,
    in_flight: u32,
    requests: u64,
    peak_in_flight: u32,
    next_id: u64,
    plan: Option<(FaultPlan, u64)>,
    log: Vec<LogEntry>,
}

/// The server's state.
#[derive(Clone, Debug)]
pub struct TestServer {
    accounts: Arc<HashMap<String, Account>>,
    inner: Arc<Mutex<Inner>>,
    /// Clock override for tests of stale timestamps (unix seconds); `None` = the system clock.
    now: Option<u64>,
    /// Every upload strict (see the crate docs).
    strict: bool,
    /// The double's clock for `GET /test/log`.
    started: std::time::Instant,
}

fn err(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(json!({"error": {"message": message.into()}}))).into_response()
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Decrements the in-flight counters when a request ends, also when the client went away and
/// the handler was dropped.
struct FlightGuard {
    inner: Arc<Mutex<Inner>>,
    upload_id: Option<String>,
}

impl Drop for FlightGuard {
    fn drop(&mut self) {
        let mut g = self.inner.lock().unwrap();
        g.in_flight -= 1;
        if let Some(id) = &self.upload_id {
            if let Some(u) = g.uploads.get_mut(id) {
                u.in_flight -= 1;
            }
        }
    }
}

/// `bytes s-e/t`; a total of `-1` (not known yet) is `None`.
fn parse_range(v: &str) -> Option<(u64, u64, Option<u64>)> {
    let rest = v.strip_prefix("bytes ")?;
    let (range, total) = rest.split_once('/')?;
    let (s, e) = range.split_once('-')?;
    let total = if total == "-1" {
        None
    } else {
        Some(total.parse().ok()?)
    };
    Some((s.parse().ok()?, e.parse().ok()?, total))
}

impl TestServer {
    /// A server for `accounts`.
    pub fn new(accounts: HashMap<String, Account>) -> Self {
        TestServer {
            accounts: Arc::new(accounts),
            inner: Arc::default(),
            now: None,
            strict: false,
            started: std::time::Instant::now(),
        }
    }

    /// The same server with every upload in strict mode.
    pub fn strict(mut self) -> Self {
        self.strict = true;
        self
    }

    /// The same server with its clock fixed at `unix_secs` (for stale-timestamp tests).
    pub fn with_clock(mut self, unix_secs: u64) -> Self {
        self.now = Some(unix_secs);
        self
    }

    fn now(&self) -> u64 {
        self.now.unwrap_or_else(|| {
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0)
        })
    }

    /// The routes, with CORS for the browser tests' random-port pages.
    pub fn router(self) -> Router {
        Router::new()
            .route("/v1_1/{cloud}/{resource_type}/upload", post(upload))
            .route("/test/faults", post(add_fault))
            .route("/test/strict", post(add_strict))
            .route("/test/fault-plan", post(set_fault_plan))
            .route("/test/log", get(request_log))
            .route("/test/uploads", get(upload_report))
            .route("/test/stats", get(stats))
            .route(
                "/health",
                get(|| async {
                    Json(json!({"status": "ok", "service": "cld-test-server (test double)"}))
                }),
            )
            .layer(DefaultBodyLimit::max(
                MAX_REQUEST_BYTES as usize + (1 << 20),
            ))
            .layer(middleware::from_fn(cors))
            .with_state(self)
    }
}

async fn cors(req: Request, next: Next) -> Response {
    let mut res = if req.method() == Method::OPTIONS {
        StatusCode::NO_CONTENT.into_response()
    } else {
        next.run(req).await
    };
    let h = res.headers_mut();
    h.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    h.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("GET, POST, OPTIONS"),
    );
    h.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static(
            "content-type, content-range, x-unique-upload-id, x-requested-with",
        ),
    );
    h.insert(
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static("retry-after, x-featureratelimit-reset"),
    );
    h.insert(
        header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static("600"),
    );
    res
}

async fn add_fault(State(s): State<TestServer>, Json(f): Json<Fault>) -> StatusCode {
    s.inner.lock().unwrap().faults.push(f);
    StatusCode::NO_CONTENT
}

async fn set_fault_plan(State(s): State<TestServer>, Json(p): Json<FaultPlan>) -> Response {
    // `every: 0` ends the plan.
    let plan = (p.every > 0).then_some(p);
    if plan.as_ref().is_some_and(|p| p.faults.is_empty()) {
        return err(
            StatusCode::BAD_REQUEST,
            "a fault plan needs at least one fault",
        );
    }
    s.inner.lock().unwrap().plan = plan.map(|p| (p, 0));
    StatusCode::NO_CONTENT.into_response()
}

async fn request_log(State(s): State<TestServer>) -> Json<Value> {
    Json(json!(s.inner.lock().unwrap().log))
}

#[derive(Deserialize)]
struct StrictUpload {
    public_id: String,
}

async fn add_strict(State(s): State<TestServer>, Json(u): Json<StrictUpload>) -> StatusCode {
    s.inner.lock().unwrap().strict.push(u.public_id);
    StatusCode::NO_CONTENT
}

#[derive(Deserialize)]
struct ReportQuery {
    public_id: Option<String>,
    unique_upload_id: Option<String>,
}

async fn upload_report(State(s): State<TestServer>, Query(q): Query<ReportQuery>) -> Response {
    let g = s.inner.lock().unwrap();
    let found = match (&q.unique_upload_id, &q.public_id) {
        (Some(id), _) => g.uploads.get_key_value(id),
        (None, Some(p)) => g.uploads.iter().find(|(_, u)| u.public_id == *p),
        (None, None) => {
            return err(
                StatusCode::BAD_REQUEST,
                "give public_id or unique_upload_id",
            );
        }
    };
    match found {
        None => err(StatusCode::NOT_FOUND, format!("no upload of {}", q.unique_upload_id.or(q.public_id).unwrap_or_default())),
        Some((id, u)) => Json(json!({
            "unique_upload_id": id, "public_id": u.public_id, "requests": u.requests, "in_flight": u.in_flight, "done": u.done,
            "total": u.total, "parts": u.parts.iter().map(|(s, (e, h))| json!({"range": format!("bytes {s}-{e}/{}", u.total), "sha256": h})).collect::<Vec<_>>(),
            "received": u.received.iter().map(|((s, e), (n, b))| json!({"range": format!("bytes {s}-{e}/{}", u.total), "times": n, "bytes": b})).collect::<Vec<_>>(),
        }))
        .into_response(),
    }
}

async fn stats(State(s): State<TestServer>) -> Json<Value> {
    let g = s.inner.lock().unwrap();
    Json(
        json!({"in_flight": g.in_flight, "requests": g.requests, "peak_in_flight": g.peak_in_flight}),
    )
}

struct Received {
    /// As Cloudinary reads them: arrays comma-joined ([`signature::collect_params`]).
    params: BTreeMap<String, String>,
    /// The fields, arrays kept as arrays, for the signature.
    fields: BTreeMap<String, Vec<String>>,
    file_len: u64,
    file_sha256: String,
    file_name: Option<String>,
}

async fn read_multipart(mut mp: Multipart) -> Result<Received, Response> {
    let bad = |m: String| err(StatusCode::BAD_REQUEST, m);
    let mut raw = Vec::new();
    let mut file = None;
    while let Some(mut field) = mp
        .next_field()
        .await
        .map_err(|e| bad(format!("malformed multipart body: {e}")))?
    {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "file" {
            let file_name = field.file_name().map(str::to_owned);
            let mut h = sha2::Sha256::new();
            let mut len = 0u64;
            // Streamed: one network chunk at a time, never the whole part.
            while let Some(bytes) = field
                .chunk()
                .await
                .map_err(|e| bad(format!("malformed multipart body: {e}")))?
            {
                len += bytes.len() as u64;
                h.update(&bytes);
            }
            file = Some((len, hex(&h.finalize()), file_name));
        } else {
            let text = field
                .text()
                .await
                .map_err(|e| bad(format!("malformed multipart body: {e}")))?;
            raw.push((name, text));
        }
    }
    let fields = signature::collect_params(raw);
    let params = fields
        .iter()
        .map(|(k, v)| (k.clone(), v.join(",")))
        .collect();
    let (file_len, file_sha256, file_name) =
        file.ok_or_else(|| bad("Missing required parameter - file".into()))?;
    Ok(Received {
        params,
        fields,
        file_len,
        file_sha256,
        file_name,
    })
}

async fn upload(
    State(s): State<TestServer>,
    Path((cloud, resource_type)): Path<(String, String)>,
    headers: HeaderMap,
    mp: Multipart,
) -> Response {
    let at_ms = s.started.elapsed().as_millis() as u64;
    let header_of = |k: &str| {
        headers
            .get(k)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let (upload_id, range) = (header_of("x-unique-upload-id"), header_of("content-range"));
    let res = upload_inner(s.clone(), cloud, resource_type, headers, mp).await;
    let dropped = res.headers().contains_key("x-test-double-drop");
    s.inner.lock().unwrap().log.push(LogEntry {
        at_ms,
        answered_ms: s.started.elapsed().as_millis() as u64,
        upload_id,
        range,
        status: if dropped { 0 } else { res.status().as_u16() },
        retry_after: res
            .headers()
            .get(header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
    });
    res
}

/// An answer whose body breaks off: the client sees the connection drop.
fn dropped_connection() -> Response {
    let body = axum::body::Body::from_stream(futures_util::stream::once(async {
        Err::<axum::body::Bytes, std::io::Error>(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "connection dropped (test double)",
        ))
    }));
    let mut r = Response::new(body);
    r.headers_mut()
        .insert("x-test-double-drop", HeaderValue::from_static("1"));
    r.headers_mut()
        .insert(header::CONTENT_LENGTH, HeaderValue::from_static("64"));
    r
}

async fn upload_inner(
    s: TestServer,
    cloud: String,
    resource_type: String,
    headers: HeaderMap,
    mp: Multipart,
) -> Response {
    if !["image", "video", "raw", "auto"].contains(&resource_type.as_str()) {
        return err(
            StatusCode::NOT_FOUND,
            format!("Invalid resource type {resource_type}"),
        );
    }
    let upload_id = headers
        .get("x-unique-upload-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let range = headers
        .get(header::CONTENT_RANGE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    // Count the request in flight from its first byte to its answer (or the client leaving).
    let (nth, request_no) = {
        let mut g = s.inner.lock().unwrap();
        g.in_flight += 1;
        g.requests += 1;
        let request_no = g.requests;
        g.peak_in_flight = g.peak_in_flight.max(g.in_flight);
        match &upload_id {
            Some(id) => {
                let u = g.uploads.entry(id.clone()).or_default();
                u.requests += 1;
                u.in_flight += 1;
                (u.requests, request_no)
            }
            None => (1, request_no),
        }
    };
    let _guard = FlightGuard {
        inner: s.inner.clone(),
        upload_id: upload_id.clone(),
    };

    let rec = match read_multipart(mp).await {
        Ok(r) => r,
        Err(r) => return r,
    };
    let public_id_param = rec.params.get("public_id").cloned();
    // Reports find an upload by its public_id, even when its first part was refused.
    if let (Some(id), Some(p)) = (&upload_id, &public_id_param) {
        if let Some(u) = s.inner.lock().unwrap().uploads.get_mut(id) {
            if u.public_id.is_empty() {
                u.public_id = p.clone();
            }
        }
    }

    // Bytes received per range, whatever the answer.
    if let (Some(id), Some((a, b, _))) = (&upload_id, range.as_deref().and_then(parse_range)) {
        if let Some(u) = s.inner.lock().unwrap().uploads.get_mut(id) {
            let r = u.received.entry((a, b)).or_default();
            r.0 += 1;
            r.1 += rec.file_len;
        }
    }

    // Fault injection, by public_id and request number, or by the plan.
    let fault = {
        let mut g = s.inner.lock().unwrap();
        let pid = public_id_param.clone().unwrap_or_default();
        let planned = g.plan.as_mut().and_then(|(p, n)| {
            *n += 1;
            (*n % p.every == 0)
                .then(|| p.faults[((*n / p.every - 1) % p.faults.len() as u64) as usize].clone())
        });
        planned.or_else(|| {
            g.faults
                .iter()
                .position(|f| f.public_id == pid && f.nth == nth)
                .map(|i| g.faults.remove(i))
        })
    };
    let mut wrong_secret = false;
    if let Some(f) = &fault {
        if let Some(ms) = f.delay_ms {
            tokio::time::sleep(Duration::from_millis(ms)).await;
        }
        if f.drop {
            return dropped_connection();
        }
        if let Some(status) = f.status {
            let st = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let message = match status {
                420 | 429 => "Rate limit exceeded (test double)".to_owned(),
                _ => format!("Injected failure {status} (test double)"),
            };
            let mut r = err(st, message);
            if let Some(v) = f
                .retry_after
                .as_deref()
                .and_then(|v| HeaderValue::from_str(v).ok())
            {
                r.headers_mut().insert(header::RETRY_AFTER, v);
            }
            if let Some(v) = f
                .rate_limit_reset
                .as_deref()
                .and_then(|v| HeaderValue::from_str(v).ok())
            {
                r.headers_mut().insert("x-featureratelimit-reset", v);
            }
            return r;
        }
        wrong_secret = f.wrong_secret;
    }

    // Authentication, as Cloudinary words it.
    let Some(api_key) = rec.params.get("api_key") else {
        return err(StatusCode::UNAUTHORIZED, "Must supply api_key");
    };
    let Some(account) = s.accounts.get(api_key) else {
        return err(
            StatusCode::UNAUTHORIZED,
            format!("Unknown API key {api_key}"),
        );
    };
    if account.cloud_name != cloud {
        return err(
            StatusCode::UNAUTHORIZED,
            format!("Invalid cloud_name {cloud}"),
        );
    }
    let Some(ts) = rec.params.get("timestamp") else {
        return err(
            StatusCode::BAD_REQUEST,
            "Missing required parameter - timestamp",
        );
    };
    let Ok(ts_n) = ts.parse::<u64>() else {
        return err(StatusCode::BAD_REQUEST, format!("Invalid timestamp {ts}"));
    };
    if ts_n + 3600 < s.now() {
        return err(
            StatusCode::BAD_REQUEST,
            format!("Stale request - reported time is {ts_n} which is more than 1 hour ago"),
        );
    }
    let Some(sig) = rec.params.get("signature") else {
        return err(
            StatusCode::BAD_REQUEST,
            "Missing required parameter - signature",
        );
    };
    let to_sign = signature::string_to_sign(&rec.fields);
    let secret = if wrong_secret {
        "not-the-secret"
    } else {
        account.secret.as_str()
    };
    let expected = signature::sign(&to_sign, secret, sig);
    if !expected.eq_ignore_ascii_case(sig) {
        return err(
            StatusCode::UNAUTHORIZED,
            format!("Invalid Signature {sig}. String to sign - '{to_sign}'."),
        );
    }

    // The chunk protocol.
    let (start, end, total) = match (&upload_id, &range) {
        (None, None) => {
            if rec.file_len > MAX_REQUEST_BYTES {
                return err(
                    StatusCode::BAD_REQUEST,
                    format!(
                        "File size too large. Got {}. Maximum is {MAX_REQUEST_BYTES}.",
                        rec.file_len
                    ),
                );
            }
            (0, rec.file_len.saturating_sub(1), Some(rec.file_len))
        }
        (Some(_), Some(r)) => match parse_range(r) {
            Some(t) => t,
            None => {
                return err(
                    StatusCode::BAD_REQUEST,
                    format!("Invalid Content-Range header {r}"),
                )
            }
        },
        (None, Some(_)) => {
            return err(
                StatusCode::BAD_REQUEST,
                "Content-Range without X-Unique-Upload-Id",
            )
        }
        (Some(_), None) => {
            return err(
                StatusCode::BAD_REQUEST,
                "X-Unique-Upload-Id without Content-Range",
            )
        }
    };
    let shown = format!(
        "bytes {start}-{end}/{}",
        total.map_or_else(|| "-1".to_owned(), |t| t.to_string())
    );
    if end < start || total.is_some_and(|t| end >= t) || end - start + 1 != rec.file_len {
        return err(
            StatusCode::BAD_REQUEST,
            format!(
                "Content-Range {shown} does not match the {} bytes sent",
                rec.file_len
            ),
        );
    }
    // A part whose total is not known yet (`/-1`) is never the last.
    let is_last = total == Some(end + 1);
    if !is_last && rec.file_len < MIN_PART_BYTES {
        return err(
            StatusCode::BAD_REQUEST,
            "All parts except EOF-chunk must be larger than 5mb",
        );
    }
    let id_key = upload_id
        .clone()
        .unwrap_or_else(|| format!("single-{request_no}"));
    let mut g = s.inner.lock().unwrap();
    g.next_id += 1;
    let serial = g.next_id;
    let u = g.uploads.entry(id_key.clone()).or_default();
    let first = u.parts.is_empty() && u.total == 0;
    if first {
        u.total = total.unwrap_or(0);
        u.cloud = cloud.clone();
        match &public_id_param {
            Some(p) if !p.is_empty() => u.public_id = p.clone(),
            _ => {
                u.public_id = hex(&sha1::Sha1::digest(format!("{id_key}/{serial}").as_bytes()))
                    [..20]
                    .to_owned();
                u.generated_id = true;
            }
        }
    } else {
        if u.done {
            return err(
                StatusCode::BAD_REQUEST,
                format!("Upload {id_key} is already complete"),
            );
        }
        match total {
            Some(t) if u.total == 0 => u.total = t,
            Some(t) if u.total != t => {
                return err(
                    StatusCode::BAD_REQUEST,
                    format!(
                        "Content-Range total {t} differs from the upload's {}",
                        u.total
                    ),
                );
            }
            _ => {}
        }
        if u.cloud != cloud {
            return err(
                StatusCode::BAD_REQUEST,
                "X-Unique-Upload-Id reused for another cloud",
            );
        }
        match &public_id_param {
            Some(p) if *p != u.public_id => {
                return err(
                    StatusCode::BAD_REQUEST,
                    format!("public_id {p} differs from the upload's {}", u.public_id),
                )
            }
            _ => {}
        }
    }
    // A part sent again (a retry after a lost answer) is accepted when identical, except in
    // strict mode; so are parts sent in parallel.
    let upload_public_id = u.public_id.clone();
    let strict = s.strict || g.strict.contains(&upload_public_id);
    let u = g
        .uploads
        .get_mut(&id_key)
        .expect("the upload was just looked up");
    if strict && !is_last && u.in_flight > 1 {
        return err(
            StatusCode::BAD_REQUEST,
            "Parts of one upload were sent in parallel (test double, strict mode)",
        );
    }
    if strict && u.parts.contains_key(&start) {
        return err(
            StatusCode::BAD_REQUEST,
            format!("Content-Range {shown} was already received (test double, strict mode)"),
        );
    }
    let resent = u
        .parts
        .get(&start)
        .is_some_and(|(e, h)| *e == end && *h == rec.file_sha256);
    // No overlap with a part already received.
    let overlaps = !resent
        && u.parts
            .range(..=end)
            .next_back()
            .is_some_and(|(_, (e, _))| *e >= start);
    if overlaps {
        return err(
            StatusCode::BAD_REQUEST,
            format!("Content-Range {shown} overlaps a part already received"),
        );
    }
    if is_last && !resent {
        // Every other part received and returned, contiguous from 0.
        let mut next = 0;
        for (s0, (e0, _)) in &u.parts {
            if *s0 != next {
                return err(
                    StatusCode::BAD_REQUEST,
                    format!(
                        "The last part arrived before bytes {next}-{} were received",
                        s0 - 1
                    ),
                );
            }
            next = e0 + 1;
        }
        if next != start {
            return err(
                StatusCode::BAD_REQUEST,
                format!(
                    "The last part arrived before bytes {next}-{} were received",
                    start - 1
                ),
            );
        }
        if u.in_flight > 1 {
            return err(
                StatusCode::BAD_REQUEST,
                "The last part arrived while other parts were still being sent",
            );
        }
    }
    if !resent {
        u.parts.insert(start, (end, rec.file_sha256.clone()));
    }
    let received: u64 = u.parts.iter().map(|(s0, (e0, _))| e0 - s0 + 1).sum();
    let total = end + 1;
    if !is_last {
        let body = json!({"done": false, "public_id": u.public_id, "bytes_received": received, "upload_id": id_key});
        return Json(body).into_response();
    }
    u.done = true;
    u.version = 1_700_000_000 + serial;
    let (public_id, version) = (u.public_id.clone(), u.version);
    let parts: Vec<Value> = u
        .parts
        .iter()
        .map(|(s0, (e0, h))| json!({"range": format!("bytes {s0}-{e0}/{total}"), "sha256": h}))
        .collect();
    drop(g);
    // The response signature Cloudinary adds: SHA-1 of public_id and version (signature v1).
    let resp_sig = hex(&sha1::Sha1::digest(
        format!("public_id={public_id}&version={version}{}", account.secret).as_bytes(),
    ));
    let format = rec
        .file_name
        .as_deref()
        .and_then(|n| n.rsplit_once('.'))
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    let rt = if resource_type == "auto" {
        "raw"
    } else {
        resource_type.as_str()
    };
    let ext = if format.is_empty() {
        String::new()
    } else {
        format!(".{format}")
    };
    let body = json!({
        "asset_id": hex(&sha1::Sha1::digest(id_key.as_bytes()))[..32].to_owned(),
        "public_id": public_id,
        "version": version,
        "version_id": hex(&sha1::Sha1::digest(format!("{version}").as_bytes()))[..32].to_owned(),
        "signature": resp_sig,
        "format": format,
        "resource_type": rt,
        "created_at": "2026-11-27T00:00:00Z",
        "tags": rec.params.get("tags").map(|t| t.split(',').map(str::to_owned).collect::<Vec<_>>()).unwrap_or_default(),
        "bytes": total,
        "type": "upload",
        "etag": parts.iter().map(|p| p["sha256"].as_str().unwrap_or_default()[..8].to_owned()).collect::<String>(),
        "placeholder": false,
        "url": format!("http://res.cloudinary.com/{cloud}/{rt}/upload/v{version}/{public_id}{ext}"),
        "secure_url": format!("https://res.cloudinary.com/{cloud}/{rt}/upload/v{version}/{public_id}{ext}"),
        "folder": rec.params.get("folder").cloned().unwrap_or_default(),
        "original_filename": rec.file_name.as_deref().map(|n| n.rsplit_once('.').map_or(n, |(b, _)| b)).unwrap_or("blob"),
        "api_key": api_key,
        "test_double": {"unique_upload_id": upload_id, "parts": parts},
    });
    Json(body).into_response()
}

/// Serves until Ctrl-C / SIGTERM.
pub async fn serve(listener: tokio::net::TcpListener, server: TestServer) -> std::io::Result<()> {
    axum::serve(listener, server.router())
        .with_graceful_shutdown(shutdown())
        .await
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
