//! The client of the companion signer (`cld-signer`): the page never holds an API
//! secret, so every widget signature comes from here.
//!
//! Wire contract (JSON, bearer token from the host):
//! * [`UPLOAD_PATH`]: `{"account": id, "params_to_sign": {...}}` → `{"signature": hex, ...}`:
//!   the Upload widget's `uploadSignature(callback, params_to_sign)` forwards exactly the
//!   params the widget gives.
//! * [`ML_LOGIN_PATH`]: `{"account": id}` → `{"username", "timestamp", "signature", ...}`: the
//!   Media Library auto-login.
//! * [`DELIVERY_PATH`]: `{"account": id, "resource_type", "type", "transformation", "public_id",
//!   "long_signature", "algorithm"}` (a [`SignRequest`]'s parts) → `{"signature": base64url, ...}`:
//!   signed delivery URLs (`authenticated`/`private` assets).
//! * [`DELIVERY_BATCH_PATH`]: `{"account": id, "items": [{"resource_type", "type",
//!   "transformation", "public_id", "long_signature", "algorithm"?}, ...]}` →
//!   `{"results": [{"signature": base64url, ...}, ...]}` in the items' order, all or none: the
//!   plugin's signed inserts, [`BATCH_SIZE`] items per request (the signer accepts at least 50,
//!   `server.max_batch`), each request costing one rate-limit token.
//! * `GET /v1/health` ([`SignerClient::health`]): the panel's signer check, every 30 s; no token.
//! * Every signing request (and the reading of its answer) is abandoned after the client's timeout
//!   ([`DEFAULT_TIMEOUT_MS`], [`SignerClient::with_timeout`]): a signer that accepted the
//!   connection but never answers yields [`SignerError::Timeout`]. A promise from the host's token
//!   provider gets the same time before the request starts (`SignerError::Token`: `the token
//!   provider gave no token within 30 s`).
//! * Refusals: a non-2xx status with `{"error": {"code", "message", "rule"?}}`; the message and
//!   the rule that refused are passed on as is (the signer never puts a secret in them).

use alloc::rc::Rc;
use alloc::{
    borrow::ToOwned,
    string::{String, ToString},
    vec::Vec,
};
use core::fmt;

use crate::core::json::{de, Map, Value};
use crate::core::wire::{self, DeliveryItem, DeliverySignature, ErrorBody};
use crate::host::fetch::{self, Fetch};
use crate::host::resources::{race, Raced};
use crate::json;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::core::url::SignRequest;
use crate::core::widgets::MediaLibraryLogin;

/// Upload-params signing endpoint.
pub const UPLOAD_PATH: &str = crate::core::wire::SIGN_UPLOAD_PATH;
/// Media Library login signature endpoint.
pub const ML_LOGIN_PATH: &str = crate::core::wire::SIGN_MEDIA_LIBRARY_PATH;
/// Delivery URL signature endpoint.
pub const DELIVERY_PATH: &str = crate::core::wire::SIGN_DELIVERY_PATH;
/// Batch delivery URL signature endpoint.
pub const DELIVERY_BATCH_PATH: &str = crate::core::wire::SIGN_DELIVERY_BATCH_PATH;
/// Most delivery URLs [`SignerClient::sign_delivery_batch`] sends in one request (every signer
/// accepts at least this many: `server.max_batch` is 50 to 1000).
pub const BATCH_SIZE: usize = 50;
/// How long a signer request may take, answer included, unless [`SignerClient::with_timeout`]
/// says otherwise (milliseconds).
pub const DEFAULT_TIMEOUT_MS: u32 = 30_000;
/// The longest timeout the hosts' `signerTimeoutMs` option accepts (milliseconds).
pub const MAX_TIMEOUT_MS: u32 = 600_000;

/// Checks a `signerTimeoutMs` option: 1 to [`MAX_TIMEOUT_MS`] milliseconds. The error is the
/// end of a sentence its caller starts by naming the option.
pub fn check_timeout_ms(ms: u64) -> Result<u32, String> {
    u32::try_from(ms)
        .ok()
        .filter(|ms| (1..=MAX_TIMEOUT_MS).contains(ms))
        .ok_or_else(|| format!("must be between 1 and {MAX_TIMEOUT_MS} milliseconds, not {ms}"))
}

