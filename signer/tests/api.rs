//! The signer's HTTP API, driven in-process with `oneshot` (and once over a real socket):
//! every conformance vector, every refusal, CORS, development tokens, webhooks and the
//! outbound calls against a local test double of Cloudinary.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use cloudinary_connector_signer::auth::Claims;
use cloudinary_connector_signer::policy::Role::{self, Admin, Uploader, Viewer};
use common::*;
use serde_json::{json, Value};

const FIXTURE: &str = include_str!("../../tests/fixtures/conformance/signatures.json");

fn vectors() -> Value {
    serde_json::from_str(FIXTURE).unwrap()
}

fn ts_of(params: &Value) -> Option<u64> {
    params
        .get("timestamp")
        .and_then(Value::as_str)
        .and_then(|s| s.parse().ok())
}

// ------------------------------------------------------------------------------------------
// Conformance vectors through the HTTP API

/// Every `api_sign_request` vector checks out through `/v1/verify/api-signature` (exactly the
/// params, nothing added), and a one-character change is refused.
#[tokio::test]
async fn conformance_api_sign_request_vectors_verify_over_http() {
    let v = vectors();
    let cases = v["api_sign_request"].as_array().unwrap();
    assert_eq!(cases.len(), 14);
    for case in cases {
        let signer = base_signer(case["secret"].as_str().unwrap());
        let router = signer.router();
        let t = token("alice", &[("vec", Viewer)]);
        let sig = case["signature"].as_str().unwrap();
        let body = json!({"account": "vec", "params": case["params"], "signature": sig});
        let r = post(&router, "/v1/verify/api-signature", Some(&t), &body).await;
        assert_eq!(r.status, StatusCode::OK, "{case}: {:?}", r.body);
        assert_eq!(r.body["valid"], true, "{case}");
        assert_eq!(r.body["algorithm"], case["algorithm"], "{case}");
        let mut wrong = sig.to_owned();
        wrong.replace_range(0..1, if sig.starts_with('0') { "1" } else { "0" });
        let r = post(
            &router,
            "/v1/verify/api-signature",
            Some(&t),
            &json!({"account": "vec", "params": case["params"], "signature": wrong}),
        )
        .await;
        assert_eq!(r.body["valid"], false, "{case}");
        assert_eq!(signer.signatures_issued(), 0, "verifying issues nothing");
    }
}

/// Every vector that carries a timestamp is also *issued* by `/v1/sign/upload` with the
/// signer's clock at that timestamp (admin policy: every parameter signable) — except those
/// over `cloud_name` (V4–V7: a Media Library login string and raw `api_sign_request` checks),
/// which upload signing refuses for every role and which the verify test above covers.
#[tokio::test]
async fn conformance_upload_signatures_issued_over_http() {
    let v = vectors();
    let mut issued = 0;
    let mut refused = 0;
    for case in v["api_sign_request"].as_array().unwrap() {
        let Some(ts) = ts_of(&case["params"]) else {
            continue;
        };
        let signer = signer_at(
            config(BASE_CONFIG, &base_env(case["secret"].as_str().unwrap())),
            ts,
            false,
        );
        let router = signer.router();
        let t = token_at("alice", &[("vec", Admin)], ts);
        let body = json!({"account": "vec", "params_to_sign": case["params"], "algorithm": case["algorithm"]});
        let r = post(&router, "/v1/sign/upload", Some(&t), &body).await;
        if case["params"].get("cloud_name").is_some() {
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{case}");
            assert_eq!(r.rule(), Some("accounts.vec.policy.admin.upload_params"));
            assert_eq!(signer.signatures_issued(), 0);
            refused += 1;
            continue;
        }
        assert_eq!(r.status, StatusCode::OK, "{case}: {:?}", r.body);
        assert_eq!(r.body["signature"], case["signature"], "{case}");
        assert_eq!(r.body["timestamp"], ts);
        assert_eq!(r.body["signature_version"], 2);
        assert_eq!(r.body["api_key"], "1234");
        assert_eq!(signer.signatures_issued(), 1);
        issued += 1;
    }
    assert_eq!((issued, refused), (4, 4), "vectors with a timestamp");
}

/// The Media Library login vector (SHA-256 over cloud_name, timestamp, username).
#[tokio::test]
async fn conformance_media_library_login_over_http() {
    let v = vectors();
    let case = &v["api_sign_request"][5];
    assert_eq!(case["algorithm"], "sha256");
    let ts = ts_of(&case["params"]).unwrap();
    let signer = signer_at(
        config(BASE_CONFIG, &base_env(case["secret"].as_str().unwrap())),
        ts,
        false,
    );
    let router = signer.router();
    let t = token_with(Claims {
        ml_username: Some("user@cloudinary.com".into()),
        ..claims("alice", &[("vec", Uploader)], ts + 600)
    });
    // The signer sets the timestamp from its clock...
    let r = post(
        &router,
        "/v1/sign/media-library",
        Some(&t),
        &json!({"account": "vec"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["signature"], case["signature"]);
    assert_eq!(
        r.body,
        json!({"cloud_name": "dn6ot3ged", "api_key": "1234", "username": "user@cloudinary.com",
               "timestamp": ts, "signature": case["signature"]})
    );
    // ...or validates the caller's.
    let r = post(
        &router,
        "/v1/sign/media-library",
        Some(&t),
        &json!({"account": "vec", "timestamp": ts.to_string(), "username": "user@cloudinary.com"}),
    )
    .await;
    assert_eq!(r.body["signature"], case["signature"]);
}

/// Every delivery-URL vector through `/v1/sign/delivery`.
#[tokio::test]
async fn conformance_url_signatures_over_http() {
    let v = vectors();
    let cases = v["url_signature"].as_array().unwrap();
    assert_eq!(cases.len(), 6);
    for case in cases {
        let signer = base_signer(case["secret"].as_str().unwrap());
        let router = signer.router();
        let t = token("alice", &[("vec", Admin)]);
        let body = with_account(&url_vector_item(case), "vec");
        let r = post(&router, "/v1/sign/delivery", Some(&t), &body).await;
        assert_eq!(r.status, StatusCode::OK, "{case}: {:?}", r.body);
        assert_eq!(r.body["signature"], case["signature"], "{case}");
        assert_eq!(
            r.body["url_component"],
            format!("s--{}--", case["signature"].as_str().unwrap())
        );
    }
}

/// A text layer whose font has a space (`l_text:Open Sans_20:…`): the engine's request is signed
/// as the SDKs sign it (before the URL gets `%20`). The Node SDK 2.11 with secret "b" gives
/// `https://res.cloudinary.com/test123/image/upload/s--XLVmjbLA--/l_text:Open%20Sans_20:Hi%20there/sample`.
#[tokio::test]
async fn a_text_layer_with_a_space_is_signed_as_the_sdks_sign_it() {
    use cloudinary_connector::core::url::{prepare, Prepared};
    let signer = base_signer("b");
    let router = signer.router();
    let t = token("alice", &[("vec", Admin)]);
    let options = cloudinary_connector::core::json::from_str(
        r#"{"overlay":{"text":"Hi there","font_family":"Open Sans","font_size":20},"sign_url":true}"#,
    )
    .unwrap();
    let config = cloudinary_connector::json!({"cloud_name": "test123", "secure": true});
    let Prepared::Url(p) = prepare("sample", &options, &config).unwrap() else {
        panic!("a URL to sign")
    };
    let req = p.sign_request().unwrap();
    let body = json!({"account": "vec", "resource_type": req.resource_type, "type": req.delivery_type,
                      "transformation": req.transformation, "public_id": req.public_id,
                      "long_signature": false});
    let r = post(&router, "/v1/sign/delivery", Some(&t), &body).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["signature"], "XLVmjbLA");
    assert_eq!(
        p.finish(Some("XLVmjbLA")).unwrap(),
        "https://res.cloudinary.com/test123/image/upload/s--XLVmjbLA--/l_text:Open%20Sans_20:Hi%20there/sample"
    );
}

/// The notification vector through the webhook endpoint, forwarded to the host.
#[tokio::test]
async fn conformance_webhook_notification_verified_and_forwarded() {
    let v = vectors();
    let case = &v["webhook_notification"][0];
    let double = start_double(vec![], 200).await;
    let toml = format!(
        "{BASE_CONFIG}\n[webhooks]\nforward_url = \"{}/host/cloudinary-events\"\nforward_secret_env = \"FWD\"\n",
        double.base
    );
    let mut env = base_env(case["secret"].as_str().unwrap());
    env.insert("FWD".into(), "forward-secret-0123456789".into());
    let ts: u64 = case["timestamp"].as_str().unwrap().parse().unwrap();
    let signer = signer_at(config(&toml, &env), ts + 5, false);
    let router = signer.router();
    let body = case["body"].as_str().unwrap();
    let req = |sig: &str| {
        Request::post("/v1/webhooks/cloudinary/vec")
            .header("content-type", "application/json")
            .header("x-cld-timestamp", case["timestamp"].as_str().unwrap())
            .header("x-cld-signature", sig)
            .body(Body::from(body.to_owned()))
            .unwrap()
    };
    let r = send(&router, req(case["signature"].as_str().unwrap())).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body, json!({"status": "forwarded", "account": "vec"}));
    let seen = double.seen();
    assert_eq!(seen.len(), 1);
    let fwd = &seen[0];
    assert_eq!(fwd.path, "/host/cloudinary-events");
    assert_eq!(fwd.body.as_ref(), body.as_bytes());
    assert_eq!(fwd.headers["x-cld-account"], "vec");
    assert_eq!(fwd.headers["x-cld-timestamp"], "1417727468");
    assert_eq!(fwd.headers["user-agent"], signer.user_agent());
    // The host verifies the forward with
    // HMAC-SHA256(forward secret, signer_ts + "." + account + "." + X-Cld-Timestamp + "." + body).
    let signer_ts = fwd.headers["x-cld-signer-timestamp"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(signer_ts, (ts + 5).to_string());
    let expected = cloudinary_connector_signer::crypto::hmac_sha256_hex(
        &cloudinary_connector_signer::config::Secret::new("forward-secret-0123456789"),
        format!("{signer_ts}.vec.1417727468.{body}").as_bytes(),
    );
    assert_eq!(
        fwd.headers["x-cld-signer-signature"],
        format!("sha256={expected}").as_str()
    );

    // A forged signature is refused and nothing is forwarded.
    let r = send(&router, req("bac927006d3ce039ef7632e2c03189348d02924b")).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.code(), "webhook_bad_signature");
    assert_eq!(
        r.message(),
        "the notification's X-Cld-Signature does not verify with the secret of account \"vec\""
    );
    assert_eq!(double.seen().len(), 1);
}

