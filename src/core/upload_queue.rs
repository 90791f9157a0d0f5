//! The upload queue, as pure logic: many files through [`crate::core::upload`]'s chunk protocol
//! with documented limits, per-file and overall progress (bytes, rate, ETA), pause, resume,
//! cancel, the whole queue pausing for Cloudinary's rate-limit answers (420/429 with
//! `Retry-After` or the rate-limit reset header), and the records that let an interrupted
//! upload continue after a reload ([`ResumeRecord`]).
//!
//! Sans-IO: the host passes the clock (`now`, milliseconds) and random values in, calls
//! [`Queue::poll`] after every input and carries out the [`Effect`]s (send a part, fingerprint
//! a file, persist or forget a record, abort a file's requests, wake up at a time). It renders
//! from the [`Event`]s and [`Queue::status`]. Nothing here reads a file: the host sends each
//! part as a slice of it, so at most `files_at_once × parts_per_file` parts (plus one file's
//! first and last part while it is fingerprinted) are ever read at once, whatever the number or
//! size of the files queued.

use std::collections::{BTreeMap, VecDeque};
use std::fmt;

use crate::core::json::{self, Value};
use crate::core::sign::ParamValue;
use crate::core::upload::{
    params_json, Chunk, ChunkAnswer, ChunkPlan, Failure, Progress, RetryPolicy, Scheduler, Step,
    UploadError, DEFAULT_CHUNK_SIZE, DEFAULT_CONCURRENCY, MAX_CONCURRENCY,
};

/// Files in the queue (not yet done, failed or cancelled) unless configured.
pub const DEFAULT_MAX_FILES: u32 = 100;
/// The most files the queue may be configured to hold.
pub const MAX_MAX_FILES: u32 = 1000;
/// Bytes in the queue unless configured: 100 GB.
pub const DEFAULT_MAX_BYTES: u64 = 100_000_000_000;
/// The most bytes the queue may be configured to hold: 1 TB.
pub const MAX_MAX_BYTES: u64 = 1_000_000_000_000;
/// Files uploading at once unless configured.
pub const DEFAULT_FILES_AT_ONCE: u32 = 3;
/// The most files uploading at once (a browser opens 6 HTTP/1.1 connections per host).
pub const MAX_FILES_AT_ONCE: u32 = 6;
/// The longest rate-limit pause the queue takes from a header (one hour); longer answers are cut.
pub const MAX_RATE_LIMIT_PAUSE_MS: u64 = 3_600_000;
/// Rate-limit answers one part may get before its file fails (they do not count as attempts).
pub const MAX_RATE_LIMIT_ANSWERS: u32 = 10;
/// How long an unfinished upload's record is kept for resuming: 24 hours.
pub const RESUME_MAX_AGE_MS: u64 = 86_400_000;
/// The storage key prefix of resume records (`upload:<X-Unique-Upload-Id>`).
pub const RECORD_KEY_PREFIX: &str = "upload:";
/// The rate window: progress rates are measured over the last 10 seconds.
pub const RATE_WINDOW_MS: u64 = 10_000;

/// The queue's limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QueueLimits {
    /// Files queued at most (1 to [`MAX_MAX_FILES`]).
    pub max_files: u32,
    /// Bytes queued at most (1 to [`MAX_MAX_BYTES`]).
    pub max_bytes: u64,
    /// Files uploading at once (1 to [`MAX_FILES_AT_ONCE`]).
    pub files_at_once: u32,
    /// Middle parts in flight per file (1 to [`MAX_CONCURRENCY`]).
    pub parts_per_file: u32,
    /// Bytes per part of a new upload.
    pub chunk_size: u64,
}

impl Default for QueueLimits {
    fn default() -> Self {
        QueueLimits {
            max_files: DEFAULT_MAX_FILES,
            max_bytes: DEFAULT_MAX_BYTES,
            files_at_once: DEFAULT_FILES_AT_ONCE,
            parts_per_file: DEFAULT_CONCURRENCY,
            chunk_size: DEFAULT_CHUNK_SIZE,
        }
    }
}

impl QueueLimits {
    /// Checks every limit against its bounds.
    pub fn validate(&self) -> Result<(), QueueError> {
        let range = |name: &'static str, value: u64, max: u64| {
            if (1..=max).contains(&value) {
                Ok(())
            } else {
                Err(QueueError::LimitOutOfRange { name, value, max })
            }
        };
        range("maxFiles", self.max_files.into(), MAX_MAX_FILES.into())?;
        range("maxBytes", self.max_bytes, MAX_MAX_BYTES)?;
        range(
            "filesAtOnce",
            self.files_at_once.into(),
            MAX_FILES_AT_ONCE.into(),
        )?;
        range(
            "concurrency",
            self.parts_per_file.into(),
            MAX_CONCURRENCY.into(),
        )?;
        // The part size's own bounds and message.
        ChunkPlan::new(1, self.chunk_size, None)
            .map(drop)
            .map_err(QueueError::plain)
    }
}