/// The `signerTimeoutMs` of an options object (the `Widgets` config, the `ChunkedUpload`
/// options): [`DEFAULT_TIMEOUT_MS`] when absent, else checked (`signerTimeoutMs must be …`).
pub fn timeout_option(ms: Option<u64>) -> Result<u32, String> {
    match ms {
        None => Ok(DEFAULT_TIMEOUT_MS),
        Some(ms) => check_timeout_ms(ms).map_err(|e| format!("signerTimeoutMs {e}")),
    }
}

/// Where the bearer token comes from.
#[derive(Clone)]
pub enum TokenSource {
    /// A fixed token.
    Static(String),
    /// A host function returning a token or a promise of one; called before each request so
    /// short-lived tokens stay fresh.
    Provider(js_sys::Function),
}

impl TokenSource {
    /// A token option as JavaScript gives it: a function (called before each request) or a
    /// non-empty string; anything else (absent, `""`, a number...) is `None`, which each caller
    /// words as its own refusal.
    pub fn from_js(v: &JsValue) -> Option<TokenSource> {
        if let Some(f) = v.dyn_ref::<js_sys::Function>() {
            Some(TokenSource::Provider(f.clone()))
        } else {
            v.as_string()
                .filter(|s| !s.is_empty())
                .map(TokenSource::Static)
        }
    }
}

impl fmt::Debug for TokenSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TokenSource::Static(_) => "TokenSource::Static(<redacted>)",
            TokenSource::Provider(_) => "TokenSource::Provider(<function>)",
        })
    }
}

/// Why the signer gave no signature.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignerError {
    /// The host's token provider failed or returned no string.
    Token(String),
    /// The request never got an answer (network, CORS, signer down).
    Unreachable {
        /// The endpoint.
        url: String,
        /// The browser's message.
        message: String,
    },
    /// The signer refused (4xx/5xx) with its message.
    Refused {
        /// HTTP status.
        status: u16,
        /// The signer's `error` message (`message [rule: …]`).
        message: String,
        /// The refusal as the wire contract carries it (`code`, `rule`, the batch `item`), when
        /// the answer had one.
        error: Option<ErrorBody>,
    },
    /// The signer answered 2xx with an unexpected body.
    BadAnswer(String),
    /// The signer gave no (whole) answer within the client's timeout.
    Timeout {
        /// The endpoint.
        url: String,
        /// The timeout, milliseconds.
        ms: u32,
    },
}

/// Sends `request` to `url` and reads its whole answer: the text of a 2xx answer, or the
/// refusal a non-2xx one carries (its wire-contract `error`, when it has one). `deadline` is the
/// timeout signal the request was built with and its length: when it has fired, a failure is
/// [`SignerError::Timeout`], otherwise [`SignerError::Unreachable`] with the browser's message.
async fn exchange(
    request: &Fetch<'_>,
    deadline: Option<(&web_sys::AbortSignal, u32)>,
) -> Result<String, SignerError> {
    let failed = |message: String| match deadline {
        Some((signal, ms)) if signal.aborted() => SignerError::Timeout {
            url: request.url.to_owned(),
            ms,
        },
        _ => SignerError::Unreachable {
            url: request.url.to_owned(),
            message,
        },
    };
    let sent = request.build().map_err(failed)?;
    let fetch::Answer { status, text, .. } = fetch::send(&sent).await.map_err(failed)?;
    if !(200..300).contains(&status) {
        let error = crate::core::json::from_str(&text)
            .ok()
            .and_then(|v| ErrorBody::from_json(&v).ok());
        let message = error.as_ref().map_or_else(
            || format!("HTTP {status} without an error message"),
            ErrorBody::display,
        );
        return Err(SignerError::Refused {
            status,
            message,
            error,
        });
    }
    Ok(text)
}

