//! JavaScript facade of the bulk and resumable upload queue ([`crate::host::upload_queue`]):
//! the `UploadQueue` class (README "Bulk and resumable uploads"). Its options share the
//! chunked uploader's readers ([`super::upload`]).

use alloc::rc::Rc;
use alloc::{
    borrow::ToOwned,
    string::{String, ToString},
    vec::Vec,
};
use core::cell::RefCell;

use crate::core::json::{de, Map, Value};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::Blob;

use crate::core::upload_queue::{
    Event as QueueEvent, FileId, FileStatus, QueueError, QueueLimits, Summary, RESUME_MAX_AGE_MS,
};
use crate::host::upload_queue::{QueueOptions, UploadQueue};
use crate::web::error::CodedError;

use super::upload::{opt, option_error, progress_object, shared_options, split_options};

#[wasm_bindgen(typescript_custom_section)]
const TS_QUEUE: &'static str = r#"
/** `new UploadQueue(options, onEvent?)`: README "Bulk and resumable uploads". */
export interface UploadQueueOptions {
  signerUrl: string; token: TokenSource; account?: string;
  /** The Upload API base (default `https://api.cloudinary.com`). */
  apiBase?: string;
  resourceType?: "auto" | "image" | "video" | "raw";
  /** Upload parameters signed and sent with every part of every file. */
  params?: { [name: string]: string | number | boolean | null | Array<string | number> };
  /** Files queued at most: 1 to 1000, default 100. */
  maxFiles?: number;
  /** Bytes queued at most: 1 to 1e12, default 1e11 (100 GB). */
  maxBytes?: number;
  /** Files uploading at once: 1 to 6, default 3. */
  filesAtOnce?: number;
  /** Middle parts in flight per file: 1 to 8, default 2. */
  concurrency?: number;
  /** Bytes per part: 5242880 to 100000000, default 20000000. */
  chunkSize?: number;
  maxAttempts?: number; requestTimeoutMs?: number; signerTimeoutMs?: number;
  /** The host's namespaced storage (host API `storage`): enables resuming after a reload. */
  storage?: { get(key: string): string | null; set(key: string, value: string): void; remove(key: string): void; keys(): string[] };
}

export type QueueFileState = "queued" | "fingerprinting" | "uploading" | "paused" | "done" | "failed" | "cancelled";

/** One file of the queue. */
export interface QueueFileStatus {
  id: number; name: string; state: QueueFileState;
  total: number; confirmed: number; inFlight: number; partsDone: number; parts: number; fraction: number;
  /** Bytes per second over the last 10 s. */
  rate: number;
  /** Milliseconds to completion at that rate, or null. */
  etaMs: number | null;
  uploadId: string; publicId: string | null; error: string | null;
  /** It continues an upload from an earlier page. */
  resumed: boolean;
}

/** The whole queue. */
export interface QueueSummary {
  queuedFiles: number; queuedBytes: number; total: number; confirmed: number; fraction: number;
  uploading: number; inFlight: number; rate: number; etaMs: number | null;
  /** The end of a rate-limit pause (ms since the epoch), while it lasts. */
  pausedUntil: number | null;
}

export interface QueueLimits { maxFiles: number; maxBytes: number; filesAtOnce: number; concurrency: number; chunkSize: number; }

export type UploadQueueEvent =
  | { type: "added" | "progress" | "done" | "failed" | "cancelled"; file: QueueFileStatus }
  | { type: "refused"; name: string; message: string }
  | { type: "rateLimited"; until: number; status: number }
  | { type: "rateLimitOver" };

/** `add()`'s answer: the ids queued, and each refused file with its message. */
export interface QueueAddResult {
  queued: number[];
  refused: { name: string; message: string; code: ErrorCode }[];
}

/** An unfinished upload stored for resuming. */
export interface UnfinishedUpload {
  uploadId: string; name: string; size: number; lastModified: number; partSize: number;
  confirmedBytes: number; createdMs: number; expiresMs: number; publicId: string | null;
}
"#;