/// Why the queue refused something.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum QueueError {
    /// A limit outside its documented bounds.
    LimitOutOfRange {
        /// The option's name.
        name: &'static str,
        /// The value given.
        value: u64,
        /// The bound.
        max: u64,
    },
    /// The queue holds its maximum number of files.
    TooManyFiles {
        /// The file refused.
        name: String,
        /// The limit.
        max: u32,
    },
    /// The file would take the queue over its byte limit.
    TooManyBytes {
        /// The file refused.
        name: String,
        /// The file's size.
        size: u64,
        /// Bytes already queued.
        queued: u64,
        /// The limit.
        max: u64,
    },
    /// The file cannot be uploaded at all (empty, over the account's limit...).
    Upload {
        /// The file refused.
        name: String,
        /// Why.
        error: UploadError,
    },
    /// The file picked to resume an upload is not the file the upload was started with.
    NotTheSameFile {
        /// The file picked.
        name: String,
        /// The unfinished upload's file name.
        expected: String,
        /// What differs.
        detail: String,
    },
    /// A stored record is unreadable or inconsistent.
    BadRecord(String),
    /// The unfinished upload is older than [`RESUME_MAX_AGE_MS`].
    Expired {
        /// The file name.
        name: String,
    },
    /// No file with this id.
    UnknownFile(u32),
}

impl QueueError {
    /// An upload error not tied to a file (a limit's own message).
    fn plain(error: UploadError) -> Self {
        QueueError::Upload {
            name: String::new(),
            error,
        }
    }
}

impl fmt::Display for QueueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QueueError::LimitOutOfRange { name, value, max } => {
                write!(f, "upload queue: {name} {value} is out of range: choose 1 to {max}")
            }
            QueueError::TooManyFiles { name, max } => write!(
                f,
                "\"{name}\" was not queued: the queue already holds {max} files, its limit"
            ),
            QueueError::TooManyBytes { name, size, queued, max } => write!(
                f,
                "\"{name}\" was not queued: its {size} bytes would take the queue from {queued} to {} bytes, over its limit of {max} bytes",
                queued + size
            ),
            QueueError::Upload { name, error } if name.is_empty() => write!(f, "upload queue: {error}"),
            QueueError::Upload { name, error } => write!(f, "\"{name}\" was not queued: {error}"),
            QueueError::NotTheSameFile { name, expected, detail } => write!(
                f,
                "\"{name}\" is not the file of the unfinished upload of \"{expected}\" ({detail}): pick the same file to resume it"
            ),
            QueueError::BadRecord(d) => write!(f, "the unfinished upload's record is unusable: {d}"),
            QueueError::Expired { name } => write!(
                f,
                "the unfinished upload of \"{name}\" is older than 24 hours and was removed: upload the file again"
            ),
            QueueError::UnknownFile(id) => write!(f, "upload queue: no file with id {id}"),
        }
    }
}

impl std::error::Error for QueueError {}

/// What identifies a file across page loads: name, size, last-modified time and the SHA-256 of
/// its first and its last part (lower-case hex).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fingerprint {
    /// The file name.
    pub name: String,
    /// The size in bytes.
    pub size: u64,
    /// `File.lastModified` (ms since the epoch).
    pub last_modified: u64,
    /// SHA-256 of the first part.
    pub head_sha256: String,
    /// SHA-256 of the last part.
    pub tail_sha256: String,
}

impl Fingerprint {
    /// The byte ranges `[start, end)` the host hashes for a file of `size` in parts of
    /// `part_size`: the first part and the last part (the same range for a one-part file).
    pub fn ranges(size: u64, part_size: u64) -> [(u64, u64); 2] {
        let head_end = size.min(part_size);
        let last_start = if size == 0 {
            0
        } else {
            (size - 1) / part_size * part_size
        };
        [(0, head_end), (last_start, size)]
    }
}

/// What the queue stores for an unfinished upload so that it can continue after a reload: never
/// a signature or a token, only what the signer signs again for each part.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResumeRecord {
    /// The upload's `X-Unique-Upload-Id`.
    pub upload_id: String,
    /// The file it uploads.
    pub fingerprint: Fingerprint,
    /// Bytes per part.
    pub part_size: u64,
    /// The parts Cloudinary confirmed, as byte ranges `(start, end)` inclusive.
    pub confirmed: Vec<(u64, u64)>,
    /// The upload parameters the signer signs (the signed parameters' input).
    pub params: BTreeMap<String, ParamValue>,
    /// The Upload API resource type.
    pub resource_type: String,
    /// The signer's account id.
    pub account: Option<String>,
    /// The public id Cloudinary assigned, once an answer gave it.
    pub public_id: Option<String>,
    /// When the upload started (ms since the epoch).
    pub created_ms: u64,
}

impl ResumeRecord {
    /// Its storage key: `upload:<upload id>`.
    pub fn key(&self) -> String {
        format!("{RECORD_KEY_PREFIX}{}", self.upload_id)
    }

    /// Whether it is older than [`RESUME_MAX_AGE_MS`] at `now`.
    pub fn expired(&self, now: u64) -> bool {
        now.saturating_sub(self.created_ms) > RESUME_MAX_AGE_MS
    }

    /// Bytes confirmed.
    pub fn confirmed_bytes(&self) -> u64 {
        self.confirmed.iter().map(|(s, e)| e - s + 1).sum()
    }

    /// The record as stored (JSON).
    pub fn to_json(&self) -> String {
        let fp = &self.fingerprint;
        let opt = |o: &Option<String>| o.clone().map_or(Value::Null, Value::String);
        let v = crate::json!({
            "v": 1,
            "uploadId": self.upload_id,
            "name": fp.name,
            "size": fp.size,
            "lastModified": fp.last_modified,
            "headSha256": fp.head_sha256,
            "tailSha256": fp.tail_sha256,
            "partSize": self.part_size,
            "confirmed": self.confirmed.iter().map(|(s, e)| crate::json!([s, e])).collect::<Vec<_>>(),
            "params": Value::Object(params_json(&self.params)),
            "resourceType": self.resource_type,
            "account": opt(&self.account),
            "publicId": opt(&self.public_id),
            "createdMs": self.created_ms,
        });
        json::to_string(&v)
    }

