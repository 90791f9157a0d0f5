//! Chunked upload of large files (reference §4), as pure logic: the chunk plan, the order in
//! which chunks may be sent, the retry policy, progress accounting, the parameters the signer
//! signs for each chunk and the reading of Cloudinary's answers. No I/O and no clock: the host
//! (`host::upload`) reads the file, sends the requests, sleeps and passes random values in.
//!
//! Cloudinary's protocol (support article 208263735):
//!
//! * every part is a normal multipart POST to `/v1_1/<cloud>/<resource_type>/upload` with the
//!   same parameters, one `X-Unique-Upload-Id` header for the whole upload and
//!   `Content-Range: bytes <start>-<end>/<total>`;
//! * every part except the last is at least 5 MB; one request carries at most 100 MB;
//! * the last part is sent only after all the others have returned.
//!
//! This module also sends the first part alone, so that a `public_id` Cloudinary generates can
//! be carried into every later part (as the Python and PHP SDKs do).

use alloc::{borrow::ToOwned, string::String, vec::Vec};
use core::fmt;

use crate::core::json::{Map, Value};

use crate::core::sign::ParamValue;

/// The official SDKs' default chunk size (npm, Python, PHP, Java): 20,000,000 bytes.
pub const DEFAULT_CHUNK_SIZE: u64 = 20_000_000;
/// The smallest part Cloudinary accepts, except for the last (`All parts except EOF-chunk must
/// be larger than 5mb`). 5 MiB, so that "5 MB" in either unit is met.
pub const MIN_CHUNK_SIZE: u64 = 5 * 1024 * 1024;
/// The most one Upload API request may carry (100 MB).
pub const MAX_CHUNK_SIZE: u64 = 100_000_000;
/// Middle parts in flight at once unless configured.
pub const DEFAULT_CONCURRENCY: u32 = 2;
/// The most middle parts in flight at once that the uploader allows (memory: each holds a
/// slice of the file while it is sent).
pub const MAX_CONCURRENCY: u32 = 8;
/// The resource types of the Upload API path.
pub const RESOURCE_TYPES: [&str; 4] = ["image", "video", "raw", "auto"];
/// Parameters the uploader sets itself, which the caller may not give.
pub const RESERVED_PARAMS: [&str; 6] = [
    "file",
    "api_key",
    "signature",
    "timestamp",
    "resource_type",
    "cloud_name",
];

/// Why an upload cannot start, or stopped.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum UploadError {
    /// The file has no bytes.
    EmptyFile,
    /// The configured chunk size is outside Cloudinary's limits.
    ChunkSizeOutOfRange {
        /// The configured size.
        chunk_size: u64,
    },
    /// The file is larger than the account accepts.
    FileTooLarge {
        /// The file's size.
        size: u64,
        /// The account's limit.
        limit: u64,
    },
    /// The number of middle parts in flight is 0 or above [`MAX_CONCURRENCY`].
    ConcurrencyOutOfRange {
        /// The configured value.
        concurrency: u32,
    },
    /// Not one of [`RESOURCE_TYPES`].
    BadResourceType(String),
    /// A parameter the uploader sets itself, or an empty name.
    ReservedParam(String),
    /// Cloudinary answered 2xx with a body that is not the expected JSON.
    BadResponse {
        /// 1-based part number.
        part: u32,
        /// Number of parts.
        parts: u32,
        /// What is wrong.
        detail: String,
    },
    /// Cloudinary refused a part (non-2xx); its `error.message` is passed on.
    Rejected {
        /// 1-based part number.
        part: u32,
        /// Number of parts.
        parts: u32,
        /// HTTP status.
        status: u16,
        /// Cloudinary's message (e.g. `Invalid Signature ... String to sign - '...'.`).
        message: String,
    },
    /// A part got no answer after every attempt (network error or timeout).
    Network {
        /// 1-based part number.
        part: u32,
        /// Number of parts.
        parts: u32,
        /// Attempts made.
        attempts: u32,
        /// The last failure.
        message: String,
    },
    /// The signer gave no signature (its message, which never holds a secret).
    Signer(String),
    /// The host cancelled the upload (or dropped its handle).
    Cancelled,
    /// The file could not be read.
    Read(String),
}