const QUEUE_OPTION_NAMES: [&str; 15] = [
    "signerUrl",
    "token",
    "storage",
    "account",
    "apiBase",
    "resourceType",
    "params",
    "maxFiles",
    "maxBytes",
    "filesAtOnce",
    "concurrency",
    "chunkSize",
    "maxAttempts",
    "requestTimeoutMs",
    "signerTimeoutMs",
];

/// The queue's own options (the shared ones: [`super::upload::shared_options`]).
fn limits_of(o: &Map<String, Value>) -> Result<QueueLimits, String> {
    let opt_u32 = |k| opt(o, k, de::u32_value);
    let opt_u64 = |k| opt(o, k, de::u64_value);
    let d = QueueLimits::default();
    Ok(QueueLimits {
        max_files: opt_u32("maxFiles")?.unwrap_or(d.max_files),
        max_bytes: opt_u64("maxBytes")?.unwrap_or(d.max_bytes),
        files_at_once: opt_u32("filesAtOnce")?.unwrap_or(d.files_at_once),
        parts_per_file: opt_u32("concurrency")?.unwrap_or(d.parts_per_file),
        chunk_size: opt_u64("chunkSize")?.unwrap_or(d.chunk_size),
    })
}

fn set(o: &js_sys::Object, k: &str, v: JsValue) {
    let _ = js_sys::Reflect::set(o, &k.into(), &v);
}

fn opt_num(v: Option<u64>) -> JsValue {
    v.map_or(JsValue::NULL, |n| (n as f64).into())
}

fn opt_text(v: Option<&str>) -> JsValue {
    v.map_or(JsValue::NULL, JsValue::from_str)
}

fn status_object(s: &FileStatus) -> JsValue {
    let o: js_sys::Object = progress_object(&s.progress).unchecked_into();
    set(&o, "id", s.id.into());
    set(&o, "name", s.name.as_str().into());
    set(&o, "state", s.state.as_str().into());
    set(&o, "rate", (s.rate as f64).into());
    set(&o, "etaMs", opt_num(s.eta_ms));
    set(&o, "uploadId", s.upload_id.as_str().into());
    set(&o, "publicId", opt_text(s.public_id.as_deref()));
    set(&o, "error", opt_text(s.error.as_deref()));
    set(&o, "resumed", s.resumed.into());
    o.into()
}

fn summary_object(s: &Summary) -> JsValue {
    let o = js_sys::Object::new();
    let n = |k: &str, v: u64| set(&o, k, (v as f64).into());
    n("queuedFiles", s.queued_files.into());
    n("queuedBytes", s.queued_bytes);
    n("total", s.total);
    n("confirmed", s.confirmed);
    n("uploading", s.uploading.into());
    n("inFlight", s.in_flight.into());
    n("rate", s.rate);
    let fraction = if s.total == 0 {
        0.0
    } else {
        s.confirmed as f64 / s.total as f64
    };
    set(&o, "fraction", fraction.into());
    set(&o, "etaMs", opt_num(s.eta_ms));
    set(&o, "pausedUntil", opt_num(s.paused_until));
    o.into()
}

/// A queue of chunked uploads with limits, progress, pause/resume/cancel, rate-limit pauses and
/// resuming after a reload (README "Bulk and resumable uploads").
#[wasm_bindgen(js_name = UploadQueue)]
#[derive(Debug)]
pub struct JsUploadQueue {
    inner: Rc<UploadQueue>,
}

fn queue_err(e: &QueueError) -> JsValue {
    crate::web::host_errors::queue(e).into()
}

