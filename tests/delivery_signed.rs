//! Signed delivery URLs through the REAL signer (`cld-signer --dev` with the test configuration,
//! listening at SIGNER_URL): the page holds no secret, the URL engine builds the string to sign
//! and its parts, the signer checks its policy on the parts and signs, and the signature is
//! recomputed here with the fixture's test secret (test code only) and compared.
//!
//! Partner requirement: "Every signature (upload params, Media Library login, signed delivery
//! URLs) comes from the signing endpoint".
#![cfg(all(target_arch = "wasm32", target_os = "unknown"))]

mod support;

use cloudinary_connector::core::url::encode::base64;
use cloudinary_connector::core::url::{Prepared, PreparedSrcset, SignRequest};
use cloudinary_connector::core::widgets::{AssetReference, DeliveryTarget};
use cloudinary_connector::host::signer_client::{SignerClient, SignerError, TokenSource};
use cloudinary_connector::json;
use cloudinary_connector::web::url as api;
use sha1::Digest as _;
use support::{signer_dev_token, SIGNER_URL, TEST_SECRET};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const CLOUD_NAME: &str = "dn6ot3ged";

/// TEST ONLY: the short signature of `to_sign` with the fixture's test secret.
fn fixture_signature(to_sign: &str) -> String {
    let digest = sha1::Sha1::digest(format!("{to_sign}{TEST_SECRET}").as_bytes());
    let mut s = String::new();
    base64(&digest, true, &mut s);
    s.truncate(8);
    s
}

/// A development token from the signer for the "demo" account.
async fn dev_token(role: &str) -> String {
    signer_dev_token("editor@example.com", serde_json::json!({"demo": role})).await
}

async fn client(role: &str) -> SignerClient {
    SignerClient::new(SIGNER_URL, TokenSource::Static(dev_token(role).await))
}

fn reference(delivery_type: &str) -> AssetReference {
    AssetReference {
        public_id: "team/plan".into(),
        version: Some(3),
        resource_type: "image".into(),
        delivery_type: delivery_type.into(),
        format: Some("png".into()),
        transformation: Some("c_fill,w_300".into()),
    }
}

fn sign_request(p: &Prepared) -> &SignRequest {
    match p {
        Prepared::Url(u) => u
            .sign_request()
            .expect("a signed delivery type asks for a signature"),
        Prepared::Unchanged(u) => panic!("unexpectedly unchanged: {u}"),
    }
}

#[wasm_bindgen_test]
async fn an_authenticated_asset_url_is_signed_by_the_signer() {
    let signer = client("uploader").await;
    let prepared = reference("authenticated")
        .prepare_delivery(&DeliveryTarget::new(CLOUD_NAME))
        .unwrap();
    let req = sign_request(&prepared).clone();
    assert_eq!(req.to_sign, "c_fill,w_300/f_auto,q_auto/team/plan.png");
    let sig = signer.sign_delivery("demo", &req).await.unwrap();
    assert_eq!(sig, fixture_signature(&req.to_sign));
    let Prepared::Url(u) = prepared else {
        unreachable!()
    };
    assert_eq!(
        u.finish(Some(&sig)).unwrap(),
        format!("https://res.cloudinary.com/{CLOUD_NAME}/image/authenticated/s--{sig}--/c_fill,w_300/f_auto,q_auto/v3/team/plan.png")
    );
}

#[wasm_bindgen_test]
async fn the_accounts_own_algorithm_applies_unless_the_url_asks_for_one() {
    // The fixture's "brand" account signs with SHA-256 (`signature_algorithm = "sha256"`).
    const BRAND_SECRET: &str = "cldTestSecretBrand7QpX2mZ9wLk4";
    let token = signer_dev_token("editor@example.com", serde_json::json!({"brand": "admin"})).await;
    let signer = SignerClient::new(SIGNER_URL, TokenSource::Static(token));
    let target = DeliveryTarget::new("brand-cloud");
    let prepared = reference("authenticated")
        .prepare_delivery(&target)
        .unwrap();
    let req = sign_request(&prepared);
    assert!(!req.algorithm_requested);
    let sig = signer.sign_delivery("brand", req).await.unwrap();
    let digest = sha2::Sha256::digest(format!("{}{BRAND_SECRET}", req.to_sign).as_bytes());
    let mut expected = String::new();
    base64(&digest, true, &mut expected);
    expected.truncate(8);
    assert_eq!(sig, expected, "SHA-256, the account's setting");
}