impl fmt::Display for UploadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UploadError::EmptyFile => f.write_str("the file is empty (0 bytes): there is nothing to upload"),
            UploadError::ChunkSizeOutOfRange { chunk_size } => write!(
                f,
                "chunk size {chunk_size} bytes is out of range: Cloudinary accepts {MIN_CHUNK_SIZE} to {MAX_CHUNK_SIZE} bytes per part"
            ),
            UploadError::FileTooLarge { size, limit } => write!(
                f,
                "the file is {size} bytes, over the account's limit of {limit} bytes per file"
            ),
            UploadError::ConcurrencyOutOfRange { concurrency } => write!(
                f,
                "{concurrency} parts in flight is out of range: choose 1 to {MAX_CONCURRENCY}"
            ),
            UploadError::BadResourceType(t) => write!(
                f,
                "resource type \"{t}\" is not one of image, video, raw, auto"
            ),
            UploadError::ReservedParam(p) if p.is_empty() => f.write_str("an upload parameter has an empty name"),
            UploadError::ReservedParam(p) => write!(
                f,
                "upload parameter \"{p}\" is set by the uploader and may not be given"
            ),
            UploadError::BadResponse { part, parts, detail } => write!(
                f,
                "Cloudinary's answer to part {part} of {parts} is not a valid upload response: {detail}"
            ),
            UploadError::Rejected { part, parts, status, message } => write!(
                f,
                "Cloudinary refused part {part} of {parts} (HTTP {status}): {message}"
            ),
            UploadError::Network { part, parts, attempts, message } => write!(
                f,
                "part {part} of {parts} got no answer after {attempts} attempts: {message}"
            ),
            UploadError::Signer(m) => write!(f, "no upload signature: {m}"),
            UploadError::Cancelled => f.write_str("the upload was cancelled"),
            UploadError::Read(m) => write!(f, "the file could not be read: {m}"),
        }
    }
}

impl core::error::Error for UploadError {}

/// One part of the file: bytes `start..=end`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Chunk {
    /// 0-based index.
    pub index: u32,
    /// First byte (inclusive).
    pub start: u64,
    /// Last byte (inclusive).
    pub end: u64,
    /// The file's size.
    pub total: u64,
}

impl Chunk {
    /// Bytes in this part.
    pub const fn len(&self) -> u64 {
        self.end - self.start + 1
    }

    /// Never true: a part has at least one byte. (For clippy's `len_without_is_empty`.)
    pub const fn is_empty(&self) -> bool {
        false
    }

    /// The `Content-Range` header value: `bytes <start>-<end>/<total>`.
    pub fn content_range(&self) -> String {
        format!("bytes {}-{}/{}", self.start, self.end, self.total)
    }

    /// Whether this is the file's last part.
    pub const fn is_last(&self) -> bool {
        self.end + 1 == self.total
    }
}

/// How a file is split.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChunkPlan {
    total: u64,
    chunk_size: u64,
    count: u32,
}

impl ChunkPlan {
    /// Splits `total` bytes into parts of `chunk_size` (the last holds the remainder).
    /// `max_file_bytes` is the account's per-file limit, when the host knows it.
    pub fn new(
        total: u64,
        chunk_size: u64,
        max_file_bytes: Option<u64>,
    ) -> Result<Self, UploadError> {
        if total == 0 {
            return Err(UploadError::EmptyFile);
        }
        if !(MIN_CHUNK_SIZE..=MAX_CHUNK_SIZE).contains(&chunk_size) {
            return Err(UploadError::ChunkSizeOutOfRange { chunk_size });
        }
        if let Some(limit) = max_file_bytes {
            if total > limit {
                return Err(UploadError::FileTooLarge { size: total, limit });
            }
        }
        let count = total.div_ceil(chunk_size);
        let count = u32::try_from(count).map_err(|_| UploadError::FileTooLarge {
            size: total,
            limit: chunk_size * u64::from(u32::MAX),
        })?;
        Ok(ChunkPlan {
            total,
            chunk_size,
            count,
        })
    }

