//! The test double itself: it must accept what Cloudinary accepts and refuse, with Cloudinary's
//! words, what Cloudinary refuses — otherwise the uploader's browser tests prove nothing.

use std::collections::HashMap;

use cld_test_server::signature::{collect_params, sign, string_to_sign};
use cld_test_server::{accounts_from_config, Account, TestServer};
use serde_json::{json, Value};
use sha1::Digest as _;

const KEY: &str = "614335564976464";
const SECRET: &str = "hdcixPpR2iKERPwqvH6sHdK9cyac";
const CLOUD: &str = "dn6ot3ged";
const MB5: usize = 5 * 1024 * 1024;

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

async fn start() -> String {
    start_with(|s| s).await
}

async fn start_with(mode: impl FnOnce(TestServer) -> TestServer) -> String {
    let mut accounts = HashMap::new();
    accounts.insert(
        KEY.to_owned(),
        Account {
            cloud_name: CLOUD.into(),
            secret: SECRET.into(),
        },
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(cld_test_server::serve(
        listener,
        mode(TestServer::new(accounts)),
    ));
    format!("http://{addr}")
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Signs `params` + timestamp with the double's own string-to-sign (pinned to the documented
/// vectors in `signature.rs`).
fn signed(params: &[(&str, &str)], ts: u64, secret: &str) -> Vec<(String, String)> {
    let mut all: Vec<(String, String)> = params
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    all.push(("timestamp".into(), ts.to_string()));
    let sig = sign(&string_to_sign(&collect_params(all.clone())), secret, "");
    all.push(("signature".into(), sig));
    all.push(("api_key".into(), KEY.into()));
    all
}

fn multipart(fields: &[(String, String)], file: &[u8]) -> (String, Vec<u8>) {
    let b = "----cldtestboundary7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend_from_slice(
            format!("--{b}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!("--{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n")
            .as_bytes(),
    );
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{b}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={b}"), body)
}

/// One part's request, unsent.
fn request(
    base: &str,
    id: Option<&str>,
    range: Option<&str>,
    fields: &[(String, String)],
    file: &[u8],
) -> reqwest::RequestBuilder {
    let (ct, body) = multipart(fields, file);
    let mut req = reqwest::Client::new()
        .post(format!("{base}/v1_1/{CLOUD}/raw/upload"))
        .header("content-type", ct)
        .body(body);
    if let Some(id) = id {
        req = req.header("x-unique-upload-id", id);
    }
    if let Some(r) = range {
        req = req.header("content-range", r);
    }
    req
}

async fn get_json(url: String) -> Value {
    reqwest::get(url).await.unwrap().json().await.unwrap()
}

async fn post(
    base: &str,
    id: Option<&str>,
    range: Option<&str>,
    fields: &[(String, String)],
    file: &[u8],
) -> (u16, Value) {
    let res = request(base, id, range, fields, file).send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap())
}

#[track_caller]
fn assert_error(got: &(u16, Value), status: u16, message: &str) {
    assert_eq!(got.0, status, "{}", got.1);
    assert_eq!(got.1["error"]["message"], message);
}

#[tokio::test]
async fn a_three_part_upload_with_a_generated_public_id_completes() {
    let base = start().await;
    let ts = now();
    let total = 2 * MB5 + 100;
    let data: Vec<u8> = (0..total).map(|i| (i % 251) as u8).collect();
    let first = signed(&[("folder", "big")], ts, SECRET);
    let r1 = post(
        &base,
        Some("u1"),
        Some(&format!("bytes 0-{}/{total}", MB5 - 1)),
        &first,
        &data[..MB5],
    )
    .await;
    assert_eq!(r1.0, 200, "{}", r1.1);
    assert_eq!(r1.1["done"], false);
    let pid = r1.1["public_id"].as_str().unwrap().to_owned();
    // A later part naming another public_id is refused; one naming none is fine: the shared
    // X-Unique-Upload-Id identifies the upload (react-uploady#235).
    let other = signed(&[("folder", "big"), ("public_id", "other")], ts, SECRET);
    let r = post(
        &base,
        Some("u1"),
        Some(&format!("bytes {MB5}-{}/{total}", 2 * MB5 - 1)),
        &other,
        &data[MB5..2 * MB5],
    )
    .await;
    assert_error(
        &r,
        400,
        &format!("public_id other differs from the upload's {pid}"),
    );
    let later = signed(&[("folder", "big"), ("public_id", &pid)], ts, SECRET);
    // The last part before the middle one: refused.
    let r = post(
        &base,
        Some("u1"),
        Some(&format!("bytes {}-{}/{total}", 2 * MB5, total - 1)),
        &later,
        &data[2 * MB5..],
    )
    .await;
    assert_error(
        &r,
        400,
        &format!(
            "The last part arrived before bytes {MB5}-{} were received",
            2 * MB5 - 1
        ),
    );
    let r2 = post(
        &base,
        Some("u1"),
        Some(&format!("bytes {MB5}-{}/{total}", 2 * MB5 - 1)),
        &first,
        &data[MB5..2 * MB5],
    )
    .await;
    assert_eq!(r2.0, 200, "{}", r2.1);
    assert_eq!(r2.1["public_id"], pid.as_str());
    let r3 = post(
        &base,
        Some("u1"),
        Some(&format!("bytes {}-{}/{total}", 2 * MB5, total - 1)),
        &later,
        &data[2 * MB5..],
    )
    .await;
    assert_eq!(r3.0, 200, "{}", r3.1);
    assert_eq!(r3.1["public_id"], pid.as_str());
    assert_eq!(r3.1["bytes"], total as u64);
    assert_eq!(r3.1["folder"], "big");
    let version = r3.1["version"].as_u64().unwrap();
    assert_eq!(
        r3.1["secure_url"],
        format!("https://res.cloudinary.com/{CLOUD}/raw/upload/v{version}/{pid}.bin")
    );
    let parts = r3.1["test_double"]["parts"].as_array().unwrap();
    assert_eq!(parts.len(), 3);
    assert_eq!(parts[0]["sha256"], hex(&sha2::Sha256::digest(&data[..MB5])));
    // The response signature verifies like Cloudinary's (v1 over public_id and version).
    let expect = hex(&sha1::Sha1::digest(
        format!("public_id={pid}&version={version}{SECRET}").as_bytes(),
    ));
    assert_eq!(r3.1["signature"], expect);
    let report: Value = reqwest::get(format!("{base}/test/uploads?public_id={pid}"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (
            report["requests"].as_u64(),
            report["done"].as_bool(),
            report["in_flight"].as_u64()
        ),
        (Some(5), Some(true), Some(0))
    );
}

#[tokio::test]
async fn the_protocol_is_enforced_with_clear_errors() {
    let base = start().await;
    let ts = now();
    let f = signed(&[("public_id", "p")], ts, SECRET);
    let small = vec![1u8; 1000];
    assert_error(
        &post(&base, Some("u2"), Some("bytes 0-999/5000"), &f, &small).await,
        400,
        "All parts except EOF-chunk must be larger than 5mb",
    );
    assert_error(
        &post(&base, Some("u2"), Some("bytes 0-998/5000"), &f, &small).await,
        400,
        "Content-Range bytes 0-998/5000 does not match the 1000 bytes sent",
    );
    assert_error(
        &post(&base, Some("u2"), Some("bytes zero"), &f, &small).await,
        400,
        "Invalid Content-Range header bytes zero",
    );
    assert_error(
        &post(&base, None, Some("bytes 0-999/1000"), &f, &small).await,
        400,
        "Content-Range without X-Unique-Upload-Id",
    );
    let big = vec![2u8; MB5];
    let total = MB5 + 10;
    assert_eq!(
        post(
            &base,
            Some("u3"),
            Some(&format!("bytes 0-{}/{total}", MB5 - 1)),
            &f,
            &big
        )
        .await
        .0,
        200
    );
    // The same part again (a retry whose answer was lost) is accepted; other bytes are not.
    assert_eq!(
        post(
            &base,
            Some("u3"),
            Some(&format!("bytes 0-{}/{total}", MB5 - 1)),
            &f,
            &big
        )
        .await
        .0,
        200
    );
    let other = vec![3u8; MB5];
    assert_error(
        &post(
            &base,
            Some("u3"),
            Some(&format!("bytes 0-{}/{total}", MB5 - 1)),
            &f,
            &other,
        )
        .await,
        400,
        &format!(
            "Content-Range bytes 0-{}/{total} overlaps a part already received",
            MB5 - 1
        ),
    );
    assert_error(
        &post(
            &base,
            Some("u3"),
            Some(&format!("bytes {MB5}-{}/{}", MB5 + 10, total + 1)),
            &f,
            &[0u8; 11],
        )
        .await,
        400,
        &format!(
            "Content-Range total {} differs from the upload's {total}",
            total + 1
        ),
    );
    // A single request without the chunk headers is a plain upload.
    let r = post(
        &base,
        None,
        None,
        &signed(&[("public_id", "small")], ts, SECRET),
        &small,
    )
    .await;
    assert_eq!((r.0, r.1["bytes"].as_u64()), (200, Some(1000)));
}

#[tokio::test]
async fn signatures_are_checked_like_cloudinary() {
    let base = start().await;
    let ts = now();
    let mut f = signed(&[("public_id", "s")], ts, "wrong-secret");
    let sig = f.iter().find(|(k, _)| k == "signature").unwrap().1.clone();
    assert_error(
        &post(&base, None, None, &f, b"x").await,
        401,
        &format!("Invalid Signature {sig}. String to sign - 'public_id=s&timestamp={ts}'."),
    );
    f.retain(|(k, _)| k != "api_key");
    f.push(("api_key".into(), "999".into()));
    assert_error(
        &post(&base, None, None, &f, b"x").await,
        401,
        "Unknown API key 999",
    );
    let old = now() - 3700;
    assert_error(
        &post(
            &base,
            None,
            None,
            &signed(&[("public_id", "s")], old, SECRET),
            b"x",
        )
        .await,
        400,
        &format!("Stale request - reported time is {old} which is more than 1 hour ago"),
    );
    // SHA-256 signatures are accepted too.
    let mut s256 = vec![
        ("public_id".to_owned(), "s2".to_owned()),
        ("timestamp".to_owned(), ts.to_string()),
    ];
    let sig = hex(&sha2::Sha256::digest(
        format!("public_id=s2&timestamp={ts}{SECRET}").as_bytes(),
    ));
    s256.push(("signature".into(), sig));
    s256.push(("api_key".into(), KEY.into()));
    assert_eq!(post(&base, None, None, &s256, b"x").await.0, 200);
}

/// The part-size limit at 5,000,000, 5,000,001 and 5,242,880 bytes (limits.rs: the stricter
/// reading of "larger than 5mb").
#[tokio::test]
async fn parts_below_5_mib_are_refused_and_5_mib_is_accepted() {
    let base = start().await;
    let ts = now();
    for (i, size, ok) in [
        (1, 5_000_000usize, false),
        (2, 5_000_001, false),
        (3, 5_242_880, true),
    ] {
        let pid = format!("limit{i}");
        let f = signed(&[("public_id", &pid)], ts, SECRET);
        let total = size + 10;
        let r = post(
            &base,
            Some(&format!("limit-{i}")),
            Some(&format!("bytes 0-{}/{total}", size - 1)),
            &f,
            &vec![7u8; size],
        )
        .await;
        if ok {
            assert_eq!(r.0, 200, "{size}: {}", r.1);
        } else {
            assert_error(
                &r,
                400,
                "All parts except EOF-chunk must be larger than 5mb",
            );
        }
    }
}

/// Signatures over what the Upload widget and the SDKs really send: `&` in a value, arrays (as
/// repeated and `[]` fields), empty values, the excluded params, booleans.
#[tokio::test]
async fn signatures_cover_ampersands_arrays_empty_values_and_excluded_params() {
    let base = start().await;
    let ts = now().to_string();
    let secret_sig =
        |to_sign: &str| hex(&sha1::Sha1::digest(format!("{to_sign}{SECRET}").as_bytes()));
    // The expected strings are written out here, independently of signature.rs.
    let cases: Vec<(Vec<(&str, &str)>, String)> = vec![
        (
            vec![("context", "caption=a&b"), ("public_id", "amp")],
            format!("context=caption=a%26b&public_id=amp&timestamp={ts}"),
        ),
        (
            vec![("tags[]", "x"), ("tags[]", "y"), ("public_id", "arr1")],
            format!("public_id=arr1&tags=x,y&timestamp={ts}"),
        ),
        (
            vec![("tags", "x"), ("tags", "y"), ("public_id", "arr2")],
            format!("public_id=arr2&tags=x,y&timestamp={ts}"),
        ),
        (
            vec![("folder", ""), ("public_id", "empty")],
            format!("public_id=empty&timestamp={ts}"),
        ),
        (
            vec![("public_id", "excl"), ("resource_type", "raw"), ("cloud_name", CLOUD)],
            format!("public_id=excl&timestamp={ts}"),
        ),
        (
            vec![("unique_filename", "true"), ("source", "uw"), ("eager", "c_fill,w_100|e_sepia/jpg"), ("public_id", "uw")],
            format!("eager=c_fill,w_100|e_sepia/jpg&public_id=uw&source=uw&timestamp={ts}&unique_filename=true"),
        ),
    ];
    for (params, expected) in cases {
        let mut fields: Vec<(String, String)> = params
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        fields.push(("timestamp".into(), ts.clone()));
        fields.push(("api_key".into(), KEY.into()));
        // Signed wrong first: the server's answer echoes its string to sign.
        let mut wrong = fields.clone();
        wrong.push(("signature".into(), "0".repeat(40)));
        let r = post(&base, None, None, &wrong, b"x").await;
        assert_error(
            &r,
            401,
            &format!(
                "Invalid Signature {}. String to sign - '{expected}'.",
                "0".repeat(40)
            ),
        );
        fields.push(("signature".into(), secret_sig(&expected)));
        let r = post(&base, None, None, &fields, b"x").await;
        assert_eq!(r.0, 200, "{expected}: {}", r.1);
    }
}

/// Strict mode: no parallel middle parts, no part sent twice.
#[tokio::test]
async fn strict_mode_refuses_parallel_and_resent_parts() {
    let base = start_with(TestServer::strict).await;
    let ts = now();
    let f = signed(&[("public_id", "strict")], ts, SECRET);
    let total = 3 * MB5 + 1;
    let part = vec![5u8; MB5];
    let range = |i: usize| format!("bytes {}-{}/{total}", i * MB5, (i + 1) * MB5 - 1);
    assert_eq!(
        post(&base, Some("s1"), Some(&range(0)), &f, &part).await.0,
        200
    );
    assert_error(
        &post(&base, Some("s1"), Some(&range(0)), &f, &part).await,
        400,
        &format!(
            "Content-Range {} was already received (test double, strict mode)",
            range(0)
        ),
    );
    // Two middle parts at once: the server holds the first (a delay fault on request 3), and
    // the second, sent once the server counts the first in flight, is refused.
    reqwest::Client::new()
        .post(format!("{base}/test/faults"))
        .json(&json!({"public_id": "strict", "nth": 3, "delay_ms": 3000}))
        .send()
        .await
        .unwrap();
    let range1 = range(1);
    let held = post(&base, Some("s1"), Some(&range1), &f, &part);
    let second = async {
        for _ in 0..200 {
            let report: Value = reqwest::get(format!("{base}/test/uploads?public_id=strict"))
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            if report["in_flight"] == 1 {
                return post(&base, Some("s1"), Some(&range(2)), &f, &part).await;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        panic!("the held part never reached the server");
    };
    let (held, second) = tokio::join!(held, second);
    assert_eq!(held.0, 200, "{}", held.1);
    assert_error(
        &second,
        400,
        "Parts of one upload were sent in parallel (test double, strict mode)",
    );
    // Without strict mode the same parallel part is accepted (Cloudinary: unconfirmed).
    let lax = start().await;
    let part0 = post(&lax, Some("l1"), Some(&range(0)), &f, &part).await;
    assert_eq!(part0.0, 200);
    let again = post(&lax, Some("l1"), Some(&range(0)), &f, &part).await;
    assert_eq!(again.0, 200, "a re-sent identical part: {}", again.1);
}

#[tokio::test]
async fn faults_are_injected_once_by_public_id_and_request_number() {
    let base = start().await;
    let c = reqwest::Client::new();
    let add = |f: Value| c.post(format!("{base}/test/faults")).json(&f).send();
    assert_eq!(
        add(json!({"public_id": "f", "nth": 1, "status": 500}))
            .await
            .unwrap()
            .status(),
        204
    );
    assert_eq!(
        add(json!({"public_id": "f", "nth": 2, "wrong_secret": true}))
            .await
            .unwrap()
            .status(),
        204
    );
    let f = signed(&[("public_id", "f")], now(), SECRET);
    let id = Some("uf");
    let range = Some("bytes 0-0/1");
    assert_error(
        &post(&base, id, range, &f, b"x").await,
        500,
        "Injected failure 500 (test double)",
    );
    let r = post(&base, id, range, &f, b"x").await;
    assert_eq!(r.0, 401);
    assert!(
        r.1["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("Invalid Signature "),
        "{}",
        r.1
    );
    assert_eq!(post(&base, id, range, &f, b"x").await.0, 200);
    let stats: Value = reqwest::get(format!("{base}/test/stats"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stats["in_flight"], 0);
    // CORS preflight for the browser tests.
    let pre = c
        .request(
            reqwest::Method::OPTIONS,
            format!("{base}/v1_1/{CLOUD}/raw/upload"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(pre.status(), 204);
    assert_eq!(pre.headers()["access-control-allow-origin"], "*");
    assert!(pre.headers()["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .contains("x-unique-upload-id"));
}

#[test]
fn accounts_come_from_the_signer_fixture() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../signer/tests/fixtures/test-config.toml"
    ))
    .unwrap();
    let a = accounts_from_config(&text, |k| Some(format!("secret-of-{k}"))).unwrap();
    assert_eq!(a.len(), 5);
    assert_eq!(a[KEY].cloud_name, CLOUD);
    assert_eq!(a[KEY].secret, "secret-of-CLD_TEST_SECRET_DEMO");
    assert_eq!(a["334455667788990"].cloud_name, "brand-eu");
    assert_eq!(
        accounts_from_config(&text, |_| None).unwrap_err(),
        "account 614335564976464: the environment variable CLD_TEST_SECRET_DEMO is not set (source signer/tests/fixtures/test-env.sh)"
    );
}

/// Issue 14's abilities: an upload kept by id across clients and reported by id with the times
/// and bytes of each range; an intermediate total of `-1` (the Node SDK's); a fault plan with a
/// dropped connection and a 420 with `Retry-After` (exposed through CORS); the request log.
#[tokio::test]
async fn fault_plan_rate_limits_drops_ranges_and_the_log() {
    let base = start().await;
    let ts = now();
    let total = 2 * MB5 + 10;
    let data: Vec<u8> = (0..total).map(|i| (i % 241) as u8).collect();
    let fields = signed(&[("folder", "q")], ts, SECRET);
    let client = reqwest::Client::new();
    let plan = |p: Value| {
        let c = client.clone();
        let base = base.clone();
        async move {
            c.post(format!("{base}/test/fault-plan"))
                .json(&p)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(plan(json!({"every": 1, "faults": []})).await, 400);
    // Every 2nd request: first a 420 with Retry-After, then a dropped connection.
    let faults = json!({"every": 2, "faults": [
        {"public_id": "", "nth": 0, "status": 420, "retry_after": "3", "rate_limit_reset": "Sun, 06 Nov 1994 08:49:37 GMT"},
        {"public_id": "", "nth": 0, "drop": true}]});
    assert_eq!(plan(faults).await, 204);
    // 1st request: processed; the total not known yet (`-1`), as cloudinary_npm sends it.
    let r = post(
        &base,
        Some("q1"),
        Some(&format!("bytes 0-{}/-1", MB5 - 1)),
        &fields,
        &data[..MB5],
    )
    .await;
    assert_eq!(r.0, 200, "{}", r.1);
    // 2nd: 420 with the headers, readable by a browser.
    let range2 = format!("bytes {MB5}-{}/-1", 2 * MB5 - 1);
    let res = request(
        &base,
        Some("q1"),
        Some(&range2),
        &fields,
        &data[MB5..2 * MB5],
    )
    .send()
    .await
    .unwrap();
    assert_eq!(res.status().as_u16(), 420);
    assert_eq!(res.headers()["retry-after"], "3");
    assert_eq!(
        res.headers()["x-featureratelimit-reset"],
        "Sun, 06 Nov 1994 08:49:37 GMT"
    );
    assert_eq!(
        res.headers()["access-control-expose-headers"],
        "retry-after, x-featureratelimit-reset"
    );
    assert_eq!(
        res.json::<Value>().await.unwrap()["error"]["message"],
        "Rate limit exceeded (test double)"
    );
    // 3rd: processed (the same range again); 4th: the connection drops.
    let r = post(
        &base,
        Some("q1"),
        Some(&format!("bytes {MB5}-{}/-1", 2 * MB5 - 1)),
        &fields,
        &data[MB5..2 * MB5],
    )
    .await;
    assert_eq!(r.0, 200, "{}", r.1);
    let range3 = format!("bytes {}-{}/{total}", 2 * MB5, total - 1);
    let res = request(&base, Some("q1"), Some(&range3), &fields, &data[2 * MB5..])
        .send()
        .await;
    // The connection closes without a complete answer.
    match res {
        Err(e) => assert!(e.is_request(), "{e}"),
        Ok(r) => assert!(r.bytes().await.is_err(), "the answer's body breaks off"),
    }
    assert_eq!(plan(json!({"every": 0, "faults": []})).await, 204);
    // Another client finishes the upload by its id.
    let r = post(
        &base,
        Some("q1"),
        Some(&format!("bytes {}-{}/{total}", 2 * MB5, total - 1)),
        &fields,
        &data[2 * MB5..],
    )
    .await;
    assert_eq!(r.0, 200, "{}", r.1);
    assert_eq!(r.1["bytes"], total);
    let report = get_json(format!("{base}/test/uploads?unique_upload_id=q1")).await;
    assert_eq!(report["done"], true);
    assert_eq!(report["total"], total);
    assert_eq!(
        report["received"],
        json!([
            {"range": format!("bytes 0-{}/{total}", MB5 - 1), "times": 1, "bytes": MB5},
            {"range": format!("bytes {MB5}-{}/{total}", 2 * MB5 - 1), "times": 2, "bytes": 2 * MB5},
            {"range": format!("bytes {}-{}/{total}", 2 * MB5, total - 1), "times": 2, "bytes": 20},
        ])
    );
    let log = get_json(format!("{base}/test/log")).await;
    let statuses: Vec<u64> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["status"].as_u64().unwrap())
        .collect();
    assert_eq!(statuses, [200, 420, 200, 0, 200]);
    assert_eq!(log[1]["retry_after"], "3");
    assert!(log[4]["at_ms"].as_u64() >= log[0]["at_ms"].as_u64());
}
