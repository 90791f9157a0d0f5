//! The page side of the upload queue ([`crate::core::upload_queue`]): it carries out the core's
//! effects — each part a `Blob.slice()` POSTed by [`crate::host::upload::send_part`], the
//! fingerprint hashed by `crypto.subtle`, resume records in the host's storage, one timer for
//! the next wake-up — and hands the core's events to the host.
//!
//! * Bounded memory: a part is a slice the browser streams; only a fingerprint reads bytes (the
//!   first and the last part of one file at a time, hashed and dropped).
//! * RAII: dropping the [`UploadQueue`] aborts every request in flight (one `AbortController`
//!   per file) and clears its timer; resume records stay in storage for the next page.

use alloc::rc::{Rc, Weak};
use alloc::string::String;
use alloc::{borrow::ToOwned, vec::Vec};
use core::cell::RefCell;
use core::fmt;

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, Blob};

use crate::core::json::{Map, Value};
use crate::core::sign::ParamValue;
use crate::core::upload::{unique_upload_id, RetryPolicy, UploadError, UploadParams};
use crate::core::upload_queue::{
    Effect, Event, FileId, FileStatus, Fingerprint, NewFile, Outcome, Queue, QueueError,
    QueueLimits, ResumeRecord, Summary, RECORD_KEY_PREFIX,
};
use crate::host::api::HostStorage;
use crate::host::resources::{KeyValue, Timeout};
use crate::host::signer_client::{js_message, SignerClient};
use crate::host::upload::{send_part, AttemptError, PartTarget};

/// What every file of the queue is uploaded with.
#[derive(Clone, Debug)]
pub struct QueueOptions {
    /// The signer's account id.
    pub account: Option<String>,
    /// `https://api.cloudinary.com` unless pointed elsewhere.
    pub api_base: String,
    /// `image`, `video`, `raw` or `auto`.
    pub resource_type: String,
    /// Upload parameters, signed and sent with every part of every file.
    pub params: Map<String, ParamValue>,
    /// The limits.
    pub limits: QueueLimits,
    /// Retries of a failed part.
    pub retry: RetryPolicy,
    /// Per-request timeout.
    pub request_timeout_ms: u32,
}

/// The host's callback for each event.
pub type EventFn = Rc<dyn Fn(&Event)>;

struct Slot {
    blob: Blob,
    abort: AbortController,
    params: UploadParams,
    account: Option<String>,
}

/// The files' page resources by id, in the order they were added. The queue holds at most
/// `maxFiles` (1000) files: a list searched in place, so the wasm links no hash map.
#[derive(Default)]
struct Slots(Vec<(FileId, Slot)>);

impl Slots {
    fn get(&self, id: &FileId) -> Option<&Slot> {
        self.0.iter().find(|(i, _)| i == id).map(|(_, s)| s)
    }

    fn insert(&mut self, id: FileId, slot: Slot) {
        self.remove(&id);
        self.0.push((id, slot));
    }

    fn remove(&mut self, id: &FileId) {
        self.0.retain(|(i, _)| i != id);
    }

    fn values(&self) -> impl Iterator<Item = &Slot> {
        self.0.iter().map(|(_, s)| s)
    }

    fn clear(&mut self) {
        self.0.clear();
    }
}

struct Inner {
    queue: Queue,
    slots: Slots,
    timer: Option<(u64, Timeout)>,
}

struct Shared {
    inner: RefCell<Inner>,
    options: QueueOptions,
    params: UploadParams,
    signer: SignerClient,
    storage: Option<HostStorage>,
    on_event: Option<EventFn>,
}

/// The queue. Dropping it aborts every request in flight.
#[must_use = "dropping the queue aborts its uploads"]
pub struct UploadQueue {
    shared: Rc<Shared>,
}

impl fmt::Debug for UploadQueue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UploadQueue")
            .field("summary", &self.summary())
            .finish_non_exhaustive()
    }
}

fn now() -> u64 {
    js_sys::Date::now() as u64
}

fn upload_id() -> String {
    let mut random = [0u8; 16];
    for b in &mut random {
        *b = (js_sys::Math::random() * 256.0) as u8;
    }
    unique_upload_id(random)
}

fn file_name(blob: &Blob) -> String {
    blob.dyn_ref::<web_sys::File>()
        .map(|f| f.name())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "blob".to_owned())
}

fn last_modified(blob: &Blob) -> u64 {
    blob.dyn_ref::<web_sys::File>()
        .map_or(0, |f| f.last_modified() as u64)
}

