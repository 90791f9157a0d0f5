//! The signer client's batch delivery signing and its request timeout, in a real browser.
//!
//! Batch: through the REAL signer (`cld-signer --dev` with the test configuration at
//! SIGNER_URL), 50 items per request, signatures recomputed here with the fixture's test secret
//! (test code only); malformed answers from canned files served by `scripts/serve-doubles.mjs`
//! (DOUBLES_URL, `tests/doubles/signer/`).
//! Timeout: against the doubles server's `/hang/` (accepts, never answers) and `/stall/`
//! (answers 200 and half a body, never the rest) routes.
#![cfg(all(target_arch = "wasm32", target_os = "unknown"))]

mod support;

use cloudinary_connector::core::url::encode::base64;
use cloudinary_connector::core::url::{Prepared, SignRequest};
use cloudinary_connector::core::widgets::{AssetReference, DeliveryTarget};
use cloudinary_connector::core::wire::ErrorBody;
use cloudinary_connector::host::signer_client::{
    SignerClient, SignerError, TokenSource, BATCH_SIZE, DEFAULT_TIMEOUT_MS,
};
use sha1::Digest as _;
use support::{signer_dev_token, DOUBLES_URL, SIGNER_URL, TEST_SECRET};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const CLOUD_NAME: &str = "dn6ot3ged";

/// TEST ONLY: the short signature of `to_sign` with `secret`, SHA-1 or SHA-256.
fn fixture_signature(to_sign: &str, secret: &str, sha256: bool) -> String {
    let input = format!("{to_sign}{secret}");
    let digest: Vec<u8> = if sha256 {
        sha2::Sha256::digest(input.as_bytes()).to_vec()
    } else {
        sha1::Sha1::digest(input.as_bytes()).to_vec()
    };
    let mut s = String::new();
    base64(&digest, true, &mut s);
    s.truncate(8);
    s
}

async fn client(account: &str, role: &str) -> SignerClient {
    let token = signer_dev_token("editor@example.com", serde_json::json!({ account: role })).await;
    SignerClient::new(SIGNER_URL, TokenSource::Static(token))
}

/// The sign request of `public_id` delivered as `delivery_type` on `cloud`.
fn request(cloud: &str, delivery_type: &str, public_id: &str) -> SignRequest {
    let r = AssetReference {
        public_id: public_id.into(),
        version: Some(7),
        resource_type: "image".into(),
        delivery_type: delivery_type.into(),
        format: Some("jpg".into()),
        transformation: None,
    };
    match r.prepare_delivery(&DeliveryTarget::new(cloud)).unwrap() {
        Prepared::Url(u) => u.sign_request().expect("a signed type").clone(),
        Prepared::Unchanged(u) => panic!("unexpectedly unchanged: {u}"),
    }
}

#[wasm_bindgen_test]
async fn a_batch_of_120_is_signed_in_order_in_three_requests() {
    let signer = client("demo", "uploader").await;
    let requests: Vec<SignRequest> = (0..120)
        .map(|i| request(CLOUD_NAME, "authenticated", &format!("team/doc-{i}")))
        .collect();
    let refs: Vec<&SignRequest> = requests.iter().collect();
    assert_eq!(BATCH_SIZE, 50);
    let sigs = signer.sign_delivery_batch("demo", &refs).await.unwrap();
    assert_eq!(sigs.len(), 120);
    for (req, sig) in requests.iter().zip(&sigs) {
        assert_eq!(req.to_sign, format!("f_auto,q_auto/{}", req.public_id));
        assert_eq!(
            sig,
            &fixture_signature(&req.to_sign, TEST_SECRET, false),
            "{}",
            req.public_id
        );
    }
    // The same as one request per URL.
    assert_eq!(
        sigs[77],
        signer.sign_delivery("demo", &requests[77]).await.unwrap()
    );
    // Nothing to sign: no request, no signature.
    assert_eq!(
        signer.sign_delivery_batch("demo", &[]).await.unwrap(),
        Vec::<String>::new()
    );
}

