//! Browser tests of the widget script loader against the doubles server
//! (scripts/serve-doubles.mjs): load once, CSP nonce, load failure, timeout, no residue.
#![cfg(all(target_arch = "wasm32", target_os = "unknown"))]

mod support;

use cloudinary_connector::host::script::{load, loaded_urls, ResourceKind, ScriptOptions};
use js_sys::Reflect;
use support::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn opts(timeout_ms: u32) -> ScriptOptions {
    ScriptOptions {
        nonce: None,
        timeout_ms,
    }
}

fn loads(name: &str) -> u32 {
    let w = web_sys::window().unwrap();
    let l = Reflect::get(&w, &"__cldDoubleLoads".into()).unwrap();
    if l.is_undefined() {
        return 0;
    }
    Reflect::get(&l, &name.into())
        .unwrap()
        .as_f64()
        .unwrap_or(0.0) as u32
}

#[wasm_bindgen_test]
async fn script_loads_once_shares_the_tag_and_cleans_up_after_the_last_handle() {
    reset();
    let url = double("media-library.double.js");
    let (a, b) = futures_join(
        load(
            ResourceKind::Script,
            &url,
            Some("createMediaLibrary"),
            &opts(5_000),
        ),
        load(
            ResourceKind::Script,
            &url,
            Some("createMediaLibrary"),
            &opts(5_000),
        ),
    )
    .await;
    let (a, b) = (a.unwrap(), b.unwrap());
    let c = load(
        ResourceKind::Script,
        &url,
        Some("createMediaLibrary"),
        &opts(5_000),
    )
    .await
    .unwrap();
    assert_eq!(count("script[data-cld-connector]"), 1);
    assert_eq!(loads("media-library"), 1, "the script ran once");
    assert_eq!(loaded_urls(), vec![url.clone()]);
    drop(a);
    drop(b);
    assert_eq!(count("script[data-cld-connector]"), 1, "still used by c");
    assert!(cloudinary_defined());
    drop(c);
    assert_no_residue();
}

#[wasm_bindgen_test]
async fn script_tags_carry_the_csp_nonce() {
    reset();
    let o = ScriptOptions {
        nonce: Some("r4nd0m".into()),
        timeout_ms: 5_000,
    };
    let s = load(
        ResourceKind::Script,
        &double("product-gallery.double.js"),
        Some("galleryWidget"),
        &o,
    )
    .await
    .unwrap();
    // `nonce` is read from the IDL attribute: browsers may hide the content attribute.
    let nonce = Reflect::get(s.element(), &"nonce".into())
        .unwrap()
        .as_string()
        .unwrap();
    assert_eq!(nonce, "r4nd0m");
    drop(s);
    assert_no_residue();
}

#[wasm_bindgen_test]
async fn script_load_failure_is_a_clear_error_and_leaves_nothing() {
    reset();
    let url = double("404/media-library.double.js");
    let err = load(
        ResourceKind::Script,
        &url,
        Some("createMediaLibrary"),
        &opts(5_000),
    )
    .await
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("the script {url} failed to load (network error, HTTP error or Content-Security-Policy refusal)")
    );
    assert_no_residue();
    // A later attempt with a good URL works.
    let ok = load(
        ResourceKind::Script,
        &double("media-library.double.js"),
        Some("createMediaLibrary"),
        &opts(5_000),
    )
    .await
    .unwrap();
    drop(ok);
    assert_no_residue();
}

#[wasm_bindgen_test]
async fn script_timeout_is_a_clear_error_and_leaves_nothing_even_when_the_script_arrives_late() {
    // The double reports its execution through the page's `__cldDoubleLoaded`: the test waits
    // for the late script itself, not for a time window.
    let w = web_sys::window().unwrap();
    let ran = js_sys::Promise::new(&mut |resolve, _| {
        Reflect::set(&w, &"__cldDoubleLoaded".into(), &resolve).unwrap();
    });
    reset();
    let url = double("delay/1500/upload-widget.double.js");
    let err = load(
        ResourceKind::Script,
        &url,
        Some("createUploadWidget"),
        &opts(300),
    )
    .await
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("the script {url} did not load within 300 ms")
    );
    assert_eq!(count("script[data-cld-connector]"), 0);
    assert!(loaded_urls().is_empty());
    // The removed tag's script still arrives and runs: what it added is removed at its load.
    let limit = js_sys::Promise::new(&mut |_, reject| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&reject, 10_000)
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(js_sys::Promise::race(&js_sys::Array::of2(&ran, &limit)))
        .await
        .expect("the late script ran within 10 s");
    tick(0).await;
    assert_eq!(loads("upload-widget"), 1, "the late script did run");
    assert_no_residue();
    Reflect::delete_property(&w, &"__cldDoubleLoaded".into()).unwrap();
}

#[wasm_bindgen_test]
async fn script_without_the_widget_api_is_refused() {
    reset();
    let url = double("not-a-widget.double.js");
    let err = load(
        ResourceKind::Script,
        &url,
        Some("createMediaLibrary"),
        &opts(5_000),
    )
    .await
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("the script {url} loaded but does not define window.cloudinary.createMediaLibrary: is it the right widget script?")
    );
    assert_no_residue();
}

#[wasm_bindgen_test]
async fn stylesheets_load_once_too() {
    reset();
    let url = double("stylesheet.fixture.css");
    let a = load(ResourceKind::Stylesheet, &url, None, &opts(5_000))
        .await
        .unwrap();
    let b = load(ResourceKind::Stylesheet, &url, None, &opts(5_000))
        .await
        .unwrap();
    assert_eq!(count("link[data-cld-connector]"), 1);
    drop((a, b));
    assert_no_residue();
}

/// Polls two futures to completion concurrently (no extra dependency).
async fn futures_join<A: std::future::Future, B: std::future::Future>(
    a: A,
    b: B,
) -> (A::Output, B::Output) {
    use std::pin::pin;
    use std::task::Poll;
    let mut a = pin!(a);
    let mut b = pin!(b);
    let mut ra = None;
    let mut rb = None;
    std::future::poll_fn(|cx| {
        if ra.is_none() {
            if let Poll::Ready(v) = a.as_mut().poll(cx) {
                ra = Some(v);
            }
        }
        if rb.is_none() {
            if let Poll::Ready(v) = b.as_mut().poll(cx) {
                rb = Some(v);
            }
        }
        if ra.is_some() && rb.is_some() {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    })
    .await;
    (ra.unwrap(), rb.unwrap())
}