    /// Reads a stored record; every field checked.
    pub fn from_json(text: &str) -> Result<Self, QueueError> {
        let bad = |d: &str| QueueError::BadRecord(d.to_owned());
        let v =
            json::from_str(text).map_err(|e| QueueError::BadRecord(format!("not JSON ({e})")))?;
        if v.get("v").and_then(Value::as_u64) != Some(1) {
            return Err(bad("unknown version"));
        }
        let s = |k: &str| {
            v.get(k)
                .and_then(Value::as_str)
                .map(str::to_owned)
                .ok_or_else(|| QueueError::BadRecord(format!("{k} is not a string")))
        };
        let n = |k: &str| {
            v.get(k)
                .and_then(Value::as_u64)
                .ok_or_else(|| QueueError::BadRecord(format!("{k} is not a number")))
        };
        let opt_s = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
        let mut confirmed = Vec::new();
        for r in v
            .get("confirmed")
            .and_then(Value::as_array)
            .ok_or_else(|| bad("confirmed is not an array"))?
        {
            match (r.get_index(0), r.get_index(1)) {
                (Some(a), Some(b)) if a <= b => confirmed.push((a, b)),
                _ => return Err(bad("a confirmed range is not [start, end]")),
            }
        }
        let mut params = BTreeMap::new();
        for (k, p) in v
            .get("params")
            .and_then(Value::as_object)
            .ok_or_else(|| bad("params is not an object"))?
        {
            let p = match p {
                Value::String(t) => ParamValue::Text(t.clone()),
                Value::Array(items) => ParamValue::List(
                    items
                        .iter()
                        .map(|i| i.as_str().map(str::to_owned))
                        .collect::<Option<_>>()
                        .ok_or_else(|| bad("a list parameter holds a non-string"))?,
                ),
                _ => return Err(bad("a parameter is not a string or a list")),
            };
            params.insert(k.clone(), p);
        }
        let rec = ResumeRecord {
            upload_id: s("uploadId")?,
            fingerprint: Fingerprint {
                name: s("name")?,
                size: n("size")?,
                last_modified: n("lastModified")?,
                head_sha256: s("headSha256")?,
                tail_sha256: s("tailSha256")?,
            },
            part_size: n("partSize")?,
            confirmed,
            params,
            resource_type: s("resourceType")?,
            account: opt_s("account"),
            public_id: opt_s("publicId"),
            created_ms: n("createdMs")?,
        };
        rec.confirmed_parts()?;
        Ok(rec)
    }

    /// The 0-based indices of the confirmed parts; a range that is not a part of the plan is
    /// refused.
    pub fn confirmed_parts(&self) -> Result<Vec<u32>, QueueError> {
        let plan = ChunkPlan::new(self.fingerprint.size, self.part_size, None)
            .map_err(|e| QueueError::BadRecord(e.to_string()))?;
        self.confirmed
            .iter()
            .map(|&(s, e)| {
                let i = u32::try_from(s / self.part_size).unwrap_or(u32::MAX);
                match (i < plan.count()).then(|| plan.chunk(i)) {
                    Some(c) if c.start == s && c.end == e => Ok(i),
                    _ => Err(QueueError::BadRecord(format!(
                        "bytes {s}-{e} is not a part of the upload"
                    ))),
                }
            })
            .collect()
    }

    /// Checks that `file` is the file this upload was started with.
    pub fn check(&self, file: &Fingerprint) -> Result<(), QueueError> {
        let fp = &self.fingerprint;
        let detail = if file.name != fp.name {
            "its name differs".to_owned()
        } else if file.size != fp.size {
            format!(
                "it has {} bytes, the upload's file had {}",
                file.size, fp.size
            )
        } else if file.last_modified != fp.last_modified {
            "it was modified at another time".to_owned()
        } else if file.head_sha256 != fp.head_sha256 || file.tail_sha256 != fp.tail_sha256 {
            "its content differs".to_owned()
        } else {
            return Ok(());
        };
        Err(QueueError::NotTheSameFile {
            name: file.name.clone(),
            expected: fp.name.clone(),
            detail,
        })
    }
}

trait GetIndex {
    fn get_index(&self, i: usize) -> Option<u64>;
}

impl GetIndex for Value {
    fn get_index(&self, i: usize) -> Option<u64> {
        self.as_array()?.get(i)?.as_u64()
    }
}

/// A file id, unique within one queue.
pub type FileId = u32;

/// A file's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileState {
    /// Waiting for a slot.
    Queued,
    /// Its first and last part are being hashed (before its first part goes).
    Fingerprinting,
    /// Parts are being sent.
    Uploading,
    /// Paused by the user; parts already in flight finish.
    Paused,
    /// Cloudinary confirmed the whole file.
    Done,
    /// Stopped by an error; a resume record, when kept, lets it continue later.
    Failed,
    /// Cancelled by the user.
    Cancelled,
}