#[wasm_bindgen_test]
async fn a_batch_on_a_sha256_account_uses_its_algorithm() {
    // The fixture's "brand" account signs with SHA-256 (`signature_algorithm = "sha256"`).
    const BRAND_SECRET: &str = "cldTestSecretBrand7QpX2mZ9wLk4";
    let signer = client("brand", "admin").await;
    let requests = [
        request("brand-cloud", "authenticated", "a"),
        request("brand-cloud", "private", "b"),
    ];
    let refs: Vec<&SignRequest> = requests.iter().collect();
    let sigs = signer.sign_delivery_batch("brand", &refs).await.unwrap();
    let expected: Vec<String> = requests
        .iter()
        .map(|r| fixture_signature(&r.to_sign, BRAND_SECRET, true))
        .collect();
    assert_eq!(sigs, expected);
}

#[wasm_bindgen_test]
async fn a_refused_item_in_the_second_request_is_named_by_its_place_in_the_whole_batch() {
    // The fixture's uploader role may sign `upload` and `authenticated` URLs, not `private`.
    let signer = client("demo", "uploader").await;
    let requests: Vec<SignRequest> = (0..60)
        .map(|i| {
            let ty = if i == 57 { "private" } else { "authenticated" };
            request(CLOUD_NAME, ty, &format!("team/doc-{i}"))
        })
        .collect();
    let refs: Vec<&SignRequest> = requests.iter().collect();
    let err = signer.sign_delivery_batch("demo", &refs).await.unwrap_err();
    assert_eq!(
        err,
        SignerError::Refused {
            status: 403,
            message: "items[57]: role uploader may not sign \"private\" delivery URLs on account \"demo\" \
                      [rule: accounts.demo.policy.uploader.delivery_types]"
                .into(),
            error: Some(ErrorBody {
                code: "policy_refused".into(),
                message: "items[57]: role uploader may not sign \"private\" delivery URLs on account \"demo\""
                    .into(),
                rule: Some("accounts.demo.policy.uploader.delivery_types".into()),
                item: Some(57),
            }),
        }
    );
    // In the first request: its own index.
    let err = signer
        .sign_delivery_batch("demo", &refs[50..])
        .await
        .unwrap_err();
    assert!(
        matches!(&err, SignerError::Refused { status: 403, message, error: Some(ErrorBody { item: Some(7), .. }) } if message.starts_with("items[7]: role uploader")),
        "{err:?}"
    );
}

/// A client of the canned answers `tests/doubles/signer/<case>/`.
fn canned(case: &str) -> SignerClient {
    SignerClient::new(
        &format!("{DOUBLES_URL}/signer/{case}"),
        TokenSource::Static("test-token".into()),
    )
}

#[wasm_bindgen_test]
async fn malformed_batch_answers_are_refused() {
    let requests = [
        request(CLOUD_NAME, "authenticated", "a"),
        request(CLOUD_NAME, "authenticated", "b"),
    ];
    let refs: Vec<&SignRequest> = requests.iter().collect();
    let cases = [
        ("short", "the signer's answer is malformed: the batch answer has a different number of results (1) than delivery URLs sent (2)"),
        (
            "bad-signature",
            "the signer's answer is malformed: results[1]: the delivery signature is not 8 URL-safe base64 characters",
        ),
        ("no-results", "the signer's answer is malformed: the batch answer has no `results` list"),
    ];
    for (case, message) in cases {
        let err = canned(case)
            .sign_delivery_batch("demo", &refs)
            .await
            .unwrap_err();
        assert!(matches!(err, SignerError::BadAnswer(_)), "{case}: {err:?}");
        assert_eq!(err.to_string(), message, "{case}");
    }
}

#[wasm_bindgen_test]
async fn a_signer_that_never_answers_times_out() {
    assert_eq!(DEFAULT_TIMEOUT_MS, 30_000);
    let base = format!("{DOUBLES_URL}/hang");
    let signer =
        SignerClient::new(&base, TokenSource::Static("secret-token-abc".into())).with_timeout(300);
    assert_eq!(signer.timeout_ms(), 300);
    let req = request(CLOUD_NAME, "authenticated", "a");
    let err = signer.sign_delivery("demo", &req).await.unwrap_err();
    let url = format!("{base}/v1/sign/delivery");
    assert_eq!(
        err,
        SignerError::Timeout {
            url: url.clone(),
            ms: 300
        }
    );
    assert_eq!(
        err.to_string(),
        format!("the signer at {url} gave no answer within 300 ms")
    );
    assert!(!err.to_string().contains("secret-token-abc"));
    let err = signer
        .sign_delivery_batch("demo", &[&req])
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("the signer at {base}/v1/sign/delivery/batch gave no answer within 300 ms")
    );
    let signer = SignerClient::new(&base, TokenSource::Static("t".into())).with_timeout(2000);
    let err = signer.sign_delivery("demo", &req).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("the signer at {url} gave no answer within 2 s")
    );
}

