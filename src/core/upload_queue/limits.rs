//! The queue's documented limits ([`QueueLimits`], every bound a constant) and its refusals
//! ([`QueueError`], each message exact).

use super::*;
use alloc::string::String;

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
    pub(super) fn plain(error: UploadError) -> Self {
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

impl core::error::Error for QueueError {}