/// SHA-256 (hex) of bytes `start..end` of `blob`, read by the browser and hashed by
/// `crypto.subtle`: the bytes never enter wasm memory.
async fn sha256_of(blob: &Blob, start: u64, end: u64) -> Result<String, String> {
    let slice = blob
        .slice_with_f64_and_f64(start as f64, end as f64)
        .map_err(|e| js_message(&e))?;
    let buffer = JsFuture::from(slice.array_buffer())
        .await
        .map_err(|e| js_message(&e))?;
    let global = js_sys::global();
    let subtle = js_sys::Reflect::get(&global, &"crypto".into())
        .and_then(|c| js_sys::Reflect::get(&c, &"subtle".into()))
        .map_err(|e| js_message(&e))?;
    let digest: js_sys::Function = js_sys::Reflect::get(&subtle, &"digest".into())
        .map_err(|e| js_message(&e))?
        .dyn_into()
        .map_err(|_| {
            "crypto.subtle.digest is not available (a secure context is needed)".to_owned()
        })?;
    let promise: js_sys::Promise = digest
        .call2(&subtle, &"SHA-256".into(), &buffer)
        .map_err(|e| js_message(&e))?
        .dyn_into()
        .map_err(|_| "crypto.subtle.digest did not return a promise".to_owned())?;
    let hash = JsFuture::from(promise).await.map_err(|e| js_message(&e))?;
    let bytes = js_sys::Uint8Array::new(&hash).to_vec();
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// The fingerprint of `blob` for parts of `part_size`.
pub async fn fingerprint(blob: &Blob, part_size: u64) -> Result<Fingerprint, String> {
    let size = blob.size() as u64;
    let [(hs, he), (ts, te)] = Fingerprint::ranges(size, part_size);
    let head = sha256_of(blob, hs, he).await?;
    let tail = if (hs, he) == (ts, te) {
        head.clone()
    } else {
        sha256_of(blob, ts, te).await?
    };
    Ok(Fingerprint {
        name: file_name(blob),
        size,
        last_modified: last_modified(blob),
        head_sha256: head,
        tail_sha256: tail,
    })
}

impl UploadQueue {
    /// A queue; `storage` (the host's namespaced storage) enables resume records.
    pub fn new(
        options: QueueOptions,
        signer: SignerClient,
        storage: Option<HostStorage>,
        on_event: Option<EventFn>,
    ) -> Result<Self, QueueError> {
        let params =
            UploadParams::new(options.params.clone(), &options.resource_type).map_err(|error| {
                QueueError::Upload {
                    name: String::new(),
                    error,
                }
            })?;
        let queue = Queue::new(options.limits, options.retry, storage.is_some())?;
        Ok(UploadQueue {
            shared: Rc::new(Shared {
                inner: RefCell::new(Inner {
                    queue,
                    slots: Slots::default(),
                    timer: None,
                }),
                options,
                params,
                signer,
                storage,
                on_event,
            }),
        })
    }

    /// Adds files: each is queued (its id) or refused (the message).
    pub fn add(&self, files: &[Blob]) -> Vec<Result<FileId, QueueError>> {
        let t = now();
        let new: Vec<NewFile> = files
            .iter()
            .map(|b| NewFile {
                name: file_name(b),
                size: b.size() as u64,
                last_modified: last_modified(b),
                upload_id: upload_id(),
            })
            .collect();
        let results = {
            let mut inner = self.shared.inner.borrow_mut();
            let results = inner.queue.add(new, t);
            for (r, b) in results.iter().zip(files) {
                if let Ok(id) = r {
                    let slot = self.shared.slot(b.clone(), None);
                    if let Some(slot) = slot {
                        inner.slots.insert(*id, slot);
                    }
                }
            }
            results
        };
        let effects = self.shared.inner.borrow_mut().queue.poll(t);
        Shared::apply(&self.shared, effects);
        results
    }

    /// The unfinished uploads stored for resuming; expired or unreadable records are removed.
    pub fn unfinished(&self) -> Vec<ResumeRecord> {
        let Some(storage) = &self.shared.storage else {
            return Vec::new();
        };
        let t = now();
        let live: Vec<String> = {
            let inner = self.shared.inner.borrow();
            inner
                .queue
                .ids()
                .into_iter()
                .filter_map(|id| inner.queue.record(id).map(ResumeRecord::key))
                .collect()
        };
        let mut out = Vec::new();
        for key in storage.keys().unwrap_or_default() {
            if !key.starts_with(RECORD_KEY_PREFIX) || live.contains(&key) {
                continue;
            }
            let rec = KeyValue::get(storage, &key)
                .ok()
                .flatten()
                .and_then(|t| ResumeRecord::from_json(&t).ok());
            match rec {
                // Oldest first, equal times in storage order: placed as they are read (binary
                // search), rather than sorted after: std's stable sort (driftsort), which no
                // other code in the plugin linked, was 3,255 B of raw wasm (twiggy, 2026-12-02).
                Some(r) if !r.expired(t) => {
                    let at = out.partition_point(|o: &ResumeRecord| o.created_ms <= r.created_ms);
                    out.insert(at, r);
                }
                _ => {
                    let _ = KeyValue::remove(storage, &key);
                }
            }
        }
        out
    }

    /// Removes a stored unfinished upload.
    pub fn forget(&self, upload_id: &str) {
        if let Some(s) = &self.shared.storage {
            let _ = KeyValue::remove(s, &format!("{RECORD_KEY_PREFIX}{upload_id}"));
        }
    }

    /// Continues the stored upload `upload_id` with `file`, after checking its fingerprint.
    pub async fn resume_upload(&self, upload_id: &str, file: &Blob) -> Result<FileId, QueueError> {
        let record = self
            .unfinished()
            .into_iter()
            .find(|r| r.upload_id == upload_id)
            .ok_or_else(|| {
                QueueError::BadRecord(format!("no unfinished upload {upload_id} is stored"))
            })?;
        let fp = fingerprint(file, record.part_size)
            .await
            .map_err(|m| QueueError::Upload {
                name: file_name(file),
                error: UploadError::Read(m),
            })?;
        let params =
            UploadParams::new(record.params.clone(), &record.resource_type).map_err(|error| {
                QueueError::Upload {
                    name: file_name(file),
                    error,
                }
            })?;
        let account = record.account.clone();
        let t = now();
        let r = {
            let mut inner = self.shared.inner.borrow_mut();
            let r = inner.queue.resume_upload(record, &fp, t);
            if let Ok(id) = r {
                if let Some(mut slot) = self.shared.slot(file.clone(), account) {
                    slot.params = params;
                    inner.slots.insert(id, slot);
                }
            }
            r
        };
        let effects = self.shared.inner.borrow_mut().queue.poll(t);
        Shared::apply(&self.shared, effects);
        r
    }

    /// Pauses `file` (`None`: all).
    pub fn pause(&self, file: Option<FileId>) -> Result<(), QueueError> {
        let r = self.shared.inner.borrow_mut().queue.pause(file);
        Shared::apply(&self.shared, Vec::new());
        r
    }

    /// Resumes `file` (`None`: all paused).
    pub fn resume(&self, file: Option<FileId>) -> Result<(), QueueError> {
        let effects = self.shared.inner.borrow_mut().queue.resume(file, now())?;
        Shared::apply(&self.shared, effects);
        Ok(())
    }

    /// Cancels `file` (`None`: all unfinished).
    pub fn cancel(&self, file: Option<FileId>) -> Result<(), QueueError> {
        let effects = self.shared.inner.borrow_mut().queue.cancel(file, now())?;
        Shared::apply(&self.shared, effects);
        Ok(())
    }

    /// One file's status.
    pub fn status(&self, id: FileId) -> Option<FileStatus> {
        self.shared.inner.borrow().queue.status(id, now())
    }

    /// A done file's final upload response.
    pub fn result(&self, id: FileId) -> Option<Value> {
        self.shared.inner.borrow().queue.result(id).cloned()
    }

    /// Every file's id, in the order added.
    pub fn ids(&self) -> Vec<FileId> {
        self.shared.inner.borrow().queue.ids()
    }

    /// The whole queue's status.
    pub fn summary(&self) -> Summary {
        self.shared.inner.borrow().queue.summary(now())
    }

    /// The limits.
    pub fn limits(&self) -> QueueLimits {
        *self.shared.inner.borrow().queue.limits()
    }
}

impl Drop for UploadQueue {
    fn drop(&mut self) {
        if let Ok(mut inner) = self.shared.inner.try_borrow_mut() {
            inner.timer = None;
            for slot in inner.slots.values() {
                slot.abort.abort();
            }
            inner.slots.clear();
        }
    }
}

impl Shared {
    fn slot(&self, blob: Blob, account: Option<String>) -> Option<Slot> {
        Some(Slot {
            blob,
            abort: AbortController::new().ok()?,
            params: self.params.clone(),
            account: account.or_else(|| self.options.account.clone()),
        })
    }

    fn emit(this: &Rc<Self>) {
        let events = {
            let mut inner = this.inner.borrow_mut();
            let events = inner.queue.take_events();
            // A finished file's `File` is released (its requests were aborted before).
            for e in &events {
                if let Event::Done(id) | Event::Failed(id) | Event::Cancelled(id) = e {
                    inner.slots.remove(id);
                }
            }
            events
        };
        if let Some(f) = &this.on_event {
            for e in &events {
                f(e);
            }
        }
    }

    /// Carries out `effects`, then hands the events to the host.
    fn apply(this: &Rc<Self>, effects: Vec<Effect>) {
        for e in effects {
            match e {
                Effect::Send { file, chunk } => Self::send(this, file, chunk),
                Effect::Fingerprint(file) => Self::hash(this, file),
                Effect::Persist { key, json } => {
                    if let Some(s) = &this.storage {
                        let _ = KeyValue::set(s, &key, &json);
                    }
                }
                Effect::Forget(key) => {
                    if let Some(s) = &this.storage {
                        let _ = KeyValue::remove(s, &key);
                    }
                }
                Effect::Abort(file) => {
                    if let Some(slot) = this.inner.borrow().slots.get(&file) {
                        slot.abort.abort();
                    }
                }
                Effect::WakeAt(at) => Self::wake_at(this, at),
            }
        }
        Self::emit(this);
    }

    fn wake_at(this: &Rc<Self>, at: u64) {
        let mut inner = this.inner.borrow_mut();
        if inner.timer.as_ref().is_some_and(|(t, _)| *t <= at) {
            return;
        }
        let weak: Weak<Self> = Rc::downgrade(this);
        let ms = at.saturating_sub(now()).min(i32::MAX as u64) as u32;
        let timeout = Timeout::new(ms, move || {
            if let Some(this) = weak.upgrade() {
                let effects = {
                    let mut inner = this.inner.borrow_mut();
                    inner.timer = None;
                    inner.queue.poll(now())
                };
                Self::apply(&this, effects);
            }
        });
        inner.timer = Some((at, timeout));
    }

    fn hash(this: &Rc<Self>, file: FileId) {
        let weak = Rc::downgrade(this);
        let (blob, part_size) = {
            let inner = this.inner.borrow();
            let (Some(slot), Some(plan)) = (inner.slots.get(&file), inner.queue.plan_of(file))
            else {
                return;
            };
            (slot.blob.clone(), plan.chunk_size())
        };
        crate::host::resources::spawn(async move {
            let hashes = fingerprint(&blob, part_size)
                .await
                .map(|f| (f.head_sha256, f.tail_sha256));
            let Some(this) = weak.upgrade() else { return };
            let effects = {
                let mut inner = this.inner.borrow_mut();
                let account = inner.slots.get(&file).and_then(|s| s.account.clone());
                inner.queue.fingerprinted(
                    file,
                    hashes,
                    this.params.to_sign(),
                    this.params.resource_type(),
                    account.as_deref(),
                    now(),
                )
            };
            Self::apply(&this, effects);
        });
    }

    fn send(this: &Rc<Self>, file: FileId, chunk: crate::core::upload::Chunk) {
        let weak = Rc::downgrade(this);
        let (blob, signal, params, account, upload_id, parts) = {
            let inner = this.inner.borrow();
            let (Some(slot), Some(plan), Some(id)) = (
                inner.slots.get(&file),
                inner.queue.plan_of(file),
                inner.queue.upload_id(file),
            ) else {
                return;
            };
            (
                slot.blob.clone(),
                slot.abort.signal(),
                slot.params.clone(),
                slot.account.clone().unwrap_or_default(),
                id.to_owned(),
                plan.count(),
            )
        };
        let signer = this.signer.clone();
        let api_base = this.options.api_base.clone();
        let timeout = this.options.request_timeout_ms;
        let gate = weak.clone();
        crate::host::resources::spawn(async move {
            let name = file_name(&blob);
            let hold = move || {
                gate.upgrade()
                    .and_then(|s| s.inner.borrow().queue.paused_until())
                    .unwrap_or(0)
            };
            let target = PartTarget {
                file: &blob,
                file_name: &name,
                upload_id: &upload_id,
                account: &account,
                api_base: &api_base,
                request_timeout_ms: timeout,
                signal: &signal,
                hold_until: Some(&hold),
            };
            let outcome = match send_part(&target, &signer, chunk, parts, &params).await {
                Ok(answer) => Outcome::Confirmed(answer),
                Err(AttemptError::Retryable {
                    failure,
                    message,
                    pause_ms,
                }) => Outcome::Retryable {
                    failure,
                    message,
                    pause_ms,
                },
                Err(AttemptError::Fatal(e)) => Outcome::Fatal(e),
            };
            let Some(this) = weak.upgrade() else { return };
            let effects = this.inner.borrow_mut().queue.part_done(
                file,
                chunk,
                outcome,
                js_sys::Math::random(),
                now(),
            );
            Self::apply(&this, effects);
        });
    }
}
