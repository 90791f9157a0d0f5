//! The thin wasm-bindgen facade that JavaScript sees. No business logic: it converts between
//! JS values and [`crate::core`] types and maps errors to `Error` objects.

#[cfg(not(feature = "url-minimal"))]
use alloc::boxed::Box;
#[cfg(not(feature = "url-only"))]
use alloc::{
    borrow::ToOwned,
    string::{String, ToString},
};

// The `url-only` feature (scripts/size.sh) keeps only `error` and `url`.
pub mod error;
#[cfg(not(feature = "url-only"))]
mod host_errors;
#[cfg(not(feature = "url-only"))]
mod types;
#[cfg(not(feature = "url-only"))]
pub mod upload;
#[cfg(not(feature = "url-only"))]
pub mod upload_queue;
pub mod url;

/// `future_to_promise` for the facade's async exports, on a boxed future: one instance of its
/// promise and task glue for all of them instead of one per future type (each export's body is
/// still its own state machine): 3.0 KB gzip less wasm (scripts/size.sh, 2026-12-02).
#[cfg(not(feature = "url-minimal"))]
pub(crate) fn promise(
    future: impl core::future::Future<Output = Result<wasm_bindgen::JsValue, wasm_bindgen::JsValue>>
        + 'static,
) -> js_sys::Promise {
    let boxed: core::pin::Pin<
        Box<
            dyn core::future::Future<Output = Result<wasm_bindgen::JsValue, wasm_bindgen::JsValue>>,
        >,
    > = Box::pin(future);
    wasm_bindgen_futures::future_to_promise(boxed)
}

#[cfg(not(feature = "url-only"))]
use wasm_bindgen::prelude::*;

#[cfg(not(feature = "url-only"))]
use crate::core::identity::{Environment, Identity};

#[cfg(not(feature = "url-only"))]
/// The plugin version (`Cargo.toml`'s, the one version source).
#[wasm_bindgen(js_name = version)]
pub fn version() -> String {
    crate::core::VERSION.to_owned()
}

#[cfg(not(feature = "url-only"))]
/// The User-Agent string for calls made on behalf of `platform` `platform_version`.
#[wasm_bindgen(js_name = userAgent)]
pub fn user_agent(platform: &str, platform_version: &str) -> Result<String, error::CodedError> {
    Identity::new(platform, platform_version, Environment::Prod)
        .map(|id| id.user_agent())
        .map_err(|e| error::CodedError::new(&e.to_string()))
}

#[cfg(not(feature = "url-only"))]
/// The Media Library widget's `integration` object `{type, platform, version, environment}`.
#[wasm_bindgen(js_name = integrationInfo, unchecked_return_type = "IntegrationInfo")]
pub fn integration_info(
    platform: &str,
    platform_version: &str,
    #[wasm_bindgen(unchecked_param_type = "Environment")] environment: &str,
) -> Result<JsValue, error::CodedError> {
    let bad = |e: &dyn core::fmt::Display| error::CodedError::new(&e.to_string());
    let env: Environment = environment.parse().map_err(|e| bad(&e))?;
    let info = Identity::new(platform, platform_version, env)
        .map_err(|e| bad(&e))?
        .integration();
    // Built key by key: the object keeps the documented order `{type, platform, version,
    // environment}` (a JSON value's keys are sorted).
    let o = js_sys::Object::new();
    for (k, v) in [
        ("type", &info.r#type),
        ("platform", &info.platform),
        ("version", &info.version),
        ("environment", &info.environment),
    ] {
        js_sys::Reflect::set(&o, &k.into(), &v.into())
            .map_err(|_| error::CodedError::new("cannot build the integration object"))?;
    }
    Ok(o.into())
}

#[cfg(not(feature = "url-only"))]
pub mod accounts;
#[cfg(not(feature = "url-only"))]
pub mod plugin;
#[cfg(not(feature = "url-only"))]
pub mod widgets;

/// Talc instead of the default dlmalloc: the same `GlobalAlloc` contract in less code (about
/// 7 KB less wasm; `scripts/size.sh`). Single-threaded wasm32 only, which this module is.
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();
