//! The typed view of the host object (host extension API 1.x, docs/host-api.md): what the host
//! gives the plugin. [`HostApi::from_js`] checks every member up front, so a host that does not
//! implement the contract is refused with a message naming the missing member, before the plugin
//! touches the page. Every call into the host catches its exceptions.

use crate::core::text::Quoted;
use crate::core::widgets::ScriptUrls;
use alloc::rc::Rc;
use alloc::{borrow::ToOwned, string::String, vec::Vec};
use core::fmt;

use js_sys::{Function, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::core::identity::Environment;
use crate::host::resources::KeyValue;

/// Names of the UI slots a host may offer (`host.ui.slot(name)`).
pub const SLOTS: &[&str] = &["toolbar", "panel", "dialog"];

/// A member of the host object is missing or has the wrong type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostError(pub String);

impl fmt::Display for HostError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl core::error::Error for HostError {}

/// The message of a JS exception or rejection, whatever was thrown.
pub fn js_message(e: &JsValue) -> String {
    if let Some(err) = e.dyn_ref::<js_sys::Error>() {
        String::from(err.message())
    } else if let Some(s) = e.as_string() {
        s
    } else {
        js_sys::JSON::stringify(e)
            .ok()
            .and_then(|s| s.as_string())
            .unwrap_or_else(|| "an unknown error".to_owned())
    }
}

fn get(obj: &JsValue, key: &str) -> JsValue {
    Reflect::get(obj, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

fn req_string(obj: &JsValue, path: &str, key: &str) -> Result<String, HostError> {
    get(obj, key)
        .as_string()
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| {
            HostError(format!(
                "the host object's `{path}` must be a non-empty string"
            ))
        })
}

fn req_fn(obj: &JsValue, path: &str, key: &str) -> Result<Function, HostError> {
    get(obj, key)
        .dyn_into::<Function>()
        .map_err(|_| HostError(format!("the host object's `{path}` must be a function")))
}

fn req_obj(obj: &JsValue, path: &str, key: &str) -> Result<JsValue, HostError> {
    let v = get(obj, key);
    if v.is_object() {
        Ok(v)
    } else {
        Err(HostError(format!("the host object has no `{path}` object")))
    }
}

/// The host's namespaced storage: keys are the plugin's own; the host maps them into its store.
#[derive(Clone)]
pub struct HostStorage {
    this: JsValue,
    get: Function,
    set: Function,
    remove: Function,
    keys: Function,
}

impl fmt::Debug for HostStorage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("HostStorage")
    }
}

impl HostStorage {
    /// A storage object of the host API's shape (`get`, `set`, `remove`, `keys`), checked.
    pub fn from_js(st: JsValue) -> Result<Self, HostError> {
        Ok(HostStorage {
            get: req_fn(&st, "storage.get", "get")?,
            set: req_fn(&st, "storage.set", "set")?,
            remove: req_fn(&st, "storage.remove", "remove")?,
            keys: req_fn(&st, "storage.keys", "keys")?,
            this: st,
        })
    }

    /// Every key the plugin has stored.
    pub fn keys(&self) -> Result<Vec<String>, JsValue> {
        let v = self.keys.call0(&self.this)?;
        let arr = v
            .dyn_into::<js_sys::Array>()
            .map_err(|_| JsValue::from_str("the host's storage.keys() must return an array"))?;
        Ok(arr.iter().filter_map(|k| k.as_string()).collect())
    }

    /// Removes every key the plugin has stored.
    pub fn clear(&self) -> Result<usize, JsValue> {
        let keys = self.keys()?;
        for k in &keys {
            KeyValue::remove(self, k)?;
        }
        Ok(keys.len())
    }
}

impl KeyValue for HostStorage {
    fn get(&self, key: &str) -> Result<Option<String>, JsValue> {
        let v = self.get.call1(&self.this, &JsValue::from_str(key))?;
        if v.is_null() || v.is_undefined() {
            Ok(None)
        } else {
            v.as_string().map(Some).ok_or_else(|| {
                JsValue::from_str("the host's storage.get() must return a string or null")
            })
        }
    }
    fn set(&self, key: &str, value: &str) -> Result<(), JsValue> {
        self.set
            .call2(
                &self.this,
                &JsValue::from_str(key),
                &JsValue::from_str(value),
            )
            .map(drop)
    }
    fn remove(&self, key: &str) -> Result<(), JsValue> {
        self.remove
            .call1(&self.this, &JsValue::from_str(key))
            .map(drop)
    }
}

