//! The browser's chunked uploader: sends a `File`/`Blob` of any size to Cloudinary's Upload API
//! in parts (reference §4), each signed by the companion signer.
//!
//! * Memory stays bounded: each part is a `Blob.slice()` handed to `fetch` as multipart
//!   `FormData`; the browser streams it from the file. The file is never read into JavaScript
//!   or WebAssembly memory, and at most `concurrency` parts are in flight.
//! * Order, retries and progress come from [`crate::core::upload`]; this module only does the
//!   I/O: signing requests, `fetch`, timers, randomness.
//! * RAII: dropping the [`ChunkedUpload`] handle (or [`ChunkedUpload::cancel`]) aborts every
//!   request in flight through one `AbortController`; the upload then ends with
//!   [`UploadError::Cancelled`].

use alloc::rc::Rc;
use alloc::{
    borrow::ToOwned,
    string::{String, ToString},
    vec::Vec,
};
use core::cell::RefCell;
use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, Waker};

use crate::core::json::{Map, Value};
use crate::host::fetch::{self, Fetch};
use crate::host::resources::InFlight;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, AbortSignal, Blob, FormData};

use crate::core::sign::ParamValue;
use crate::core::upload::{
    params_json, read_answer, unique_upload_id, Chunk, ChunkAnswer, ChunkPlan, Failure, Progress,
    RetryPolicy, Scheduler, Step, UploadError, UploadParams, DEFAULT_CHUNK_SIZE,
    DEFAULT_CONCURRENCY,
};
use crate::core::upload_queue::{rate_limit_pause_ms, MAX_RATE_LIMIT_PAUSE_MS};
use crate::host::signer_client::{js_message, SignerClient};

/// Cloudinary's API host.
pub const DEFAULT_API_BASE: &str = "https://api.cloudinary.com";
/// How long one part may take before it is abandoned and retried.
pub const DEFAULT_REQUEST_TIMEOUT_MS: u32 = 120_000;

/// What to upload where, and how.
#[derive(Clone, Debug)]
pub struct UploadOptions {
    /// The signer's account id (`None` when the signer holds one account).
    pub account: Option<String>,
    /// `https://api.cloudinary.com` unless pointed elsewhere (tests: the local test server).
    pub api_base: String,
    /// `image`, `video`, `raw` or `auto` (default).
    pub resource_type: String,
    /// Upload parameters (`folder`, `public_id`, `tags`, `upload_preset`...): signed by the
    /// signer and sent with every part.
    pub params: Map<String, ParamValue>,
    /// Bytes per part (default 20,000,000; 5 MiB to 100 MB).
    pub chunk_size: u64,
    /// Middle parts in flight at once (default 2, at most 8).
    pub concurrency: u32,
    /// The account's per-file limit, when known: larger files are refused before any request.
    pub max_file_bytes: Option<u64>,
    /// Retries of a failed part.
    pub retry: RetryPolicy,
    /// Per-request timeout.
    pub request_timeout_ms: u32,
    /// The file name sent with each part (default: the `File`'s name, else `blob`).
    pub file_name: Option<String>,
}

impl Default for UploadOptions {
    fn default() -> Self {
        UploadOptions {
            account: None,
            api_base: DEFAULT_API_BASE.to_owned(),
            resource_type: "auto".to_owned(),
            params: Map::new(),
            chunk_size: DEFAULT_CHUNK_SIZE,
            concurrency: DEFAULT_CONCURRENCY,
            max_file_bytes: None,
            retry: RetryPolicy::default(),
            request_timeout_ms: DEFAULT_REQUEST_TIMEOUT_MS,
            file_name: None,
        }
    }
}

/// A progress callback.
pub type ProgressFn = Rc<dyn Fn(&Progress)>;

#[derive(Default)]
struct Shared {
    outcome: Option<Result<Value, UploadError>>,
    wakers: Vec<Waker>,
    in_flight: u32,
    progress: Progress,
}

/// A running upload. Dropping it aborts every request in flight.
pub struct ChunkedUpload {
    abort: AbortController,
    shared: Rc<RefCell<Shared>>,
    upload_id: String,
}

impl fmt::Debug for ChunkedUpload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.shared.borrow();
        f.debug_struct("ChunkedUpload")
            .field("upload_id", &self.upload_id)
            .field("in_flight", &s.in_flight)
            .field("progress", &s.progress)
            .field("finished", &s.outcome.is_some())
            .finish()
    }
}