#[wasm_bindgen_test]
async fn a_signer_that_stops_mid_answer_times_out() {
    // Status and headers arrive at once; the body never ends: reading it is under the timeout.
    let base = format!("{DOUBLES_URL}/stall");
    let signer = SignerClient::new(&base, TokenSource::Static("t".into())).with_timeout(1500);
    let req = request(CLOUD_NAME, "authenticated", "a");
    let err = signer
        .sign_delivery_batch("demo", &[&req])
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("the signer at {base}/v1/sign/delivery/batch gave no answer within 1.5 s")
    );
}

#[wasm_bindgen_test]
async fn a_token_provider_that_never_answers_times_out_too() {
    // The host's token refresh hangs (a promise that never settles): the request is not even
    // sent, and the caller gets the provider's timeout, not a wait without end.
    let never = js_sys::Function::new_no_args("return new Promise(() => {})");
    let signer = SignerClient::new(SIGNER_URL, TokenSource::Provider(never)).with_timeout(300);
    let req = request(CLOUD_NAME, "authenticated", "a");
    let err = signer
        .sign_delivery_batch("demo", &[&req])
        .await
        .unwrap_err();
    assert_eq!(
        err,
        SignerError::Token("the token provider gave no token within 300 ms".into())
    );
    assert_eq!(
        err.to_string(),
        "the host gave no signer token: the token provider gave no token within 300 ms"
    );
    // A provider that answers in time is unaffected (the real signer signs).
    let token = signer_dev_token("alice", serde_json::json!({"demo": "uploader"})).await;
    let quick = js_sys::Function::new_no_args(&format!("return Promise.resolve({token:?})"));
    let signer = SignerClient::new(SIGNER_URL, TokenSource::Provider(quick)).with_timeout(5000);
    assert_eq!(
        signer
            .sign_delivery_batch("demo", &[&req])
            .await
            .unwrap()
            .len(),
        1
    );
}

#[wasm_bindgen_test]
async fn a_signer_that_is_down_is_unreachable_not_timed_out() {
    let signer =
        SignerClient::new("http://127.0.0.1:9", TokenSource::Static("t".into())).with_timeout(5000);
    let req = request(CLOUD_NAME, "authenticated", "a");
    let err = signer.sign_delivery("demo", &req).await.unwrap_err();
    assert!(matches!(err, SignerError::Unreachable { .. }), "{err:?}");
}

#[wasm_bindgen_test]
async fn a_token_that_no_http_header_can_carry_is_a_token_error_and_does_not_throw() {
    // A line break (or a NUL, or a character beyond Latin-1) cannot go in an `Authorization`
    // header: the request is not sent, and the caller hears that the token is unusable, without
    // the token (through gloo-net the browser's `Headers.set` error, whose Firefox wording quotes
    // the value, was thrown out of the plugin's task).
    for token in ["a\nb", "a\rb", "a\0b", "caf\u{e9}\u{2603}"] {
        let signer = SignerClient::new(SIGNER_URL, TokenSource::Static(token.into()));
        let req = request(CLOUD_NAME, "authenticated", "a");
        let err = signer.sign_delivery("demo", &req).await.unwrap_err();
        assert_eq!(
            err.to_string(),
            "the host gave no signer token: the token has a line break, a NUL or a character \
             beyond Latin-1, which no HTTP header can carry",
            "{token:?}"
        );
    }
    // Latin-1 is fine: the request goes out (and the signer refuses the token).
    let signer = SignerClient::new(SIGNER_URL, TokenSource::Static("caf\u{e9}".into()));
    let req = request(CLOUD_NAME, "authenticated", "a");
    let err = signer.sign_delivery("demo", &req).await.unwrap_err();
    assert!(matches!(err, SignerError::Refused { .. }), "{err:?}");
}