#[wasm_bindgen_test]
async fn the_signers_delivery_policy_refuses_by_rule_and_signs_nothing() {
    // The uploader role of the fixture may sign `upload` and `authenticated` URLs, not `private`.
    let signer = client("uploader").await;
    let prepared = reference("private")
        .prepare_delivery(&DeliveryTarget::new(CLOUD_NAME))
        .unwrap();
    let err = signer
        .sign_delivery("demo", sign_request(&prepared))
        .await
        .unwrap_err();
    let SignerError::Refused {
        status, message, ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(*status, 403);
    assert!(message.contains("private"), "{message}");
    assert!(
        message.contains("[rule: "),
        "the refusal names its rule: {message}"
    );
    // An account the token has no role on.
    let prepared = reference("authenticated")
        .prepare_delivery(&DeliveryTarget::new(CLOUD_NAME))
        .unwrap();
    let err = signer
        .sign_delivery("brand", sign_request(&prepared))
        .await
        .unwrap_err();
    assert!(
        matches!(err, SignerError::Refused { status: 403, .. }),
        "{err:?}"
    );
}

#[wasm_bindgen_test]
async fn a_signed_srcset_gets_every_signature_from_the_signer() {
    let signer = client("viewer").await;
    let options = json!({"type": "authenticated", "sign_url": true});
    let config = json!({"cloud_name": CLOUD_NAME, "secure": true});
    let p = PreparedSrcset::new("team/plan.png", &[200, 400], &options, &config).unwrap();
    let mut sigs = Vec::new();
    for r in p.sign_requests() {
        let r = r.expect("every item is signed");
        let s = signer.sign_delivery("demo", r).await.unwrap();
        assert_eq!(s, fixture_signature(&r.to_sign));
        sigs.push(s);
    }
    let refs: Vec<Option<&str>> = sigs.iter().map(|s| Some(s.as_str())).collect();
    let set = p.finish(&refs).unwrap();
    assert_eq!(
        set,
        format!(
            "https://res.cloudinary.com/{CLOUD_NAME}/image/authenticated/s--{}--/c_scale,w_200/v1/team/plan.png 200w, \
             https://res.cloudinary.com/{CLOUD_NAME}/image/authenticated/s--{}--/c_scale,w_400/v1/team/plan.png 400w",
            sigs[0], sigs[1]
        )
    );
}

fn js(json: &str) -> JsValue {
    js_sys::JSON::parse(json).unwrap()
}

fn js_err(e: JsValue) -> String {
    e.dyn_into::<js_sys::Error>()
        .expect("an Error")
        .message()
        .into()
}

/// What a page does with the JS API: forward `request.delivery` to the signer as is.
#[wasm_bindgen(inline_js = "export function signerCallback(url, token) {
  return async (request) => {
    const res = await fetch(url + '/v1/sign/delivery', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer ' + token },
      body: JSON.stringify({ account: 'demo', ...request.delivery }),
    });
    const body = await res.json();
    if (!res.ok) throw new Error(body.error.message + (body.error.rule ? ' [rule: ' + body.error.rule + ']' : ''));
    return body.signature;
  };
}")]
extern "C" {
    #[wasm_bindgen(js_name = signerCallback)]
    fn signer_callback(url: &str, token: &str) -> js_sys::Function;
}

