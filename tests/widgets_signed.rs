//! Browser tests that need the real signer (`cld-signer --dev` with the test configuration,
//! listening at SIGNER_URL) and the doubles server (DOUBLES_URL). The signatures the widgets
//! receive are recomputed here with the fixture's test secret (test code only) and compared.
//!
//! Fixture values are baked in at compile time and default to the signer's
//! `signer/tests/fixtures/test-config.toml`: SIGNER_TEST_ACCOUNT, SIGNER_TEST_CLOUD_NAME,
//! SIGNER_TEST_API_SECRET (the test secret, which exists only in that fixture).
#![cfg(all(target_arch = "wasm32", target_os = "unknown"))]

mod support;

use std::rc::Rc;

use cloudinary_connector::core::widgets::{MediaLibraryOptions, UploadEvent, UploadWidgetOptions};
use cloudinary_connector::host::signer_client::{SignerClient, TokenSource};
use cloudinary_connector::host::widgets::media_library::Placement;
use cloudinary_connector::host::widgets::upload::SIGNATURE_ERROR_EVENT;
use cloudinary_connector::host::widgets::{
    MediaLibrary, MediaLibraryHandlers, UploadWidget, WidgetHost,
};
use serde_json::{json, Value};
use sha1::Digest as _;
use support::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const ACCOUNT: &str = match option_env!("SIGNER_TEST_ACCOUNT") {
    Some(a) => a,
    None => "demo",
};
const CLOUD_NAME: &str = match option_env!("SIGNER_TEST_CLOUD_NAME") {
    Some(a) => a,
    None => "dn6ot3ged",
};
const API_KEY: &str = match option_env!("SIGNER_TEST_API_KEY") {
    Some(a) => a,
    None => "614335564976464",
};
/// The fixture's second account (SHA-256 uploads, strict policy) and its test secret.
const BRAND: (&str, &str, &str, &str) = (
    "brand",
    "brand-cloud",
    "223344556677889",
    match option_env!("SIGNER_TEST_API_SECRET_BRAND") {
        Some(a) => a,
        None => "cldTestSecretBrand7QpX2mZ9wLk4",
    },
);
const USER: &str = "editor@example.com";

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A development token from the signer (`POST /v1/dev/token`).
async fn dev_token(role: &str) -> String {
    signer_dev_token(USER, json!({ACCOUNT: role, BRAND.0: role})).await
}

async fn signed_host(role: &str) -> WidgetHost {
    let mut h = host();
    h.signer = Some(SignerClient::new(
        SIGNER_URL,
        TokenSource::Static(dev_token(role).await),
    ));
    h
}

fn signed_account() -> cloudinary_connector::core::widgets::CloudAccount {
    cloudinary_connector::core::widgets::CloudAccount::new(ACCOUNT, CLOUD_NAME)
        .with_api_key(API_KEY)
}

fn now_secs() -> u64 {
    (js_sys::Date::now() / 1000.0) as u64
}

#[wasm_bindgen_test]
async fn review_scenario_media_library_widget_signed_login_matches_the_test_secret() {
    reset();
    let h = signed_host("uploader").await;
    let acc = signed_account();
    let handlers = MediaLibraryHandlers {
        on_insert: Rc::new(|_| {}),
        on_show: None,
        on_hide: None,
    };
    let ml = MediaLibrary::mount(
        &h,
        &acc,
        MediaLibraryOptions::default(),
        Placement::Modal,
        handlers,
    )
    .await
    .unwrap();
    let o = calls("media_library", "createMediaLibrary")[0]["options"].clone();
    assert_eq!(o["cloud_name"], CLOUD_NAME);
    assert_eq!(o["username"], USER);
    assert_eq!(o["integration"]["type"], "cloudinary_connector");
    let ts = o["timestamp"].as_u64().unwrap();
    assert!(
        ts.abs_diff(now_secs()) < 120,
        "the signer sets a current timestamp"
    );
    let expected = hex(&sha2::Sha256::digest(format!(
        "cloud_name={CLOUD_NAME}&timestamp={ts}&username={USER}{TEST_SECRET}"
    )));
    assert_eq!(o["signature"], expected.as_str());
    drop(ml);
    assert_no_residue();
}

