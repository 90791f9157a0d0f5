//! The upload queue's native tests: limits, refusals, rate-limit pauses, retries, resume
//! records, pause/resume/cancel, rate and ETA, and the memory bound. One file of about 800
//! lines: every test drives the same small harness (`limits`, `file`, `ok`, `fp`) through the
//! queue's whole state machine, and the module they test is one state machine too
//! (see `core::upload_queue`).

use super::*;
use crate::core::upload::MIN_CHUNK_SIZE;
use std::collections::HashMap;

const MB5: u64 = MIN_CHUNK_SIZE;

fn limits(max_files: u32, files_at_once: u32, parts_per_file: u32) -> QueueLimits {
    QueueLimits {
        max_files,
        files_at_once,
        parts_per_file,
        chunk_size: MB5,
        ..QueueLimits::default()
    }
}

fn file(name: &str, size: u64) -> NewFile {
    NewFile {
        name: name.to_owned(),
        size,
        last_modified: 1_700_000_000_000,
        upload_id: format!("id-{name}"),
    }
}

fn ok(done: bool) -> Outcome {
    Outcome::Confirmed(ChunkAnswer {
        public_id: Some("gen123".into()),
        done,
        body: Value::Null,
    })
}

fn fp(name: &str, size: u64) -> Fingerprint {
    Fingerprint {
        name: name.into(),
        size,
        last_modified: 1_700_000_000_000,
        head_sha256: "aa".into(),
        tail_sha256: "bb".into(),
    }
}

/// A host that answers every part in the order sent; `answer` chooses each outcome. Checks the
/// bounds at every step and returns the log of sends and the peak parts in flight.
struct Sim {
    q: Queue,
    now: u64,
    flying: VecDeque<(FileId, Chunk)>,
    sends: Vec<(FileId, u32)>,
    peak: usize,
    peak_files: usize,
    storage: HashMap<String, String>,
    wake: Option<u64>,
}

impl Sim {
    fn new(q: Queue) -> Self {
        Sim {
            q,
            now: 1_000,
            flying: VecDeque::new(),
            sends: Vec::new(),
            peak: 0,
            peak_files: 0,
            storage: HashMap::new(),
            wake: None,
        }
    }

    fn apply(&mut self, effects: Vec<Effect>) {
        for e in effects {
            match e {
                Effect::Send { file, chunk } => {
                    self.sends.push((file, chunk.index));
                    self.flying.push_back((file, chunk));
                }
                Effect::Fingerprint(id) => {
                    let effects = self.q.fingerprinted(
                        id,
                        Ok(("aa".into(), "bb".into())),
                        &Map::new(),
                        "auto",
                        None,
                        self.now,
                    );
                    self.apply(effects);
                }
                Effect::Persist { key, json } => {
                    self.storage.insert(key, json);
                }
                Effect::Forget(key) => {
                    self.storage.remove(&key);
                }
                Effect::Abort(id) => self.flying.retain(|(f, _)| *f != id),
                Effect::WakeAt(t) => self.wake = Some(t),
            }
        }
        let limits = *self.q.limits();
        self.peak = self.peak.max(self.flying.len());
        let mut files: Vec<FileId> = self.flying.iter().map(|f| f.0).collect();
        files.dedup();
        files.sort_unstable();
        files.dedup();
        self.peak_files = self.peak_files.max(files.len());
        assert!(files.len() <= limits.files_at_once as usize);
        assert!(self.flying.len() <= (limits.files_at_once * limits.parts_per_file) as usize);
    }

    /// Runs until nothing is in flight and no wake-up is pending.
    fn run(&mut self, mut answer: impl FnMut(FileId, Chunk, u32) -> Outcome) {
        let mut n = 0;
        loop {
            if let Some((file, chunk)) = self.flying.pop_front() {
                n += 1;
                self.now += 10;
                let outcome = answer(file, chunk, n);
                let effects = self.q.part_done(file, chunk, outcome, 0.5, self.now);
                self.apply(effects);
            } else if let Some(t) = self.wake.take() {
                self.now = self.now.max(t);
                let effects = self.q.poll(self.now);
                self.apply(effects);
                if self.flying.is_empty() && self.wake == Some(self.now) {
                    panic!("woken with nothing to do at {}", self.now);
                }
            } else {
                return;
            }
        }
    }
}