#[wasm_bindgen_test]
async fn the_js_api_forwards_sign_requests_to_the_signer_as_they_are() {
    api::reset_config();
    api::config(js(&format!(r#"{{"cloud_name":"{CLOUD_NAME}"}}"#))).unwrap();
    let callback = signer_callback(SIGNER_URL, &dev_token("viewer").await);
    let options = r#"{"type":"authenticated","sign_url":true,"width":300,"crop":"scale"}"#;

    let url = wasm_bindgen_futures::JsFuture::from(
        api::url_with_signer("team/plan.png", js(options), callback.clone()).unwrap(),
    )
    .await
    .unwrap()
    .as_string()
    .unwrap();
    let sig = fixture_signature("c_scale,w_300/team/plan.png");
    assert_eq!(url, format!("https://res.cloudinary.com/{CLOUD_NAME}/image/authenticated/s--{sig}--/c_scale,w_300/v1/team/plan.png"));

    let both = wasm_bindgen_futures::JsFuture::from(
        api::srcset_with_signer(
            "team/plan.png",
            js(options),
            js(r#"{"breakpoints":[100,200]}"#),
            js(r#"{"analytics":false}"#),
            callback,
        )
        .unwrap(),
    )
    .await
    .unwrap();
    let srcset = js_sys::Reflect::get(&both, &"srcset".into())
        .unwrap()
        .as_string()
        .unwrap();
    let s100 = fixture_signature("c_scale,f_auto,q_auto,w_300/c_scale,w_100/team/plan.png");
    let s200 = fixture_signature("c_scale,f_auto,q_auto,w_300/c_scale,w_200/team/plan.png");
    assert_eq!(
        srcset,
        format!(
            "https://res.cloudinary.com/{CLOUD_NAME}/image/authenticated/s--{s100}--/c_scale,f_auto,q_auto,w_300/c_scale,w_100/v1/team/plan.png 100w, \
             https://res.cloudinary.com/{CLOUD_NAME}/image/authenticated/s--{s200}--/c_scale,f_auto,q_auto,w_300/c_scale,w_200/v1/team/plan.png 200w"
        )
    );
    assert_eq!(
        js_sys::Reflect::get(&both, &"sizes".into())
            .unwrap()
            .as_string()
            .unwrap(),
        "(max-width: 100px) 100px, (max-width: 200px) 200px"
    );
    api::reset_config();
}

#[wasm_bindgen_test]
async fn a_stored_authenticated_reference_is_rendered_with_a_signature_from_the_signer() {
    use cloudinary_connector::web::widgets::{reference_url, reference_url_with_signer};
    let reference = || {
        js(
            r#"{"public_id":"team/plan","version":3,"resource_type":"image","delivery_type":"authenticated","format":"png"}"#,
        )
    };
    let target = || js(&format!(r#"{{"cloud_name":"{CLOUD_NAME}"}}"#));
    // The plain render refuses: it has no signature source.
    let e = reference_url(reference(), target()).unwrap_err();
    assert_eq!(
        js_err(e),
        "\"authenticated\" assets are delivered only through signed URLs: ask the URL engine with a signature source"
    );
    let callback = signer_callback(SIGNER_URL, &dev_token("viewer").await);
    let url = wasm_bindgen_futures::JsFuture::from(
        reference_url_with_signer(reference(), target(), callback.clone()).unwrap(),
    )
    .await
    .unwrap()
    .as_string()
    .unwrap();
    let sig = fixture_signature("f_auto,q_auto/team/plan.png");
    assert_eq!(url, format!("https://res.cloudinary.com/{CLOUD_NAME}/image/authenticated/s--{sig}--/f_auto,q_auto/v3/team/plan.png"));
    // An upload reference needs no signature: the signer is not asked.
    let never = js_sys::Function::new_no_args("throw new Error('not asked')");
    let public = js(r#"{"public_id":"shoe","resource_type":"image","delivery_type":"upload"}"#);
    let url = wasm_bindgen_futures::JsFuture::from(
        reference_url_with_signer(public, target(), never).unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(
        url.as_string().unwrap(),
        format!("https://res.cloudinary.com/{CLOUD_NAME}/image/upload/f_auto,q_auto/shoe")
    );
    // A refusal from the signer rejects the promise with its message.
    let private =
        js(r#"{"public_id":"team/secret","resource_type":"image","delivery_type":"private"}"#);
    let e = wasm_bindgen_futures::JsFuture::from(
        reference_url_with_signer(private, target(), callback).unwrap(),
    )
    .await
    .unwrap_err();
    let message = js_err(e);
    assert!(
        message.starts_with("signature source failed: the signer's promise was rejected: ")
            && message.contains("private")
            && message.contains("[rule: "),
        "the signer's refusal is passed on: {message}"
    );
}

#[wasm_bindgen_test]
fn a_signer_that_throws_part_way_rejects_nothing_unhandled() {
    api::reset_config();
    api::config(js(r#"{"cloud_name":"demo"}"#)).unwrap();
    // The first call returns a promise that rejects later; the second throws at once.
    let signer = js_sys::Function::new_with_args(
        "req",
        "globalThis.__cldCalls = (globalThis.__cldCalls || 0) + 1; \
         if (globalThis.__cldCalls === 1) return Promise.reject(new Error('first failed later')); \
         throw new Error('second throws');",
    );
    let e = api::srcset_with_signer(
        "shoe.jpg",
        js(r#"{"type":"authenticated","sign_url":true}"#),
        js(r#"{"breakpoints":[100,200]}"#),
        js(r#"{"analytics":false}"#),
        signer,
    )
    .unwrap_err();
    assert_eq!(
        js_err(e.into()),
        "signature source failed: the signer threw: second throws"
    );
    api::reset_config();
}

#[wasm_bindgen_test]
fn srcset_signing_by_hand_and_its_errors() {
    api::reset_config();
    api::config(js(r#"{"cloud_name":"demo"}"#)).unwrap();
    let options = || js(r#"{"type":"authenticated","sign_url":true}"#);
    let bp = || js(r#"{"breakpoints":[100,200]}"#);
    let off = || js(r#"{"autoFormatQuality":false,"analytics":false}"#);
    let reqs = api::srcset_to_sign("shoe.jpg", options(), bp(), off()).unwrap();
    assert_eq!(reqs.length(), 2);
    let delivery = js_sys::Reflect::get(&reqs.get(1), &"delivery".into()).unwrap();
    assert_eq!(
        js_sys::JSON::stringify(&delivery)
            .unwrap()
            .as_string()
            .unwrap(),
        r#"{"resource_type":"image","type":"authenticated","transformation":"c_scale,w_200","public_id":"shoe.jpg","long_signature":false}"#
    );
    let sigs = js(r#"["AAAAAAAA","BBBBBBBB"]"#);
    let both = api::signed_srcset("shoe.jpg", options(), bp(), off(), sigs).unwrap();
    assert_eq!(
        js_sys::Reflect::get(&both, &"srcset".into()).unwrap().as_string().unwrap(),
        "https://res.cloudinary.com/demo/image/authenticated/s--AAAAAAAA--/c_scale,w_100/shoe.jpg 100w, \
         https://res.cloudinary.com/demo/image/authenticated/s--BBBBBBBB--/c_scale,w_200/shoe.jpg 200w"
    );
    let e = |sigs: &str| {
        js_err(
            api::signed_srcset("shoe.jpg", options(), bp(), off(), js(sigs))
                .unwrap_err()
                .into(),
        )
    };
    assert_eq!(
        e(r#"["AAAAAAAA"]"#),
        "signature source failed: expected 2 signatures (one per srcset item), got 1"
    );
    assert_eq!(
        e(r#"{"a":1}"#),
        "signatures must be an array (one string or null per srcset item)"
    );
    assert_eq!(
        e(r#"["AAAAAAAA", 5]"#),
        "signatures must be strings (or null where no signature is needed)"
    );
    assert_eq!(
        e(r#"["AAAAAAAA", null]"#),
        "this URL must be signed (sign_url, private or authenticated delivery) but no signature source was given"
    );
    api::reset_config();
}