impl FileState {
    /// The name JavaScript sees.
    pub const fn as_str(self) -> &'static str {
        match self {
            FileState::Queued => "queued",
            FileState::Fingerprinting => "fingerprinting",
            FileState::Uploading => "uploading",
            FileState::Paused => "paused",
            FileState::Done => "done",
            FileState::Failed => "failed",
            FileState::Cancelled => "cancelled",
        }
    }

    /// Done, failed or cancelled.
    pub const fn is_final(self) -> bool {
        matches!(
            self,
            FileState::Done | FileState::Failed | FileState::Cancelled
        )
    }
}

/// A file to add.
#[derive(Clone, Debug)]
pub struct NewFile {
    /// Its name.
    pub name: String,
    /// Its size.
    pub size: u64,
    /// `File.lastModified`.
    pub last_modified: u64,
    /// A fresh `X-Unique-Upload-Id` for it (from the host's randomness).
    pub upload_id: String,
}

/// What the host must do.
#[derive(Clone, Debug, PartialEq)]
pub enum Effect {
    /// Send part `chunk` of `file` (a signature, then the POST with `upload_id`).
    Send {
        /// The file.
        file: FileId,
        /// The part.
        chunk: Chunk,
    },
    /// Hash the file's [`Fingerprint::ranges`], then call [`Queue::fingerprinted`].
    Fingerprint(FileId),
    /// Store `json` under `key` in the host's storage.
    Persist {
        /// The key.
        key: String,
        /// The record.
        json: String,
    },
    /// Remove `key` from the host's storage.
    Forget(String),
    /// Abort every request in flight of `file`.
    Abort(FileId),
    /// Call [`Queue::poll`] again at this time (ms), unless something else happens first.
    WakeAt(u64),
}

/// What happened, for the host to render.
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    /// A file joined the queue.
    Added(FileId),
    /// A file was refused (nothing already queued is affected).
    Refused {
        /// Its name.
        name: String,
        /// Why.
        message: String,
    },
    /// A file's state or progress changed.
    Progress(FileId),
    /// The whole queue pauses for a rate limit until this time (ms).
    RateLimited {
        /// When sending resumes.
        until: u64,
        /// The HTTP status (420 or 429).
        status: u16,
    },
    /// The queue sends again after a rate-limit pause.
    RateLimitOver,
    /// A file is complete.
    Done(FileId),
    /// A file stopped with an error.
    Failed(FileId),
    /// A file was cancelled.
    Cancelled(FileId),
}

/// How one attempt at a part ended (the host's reading of the answer).
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// Cloudinary confirmed the part.
    Confirmed(ChunkAnswer),
    /// A failure that may succeed when tried again ([`RetryPolicy::is_retryable`]).
    Retryable {
        /// What failed.
        failure: Failure,
        /// Its message.
        message: String,
        /// For 420/429: the pause the answer's headers ask for ([`rate_limit_pause_ms`]).
        pause_ms: Option<u64>,
    },
    /// A failure that ends the file's upload.
    Fatal(UploadError),
}

/// Bytes per second over the last [`RATE_WINDOW_MS`].
#[derive(Clone, Debug, Default)]
struct RateMeter {
    samples: VecDeque<(u64, u64)>,
}

impl RateMeter {
    fn sample(&mut self, now: u64, bytes: u64) {
        self.samples.push_back((now, bytes));
        while self.samples.len() > 2 && self.samples[1].0 + RATE_WINDOW_MS <= now {
            self.samples.pop_front();
        }
    }

    fn rate(&self, now: u64) -> u64 {
        match (self.samples.front(), self.samples.back()) {
            (Some(&(t0, b0)), Some(&(_, b1))) if now > t0 => {
                (b1 - b0).saturating_mul(1000) / (now - t0)
            }
            _ => 0,
        }
    }
}

/// One file's status, for rendering.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileStatus {
    /// The id.
    pub id: FileId,
    /// The name.
    pub name: String,
    /// The state.
    pub state: FileState,
    /// Bytes, parts and parts confirmed.
    pub progress: Progress,
    /// Bytes per second over the last 10 s (0 before any part returned).
    pub rate: u64,
    /// Milliseconds to completion at that rate (`None` without a rate).
    pub eta_ms: Option<u64>,
    /// The `X-Unique-Upload-Id`.
    pub upload_id: String,
    /// The public id Cloudinary assigned, once known.
    pub public_id: Option<String>,
    /// Why it failed.
    pub error: Option<String>,
    /// Whether it continues an upload from an earlier page.
    pub resumed: bool,
}

/// The whole queue's status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Summary {
    /// Files not yet done, failed or cancelled (counted against `max_files`).
    pub queued_files: u32,
    /// Their bytes (counted against `max_bytes`).
    pub queued_bytes: u64,
    /// Bytes of every file added, and of those confirmed.
    pub total: u64,
    /// Bytes confirmed.
    pub confirmed: u64,
    /// Files sending parts now.
    pub uploading: u32,
    /// Requests in flight now.
    pub in_flight: u32,
    /// Overall bytes per second over the last 10 s.
    pub rate: u64,
    /// Milliseconds until every queued file is done at that rate.
    pub eta_ms: Option<u64>,
    /// The end of a rate-limit pause, while it lasts.
    pub paused_until: Option<u64>,
}

#[derive(Debug)]
struct Item {
    id: FileId,
    name: String,
    plan: ChunkPlan,
    sched: Scheduler,
    progress: Progress,
    state: FileState,
    /// Attempts per part, and rate-limit answers per part.
    attempts: Vec<u8>,
    rate_answers: Vec<u8>,
    /// Failed parts waiting for their backoff: (part, time it may go again).
    cooling: Vec<(Chunk, u64)>,
    flying: u32,
    upload_id: String,
    last_modified: u64,
    record: Option<ResumeRecord>,
    /// A record to write once the fingerprint is known (persistence on).
    persist: bool,
    error: Option<String>,
    resumed: bool,
    meter: RateMeter,
    /// The completed upload's answer.
    result: Option<Value>,
}