fn last(_: FileId, chunk: Chunk, _: u32) -> Outcome {
    ok(chunk.is_last())
}

#[test]
fn limits_out_of_range_are_refused_with_their_bounds() {
    let bad = |l: QueueLimits| {
        Queue::new(l, RetryPolicy::default(), false)
            .unwrap_err()
            .to_string()
    };
    assert_eq!(
        bad(QueueLimits {
            max_files: 0,
            ..QueueLimits::default()
        }),
        "upload queue: maxFiles 0 is out of range: choose 1 to 1000"
    );
    assert_eq!(
        bad(QueueLimits {
            max_files: 1001,
            ..QueueLimits::default()
        }),
        "upload queue: maxFiles 1001 is out of range: choose 1 to 1000"
    );
    assert_eq!(
        bad(QueueLimits {
            max_bytes: MAX_MAX_BYTES + 1,
            ..QueueLimits::default()
        }),
        "upload queue: maxBytes 1000000000001 is out of range: choose 1 to 1000000000000"
    );
    assert_eq!(
        bad(QueueLimits {
            files_at_once: 7,
            ..QueueLimits::default()
        }),
        "upload queue: filesAtOnce 7 is out of range: choose 1 to 6"
    );
    assert_eq!(
        bad(QueueLimits {
            parts_per_file: 0,
            ..QueueLimits::default()
        }),
        "upload queue: concurrency 0 is out of range: choose 1 to 8"
    );
    assert_eq!(
        bad(QueueLimits { chunk_size: 10, ..QueueLimits::default() }),
        "upload queue: chunk size 10 bytes is out of range: Cloudinary accepts 5242880 to 100000000 bytes per part"
    );
    let max = QueueLimits {
        max_files: MAX_MAX_FILES,
        max_bytes: MAX_MAX_BYTES,
        files_at_once: MAX_FILES_AT_ONCE,
        parts_per_file: MAX_CONCURRENCY,
        chunk_size: 100_000_000,
    };
    assert!(Queue::new(max, RetryPolicy::default(), false).is_ok());
}

#[test]
fn fifty_files_into_forty_places_refuses_ten_and_uploads_forty() {
    let q = Queue::new(limits(40, 3, 2), RetryPolicy::default(), false).unwrap();
    let mut sim = Sim::new(q);
    let files: Vec<NewFile> = (0..50)
        .map(|i| file(&format!("f{i:02}.bin"), 3 * MB5 + 1 + i))
        .collect();
    let added = sim.q.add(files, sim.now);
    let refused: Vec<String> = added
        .iter()
        .filter_map(|r| r.as_ref().err())
        .map(|e| e.to_string())
        .collect();
    assert_eq!(added.iter().filter(|r| r.is_ok()).count(), 40);
    assert_eq!(refused.len(), 10);
    assert_eq!(
        refused[0],
        "\"f40.bin\" was not queued: the queue already holds 40 files, its limit"
    );
    let events = sim.q.take_events();
    assert_eq!(
        events
            .iter()
            .filter(|e| matches!(e, Event::Added(_)))
            .count(),
        40
    );
    assert!(events.contains(&Event::Refused {
        name: "f49.bin".into(),
        message: "\"f49.bin\" was not queued: the queue already holds 40 files, its limit".into()
    }));
    let effects = sim.q.poll(sim.now);
    sim.apply(effects);
    sim.run(last);
    let ids = sim.q.ids();
    assert_eq!(ids.len(), 40);
    for id in ids {
        let s = sim.q.status(id, sim.now).unwrap();
        assert_eq!(s.state, FileState::Done, "{s:?}");
        assert_eq!(s.progress.confirmed, s.progress.total);
    }
    // Every part sent exactly once, at most 3 files and 6 parts at once, and all of them used.
    assert_eq!(sim.sends.len(), 40 * 4);
    assert_eq!((sim.peak_files, sim.peak), (3, 6));
    let s = sim.q.summary(sim.now);
    assert_eq!((s.queued_files, s.queued_bytes, s.in_flight), (0, 0, 0));
    // Once done, files no longer count: ten more fit.
    let again = sim.q.add(
        (0..10).map(|i| file(&format!("g{i}"), 1)).collect(),
        sim.now,
    );
    assert!(again.iter().all(Result::is_ok));
}

