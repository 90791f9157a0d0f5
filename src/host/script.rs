//! Loads the widget scripts (and the Video Player stylesheet) once per page, as RAII values.
//!
//! * Cloudinary's CDN URLs by default ([`crate::core::widgets::ScriptUrls`]), overridable for
//!   self-hosting and tests.
//! * A CSP nonce, when the host page uses one, is set on every injected tag.
//! * Loads once: every [`LoadedScript`] for the same URL shares one tag; the tag is removed when
//!   the last one is dropped, together with the `window.cloudinary` members that script added
//!   (and `window.cloudinary` itself if the script created it and nothing else is left on it).
//! * What a script leaves on the page while it loads is its footprint, released with its tag:
//!   the `window` properties that appeared between injecting the tag and its `load` event (the
//!   Video Player adds `videojs`, `vttjs`, `WebVTT`, …) are deleted, a `window.cloudinary` the
//!   script *replaced* (the Video Player swaps in a copy) gets its original object back (with
//!   the members other scripts still own), and the `<style>`/`<link>`/`<script>` nodes added to
//!   `<head>` or `<body>` in that window (video.js's `vjs-styles-defaults`) are removed.
//!   Attribution is by time: something the host page itself adds to `window` or `<head>` while
//!   a widget script is loading is taken for the script's (README "Known limitations").
//! * A timeout and a load failure give distinct, clear errors, and leave no tag behind.

use alloc::rc::{Rc, Weak};
use alloc::{borrow::ToOwned, string::String, vec::Vec};
use core::cell::RefCell;
use core::fmt;

use js_sys::{Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use super::resources::AdoptAdded;

use crate::page_local::PageLocal;

/// The default load timeout.
pub const DEFAULT_TIMEOUT_MS: u32 = 20_000;

/// How tags are injected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScriptOptions {
    /// The CSP nonce to put on each tag.
    pub nonce: Option<String>,
    /// Give up after this many milliseconds.
    pub timeout_ms: u32,
}

impl Default for ScriptOptions {
    fn default() -> Self {
        ScriptOptions {
            nonce: None,
            timeout_ms: DEFAULT_TIMEOUT_MS,
        }
    }
}

/// Script or stylesheet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ResourceKind {
    /// `<script src>`.
    Script,
    /// `<link rel="stylesheet" href>`.
    Stylesheet,
}

/// Why a script could not be used.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ScriptError {
    /// No `window`/`document` (not in a browser page).
    NoDocument,
    /// The browser reported a load error (network, 404, CSP refusal).
    LoadFailed {
        /// The URL.
        url: String,
    },
    /// The script did not load in time.
    TimedOut {
        /// The URL.
        url: String,
        /// The timeout.
        ms: u32,
    },
    /// The script loaded but `window.cloudinary.<api>` is not a function.
    MissingApi {
        /// The URL.
        url: String,
        /// The function expected.
        api: &'static str,
    },
    /// The DOM refused an operation.
    Dom(String),
}

impl fmt::Display for ScriptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScriptError::NoDocument => f.write_str("no browser document to load widget scripts into"),
            ScriptError::LoadFailed { url } => write!(
                f,
                "the script {url} failed to load (network error, HTTP error or Content-Security-Policy refusal)"
            ),
            ScriptError::TimedOut { url, ms } => write!(f, "the script {url} did not load within {ms} ms"),
            ScriptError::MissingApi { url, api } => write!(
                f,
                "the script {url} loaded but does not define window.cloudinary.{api}: is it the right widget script?"
            ),
            ScriptError::Dom(m) => write!(f, "the page refused to add the script tag: {m}"),
        }
    }
}

impl core::error::Error for ScriptError {}

type Handler = Closure<dyn FnMut(JsValue)>;
/// A pending `setTimeout`: its handle and its callback.
type Timer = (i32, Closure<dyn FnMut()>);

/// What a script added to the page while it loaded (see the module docs), released with it.
struct Footprint {
    /// `window` properties that appeared during the load (besides `cloudinary`).
    globals: Vec<String>,
    /// The `window.cloudinary` object before the script ran, when the script replaced it.
    replaced: Option<Object>,
}

struct Inner {
    kind: ResourceKind,
    url: String,
    element: web_sys::Element,
    ready: Promise,
    handlers: RefCell<Vec<Handler>>,
    timer: RefCell<Option<Timer>>,
    cloudinary_existed: bool,
    keys_before: Vec<String>,
    added_keys: RefCell<Option<Vec<String>>>,
    /// `window`'s own property names and `window.cloudinary` when the tag was injected.
    window_before: Vec<String>,
    cloudinary_before: Option<Object>,
    /// The style/link/script nodes added to `<head>`/`<body>` from injection to the load event
    /// (watching stops at the load event; the nodes are removed with the tag).
    nodes: RefCell<Vec<AdoptAdded>>,
    footprint: RefCell<Option<Footprint>>,
}

