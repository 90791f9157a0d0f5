//! Browser tests of the upload queue's page side (`host::upload_queue`) in Chromium AND Firefox
//! (the e2e tests in tests/e2e/upload-queue.test.mjs run on Chromium only): generated Blobs go
//! through the real signer (SIGNER_URL) to the upload test double (CLD_TEST_SERVER_URL), both
//! started by `scripts/services.sh`. Checked: several files with the limits, a resume after the
//! queue is dropped (as a reload drops it) with the confirmed parts received once, and a 429 with
//! `Retry-After` pausing the queue (on the double's clock).
#![cfg(all(target_arch = "wasm32", target_os = "unknown"))]

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use cloudinary_connector::core::sign::ParamValue;
use cloudinary_connector::core::upload::{RetryPolicy, MIN_CHUNK_SIZE};
use cloudinary_connector::core::upload_queue::{Event, FileState, QueueLimits};
use cloudinary_connector::host::api::HostStorage;
use cloudinary_connector::host::signer_client::{SignerClient, TokenSource};
use cloudinary_connector::host::upload_queue::{QueueOptions, UploadQueue};
use serde_json::{json, Value};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const SIGNER_URL: &str = match option_env!("SIGNER_URL") {
    Some(u) => u,
    None => "http://127.0.0.1:18787",
};
const CLD_TEST_SERVER_URL: &str = match option_env!("CLD_TEST_SERVER_URL") {
    Some(u) => u,
    None => "http://127.0.0.1:18789",
};
const MB5: u64 = MIN_CHUNK_SIZE;

async fn signer() -> SignerClient {
    // Admin: the tests choose public ids (the double's faults are keyed by them).
    let res = gloo_net::http::Request::post(&format!("{SIGNER_URL}/v1/dev/token"))
        .json(&json!({"user": "queue@example.com", "roles": {"demo": "admin"}, "ttl_secs": 600}))
        .unwrap()
        .send()
        .await
        .expect("the signer must run: source scripts/services.sh; services_start");
    let v: Value = res.json().await.unwrap();
    SignerClient::new(
        SIGNER_URL,
        TokenSource::Static(v["token"].as_str().unwrap().to_owned()),
    )
}

fn blob(size: u64, seed: u8) -> web_sys::Blob {
    let unit: Vec<u8> = (0..1_048_576u32).map(|i| (i % 253) as u8 ^ seed).collect();
    let buf = js_sys::Uint8Array::from(unit.as_slice());
    let parts = js_sys::Array::new();
    let mut left = size;
    while left > 0 {
        let n = left.min(1_048_576);
        parts.push(&buf.subarray(0, n as u32));
        left -= n;
    }
    web_sys::Blob::new_with_u8_array_sequence(&parts).unwrap()
}

/// The host API's storage shape over a plain JS object (what a host's namespace is).
fn storage() -> HostStorage {
    let make = js_sys::Function::new_no_args(
        "const m = new Map(); return { get: (k) => m.has(k) ? m.get(k) : null, set: (k, v) => m.set(k, v), remove: (k) => m.delete(k), keys: () => [...m.keys()] };",
    );
    HostStorage::from_js(make.call0(&JsValue::NULL).unwrap()).unwrap()
}

fn options(public_id: &str) -> QueueOptions {
    let mut params = BTreeMap::new();
    params.insert("public_id".to_owned(), ParamValue::from(public_id));
    QueueOptions {
        account: Some("demo".into()),
        api_base: CLD_TEST_SERVER_URL.into(),
        resource_type: "raw".into(),
        params,
        limits: QueueLimits {
            chunk_size: MB5,
            files_at_once: 2,
            ..QueueLimits::default()
        },
        retry: RetryPolicy::default(),
        request_timeout_ms: 60_000,
    }
}

fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", (js_sys::Math::random() * 1e12) as u64)
}

async fn sleep(ms: i32) {
    let p = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .unwrap();
    });
    JsFuture::from(p).await.unwrap();
}

