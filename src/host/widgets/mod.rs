//! Mounting Cloudinary's widgets. Every handle is an RAII value: dropping it unmounts the
//! widget (`destroy()`/`dispose()`/`hide()` as the widget offers), removes the nodes it created,
//! releases its closures and its share of the script tag.
//!
//! A disabled integration ([`WidgetHost::enabled`] false) loads and mounts nothing: every
//! mount returns [`MountError::Disabled`] before touching the page.

use alloc::string::String;
use core::cell::Cell;
use core::fmt;

use crate::core::json::{self, ToJson, Value};
use crate::page_local::PageLocal;
use js_sys::{Function, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::script::{ScriptError, ScriptOptions};
use super::signer_client::{js_message, SignerClient, SignerError};
use crate::core::identity::Identity;
use crate::core::widgets::{ScriptUrls, WidgetError};

pub mod callbacks;
pub mod gallery;
pub mod media_library;
pub mod mounted;
pub mod upload;
pub mod video;

pub use gallery::ProductGallery;
pub use media_library::{MediaLibrary, MediaLibraryHandlers};
pub use mounted::{Mounted, WidgetSpec};
pub use upload::UploadWidget;
pub use video::{VideoEmbed, VideoPlayer};

/// What every mount needs: whether the integration is enabled, who it is, where the scripts
/// come from, and the signer.
#[derive(Clone, Debug)]
pub struct WidgetHost {
    /// A disabled integration loads and mounts nothing.
    pub enabled: bool,
    /// The partner identity (the `integration` object).
    pub identity: Identity,
    /// Script URLs (Cloudinary's CDN by default).
    pub scripts: ScriptUrls,
    /// Nonce and timeout for the tags.
    pub script_options: ScriptOptions,
    /// The signer, for signed uploads and the Media Library auto-login.
    pub signer: Option<SignerClient>,
}

impl WidgetHost {
    /// An enabled host with Cloudinary's script URLs and no signer.
    pub fn new(identity: Identity) -> Self {
        WidgetHost {
            enabled: true,
            identity,
            scripts: ScriptUrls::default(),
            script_options: ScriptOptions::default(),
            signer: None,
        }
    }

    pub(crate) fn check_enabled(&self) -> Result<(), MountError> {
        if self.enabled {
            Ok(())
        } else {
            Err(MountError::Disabled)
        }
    }
}

/// Why a widget could not be mounted or used.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum MountError {
    /// The integration is disabled.
    Disabled,
    /// Bad options or account.
    Options(WidgetError),
    /// The script could not be loaded.
    Script(ScriptError),
    /// The signer gave no signature.
    Signer(SignerError),
    /// Signed mode needs a signer and the host configured none.
    NoSigner(&'static str),
    /// The widget script threw.
    Widget {
        /// The widget call.
        call: &'static str,
        /// Its message.
        message: String,
    },
    /// The handle is not mounted (a remount failed).
    NotMounted,
    /// The page refused a DOM operation.
    Dom(String),
}

impl fmt::Display for MountError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MountError::Disabled => {
                f.write_str("the Cloudinary integration is disabled: nothing is loaded or mounted")
            }
            MountError::Options(e) => e.fmt(f),
            MountError::Script(e) => e.fmt(f),
            MountError::Signer(e) => e.fmt(f),
            MountError::NoSigner(what) => {
                write!(f, "{what} needs a signer, and none is configured")
            }
            MountError::Widget { call, message } => {
                write!(f, "cloudinary.{call} failed: {message}")
            }
            MountError::NotMounted => {
                f.write_str("the widget is not mounted (its last remount failed)")
            }
            MountError::Dom(m) => write!(f, "the page refused a DOM operation: {m}"),
        }
    }
}

impl core::error::Error for MountError {}

impl From<WidgetError> for MountError {
    fn from(e: WidgetError) -> Self {
        MountError::Options(e)
    }
}
impl From<ScriptError> for MountError {
    fn from(e: ScriptError) -> Self {
        MountError::Script(e)
    }
}
impl From<SignerError> for MountError {
    fn from(e: SignerError) -> Self {
        MountError::Signer(e)
    }
}

/// A node a widget is mounted into (`<tag id="cld-connector-<kind>-<n>"
/// data-cld-connector="<kind>">`). Page nodes have one owner, [`crate::host::resources::OwnedNode`],
/// which removes it on drop; this adds the id the widgets' container options name.
#[must_use = "dropping a WidgetNode removes it from the page"]
pub(crate) struct WidgetNode {
    _owned: crate::host::resources::OwnedNode,
    element: web_sys::Element,
}

impl fmt::Debug for WidgetNode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WidgetNode")
            .field("id", &self.element.id())
            .finish()
    }
}

static NEXT_ID: PageLocal<Cell<u32>> = PageLocal::new(Cell::new(1));