/// A loaded tag's identity: what it loads, from where.
type Tag = (ResourceKind, String);

fn is_tag((k, u): &Tag, kind: ResourceKind, url: &str) -> bool {
    *k == kind && u == url
}

/// Forgets the tag `kind` `url` (a failed one, or one about to be replaced).
fn forget_tag(kind: ResourceKind, url: &str) {
    LOADED.with(|l| l.borrow_mut().retain(|(t, _)| !is_tag(t, kind, url)));
}

type Loaded = RefCell<Vec<(Tag, Weak<Inner>)>>;
/// The tags injected and still wanted, in injection order: a handful at most (one per widget
/// script and stylesheet), so a list, searched in place (no hash map linked into the wasm).
static LOADED: PageLocal<Loaded> = PageLocal::new(RefCell::new(Vec::new()));
/// Whether one of our scripts created `window.cloudinary` (then the last one removes it).
static CREATED_GLOBAL: PageLocal<core::cell::Cell<bool>> =
    PageLocal::new(core::cell::Cell::new(false));

/// A loaded script or stylesheet. Clones share the tag; dropping the last one removes it.
#[derive(Clone)]
#[must_use = "dropping a LoadedScript removes its tag"]
pub struct LoadedScript {
    inner: Rc<Inner>,
}

impl fmt::Debug for LoadedScript {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoadedScript")
            .field("kind", &self.inner.kind)
            .field("url", &self.inner.url)
            .finish()
    }
}

impl LoadedScript {
    /// The URL.
    pub fn url(&self) -> &str {
        &self.inner.url
    }

    /// The injected element.
    pub fn element(&self) -> &web_sys::Element {
        &self.inner.element
    }
}

pub(crate) fn cloudinary_global() -> Option<Object> {
    let w = web_sys::window()?;
    Reflect::get(&w, &"cloudinary".into())
        .ok()?
        .dyn_into::<Object>()
        .ok()
}

fn window_keys() -> Vec<String> {
    web_sys::window()
        .map(|w| {
            Object::get_own_property_names(w.unchecked_ref::<Object>())
                .iter()
                .filter_map(|k| k.as_string())
                .collect()
        })
        .unwrap_or_default()
}

/// A node a widget script adds to the page as it loads: a style sheet or a further script
/// (not the tags this module injects).
fn is_script_footprint(el: &web_sys::Element) -> bool {
    matches!(
        el.tag_name().to_ascii_lowercase().as_str(),
        "style" | "link" | "script"
    ) && !el.has_attribute("data-cld-connector")
}

/// Gives `window.cloudinary` back its original object `original`, with the members the
/// replacing copy holds now (the replacing script's own members are already deleted).
fn restore_cloudinary(original: &Object) {
    let Some(w) = web_sys::window() else { return };
    let current = cloudinary_global();
    if let Some(cur) = &current {
        if Object::is(cur, original) {
            return;
        }
        for k in Object::keys(original).iter() {
            if !Reflect::has(cur, &k).unwrap_or(false) {
                let _ = Reflect::delete_property(original, &k);
            }
        }
        for k in Object::keys(cur).iter() {
            if let Ok(v) = Reflect::get(cur, &k) {
                let _ = Reflect::set(original, &k, &v);
            }
        }
    }
    let _ = Reflect::set(&w, &"cloudinary".into(), original);
}

fn cloudinary_keys() -> Vec<String> {
    cloudinary_global()
        .map(|o| {
            Object::keys(&o)
                .iter()
                .filter_map(|k| k.as_string())
                .collect()
        })
        .unwrap_or_default()
}