/// A promise rejected when `signal` aborts (never settled otherwise), and the listener that
/// rejects it, removed from the signal when dropped: nothing is left on the page once the race
/// it serves is over (the host's residue checks see no listener).
fn rejected_on_abort(signal: &web_sys::AbortSignal) -> (js_sys::Promise, Option<AbortListener>) {
    let mut reject = None;
    let promise = js_sys::Promise::new(&mut |_resolve, r| reject = Some(r));
    // A promise's executor runs before `new Promise` returns, so `reject` is set.
    let Some(reject) = reject else {
        return (promise, None);
    };
    let listener = Closure::<dyn FnMut()>::new(move || {
        let _ = reject.call0(&JsValue::NULL);
    });
    let _ = signal.add_event_listener_with_callback("abort", listener.as_ref().unchecked_ref());
    (
        promise,
        Some(AbortListener {
            signal: signal.clone(),
            listener,
        }),
    )
}

/// An `abort` listener on a signal, removed on drop.
struct AbortListener {
    signal: web_sys::AbortSignal,
    listener: Closure<dyn FnMut()>,
}

impl Drop for AbortListener {
    fn drop(&mut self) {
        let _ = self
            .signal
            .remove_event_listener_with_callback("abort", self.listener.as_ref().unchecked_ref());
    }
}

/// `30 s`, `1.5 s`, `1.25 s`, `200 ms`. Integer arithmetic only: formatting an `f64` would link
/// Rust's float printing (14 KB of wasm; `scripts/size.sh --check` caught it).
fn duration_text(ms: u32) -> String {
    if ms < 1000 {
        return format!("{ms} ms");
    }
    let (secs, rest) = (ms / 1000, ms % 1000);
    if rest == 0 {
        return format!("{secs} s");
    }
    let frac = format!("{rest:03}");
    format!("{secs}.{} s", frac.trim_end_matches('0'))
}

impl fmt::Display for SignerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SignerError::Token(m) => write!(f, "the host gave no signer token: {m}"),
            SignerError::Unreachable { url, message } => {
                write!(f, "the signer at {url} is unreachable: {message}")
            }
            SignerError::Refused {
                status, message, ..
            } => {
                write!(f, "the signer refused ({status}): {message}")
            }
            SignerError::BadAnswer(m) => write!(f, "the signer's answer is malformed: {m}"),
            SignerError::Timeout { url, ms } => {
                write!(
                    f,
                    "the signer at {url} gave no answer within {}",
                    duration_text(*ms)
                )
            }
        }
    }
}

impl core::error::Error for SignerError {}

/// A client of one signer, for one host user.
#[derive(Clone, Debug)]
pub struct SignerClient {
    base: Rc<str>,
    token: TokenSource,
    timeout_ms: u32,
}

/// The signer's whole answer to an upload signing request (the wire contract's type).
pub use crate::core::wire::UploadSigned as UploadSignature;

impl SignerClient {
    /// A client of the signer at `base_url` (e.g. `https://signer.example.com`).
    pub fn new(base_url: &str, token: TokenSource) -> Self {
        SignerClient {
            base: base_url.trim_end_matches('/').into(),
            token,
            timeout_ms: DEFAULT_TIMEOUT_MS,
        }
    }

    /// The same client, abandoning every request that has no whole answer after `ms`
    /// milliseconds (at least 1) instead of [`DEFAULT_TIMEOUT_MS`].
    pub fn with_timeout(mut self, ms: u32) -> Self {
        self.timeout_ms = ms.max(1);
        self
    }

    /// The request timeout, milliseconds.
    pub fn timeout_ms(&self) -> u32 {
        self.timeout_ms
    }

    /// The signer's base URL.
    pub fn base_url(&self) -> &str {
        &self.base
    }