    /// The file's size.
    pub const fn total(&self) -> u64 {
        self.total
    }

    /// The size of every part but the last.
    pub const fn chunk_size(&self) -> u64 {
        self.chunk_size
    }

    /// Number of parts.
    pub const fn count(&self) -> u32 {
        self.count
    }

    /// Part `index` (0-based). Panics if `index >= count()`.
    pub fn chunk(&self, index: u32) -> Chunk {
        assert!(
            index < self.count,
            "part {index} of a {}-part plan",
            self.count
        );
        let start = u64::from(index) * self.chunk_size;
        let end = (start + self.chunk_size).min(self.total) - 1;
        Chunk {
            index,
            start,
            end,
            total: self.total,
        }
    }

    /// Every part, in order.
    pub fn chunks(&self) -> impl Iterator<Item = Chunk> + '_ {
        (0..self.count).map(|i| self.chunk(i))
    }
}

/// What the uploader should do next, from [`Scheduler::next_step`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// Send this part now.
    Send(Chunk),
    /// Wait for a part in flight to return.
    Wait,
    /// Every part has been confirmed.
    Done,
}

/// The order of parts: the first alone (its answer may carry a generated `public_id`), then
/// the middle parts with at most `concurrency` in flight, then the last one alone after all
/// the others have returned. A failed part is sent again before any new one (the lowest part
/// not yet confirmed goes first). A resumed upload ([`Scheduler::resume`]) skips the parts
/// Cloudinary already confirmed.
#[derive(Clone, Debug)]
pub struct Scheduler {
    plan: ChunkPlan,
    concurrency: u32,
    /// Per part: [`TODO`], [`FLYING`] or [`DONE`].
    parts: Vec<u8>,
    /// The lowest part that may still be [`TODO`].
    low: u32,
    in_flight: u32,
    confirmed: u32,
}

const TODO: u8 = 0;
const FLYING: u8 = 1;
const DONE: u8 = 2;

impl Scheduler {
    /// A scheduler for `plan`, with `concurrency` middle parts in flight at most.
    pub fn new(plan: ChunkPlan, concurrency: u32) -> Result<Self, UploadError> {
        Self::resume(plan, concurrency, &[])
    }

    /// A scheduler for an upload whose parts `confirmed` (0-based indices) Cloudinary already
    /// confirmed; indices outside the plan are ignored.
    pub fn resume(
        plan: ChunkPlan,
        concurrency: u32,
        confirmed: &[u32],
    ) -> Result<Self, UploadError> {
        if concurrency == 0 || concurrency > MAX_CONCURRENCY {
            return Err(UploadError::ConcurrencyOutOfRange { concurrency });
        }
        let mut parts = vec![TODO; plan.count() as usize];
        for &i in confirmed {
            if let Some(p) = parts.get_mut(i as usize) {
                *p = DONE;
            }
        }
        let confirmed = parts.iter().filter(|p| **p == DONE).count() as u32;
        Ok(Scheduler {
            plan,
            concurrency,
            parts,
            low: 0,
            in_flight: 0,
            confirmed,
        })
    }