impl WidgetNode {
    /// Creates the node under `parent` (the body when `None`).
    pub(crate) fn create(
        tag: &str,
        kind: &str,
        parent: Option<&web_sys::Element>,
    ) -> Result<Self, MountError> {
        let dom = |e: JsValue| MountError::Dom(js_message(&e));
        let document = web_sys::window()
            .and_then(|w| w.document())
            .ok_or_else(|| MountError::Dom("no document".into()))?;
        let element = document.create_element(tag).map_err(dom)?;
        let n = NEXT_ID.with(|c| {
            let n = c.get();
            c.set(n + 1);
            n
        });
        element.set_id(&format!("cld-connector-{kind}-{n}"));
        element
            .set_attribute("data-cld-connector", kind)
            .map_err(dom)?;
        let parent: web_sys::Node = match parent {
            Some(p) => p.clone().into(),
            None => document
                .body()
                .ok_or_else(|| MountError::Dom("no body".into()))?
                .into(),
        };
        let owned = crate::host::resources::OwnedNode::append(&parent, &element).map_err(dom)?;
        Ok(WidgetNode {
            _owned: owned,
            element,
        })
    }

    pub(crate) fn element(&self) -> &web_sys::Element {
        &self.element
    }

    pub(crate) fn selector(&self) -> String {
        format!("#{}", self.element.id())
    }
}

/// JSON value → plain JS value, through `JSON.parse` (one small code path instead of a
/// serde-wasm-bindgen serializer per type: the widget options are JSON anyway).
pub(crate) fn to_js<T: ToJson + ?Sized>(v: &T) -> Result<JsValue, MountError> {
    js_sys::JSON::parse(&json::to_string(v)).map_err(|e| MountError::Dom(js_message(&e)))
}

/// JSON value → plain JS value (`JSON.parse` of its text; numbers keep their text's value).
pub(crate) fn js_of<T: ToJson + ?Sized>(v: &T) -> JsValue {
    js_sys::JSON::parse(&json::to_string(v)).unwrap_or(JsValue::NULL)
}

/// JS value → JSON value, through `JSON.stringify` (functions and `undefined` are
/// dropped, as JSON drops them). Values JSON cannot represent become `null`: for what widgets
/// hand back (event payloads), nothing is refused.
pub(crate) fn from_js(v: &JsValue) -> Value {
    if v.is_undefined() || v.is_null() {
        return Value::Null;
    }
    js_sys::JSON::stringify(v)
        .ok()
        .and_then(|t| t.as_string())
        .and_then(|t| json::from_str(&t).ok())
        .unwrap_or(Value::Null)
}

/// The caller's options as JSON text, or why they are not JSON. Unlike `JSON.stringify` alone,
/// a number JSON has no text for (`NaN`, `Infinity`) is refused by name instead of becoming
/// `null`, which would read as "not set": `signerTimeoutMs is NaN, not a JSON number`.
pub(crate) fn options_json_text(v: &JsValue) -> Result<Option<String>, String> {
    // A Rust closure, not `new Function(…)`: pages whose CSP has no 'unsafe-eval' allow it.
    let replacer = Closure::<dyn FnMut(JsValue, JsValue) -> Result<JsValue, JsValue>>::new(
        |key: JsValue, value: JsValue| match value.as_f64() {
            Some(n) if !n.is_finite() => {
                let key = key.as_string().filter(|k| !k.is_empty());
                let what = if n.is_nan() {
                    "NaN"
                } else if n > 0.0 {
                    "Infinity"
                } else {
                    "-Infinity"
                };
                let message = [
                    key.as_deref().unwrap_or("the value"),
                    " is ",
                    what,
                    ", not a JSON number",
                ]
                .concat();
                Err(js_sys::TypeError::new(&message).into())
            }
            _ => Ok(value),
        },
    );
    let text =
        js_sys::JSON::stringify_with_replacer(v, replacer.as_ref()).map_err(|e| js_message(&e))?;
    Ok(text.as_string())
}

/// The caller's options (a JS value) → JSON value, or why they are not JSON
/// ([`options_json_text`]'s rules).
pub(crate) fn json_from_js(v: &JsValue) -> Result<Value, String> {
    if v.is_undefined() || v.is_null() {
        return Ok(Value::Null);
    }
    match options_json_text(v)? {
        Some(t) => json::from_str(&t),
        None => Ok(Value::Null),
    }
}

/// Calls `window.cloudinary[name](...args)`, a widget's factory, and returns what it made. A
/// missing factory, a throw, or nothing made (`undefined`, `null`: "it returned no <what>") is a
/// `MountError::Widget` naming the call.
pub(crate) fn create_instance(
    name: &'static str,
    args: &[&JsValue],
    what: &str,
) -> Result<JsValue, MountError> {
    let widget = |message: String| MountError::Widget {
        call: name,
        message,
    };
    let global: JsValue = super::script::cloudinary_global()
        .ok_or_else(|| widget("window.cloudinary is not defined".into()))?
        .into();
    let instance = call_method(&global, name, name, args)?
        .ok_or_else(|| widget("it is not a function".into()))?;
    if instance.is_undefined() || instance.is_null() {
        return Err(widget(["it returned no ", what].concat()));
    }
    Ok(instance)
}

/// Calls `target[method](...args)` if it is a function; `Ok(None)` when absent.
pub(crate) fn call_method(
    target: &JsValue,
    call: &'static str,
    method: &str,
    args: &[&JsValue],
) -> Result<Option<JsValue>, MountError> {
    let f = match Reflect::get(target, &method.into())
        .ok()
        .and_then(|f| f.dyn_into::<Function>().ok())
    {
        Some(f) => f,
        None => return Ok(None),
    };
    let arr = js_sys::Array::new();
    for a in args {
        arr.push(a);
    }
    f.apply(target, &arr)
        .map(Some)
        .map_err(|e| MountError::Widget {
            call,
            message: js_message(&e),
        })
}