#[test]
fn the_byte_limit_and_unusable_files_refuse_only_the_file() {
    let l = QueueLimits {
        max_bytes: 10 * MB5,
        ..limits(10, 1, 1)
    };
    let mut q = Queue::new(l, RetryPolicy::default(), false).unwrap();
    let r = q.add(
        vec![
            file("a", 6 * MB5),
            file("b", 5 * MB5),
            file("empty", 0),
            file("c", 4 * MB5),
        ],
        0,
    );
    assert!(r[0].is_ok() && r[3].is_ok());
    assert_eq!(
        r[1].as_ref().unwrap_err().to_string(),
        "\"b\" was not queued: its 26214400 bytes would take the queue from 31457280 to 57671680 bytes, over its limit of 52428800 bytes"
    );
    assert_eq!(
        r[2].as_ref().unwrap_err().to_string(),
        "\"empty\" was not queued: the file is empty (0 bytes): there is nothing to upload"
    );
    assert_eq!(q.summary(0).queued_bytes, 10 * MB5);
}

#[test]
fn a_rate_limit_pauses_the_whole_queue_for_retry_after_then_continues() {
    let q = Queue::new(limits(10, 2, 2), RetryPolicy::default(), false).unwrap();
    let mut sim = Sim::new(q);
    sim.q
        .add(vec![file("a", 4 * MB5), file("b", 4 * MB5)], sim.now);
    let e = sim.q.poll(sim.now);
    sim.apply(e);
    let mut limited_at = None;
    sim.run(|_, chunk, n| {
        if n == 3 {
            limited_at = Some(n);
            Outcome::Retryable {
                failure: Failure::Status(429),
                message: "Rate limit exceeded".into(),
                pause_ms: Some(7_000),
            }
        } else {
            ok(chunk.is_last())
        }
    });
    assert!(limited_at.is_some());
    let events = sim.q.take_events();
    let paused = events.iter().find_map(|e| match e {
        Event::RateLimited { until, status } => Some((*until, *status)),
        _ => None,
    });
    // The third answer came at t = 1000 + 3*10; the queue waits 7 s from there.
    assert_eq!(paused, Some((1_030 + 7_000, 429)));
    assert!(events.contains(&Event::RateLimitOver));
    for id in sim.q.ids() {
        assert_eq!(sim.q.status(id, sim.now).unwrap().state, FileState::Done);
    }
    // 8 parts + the one resent.
    assert_eq!(sim.sends.len(), 9);
}

#[test]
fn nothing_is_sent_while_the_queue_is_paused_for_a_rate_limit() {
    let mut q = Queue::new(limits(10, 2, 2), RetryPolicy::default(), false).unwrap();
    q.add(vec![file("a", 4 * MB5), file("b", 4 * MB5)], 0);
    let sent = q.poll(0);
    assert_eq!(sent.len(), 2, "{sent:?}"); // the first part of each file
    let Effect::Send {
        file: fa,
        chunk: ca,
    } = sent[0].clone()
    else {
        panic!()
    };
    let Effect::Send {
        file: fb,
        chunk: cb,
    } = sent[1].clone()
    else {
        panic!()
    };
    let e = q.part_done(
        fa,
        ca,
        Outcome::Retryable {
            failure: Failure::Status(420),
            message: "Enhance your calm".into(),
            pause_ms: Some(5_000),
        },
        0.0,
        100,
    );
    assert_eq!(e, vec![Effect::WakeAt(5_100)]);
    // b's first part confirmed during the pause: its next parts wait too.
    assert_eq!(
        q.part_done(fb, cb, ok(false), 0.0, 200),
        vec![Effect::WakeAt(5_100)]
    );
    assert_eq!(q.poll(5_099), vec![Effect::WakeAt(5_100)]);
    assert_eq!(q.summary(300).paused_until, Some(5_100));
    let after = q.poll(5_100);
    assert!(
        after.contains(&Effect::Send {
            file: fa,
            chunk: ca
        }),
        "{after:?}"
    );
    assert_eq!(
        after
            .iter()
            .filter(|e| matches!(e, Effect::Send { file, .. } if *file == fb))
            .count(),
        2
    );
    // No header: the part's backoff (equal jitter of 500 ms at the first attempt) pauses all.
    let e = q.part_done(
        fa,
        ca,
        Outcome::Retryable {
            failure: Failure::Status(429),
            message: "x".into(),
            pause_ms: None,
        },
        0.0,
        6_000,
    );
    assert_eq!(e, vec![Effect::WakeAt(6_250)]);
}