    async fn bearer(&self) -> Result<String, SignerError> {
        match &self.token {
            TokenSource::Static(t) => Ok(t.clone()),
            TokenSource::Provider(f) => {
                let v = f
                    .call0(&JsValue::NULL)
                    .map_err(|e| SignerError::Token(js_message(&e)))?;
                let v = match v.dyn_into::<js_sys::Promise>() {
                    Ok(p) => {
                        // The provider's promise gets the same time as a request: a host whose
                        // token refresh hangs cannot hold the caller forever either.
                        let signal = web_sys::AbortSignal::timeout_with_u32(self.timeout_ms);
                        let (timed_out, _listener) = rejected_on_abort(&signal);
                        let race = js_sys::Promise::race(&js_sys::Array::of2(&p, &timed_out));
                        JsFuture::from(race).await.map_err(|e| {
                            SignerError::Token(if signal.aborted() {
                                [
                                    "the token provider gave no token within ",
                                    &duration_text(self.timeout_ms),
                                ]
                                .concat()
                            } else {
                                js_message(&e)
                            })
                        })?
                    }
                    Err(v) => v,
                };
                v.as_string().filter(|s| !s.is_empty()).ok_or_else(|| {
                    SignerError::Token("the token provider returned no string".into())
                })
            }
        }
    }

    async fn post(&self, path: &str, body: &Value) -> Result<Value, SignerError> {
        let url = format!("{}{path}", self.base);
        let token = self.bearer().await?;
        // One signal for the request and the reading of its answer: a signer that accepted the
        // connection but never answers (or stops mid-body) cannot hold the caller forever.
        let signal = web_sys::AbortSignal::timeout_with_u32(self.timeout_ms);
        let authorization = fetch::bearer(&token).map_err(SignerError::Token)?;
        let request = Fetch {
            method: "POST",
            url: &url,
            headers: &[
                ("Authorization", &authorization),
                ("Content-Type", "application/json"),
            ],
            body: Some(&body.to_string().into()),
            signal: Some(&signal),
        };
        let text = exchange(&request, Some((&signal, self.timeout_ms))).await?;
        crate::core::json::from_str(&text).map_err(SignerError::BadAnswer)
    }

    /// `GET /v1/health` (no token: anyone may ask): `Ok(())` when the signer answers 2xx, read
    /// through the same request path and refusal reading as the signing calls, within the
    /// client's timeout ([`SignerError::Timeout`] after it). `cancel` abandons it at once (the
    /// panel's teardown, or a newer check superseding this one): that reads as
    /// [`SignerError::Unreachable`], which the caller that cancelled it never looks at.
    pub async fn health(&self, cancel: &web_sys::AbortSignal) -> Result<(), SignerError> {
        let url = format!("{}/v1/health", self.base);
        let unreachable = |message: String| SignerError::Unreachable {
            url: url.clone(),
            message,
        };
        // The request ends when either the caller cancels or the timeout fires: both abort one
        // controller (no `AbortSignal.any`, which older browsers lack).
        let controller =
            web_sys::AbortController::new().map_err(|e| unreachable(js_message(&e)))?;
        let timeout = web_sys::AbortSignal::timeout_with_u32(self.timeout_ms);
        let (cancelled, _cancel_listener) = rejected_on_abort(cancel);
        let (timed_out, _timeout_listener) = rejected_on_abort(&timeout);
        let stop = JsFuture::from(js_sys::Promise::race(&js_sys::Array::of2(
            &cancelled, &timed_out,
        )));
        let signal = controller.signal();
        let request = Fetch {
            method: "GET",
            url: &url,
            headers: &[],
            body: None,
            signal: Some(&signal),
        };
        let answer = exchange(&request, None);
        match race(answer, stop).await {
            Raced::First(r) => r.map(drop),
            Raced::Second(_) => {
                controller.abort();
                Err(if timeout.aborted() {
                    SignerError::Timeout {
                        url: url.clone(),
                        ms: self.timeout_ms,
                    }
                } else {
                    unreachable("the check was cancelled".into())
                })
            }
        }
    }

    /// Signs exactly `params_to_sign` (as the Upload widget gives them) for `account`.
    pub async fn sign_upload(
        &self,
        account: &str,
        params_to_sign: &Map<String, Value>,
    ) -> Result<String, SignerError> {
        let v = self
            .post(
                UPLOAD_PATH,
                &json!({"account": account, "params_to_sign": params_to_sign}),
            )
            .await?;
        Ok(UploadSignature::from_json(&v)
            .map_err(SignerError::BadAnswer)?
            .signature)
    }