fn claims(user: &str, roles: &[(&str, Role)], exp: u64) -> Claims {
    Claims {
        sub: user.into(),
        exp,
        nbf: None,
        iat: None,
        iss: None,
        aud: Some("cld-signer".into()),
        roles: roles.iter().map(|(a, r)| ((*a).to_owned(), *r)).collect(),
        ml_username: None,
    }
}

// ------------------------------------------------------------------------------------------
// Refusals: right status, clear message, zero signatures

struct Refusal {
    name: &'static str,
    path: &'static str,
    token: Option<String>,
    body: Vec<u8>,
    origin: Option<&'static str>,
    status: StatusCode,
    code: &'static str,
    message: &'static str,
    rule: Option<&'static str>,
}

// One row of the refusal table: positional, like the table it builds.
#[allow(clippy::too_many_arguments)]
fn refusal(
    name: &'static str,
    path: &'static str,
    token: Option<String>,
    body: Value,
    status: StatusCode,
    code: &'static str,
    message: &'static str,
    rule: Option<&'static str>,
) -> Refusal {
    Refusal {
        name,
        path,
        token,
        body: body.to_string().into_bytes(),
        origin: None,
        status,
        code,
        message,
        rule,
    }
}

#[tokio::test]
async fn refusals_have_the_right_status_message_and_issue_nothing() {
    let signer = base_signer("vecSecret-abcdefgh");
    let router = signer.router();
    let up = || Some(token("alice", &[("shop", Uploader)]));
    let shop_upload = |params: Value| json!({"account": "shop", "params_to_sign": params});
    let mut cases = vec![
        refusal("no token", "/v1/sign/upload", None, shop_upload(json!({"folder": "shop/alice"})),
            StatusCode::UNAUTHORIZED, "token_missing",
            "no bearer token: send `Authorization: Bearer <JWT>` issued by the host", None),
        refusal("expired token", "/v1/sign/upload", Some(token_until("alice", &[("shop", Uploader)], NOW - 100)),
            shop_upload(json!({"folder": "shop/alice"})), StatusCode::UNAUTHORIZED, "token_expired",
            "the bearer token expired at 1699999900 (signer clock 1700000000); ask the host for a new one", None),
        refusal("token signed with another key", "/v1/sign/upload",
            Some(cloudinary_connector_signer::auth::mint_hs256(
                &cloudinary_connector_signer::config::Secret::new("not-the-key-not-the-key-not-the-key"),
                &claims("alice", &[("shop", Admin)], NOW + 60))),
            shop_upload(json!({"folder": "shop/alice"})), StatusCode::UNAUTHORIZED, "token_bad_signature",
            "the bearer token's signature does not verify with any configured key", None),
        refusal("garbage token", "/v1/sign/upload", Some("not.a.jwt".into()), shop_upload(json!({})),
            StatusCode::UNAUTHORIZED, "token_malformed", "the bearer token is malformed: not a JWT", None),
        refusal("token for another audience", "/v1/sign/upload",
            Some(token_with(Claims { aud: Some("other".into()), ..claims("alice", &[("shop", Admin)], NOW + 60) })),
            shop_upload(json!({})), StatusCode::UNAUTHORIZED, "token_claims",
            "the bearer token's aud claim is not the one this signer expects", None),
        refusal("token living too long", "/v1/sign/upload",
            Some(token_until("alice", &[("shop", Admin)], NOW + 2 * 86_400)),
            shop_upload(json!({})), StatusCode::UNAUTHORIZED, "token_too_long_lived",
            "the bearer token lives too long: its exp must be at most 86400 seconds away", None),
        refusal("role too low (viewer uploads)", "/v1/sign/upload", Some(token("alice", &[("shop", Viewer)])),
            shop_upload(json!({"folder": "shop/alice"})), StatusCode::FORBIDDEN, "policy_refused",
            "role viewer may not sign uploads on account \"shop\"", Some("accounts.shop.policy.viewer.upload_params")),
        refusal("role too low (credential check)", "/v1/accounts/shop/check", up(), Value::Null,
            StatusCode::FORBIDDEN, "role_too_low",
            "checking credentials on account \"shop\" needs the admin role, not uploader", Some("token.roles")),
        refusal("no role on the account", "/v1/sign/upload", Some(token("alice", &[("vec", Admin)])),
            shop_upload(json!({"folder": "shop/alice"})), StatusCode::FORBIDDEN, "no_role",
            "user \"alice\" has no role on account \"shop\"", Some("token.roles")),
        refusal("unknown account", "/v1/sign/upload", up(), json!({"account": "nope", "params_to_sign": {}}),
            StatusCode::NOT_FOUND, "unknown_account", "unknown account \"nope\"", None),
        refusal("account omitted with several accounts", "/v1/sign/upload", up(), json!({"params_to_sign": {}}),
            StatusCode::UNPROCESSABLE_ENTITY, "invalid_request", "`account` is required: this signer holds 3 accounts", None),
        refusal("forbidden param", "/v1/sign/upload", up(),
            shop_upload(json!({"folder": "shop/alice", "overwrite": true})), StatusCode::FORBIDDEN, "policy_refused",
            "role uploader may sign only overwrite=false on account \"shop\"",
            Some("accounts.shop.policy.uploader.upload_params")),
        refusal("cloud_name is not signable by uploaders", "/v1/sign/upload", up(),
            shop_upload(json!({"folder": "shop/alice", "cloud_name": "shop-cloud"})), StatusCode::FORBIDDEN, "policy_refused",
            "parameter \"cloud_name\" is never signed for uploads: it is not an Upload API parameter there, and with it an upload signature would be a Media Library login signature (use /v1/sign/media-library)",
            Some("accounts.shop.policy.uploader.upload_params")),
        refusal("forbidden preset", "/v1/sign/upload", up(),
            shop_upload(json!({"folder": "shop/alice", "upload_preset": "ml_default"})), StatusCode::FORBIDDEN, "policy_refused",
            "upload preset \"ml_default\" is not allowed for role uploader on account \"shop\"",
            Some("accounts.shop.policy.uploader.upload_presets")),
        refusal("forbidden folder", "/v1/sign/upload", up(),
            shop_upload(json!({"folder": "shop/bob"})), StatusCode::FORBIDDEN, "policy_refused",
            "folder \"shop/bob\" is outside the folder \"shop/alice\" that role uploader may write to on account \"shop\"",
            Some("accounts.shop.policy.uploader.folder_prefix")),
        refusal("forbidden folder via the sub-account's inherited policy", "/v1/sign/upload", up(),
            json!({"account": "shop-eu", "params_to_sign": {"folder": "elsewhere"}}), StatusCode::FORBIDDEN, "policy_refused",
            "folder \"elsewhere\" is outside the folder \"shop/alice\" that role uploader may write to on account \"shop-eu\"",
            Some("accounts.shop-eu.policy.uploader.folder_prefix")),
        refusal("forbidden delivery type", "/v1/sign/delivery", up(),
            json!({"account": "shop", "type": "private", "public_id": "a.jpg"}), StatusCode::FORBIDDEN, "policy_refused",
            "role uploader may not sign \"private\" delivery URLs on account \"shop\"",
            Some("accounts.shop.policy.uploader.delivery_types")),
        refusal("viewer asks for the Media Library login", "/v1/sign/media-library", Some(token("alice", &[("shop", Viewer)])),
            json!({"account": "shop"}), StatusCode::FORBIDDEN, "policy_refused",
            "role viewer may not log in to the Media Library of account \"shop\"",
            Some("accounts.shop.policy.viewer.media_library")),
        refusal("Media Library login for someone else", "/v1/sign/media-library", up(),
            json!({"account": "shop", "username": "boss@example.com"}), StatusCode::FORBIDDEN, "policy_refused",
            "the token vouches for Media Library user \"alice\", not \"boss@example.com\"", Some("token.ml_username")),
        refusal("stale timestamp", "/v1/sign/upload", up(),
            shop_upload(json!({"folder": "shop/alice", "timestamp": NOW - 3600})), StatusCode::UNPROCESSABLE_ENTITY, "stale_timestamp",
            "timestamp 1699996400 is 3600 seconds old; this signer signs timestamps at most 900 seconds old (Cloudinary honours a signature for one hour from its timestamp): omit it and the signer sets it",
            Some("server.timestamp_max_age_secs")),
        refusal("future timestamp", "/v1/sign/upload", up(),
            shop_upload(json!({"folder": "shop/alice", "timestamp": (NOW + 3600).to_string()})), StatusCode::UNPROCESSABLE_ENTITY, "future_timestamp",
            "timestamp 1700003600 is 3600 seconds in the future (at most 300 allowed); check the client's clock or omit it and the signer sets it",
            Some("server.timestamp_max_future_secs")),
        refusal("timestamp that is not a number", "/v1/sign/upload", up(),
            shop_upload(json!({"folder": "shop/alice", "timestamp": "yesterday"})), StatusCode::UNPROCESSABLE_ENTITY, "invalid_request",
            "`timestamp` must be Unix seconds (an integer or a string of digits)", None),
        refusal("too many params", "/v1/sign/upload", up(),
            shop_upload(json!({"a": 1, "b": 2, "c": 3, "d": 4, "e": 5, "f": 6, "g": 7, "h": 8, "i": 9})),
            StatusCode::PAYLOAD_TOO_LARGE, "too_many_params",
            "params_to_sign has 9 parameters; at most 8 are signed in one request", Some("server.max_params")),
        refusal("nested object", "/v1/sign/upload", up(),
            shop_upload(json!({"folder": "shop/alice", "context": {"alt": "x"}})), StatusCode::UNPROCESSABLE_ENTITY, "invalid_request",
            "params_to_sign.context: nested objects and arrays cannot be signed; send the value serialised as Cloudinary expects (e.g. context as key=value|key2=value2)", None),
        refusal("bad parameter name", "/v1/sign/upload", up(),
            shop_upload(json!({"folder&x": "1"})), StatusCode::UNPROCESSABLE_ENTITY, "invalid_request",
            "params_to_sign: \"folder&x\" is not a parameter name (ASCII letters, digits and `_`)", None),
        refusal("signature version 1", "/v1/sign/upload", up(),
            json!({"account": "shop", "params_to_sign": {}, "signature_version": 1}), StatusCode::UNPROCESSABLE_ENTITY, "invalid_request",
            "signature_version 1 is not supported: this signer signs with version 2 only (it escapes `&` in values)", None),
        refusal("unknown field", "/v1/sign/delivery", up(),
            json!({"account": "shop", "public_id": "a", "secret": "x"}), StatusCode::UNPROCESSABLE_ENTITY, "invalid_request",
            "", None),
        refusal("bad resource type", "/v1/sign/delivery", up(),
            json!({"account": "shop", "public_id": "a", "resource_type": "pdf"}), StatusCode::UNPROCESSABLE_ENTITY, "invalid_request",
            "resource_type \"pdf\" is not one of \"image\", \"video\", \"raw\"", None),
        refusal("tab in a transformation", "/v1/sign/delivery", up(),
            json!({"account": "shop", "public_id": "a", "transformation": "l_text:Open\tSans_20:hi"}), StatusCode::UNPROCESSABLE_ENTITY, "invalid_request",
            "transformation must be at most 2048 characters without control characters or whitespace other than spaces", None),
        refusal("dev token in production", "/v1/dev/token", None, json!({"user": "mallory", "roles": {"shop": "admin"}}),
            StatusCode::NOT_FOUND, "not_found", "no such endpoint", None),
    ];
    let mut malformed = refusal(
        "malformed JSON",
        "/v1/sign/upload",
        up(),
        Value::Null,
        StatusCode::BAD_REQUEST,
        "malformed_json",
        "the request body is not valid JSON: EOF while parsing a value at line 1 column 12",
        None,
    );
    malformed.body = br#"{"account":"#.to_vec();
    malformed.body.push(b' ');
    cases.push(malformed);
    let mut big = refusal(
        "oversized body",
        "/v1/sign/upload",
        up(),
        Value::Null,
        StatusCode::PAYLOAD_TOO_LARGE,
        "body_too_large",
        "the request body is larger than 4096 bytes",
        Some("server.max_body_bytes"),
    );
    big.body = json!({"account": "shop", "params_to_sign": {"tags": "x".repeat(5000)}})
        .to_string()
        .into_bytes();
    cases.push(big);
    let mut wrong_origin = refusal(
        "wrong origin",
        "/v1/sign/upload",
        up(),
        shop_upload(json!({"folder": "shop/alice"})),
        StatusCode::FORBIDDEN,
        "origin_not_allowed",
        "origin \"https://evil.example\" is not in this signer's CORS allowlist",
        Some("server.cors_origins"),
    );
    wrong_origin.origin = Some("https://evil.example");
    cases.push(wrong_origin);

    for c in &cases {
        let get_path = c.path.ends_with("/check");
        let mut b = if get_path {
            Request::get(c.path)
        } else {
            Request::post(c.path).header("content-type", "application/json")
        };
        if let Some(t) = &c.token {
            b = b.header("authorization", format!("Bearer {t}"));
        }
        if let Some(o) = c.origin {
            b = b.header("origin", o);
        }
        let body = if get_path {
            Body::empty()
        } else {
            Body::from(c.body.clone())
        };
        let r = send(&router, b.body(body).unwrap()).await;
        assert_eq!(r.status, c.status, "{}: {:?}", c.name, r.body);
        assert_eq!(r.code(), c.code, "{}", c.name);
        if !c.message.is_empty() {
            assert_eq!(r.message(), c.message, "{}", c.name);
        }
        assert_eq!(r.rule(), c.rule, "{}", c.name);
        assert!(
            r.body.get("signature").is_none()
                && !String::from_utf8_lossy(&r.raw).contains("\"signature\""),
            "{}",
            c.name
        );
        if c.status == StatusCode::UNAUTHORIZED {
            assert_eq!(r.headers["www-authenticate"], "Bearer", "{}", c.name);
        }
    }
    assert_eq!(
        signer.signatures_issued(),
        0,
        "no refusal issued a signature"
    );
}