/// The panel's signer check (`GET /v1/health`) through the same client: the real signer is
/// healthy; a non-2xx answer is a refusal with its status (the panel shows `error (HTTP 404)`);
/// nothing listening is unreachable; a check cancelled while the signer holds it ends at once, and
/// one the signer never answers ends at the client's timeout.
#[wasm_bindgen_test]
async fn the_health_check_goes_through_the_client() {
    let never = web_sys::AbortController::new().unwrap();
    let healthy = SignerClient::new(SIGNER_URL, TokenSource::Static(String::new()));
    assert_eq!(healthy.health(&never.signal()).await, Ok(()));

    let missing = SignerClient::new(
        &format!("{DOUBLES_URL}/404"),
        TokenSource::Static("t".into()),
    );
    match missing.health(&never.signal()).await {
        Err(SignerError::Refused {
            status,
            message,
            error,
        }) => {
            assert_eq!(status, 404);
            assert_eq!(message, "HTTP 404 without an error message");
            assert_eq!(error, None);
        }
        other => panic!("expected a refusal, got {other:?}"),
    }

    let down = SignerClient::new("http://127.0.0.1:9", TokenSource::Static("t".into()));
    let err = down.health(&never.signal()).await.unwrap_err();
    assert!(matches!(err, SignerError::Unreachable { .. }), "{err:?}");

    let hanging = SignerClient::new(
        &format!("{DOUBLES_URL}/hang"),
        TokenSource::Static("t".into()),
    );
    // Cancelled 100 ms in, while the doubles server holds the request (it never answers).
    let signal = web_sys::AbortSignal::timeout_with_u32(100);
    let res = hanging.health(&signal).await;
    assert!(signal.aborted());
    assert!(
        matches!(res, Err(SignerError::Unreachable { .. })),
        "{res:?}"
    );

    // Not cancelled, the hanging check ends at the client's timeout.
    let slow = hanging.with_timeout(300);
    assert_eq!(
        slow.health(&never.signal()).await,
        Err(SignerError::Timeout {
            url: format!("{DOUBLES_URL}/hang/v1/health"),
            ms: 300
        })
    );
}

/// The error message of a thrown JS `Error`.
fn thrown(e: wasm_bindgen::JsValue) -> String {
    String::from(js_sys::Error::from(e).message())
}

