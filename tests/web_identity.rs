//! Browser test: the integration identity exported through wasm-bindgen, read back as plain JS
//! values. Proves the headless-browser pipeline (wasm-pack test --chrome / --firefox).
#![cfg(all(target_arch = "wasm32", target_os = "unknown"))]

use cloudinary_connector::core::VERSION;
use cloudinary_connector::web;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn get(obj: &JsValue, key: &str) -> JsValue {
    js_sys::Reflect::get(obj, &JsValue::from_str(key)).unwrap()
}

#[wasm_bindgen_test]
fn integration_object_reaches_js_as_a_plain_object() {
    let info = web::integration_info("Reference Host", "1.2.0", "dev").unwrap();
    assert!(info.is_object());
    assert_eq!(
        get(&info, "type").as_string().unwrap(),
        "cloudinary_connector"
    );
    assert_eq!(
        get(&info, "platform").as_string().unwrap(),
        "Reference Host 1.2.0"
    );
    assert_eq!(get(&info, "version").as_string().unwrap(), VERSION);
    assert_eq!(get(&info, "environment").as_string().unwrap(), "dev");
    let json = js_sys::JSON::stringify(&info).unwrap().as_string().unwrap();
    assert_eq!(
        json,
        format!(
            r#"{{"type":"cloudinary_connector","platform":"Reference Host 1.2.0","version":"{VERSION}","environment":"dev"}}"#
        )
    );
}

#[wasm_bindgen_test]
fn user_agent_and_errors_cross_the_boundary() {
    assert_eq!(
        web::user_agent("Decap CMS", "3.16.3").unwrap(),
        format!(
            "CloudinaryDecapCMS/{VERSION} (Decap CMS 3.16.3) CloudinaryConnectorRust/{VERSION}"
        )
    );
    assert_eq!(web::version(), VERSION);
    // A bad environment is a JS Error with the core's message, not a panic.
    let err = web::integration_info("Host", "1", "qa").unwrap_err();
    let err: JsValue = err.into();
    let err: js_sys::Error = err.into();
    assert_eq!(
        String::from(err.message()),
        "unknown environment \"qa\": expected \"prod\", \"stag\" or \"dev\""
    );
}
