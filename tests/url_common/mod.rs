//! Shared by the URL test files that run natively and in headless browsers with the same bodies
//! (test code only): the `scenario!` test attribute switch, the `demo` configuration and a JSON
//! option reader.
#![allow(dead_code)]

use cloudinary_connector::core::url::Value;
use cloudinary_connector::json;

/// A test run by `cargo test` natively and by `wasm-pack test` in the browser.
macro_rules! scenario {
    ($(#[$m:meta])* fn $name:ident() $body:block) => {
        $(#[$m])*
        #[cfg_attr(not(all(target_arch = "wasm32", target_os = "unknown")), test)]
        #[cfg_attr(all(target_arch = "wasm32", target_os = "unknown"), wasm_bindgen_test::wasm_bindgen_test)]
        fn $name() $body
    };
}
pub(crate) use scenario;

/// Cloud `demo`, `https`.
pub fn config() -> Value {
    json!({"cloud_name": "demo", "secure": true})
}

/// Test options from JSON text.
#[track_caller]
pub fn json(s: &str) -> Value {
    cloudinary_connector::core::json::from_str(s).expect("test JSON")
}
