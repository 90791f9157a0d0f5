//! The chunked upload's native tests: the plan, the scheduler, retries, progress, the signed
//! parameters and the reading of Cloudinary's answers.

use super::*;
use crate::json;

const MB5: u64 = MIN_CHUNK_SIZE;

#[track_caller]
fn assert_err<T: fmt::Debug>(r: Result<T, UploadError>, expected: &str) {
    match r {
        Ok(v) => panic!("expected error {expected:?}, got {v:?}"),
        Err(e) => assert_eq!(e.to_string(), expected),
    }
}

#[test]
fn plan_splits_with_the_remainder_last() {
    let plan = ChunkPlan::new(3 * MB5 + 1000, MB5, None).unwrap();
    assert_eq!(plan.count(), 4);
    let ranges: Vec<String> = plan.chunks().map(|c| c.content_range()).collect();
    assert_eq!(
        ranges,
        [
            "bytes 0-5242879/15729640",
            "bytes 5242880-10485759/15729640",
            "bytes 10485760-15728639/15729640",
            "bytes 15728640-15729639/15729640"
        ]
    );
    assert!(plan.chunk(3).is_last() && !plan.chunk(2).is_last());
    assert_eq!(plan.chunks().map(|c| c.len()).sum::<u64>(), plan.total());
}

#[test]
fn plan_of_exact_multiple_and_small_files() {
    let plan = ChunkPlan::new(2 * DEFAULT_CHUNK_SIZE, DEFAULT_CHUNK_SIZE, None).unwrap();
    assert_eq!(plan.count(), 2);
    assert_eq!(
        plan.chunk(1).content_range(),
        "bytes 20000000-39999999/40000000"
    );
    let one = ChunkPlan::new(1, DEFAULT_CHUNK_SIZE, None).unwrap();
    assert_eq!(one.count(), 1);
    assert_eq!(one.chunk(0).content_range(), "bytes 0-0/1");
    // 1.1 GB in default parts.
    let big = ChunkPlan::new(1_100_000_000, DEFAULT_CHUNK_SIZE, Some(2_000_000_000)).unwrap();
    assert_eq!(big.count(), 55);
}

#[test]
fn plan_errors() {
    assert_err(
        ChunkPlan::new(0, DEFAULT_CHUNK_SIZE, None),
        "the file is empty (0 bytes): there is nothing to upload",
    );
    assert_err(
        ChunkPlan::new(10, 1000, None),
        "chunk size 1000 bytes is out of range: Cloudinary accepts 5242880 to 100000000 bytes per part",
    );
    assert_err(
        ChunkPlan::new(10, 100_000_001, None),
        "chunk size 100000001 bytes is out of range: Cloudinary accepts 5242880 to 100000000 bytes per part",
    );
    assert_err(
        ChunkPlan::new(1_100_000_000, DEFAULT_CHUNK_SIZE, Some(1_000_000_000)),
        "the file is 1100000000 bytes, over the account's limit of 1000000000 bytes per file",
    );
    assert!(ChunkPlan::new(1_000_000_000, DEFAULT_CHUNK_SIZE, Some(1_000_000_000)).is_ok());
}

fn drive(plan: ChunkPlan, n: u32) -> Vec<(String, u32)> {
    // Sends greedily, confirms the oldest in flight when told to wait; logs (event, in_flight).
    let mut s = Scheduler::new(plan, n).unwrap();
    let mut log = Vec::new();
    let mut flying = std::collections::VecDeque::new();
    loop {
        match s.next_step() {
            Step::Send(c) => {
                flying.push_back(c);
                log.push((format!("send {}", c.index), s.in_flight()));
            }
            Step::Wait => {
                let c = flying.pop_front().expect("waiting with nothing in flight");
                s.confirmed(c);
                log.push((format!("ok {}", c.index), s.in_flight()));
            }
            Step::Done => return log,
        }
    }
}

#[test]
fn scheduler_sends_first_alone_and_last_after_all_others() {
    let plan = ChunkPlan::new(5 * MB5 + 1, MB5, None).unwrap(); // 6 parts
    let log: Vec<String> = drive(plan, 2).into_iter().map(|(e, _)| e).collect();
    assert_eq!(
        log,
        [
            "send 0", "ok 0", "send 1", "send 2", "ok 1", "send 3", "ok 2", "send 4", "ok 3",
            "ok 4", "send 5", "ok 5"
        ]
    );
    let log1: Vec<String> = drive(plan, 1).into_iter().map(|(e, _)| e).collect();
    assert_eq!(log1.len(), 12);
    assert!(log1
        .chunks(2)
        .all(|w| w[0].replace("send", "") == w[1].replace("ok", "")));
}

#[test]
fn scheduler_never_exceeds_the_concurrency() {
    let plan = ChunkPlan::new(40 * MB5, MB5, None).unwrap();
    for n in 1..=MAX_CONCURRENCY {
        assert!(drive(plan, n).iter().all(|(_, f)| *f <= n));
    }
}

