//! The JavaScript URL API in a real browser: option objects as JavaScript builds them, the
//! global configuration, secure default, refused secrets, and the two signing paths
//! (`urlToSign` + `signedUrl`, `urlWithSigner` with a Promise-returning signer). Also replays
//! all 268 recorded SDK cases through the JavaScript entry points.
#![cfg(all(target_arch = "wasm32", target_os = "unknown"))]

use cloudinary_connector::core::json::Value as J;
use cloudinary_connector::core::url::encode::base64;
use cloudinary_connector::web::url as api;
use sha1::Digest as _;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const CASES: &str = include_str!("fixtures/conformance/url_cases.json");
const ANNOTATIONS: &str = include_str!("fixtures/conformance/url_cases_annotations.json");

fn js(json: &str) -> JsValue {
    js_sys::JSON::parse(json).expect("test JSON parses")
}

/// What a JavaScript function with `body` returns (objects JSON cannot write, or builds).
fn js_returned(body: &str) -> JsValue {
    js_sys::Function::new_no_args(body)
        .call0(&JsValue::NULL)
        .expect("the test's JavaScript runs")
}

#[track_caller]
fn js_err<E: Into<JsValue> + std::fmt::Debug>(r: Result<impl std::fmt::Debug, E>) -> String {
    let e: JsValue = r.expect_err("expected an error").into();
    e.dyn_into::<js_sys::Error>()
        .expect("an Error")
        .message()
        .into()
}

/// The `code` of a thrown `ConnectorError`.
#[track_caller]
fn js_code<E: Into<JsValue> + std::fmt::Debug>(r: Result<impl std::fmt::Debug, E>) -> String {
    let e: JsValue = r.expect_err("expected an error").into();
    js_sys::Reflect::get(&e, &"code".into())
        .unwrap()
        .as_string()
        .expect("a string code")
}

/// TEST ONLY: the SDK suites' public fixture secret.
fn fixture_signature(req: &JsValue) -> String {
    let get = |k: &str| js_sys::Reflect::get(req, &k.into()).unwrap();
    let to_sign = get("toSign").as_string().unwrap();
    let length = get("length").as_f64().unwrap() as usize;
    let input = format!("{to_sign}b");
    let digest = match get("algorithm").as_string().unwrap().as_str() {
        "sha1" => sha1::Sha1::digest(input.as_bytes()).to_vec(),
        _ => sha2::Sha256::digest(input.as_bytes()).to_vec(),
    };
    let mut s = String::new();
    base64(&digest, true, &mut s);
    s.truncate(length);
    s
}