impl Item {
    fn fail(&mut self, message: String, effects: &mut Vec<Effect>, events: &mut Vec<Event>) {
        self.state = FileState::Failed;
        self.error = Some(message);
        self.cooling.clear();
        if self.flying > 0 {
            effects.push(Effect::Abort(self.id));
        }
        // The record stays: a file that failed (the network gone) may be resumed later.
        events.push(Event::Failed(self.id));
    }

    fn active(&self) -> bool {
        matches!(self.state, FileState::Uploading | FileState::Fingerprinting) || self.flying > 0
    }
}

/// The queue.
#[derive(Debug)]
pub struct Queue {
    limits: QueueLimits,
    retry: RetryPolicy,
    persist: bool,
    items: Vec<Item>,
    next_id: FileId,
    paused_until: Option<u64>,
    events: Vec<Event>,
    meter: RateMeter,
}

impl Queue {
    /// An empty queue. `persist`: whether files get resume records (the host has storage).
    pub fn new(limits: QueueLimits, retry: RetryPolicy, persist: bool) -> Result<Self, QueueError> {
        limits.validate()?;
        Ok(Queue {
            limits,
            retry,
            persist,
            items: Vec::new(),
            next_id: 1,
            paused_until: None,
            events: Vec::new(),
            meter: RateMeter::default(),
        })
    }

    /// The end of the rate-limit pause, while one lasts (ms).
    pub const fn paused_until(&self) -> Option<u64> {
        self.paused_until
    }

    /// The limits.
    pub const fn limits(&self) -> &QueueLimits {
        &self.limits
    }

    fn queued(&self) -> (u32, u64) {
        self.items
            .iter()
            .filter(|i| !i.state.is_final())
            .fold((0, 0), |(n, b), i| (n + 1, b + i.plan.total()))
    }

    fn admit(&self, name: &str, size: u64, part_size: u64) -> Result<ChunkPlan, QueueError> {
        let (files, bytes) = self.queued();
        if files >= self.limits.max_files {
            return Err(QueueError::TooManyFiles {
                name: name.to_owned(),
                max: self.limits.max_files,
            });
        }
        if bytes + size > self.limits.max_bytes {
            return Err(QueueError::TooManyBytes {
                name: name.to_owned(),
                size,
                queued: bytes,
                max: self.limits.max_bytes,
            });
        }
        ChunkPlan::new(size, part_size, None).map_err(|error| QueueError::Upload {
            name: name.to_owned(),
            error,
        })
    }

    fn push(
        &mut self,
        plan: ChunkPlan,
        sched: Scheduler,
        name: String,
        upload_id: String,
        now: u64,
    ) -> FileId {
        let id = self.next_id;
        self.next_id += 1;
        let parts = plan.count() as usize;
        let mut progress = Progress::new(&plan);
        for c in plan.chunks().filter(|c| sched.is_confirmed(c.index)) {
            progress.confirmed += c.len();
            progress.parts_done += 1;
        }
        let mut meter = RateMeter::default();
        meter.sample(now, progress.confirmed);
        self.items.push(Item {
            id,
            name,
            plan,
            sched,
            progress,
            state: FileState::Queued,
            attempts: vec![0; parts],
            rate_answers: vec![0; parts],
            cooling: Vec::new(),
            flying: 0,
            upload_id,
            last_modified: 0,
            record: None,
            persist: self.persist,
            error: None,
            resumed: false,
            meter,
            result: None,
        });
        self.events.push(Event::Added(id));
        id
    }

    /// Adds files in order: each is queued or refused with a specific message; a refusal
    /// never affects a file already queued.
    pub fn add(&mut self, files: Vec<NewFile>, now: u64) -> Vec<Result<FileId, QueueError>> {
        files
            .into_iter()
            .map(|f| {
                let r = self
                    .admit(&f.name, f.size, self.limits.chunk_size)
                    .and_then(|plan| {
                        let sched = Scheduler::new(plan, self.limits.parts_per_file)
                            .map_err(QueueError::plain)?;
                        let id = self.push(plan, sched, f.name.clone(), f.upload_id, now);
                        if let Some(item) = self.items.last_mut() {
                            item.last_modified = f.last_modified;
                        }
                        Ok(id)
                    });
                if let Err(e) = &r {
                    self.events.push(Event::Refused {
                        name: f.name,
                        message: e.to_string(),
                    });
                }
                r
            })
            .collect()
    }

    /// Continues the unfinished upload `record` with the file whose fingerprint is `file`:
    /// refused when it is not the same file or the record expired; the parts confirmed are
    /// not sent again.
    pub fn resume_upload(
        &mut self,
        record: ResumeRecord,
        file: &Fingerprint,
        now: u64,
    ) -> Result<FileId, QueueError> {
        let r = (|| {
            if record.expired(now) {
                return Err(QueueError::Expired {
                    name: record.fingerprint.name.clone(),
                });
            }
            record.check(file)?;
            let plan = self.admit(&file.name, file.size, record.part_size)?;
            let done = record.confirmed_parts()?;
            let sched = Scheduler::resume(plan, self.limits.parts_per_file, &done)
                .map_err(QueueError::plain)?;
            let id = self.push(
                plan,
                sched,
                file.name.clone(),
                record.upload_id.clone(),
                now,
            );
            let item = self.items.last_mut().expect("just pushed");
            item.last_modified = file.last_modified;
            item.record = Some(record);
            item.persist = false;
            item.resumed = true;
            Ok(id)
        })();
        if let Err(e) = &r {
            self.events.push(Event::Refused {
                name: file.name.clone(),
                message: e.to_string(),
            });
        }
        r
    }