#[wasm_bindgen_test]
async fn review_scenario_media_library_widget_remount_on_account_switch_gets_a_new_signed_login() {
    reset();
    let h = signed_host("uploader").await;
    let handlers = MediaLibraryHandlers {
        on_insert: Rc::new(|_| {}),
        on_show: None,
        on_hide: None,
    };
    let mut ml = MediaLibrary::mount(
        &h,
        &signed_account(),
        MediaLibraryOptions::default(),
        Placement::Modal,
        handlers,
    )
    .await
    .unwrap();
    let (id, cloud, key, secret) = BRAND;
    ml.remount(
        &cloudinary_connector::core::widgets::CloudAccount::new(id, cloud).with_api_key(key),
    )
    .await
    .unwrap();
    let created = calls("media_library", "createMediaLibrary");
    assert_eq!(created.len(), 2);
    let o = &created[1]["options"];
    assert_eq!(
        (o["cloud_name"].as_str(), o["api_key"].as_str()),
        (Some(cloud), Some(key))
    );
    let ts = o["timestamp"].as_u64().unwrap();
    let expected = hex(&sha2::Sha256::digest(format!(
        "cloud_name={cloud}&timestamp={ts}&username={USER}{secret}"
    )));
    assert_eq!(o["signature"], expected.as_str());
    assert_ne!(o["signature"], created[0]["options"]["signature"]);
    // An account the user has no role on: the signer refuses, the handle stays unmounted.
    let err = ml
        .remount(
            &cloudinary_connector::core::widgets::CloudAccount::new("archive", "archive-dam")
                .with_api_key("556677889900112"),
        )
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), format!("the signer refused (403): user \"{USER}\" has no role on account \"archive\" [rule: token.roles]"));
    assert!(!ml.is_mounted());
    drop(ml);
    assert_no_residue();
}

/// Cloudinary's string to sign (signature version 2) for the params the widget gave.
fn upload_string_to_sign(params: &serde_json::Map<String, Value>) -> String {
    let mut pairs: Vec<(String, String)> = params
        .iter()
        .filter(|(k, _)| {
            !matches!(
                k.as_str(),
                "file" | "cloud_name" | "resource_type" | "api_key"
            )
        })
        .map(|(k, v)| {
            let v = match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            (k.clone(), v)
        })
        .filter(|(_, v)| !v.is_empty())
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", v.replace('&', "%26")))
        .collect::<Vec<_>>()
        .join("&")
}

#[wasm_bindgen_test]
async fn review_scenario_upload_widget_signed_upload_signature_matches_the_test_secret() {
    reset();
    let h = signed_host("uploader").await;
    let (events, on_event) = collector::<UploadEvent>();
    let options = UploadWidgetOptions::from_json(
        &cloudinary_connector::json!({"folder": "shop/uploads", "tags": ["shop", "new"]}),
    )
    .unwrap();
    let w = UploadWidget::mount(&h, &signed_account(), options, Placement::Modal, on_event)
        .await
        .unwrap();
    let created = &calls("upload", "createUploadWidget")[0]["options"];
    assert_eq!(created["uploadSignature"], "[function]");
    assert_eq!(created["apiKey"], API_KEY);
    let out = simulate(
        "simulateUpload",
        &[js(&json!({"public_id": "shop/uploads/a", "resource_type": "image", "type": "upload", "version": 1,
                     "secure_url": format!("https://res.cloudinary.com/{CLOUD_NAME}/image/upload/v1/shop/uploads/a")}))],
    )
    .await;
    let out = from_js(&out);
    let params = out["params_to_sign"].as_object().unwrap();
    assert_eq!(params["source"], "uw");
    assert_eq!(params["folder"], "shop/uploads");
    assert_eq!(params["tags"], "shop,new");
    // The widget signs booleans as booleans (reference §3): the signer signs them as `true`.
    assert_eq!(params["unique_filename"], true);
    let to_sign = upload_string_to_sign(params);
    assert!(to_sign.contains("&unique_filename=true"), "{to_sign}");
    let expected = hex(&sha1::Sha1::digest(format!("{to_sign}{TEST_SECRET}")));
    assert_eq!(
        out["signature"],
        expected.as_str(),
        "signed exactly: {to_sign}"
    );
    let names: Vec<String> = events.borrow().iter().map(|e| e.event.clone()).collect();
    assert_eq!(
        names,
        ["queues-start", "upload-added", "success", "queues-end"]
    );
    drop(w);
    assert_no_residue();
}

#[wasm_bindgen_test]
async fn review_scenario_upload_presets_preset_outside_the_policy_is_refused_by_the_signer() {
    reset();
    let h = signed_host("uploader").await;
    let (events, on_event) = collector::<UploadEvent>();
    let options = UploadWidgetOptions::from_json(
        &cloudinary_connector::json!({"uploadPreset": "not_in_policy"}),
    )
    .unwrap();
    // The brand account allows only the "brand_signed" preset to uploaders.
    let (id, cloud, key, _) = BRAND;
    let brand = cloudinary_connector::core::widgets::CloudAccount::new(id, cloud).with_api_key(key);
    let w = UploadWidget::mount(&h, &brand, options, Placement::Modal, on_event)
        .await
        .unwrap();
    // simulateUpload waits for a signature that never comes: do not await it.
    let f: js_sys::Function = js_sys::Reflect::get(
        &js_sys::Reflect::get(&web_sys::window().unwrap(), &"__cldDoubles".into()).unwrap(),
        &"simulateUpload".into(),
    )
    .unwrap()
    .into();
    let _pending = f
        .call1(&wasm_bindgen::JsValue::NULL, &js(&json!({})))
        .unwrap();
    for _ in 0..50 {
        if events
            .borrow()
            .iter()
            .any(|e| e.event == SIGNATURE_ERROR_EVENT)
        {
            break;
        }
        tick(20).await;
    }
    let got = events.borrow();
    let refusal = got
        .iter()
        .find(|e| e.event == SIGNATURE_ERROR_EVENT)
        .unwrap_or_else(|| panic!("a signature-error event, got {got:?}"));
    let msg = refusal.error.as_deref().unwrap();
    assert!(
        msg.starts_with("the signer refused (403): upload preset \"not_in_policy\" is not allowed"),
        "{msg}"
    );
    assert!(msg.contains("[rule: "), "{msg}");
    assert!(!got.iter().any(|e| e.event == "success"));
    drop(got);
    drop(w);
    assert_no_residue();
}