#[test]
fn scheduler_single_part_and_retries() {
    let one = ChunkPlan::new(10, MB5, None).unwrap();
    let mut s = Scheduler::new(one, 2).unwrap();
    let c = match s.next_step() {
        Step::Send(c) => c,
        other => panic!("{other:?}"),
    };
    assert_eq!(s.next_step(), Step::Wait);
    s.failed(c);
    assert_eq!(s.next_step(), Step::Send(c));
    s.confirmed(c);
    assert_eq!(s.next_step(), Step::Done);

    let plan = ChunkPlan::new(3 * MB5, MB5, None).unwrap();
    let mut s = Scheduler::new(plan, 2).unwrap();
    let Step::Send(c0) = s.next_step() else {
        panic!()
    };
    s.confirmed(c0);
    let Step::Send(c1) = s.next_step() else {
        panic!()
    };
    // The last part waits for part 1 even though a slot is free.
    assert_eq!(s.next_step(), Step::Wait);
    s.failed(c1);
    assert_eq!(s.next_step(), Step::Send(c1));
    s.confirmed(c1);
    assert_eq!(s.next_step(), Step::Send(plan.chunk(2)));
}

#[test]
fn a_resumed_scheduler_skips_confirmed_parts() {
    let plan = ChunkPlan::new(5 * MB5 + 1, MB5, None).unwrap(); // 6 parts
    let mut s = Scheduler::resume(plan, 2, &[0, 2, 9]).unwrap();
    assert_eq!(s.confirmed_count(), 2);
    assert!(s.is_confirmed(2) && !s.is_confirmed(1) && !s.is_confirmed(9));
    let mut sent = Vec::new();
    loop {
        match s.next_step() {
            Step::Send(c) => sent.push(c),
            Step::Wait => {
                let c = sent
                    .iter()
                    .copied()
                    .find(|c| !s.is_confirmed(c.index))
                    .unwrap();
                s.confirmed(c);
            }
            Step::Done => break,
        }
    }
    let order: Vec<u32> = sent.iter().map(|c| c.index).collect();
    assert_eq!(order, [1, 3, 4, 5]);
    // Without part 0, it goes first and alone.
    let mut s = Scheduler::resume(plan, 2, &[1, 2]).unwrap();
    assert_eq!(s.next_step(), Step::Send(plan.chunk(0)));
    assert_eq!(s.next_step(), Step::Wait);
}

#[test]
fn scheduler_concurrency_errors() {
    let plan = ChunkPlan::new(10, MB5, None).unwrap();
    assert_err(
        Scheduler::new(plan, 0),
        "0 parts in flight is out of range: choose 1 to 8",
    );
    assert_err(
        Scheduler::new(plan, 9),
        "9 parts in flight is out of range: choose 1 to 8",
    );
}

#[test]
fn retry_policy() {
    let p = RetryPolicy::default();
    for s in [408, 420, 429, 500, 502, 503, 504] {
        assert!(RetryPolicy::is_retryable(Failure::Status(s)), "{s}");
    }
    for s in [400, 401, 403, 404, 413, 501] {
        assert!(!RetryPolicy::is_retryable(Failure::Status(s)), "{s}");
    }
    assert_eq!(p.delay_ms(1, Failure::Network, 0.0), Some(250));
    assert_eq!(p.delay_ms(1, Failure::Network, 0.999_999), Some(499));
    assert_eq!(p.delay_ms(2, Failure::Status(503), 0.5), Some(750));
    assert_eq!(p.delay_ms(3, Failure::Status(500), 1.0), Some(2000));
    assert_eq!(
        p.delay_ms(4, Failure::Status(500), 0.0),
        None,
        "4 attempts at most"
    );
    assert_eq!(p.delay_ms(1, Failure::Status(401), 0.5), None);
    let long = RetryPolicy {
        max_attempts: 100,
        ..p
    };
    assert_eq!(long.delay_ms(60, Failure::Network, 1.0), Some(30_000));
    assert_eq!(long.delay_ms(60, Failure::Network, f64::NAN), Some(15_000));
}

#[test]
fn progress_accounts_confirmed_and_in_flight_bytes() {
    let plan = ChunkPlan::new(2 * MB5 + 10, MB5, None).unwrap();
    let mut p = Progress::new(&plan);
    p.started(plan.chunk(0));
    assert_eq!((p.confirmed, p.in_flight), (0, MB5));
    p.confirmed(plan.chunk(0));
    p.started(plan.chunk(1));
    p.failed(plan.chunk(1));
    assert_eq!((p.confirmed, p.in_flight, p.parts_done), (MB5, 0, 1));
    p.started(plan.chunk(1));
    p.confirmed(plan.chunk(1));
    p.started(plan.chunk(2));
    p.confirmed(plan.chunk(2));
    assert_eq!(
        (p.confirmed, p.in_flight, p.parts_done, p.parts),
        (plan.total(), 0, 3, 3)
    );
    assert_eq!(p.fraction(), 1.0);
}