#[tokio::test]
async fn wrong_content_type_and_unknown_paths_are_explained() {
    let router = base_signer("s").router();
    let t = token("alice", &[("shop", Admin)]);
    let r = send(
        &router,
        Request::post("/v1/sign/upload")
            .header("authorization", format!("Bearer {t}"))
            .header("content-type", "text/plain")
            .body(Body::from("{}"))
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(
        r.message(),
        "send the request body as JSON with `Content-Type: application/json`"
    );
    let r = get(&router, "/v2/anything", None).await;
    assert_eq!((r.status, r.code()), (StatusCode::NOT_FOUND, "not_found"));
    let r = get(&router, "/v1/sign/upload", Some(&t)).await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed")
    );
}

#[tokio::test]
async fn rate_limit_is_per_user_with_retry_after() {
    let toml = BASE_CONFIG.replace(
        "rate_limit_per_minute = 6000\nrate_limit_burst = 1000",
        "rate_limit_per_minute = 60\nrate_limit_burst = 2",
    );
    let router = signer_at(config(&toml, &base_env("s")), NOW, false).router();
    let alice = token("alice", &[("shop", Viewer)]);
    let bob = token("bob", &[("shop", Viewer)]);
    for _ in 0..2 {
        assert_eq!(
            get(&router, "/v1/accounts", Some(&alice)).await.status,
            StatusCode::OK
        );
    }
    let r = get(&router, "/v1/accounts", Some(&alice)).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(r.rule(), Some("server.rate_limit_per_minute"));
    assert!(
        r.message().starts_with(
            "user \"alice\" exceeded 60 requests per minute on this signer instance; retry in "
        ),
        "{}",
        r.message()
    );
    assert!(r.headers.contains_key("retry-after"));
    assert_eq!(
        get(&router, "/v1/accounts", Some(&bob)).await.status,
        StatusCode::OK
    );
}