/// Log levels of the host's logger.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// `host.log.info`
    Info,
    /// `host.log.warn`
    Warn,
    /// `host.log.error`: the host shows these to the user (the reference host: in the
    /// Extensions panel).
    Error,
}

struct Inner {
    raw: JsValue,
    api_version: String,
    platform_name: String,
    platform_version: String,
    environment: Environment,
    storage: HostStorage,
    ui: JsValue,
    slot: Function,
    get_signer_token: Function,
    signer_url: Option<String>,
    log: JsValue,
    log_fns: [Function; 3],
    editor: Option<(JsValue, Function)>,
    manifest: Option<String>,
    widget_options: Result<WidgetOptions, String>,
}

/// What the widgets take from the host object (`scripts`, `signerTimeoutMs`), read once with
/// the rest of it by [`HostApi::from_js`]. A bad value is reported where the widgets are set up
/// (activating the "ui" feature: [`HostApi::widget_options`]), not when the host is admitted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WidgetOptions {
    /// The script URLs the host overrides (`scripts`, for self-hosting), checked.
    pub scripts: ScriptUrls,
    /// The signer's timeout (`signerTimeoutMs`, 1 to 600000), if the host sets one.
    pub signer_timeout_ms: Option<u32>,
}

fn widget_options(raw: &JsValue) -> Result<WidgetOptions, String> {
    let scripts = match get(raw, "scripts") {
        v if v.is_undefined() || v.is_null() => ScriptUrls::default(),
        v => {
            let v = crate::host::widgets::json_from_js(&v)
                .map_err(|e| format!("the host object's `scripts`: {e}"))?;
            ScriptUrls::from_json(&v).map_err(|e| format!("the host object's `scripts`: {e}"))?
        }
    };
    scripts
        .validate()
        .map_err(|e| format!("the host object's `scripts`: {e}"))?;
    let signer_timeout_ms = match get(raw, "signerTimeoutMs") {
        v if v.is_undefined() || v.is_null() => None,
        v => {
            let ms = v
                .as_f64()
                .filter(|n| n.is_finite() && n % 1.0 == 0.0)
                .ok_or_else(|| {
                    "the host object's `signerTimeoutMs` must be a whole number of milliseconds"
                        .to_owned()
                })?;
            // A whole number out of range gets the range message, negative ones too.
            let ms = match ms {
                n if n < 0.0 => Err(format!(
                    "must be between 1 and {} milliseconds, not -{}",
                    crate::host::signer_client::MAX_TIMEOUT_MS,
                    (-n) as u64
                )),
                n => crate::host::signer_client::check_timeout_ms(n as u64),
            }
            .map_err(|e| format!("the host object's `signerTimeoutMs` {e}"))?;
            Some(ms)
        }
    };
    Ok(WidgetOptions {
        scripts,
        signer_timeout_ms,
    })
}

/// The host object, validated. Cheap to clone (shared).
#[derive(Clone)]
pub struct HostApi(Rc<Inner>);

impl fmt::Debug for HostApi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HostApi")
            .field("api_version", &self.0.api_version)
            .field(
                "platform",
                &format_args!("{} {}", self.0.platform_name, self.0.platform_version),
            )
            .field("environment", &self.0.environment)
            .finish()
    }
}

impl HostApi {
    /// Validates a host object against the contract.
    pub fn from_js(raw: &JsValue) -> Result<Self, HostError> {
        if !raw.is_object() {
            return Err(HostError(
                "the host must pass its host API object".to_owned(),
            ));
        }
        let api_version = req_string(raw, "apiVersion", "apiVersion")?;
        let platform = req_obj(raw, "platform", "platform")?;
        let platform_name = req_string(&platform, "platform.name", "name")?;
        let platform_version = req_string(&platform, "platform.version", "version")?;
        let env_raw = req_string(raw, "environment", "environment")?;
        let environment: Environment =
            env_raw
                .parse()
                .map_err(|e: crate::core::identity::IdentityError| {
                    HostError(format!("the host object's `environment`: {e}"))
                })?;
        let storage = HostStorage::from_js(req_obj(raw, "storage", "storage")?)?;
        let ui = req_obj(raw, "ui", "ui")?;
        let slot = req_fn(&ui, "ui.slot", "slot")?;
        let get_signer_token = req_fn(raw, "getSignerToken", "getSignerToken")?;
        let signer_url = match get(raw, "signerUrl") {
            v if v.is_null() || v.is_undefined() => None,
            v => Some(
                v.as_string()
                    .filter(|s| s.starts_with("http://") || s.starts_with("https://"))
                    .ok_or_else(|| {
                        HostError(
                            "the host object's `signerUrl` must be an http(s) URL or null"
                                .to_owned(),
                        )
                    })?,
            ),
        };
        let log = req_obj(raw, "log", "log")?;
        let log_fns = [
            req_fn(&log, "log.info", "info")?,
            req_fn(&log, "log.warn", "warn")?,
            req_fn(&log, "log.error", "error")?,
        ];
        let editor = match get(raw, "editor") {
            v if v.is_null() || v.is_undefined() => None,
            v => {
                let f = req_fn(&v, "editor.insertMedia", "insertMedia")?;
                Some((v, f))
            }
        };
        let manifest = match get(raw, "manifest") {
            v if v.is_null() || v.is_undefined() => None,
            v => Some(v.as_string().ok_or_else(|| {
                HostError(
                    "the host object's `manifest` must be the manifest's JSON text".to_owned(),
                )
            })?),
        };
        Ok(HostApi(Rc::new(Inner {
            raw: raw.clone(),
            api_version,
            platform_name,
            platform_version,
            environment,
            storage,
            ui,
            slot,
            get_signer_token,
            signer_url,
            log,
            log_fns,
            editor,
            manifest,
            widget_options: widget_options(raw),
        })))
    }