#[test]
fn params_validation() {
    let mut m = Map::new();
    m.set("folder", ParamValue::from("cms/alice"));
    let up = UploadParams::new(m.clone(), "video").unwrap();
    assert_eq!(
        up.endpoint("https://api.cloudinary.com/", "demo"),
        "https://api.cloudinary.com/v1_1/demo/video/upload"
    );
    // A public id Cloudinary generates for the first part is not carried into the later
    // parts: the shared X-Unique-Upload-Id names the upload (react-uploady#235), and a
    // non-admin role may not sign a public id outside its folder prefix.
    assert!(!up.to_sign().contains_key("public_id"));
    assert_err(
        UploadParams::new(m.clone(), "document"),
        "resource type \"document\" is not one of image, video, raw, auto",
    );
    for k in RESERVED_PARAMS {
        let mut bad = m.clone();
        bad.insert(k.to_owned(), ParamValue::from("x"));
        assert_err(
            UploadParams::new(bad, "auto"),
            &format!("upload parameter \"{k}\" is set by the uploader and may not be given"),
        );
    }
    let mut empty = m;
    empty.insert(String::new(), ParamValue::from("x"));
    assert_err(
        UploadParams::new(empty, "auto"),
        "an upload parameter has an empty name",
    );
}

#[test]
fn answers() {
    let plan = ChunkPlan::new(2 * MB5, MB5, None).unwrap();
    let (mid, last) = (plan.chunk(0), plan.chunk(1));
    assert_err(
        read_answer(mid, 2, 401, r#"{"error":{"message":"Invalid Signature abc. String to sign - 'timestamp=1'."}}"#),
        "Cloudinary refused part 1 of 2 (HTTP 401): Invalid Signature abc. String to sign - 'timestamp=1'.",
    );
    assert_err(
        read_answer(mid, 2, 502, "<html>"),
        "Cloudinary refused part 1 of 2 (HTTP 502): no error message (HTTP 502)",
    );
    assert_err(
        read_answer(mid, 2, 200, "<html>"),
        "Cloudinary's answer to part 1 of 2 is not a valid upload response: not JSON (expected value at line 1 column 1)",
    );
    assert_err(
        read_answer(mid, 2, 200, "[1]"),
        "Cloudinary's answer to part 1 of 2 is not a valid upload response: not a JSON object",
    );
    assert_err(
        read_answer(mid, 2, 200, r#"{"public_id": 5}"#),
        "Cloudinary's answer to part 1 of 2 is not a valid upload response: public_id is not a non-empty string",
    );
    assert_err(
        read_answer(mid, 2, 200, r#"{"done": true}"#),
        "Cloudinary's answer to part 1 of 2 is not a valid upload response: an intermediate part's answer says the upload is done",
    );
    assert_err(
        read_answer(last, 2, 200, r#"{"done": false, "public_id": "a"}"#),
        "Cloudinary's answer to part 2 of 2 is not a valid upload response: the last part's answer says the upload is not done",
    );
    assert_err(
        read_answer(last, 2, 200, r#"{"secure_url": "https://x"}"#),
        "Cloudinary's answer to part 2 of 2 is not a valid upload response: the completed upload has no public_id",
    );
    assert_err(
        read_answer(last, 2, 200, r#"{"public_id": "a"}"#),
        "Cloudinary's answer to part 2 of 2 is not a valid upload response: the completed upload has no secure_url",
    );
    let ok = read_answer(
        last,
        2,
        200,
        r#"{"public_id":"a","version":1,"secure_url":"https://res.cloudinary.com/x"}"#,
    )
    .unwrap();
    assert!(ok.done);
    assert_eq!(
        ok.body,
        json!({"public_id":"a","version":1,"secure_url":"https://res.cloudinary.com/x"})
    );
    let mid_ok = read_answer(mid, 2, 200, "{}").unwrap();
    assert_eq!((mid_ok.public_id, mid_ok.done), (None, false));
}

#[test]
fn other_error_messages_and_ids() {
    let e = UploadError::Network {
        part: 3,
        parts: 55,
        attempts: 4,
        message: "timed out after 120000 ms".into(),
    };
    assert_eq!(
        e.to_string(),
        "part 3 of 55 got no answer after 4 attempts: timed out after 120000 ms"
    );
    assert_eq!(
        UploadError::Cancelled.to_string(),
        "the upload was cancelled"
    );
    assert_eq!(
        UploadError::Signer("x".into()).to_string(),
        "no upload signature: x"
    );
    assert_eq!(
        unique_upload_id([0xab; 16]),
        "abababababababababababababababab"
    );
}

mod overwrite_default_tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> Map<String, ParamValue> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), ParamValue::Text((*v).to_owned())))
            .collect()
    }

    #[test]
    fn a_named_public_id_never_overwrites_unless_the_caller_decides() {
        let named = UploadParams::new(params(&[("public_id", "a")]), "image").unwrap();
        assert_eq!(named.to_sign().get("overwrite").unwrap().joined(), "false");
        let decided = UploadParams::new(
            params(&[("public_id", "a"), ("overwrite", "true")]),
            "image",
        )
        .unwrap();
        assert_eq!(decided.to_sign().get("overwrite").unwrap().joined(), "true");
        let generated = UploadParams::new(params(&[("folder", "f")]), "raw").unwrap();
        assert!(!generated.to_sign().contains_key("overwrite"));
    }
}
