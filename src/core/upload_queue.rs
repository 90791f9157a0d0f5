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
//!
//! Layout: the limits and refusals in `limits`, the resume record and fingerprint in `record`,
//! the rate-limit headers in `rate_limit`; this file keeps the queue's types and its one state
//! machine (about 850 lines), whose transitions share the private state of `Queue` and `Item`
//! and read best in one place.

use alloc::collections::VecDeque;
use alloc::{
    borrow::ToOwned,
    string::{String, ToString},
    vec::Vec,
};
use core::fmt;

use crate::core::json::{self, Map, Value};
use crate::core::sign::ParamValue;
use crate::core::upload::{
    params_json, Chunk, ChunkAnswer, ChunkPlan, Failure, Progress, RetryPolicy, Scheduler, Step,
    UploadError, DEFAULT_CHUNK_SIZE, DEFAULT_CONCURRENCY, MAX_CONCURRENCY,
};

mod limits;
pub use limits::*;

mod rate_limit;
mod record;
pub use rate_limit::{http_date_ms, rate_limit_pause_ms};
pub use record::{Fingerprint, ResumeRecord};

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
        params: &Map<String, ParamValue>,
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
        core::mem::take(&mut self.events)
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

#[cfg(test)]
mod tests;