#[wasm_bindgen_test]
async fn review_scenario_upload_presets_signed_preset_within_the_policy_is_signed_sha256() {
    reset();
    let h = signed_host("uploader").await;
    let (id, cloud, key, secret) = BRAND;
    let brand = cloudinary_connector::core::widgets::CloudAccount::new(id, cloud).with_api_key(key);
    let folder = format!("brand/{USER}");
    let options = UploadWidgetOptions::from_json(
        &cloudinary_connector::json!({"uploadPreset": "brand_signed", "folder": folder}),
    )
    .unwrap();
    let w = UploadWidget::mount(&h, &brand, options, Placement::Modal, Rc::new(|_| {}))
        .await
        .unwrap();
    let created = &calls("upload", "createUploadWidget")[0]["options"];
    assert_eq!(
        (
            created["uploadPreset"].as_str(),
            created["cloudName"].as_str()
        ),
        (Some("brand_signed"), Some(cloud))
    );
    let out = from_js(&simulate("simulateUpload", &[js(&json!({}))]).await);
    let params = out["params_to_sign"].as_object().unwrap();
    assert_eq!(params["upload_preset"], "brand_signed");
    let to_sign = upload_string_to_sign(params);
    // The brand account signs uploads with SHA-256 (its `signature_algorithm`).
    let expected = hex(&sha2::Sha256::digest(format!("{to_sign}{secret}")));
    assert_eq!(
        out["signature"],
        expected.as_str(),
        "signed exactly: {to_sign}"
    );
    drop(w);
    assert_no_residue();
}

#[wasm_bindgen_test]
async fn signer_token_may_come_from_a_host_function_returning_a_promise() {
    reset();
    let token = dev_token("uploader").await;
    js_sys::Reflect::set(
        &web_sys::window().unwrap(),
        &"__testSignerToken".into(),
        &token.into(),
    )
    .unwrap();
    let provider =
        js_sys::Function::new_no_args("return Promise.resolve(window.__testSignerToken)");
    let client = SignerClient::new(SIGNER_URL, TokenSource::Provider(provider));
    let login = client.media_library_login(ACCOUNT).await.unwrap();
    assert_eq!(login.username, USER);
    let expected = hex(&sha2::Sha256::digest(format!(
        "cloud_name={CLOUD_NAME}&timestamp={}&username={USER}{TEST_SECRET}",
        login.timestamp
    )));
    assert_eq!(login.signature, expected);
    // A provider that gives nothing: a clear error, and no request is sent.
    let empty = SignerClient::new(
        SIGNER_URL,
        TokenSource::Provider(js_sys::Function::new_no_args("return undefined")),
    );
    assert_eq!(
        empty
            .media_library_login(ACCOUNT)
            .await
            .unwrap_err()
            .to_string(),
        "the host gave no signer token: the token provider returned no string"
    );
    // A bad token: the signer's refusal, with its message.
    let bad = SignerClient::new(SIGNER_URL, TokenSource::Static("not.a.jwt".into()));
    let e = bad
        .media_library_login(ACCOUNT)
        .await
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("the signer refused (401): "), "{e}");
    js_sys::Reflect::delete_property(&web_sys::window().unwrap(), &"__testSignerToken".into())
        .unwrap();
}

#[wasm_bindgen_test]
async fn an_unreachable_signer_is_a_clear_mount_error_and_nothing_is_loaded() {
    reset();
    let mut h = host();
    h.signer = Some(SignerClient::new(
        "http://127.0.0.1:9",
        TokenSource::Static("t".into()),
    ));
    let handlers = MediaLibraryHandlers {
        on_insert: Rc::new(|_| {}),
        on_show: None,
        on_hide: None,
    };
    let e = MediaLibrary::mount(
        &h,
        &signed_account(),
        MediaLibraryOptions::default(),
        Placement::Modal,
        handlers,
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(
        e.starts_with("the signer at http://127.0.0.1:9/v1/sign/media-library is unreachable: "),
        "{e}"
    );
    assert_no_residue();
}