    fn item(&mut self, id: FileId) -> Result<&mut Item, QueueError> {
        self.items
            .iter_mut()
            .find(|i| i.id == id)
            .ok_or(QueueError::UnknownFile(id))
    }

    /// The part size and size of `file`, for [`Fingerprint::ranges`].
    pub fn plan_of(&self, id: FileId) -> Option<ChunkPlan> {
        self.items.iter().find(|i| i.id == id).map(|i| i.plan)
    }

    /// The host hashed `file`'s first and last part (`None`: it could not read them, and the
    /// file fails with that message).
    pub fn fingerprinted(
        &mut self,
        id: FileId,
        hashes: Result<(String, String), String>,
        params: &BTreeMap<String, ParamValue>,
        resource_type: &str,
        account: Option<&str>,
        now: u64,
    ) -> Vec<Effect> {
        let mut effects = Vec::new();
        let mut events = Vec::new();
        let chunk_size = self.limits.chunk_size;
        if let Ok(item) = self.item(id) {
            if item.state == FileState::Fingerprinting {
                match hashes {
                    Ok((head, tail)) => {
                        let record = ResumeRecord {
                            upload_id: item.upload_id.clone(),
                            fingerprint: Fingerprint {
                                name: item.name.clone(),
                                size: item.plan.total(),
                                last_modified: item.last_modified,
                                head_sha256: head,
                                tail_sha256: tail,
                            },
                            part_size: chunk_size,
                            confirmed: Vec::new(),
                            params: params.clone(),
                            resource_type: resource_type.to_owned(),
                            account: account.map(str::to_owned),
                            public_id: None,
                            created_ms: now,
                        };
                        effects.push(Effect::Persist {
                            key: record.key(),
                            json: record.to_json(),
                        });
                        item.record = Some(record);
                        item.persist = false;
                        item.state = FileState::Uploading;
                        events.push(Event::Progress(id));
                    }
                    Err(m) => {
                        item.fail(UploadError::Read(m).to_string(), &mut effects, &mut events)
                    }
                }
            }
        }
        self.events.append(&mut events);
        effects.extend(self.poll(now));
        effects
    }

    /// What to do now: parts to send, files to fingerprint, and when to call again.
    pub fn poll(&mut self, now: u64) -> Vec<Effect> {
        let mut effects = Vec::new();
        if let Some(until) = self.paused_until {
            if now < until {
                effects.push(Effect::WakeAt(until));
                return effects;
            }
            self.paused_until = None;
            self.events.push(Event::RateLimitOver);
        }
        // Parts whose backoff is over may go again.
        for item in &mut self.items {
            let sched = &mut item.sched;
            item.cooling.retain(|&(c, at)| {
                let ready = at <= now;
                if ready {
                    sched.failed(c);
                }
                !ready
            });
        }
        // Start files while there are free slots, one fingerprint at a time.
        let mut active = self.items.iter().filter(|i| i.active()).count() as u32;
        let mut hashing = self
            .items
            .iter()
            .any(|i| i.state == FileState::Fingerprinting);
        let mut started = false;
        for item in &mut self.items {
            if active >= self.limits.files_at_once {
                break;
            }
            if item.state != FileState::Queued || item.flying > 0 {
                continue;
            }
            if item.persist {
                if hashing {
                    continue;
                }
                hashing = true;
                item.state = FileState::Fingerprinting;
                effects.push(Effect::Fingerprint(item.id));
            } else {
                item.state = FileState::Uploading;
            }
            item.meter.sample(now, item.progress.confirmed);
            self.events.push(Event::Progress(item.id));
            active += 1;
            started = true;
        }
        if started {
            let confirmed = self.items.iter().map(|i| i.progress.confirmed).sum();
            self.meter.sample(now, confirmed);
        }
        // Parts of the uploading files.
        for item in self
            .items
            .iter_mut()
            .filter(|i| i.state == FileState::Uploading)
        {
            while let Step::Send(chunk) = item.sched.next_step() {
                item.attempts[chunk.index as usize] =
                    item.attempts[chunk.index as usize].saturating_add(1);
                item.progress.started(chunk);
                item.flying += 1;
                effects.push(Effect::Send {
                    file: item.id,
                    chunk,
                });
            }
        }
        if let Some(at) = self
            .items
            .iter()
            .flat_map(|i| i.cooling.iter().map(|c| c.1))
            .min()
        {
            effects.push(Effect::WakeAt(at));
        }
        effects
    }