    /// The host extension API version the host implements.
    pub fn api_version(&self) -> &str {
        &self.0.api_version
    }

    /// The host platform's name (e.g. `"Reference Host"`).
    pub fn platform_name(&self) -> &str {
        &self.0.platform_name
    }

    /// The host platform's version.
    pub fn platform_version(&self) -> &str {
        &self.0.platform_version
    }

    /// prod / stag / dev.
    pub fn environment(&self) -> Environment {
        self.0.environment
    }

    /// The plugin's namespaced storage.
    pub fn storage(&self) -> &HostStorage {
        &self.0.storage
    }

    /// The manifest text the host loaded the plugin from, if it passed it.
    pub fn manifest(&self) -> Option<&str> {
        self.0.manifest.as_deref()
    }

    /// The signer endpoint's base URL, if the host has one configured.
    pub fn signer_url(&self) -> Option<&str> {
        self.0.signer_url.as_deref()
    }

    /// The UI slot `name` (one of [`SLOTS`]), or `None` if the host does not offer it.
    pub fn slot(&self, name: &str) -> Result<Option<web_sys::Element>, JsValue> {
        let v = self.0.slot.call1(&self.0.ui, &JsValue::from_str(name))?;
        if v.is_null() || v.is_undefined() {
            return Ok(None);
        }
        v.dyn_into::<web_sys::Element>().map(Some).map_err(|_| {
            JsValue::from_str(&format!(
                "the host's ui.slot({name}) must return an element or null",
                name = Quoted(name)
            ))
        })
    }

    /// `scripts` and `signerTimeoutMs`, as read by [`HostApi::from_js`], or why they are unusable.
    pub fn widget_options(&self) -> Result<&WidgetOptions, String> {
        self.0.widget_options.as_ref().map_err(Clone::clone)
    }

    /// The host's `getSignerToken`, bound to the host object.
    pub fn signer_token_fn(&self) -> Function {
        self.0.get_signer_token.bind0(&self.0.raw)
    }

    /// The signed-in user's token for the signer (the host refreshes it as needed).
    pub async fn signer_token(&self) -> Result<String, JsValue> {
        let v = self.0.get_signer_token.call0(&self.0.raw)?;
        let v = match v.dyn_into::<js_sys::Promise>() {
            Ok(p) => JsFuture::from(p).await?,
            Err(v) => v,
        };
        v.as_string().filter(|s| !s.is_empty()).ok_or_else(|| {
            JsValue::from_str("the host's getSignerToken() must resolve to a non-empty string")
        })
    }

    /// Inserts media into the host's editor, if it has one.
    pub fn insert_media(&self, media: &JsValue) -> Result<bool, JsValue> {
        match &self.0.editor {
            Some((this, f)) => f.call1(this, media).map(|_| true),
            None => Ok(false),
        }
    }

    /// Whether the host offers an editor to insert media into.
    pub fn has_editor(&self) -> bool {
        self.0.editor.is_some()
    }

    /// Logs through the host's logger; a throwing logger falls back to the console.
    pub fn log(&self, level: Level, message: &str) {
        let f = &self.0.log_fns[level as usize];
        if f.call1(&self.0.log, &JsValue::from_str(message)).is_err() {
            web_sys::console::error_1(&JsValue::from_str(message));
        }
    }

    /// The raw host object.
    pub fn as_raw(&self) -> &JsValue {
        &self.0.raw
    }
}