    /// The next step; a `Send` marks the part in flight.
    pub fn next_step(&mut self) -> Step {
        let count = self.plan.count();
        if self.confirmed == count {
            return Step::Done;
        }
        let first_done = self.parts[0] == DONE;
        let limit = if first_done { self.concurrency } else { 1 };
        if self.in_flight >= limit {
            return Step::Wait;
        }
        while self.low < count && self.parts[self.low as usize] != TODO {
            self.low += 1;
        }
        let Some(index) = (self.low..count).find(|&i| self.parts[i as usize] == TODO) else {
            return Step::Wait;
        };
        let is_last = index + 1 == count;
        // The first part alone; the last part only once every other part is confirmed.
        if (index != 0 && !first_done)
            || (is_last && count > 1 && (self.confirmed + 1 < count || self.in_flight > 0))
        {
            return Step::Wait;
        }
        self.parts[index as usize] = FLYING;
        self.in_flight += 1;
        Step::Send(self.plan.chunk(index))
    }

    /// `chunk` returned successfully.
    pub fn confirmed(&mut self, chunk: Chunk) {
        self.in_flight -= 1;
        self.confirmed += 1;
        self.parts[chunk.index as usize] = DONE;
    }

    /// `chunk` failed and will be sent again (after the host's backoff).
    pub fn failed(&mut self, chunk: Chunk) {
        self.in_flight -= 1;
        self.parts[chunk.index as usize] = TODO;
        self.low = self.low.min(chunk.index);
    }

    /// Parts in flight.
    pub const fn in_flight(&self) -> u32 {
        self.in_flight
    }

    /// Parts confirmed.
    pub const fn confirmed_count(&self) -> u32 {
        self.confirmed
    }

    /// Whether part `index` is confirmed.
    pub fn is_confirmed(&self, index: u32) -> bool {
        self.parts.get(index as usize) == Some(&DONE)
    }
}

/// What a failed attempt was.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    /// An HTTP status other than 2xx.
    Status(u16),
    /// No answer: network error, connection reset or the per-request timeout.
    Network,
}

/// When to try a part again, and after how long.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts per part, the first included (1 = never retry).
    pub max_attempts: u32,
    /// The delay before the first retry, before jitter.
    pub base_delay_ms: u64,
    /// The longest delay.
    pub max_delay_ms: u64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            base_delay_ms: 500,
            max_delay_ms: 30_000,
        }
    }
}

impl RetryPolicy {
    /// Whether a failure may succeed when tried again: network errors and timeouts, 408, 420
    /// and 429 (rate limits), 500, 502, 503, 504. Every other status (400 invalid signature or
    /// parameter, 401, 403, 404, 413...) will fail the same way again.
    pub const fn is_retryable(failure: Failure) -> bool {
        match failure {
            Failure::Network => true,
            Failure::Status(s) => matches!(s, 408 | 420 | 429 | 500 | 502 | 503 | 504),
        }
    }

    /// The delay before attempt `attempt + 1` after attempt `attempt` (1-based) failed with
    /// `failure`, or `None` when the part must not be tried again. Exponential backoff with
    /// "equal jitter": half of `min(max, base * 2^(attempt-1))` plus `random` (in `[0, 1)`,
    /// from the host) times the other half.
    pub fn delay_ms(&self, attempt: u32, failure: Failure, random: f64) -> Option<u64> {
        if !Self::is_retryable(failure) || attempt >= self.max_attempts {
            return None;
        }
        let exp = attempt.saturating_sub(1).min(32);
        let ceiling = self
            .base_delay_ms
            .saturating_mul(1u64 << exp)
            .min(self.max_delay_ms);
        let random = if random.is_finite() {
            random.clamp(0.0, 1.0)
        } else {
            0.0
        };
        let half = ceiling / 2;
        Some(half + ((ceiling - half) as f64 * random) as u64)
    }
}

/// Bytes confirmed by Cloudinary versus bytes in flight.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Progress {
    /// The file's size.
    pub total: u64,
    /// Bytes of parts Cloudinary confirmed.
    pub confirmed: u64,
    /// Bytes of parts being sent.
    pub in_flight: u64,
    /// Parts confirmed.
    pub parts_done: u32,
    /// Number of parts.
    pub parts: u32,
}

impl Progress {
    /// Nothing sent yet.
    pub const fn new(plan: &ChunkPlan) -> Self {
        Progress {
            total: plan.total(),
            confirmed: 0,
            in_flight: 0,
            parts_done: 0,
            parts: plan.count(),
        }
    }