impl Drop for Inner {
    fn drop(&mut self) {
        LOADED.with(|l| {
            let mut l = l.borrow_mut();
            l.retain(|(t, w)| !(is_tag(t, self.kind, &self.url) && w.strong_count() == 0));
        });
        if let Some((handle, _cb)) = self.timer.borrow_mut().take() {
            if let Some(w) = web_sys::window() {
                w.clear_timeout_with_handle(handle);
            }
        }
        let _ = Reflect::set(&self.element, &"onload".into(), &JsValue::NULL);
        let _ = Reflect::set(&self.element, &"onerror".into(), &JsValue::NULL);
        if self.kind == ResourceKind::Script && self.added_keys.borrow().is_none() {
            // Dropped while its fetch is in flight (a mount cancelled by uninstall or an account
            // switch): a removed script may still execute when it arrives, so remove what it
            // adds to `window.cloudinary` then. The one-shot closure frees itself when it runs.
            let before = core::mem::take(&mut self.keys_before);
            let existed = self.cloudinary_existed;
            // Whatever appears on `window` between now and the late script's load event is
            // its footprint too.
            let window_now = window_keys();
            let cleanup = Closure::once_into_js(move || {
                if let Some(w) = web_sys::window() {
                    for k in window_keys() {
                        if k != "cloudinary" && !window_now.contains(&k) {
                            let _ = Reflect::delete_property(&w, &k.into());
                        }
                    }
                }
                let Some(global) = cloudinary_global() else {
                    return;
                };
                for k in Object::keys(&global).iter() {
                    if k.as_string().is_some_and(|k| !before.contains(&k)) {
                        let _ = Reflect::delete_property(&global, &k);
                    }
                }
                if !existed && Object::keys(&global).length() == 0 {
                    if let Some(w) = web_sys::window() {
                        let _ = Reflect::delete_property(&w, &"cloudinary".into());
                    }
                }
            });
            let opts = web_sys::AddEventListenerOptions::new();
            opts.set_once(true);
            let _ = self
                .element
                .add_event_listener_with_callback_and_add_event_listener_options(
                    "load",
                    cleanup.unchecked_ref(),
                    &opts,
                );
        }
        self.element.remove();
        self.handlers.borrow_mut().clear();
        let footprint = self.footprint.borrow_mut().take();
        if let (Some(added), Some(global)) =
            (self.added_keys.borrow_mut().take(), cloudinary_global())
        {
            for k in added {
                let _ = Reflect::delete_property(&global, &k.into());
            }
            if let Some(original) = footprint.as_ref().and_then(|f| f.replaced.as_ref()) {
                restore_cloudinary(original);
            }
            if let Some(global) = cloudinary_global() {
                if CREATED_GLOBAL.with(|c| c.get()) && Object::keys(&global).length() == 0 {
                    if let Some(w) = web_sys::window() {
                        let _ = Reflect::delete_property(&w, &"cloudinary".into());
                    }
                    CREATED_GLOBAL.with(|c| c.set(false));
                }
            }
        }
        if let (Some(f), Some(w)) = (footprint, web_sys::window()) {
            for k in f.globals {
                let _ = Reflect::delete_property(&w, &k.into());
            }
        }
        self.nodes.borrow_mut().clear();
    }
}

/// Loads `url` (once per page) and, for scripts, checks that `window.cloudinary.<api>` exists.
pub async fn load(
    kind: ResourceKind,
    url: &str,
    api: Option<&'static str>,
    options: &ScriptOptions,
) -> Result<LoadedScript, ScriptError> {
    let existing = LOADED.with(|l| {
        l.borrow()
            .iter()
            .find(|(t, _)| is_tag(t, kind, url))
            .and_then(|(_, w)| w.upgrade())
    });
    let inner = match existing {
        Some(inner) => inner,
        None => {
            let inner = inject(kind, url, options)?;
            forget_tag(kind, url);
            LOADED.with(|l| {
                l.borrow_mut()
                    .push(((kind, url.to_owned()), Rc::downgrade(&inner)))
            });
            inner
        }
    };
    let outcome = JsFuture::from(inner.ready.clone()).await;
    if let Some((handle, _cb)) = inner.timer.borrow_mut().take() {
        if let Some(w) = web_sys::window() {
            w.clear_timeout_with_handle(handle);
        }
    }
    match outcome {
        Ok(_) => {}
        Err(reason) => {
            // Failed tags must not be reused: forget it so a later attempt injects afresh.
            forget_tag(kind, url);
            inner.element.remove();
            return Err(if reason.as_string().as_deref() == Some("timeout") {
                ScriptError::TimedOut {
                    url: url.to_owned(),
                    ms: options.timeout_ms,
                }
            } else {
                ScriptError::LoadFailed {
                    url: url.to_owned(),
                }
            });
        }
    }
    if inner.added_keys.borrow().is_none() {
        for n in inner.nodes.borrow_mut().iter_mut() {
            n.stop_watching();
        }
        let globals = window_keys()
            .into_iter()
            .filter(|k| k != "cloudinary" && !inner.window_before.contains(k))
            .collect();
        let replaced = inner
            .cloudinary_before
            .clone()
            .filter(|before| cloudinary_global().is_some_and(|now| !Object::is(&now, before)));
        *inner.footprint.borrow_mut() = Some(Footprint { globals, replaced });
        let after = cloudinary_keys();
        if !inner.cloudinary_existed && cloudinary_global().is_some() {
            CREATED_GLOBAL.with(|c| c.set(true));
        }
        let added = after
            .into_iter()
            .filter(|k| !inner.keys_before.contains(k))
            .collect();
        *inner.added_keys.borrow_mut() = Some(added);
    }
    if let Some(api) = api {
        let f = cloudinary_global().and_then(|g| Reflect::get(&g, &api.into()).ok());
        if !f.is_some_and(|f| f.is_function()) {
            return Err(ScriptError::MissingApi {
                url: url.to_owned(),
                api,
            });
        }
    }
    Ok(LoadedScript { inner })
}

