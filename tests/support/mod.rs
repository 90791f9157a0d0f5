//! Shared helpers of the widget browser tests (test code only).
#![allow(dead_code)]

use std::cell::RefCell;
use std::rc::Rc;

use cloudinary_connector::core::identity::{Environment, Identity};
use cloudinary_connector::core::widgets::{CloudAccount, ScriptUrls};
use cloudinary_connector::host::script::ScriptOptions;
use cloudinary_connector::host::widgets::WidgetHost;
use js_sys::Reflect;
use serde_json::Value;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// Where `scripts/serve-doubles.mjs` serves `tests/doubles/`.
pub const DOUBLES_URL: &str = match option_env!("DOUBLES_URL") {
    Some(u) => u,
    None => "http://127.0.0.1:18788",
};

/// Where the test script runs the real signer (`cld-signer --dev` with
/// `signer/tests/fixtures/test-config.toml`).
pub const SIGNER_URL: &str = match option_env!("SIGNER_URL") {
    Some(u) => u,
    None => "http://127.0.0.1:18787",
};

/// TEST ONLY: the SDK test-suite secret that the signer's fixture gives the "demo" account
/// (CLD_TEST_SECRET_DEMO): signatures are recomputed with it and compared.
pub const TEST_SECRET: &str = match option_env!("SIGNER_TEST_API_SECRET") {
    Some(a) => a,
    None => "hdcixPpR2iKERPwqvH6sHdK9cyac",
};

/// A development token for `user` with `roles` (`{account: role}`) from the signer's
/// `POST /v1/dev/token`.
pub async fn signer_dev_token(user: &str, roles: Value) -> String {
    signer_dev_token_answer(user, roles).await["token"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// The signer's whole answer to `POST /v1/dev/token` (`token`, `expires_at`).
pub async fn signer_dev_token_answer(user: &str, roles: Value) -> Value {
    let res = gloo_net::http::Request::post(&format!("{SIGNER_URL}/v1/dev/token"))
        .json(&serde_json::json!({"user": user, "roles": roles, "ttl_secs": 600}))
        .unwrap()
        .send()
        .await
        .expect("the signer must run: cld-signer --dev --config signer/tests/fixtures/test-config.toml --listen 127.0.0.1:18787");
    assert_eq!(
        res.status(),
        200,
        "dev token: {}",
        res.text().await.unwrap()
    );
    res.json().await.unwrap()
}

pub fn double(file: &str) -> String {
    format!("{DOUBLES_URL}/{file}")
}

pub fn identity() -> Identity {
    Identity::new("Reference Host", "2.1.0", Environment::Dev).unwrap()
}

pub fn scripts() -> ScriptUrls {
    ScriptUrls {
        media_library: double("media-library.double.js"),
        upload_widget: double("upload-widget.double.js"),
        product_gallery: double("product-gallery.double.js"),
        // The real Video Player is tested end to end (tests/e2e/video-player.test.mjs).
        video_player: double("404/video-player"),
        video_player_css: double("404/video-player.css"),
    }
}

/// An enabled host over the doubles, without a signer.
pub fn host() -> WidgetHost {
    WidgetHost {
        enabled: true,
        identity: identity(),
        scripts: scripts(),
        script_options: ScriptOptions {
            nonce: None,
            timeout_ms: 5_000,
        },
        signer: None,
    }
}

pub fn account(id: &str, cloud: &str) -> CloudAccount {
    let mut a = CloudAccount::new(id, cloud).with_api_key("123456789012345");
    a.unsigned_upload_presets = vec!["public_drop".into()];
    a
}

pub fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

/// The page as a test found it: every `window` property, and the `<style>`, `<link>` and
/// `<script>` elements (as HTML), like the end-to-end snapshot (tests/e2e/helpers.mjs).
#[derive(Debug, PartialEq)]
pub struct PageState {
    pub globals: Vec<String>,
    pub styles: Vec<String>,
    pub links: Vec<String>,
    pub scripts: Vec<String>,
}

impl PageState {
    pub fn take() -> PageState {
        let w = web_sys::window().unwrap();
        let mut globals: Vec<String> =
            js_sys::Object::get_own_property_names(w.unchecked_ref::<js_sys::Object>())
                .iter()
                .filter_map(|k| k.as_string())
                // The test runner's own driver, not the page: ChromeDriver's `callFunction` script
                // (run when wasm-bindgen-test-runner polls the page over WebDriver) assigns the
                // undeclared `ret_nodes = []`, which makes a window property at whatever moment the
                // poll lands (seen in ChromeDriver 156: `strings /usr/bin/chromedriver | grep ret_nodes`).
                .filter(|k| k != "ret_nodes")
                .collect();
        globals.sort();
        let html = |sel: &str| -> Vec<String> {
            let list = document().query_selector_all(sel).unwrap();
            (0..list.length())
                .filter_map(|i| list.item(i))
                .map(|n| n.unchecked_into::<web_sys::Element>().outer_html())
                .collect()
        };
        PageState {
            globals,
            styles: html("style"),
            links: html("link"),
            scripts: html("script"),
        }
    }
}

thread_local! {
    static BASELINE: RefCell<Option<PageState>> = const { RefCell::new(None) };
}

/// Starts a test from a clean slate: the doubles' recording is emptied, and the page's state
/// is taken as the baseline [`assert_no_residue`] compares with. The recorders exist before
/// any double loads, so they are the page's, not a script's footprint (which the plugin
/// removes with the script).
pub fn reset() {
    let w = web_sys::window().unwrap();
    let fresh = js_sys::JSON::parse(
        r#"{"calls": [], "mediaLibrary": [], "upload": [], "gallery": [], "video": [], "signatures": [], "errors": []}"#,
    )
    .unwrap();
    Reflect::set(&w, &"__cldDoubles".into(), &fresh).unwrap();
    Reflect::set(&w, &"__cldDoubleLoads".into(), &js_sys::Object::new()).unwrap();
    BASELINE.with(|b| *b.borrow_mut() = Some(PageState::take()));
}

/// What the doubles recorded as thrown by the page's callbacks (must stay empty).
pub fn double_errors() -> Value {
    let w = web_sys::window().unwrap();
    let r = Reflect::get(&w, &"__cldDoubles".into()).unwrap();
    let e = Reflect::get(&r, &"errors".into()).unwrap();
    from_js(&e)
}

/// A host element for a test, removed on drop.
pub struct Parent(pub web_sys::Element);

impl Parent {
    pub fn new() -> Parent {
        let d = document();
        let e = d.create_element("section").unwrap();
        e.set_attribute("data-test-parent", "").unwrap();
        d.body().unwrap().append_child(&e).unwrap();
        Parent(e)
    }
}

impl Drop for Parent {
    fn drop(&mut self) {
        self.0.remove();
    }
}

pub fn count(selector: &str) -> u32 {
    document().query_selector_all(selector).unwrap().length()
}

/// `window.__cldDoubles` as JSON (functions and elements omitted).
pub fn recording() -> Value {
    let w = web_sys::window().unwrap();
    let r = Reflect::get(&w, &"__cldDoubles".into()).unwrap();
    if r.is_undefined() {
        return Value::Null;
    }
    let json = js_sys::JSON::stringify(&Reflect::get(&r, &"calls".into()).unwrap()).unwrap();
    serde_json::json!({"calls": serde_json::from_str::<Value>(&String::from(json)).unwrap()})
}

/// The recorded calls of `widget`'s `method`.
pub fn calls(widget: &str, method: &str) -> Vec<Value> {
    let r = recording();
    r.get("calls")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter(|c| c["widget"] == widget && c["method"] == method)
                .cloned()
                .collect()
        })
        .unwrap_or_default()
}