#[wasm_bindgen(js_class = UploadQueue)]
impl JsUploadQueue {
    /// Validates the options (limits within their bounds) and creates an empty queue.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "UploadQueueOptions")] options: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "(event: UploadQueueEvent) => void")]
        on_event: Option<js_sys::Function>,
    ) -> Result<JsUploadQueue, CodedError> {
        const WHAT: &str = "upload queue options";
        let (token, v) = split_options(&options, WHAT, &["storage"])?;
        let prefixed = |e: String| option_error(WHAT, &e);
        let o = de::strict(&v, "UploadQueueOptions", &QUEUE_OPTION_NAMES).map_err(prefixed)?;
        let limits = limits_of(o).map_err(prefixed)?;
        let (t, signer) = shared_options(o, token, WHAT)?;
        let storage =
            js_sys::Reflect::get(&options, &"storage".into()).unwrap_or(JsValue::UNDEFINED);
        let storage = if storage.is_undefined() || storage.is_null() {
            None
        } else {
            Some(
                crate::host::api::HostStorage::from_js(storage)
                    .map_err(|e| option_error(WHAT, &e.to_string()))?,
            )
        };
        let options = QueueOptions {
            account: t.account,
            api_base: t.api_base,
            resource_type: t.resource_type,
            params: t.params,
            limits,
            retry: t.retry,
            request_timeout_ms: t.request_timeout_ms,
        };
        // The callback gets a weak view of the queue for the file's status.
        let cell: Rc<RefCell<alloc::rc::Weak<UploadQueue>>> = Rc::default();
        let on_event = on_event.map(|f| {
            let cell = cell.clone();
            Rc::new(move |e: &QueueEvent| {
                let Some(q) = cell.borrow().upgrade() else {
                    return;
                };
                let o = js_sys::Object::new();
                let file = |id: FileId, kind: &str| {
                    set(&o, "type", kind.into());
                    if let Some(s) = q.status(id) {
                        set(&o, "file", status_object(&s));
                    }
                };
                match e {
                    QueueEvent::Added(id) => file(*id, "added"),
                    QueueEvent::Progress(id) => file(*id, "progress"),
                    QueueEvent::Done(id) => file(*id, "done"),
                    QueueEvent::Failed(id) => file(*id, "failed"),
                    QueueEvent::Cancelled(id) => file(*id, "cancelled"),
                    QueueEvent::Refused { name, message } => {
                        set(&o, "type", "refused".into());
                        set(&o, "name", name.as_str().into());
                        set(&o, "message", message.as_str().into());
                    }
                    QueueEvent::RateLimited { until, status } => {
                        set(&o, "type", "rateLimited".into());
                        set(&o, "until", (*until as f64).into());
                        set(&o, "status", (*status).into());
                    }
                    QueueEvent::RateLimitOver => set(&o, "type", "rateLimitOver".into()),
                }
                let _ = f.call1(&JsValue::NULL, &o);
            }) as crate::host::upload_queue::EventFn
        });
        let inner = Rc::new(
            UploadQueue::new(options, signer, storage, on_event)
                .map_err(|e| crate::web::host_errors::queue(&e))?,
        );
        *cell.borrow_mut() = Rc::downgrade(&inner);
        Ok(JsUploadQueue { inner })
    }

    /// Adds files (a `FileList`, an array of `File`/`Blob`, or one): each is queued or refused
    /// with its message; a refusal never drops a file already queued.
    #[wasm_bindgen(unchecked_return_type = "QueueAddResult")]
    pub fn add(
        &self,
        #[wasm_bindgen(unchecked_param_type = "FileList | Array<File | Blob> | File | Blob")] files: JsValue,
    ) -> Result<JsValue, CodedError> {
        let list: Vec<Blob> = if let Some(b) = files.dyn_ref::<Blob>() {
            vec![b.clone()]
        } else {
            js_sys::Array::from(&files)
                .iter()
                .map(|f| f.dyn_into::<Blob>())
                .collect::<Result<_, _>>()
                .map_err(|_| {
                    CodedError::new("upload queue: add() takes files (File or Blob objects)")
                })?
        };
        let results = self.inner.add(&list);
        let queued = js_sys::Array::new();
        let refused = js_sys::Array::new();
        for (r, b) in results.iter().zip(&list) {
            match r {
                Ok(id) => {
                    queued.push(&(*id).into());
                }
                Err(e) => {
                    let o = js_sys::Object::new();
                    let name = b
                        .dyn_ref::<web_sys::File>()
                        .map_or_else(|| "blob".to_owned(), |f| f.name());
                    set(&o, "name", name.into());
                    set(&o, "message", e.to_string().into());
                    let code = js_sys::Reflect::get(&queue_err(e), &"code".into())
                        .unwrap_or(JsValue::NULL);
                    set(&o, "code", code);
                    refused.push(&o);
                }
            }
        }
        let o = js_sys::Object::new();
        set(&o, "queued", queued.into());
        set(&o, "refused", refused.into());
        Ok(o.into())
    }

    /// The unfinished uploads stored by earlier pages (expired ones are removed).
    #[wasm_bindgen(unchecked_return_type = "UnfinishedUpload[]")]
    pub fn unfinished(&self) -> js_sys::Array {
        self.inner
            .unfinished()
            .iter()
            .map(|r| {
                let o = js_sys::Object::new();
                let fp = &r.fingerprint;
                set(&o, "uploadId", r.upload_id.as_str().into());
                set(&o, "name", fp.name.as_str().into());
                set(&o, "size", (fp.size as f64).into());
                set(&o, "lastModified", (fp.last_modified as f64).into());
                set(&o, "partSize", (r.part_size as f64).into());
                set(&o, "confirmedBytes", (r.confirmed_bytes() as f64).into());
                set(&o, "createdMs", (r.created_ms as f64).into());
                set(
                    &o,
                    "expiresMs",
                    ((r.created_ms + RESUME_MAX_AGE_MS) as f64).into(),
                );
                set(&o, "publicId", opt_text(r.public_id.as_deref()));
                JsValue::from(o)
            })
            .collect()
    }

    /// Continues the stored upload `uploadId` with `file` (the same file picked again): resolves
    /// to the file's id; rejects (`resume_refused`) when it is another file or the record expired.
    #[wasm_bindgen(js_name = resumeUpload, unchecked_return_type = "Promise<number>")]
    pub fn resume_upload(&self, upload_id: String, file: Blob) -> js_sys::Promise {
        let q = self.inner.clone();
        crate::web::promise(async move {
            q.resume_upload(&upload_id, &file)
                .await
                .map(JsValue::from)
                .map_err(|e| queue_err(&e))
        })
    }

    /// Removes a stored unfinished upload.
    pub fn forget(&self, upload_id: &str) {
        self.inner.forget(upload_id);
    }

    /// Pauses one file, or every file without an id.
    pub fn pause(&self, id: Option<u32>) -> Result<(), JsValue> {
        self.inner.pause(id).map_err(|e| queue_err(&e))
    }

    /// Resumes one paused file, or every paused file without an id.
    pub fn resume(&self, id: Option<u32>) -> Result<(), JsValue> {
        self.inner.resume(id).map_err(|e| queue_err(&e))
    }

    /// Cancels one file, or every unfinished file without an id (their stored records removed).
    pub fn cancel(&self, id: Option<u32>) -> Result<(), JsValue> {
        self.inner.cancel(id).map_err(|e| queue_err(&e))
    }

    /// One file's status.
    #[wasm_bindgen(unchecked_return_type = "QueueFileStatus | undefined")]
    pub fn file(&self, id: u32) -> JsValue {
        self.inner
            .status(id)
            .map_or(JsValue::UNDEFINED, |s| status_object(&s))
    }

    /// Every file's status, in the order added.
    #[wasm_bindgen(unchecked_return_type = "QueueFileStatus[]")]
    pub fn files(&self) -> js_sys::Array {
        self.inner
            .ids()
            .into_iter()
            .filter_map(|id| self.inner.status(id))
            .map(|s| status_object(&s))
            .collect()
    }

    /// A done file's upload response.
    #[wasm_bindgen(unchecked_return_type = "UploadResult | undefined")]
    pub fn result(&self, id: u32) -> JsValue {
        self.inner
            .result(id)
            .map_or(JsValue::UNDEFINED, |v| crate::host::widgets::js_of(&v))
    }

    /// The whole queue's status.
    #[wasm_bindgen(unchecked_return_type = "QueueSummary")]
    pub fn summary(&self) -> JsValue {
        summary_object(&self.inner.summary())
    }

    /// The limits in force.
    #[wasm_bindgen(getter, unchecked_return_type = "QueueLimits")]
    pub fn limits(&self) -> JsValue {
        let l = self.inner.limits();
        let o = js_sys::Object::new();
        set(&o, "maxFiles", l.max_files.into());
        set(&o, "maxBytes", (l.max_bytes as f64).into());
        set(&o, "filesAtOnce", l.files_at_once.into());
        set(&o, "concurrency", l.parts_per_file.into());
        set(&o, "chunkSize", (l.chunk_size as f64).into());
        o.into()
    }
}