fn inject(
    kind: ResourceKind,
    url: &str,
    options: &ScriptOptions,
) -> Result<Rc<Inner>, ScriptError> {
    let window = web_sys::window().ok_or(ScriptError::NoDocument)?;
    let document = window.document().ok_or(ScriptError::NoDocument)?;
    let head = document.head().ok_or(ScriptError::NoDocument)?;
    let dom = |e: JsValue| ScriptError::Dom(super::api::js_message(&e));
    let element = match kind {
        ResourceKind::Script => {
            let s = document.create_element("script").map_err(dom)?;
            s.set_attribute("src", url).map_err(dom)?;
            s.set_attribute("async", "").map_err(dom)?;
            s
        }
        ResourceKind::Stylesheet => {
            let l = document.create_element("link").map_err(dom)?;
            l.set_attribute("rel", "stylesheet").map_err(dom)?;
            l.set_attribute("href", url).map_err(dom)?;
            l
        }
    };
    element
        .set_attribute("data-cld-connector", "script")
        .map_err(dom)?;
    if let Some(n) = &options.nonce {
        element.set_attribute("nonce", n).map_err(dom)?;
    }
    let handlers = RefCell::new(Vec::new());
    let timer = RefCell::new(None);
    let ms = options.timeout_ms;
    let mut setup_err = None;
    let ready = Promise::new(&mut |resolve: js_sys::Function, reject: js_sys::Function| {
        let r = resolve.clone();
        let onload: Handler = Closure::new(move |_e: JsValue| {
            let _ = r.call0(&JsValue::NULL);
        });
        let j = reject.clone();
        let onerror: Handler = Closure::new(move |_e: JsValue| {
            let _ = j.call1(&JsValue::NULL, &"error".into());
        });
        let _ = Reflect::set(&element, &"onload".into(), onload.as_ref());
        let _ = Reflect::set(&element, &"onerror".into(), onerror.as_ref());
        handlers.borrow_mut().push(onload);
        handlers.borrow_mut().push(onerror);
        let t = reject.clone();
        let on_timeout: Closure<dyn FnMut()> = Closure::new(move || {
            let _ = t.call1(&JsValue::NULL, &"timeout".into());
        });
        match window.set_timeout_with_callback_and_timeout_and_arguments_0(
            on_timeout.as_ref().unchecked_ref(),
            ms.min(i32::MAX as u32) as i32,
        ) {
            Ok(h) => *timer.borrow_mut() = Some((h, on_timeout)),
            Err(e) => setup_err = Some(dom(e)),
        }
    });
    if let Some(e) = setup_err {
        return Err(e);
    }
    let cloudinary_before = cloudinary_global();
    let cloudinary_existed = cloudinary_before.is_some();
    let keys_before = cloudinary_keys();
    let window_before = window_keys();
    let mut nodes = Vec::new();
    if kind == ResourceKind::Script {
        let body: Option<web_sys::Node> = document.body().map(Into::into);
        for parent in core::iter::once(head.clone().into()).chain(body) {
            nodes.push(AdoptAdded::watch(&parent, is_script_footprint).map_err(dom)?);
        }
    }
    head.append_child(&element).map_err(dom)?;
    Ok(Rc::new(Inner {
        kind,
        url: url.to_owned(),
        element,
        ready,
        handlers,
        timer,
        cloudinary_existed,
        keys_before,
        added_keys: RefCell::new(None),
        window_before,
        cloudinary_before,
        nodes: RefCell::new(nodes),
        footprint: RefCell::new(None),
    }))
}

/// The tags currently loaded by this module (for diagnostics and tests).
pub fn loaded_urls() -> Vec<String> {
    LOADED.with(|l| {
        l.borrow()
            .iter()
            .filter(|(_, w)| w.strong_count() > 0)
            .map(|((_, url), _)| url.clone())
            .collect()
    })
}