// ------------------------------------------------------------------------------------------
// Behaviour

#[tokio::test]
async fn upload_signature_sets_the_timestamp_and_follows_policy() {
    let signer = base_signer("s");
    let router = signer.router();
    let t = token("alice", &[("shop", Uploader)]);
    let r = post(&router, "/v1/sign/upload", Some(&t), &json!({"account": "shop", "paramsToSign":
        {"source": "uw", "folder": "shop/alice/2024", "upload_preset": "shop_signed", "unique_filename": true,
         "tags": ["a", "b"], "api_key": "5678", "empty": "", "none": null}})).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["timestamp"], NOW);
    // Same as the core string to sign + the secret, hashed here independently.
    use sha1::Digest;
    let expected = format!(
        "{:x}",
        sha1::Sha1::digest(format!("folder=shop/alice/2024&source=uw&tags=a,b&timestamp={NOW}&unique_filename=true&upload_preset=shop_signed{SHOP_SECRET}"))
    );
    assert_eq!(r.body["signature"], expected);
    assert_eq!(r.body["algorithm"], "sha1");
    assert_eq!(r.body["cloud_name"], "shop-cloud");
}

#[tokio::test]
async fn a_single_account_needs_no_account_field() {
    let cfg = cloudinary_connector_signer::config::from_cloudinary_url(
        "cloudinary://1234:abcd@demo",
        &[("CLD_SIGNER_JWT_KEY".to_owned(), JWT_KEY.to_owned())]
            .into_iter()
            .collect::<std::collections::BTreeMap<_, _>>(),
    )
    .unwrap();
    let signer = signer_at(cfg, 1_315_060_510, false);
    let router = signer.router();
    let t = token_with(Claims {
        aud: None,
        ..claims("u", &[("default", Admin)], 1_315_060_510 + 60)
    });
    // The next-cloudinary `{paramsToSign}` body, unchanged (an admin: uploaders may not choose
    // a public id without overwrite=false and a folder prefix).
    let r = post(
        &router,
        "/v1/sign/upload",
        Some(&t),
        &json!({"paramsToSign": {"public_id": "sample_image", "timestamp": "1315060510"}}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(
        r.body["signature"],
        "b4ad47fb4e25c7bf5f92a20089f9db59bc302313"
    );
}

#[tokio::test]
async fn accounts_list_roles_and_permissions_without_secrets() {
    let router = base_signer("vecSecret-abcdefgh").router();
    let t = token("alice", &[("shop-eu", Uploader), ("vec", Viewer)]);
    let r = get(&router, "/v1/accounts", Some(&t)).await;
    assert_eq!(r.status, StatusCode::OK);
    let text = String::from_utf8_lossy(&r.raw).to_string();
    for s in [SHOP_SECRET, SHOP_EU_SECRET, "vecSecret-abcdefgh", JWT_KEY] {
        assert!(!text.contains(s));
    }
    assert_eq!(r.body["user"], "alice");
    assert_eq!(
        r.body["expires_at"],
        NOW + 600,
        "the token's expiry: a login made with the listing lasts until then"
    );
    let accts = r.body["accounts"].as_array().unwrap();
    assert_eq!(accts.len(), 2);
    assert_eq!(accts[0]["id"], "vec");
    assert_eq!(accts[0]["role"], "viewer");
    assert_eq!(accts[0]["permissions"]["media_library"], false);
    assert_eq!(accts[0]["sub_accounts"], json!([]));
    // The caller has a role only on the sub-account: the parent is listed without one.
    assert_eq!(accts[1]["id"], "shop");
    assert_eq!(accts[1]["role"], Value::Null);
    let eu = &accts[1]["sub_accounts"][0];
    assert_eq!(eu["id"], "shop-eu");
    assert_eq!(eu["role"], "uploader");
    assert_eq!(eu["api_key"], "9012");
    assert_eq!(eu["permissions"]["folder_prefix"], "shop/alice");
    assert_eq!(eu["permissions"]["upload_presets"], json!(["shop_signed"]));
    assert_eq!(eu["products"], json!(["programmable_media"]));
}

#[tokio::test]
async fn health_reports_mode_and_version() {
    let r = get(&base_signer("s").router(), "/v1/health", None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["status"], "ok");
    assert_eq!(r.body["mode"], "production");
    assert_eq!(
        r.body["plugin_version"],
        cloudinary_connector::core::VERSION
    );
}

#[tokio::test]
async fn cors_preflight_allows_listed_origins_with_any_port() {
    let router = base_signer("s").router();
    for origin in ["http://127.0.0.1:39251", "https://cms.example.com"] {
        let r = send(
            &router,
            Request::options("/v1/sign/upload")
                .header("origin", origin)
                .header("access-control-request-method", "POST")
                .header(
                    "access-control-request-headers",
                    "authorization, content-type",
                )
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{origin}");
        assert_eq!(r.headers["access-control-allow-origin"], origin);
        assert_eq!(
            r.headers["access-control-allow-headers"],
            "authorization, content-type"
        );
        assert!(r.headers["access-control-allow-methods"]
            .to_str()
            .unwrap()
            .contains("POST"));
        assert_eq!(r.headers["vary"], "Origin");
    }
    let r = send(
        &router,
        Request::options("/v1/sign/upload")
            .header("origin", "http://localhost:3000")
            .header("access-control-request-method", "POST")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(!r.headers.contains_key("access-control-allow-origin"));
    // Actual requests from an allowed origin carry the header too.
    let r = send(
        &router,
        Request::get("/v1/health")
            .header("origin", "http://127.0.0.1:8080")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(
        r.headers["access-control-allow-origin"],
        "http://127.0.0.1:8080"
    );
}

#[tokio::test]
async fn development_tokens_only_in_development_mode() {
    let cfg = dev_config(config(BASE_CONFIG, &base_env("s")));
    let dev = signer_at(cfg.clone(), NOW, true).router();
    let r = post(
        &dev,
        "/v1/dev/token",
        None,
        &json!({"user": "demo-user", "roles": {"shop": "uploader"}, "ttl_secs": 120}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["expires_at"], NOW + 120);
    let t = r.body["token"].as_str().unwrap().to_owned();
    let r = get(&dev, "/v1/accounts", Some(&t)).await;
    assert_eq!(r.body["user"], "demo-user");
    assert_eq!(
        get(&dev, "/v1/health", None).await.body["mode"],
        "development"
    );
    let r = post(
        &dev,
        "/v1/dev/token",
        None,
        &json!({"user": "x", "roles": {"nope": "admin"}}),
    )
    .await;
    assert_eq!(
        (r.status, r.message()),
        (StatusCode::NOT_FOUND, "unknown account \"nope\"")
    );
    let r = post(
        &dev,
        "/v1/dev/token",
        None,
        &json!({"user": "x", "ttl_secs": 86400}),
    )
    .await;
    assert_eq!(r.message(), "`ttl_secs` must be between 1 and 3600");
    // Production: the route does not exist.
    let prod = signer_at(cfg, NOW, false).router();
    let r = post(
        &prod,
        "/v1/dev/token",
        None,
        &json!({"user": "demo-user", "roles": {"shop": "admin"}}),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn development_mode_without_a_key_mints_with_an_ephemeral_one() {
    let cfg = cloudinary_connector_signer::config::from_cloudinary_url(
        "cloudinary://1:2@c",
        &std::collections::BTreeMap::new(),
    )
    .unwrap();
    assert!(cloudinary_connector_signer::Signer::new(cfg.clone(), Default::default()).is_err());
    let dev = signer_at(dev_config(cfg), NOW, true).router();
    let r = post(
        &dev,
        "/v1/dev/token",
        None,
        &json!({"user": "u", "roles": {"default": "viewer"}}),
    )
    .await;
    let t = r.body["token"].as_str().unwrap().to_owned();
    assert_eq!(
        get(&dev, "/v1/accounts", Some(&t)).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn eddsa_and_rs256_tokens_verify_with_configured_public_keys() {
    // Test keys generated for this test only (openssl genpkey).
    const ED_PRIV: &str = include_str!("fixtures/keys/ed25519-private.pem");
    const ED_PUB: &str = include_str!("fixtures/keys/ed25519-public.pem");
    const RSA_PRIV: &str = include_str!("fixtures/keys/rsa-private.pem");
    const RSA_PUB: &str = include_str!("fixtures/keys/rsa-public.pem");
    let toml = format!(
        "{}\n",
        BASE_CONFIG.replace(
            "[[auth.keys]]\nalgorithm = \"HS256\"\nsecret_env = \"JWT_KEY\"",
            &format!("[[auth.keys]]\nid = \"ed\"\nalgorithm = \"EdDSA\"\npublic_key_pem = \"\"\"\n{ED_PUB}\"\"\"\n\n[[auth.keys]]\nid = \"rsa\"\nalgorithm = \"RS256\"\npublic_key_pem = \"\"\"\n{RSA_PUB}\"\"\"\n")
        )
    );
    let router = signer_at(config(&toml, &base_env("s")), NOW, false).router();
    let c = claims("alice", &[("shop", Viewer)], NOW + 60);
    for (alg, kid, pem) in [
        (jsonwebtoken::Algorithm::EdDSA, "ed", ED_PRIV),
        (jsonwebtoken::Algorithm::RS256, "rsa", RSA_PRIV),
    ] {
        let key = match alg {
            jsonwebtoken::Algorithm::EdDSA => {
                jsonwebtoken::EncodingKey::from_ed_pem(pem.as_bytes()).unwrap()
            }
            _ => jsonwebtoken::EncodingKey::from_rsa_pem(pem.as_bytes()).unwrap(),
        };
        let mut h = jsonwebtoken::Header::new(alg);
        h.kid = Some(kid.into());
        let t = jsonwebtoken::encode(&h, &c, &key).unwrap();
        let r = get(&router, "/v1/accounts", Some(&t)).await;
        assert_eq!(r.status, StatusCode::OK, "{alg:?}: {:?}", r.body);
    }
    // HS256 is not configured here: an HS256 token is refused by algorithm.
    let r = get(
        &router,
        "/v1/accounts",
        Some(&token("alice", &[("shop", Viewer)])),
    )
    .await;
    assert_eq!(
        r.message(),
        "the bearer token's algorithm HS256 is not accepted by this signer"
    );
}

// ------------------------------------------------------------------------------------------
// Outbound calls (against the local test double)

fn admin_config_with_double(base: &str) -> cloudinary_connector_signer::config::Config {
    let toml = BASE_CONFIG
        .replace("[server]\n", &format!("[server]\ncloudinary_api_base = \"{base}/\"\n"))
        .replace(
            "[accounts.policy.uploader]\nupload_presets",
            "[accounts.provisioning]\naccount_id = \"acc-42\"\napi_key = \"prov-key\"\napi_secret_env = \"PROV_SECRET\"\n\n[accounts.policy.uploader]\nupload_presets",
        )
        + "\n[identity]\nplatform = \"Decap CMS\"\nplatform_version = \"3.1.0\"\nenvironment = \"stag\"\n";
    let mut env = base_env("s");
    env.insert("PROV_SECRET".into(), "provSecret-0099".into());
    config(&toml, &env)
}

#[tokio::test]
async fn credential_check_and_sub_account_listing_use_the_partner_user_agent() {
    let double = start_double(
        vec![
            ("5678".into(), SHOP_SECRET.into()),
            ("prov-key".into(), "provSecret-0099".into()),
        ],
        200,
    )
    .await;
    let signer = signer_at(admin_config_with_double(&double.base), NOW, false);
    let router = signer.router();
    let ua = format!(
        "CloudinaryDecapCMS/{v} (Decap CMS 3.1.0) CloudinaryConnectorRust/{v}",
        v = cloudinary_connector::core::VERSION
    );
    assert_eq!(signer.user_agent(), ua);
    let t = token("root", &[("shop", Admin), ("vec", Admin)]);

    let r = get(&router, "/v1/accounts/shop/check", Some(&t)).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body, json!({"account": "shop", "credentials": "valid"}));

    let r = get(&router, "/v1/accounts/shop/sub-accounts", Some(&t)).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(
        r.body["sub_accounts"],
        json!([
            {"id": "abc123", "name": "Shop EU", "cloud_name": "shop-eu", "enabled": true, "configured_as": "shop-eu"},
            {"id": "def456", "name": "Shop Lab", "cloud_name": "shop-lab", "enabled": false, "configured_as": null}
        ])
    );
    // Wrong credentials (the vec account's secret is not the double's) are reported, not echoed.
    let r = get(&router, "/v1/accounts/vec/check", Some(&t)).await;
    assert_eq!(r.status, StatusCode::BAD_GATEWAY);
    assert_eq!(
        r.message(),
        "Cloudinary refused the API key and secret of account \"vec\" (HTTP 401)"
    );
    let r = get(&router, "/v1/accounts/vec/sub-accounts", Some(&t)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.rule(), Some("accounts.vec.provisioning"));

    let seen = double.seen();
    assert_eq!(seen.len(), 3);
    assert_eq!(seen[0].path, "/v1_1/shop-cloud/ping");
    assert_eq!(
        seen[1].path,
        "/v1_1/provisioning/accounts/acc-42/sub_accounts"
    );
    assert_eq!(seen[2].path, "/v1_1/dn6ot3ged/ping");
    for s in &seen {
        assert_eq!(s.method, "GET");
        assert_eq!(s.headers["user-agent"], ua.as_str());
    }
    assert_eq!(signer.signatures_issued(), 0);
}

#[tokio::test]
async fn unreachable_cloudinary_and_failing_host_are_reported() {
    // A port nothing listens on.
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = format!("http://{}", l.local_addr().unwrap());
    drop(l);
    let signer = signer_at(admin_config_with_double(&dead), NOW, false);
    let r = get(
        &signer.router(),
        "/v1/accounts/shop/check",
        Some(&token("root", &[("shop", Admin)])),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_GATEWAY);
    assert_eq!(
        r.message(),
        "cannot reach Cloudinary to check account \"shop\": connection failed"
    );

    let double = start_double(vec![], 500).await;
    let toml = format!(
        "{BASE_CONFIG}\n[webhooks]\nforward_url = \"{}/host/cloudinary-events\"\n",
        double.base
    );
    let signer = signer_at(config(&toml, &base_env("shhh")), 1_417_727_468, false);
    let r = send(&signer.router(), vec_notification(1_417_727_468)).await;
    assert_eq!(r.status, StatusCode::BAD_GATEWAY);
    assert_eq!(
        r.message(),
        "the host answered HTTP 500 to the forwarded notification; Cloudinary will retry"
    );
}

#[tokio::test]
async fn stale_or_unsigned_notifications_are_refused() {
    let signer = signer_at(
        config(BASE_CONFIG, &base_env("shhh")),
        1_417_727_468 + 7201,
        false,
    );
    let router = signer.router();
    let r = send(&router, vec_notification(1_417_727_468)).await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::UNAUTHORIZED, "webhook_stale")
    );
    assert_eq!(r.rule(), Some("webhooks.max_age_secs"));
    let r = send(
        &router,
        Request::post("/v1/webhooks/cloudinary/vec")
            .body(Body::from(VEC_NOTIFICATION))
            .unwrap(),
    )
    .await;
    assert_eq!(
        r.message(),
        "the notification has no valid X-Cld-Timestamp header"
    );
    // Verified, but nowhere to forward: said so.
    let signer = signer_at(config(BASE_CONFIG, &base_env("shhh")), 1_417_727_468, false);
    let r = send(&signer.router(), vec_notification(1_417_727_468)).await;
    assert_eq!(
        (r.status, r.rule()),
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Some("webhooks.forward_url")
        )
    );
}

// ------------------------------------------------------------------------------------------
// Real socket

#[tokio::test]
async fn serves_over_a_real_socket() {
    let cfg = config(BASE_CONFIG, &base_env("abcd"));
    let signer = cloudinary_connector_signer::Signer::new(cfg, Default::default()).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(cloudinary_connector_signer::serve::serve(
        listener,
        signer.router(),
        Default::default(),
        async {
            let _ = stop_rx.await;
        },
    ));
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let t = token_at("alice", &[("vec", Admin)], now);
    let client = reqwest::Client::new();
    let res = client
        .post(format!("http://{addr}/v1/sign/upload"))
        .header("origin", "http://127.0.0.1:9999")
        .bearer_auth(&t)
        .json(&json!({"account": "vec", "params_to_sign": {"public_id": "sample_image", "eager": "w_400,h_300,c_pad|w_260,h_200,c_crop"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers()["access-control-allow-origin"],
        "http://127.0.0.1:9999"
    );
    let body: Value = res.json().await.unwrap();
    let ts = body["timestamp"].as_u64().unwrap();
    assert!(ts.abs_diff(now) <= 5);
    use sha1::Digest;
    let expected = format!(
        "{:x}",
        sha1::Sha1::digest(format!(
            "eager=w_400,h_300,c_pad|w_260,h_200,c_crop&public_id=sample_image&timestamp={ts}abcd"
        ))
    );
    assert_eq!(body["signature"], expected);
    stop_tx.send(()).unwrap();
    server.await.unwrap();
}

/// A client that starts a body and never finishes it is cut off by the request timeout.
#[tokio::test]
async fn a_stalled_request_body_hits_the_request_timeout() {
    let toml = BASE_CONFIG.replace(
        "max_params = 8\n",
        "max_params = 8\nrequest_timeout_ms = 200\n",
    );
    let signer = signer_at(config(&toml, &base_env("s")), NOW, false);
    let router = signer.router();
    let r = send(
        &router,
        Request::post("/v1/sign/upload")
            .header("content-type", "application/json")
            .header(
                "authorization",
                format!("Bearer {}", token("alice", &[("vec", Admin)])),
            )
            .body(stalled_body())
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(r.code(), "timeout");
    assert_eq!(
        r.message(),
        "the request took longer than 200 ms and was abandoned"
    );
    assert_eq!(signer.signatures_issued(), 0);
}

/// One chunk of JSON, then nothing, forever.
fn stalled_body() -> Body {
    struct Stalled(bool);
    impl http_body::Body for Stalled {
        type Data = axum::body::Bytes;
        type Error = std::io::Error;
        fn poll_frame(
            mut self: std::pin::Pin<&mut Self>,
            _cx: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
            if self.0 {
                std::task::Poll::Pending
            } else {
                self.0 = true;
                std::task::Poll::Ready(Some(Ok(http_body::Frame::data(
                    axum::body::Bytes::from_static(b"{\"account\":"),
                ))))
            }
        }
    }
    Body::new(Stalled(false))
}

/// A client that trickles its request headers is disconnected after the header-read timeout,
/// while a normal client on the same server is served.
#[tokio::test]
async fn a_client_trickling_its_headers_is_cut_off() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let signer = base_signer("s");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let opts = cloudinary_connector_signer::serve::ServeOptions {
        header_read_timeout: std::time::Duration::from_millis(300),
        max_connections: 8,
        drain_timeout: std::time::Duration::from_secs(1),
    };
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(cloudinary_connector_signer::serve::serve(
        listener,
        signer.router(),
        opts,
        async {
            let _ = stop_rx.await;
        },
    ));
    let mut slow = tokio::net::TcpStream::connect(addr).await.unwrap();
    slow.write_all(b"GET /v1/health HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let started = std::time::Instant::now();
    let mut buf = Vec::new();
    let read = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        slow.read_to_end(&mut buf),
    )
    .await;
    assert!(read.is_ok(), "the slow connection was not closed");
    assert!(
        started.elapsed() >= std::time::Duration::from_millis(250),
        "{:?}",
        started.elapsed()
    );
    let res = reqwest::get(format!("http://{addr}/v1/health"))
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    stop_tx.send(()).unwrap();
    server.await.unwrap();
}

// ------------------------------------------------------------------------------------------
// Batch delivery signing

/// The conformance vector `case` as a delivery item (no account).
fn url_vector_item(case: &Value) -> Value {
    let to_sign = case["to_sign"].as_str().unwrap();
    let (delivery_type, transformation, public_id) = if to_sign.starts_with("http://") {
        ("fetch", "", to_sign)
    } else {
        match to_sign.split_once('/') {
            Some((t, p)) => ("upload", t, p),
            None => ("upload", "", to_sign),
        }
    };
    json!({"resource_type": "image", "type": delivery_type, "transformation": transformation,
           "public_id": public_id, "long_signature": case["length"] == 32,
           "algorithm": case["algorithm"]})
}

/// `item` with `"account": account` added: the single endpoint's body.
fn with_account(item: &Value, account: &str) -> Value {
    let mut body = item.clone();
    body["account"] = json!(account);
    body
}

/// Every delivery-URL vector signed in ONE batch request: the results come in order, equal the
/// vectors and the single endpoint's answers (signature, url_component, algorithm).
#[tokio::test]
async fn batch_signs_every_url_vector_like_the_single_endpoint() {
    let v = vectors();
    let cases = v["url_signature"].as_array().unwrap();
    let signer = base_signer("b");
    let router = signer.router();
    let t = token("alice", &[("vec", Admin)]);
    let items: Vec<Value> = cases.iter().map(url_vector_item).collect();
    let r = post(
        &router,
        "/v1/sign/delivery/batch",
        Some(&t),
        &json!({"account": "vec", "items": items}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let results = r.body["results"].as_array().unwrap();
    assert_eq!(results.len(), cases.len());
    assert_eq!(signer.signatures_issued(), cases.len() as u64);
    for ((case, item), got) in cases.iter().zip(&items).zip(results) {
        assert_eq!(got["signature"], case["signature"], "{case}");
        let single = post(
            &router,
            "/v1/sign/delivery",
            Some(&t),
            &with_account(item, "vec"),
        )
        .await;
        assert_eq!(single.status, StatusCode::OK, "{:?}", single.body);
        assert_eq!(got, &single.body, "{case}");
    }
    assert_eq!(
        results[5],
        json!({"signature": "2hbrSMPOjj5BJ4xV7SgFbRDevFaQNUFf",
               "url_component": "s--2hbrSMPOjj5BJ4xV7SgFbRDevFaQNUFf--", "algorithm": "sha256"})
    );
}

/// An account configured for SHA-256 signs batch items without an `algorithm` with SHA-256,
/// short and long, like the single endpoint; the only account is used when `account` is absent.
#[tokio::test]
async fn batch_uses_the_accounts_sha256_algorithm_and_long_signatures() {
    let toml = "[server]\nrate_limit_burst = 1000\n[auth]\naudience = \"cld-signer\"\n\
                [[auth.keys]]\nalgorithm = \"HS256\"\nsecret_env = \"JWT_KEY\"\n\
                [[accounts]]\nid = \"vec\"\ncloud_name = \"dn6ot3ged\"\napi_key = \"1234\"\n\
                api_secret_env = \"VEC_SECRET\"\nsignature_algorithm = \"sha256\"\n";
    let signer = signer_at(config(toml, &base_env("b")), NOW, false);
    let router = signer.router();
    let t = token("alice", &[("vec", Viewer)]);
    let short = json!({"public_id": "sample.jpg"});
    let long = json!({"public_id": "sample.jpg", "long_signature": true});
    let r = post(
        &router,
        "/v1/sign/delivery/batch",
        Some(&t),
        &json!({"items": [short, long]}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(
        r.body,
        json!({"results": [
            {"signature": "2hbrSMPO", "url_component": "s--2hbrSMPO--", "algorithm": "sha256"},
            {"signature": "2hbrSMPOjj5BJ4xV7SgFbRDevFaQNUFf",
             "url_component": "s--2hbrSMPOjj5BJ4xV7SgFbRDevFaQNUFf--", "algorithm": "sha256"},
        ]})
    );
    for (item, got) in [short, long]
        .iter()
        .zip(r.body["results"].as_array().unwrap())
    {
        let single = post(&router, "/v1/sign/delivery", Some(&t), item).await;
        assert_eq!(&single.body, got);
    }
}

/// 100 items (the default `server.max_batch`) keep their order: result N is item N's signature.
#[tokio::test]
async fn batch_keeps_the_order_of_its_items() {
    let signer = base_signer("vecSecret-abcdefgh");
    let router = signer.router();
    let t = token("alice", &[("vec", Admin)]);
    let items: Vec<Value> = (0..100)
        .map(|i| {
            json!({"type": "authenticated", "public_id": format!("team/doc-{i}.jpg"),
                        "transformation": if i % 2 == 0 { "f_auto,q_auto" } else { "" }})
        })
        .collect();
    let r = post(
        &router,
        "/v1/sign/delivery/batch",
        Some(&t),
        &json!({"account": "vec", "items": items}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let results = r.body["results"].as_array().unwrap();
    assert_eq!(results.len(), 100);
    for (item, got) in items.iter().zip(results) {
        let single = post(
            &router,
            "/v1/sign/delivery",
            Some(&t),
            &with_account(item, "vec"),
        )
        .await;
        assert_eq!(got, &single.body, "{item}");
    }
}

/// Asserts a refusal of the batch endpoint without a signature issued.
#[track_caller]
fn assert_batch_refused(
    r: &Reply,
    signer: &cloudinary_connector_signer::Signer,
    status: StatusCode,
    code: &str,
    message: &str,
    rule: Option<&str>,
) {
    assert_eq!(r.status, status, "{:?}", r.body);
    assert_eq!(r.code(), code);
    assert_eq!(r.message(), message);
    assert_eq!(r.rule(), rule);
    assert!(r.body.get("results").is_none());
    assert_eq!(signer.signatures_issued(), 0);
}

/// Batch refusals: no item, more than `server.max_batch`, an invalid item (its index named, the
/// single endpoint's message), an unknown field in an item, a body over
/// `server.max_body_bytes` × `server.max_batch`. None issues a signature.
#[tokio::test]
async fn batch_refusals_name_the_item_and_issue_nothing() {
    let signer = base_signer("vecSecret-abcdefgh");
    let router = signer.router();
    let t = token("alice", &[("vec", Admin)]);
    let batch = |items: Value| json!({"account": "vec", "items": items});
    let path = "/v1/sign/delivery/batch";

    let r = post(&router, path, Some(&t), &batch(json!([]))).await;
    assert_batch_refused(
        &r,
        &signer,
        StatusCode::UNPROCESSABLE_ENTITY,
        "empty_batch",
        "`items` is empty: send at least one delivery URL to sign",
        None,
    );

    let many: Vec<Value> = (0..101)
        .map(|i| json!({"public_id": format!("p{i}")}))
        .collect();
    let r = post(&router, path, Some(&t), &batch(json!(many))).await;
    assert_batch_refused(
        &r,
        &signer,
        StatusCode::PAYLOAD_TOO_LARGE,
        "too_many_items",
        "`items` has 101 delivery URLs; at most 100 are signed in one request",
        Some("server.max_batch"),
    );

    let r = post(
        &router,
        path,
        Some(&t),
        &batch(json!([{"public_id": "a"}, {"public_id": "b", "resource_type": "pdf"}])),
    )
    .await;
    assert_batch_refused(
        &r,
        &signer,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_request",
        "items[1]: resource_type \"pdf\" is not one of \"image\", \"video\", \"raw\"",
        None,
    );

    let r = post(
        &router,
        path,
        Some(&t),
        &batch(json!([{"public_id": "a"}, {"public_id": ""}])),
    )
    .await;
    assert_batch_refused(
        &r,
        &signer,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_request",
        "items[1]: public_id must be 1 to 2048 characters without control characters",
        None,
    );

    // An unknown field is refused as by the single endpoint: the body does not parse.
    let r = post(
        &router,
        path,
        Some(&t),
        &batch(json!([{"public_id": "a", "secret": "x"}])),
    )
    .await;
    assert_batch_refused(&r, &signer, StatusCode::UNPROCESSABLE_ENTITY, "invalid_request",
        "the request does not have the expected fields: items[0]: unknown field `secret`, expected one of \
         `resource_type`, `type`, `transformation`, `public_id`, `long_signature`, `algorithm` at line 1 column 51",
        None);
    let single = post(
        &router,
        "/v1/sign/delivery",
        Some(&t),
        &json!({"account": "vec", "public_id": "a", "secret": "x"}),
    )
    .await;
    assert_eq!((single.status, single.code()), (r.status, r.code()));

    // The account goes at the top: an item naming one is refused.
    let r = post(
        &router,
        path,
        Some(&t),
        &batch(json!([{"account": "vec", "public_id": "a"}])),
    )
    .await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid_request")
    );
    assert!(
        r.message().contains("unknown field `account`"),
        "{}",
        r.message()
    );

    let r = post(&router, path, Some(&t), &json!({"account": "vec"})).await;
    assert_batch_refused(
        &r,
        &signer,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_request",
        "the request does not have the expected fields: missing field `items` at line 1 column 17",
        None,
    );

    // BASE_CONFIG: max_body_bytes = 4096, max_batch 100 → 409600 bytes.
    let big: Vec<Value> = (0..100)
        .map(|_| json!({"public_id": "x".repeat(4100)}))
        .collect();
    let r = post(&router, path, Some(&t), &batch(json!(big))).await;
    assert_batch_refused(
        &r,
        &signer,
        StatusCode::PAYLOAD_TOO_LARGE,
        "body_too_large",
        "the batch body is larger than 409600 bytes (server.max_body_bytes × server.max_batch)",
        Some("server.max_body_bytes"),
    );

    let r = post(&router, path, None, &batch(json!([{"public_id": "a"}]))).await;
    assert_batch_refused(
        &r,
        &signer,
        StatusCode::UNAUTHORIZED,
        "token_missing",
        "no bearer token: send `Authorization: Bearer <JWT>` issued by the host",
        None,
    );
}

/// A batch is one request: one rate-limit token, however many items. With the production burst
/// of 60 (and a refill slow enough not to matter), a batch of 100 signs, and the user then has
/// exactly 59 requests left.
#[tokio::test]
async fn batch_of_100_costs_one_rate_limit_token() {
    let toml = BASE_CONFIG
        .replace("rate_limit_per_minute = 6000", "rate_limit_per_minute = 1")
        .replace("rate_limit_burst = 1000", "rate_limit_burst = 60");
    let signer = signer_at(config(&toml, &base_env("vecSecret-abcdefgh")), NOW, false);
    let router = signer.router();
    let t = token("alice", &[("vec", Viewer)]);
    let items: Vec<Value> = (0..100)
        .map(|i| json!({"public_id": format!("p{i}")}))
        .collect();
    let r = post(
        &router,
        "/v1/sign/delivery/batch",
        Some(&t),
        &json!({"account": "vec", "items": items}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(r.body["results"].as_array().unwrap().len(), 100);
    assert_eq!(signer.signatures_issued(), 100);
    let one = json!({"account": "vec", "public_id": "p"});
    for i in 0..59 {
        let r = post(&router, "/v1/sign/delivery", Some(&t), &one).await;
        assert_eq!(
            r.status,
            StatusCode::OK,
            "request {i} after the batch: {:?}",
            r.body
        );
    }
    let r = post(&router, "/v1/sign/delivery", Some(&t), &one).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(r.code(), "rate_limited");
    assert_eq!(r.rule(), Some("server.rate_limit_per_minute"));
}

/// Items past the largest possible batch are counted, not read into memory: a body of tiny items
/// cannot make the signer allocate without bound (the 1003rd item is not even a valid item, and
/// the answer is still 413 `too_many_items` with the exact count).
#[tokio::test]
async fn batch_items_beyond_the_cap_are_counted_not_kept() {
    let signer = base_signer("vecSecret-abcdefgh");
    let router = signer.router();
    let t = token("alice", &[("vec", Admin)]);
    let mut items: Vec<Value> = (0..1002)
        .map(|i| json!({"public_id": format!("p{i}")}))
        .collect();
    items.push(json!({"public_id": 5}));
    let body = json!({"account": "vec", "items": items});
    let r = post(&router, "/v1/sign/delivery/batch", Some(&t), &body).await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::PAYLOAD_TOO_LARGE, "too_many_items"),
        "{:?}",
        r.body
    );
    assert_eq!(
        r.message(),
        "`items` has 1003 delivery URLs; at most 100 are signed in one request"
    );
}

/// An item that does not parse is named by its index.
#[tokio::test]
async fn batch_an_unparsable_item_is_named() {
    let signer = base_signer("vecSecret-abcdefgh");
    let router = signer.router();
    let t = token("alice", &[("vec", Admin)]);
    let body = json!({"account": "vec", "items": [{"public_id": "a"}, {"public_id": 5}]});
    let r = post(&router, "/v1/sign/delivery/batch", Some(&t), &body).await;
    assert_eq!(r.code(), "invalid_request");
    assert_eq!(
        r.message(),
        "the request does not have the expected fields: items[1]: invalid type: integer `5`, expected a string at line 1 column 58"
    );
}