    /// Signs exactly `params_to_sign` for `account` and returns the whole answer: the
    /// signature, the timestamp the signer set (when `params_to_sign` has none), and the
    /// account's public `api_key` and `cloud_name` — all a direct Upload API request needs.
    pub async fn sign_upload_request(
        &self,
        account: &str,
        params_to_sign: &Map<String, Value>,
    ) -> Result<UploadSignature, SignerError> {
        // An empty account is left out: the signer then uses its only account.
        let body = if account.is_empty() {
            json!({"params_to_sign": params_to_sign})
        } else {
            json!({"account": account, "params_to_sign": params_to_sign})
        };
        let v = self.post(UPLOAD_PATH, &body).await?;
        UploadSignature::from_json(&v).map_err(SignerError::BadAnswer)
    }

    /// The Media Library auto-login for `account`.
    pub async fn media_library_login(
        &self,
        account: &str,
    ) -> Result<MediaLibraryLogin, SignerError> {
        let v = self
            .post(ML_LOGIN_PATH, &json!({"account": account}))
            .await?;
        wire::MediaLibrarySigned::login_from_json(&v).map_err(SignerError::BadAnswer)
    }
}

impl SignerClient {
    /// The signature of a delivery URL (`s--<signature>--`) for `account`: the signer checks
    /// its policy (delivery type, public-id prefixes) on the request's parts and signs the same
    /// string the URL engine built, with the same core function.
    pub async fn sign_delivery(
        &self,
        account: &str,
        request: &SignRequest,
    ) -> Result<String, SignerError> {
        let mut body = DeliveryItem::of(request).to_json();
        if !account.is_empty() {
            body["account"] = Value::from(account);
        }
        let v = self.post(DELIVERY_PATH, &body).await?;
        let signature = DeliverySignature::from_json(&v, None)
            .map_err(SignerError::BadAnswer)?
            .signature;
        wire::check_delivery_signature(&signature, request.length, None)
            .map_err(SignerError::BadAnswer)?;
        Ok(signature)
    }

    /// The signatures of many delivery URLs for `account`, in order, all or none: one request
    /// per [`BATCH_SIZE`] URLs (one rate-limit token each), one after another. A refusal names
    /// the failing item as the signer does (`items[N]: ...`), N counted over all of `requests`;
    /// after a refusal no signature is returned.
    pub async fn sign_delivery_batch(
        &self,
        account: &str,
        requests: &[&SignRequest],
    ) -> Result<Vec<String>, SignerError> {
        let mut out = Vec::with_capacity(requests.len());
        for (chunk_no, chunk) in requests.chunks(BATCH_SIZE).enumerate() {
            let items: Vec<Value> = chunk
                .iter()
                .map(|r| DeliveryItem::of(r).to_json())
                .collect();
            let mut body = json!({ "items": items });
            if !account.is_empty() {
                body["account"] = Value::from(account);
            }
            let offset = chunk_no * BATCH_SIZE;
            let v = self
                .post(DELIVERY_BATCH_PATH, &body)
                .await
                .map_err(|mut e| {
                    if let SignerError::Refused {
                        message,
                        error: Some(body),
                        ..
                    } = &mut e
                    {
                        body.offset_item(offset, message);
                    }
                    e
                })?;
            let o = de::object(&v, "BatchAnswer").map_err(SignerError::BadAnswer)?;
            let results = match o.get("results") {
                Some(Value::Array(a)) => a,
                _ => {
                    return Err(SignerError::BadAnswer(
                        "the batch answer has no `results` list".into(),
                    ))
                }
            };
            if results.len() != chunk.len() {
                return Err(SignerError::BadAnswer(format!(
                    "the batch answer has a different number of results ({}) than delivery URLs sent ({})",
                    results.len(),
                    chunk.len()
                )));
            }
            for (i, (result, request)) in results.iter().zip(chunk).enumerate() {
                let index = offset + i;
                let signature = DeliverySignature::from_json(result, Some(index))
                    .map_err(SignerError::BadAnswer)?
                    .signature;
                wire::check_delivery_signature(&signature, request.length, Some(index))
                    .map_err(SignerError::BadAnswer)?;
                out.push(signature);
            }
        }
        Ok(out)
    }
}

/// A readable message from a thrown JS value (one implementation: [`crate::host::api::js_message`]).
pub(crate) use crate::host::api::js_message;