#[wasm_bindgen_test]
fn signer_timeout_options_are_checked() {
    use cloudinary_connector::web::upload::JsChunkedUpload;
    use cloudinary_connector::web::widgets::JsWidgets;
    let widgets = |ms: serde_json::Value| {
        JsWidgets::new(support::js(
            &serde_json::json!({"platform": "Reference Host",
            "platformVersion": "2.1.0", "signerUrl": SIGNER_URL, "token": "t", "signerTimeoutMs": ms}),
        ))
    };
    assert!(widgets(serde_json::json!(1)).is_ok());
    assert!(widgets(serde_json::json!(600_000)).is_ok());
    assert!(widgets(serde_json::Value::Null).is_ok());
    assert_eq!(
        thrown(widgets(serde_json::json!(0)).unwrap_err()),
        "bad widgets config: signerTimeoutMs must be between 1 and 600000 milliseconds, not 0"
    );
    assert_eq!(
        thrown(widgets(serde_json::json!(600_001)).unwrap_err()),
        "bad widgets config: signerTimeoutMs must be between 1 and 600000 milliseconds, not 600001"
    );
    assert!(thrown(widgets(serde_json::json!("30s")).unwrap_err())
        .starts_with("bad widgets config: invalid type: string \"30s\""));
    let upload = |ms: serde_json::Value| {
        let blob = web_sys::Blob::new_with_str_sequence(&js_sys::Array::of1(&"x".into())).unwrap();
        let opts = support::js(&serde_json::json!({"signerUrl": SIGNER_URL, "token": "t",
            "account": "demo", "signerTimeoutMs": ms}));
        JsChunkedUpload::new(&blob, opts, None).map(|u| u.cancel())
    };
    assert_eq!(
        thrown(upload(serde_json::json!(0)).unwrap_err().into()),
        "upload options: signerTimeoutMs must be between 1 and 600000 milliseconds, not 0"
    );
    assert_eq!(
        thrown(upload(serde_json::json!(700_000)).unwrap_err().into()),
        "upload options: signerTimeoutMs must be between 1 and 600000 milliseconds, not 700000"
    );
    assert_eq!(
        thrown(widgets(serde_json::json!(-1)).unwrap_err()),
        "bad widgets config: invalid type: integer `-1`, expected u64"
    );
    assert_eq!(
        thrown(widgets(serde_json::json!(1.5)).unwrap_err()),
        "bad widgets config: invalid type: floating point `1.5`, expected u64"
    );
    // NaN and Infinity have no JSON text: refused by name, not read as "not set" (JSON.stringify
    // alone would make them null, and the 30 s default would apply without a word).
    let with_number = |base: serde_json::Value, n: f64| {
        let o = support::js(&base);
        js_sys::Reflect::set(&o, &"signerTimeoutMs".into(), &n.into()).unwrap();
        o
    };
    let widgets_config = serde_json::json!({"platform": "Reference Host", "platformVersion": "2.1.0",
        "signerUrl": SIGNER_URL, "token": "t"});
    for (n, text) in [(f64::NAN, "NaN"), (f64::INFINITY, "Infinity")] {
        assert_eq!(
            thrown(JsWidgets::new(with_number(widgets_config.clone(), n)).unwrap_err()),
            format!("bad widgets config: signerTimeoutMs is {text}, not a JSON number")
        );
        let blob = web_sys::Blob::new_with_str_sequence(&js_sys::Array::of1(&"x".into())).unwrap();
        let opts = with_number(
            serde_json::json!({"signerUrl": SIGNER_URL, "token": "t", "account": "demo"}),
            n,
        );
        let e = JsChunkedUpload::new(&blob, opts, None)
            .map(|u| u.cancel())
            .unwrap_err();
        assert_eq!(
            thrown(e.into()),
            format!("upload options: signerTimeoutMs is {text}, not a JSON number")
        );
    }
}

/// `Widgets` and the uploaders read a signer token with one reader (`TokenSource::from_js`): a
/// function or a non-empty string. An empty or non-string token is refused where it is given,
/// each with its own message, instead of reaching the signer as an empty bearer token (the
/// `Widgets` config used to accept `""`).
#[wasm_bindgen_test]
fn signer_tokens_are_a_function_or_a_non_empty_string() {
    use cloudinary_connector::web::upload::JsChunkedUpload;
    use cloudinary_connector::web::widgets::JsWidgets;
    let widgets = |token: serde_json::Value| {
        JsWidgets::new(support::js(
            &serde_json::json!({"platform": "Reference Host",
            "platformVersion": "2.1.0", "signerUrl": SIGNER_URL, "token": token}),
        ))
    };
    let upload = |token: serde_json::Value| {
        let blob = web_sys::Blob::new_with_str_sequence(&js_sys::Array::of1(&"x".into())).unwrap();
        let opts = support::js(
            &serde_json::json!({"signerUrl": SIGNER_URL, "token": token, "account": "demo"}),
        );
        JsChunkedUpload::new(&blob, opts, None).map(|u| u.cancel())
    };
    assert!(widgets(serde_json::json!("t")).is_ok());
    assert!(upload(serde_json::json!("t")).is_ok());
    for token in [
        serde_json::json!(""),
        serde_json::json!(7),
        serde_json::Value::Null,
    ] {
        assert_eq!(
            thrown(widgets(token.clone()).unwrap_err()),
            "signerUrl needs a token: a non-empty string or a function returning one",
            "{token}"
        );
        assert_eq!(
            thrown(upload(token.clone()).unwrap_err().into()),
            "upload options: token must be a non-empty string or a function returning one",
            "{token}"
        );
    }
    // A function is called before each request, so it is taken as it is.
    let config = support::js(&serde_json::json!({"platform": "Reference Host",
        "platformVersion": "2.1.0", "signerUrl": SIGNER_URL}));
    let f = js_sys::Function::new_no_args("return 't'");
    js_sys::Reflect::set(&config, &"token".into(), &f).unwrap();
    assert!(JsWidgets::new(config).is_ok());
}