#[test]
fn rate_limit_answers_do_not_use_up_attempts_but_are_bounded() {
    let mut q = Queue::new(limits(1, 1, 1), RetryPolicy::default(), false).unwrap();
    q.add(vec![file("a", 10)], 0);
    let mut now = 0;
    let mut effects = q.poll(now);
    for n in 1..=(MAX_RATE_LIMIT_ANSWERS + 1) {
        let chunk = effects
            .iter()
            .find_map(|e| match e {
                Effect::Send { chunk, .. } => Some(*chunk),
                _ => None,
            })
            .unwrap_or_else(|| panic!("answer {n}: nothing sent: {effects:?}"));
        now += 1_000;
        effects = q.part_done(
            1,
            chunk,
            Outcome::Retryable {
                failure: Failure::Status(429),
                message: "Rate limit exceeded".into(),
                pause_ms: Some(1_000),
            },
            0.0,
            now,
        );
        now += 1_000;
        effects.extend(q.poll(now));
    }
    let s = q.status(1, now).unwrap();
    assert_eq!(s.state, FileState::Failed);
    assert_eq!(
        s.error.as_deref(),
        Some("Cloudinary refused part 1 of 1 (HTTP 429): Rate limit exceeded")
    );
}

#[test]
fn other_failures_back_off_per_part_then_fail_the_file_keeping_its_record() {
    let q = Queue::new(limits(2, 2, 2), RetryPolicy::default(), true).unwrap();
    let mut sim = Sim::new(q);
    sim.q
        .add(vec![file("net", 3 * MB5), file("fine", 3 * MB5)], sim.now);
    let e = sim.q.poll(sim.now);
    sim.apply(e);
    sim.run(|f, chunk, _| {
        if f == 1 && chunk.index == 1 {
            Outcome::Retryable {
                failure: Failure::Network,
                message: "connection reset".into(),
                pause_ms: None,
            }
        } else {
            ok(chunk.is_last())
        }
    });
    let s = sim.q.status(1, sim.now).unwrap();
    assert_eq!(s.state, FileState::Failed);
    assert_eq!(
        s.error.as_deref(),
        Some("part 2 of 3 got no answer after 4 attempts: connection reset")
    );
    assert_eq!(sim.sends.iter().filter(|s| **s == (1, 1)).count(), 4);
    assert_eq!(sim.q.status(2, sim.now).unwrap().state, FileState::Done);
    // The failed file's record is kept for a later resume, the done file's removed.
    assert_eq!(sim.storage.keys().collect::<Vec<_>>(), ["upload:id-net"]);
    let rec = ResumeRecord::from_json(&sim.storage["upload:id-net"]).unwrap();
    assert_eq!(rec.confirmed, [(0, MB5 - 1)]);
    assert_eq!(rec.public_id.as_deref(), Some("gen123"));
    // Never more than one file fingerprinted at a time: file 2 started after file 1's hashes.
    let fatal = Outcome::Fatal(UploadError::Signer("signer refused".into()));
    let mut q = Queue::new(limits(2, 2, 2), RetryPolicy::default(), false).unwrap();
    q.add(vec![file("x", 10)], 0);
    let Effect::Send { chunk, .. } = q.poll(0)[0].clone() else {
        panic!()
    };
    q.part_done(1, chunk, fatal, 0.0, 1);
    assert_eq!(
        q.status(1, 1).unwrap().error.as_deref(),
        Some("no upload signature: signer refused")
    );
}

#[test]
fn one_fingerprint_at_a_time_and_a_failed_read_fails_the_file() {
    let mut q = Queue::new(limits(5, 3, 2), RetryPolicy::default(), true).unwrap();
    q.add(vec![file("a", 10), file("b", 10), file("c", 10)], 0);
    assert_eq!(q.poll(0), vec![Effect::Fingerprint(1)]);
    assert_eq!(q.poll(0), vec![]);
    let e = q.fingerprinted(
        1,
        Err("NotReadableError".into()),
        &Map::new(),
        "auto",
        None,
        5,
    );
    assert_eq!(e, vec![Effect::Fingerprint(2)]);
    assert_eq!(
        q.status(1, 5).unwrap().error.as_deref(),
        Some("the file could not be read: NotReadableError")
    );
    let e = q.fingerprinted(
        2,
        Ok(("h".into(), "t".into())),
        &Map::new(),
        "raw",
        Some("main"),
        6,
    );
    assert!(
        matches!(&e[0], Effect::Persist { key, .. } if key == "upload:id-b"),
        "{e:?}"
    );
    assert_eq!(e[1], Effect::Fingerprint(3));
    assert!(matches!(e[2], Effect::Send { file: 2, .. }));
}