/// Calls a helper of `window.__cldDoubles` and awaits it when it returns a promise.
pub async fn simulate(helper: &str, args: &[JsValue]) -> JsValue {
    let w = web_sys::window().unwrap();
    let r = Reflect::get(&w, &"__cldDoubles".into()).unwrap();
    let f: js_sys::Function = Reflect::get(&r, &helper.into())
        .unwrap()
        .dyn_into()
        .unwrap();
    let arr = js_sys::Array::new();
    for a in args {
        arr.push(a);
    }
    let v = f.apply(&r, &arr).unwrap();
    match v.dyn_into::<js_sys::Promise>() {
        Ok(p) => wasm_bindgen_futures::JsFuture::from(p).await.unwrap(),
        Err(v) => v,
    }
}

pub fn js(v: &Value) -> JsValue {
    use serde::Serialize;
    v.serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .unwrap()
}

pub fn from_js(v: &JsValue) -> Value {
    serde_wasm_bindgen::from_value(v.clone()).unwrap()
}

/// Whether `window.cloudinary` exists.
pub fn cloudinary_defined() -> bool {
    let w = web_sys::window().unwrap();
    !Reflect::get(&w, &"cloudinary".into())
        .unwrap()
        .is_undefined()
}

/// The nodes this crate or the doubles added, the script tags, `window.cloudinary`, and any
/// other difference from the page as [`reset`] found it (every window property, `<style>`,
/// `<link>`, `<script>`): all must be gone after unmount.
#[track_caller]
pub fn assert_no_residue() {
    if let Some(base) = BASELINE.with(|b| b.borrow_mut().take()) {
        let now = PageState::take();
        assert_eq!(now, base, "the page differs from before the test");
        BASELINE.with(|b| *b.borrow_mut() = Some(base));
    }
    assert_eq!(
        count("[data-cld-connector]"),
        0,
        "nodes created by the connector are left"
    );
    assert_eq!(
        count("[data-cld-double]"),
        0,
        "nodes created by the widget doubles are left"
    );
    assert_eq!(
        count("script[data-cld-connector], link[data-cld-connector]"),
        0,
        "script tags are left"
    );
    assert!(!cloudinary_defined(), "window.cloudinary is left");
    assert!(cloudinary_connector::host::script::loaded_urls().is_empty());
}

/// What a handler received.
pub type Collected<T> = Rc<RefCell<Vec<T>>>;

/// Collects what a handler receives.
pub fn collector<T: 'static>() -> (Collected<T>, Rc<dyn Fn(T)>) {
    let store = Rc::new(RefCell::new(Vec::new()));
    let s = store.clone();
    (store, Rc::new(move |t| s.borrow_mut().push(t)))
}

/// Waits one macrotask (lets spawned futures and timers run).
pub async fn tick(ms: i32) {
    let p = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(p).await.unwrap();
}