    /// A part is being sent.
    pub fn started(&mut self, chunk: Chunk) {
        self.in_flight += chunk.len();
    }

    /// A part was confirmed.
    pub fn confirmed(&mut self, chunk: Chunk) {
        self.in_flight -= chunk.len();
        self.confirmed += chunk.len();
        self.parts_done += 1;
    }

    /// A part failed (it will be counted again when resent).
    pub fn failed(&mut self, chunk: Chunk) {
        self.in_flight -= chunk.len();
    }

    /// Confirmed share, 0.0 to 1.0.
    pub fn fraction(&self) -> f64 {
        if self.total == 0 {
            0.0
        } else {
            self.confirmed as f64 / self.total as f64
        }
    }
}

/// The caller's upload parameters, validated: what the signer signs for every part (the
/// signer adds `timestamp`), plus a `public_id` Cloudinary generated once it is known.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UploadParams {
    params: Map<String, ParamValue>,
    resource_type: String,
}

impl UploadParams {
    /// Validates `params` (none of [`RESERVED_PARAMS`], no empty name) and `resource_type`.
    pub fn new(params: Map<String, ParamValue>, resource_type: &str) -> Result<Self, UploadError> {
        if !RESOURCE_TYPES.contains(&resource_type) {
            return Err(UploadError::BadResourceType(resource_type.to_owned()));
        }
        if let Some(k) = params
            .keys()
            .find(|k| k.is_empty() || RESERVED_PARAMS.contains(&k.as_str()))
        {
            return Err(UploadError::ReservedParam(k.clone()));
        }
        let mut out = UploadParams {
            params,
            resource_type: resource_type.to_owned(),
        };
        out.never_overwrite_by_default();
        Ok(out)
    }

    /// Cloudinary's signed uploads replace an existing asset of the same public id by default.
    /// Whenever the upload names its public id (given by the caller) and the caller did not
    /// decide, ask for `overwrite=false`: an upload never
    /// silently replaces someone else's asset, and the signer's policy for non-admin roles
    /// requires exactly that.
    fn never_overwrite_by_default(&mut self) {
        if self.params.contains_key("public_id") && !self.params.contains_key("overwrite") {
            self.params
                .insert("overwrite".into(), ParamValue::Text("false".into()));
        }
    }

    /// The resource type of the path.
    pub fn resource_type(&self) -> &str {
        &self.resource_type
    }

    /// What the signer signs (and the request posts, with `timestamp`, `api_key`, `signature`).
    pub fn to_sign(&self) -> &Map<String, ParamValue> {
        &self.params
    }

    /// `Path` of the upload endpoint: `<api base>/v1_1/<cloud>/<resource_type>/upload`.
    pub fn endpoint(&self, api_base: &str, cloud_name: &str) -> String {
        format!(
            "{}/v1_1/{cloud_name}/{}/upload",
            api_base.trim_end_matches('/'),
            self.resource_type
        )
    }
}

/// Upload parameters as JSON (a list as an array): what the signer is asked to sign, and what a
/// resume record keeps.
pub fn params_json(params: &Map<String, ParamValue>) -> Map<String, Value> {
    params
        .iter()
        .map(|(k, v)| {
            let v = match v {
                ParamValue::Text(s) => Value::String(s.clone()),
                ParamValue::List(l) => Value::Array(l.iter().cloned().map(Value::String).collect()),
            };
            (k.clone(), v)
        })
        .collect()
}

/// A unique `X-Unique-Upload-Id` from 16 random bytes the host gives (`crypto.getRandomValues`):
/// 32 lower-case hex digits.
pub fn unique_upload_id(random: [u8; 16]) -> String {
    random.iter().map(|b| format!("{b:02x}")).collect()
}

mod answer;
pub use answer::{read_answer, ChunkAnswer};

#[cfg(test)]
mod tests;