    /// A part's attempt ended. `random` in `[0, 1)` is the backoff's jitter.
    pub fn part_done(
        &mut self,
        id: FileId,
        chunk: Chunk,
        outcome: Outcome,
        random: f64,
        now: u64,
    ) -> Vec<Effect> {
        let mut effects = Vec::new();
        let mut events = Vec::new();
        let retry = self.retry;
        let mut pause: Option<(u64, u16)> = None;
        let mut confirmed_bytes = 0;
        if let Ok(item) = self.item(id) {
            item.flying = item.flying.saturating_sub(1);
            if item.state.is_final() {
                // A late answer of a cancelled or failed file.
            } else {
                let parts = item.plan.count();
                let part = chunk.index + 1;
                match outcome {
                    Outcome::Confirmed(answer) => {
                        item.sched.confirmed(chunk);
                        item.progress.confirmed(chunk);
                        confirmed_bytes = chunk.len();
                        item.meter.sample(now, item.progress.confirmed);
                        if let Some(rec) = &mut item.record {
                            rec.confirmed.push((chunk.start, chunk.end));
                            if answer.public_id.is_some() {
                                rec.public_id.clone_from(&answer.public_id);
                            }
                        }
                        if answer.done {
                            item.state = FileState::Done;
                            item.result = Some(answer.body);
                            if let Some(rec) = item.record.take() {
                                effects.push(Effect::Forget(rec.key()));
                            }
                            events.push(Event::Done(id));
                        } else {
                            if let Some(rec) = &item.record {
                                effects.push(Effect::Persist {
                                    key: rec.key(),
                                    json: rec.to_json(),
                                });
                            }
                            events.push(Event::Progress(id));
                        }
                    }
                    Outcome::Fatal(e) => {
                        item.progress.failed(chunk);
                        item.sched.failed(chunk);
                        item.fail(e.to_string(), &mut effects, &mut events);
                    }
                    Outcome::Retryable {
                        failure,
                        message,
                        pause_ms,
                    } => {
                        item.progress.failed(chunk);
                        let i = chunk.index as usize;
                        let attempt = u32::from(item.attempts[i]);
                        let rate_limited =
                            matches!(failure, Failure::Status(420) | Failure::Status(429));
                        let delay = if rate_limited {
                            item.rate_answers[i] = item.rate_answers[i].saturating_add(1);
                            // A rate-limit answer is not an attempt of the part.
                            item.attempts[i] = item.attempts[i].saturating_sub(1);
                            let backoff = retry
                                .delay_ms(attempt.max(1), failure, random)
                                .unwrap_or(retry.max_delay_ms);
                            (u32::from(item.rate_answers[i]) <= MAX_RATE_LIMIT_ANSWERS)
                                .then(|| pause_ms.unwrap_or(backoff).min(MAX_RATE_LIMIT_PAUSE_MS))
                        } else {
                            retry.delay_ms(attempt, failure, random)
                        };
                        match delay {
                            Some(ms) => {
                                item.cooling.push((chunk, now + ms));
                                if let (true, Failure::Status(s)) = (rate_limited, failure) {
                                    pause = Some((now + ms, s));
                                }
                                events.push(Event::Progress(id));
                            }
                            None => {
                                item.sched.failed(chunk);
                                let e = match failure {
                                    Failure::Status(status) => UploadError::Rejected {
                                        part,
                                        parts,
                                        status,
                                        message,
                                    },
                                    Failure::Network => UploadError::Network {
                                        part,
                                        parts,
                                        attempts: attempt,
                                        message,
                                    },
                                };
                                item.fail(e.to_string(), &mut effects, &mut events);
                            }
                        }
                    }
                }
            }
        }
        if confirmed_bytes > 0 {
            let confirmed = self.summary(now).confirmed;
            self.meter.sample(now, confirmed);
        }
        if let Some((until, status)) = pause {
            if self.paused_until.map_or(true, |u| u < until) {
                self.paused_until = Some(until);
                events.push(Event::RateLimited { until, status });
            }
        }
        self.events.append(&mut events);
        effects.extend(self.poll(now));
        effects
    }

    /// Pauses `file` (`None`: every file): no new part goes; parts in flight finish.
    pub fn pause(&mut self, file: Option<FileId>) -> Result<(), QueueError> {
        self.each(file, |item, events| {
            if matches!(
                item.state,
                FileState::Queued | FileState::Uploading | FileState::Fingerprinting
            ) {
                item.state = FileState::Paused;
                events.push(Event::Progress(item.id));
            }
        })
    }

    /// Resumes a paused `file` (`None`: every paused file); it waits for a free slot.
    pub fn resume(&mut self, file: Option<FileId>, now: u64) -> Result<Vec<Effect>, QueueError> {
        self.each(file, |item, events| {
            if item.state == FileState::Paused {
                item.state = FileState::Queued;
                events.push(Event::Progress(item.id));
            }
        })?;
        Ok(self.poll(now))
    }

    /// Cancels `file` (`None`: every file not yet finished): its requests are aborted and its
    /// resume record removed.
    pub fn cancel(&mut self, file: Option<FileId>, now: u64) -> Result<Vec<Effect>, QueueError> {
        let mut effects = Vec::new();
        self.each(file, |item, events| {
            if !item.state.is_final() || item.record.is_some() {
                if item.flying > 0 && !item.state.is_final() {
                    effects.push(Effect::Abort(item.id));
                }
                if let Some(rec) = item.record.take() {
                    effects.push(Effect::Forget(rec.key()));
                }
                if !item.state.is_final() {
                    item.state = FileState::Cancelled;
                    item.cooling.clear();
                    events.push(Event::Cancelled(item.id));
                }
            }
        })?;
        effects.extend(self.poll(now));
        Ok(effects)
    }