#[test]
fn a_record_round_trips_and_a_resumed_upload_skips_confirmed_parts() {
    let size = 4 * MB5 + 7;
    let mut params = Map::new();
    params.set("folder", ParamValue::Text("cms".into()));
    params.insert(
        "tags".to_owned(),
        ParamValue::List(vec!["a".into(), "b".into()]),
    );
    let rec = ResumeRecord {
        upload_id: "abc".into(),
        fingerprint: fp("big.mp4", size),
        part_size: MB5,
        confirmed: vec![(0, MB5 - 1), (2 * MB5, 3 * MB5 - 1)],
        params,
        resource_type: "video".into(),
        account: Some("main".into()),
        public_id: Some("gen".into()),
        created_ms: 10,
    };
    let text = rec.to_json();
    assert_eq!(
        text,
        r#"{"account":"main","confirmed":[[0,5242879],[10485760,15728639]],"createdMs":10,"headSha256":"aa","lastModified":1700000000000,"name":"big.mp4","params":{"folder":"cms","tags":["a","b"]},"partSize":5242880,"publicId":"gen","resourceType":"video","size":20971527,"tailSha256":"bb","uploadId":"abc","v":1}"#
    );
    assert!(!text.contains("signature"));
    assert_eq!(ResumeRecord::from_json(&text).unwrap(), rec);
    assert_eq!(rec.confirmed_bytes(), 2 * MB5);

    let q = Queue::new(limits(5, 1, 2), RetryPolicy::default(), true).unwrap();
    let mut sim = Sim::new(q);
    let id = sim
        .q
        .resume_upload(rec.clone(), &fp("big.mp4", size), sim.now)
        .unwrap();
    let s = sim.q.status(id, sim.now).unwrap();
    assert!(s.resumed);
    assert_eq!(
        (
            s.progress.confirmed,
            s.progress.parts_done,
            s.upload_id.as_str()
        ),
        (2 * MB5, 2, "abc")
    );
    let e = sim.q.poll(sim.now);
    sim.apply(e);
    sim.run(last);
    // Only parts 2 and 4 (0-based 1, 3) and the last went: never a confirmed one.
    assert_eq!(sim.sends, [(id, 1), (id, 3), (id, 4)]);
    assert_eq!(sim.q.status(id, sim.now).unwrap().state, FileState::Done);
    assert!(sim.storage.is_empty(), "the record is removed on success");
}