impl ChunkedUpload {
    /// Validates and starts uploading `file`. Errors found before any request (empty file,
    /// chunk size, account limit, parameters, concurrency) are returned at once.
    pub fn start(
        file: &Blob,
        options: UploadOptions,
        signer: SignerClient,
        on_progress: Option<ProgressFn>,
    ) -> Result<Self, UploadError> {
        let plan = ChunkPlan::new(
            file.size() as u64,
            options.chunk_size,
            options.max_file_bytes,
        )?;
        let scheduler = Scheduler::new(plan, options.concurrency)?;
        let params = UploadParams::new(options.params.clone(), &options.resource_type)?;
        let abort = AbortController::new().map_err(|e| UploadError::Read(js_message(&e)))?;
        let mut random = [0u8; 16];
        for b in &mut random {
            *b = (js_sys::Math::random() * 256.0) as u8;
        }
        let upload_id = unique_upload_id(random);
        let file_name = options
            .file_name
            .clone()
            .or_else(|| {
                file.dyn_ref::<web_sys::File>()
                    .map(|f| f.name())
                    .filter(|n| !n.is_empty())
            })
            .unwrap_or_else(|| "blob".to_owned());
        let shared = Rc::new(RefCell::new(Shared {
            progress: Progress::new(&plan),
            ..Shared::default()
        }));
        let driver = Driver {
            file: file.clone(),
            options,
            signer,
            signal: abort.signal(),
            upload_id: upload_id.clone(),
            file_name,
            shared: shared.clone(),
            on_progress,
        };
        let sh = shared.clone();
        let abort_on_error = abort.clone();
        crate::host::resources::spawn(async move {
            let outcome = driver.run(plan, scheduler, params).await;
            if outcome.is_err() {
                // Nothing of a failed upload may stay in flight.
                abort_on_error.abort();
            }
            let wakers = {
                let mut s = sh.borrow_mut();
                s.outcome = Some(outcome);
                core::mem::take(&mut s.wakers)
            };
            wakers.into_iter().for_each(Waker::wake);
        });
        Ok(ChunkedUpload {
            abort,
            shared,
            upload_id,
        })
    }

    /// The upload's `X-Unique-Upload-Id`.
    pub fn upload_id(&self) -> &str {
        &self.upload_id
    }

    /// Requests being sent right now.
    pub fn in_flight(&self) -> u32 {
        self.shared.borrow().in_flight
    }

    /// The latest progress.
    pub fn progress(&self) -> Progress {
        self.shared.borrow().progress
    }

    /// Aborts every request in flight; the upload ends with [`UploadError::Cancelled`].
    pub fn cancel(&self) {
        self.abort.abort();
    }

    /// The final upload response (the last part's answer: `public_id`, `version`,
    /// `secure_url`, `bytes`...), or why the upload failed. May be awaited more than once.
    pub fn result(&self) -> UploadResult {
        UploadResult {
            shared: self.shared.clone(),
        }
    }
}

impl Drop for ChunkedUpload {
    fn drop(&mut self) {
        self.abort.abort();
    }
}

/// The future of [`ChunkedUpload::result`].
#[derive(Clone)]
pub struct UploadResult {
    shared: Rc<RefCell<Shared>>,
}

impl fmt::Debug for UploadResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("UploadResult")
    }
}