    fn each(
        &mut self,
        file: Option<FileId>,
        mut f: impl FnMut(&mut Item, &mut Vec<Event>),
    ) -> Result<(), QueueError> {
        let mut events = Vec::new();
        match file {
            Some(id) => f(self.item(id)?, &mut events),
            None => self.items.iter_mut().for_each(|i| f(i, &mut events)),
        }
        self.events.append(&mut events);
        Ok(())
    }

    /// The events since the last call.
    pub fn take_events(&mut self) -> Vec<Event> {
        std::mem::take(&mut self.events)
    }

    /// `file`'s `X-Unique-Upload-Id` and resume record's public id.
    pub fn upload_id(&self, id: FileId) -> Option<&str> {
        self.items
            .iter()
            .find(|i| i.id == id)
            .map(|i| i.upload_id.as_str())
    }

    /// The record of a resumed file (its params, resource type and account are signed again).
    pub fn record(&self, id: FileId) -> Option<&ResumeRecord> {
        self.items.iter().find(|i| i.id == id)?.record.as_ref()
    }

    /// The completed upload's answer (`public_id`, `version`, `secure_url`...) of a done file.
    pub fn result(&self, id: FileId) -> Option<&Value> {
        self.items.iter().find(|i| i.id == id)?.result.as_ref()
    }

    /// One file's status.
    pub fn status(&self, id: FileId, now: u64) -> Option<FileStatus> {
        let i = self.items.iter().find(|i| i.id == id)?;
        let rate = if i.state == FileState::Uploading {
            i.meter.rate(now)
        } else {
            0
        };
        Some(FileStatus {
            id,
            name: i.name.clone(),
            state: i.state,
            progress: i.progress,
            rate,
            eta_ms: eta(i.progress.total - i.progress.confirmed, rate),
            upload_id: i.upload_id.clone(),
            public_id: i.record.as_ref().and_then(|r| r.public_id.clone()),
            error: i.error.clone(),
            resumed: i.resumed,
        })
    }

    /// Every file's id, in the order added.
    pub fn ids(&self) -> Vec<FileId> {
        self.items.iter().map(|i| i.id).collect()
    }

    /// The whole queue's status.
    pub fn summary(&self, now: u64) -> Summary {
        let (queued_files, queued_bytes) = self.queued();
        let live = || {
            self.items
                .iter()
                .filter(|i| i.state != FileState::Cancelled)
        };
        let total = live().map(|i| i.plan.total()).sum();
        let confirmed = live().map(|i| i.progress.confirmed).sum();
        let remaining: u64 = self
            .items
            .iter()
            .filter(|i| !i.state.is_final())
            .map(|i| i.progress.total - i.progress.confirmed)
            .sum();
        let rate = self.meter.rate(now);
        Summary {
            queued_files,
            queued_bytes,
            total,
            confirmed,
            uploading: self
                .items
                .iter()
                .filter(|i| i.state == FileState::Uploading)
                .count() as u32,
            in_flight: self.items.iter().map(|i| i.flying).sum(),
            rate,
            eta_ms: eta(remaining, rate),
            paused_until: self.paused_until,
        }
    }
}

fn eta(remaining: u64, rate: u64) -> Option<u64> {
    (rate > 0).then(|| remaining.saturating_mul(1000) / rate)
}

/// The pause a 420/429 answer asks for, in ms from `now` (ms since the epoch): `Retry-After`
/// (seconds, or an HTTP date), else Cloudinary's `X-FeatureRateLimit-Reset` / a
/// `X-RateLimit-Reset` (an HTTP date, Unix seconds, or seconds from now). `None` when neither
/// is present or readable (the queue then pauses for the part's backoff).
pub fn rate_limit_pause_ms(
    retry_after: Option<&str>,
    reset: Option<&str>,
    now: u64,
) -> Option<u64> {
    let read = |v: &str| {
        let v = v.trim();
        if let Ok(n) = v.parse::<u64>() {
            // A value past 2001-09-09 in seconds is a Unix time, anything smaller a delay.
            return Some(if n >= 1_000_000_000 {
                (n * 1000).saturating_sub(now)
            } else {
                n.saturating_mul(1000)
            });
        }
        http_date_ms(v).map(|t| t.saturating_sub(now))
    };
    retry_after.and_then(read).or_else(|| reset.and_then(read))
}

/// An HTTP date (`Sun, 06 Nov 1994 08:49:37 GMT`, RFC 9110's IMF-fixdate) in ms since the epoch.
pub fn http_date_ms(s: &str) -> Option<u64> {
    let mut w = s.split_whitespace();
    let _day = w.next()?;
    let d: u64 = w.next()?.parse().ok()?;
    let month = w.next()?;
    let y: u64 = w.next()?.parse().ok()?;
    let mut hms = w.next()?.split(':').map(|p| p.parse::<u64>().ok());
    let (h, mi, sec) = (hms.next()??, hms.next()??, hms.next()??);
    if w.next()? != "GMT" || !(1..=31).contains(&d) || h > 23 || mi > 59 || sec > 60 || y < 1970 {
        return None;
    }
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let m = MONTHS.iter().position(|x| *x == month)? as u64 + 1;
    // Days from the civil date (Howard Hinnant's algorithm), for years from 1970.
    let (y, m) = if m <= 2 { (y - 1, m + 9) } else { (y, m - 3) };
    let era = y / 400;
    let yoe = y - era * 400;
    let doy = (153 * m + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(((days * 24 + h) * 60 + mi) * 60_000 + sec * 1000)
}

#[cfg(test)]
mod tests;