#[test]
fn the_wrong_file_an_expired_or_damaged_record_are_refused() {
    let size = 3 * MB5;
    let rec = ResumeRecord {
        upload_id: "abc".into(),
        fingerprint: fp("big.mp4", size),
        part_size: MB5,
        confirmed: vec![(0, MB5 - 1)],
        params: Map::new(),
        resource_type: "auto".into(),
        account: None,
        public_id: None,
        created_ms: 1_000,
    };
    let mut q = Queue::new(limits(5, 1, 2), RetryPolicy::default(), true).unwrap();
    let refuse = |q: &mut Queue, f: Fingerprint, now: u64| {
        q.resume_upload(rec.clone(), &f, now)
            .unwrap_err()
            .to_string()
    };
    let other_content = Fingerprint {
        head_sha256: "cc".into(),
        ..fp("big.mp4", size)
    };
    assert_eq!(
        refuse(&mut q, other_content, 2_000),
        "\"big.mp4\" is not the file of the unfinished upload of \"big.mp4\" (its content differs): pick the same file to resume it"
    );
    assert_eq!(
        refuse(&mut q, fp("big.mp4", size + 1), 2_000),
        "\"big.mp4\" is not the file of the unfinished upload of \"big.mp4\" (it has 15728641 bytes, the upload's file had 15728640): pick the same file to resume it"
    );
    assert_eq!(
        refuse(&mut q, fp("other.mp4", size), 2_000),
        "\"other.mp4\" is not the file of the unfinished upload of \"big.mp4\" (its name differs): pick the same file to resume it"
    );
    let touched = Fingerprint {
        last_modified: 5,
        ..fp("big.mp4", size)
    };
    assert_eq!(
        refuse(&mut q, touched, 2_000),
        "\"big.mp4\" is not the file of the unfinished upload of \"big.mp4\" (it was modified at another time): pick the same file to resume it"
    );
    assert_eq!(
        refuse(&mut q, fp("big.mp4", size), 1_000 + RESUME_MAX_AGE_MS + 1),
        "the unfinished upload of \"big.mp4\" is older than 24 hours and was removed: upload the file again"
    );
    assert!(q.ids().is_empty(), "nothing queued by a refusal");
    assert!(q
        .take_events()
        .iter()
        .all(|e| matches!(e, Event::Refused { .. })));
    let bad = |t: &str| ResumeRecord::from_json(t).unwrap_err().to_string();
    assert_eq!(bad("{"), "the unfinished upload's record is unusable: not JSON (EOF while parsing an object at line 1 column 1)");
    assert_eq!(
        bad(r#"{"v":2}"#),
        "the unfinished upload's record is unusable: unknown version"
    );
    let shifted = rec.to_json().replace("[[0,5242879]]", "[[1,5242879]]");
    assert_eq!(
        bad(&shifted),
        "the unfinished upload's record is unusable: bytes 1-5242879 is not a part of the upload"
    );
}

#[test]
fn pause_resume_and_cancel() {
    let mut q = Queue::new(limits(5, 1, 2), RetryPolicy::default(), false).unwrap();
    q.add(vec![file("a", 3 * MB5), file("b", 10)], 0);
    let Effect::Send { chunk: c0, .. } = q.poll(0)[0].clone() else {
        panic!()
    };
    q.pause(Some(1)).unwrap();
    // a's part in flight finishes; nothing new goes for a, and b takes the slot once a is idle.
    let e = q.part_done(1, c0, ok(false), 0.0, 10);
    assert_eq!(e.len(), 1);
    assert!(matches!(e[0], Effect::Send { file: 2, .. }), "{e:?}");
    assert_eq!(q.status(1, 10).unwrap().state, FileState::Paused);
    let e = q.resume(None, 20).unwrap();
    assert!(e.is_empty(), "a waits for the slot b holds: {e:?}");
    let e = q.cancel(Some(2), 30).unwrap();
    assert_eq!(
        e,
        vec![Effect::Abort(2)],
        "b's aborted request holds its slot until it ends"
    );
    // The aborted request's (or a late) answer changes nothing for b, and frees the slot.
    let b0 = q.plan_of(2).unwrap().chunk(0);
    let late = q.part_done(2, b0, ok(true), 0.0, 40);
    // a's middle part goes; its last part waits for it.
    assert_eq!(
        late,
        vec![Effect::Send {
            file: 1,
            chunk: q.plan_of(1).unwrap().chunk(1)
        }]
    );
    assert_eq!(q.status(2, 40).unwrap().state, FileState::Cancelled);
    let e = q.cancel(None, 50).unwrap();
    assert_eq!(e, vec![Effect::Abort(1)]);
    assert_eq!(q.summary(50).queued_files, 0);
    assert_eq!(
        q.cancel(Some(9), 50).unwrap_err().to_string(),
        "upload queue: no file with id 9"
    );
}

#[test]
fn cancel_removes_the_record() {
    let mut q = Queue::new(limits(5, 1, 1), RetryPolicy::default(), true).unwrap();
    q.add(vec![file("a", 3 * MB5)], 0);
    assert_eq!(q.poll(0), vec![Effect::Fingerprint(1)]);
    q.fingerprinted(
        1,
        Ok(("h".into(), "t".into())),
        &Map::new(),
        "auto",
        None,
        0,
    );
    let e = q.cancel(None, 5).unwrap();
    assert_eq!(
        e,
        vec![Effect::Abort(1), Effect::Forget("upload:id-a".into())]
    );
}

#[test]
fn rate_and_eta_over_the_last_ten_seconds() {
    let mut q = Queue::new(limits(5, 1, 1), RetryPolicy::default(), false).unwrap();
    q.add(vec![file("a", 4 * MB5)], 0);
    let Effect::Send { chunk, .. } = q.poll(0)[0].clone() else {
        panic!()
    };
    assert_eq!(q.status(1, 0).unwrap().eta_ms, None);
    // One part (5 MiB) in 2 s: 2,621,440 B/s; 3 parts left: 6 s.
    let e = q.part_done(1, chunk, ok(false), 0.0, 2_000);
    let s = q.status(1, 2_000).unwrap();
    assert_eq!((s.rate, s.eta_ms), (2_621_440, Some(6_000)));
    let sum = q.summary(2_000);
    assert_eq!(
        (
            sum.rate,
            sum.eta_ms,
            sum.confirmed,
            sum.total,
            sum.in_flight
        ),
        (2_621_440, Some(6_000), MB5, 4 * MB5, 1)
    );
    // The window forgets what is older than 10 s.
    let Effect::Send { chunk, .. } = e[0].clone() else {
        panic!()
    };
    q.part_done(1, chunk, ok(false), 0.0, 30_000);
    let s = q.status(1, 30_000).unwrap();
    assert_eq!(s.rate, MB5 * 1000 / 28_000);
}

#[test]
fn retry_after_and_reset_headers() {
    let now = 784_111_777_000; // Sun, 06 Nov 1994 08:49:37 GMT
    assert_eq!(http_date_ms("Sun, 06 Nov 1994 08:49:37 GMT"), Some(now));
    assert_eq!(http_date_ms("Thu, 01 Jan 1970 00:00:00 GMT"), Some(0));
    assert_eq!(
        http_date_ms("Tue, 29 Feb 2028 23:59:59 GMT"),
        Some(1_835_481_599_000)
    );
    assert_eq!(http_date_ms("Sun, 06 Nov 1994 08:49:37 PST"), None);
    assert_eq!(http_date_ms("Sun, 06 Foo 1994 08:49:37 GMT"), None);
    assert_eq!(rate_limit_pause_ms(Some("7"), None, now), Some(7_000));
    assert_eq!(rate_limit_pause_ms(Some(" 0 "), None, now), Some(0));
    assert_eq!(
        rate_limit_pause_ms(Some("Sun, 06 Nov 1994 08:50:07 GMT"), None, now),
        Some(30_000)
    );
    assert_eq!(
        rate_limit_pause_ms(None, Some("Sun, 06 Nov 1994 09:49:37 GMT"), now),
        Some(3_600_000)
    );
    let later = 1_800_000_000_000;
    assert_eq!(
        rate_limit_pause_ms(None, Some("1800000060"), later),
        Some(60_000)
    );
    assert_eq!(rate_limit_pause_ms(None, Some("12"), now), Some(12_000));
    assert_eq!(
        rate_limit_pause_ms(Some("soon"), Some("3"), now),
        Some(3_000)
    );
    assert_eq!(rate_limit_pause_ms(Some("soon"), None, now), None);
    assert_eq!(rate_limit_pause_ms(None, None, now), None);
    // A date in the past: no pause.
    assert_eq!(
        rate_limit_pause_ms(Some("Sun, 06 Nov 1994 08:00:00 GMT"), None, now),
        Some(0)
    );
}

#[test]
fn fingerprint_ranges() {
    assert_eq!(Fingerprint::ranges(10, MB5), [(0, 10), (0, 10)]);
    assert_eq!(Fingerprint::ranges(MB5, MB5), [(0, MB5), (0, MB5)]);
    assert_eq!(
        Fingerprint::ranges(2 * MB5 + 3, MB5),
        [(0, MB5), (2 * MB5, 2 * MB5 + 3)]
    );
}

#[test]
fn a_huge_queue_keeps_the_bound() {
    // 1000 files of 1 GB in the largest parts: state is per part, no file data; the bound holds.
    let l = QueueLimits {
        max_files: 1000,
        max_bytes: MAX_MAX_BYTES,
        files_at_once: MAX_FILES_AT_ONCE,
        parts_per_file: MAX_CONCURRENCY,
        chunk_size: 100_000_000,
    };
    let q = Queue::new(l, RetryPolicy::default(), false).unwrap();
    let mut sim = Sim::new(q);
    let r = sim.q.add(
        (0..1001)
            .map(|i| file(&format!("{i}"), 1_000_000_000))
            .collect(),
        0,
    );
    assert_eq!(r.iter().filter(|r| r.is_ok()).count(), 1000);
    let e = sim.q.poll(0);
    sim.apply(e);
    sim.run(last);
    assert_eq!(sim.sends.len(), 10_000);
    assert_eq!(sim.peak_files, 6);
    assert!(sim.peak <= 48);
}
