//! The plugin's exports for the host extension API 1.x (docs/host-api.md): `install`, `activate`,
//! `deactivate`, `update`, `uninstall`, `status`. Each returns a value or throws an `Error` whose
//! message is meant for the user; none lets a Rust panic or a host exception escape unconverted.

use alloc::{
    borrow::ToOwned,
    string::{String, ToString},
    vec::Vec,
};
use wasm_bindgen::prelude::*;

use crate::core::lifecycle::{UninstallMode, HOST_API_VERSION};
use crate::host::plugin::{self, PluginError};

impl From<PluginError> for JsValue {
    /// Every lifecycle refusal (`code: "lifecycle_refused"`): a bad host object, a call the
    /// state does not allow, a downgrade, storage that failed.
    fn from(e: PluginError) -> Self {
        crate::web::error::coded(crate::web::error::ErrorCode::LifecycleRefused, &e.0)
    }
}

fn obj(pairs: &[(&str, JsValue)]) -> JsValue {
    let o = js_sys::Object::new();
    for (k, v) in pairs {
        let _ = js_sys::Reflect::set(&o, &JsValue::from_str(k), v);
    }
    o.into()
}

fn strings(v: &[&str]) -> JsValue {
    v.iter()
        .map(|s| JsValue::from_str(s))
        .collect::<js_sys::Array>()
        .into()
}

/// The host extension API version this build implements (`"1.1.0"`).
#[wasm_bindgen(js_name = hostApiVersion)]
pub fn host_api_version() -> String {
    HOST_API_VERSION.to_owned()
}

/// The manifest (`pkg.json`) this module was built with, as JSON text.
#[wasm_bindgen(js_name = manifest)]
pub fn manifest() -> String {
    plugin::MANIFEST.to_owned()
}

/// First-time install. Resolves to `{version, keptSettings, migrations}`.
#[wasm_bindgen(unchecked_return_type = "InstallResult")]
pub fn install(
    #[wasm_bindgen(unchecked_param_type = "Host")] host: JsValue,
) -> Result<JsValue, JsValue> {
    let r = plugin::install(&host)?;
    Ok(obj(&[
        ("version", crate::core::VERSION.into()),
        ("keptSettings", r.kept_settings.into()),
        ("migrations", strings(&r.migrations)),
    ]))
}

/// Mounts the plugin's features into the host.
#[wasm_bindgen]
pub fn activate(
    #[wasm_bindgen(unchecked_param_type = "Host")] host: JsValue,
) -> Result<(), JsValue> {
    Ok(plugin::activate(&host)?)
}

/// Removes everything the plugin put into the page (idempotent).
#[wasm_bindgen]
pub fn deactivate() -> Result<(), JsValue> {
    Ok(plugin::deactivate()?)
}

/// Updates from `previousVersion`. Resolves to `{from, to, migrations}`.
#[wasm_bindgen(unchecked_return_type = "UpdateResult")]
pub fn update(
    #[wasm_bindgen(unchecked_param_type = "Host")] host: JsValue,
    #[wasm_bindgen(unchecked_param_type = "string")] previous_version: JsValue,
) -> Result<JsValue, JsValue> {
    let prev = previous_version.as_string().ok_or_else(|| {
        PluginError(
            "update(host, previousVersion) needs the previously installed version as a string"
                .into(),
        )
    })?;
    let r = plugin::update(&host, &prev)?;
    Ok(obj(&[
        ("from", r.from.to_string().into()),
        ("to", crate::core::VERSION.into()),
        ("migrations", strings(&r.migrations)),
    ]))
}

/// Uninstalls: `options.keepData` (boolean, required) keeps or removes the stored data.
/// Resolves to `{removedKeys}`.
#[wasm_bindgen(unchecked_return_type = "UninstallResult")]
pub fn uninstall(
    #[wasm_bindgen(unchecked_param_type = "Host")] host: JsValue,
    #[wasm_bindgen(unchecked_param_type = "UninstallOptions")] options: JsValue,
) -> Result<JsValue, JsValue> {
    let keep = js_sys::Reflect::get(&options, &"keepData".into())
        .ok()
        .and_then(|v| v.as_bool());
    let mode = match keep {
        Some(true) => UninstallMode::KeepData,
        Some(false) => UninstallMode::RemoveAllData,
        None => {
            // Clean the page anyway; the data stays until the host says what to do with it.
            plugin::deactivate()?;
            return Err(PluginError(
                "uninstall(host, {keepData}) needs keepData: true (keep settings and accounts) or false (remove all data)".into(),
            )
            .into());
        }
    };
    let removed = plugin::uninstall(&host, mode)?;
    Ok(obj(&[("removedKeys", (removed as u32).into())]))
}

/// `{state, version, features}`: `state` is `loaded`, `inactive`, `active` or `uninstalled`.
#[wasm_bindgen(unchecked_return_type = "PluginStatus")]
pub fn status() -> Result<JsValue, JsValue> {
    let (state, features) = plugin::status()?;
    let names: Vec<&str> = features.iter().map(String::as_str).collect();
    Ok(obj(&[
        ("state", state.as_str().into()),
        ("version", crate::core::VERSION.into()),
        ("features", strings(&names)),
    ]))
}