impl Future for UploadResult {
    type Output = Result<Value, UploadError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut s = self.shared.borrow_mut();
        match &s.outcome {
            Some(o) => Poll::Ready(o.clone()),
            None => {
                s.wakers.push(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

/// Why one attempt at a part failed.
pub(crate) enum AttemptError {
    /// May be retried per the policy; `pause_ms`: what a 420/429 answer's `Retry-After` or
    /// rate-limit reset header asks for.
    Retryable {
        failure: Failure,
        message: String,
        pause_ms: Option<u64>,
    },
    /// Ends the upload.
    Fatal(UploadError),
}

/// What one part's request needs besides the part: shared by [`ChunkedUpload`] and the queue
/// ([`crate::host::upload_queue`]).
pub(crate) struct PartTarget<'a> {
    pub file: &'a Blob,
    pub file_name: &'a str,
    pub upload_id: &'a str,
    pub account: &'a str,
    pub api_base: &'a str,
    pub request_timeout_ms: u32,
    /// The upload's (or file's) abort signal.
    pub signal: &'a AbortSignal,
    /// The end of a queue-wide pause (ms since the epoch; 0: none): a part signed during a
    /// rate-limit pause waits for its end and is signed again.
    pub hold_until: Option<&'a dyn Fn() -> u64>,
}

struct Driver {
    file: Blob,
    options: UploadOptions,
    signer: SignerClient,
    signal: AbortSignal,
    upload_id: String,
    file_name: String,
    shared: Rc<RefCell<Shared>>,
    on_progress: Option<ProgressFn>,
}

/// Counts a request in flight for its lifetime.
struct FlightCount(Rc<RefCell<Shared>>);

impl FlightCount {
    fn new(shared: &Rc<RefCell<Shared>>) -> Self {
        shared.borrow_mut().in_flight += 1;
        FlightCount(shared.clone())
    }
}

impl Drop for FlightCount {
    fn drop(&mut self) {
        self.0.borrow_mut().in_flight -= 1;
    }
}

impl Driver {
    fn report(&self, progress: &Progress) {
        self.shared.borrow_mut().progress = *progress;
        if let Some(f) = &self.on_progress {
            f(progress);
        }
    }

    async fn run(
        &self,
        plan: ChunkPlan,
        mut scheduler: Scheduler,
        params: UploadParams,
    ) -> Result<Value, UploadError> {
        let parts = plan.count();
        let mut progress = Progress::new(&plan);
        let mut attempts = vec![0u32; parts as usize];
        let mut flying = InFlight::default();
        let mut last_answer: Option<ChunkAnswer> = None;
        loop {
            if self.signal.aborted() {
                return Err(UploadError::Cancelled);
            }
            match scheduler.next_step() {
                Step::Send(chunk) => {
                    attempts[chunk.index as usize] += 1;
                    progress.started(chunk);
                    self.report(&progress);
                    let p = params.clone();
                    flying.push(async move {
                        let _count = FlightCount::new(&self.shared);
                        let target = PartTarget {
                            file: &self.file,
                            file_name: &self.file_name,
                            upload_id: &self.upload_id,
                            account: self.options.account.as_deref().unwrap_or_default(),
                            api_base: &self.options.api_base,
                            request_timeout_ms: self.options.request_timeout_ms,
                            signal: &self.signal,
                            hold_until: None,
                        };
                        (
                            chunk,
                            send_part(&target, &self.signer, chunk, parts, &p).await,
                        )
                    });
                }
                Step::Wait => {
                    let Some((chunk, outcome)) = flying.next().await else {
                        return Err(UploadError::Read(
                            "internal: waiting with no part in flight".into(),
                        ));
                    };
                    match outcome {
                        Ok(answer) => {
                            scheduler.confirmed(chunk);
                            progress.confirmed(chunk);
                            self.report(&progress);
                            if answer.done {
                                last_answer = Some(answer);
                            }
                        }
                        Err(AttemptError::Fatal(e)) => return Err(e),
                        Err(AttemptError::Retryable {
                            failure,
                            message,
                            pause_ms,
                        }) => {
                            progress.failed(chunk);
                            self.report(&progress);
                            let attempt = attempts[chunk.index as usize];
                            match self.options.retry.delay_ms(
                                attempt,
                                failure,
                                js_sys::Math::random(),
                            ) {
                                Some(ms) => {
                                    // A rate-limit answer's own pause, when it gave one.
                                    sleep(pause_ms.map_or(ms, |p| p.min(MAX_RATE_LIMIT_PAUSE_MS)))
                                        .await;
                                    scheduler.failed(chunk);
                                }
                                None => {
                                    return Err(match failure {
                                        Failure::Status(status) => UploadError::Rejected {
                                            part: chunk.index + 1,
                                            parts,
                                            status,
                                            message,
                                        },
                                        Failure::Network => UploadError::Network {
                                            part: chunk.index + 1,
                                            parts,
                                            attempts: attempt,
                                            message,
                                        },
                                    })
                                }
                            }
                        }
                    }
                }
                Step::Done => {
                    return last_answer
                        .map(|a| a.body)
                        .ok_or_else(|| UploadError::Read("internal: no final answer".into()));
                }
            }
        }
    }
}

/// One attempt at one part: a signature, then the POST.
pub(crate) async fn send_part(
    t: &PartTarget<'_>,
    signer: &SignerClient,
    chunk: Chunk,
    parts: u32,
    params: &UploadParams,
) -> Result<ChunkAnswer, AttemptError> {
    let fatal = AttemptError::Fatal;
    // The signer signs exactly the parameters; it sets the timestamp.
    let to_sign = params_json(params.to_sign());
    let held = || {
        let until = t.hold_until.map_or(0, |f| f());
        let now = js_sys::Date::now() as u64;
        (until > now).then(|| until - now)
    };
    let signed = loop {
        while let Some(ms) = held() {
            sleep(ms).await;
        }
        let signed = signer
            .sign_upload_request(t.account, &to_sign)
            .await
            .map_err(|e| fatal(UploadError::Signer(e.to_string())))?;
        if t.signal.aborted() {
            return Err(fatal(UploadError::Cancelled));
        }
        if held().is_none() {
            break signed;
        }
    };

    let form = FormData::new().map_err(|e| fatal(UploadError::Read(js_message(&e))))?;
    let append = |k: &str, v: &str| {
        form.append_with_str(k, v)
            .map_err(|e| fatal(UploadError::Read(js_message(&e))))
    };
    for (k, v) in params.to_sign() {
        let v = v.joined();
        if !v.is_empty() {
            append(k, &v)?;
        }
    }
    append("timestamp", &signed.timestamp.to_string())?;
    append("api_key", &signed.api_key)?;
    append("signature", &signed.signature)?;
    // A slice of the file: the browser streams it, nothing is copied into JS memory.
    let slice = t
        .file
        .slice_with_f64_and_f64(chunk.start as f64, (chunk.end + 1) as f64)
        .map_err(|e| fatal(UploadError::Read(js_message(&e))))?;
    form.append_with_blob_and_filename("file", &slice, t.file_name)
        .map_err(|e| fatal(UploadError::Read(js_message(&e))))?;

    let timeout = AbortSignal::timeout_with_u32(t.request_timeout_ms);
    let signals = js_sys::Array::of2(t.signal, &timeout);
    let signal = AbortSignal::any(&signals);
    let url = params.endpoint(t.api_base, &signed.cloud_name);
    let request = Fetch {
        method: "POST",
        url: &url,
        headers: &[
            ("X-Unique-Upload-Id", t.upload_id),
            ("Content-Range", &chunk.content_range()),
            ("X-Requested-With", "XMLHttpRequest"),
        ],
        body: Some(&form.into()),
        signal: Some(&signal),
    }
    .build()
    .map_err(|e| fatal(UploadError::Read(e)))?;
    let network = |message: String| {
        if t.signal.aborted() {
            fatal(UploadError::Cancelled)
        } else if timeout.aborted() {
            AttemptError::Retryable {
                failure: Failure::Network,
                message: format!("timed out after {} ms", t.request_timeout_ms),
                pause_ms: None,
            }
        } else {
            AttemptError::Retryable {
                failure: Failure::Network,
                message,
                pause_ms: None,
            }
        }
    };
    let answer = fetch::send(&request).await.map_err(network)?;
    match read_answer(chunk, parts, answer.status, &answer.text) {
        Ok(a) => Ok(a),
        Err(UploadError::Rejected {
            status, message, ..
        }) if RetryPolicy::is_retryable(Failure::Status(status)) => {
            // Readable when the server exposes them (Access-Control-Expose-Headers).
            let pause_ms = rate_limit_pause_ms(
                answer.header("retry-after").as_deref(),
                answer
                    .header("x-featureratelimit-reset")
                    .or_else(|| answer.header("x-ratelimit-reset"))
                    .as_deref(),
                js_sys::Date::now() as u64,
            );
            Err(AttemptError::Retryable {
                failure: Failure::Status(status),
                message,
                pause_ms,
            })
        }
        Err(e) => Err(fatal(e)),
    }
}

/// Resolves after `ms` milliseconds.
async fn sleep(ms: u64) {
    let ms = ms.min(i32::MAX as u64) as i32;
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        } else {
            let _ = resolve.call0(&JsValue::NULL);
        }
    });
    let _ = JsFuture::from(promise).await;
}