#[wasm_bindgen_test]
fn url_takes_node_sdk_options_and_defaults_to_https() {
    api::reset_config();
    api::config(js(r#"{"cloud_name":"demo"}"#)).unwrap();
    let u = api::url(
        "sample",
        js(r#"{"width":100,"height":100,"crop":"fill","transformation":[{"effect":"sepia"}]}"#),
    )
    .unwrap();
    assert_eq!(
        u,
        "https://res.cloudinary.com/demo/image/upload/e_sepia/c_fill,h_100,w_100/sample"
    );
    assert_eq!(
        api::url("sample", JsValue::UNDEFINED).unwrap(),
        "https://res.cloudinary.com/demo/image/upload/sample"
    );
    assert_eq!(
        api::url("sample", js(r#"{"secure":false}"#)).unwrap(),
        "http://res.cloudinary.com/demo/image/upload/sample"
    );
    // The memo of the latest options never outlives a configuration change.
    let o = r#"{"width":100,"crop":"scale"}"#;
    assert_eq!(
        api::url("a", js(o)).unwrap(),
        "https://res.cloudinary.com/demo/image/upload/c_scale,w_100/a"
    );
    assert_eq!(
        api::url("b", js(o)).unwrap(),
        "https://res.cloudinary.com/demo/image/upload/c_scale,w_100/b"
    );
    api::config(js(r#"{"cloud_name":"other"}"#)).unwrap();
    assert_eq!(
        api::url("b", js(o)).unwrap(),
        "https://res.cloudinary.com/other/image/upload/c_scale,w_100/b"
    );
    api::config(js(r#"{"cloud_name":"demo"}"#)).unwrap();
    // Numbers print as JavaScript prints them.
    assert_eq!(
        api::url("s", js(r#"{"quality":0.4,"zoom":1.2,"width":1e3}"#)).unwrap(),
        "https://res.cloudinary.com/demo/image/upload/q_0.4,w_1000,z_1.2/s"
    );
}

#[wasm_bindgen_test]
fn bad_input_gets_specific_errors() {
    api::reset_config();
    assert_eq!(
        js_err(api::url("sample", JsValue::UNDEFINED)),
        "must supply cloud_name in the options or the configuration"
    );
    api::config(js(r#"{"cloud_name":"demo"}"#)).unwrap();
    let refused = "api_secret is not accepted here: delivery URLs are signed by the signing endpoint (pass a signature source)";
    assert_eq!(
        js_err(api::url("sample", js(r#"{"api_secret":"x"}"#))),
        refused
    );
    assert_eq!(js_err(api::config(js(r#"{"api_secret":"x"}"#))), refused);
    // Every error carries its stable code (`ErrorCode` in the .d.ts).
    assert_eq!(
        js_code(api::url("sample", js(r#"{"api_secret":"x"}"#))),
        "invalid_options"
    );
    assert_eq!(
        js_code(api::url(
            "s",
            js(r#"{"type":"authenticated","sign_url":true}"#)
        )),
        "signature_required"
    );
    assert_eq!(
        js_err(api::url("sample", js("[1]"))),
        "options must be an object"
    );
    // A lone surrogate (a broken string: JSON.stringify writes it as `\ud800`) is refused as the
    // JSON reader refuses it, where the Node SDK's encodeURIComponent throws a URIError.
    assert_eq!(
        js_err(api::url(
            "sample",
            js_returned(
                "return { overlay: { text: 'a\\uD800', font_family: 'Arial', font_size: 20 } }"
            )
        )),
        "options could not be read: unexpected end of hex escape at line 1 column 28"
    );
    // So are options whose toJSON() gives something other than an object, and a string.
    for body in [
        "return { toJSON() { return [1]; } }",
        "return { toJSON() { return 'w_100'; } }",
        "return 'w_100'",
    ] {
        assert_eq!(
            js_err(api::url("sample", js_returned(body))),
            "options must be an object",
            "{body}"
        );
    }
    assert_eq!(
        js_err(api::url("", JsValue::UNDEFINED)),
        "public id must not be empty"
    );
    assert_eq!(
        js_err(api::url("s", js(r#"{"url_suffix":"a.b"}"#))),
        "url_suffix should not include . or /"
    );
    assert_eq!(
        js_err(api::url("s", js(r#"{"sign_url":true}"#))),
        "this URL must be signed (sign_url) but url() has no signature: use urlToSign() and signedUrl(), or urlWithSigner()"
    );
    assert_eq!(
        js_err(api::check_transformation("c_blur")),
        "invalid transformation: unknown crop mode 'blur'"
    );
    assert_eq!(
        js_err(api::check_transformation("w_-5")),
        "invalid transformation: negative width '-5'"
    );
    assert_eq!(
        js_err(api::check_transformation("t_")),
        "invalid transformation: empty named transformation"
    );
    assert_eq!(
        js_err(api::breakpoints_js(js(
            r#"{"min_width":600,"max_width":100,"max_images":3}"#
        ))),
        "invalid breakpoints: min_width must be less than max_width"
    );
}

#[wasm_bindgen_test]
fn explicit_signing_path() {
    api::reset_config();
    api::config(js(r#"{"cloud_name":"test123","secure":false}"#)).unwrap();
    let o = r#"{"type":"authenticated","transformation":{"crop":"crop","width":10,"height":20},"sign_url":true}"#;
    let req = api::url_to_sign("image.jpg", js(o)).unwrap();
    assert_eq!(
        js_sys::JSON::stringify(&req).unwrap(),
        r#"{"toSign":"c_crop,h_20,w_10/image.jpg","algorithm":"sha1","length":8,"delivery":{"resource_type":"image","type":"authenticated","transformation":"c_crop,h_20,w_10","public_id":"image.jpg","long_signature":false}}"#
    );
    let sig = fixture_signature(&req);
    assert_eq!(
        api::signed_url("image.jpg", js(o), &sig).unwrap(),
        "http://res.cloudinary.com/test123/image/authenticated/s--Ai4Znfl3--/c_crop,h_20,w_10/image.jpg"
    );
    assert_eq!(
        api::url_to_sign("image.jpg", JsValue::UNDEFINED).unwrap(),
        JsValue::NULL
    );
    assert_eq!(
        js_err(api::signed_url("image.jpg", js(o), "nope")),
        "signature source failed: expected 8 URL-safe base64 characters"
    );
}

#[wasm_bindgen_test]
async fn signer_callback_path() {
    api::reset_config();
    api::config(js(r#"{"cloud_name":"test123","secure":false}"#)).unwrap();
    // A signer that answers asynchronously, like a fetch to the signing endpoint would.
    let signer = js_sys::Function::new_with_args("req", "return Promise.resolve(req.toSign === 'sample.jpg' ? '2hbrSMPOjj5BJ4xV7SgFbRDevFaQNUFf' : 'x')");
    let p = api::url_with_signer(
        "sample.jpg",
        js(r#"{"sign_url":true,"long_url_signature":true}"#),
        signer.clone(),
    )
    .unwrap();
    let u = wasm_bindgen_futures::JsFuture::from(p).await.unwrap();
    assert_eq!(u.as_string().unwrap(), "http://res.cloudinary.com/test123/image/upload/s--2hbrSMPOjj5BJ4xV7SgFbRDevFaQNUFf--/sample.jpg");
    let failing =
        js_sys::Function::new_with_args("req", "return Promise.reject(new Error('down'))");
    let p = api::url_with_signer("sample.jpg", js(r#"{"sign_url":true}"#), failing).unwrap();
    let e = wasm_bindgen_futures::JsFuture::from(p).await.unwrap_err();
    assert_eq!(
        String::from(e.dyn_into::<js_sys::Error>().unwrap().message()),
        "signature source failed: the signer's promise was rejected: down"
    );
    // Unsigned URLs never call the signer.
    let p = api::url_with_signer("sample.jpg", JsValue::UNDEFINED, signer).unwrap();
    assert_eq!(
        wasm_bindgen_futures::JsFuture::from(p)
            .await
            .unwrap()
            .as_string()
            .unwrap(),
        "http://res.cloudinary.com/test123/image/upload/sample.jpg"
    );
}

#[wasm_bindgen_test]
fn plugin_delivery_defaults_and_srcset() {
    api::reset_config();
    api::config(js(r#"{"cloud_name":"demo"}"#)).unwrap();
    let u = api::delivery_url(
        "sample",
        js(r#"{"width":300,"crop":"fill"}"#),
        JsValue::UNDEFINED,
    )
    .unwrap();
    assert!(
        u.starts_with(
            "https://res.cloudinary.com/demo/image/upload/c_fill,f_auto,q_auto,w_300/sample?_a=DBT"
        ),
        "{u}"
    );
    let off = api::delivery_url(
        "sample",
        js(r#"{"width":300,"crop":"fill"}"#),
        js(r#"{"autoFormatQuality":false,"analytics":false}"#),
    )
    .unwrap();
    assert_eq!(
        off,
        api::url("sample", js(r#"{"width":300,"crop":"fill"}"#)).unwrap()
    );
    assert_eq!(
        api::breakpoints_js(js(r#"{"min_width":100,"max_width":600,"max_images":7}"#)).unwrap(),
        [100, 184, 268, 352, 436, 520, 600]
    );
    let s = api::srcset_js(
        "sample",
        JsValue::UNDEFINED,
        js(r#"{"breakpoints":[100,200]}"#),
        js(r#"{"analytics":false}"#),
    )
    .unwrap();
    assert_eq!(
        js_sys::JSON::stringify(&s).unwrap(),
        r#"{"srcset":"https://res.cloudinary.com/demo/image/upload/f_auto,q_auto/c_scale,w_100/sample 100w, https://res.cloudinary.com/demo/image/upload/f_auto,q_auto/c_scale,w_200/sample 200w","sizes":"(max-width: 100px) 100px, (max-width: 200px) 200px"}"#
    );
    assert_eq!(
        api::transformation_string_js(js(r#"{"width":100,"crop":"scale","effect":{"sepia":10}}"#))
            .unwrap(),
        "c_scale,e_sepia:10,w_100"
    );
}

#[wasm_bindgen_test]
fn url_factory_builds_many_urls_with_one_transformation() {
    api::reset_config();
    api::config(js(r#"{"cloud_name":"demo"}"#)).unwrap();
    let f = api::JsUrlFactory::new(js(
        r#"{"transformation":[{"crop":"fill","width":400}],"quality":"auto"}"#,
    ))
    .unwrap();
    assert_eq!(
        f.url("a").unwrap(),
        "https://res.cloudinary.com/demo/image/upload/c_fill,w_400/q_auto/a"
    );
    assert_eq!(
        f.url("b/c").unwrap(),
        "https://res.cloudinary.com/demo/image/upload/c_fill,w_400/q_auto/v1/b/c"
    );
    assert_eq!(js_err(f.url("")), "public id must not be empty");
    let signed = api::JsUrlFactory::new(js(r#"{"sign_url":true,"type":"authenticated"}"#)).unwrap();
    let req = signed.url_to_sign("x.jpg").unwrap();
    assert_eq!(
        js_sys::JSON::stringify(&req).unwrap(),
        r#"{"toSign":"x.jpg","algorithm":"sha1","length":8,"delivery":{"resource_type":"image","type":"authenticated","transformation":"","public_id":"x.jpg","long_signature":false}}"#
    );
    assert_eq!(
        signed.signed_url("x.jpg", "AAAAAAAA").unwrap(),
        "https://res.cloudinary.com/demo/image/authenticated/s--AAAAAAAA--/x.jpg"
    );
    assert!(js_err(signed.url("x.jpg")).starts_with("this URL must be signed"));
    assert_eq!(js_err(api::JsUrlFactory::new(js(r#"{"api_secret":"s"}"#))), "api_secret is not accepted here: delivery URLs are signed by the signing endpoint (pass a signature source)");
}

#[wasm_bindgen_test]
fn recorded_sdk_cases_through_the_javascript_api() {
    let cases: J = cloudinary_connector::core::json::from_str(CASES).unwrap();
    let annotations: J = cloudinary_connector::core::json::from_str(ANNOTATIONS).unwrap();
    let mut failures = Vec::new();
    let mut ran = 0;
    for suite in ["pycloudinary", "cloudinary_npm"] {
        for (index, case) in cases[suite].as_array().unwrap().iter().enumerate() {
            api::reset_config();
            let base = if suite == "pycloudinary" {
                r#"{"cloud_name":"test123","secure":false}"#
            } else {
                r#"{"cloud_name":"test123"}"#
            };
            api::config(js(base)).unwrap();
            api::config(js(&case["config_overrides"].to_string())).unwrap();
            for a in annotations["cases"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|a| a["suite"] == suite && a["index"] == index)
            {
                api::config(js(&a["config"].to_string())).unwrap();
            }
            let id = case["public_id"].as_str().unwrap();
            let o = case["options"].to_string();
            let got = match api::url_to_sign(id, js(&o)) {
                Ok(req) if req.is_null() => api::url(id, js(&o)),
                Ok(req) => api::signed_url(id, js(&o), &fixture_signature(&req)),
                Err(e) => Err(e),
            };
            ran += 1;
            match got {
                Ok(u) if u == case["expected_url"] => {}
                Ok(u) => failures.push(format!(
                    "{suite}[{index}] expected {} got {u}",
                    case["expected_url"]
                )),
                Err(e) => failures.push(format!("{suite}[{index}] error {:?}", JsValue::from(e))),
            }
        }
    }
    api::reset_config();
    assert_eq!(ran, 268);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[wasm_bindgen_test]
fn options_json_cannot_hold_say_why() {
    api::reset_config();
    api::config(js(r#"{"cloud_name":"demo"}"#)).unwrap();
    // A BigInt and a cycle: JSON.stringify's own reason is passed on (worded by the browser).
    for (options, cause) in [
        (js_returned("return { width: 10n }"), "BigInt"),
        (
            js_returned("const o = { width: 10 }; o.self = o; return o"),
            "cyclic",
        ),
    ] {
        let m = js_err(api::url("sample", options));
        assert!(m.starts_with("options could not be read as JSON: "), "{m}");
        let reason = &m["options could not be read as JSON: ".len()..];
        match cause {
            "BigInt" => assert!(reason.contains("BigInt"), "{m}"),
            _ => assert!(
                reason.contains("circular") || reason.contains("cyclic"),
                "{m}"
            ),
        }
    }
    assert_eq!(
        api::url("sample", JsValue::UNDEFINED).unwrap(),
        "https://res.cloudinary.com/demo/image/upload/sample"
    );
    api::reset_config();
}

/// Options nested deeper than the JSON reader's limit (`core::json`'s, 127 levels, as
/// `serde_json`'s) get a specific error naming the place, and the module keeps working.
#[wasm_bindgen_test]
fn options_nested_too_deeply_get_a_specific_error() {
    api::reset_config();
    api::config(js(r#"{"cloud_name":"demo"}"#)).unwrap();
    let nest = |levels: u32| {
        js_returned(&format!(
            "let o = {{ width: 10 }}; for (let i = 0; i < {levels}; i++) o = {{ transformation: o }}; return o"
        ))
    };
    // `{"transformation":` is 18 bytes: the 128th `{` is byte 2286, column 2287.
    assert_eq!(
        js_err(api::url("sample", nest(200))),
        "options could not be read: recursion limit exceeded at line 1 column 2287"
    );
    assert_eq!(
        api::url("sample", nest(30)).unwrap(),
        "https://res.cloudinary.com/demo/image/upload/w_10/sample"
    );
    api::reset_config();
}

/// An effect given as an object is named by the key the page wrote first (`JSON.stringify` keeps
/// insertion order; the SDKs read objects in that order), not by the alphabetically first one.
#[wasm_bindgen_test]
fn an_effect_object_keeps_the_key_written_first() {
    api::reset_config();
    api::config(js(r#"{"cloud_name":"demo"}"#)).unwrap();
    let o = js_returned("return { effect: { vignette: 30, art: 'zorro' } }");
    assert_eq!(
        api::url("sample", o).unwrap(),
        "https://res.cloudinary.com/demo/image/upload/e_vignette:30/sample"
    );
    api::reset_config();
}

#[wasm_bindgen_test]
fn options_without_json_text_get_a_specific_error() {
    api::reset_config();
    api::config(js(r#"{"cloud_name":"demo"}"#)).unwrap();
    let weird = js_returned("return { toJSON() { return undefined; } }");
    assert_eq!(
        js_err(api::url("sample", weird)),
        "options could not be read: they have no JSON text (a toJSON() returning undefined?)"
    );
    // The module keeps working.
    assert_eq!(
        api::url("sample", JsValue::UNDEFINED).unwrap(),
        "https://res.cloudinary.com/demo/image/upload/sample"
    );
    api::reset_config();
}