async fn get(path: &str) -> Value {
    gloo_net::http::Request::get(&format!("{CLD_TEST_SERVER_URL}{path}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// Waits until every file is final (at most 60 s).
async fn settled(q: &UploadQueue) {
    for _ in 0..1200 {
        if q.ids()
            .iter()
            .all(|id| q.status(*id).is_some_and(|s| s.state.is_final()))
        {
            return;
        }
        sleep(50).await;
    }
    panic!("the queue did not settle: {:?}", q.summary());
}

#[wasm_bindgen_test]
async fn files_upload_through_the_queue_and_a_dropped_queue_resumes_without_resending() {
    let pid = unique("queue/resume");
    let store = storage();
    let file = blob(4 * MB5 + 123, 7);
    let first = UploadQueue::new(options(&pid), signer().await, Some(store.clone()), None).unwrap();
    let id = *first.add(std::slice::from_ref(&file))[0].as_ref().unwrap();
    for _ in 0..600 {
        if first.status(id).unwrap().progress.parts_done >= 2 {
            break;
        }
        sleep(10).await;
    }
    let upload_id = first.status(id).unwrap().upload_id;
    drop(first); // what a reload does: every request aborted, the record stays

    let events = Rc::new(RefCell::new(Vec::new()));
    let log = events.clone();
    let second = UploadQueue::new(
        options(&pid),
        signer().await,
        Some(store.clone()),
        Some(Rc::new(move |e: &Event| log.borrow_mut().push(e.clone()))),
    )
    .unwrap();
    let listed = second.unfinished();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].upload_id, upload_id);
    let confirmed = listed[0].confirmed.clone();
    assert!(confirmed.len() >= 2, "{confirmed:?}");
    // Another Blob of the same size (same name "blob", same lastModified 0): its content differs.
    let wrong = second
        .resume_upload(&upload_id, &blob(4 * MB5 + 123, 8))
        .await;
    assert_eq!(
        wrong.unwrap_err().to_string(),
        "\"blob\" is not the file of the unfinished upload of \"blob\" (its content differs): pick the same file to resume it"
    );
    let rid = second.resume_upload(&upload_id, &file).await.unwrap();
    settled(&second).await;
    let s = second.status(rid).unwrap();
    assert_eq!(s.state, FileState::Done, "{:?}", s.error);
    assert!(s.resumed);
    assert_eq!(
        second.result(rid).unwrap()["bytes"].as_u64(),
        Some(4 * MB5 + 123)
    );
    assert!(
        second.unfinished().is_empty(),
        "the record is removed on success"
    );
    assert!(events.borrow().contains(&Event::Done(rid)));
    let report = get(&format!("/test/uploads?unique_upload_id={upload_id}")).await;
    for (s, e) in confirmed {
        let range = format!("bytes {s}-{e}/{}", 4 * MB5 + 123);
        let got = report["received"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["range"] == range)
            .unwrap();
        assert_eq!(got["times"], 1, "{range} was received once");
    }
}

#[wasm_bindgen_test]
async fn a_429_with_retry_after_pauses_the_queue_on_the_doubles_clock() {
    let pid = unique("queue/limited");
    // The second request of this upload: 429, Retry-After 1 s.
    let res = gloo_net::http::Request::post(&format!("{CLD_TEST_SERVER_URL}/test/faults"))
        .json(&json!({"public_id": pid, "nth": 2, "status": 429, "retry_after": "1"}))
        .unwrap()
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let events = Rc::new(RefCell::new(Vec::new()));
    let log = events.clone();
    let q = UploadQueue::new(
        options(&pid),
        signer().await,
        None,
        Some(Rc::new(move |e: &Event| log.borrow_mut().push(e.clone()))),
    )
    .unwrap();
    let id = *q.add(&[blob(3 * MB5 + 5, 3)])[0].as_ref().unwrap();
    settled(&q).await;
    assert_eq!(q.status(id).unwrap().state, FileState::Done);
    assert!(events
        .borrow()
        .iter()
        .any(|e| matches!(e, Event::RateLimited { status: 429, .. })));
    assert!(events.borrow().contains(&Event::RateLimitOver));
    let upload_id = q.status(id).unwrap().upload_id;
    let entries: Vec<Value> = get("/test/log")
        .await
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["upload_id"] == upload_id.as_str())
        .cloned()
        .collect();
    let limited = entries.iter().position(|l| l["status"] == 429).unwrap();
    let answered = entries[limited]["answered_ms"].as_u64().unwrap();
    // The first request that started after the 429 was answered (a part already on its way
    // when it came is not held back).
    let next = entries
        .iter()
        .filter_map(|l| l["at_ms"].as_u64())
        .filter(|at| *at > answered)
        .min()
        .unwrap();
    assert!(
        next >= answered + 980,
        "the next part came {} ms after the 429: {entries:?}",
        next as i64 - answered as i64
    );
}
