//! Browser tests of the ownership handles (`host::resources`) and of the plugin lifecycle against
//! an in-page host object: every handle releases its resource on drop, `forget()` keeps it, a
//! `Resources` bag releases newest first, and `uninstall` leaves the page as it found it.
#![cfg(all(target_arch = "wasm32", target_os = "unknown"))]

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use cloudinary_connector::core::lifecycle::UninstallMode;
use cloudinary_connector::host::plugin;
use cloudinary_connector::host::resources::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn container() -> web_sys::Element {
    let el = document().create_element("div").unwrap();
    document().body().unwrap().append_child(&el).unwrap();
    el
}

fn dispatch(target: &web_sys::EventTarget, ty: &str) {
    target
        .dispatch_event(&web_sys::Event::new(ty).unwrap())
        .unwrap();
}

async fn sleep(ms: i32) {
    let p = js_sys::Promise::new(&mut |resolve, _| {
        window()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(p).await.unwrap();
}

#[wasm_bindgen_test]
fn owned_node_is_removed_on_drop_and_kept_by_forget() {
    let parent = container();
    let a = document().create_element("span").unwrap();
    let node = OwnedNode::append(&parent, &a).unwrap();
    assert_eq!(parent.child_element_count(), 1);
    drop(node);
    assert_eq!(parent.child_element_count(), 0);

    let b = document().create_element("span").unwrap();
    OwnedNode::append(&parent, &b).unwrap().forget();
    assert_eq!(parent.child_element_count(), 1);
    // A node the host moved elsewhere is still removed from where it is now.
    let c = document().create_element("em").unwrap();
    let node = OwnedNode::append(&parent, &c).unwrap();
    let other = container();
    other.append_child(&c).unwrap();
    drop(node);
    assert_eq!(other.child_element_count(), 0);
    parent.remove();
    other.remove();
}

#[wasm_bindgen_test]
fn style_and_link_tags_are_removed_on_drop() {
    let count = |sel: &str| document().query_selector_all(sel).unwrap().length();
    let style = inject_style("test-owner", "p{color:red}").unwrap();
    let link = inject_link(
        "test-owner",
        "preconnect",
        "https://res.cloudinary.com",
        true,
    )
    .unwrap();
    assert_eq!(count("head style[data-owner=test-owner]"), 1);
    assert_eq!(count("head link[data-owner=test-owner][crossorigin]"), 1);
    drop(style);
    drop(link);
    assert_eq!(count("[data-owner=test-owner]"), 0);
}

#[wasm_bindgen_test]
fn listener_is_removed_on_drop_and_kept_by_forget() {
    let target = container();
    let hits = Rc::new(Cell::new(0));
    let h = hits.clone();
    let l = Listener::new(&target, "ping", move |_| h.set(h.get() + 1));
    dispatch(&target, "ping");
    assert_eq!(hits.get(), 1);
    drop(l);
    dispatch(&target, "ping");
    assert_eq!(hits.get(), 1);

    let h = hits.clone();
    Listener::with_options(&target, "ping", true, false, move |_| h.set(h.get() + 10)).forget();
    dispatch(&target, "ping");
    assert_eq!(hits.get(), 11);
    target.remove();
}

#[wasm_bindgen_test]
async fn timeout_is_cancelled_on_drop_and_interval_cleared() {
    let fired = Rc::new(Cell::new(0));
    let f = fired.clone();
    let t = Timeout::new(10, move || f.set(f.get() + 1));
    drop(t);
    let f = fired.clone();
    let kept = Timeout::new(10, move || f.set(f.get() + 100));
    let f = fired.clone();
    let i = Interval::new(5, move || f.set(f.get() + 1000));
    sleep(40).await;
    assert_eq!(
        fired.get() % 1000,
        100,
        "the dropped timeout never fired, the held one did"
    );
    assert!(fired.get() >= 1100, "the interval ran");
    drop(i);
    drop(kept);
    let at_drop = fired.get();
    sleep(30).await;
    assert_eq!(fired.get(), at_drop, "the interval stopped when dropped");
}

#[wasm_bindgen_test]
async fn observer_disconnects_on_drop() {
    let target = container();
    let seen = Rc::new(Cell::new(0));
    let s = seen.clone();
    let o = Observer::children(&target, move |records| s.set(s.get() + records.len())).unwrap();
    target
        .append_child(&document().create_element("i").unwrap())
        .unwrap();
    sleep(0).await;
    assert_eq!(seen.get(), 1);
    drop(o);
    target
        .append_child(&document().create_element("i").unwrap())
        .unwrap();
    sleep(0).await;
    assert_eq!(seen.get(), 1);
    target.remove();
}

#[wasm_bindgen_test]
async fn adopt_added_removes_what_a_widget_appended() {
    let parent = container();
    let watch = AdoptAdded::watch(&parent, is_cloudinary_widget_node).unwrap();
    let host_node = document().create_element("p").unwrap();
    parent.append_child(&host_node).unwrap();
    let overlay = document().create_element("div").unwrap();
    let frame = document().create_element("iframe").unwrap();
    frame
        .set_attribute("src", "https://media-library.cloudinary.com/console/x")
        .unwrap();
    overlay.append_child(&frame).unwrap();
    parent.append_child(&overlay).unwrap();
    sleep(0).await;
    assert_eq!(watch.len(), 1);
    // Added in the same task as the drop: still adopted (pending records are taken on drop).
    let late = document().create_element("iframe").unwrap();
    late.set_attribute(
        "src",
        "https://upload-widget.cloudinary.com/latest/index.html",
    )
    .unwrap();
    parent.append_child(&late).unwrap();
    // A class name alone does not make a node a widget's: which widget would own it?
    let classed = document().create_element("div").unwrap();
    classed.set_class_name("cloudinary-overlay");
    parent.append_child(&classed).unwrap();
    let lookalike = document().create_element("iframe").unwrap();
    lookalike
        .set_attribute("src", "https://cloudinary.com.evil.example/")
        .unwrap();
    parent.append_child(&lookalike).unwrap();
    drop(watch);
    assert_eq!(
        parent.child_element_count(),
        3,
        "the host's node, the classed div and the look-alike stay"
    );
    assert!(host_node.parent_node().is_some() && lookalike.parent_node().is_some());
    parent.remove();
}

#[wasm_bindgen_test]
fn widget_nodes_are_told_apart_by_their_iframe() {
    use cloudinary_connector::host::resources::{widget_of_url, WidgetKind};
    for (url, kind) in [
        (
            "https://media-library.cloudinary.com/console/x",
            Some(WidgetKind::MediaLibrary),
        ),
        (
            "https://console.cloudinary.com/console/media_library/cms?x=1",
            Some(WidgetKind::MediaLibrary),
        ),
        (
            "https://cloudinary.com/console/media_library/cms?mode=x",
            Some(WidgetKind::MediaLibrary),
        ),
        (
            "https://upload-widget.cloudinary.com/latest/index.html",
            Some(WidgetKind::UploadWidget),
        ),
        (
            "https://widget.cloudinary.com/v2.0/n/index.html",
            Some(WidgetKind::UploadWidget),
        ),
        ("https://cloudinary.com.evil.example/", None),
        ("about:blank", None),
    ] {
        assert_eq!(widget_of_url(url), kind, "{url}");
    }
}

#[wasm_bindgen_test]
fn global_restores_the_previous_value_or_absence() {
    let w = window();
    let has = |n: &str| js_sys::Reflect::has(&w, &n.into()).unwrap();
    assert!(!has("cldTestGlobal"));
    let g = Global::define("cldTestGlobal", &JsValue::from(1)).unwrap();
    assert_eq!(g.value(), JsValue::from(1));
    {
        let inner = Global::define("cldTestGlobal", &JsValue::from(2)).unwrap();
        assert_eq!(inner.value(), JsValue::from(2));
    }
    assert_eq!(
        g.value(),
        JsValue::from(1),
        "the inner handle restored the outer value"
    );
    drop(g);
    assert!(
        !has("cldTestGlobal"),
        "the property is gone, not set to undefined"
    );
    // Adopting a global a script will define.
    let g = Global::adopt("cldAdopted");
    js_sys::Reflect::set(&w, &"cldAdopted".into(), &JsValue::TRUE).unwrap();
    drop(g);
    assert!(!has("cldAdopted"));
    Global::define("cldForgotten", &JsValue::TRUE)
        .unwrap()
        .forget();
    assert!(has("cldForgotten"));
    js_sys::Reflect::delete_property(&w, &"cldForgotten".into()).unwrap();
}

#[wasm_bindgen_test]
fn abort_on_drop_aborts() {
    let a = AbortOnDrop::new().unwrap();
    let signal = a.signal();
    assert!(!signal.aborted());
    drop(a);
    assert!(signal.aborted());
    let b = AbortOnDrop::new().unwrap();
    let signal = b.signal();
    b.forget();
    assert!(!signal.aborted());
}

#[wasm_bindgen_test]
fn temp_key_is_removed_on_drop() {
    let storage = window().session_storage().unwrap().unwrap();
    let k = TempKey::set(storage.clone(), "cld-test-temp", "1").unwrap();
    assert_eq!(
        storage.get_item("cld-test-temp").unwrap().as_deref(),
        Some("1")
    );
    k.update("2").unwrap();
    assert_eq!(k.get().unwrap().as_deref(), Some("2"));
    drop(k);
    assert_eq!(storage.get_item("cld-test-temp").unwrap(), None);
    TempKey::set(storage.clone(), "cld-test-kept", "1")
        .unwrap()
        .forget();
    assert_eq!(
        storage.get_item("cld-test-kept").unwrap().as_deref(),
        Some("1")
    );
    storage.remove_item("cld-test-kept").unwrap();
}

#[wasm_bindgen_test]
fn resources_release_newest_first() {
    let order = Rc::new(RefCell::new(Vec::new()));
    struct Noisy(&'static str, Rc<RefCell<Vec<&'static str>>>);
    impl Drop for Noisy {
        fn drop(&mut self) {
            self.1.borrow_mut().push(self.0);
        }
    }
    let mut bag = Resources::new();
    bag.hold(Noisy("first", order.clone()));
    bag.hold(Noisy("second", order.clone()));
    bag.hold(Noisy("third", order.clone()));
    assert_eq!(bag.len(), 3);
    assert!(bag.get::<Noisy>().is_some());
    bag.release_all();
    assert_eq!(*order.borrow(), ["third", "second", "first"]);
    assert!(bag.is_empty());
    bag.hold(Noisy("again", order.clone()));
    drop(bag);
    assert_eq!(order.borrow().last(), Some(&"again"));
}

// ---------------------------------------------------------------------------------------------
// The plugin lifecycle against an in-page host
// ---------------------------------------------------------------------------------------------

#[wasm_bindgen(inline_js = r#"
export function makeHost(apiVersion, toolbar, panel) {
  const store = new Map();
  const logs = [];
  return {
    apiVersion,
    platform: { name: 'Test Host', version: '9.1' },
    environment: 'dev',
    storage: {
      get: (k) => (store.has(k) ? store.get(k) : null),
      set: (k, v) => { store.set(k, String(v)); },
      remove: (k) => { store.delete(k); },
      keys: () => [...store.keys()],
    },
    ui: { slot: (n) => (n === 'toolbar' ? toolbar : n === 'panel' ? panel : null) },
    editor: { insertMedia: (m) => logs.push('insert ' + m.url) },
    getSignerToken: async () => 'token',
    signerUrl: null,
    log: { info: (m) => logs.push('info ' + m), warn: (m) => logs.push('warn ' + m), error: (m) => logs.push('error ' + m) },
    logs,
    store,
  };
}
export function storeKeys(host) { return [...host.store.keys()].sort(); }
export function logs(host) { return host.logs.slice(); }
"#)]
extern "C" {
    #[wasm_bindgen(js_name = makeHost)]
    fn make_host(api: &str, toolbar: &web_sys::Element, panel: &web_sys::Element) -> JsValue;
    #[wasm_bindgen(js_name = storeKeys)]
    fn store_keys(host: &JsValue) -> Vec<String>;
    fn logs(host: &JsValue) -> Vec<String>;
}

fn page_state() -> (String, String, bool) {
    (
        document().body().unwrap().inner_html(),
        document().head().unwrap().inner_html(),
        js_sys::Reflect::has(&window(), &"cloudinaryConnector".into()).unwrap(),
    )
}

// One test drives the whole lifecycle: the plugin state is per module instance.
#[wasm_bindgen_test]
fn plugin_lifecycle_leaves_the_page_as_it_found_it() {
    let toolbar = container();
    let panel = container();
    let before = page_state();

    let bad = make_host("2.0.0", &toolbar, &panel);
    assert_eq!(
        plugin::install(&bad).unwrap_err().to_string(),
        "host API 2.0.0 is outside the range ^1.0 that Cloudinary Connector supports"
    );
    let not_a_host = JsValue::from_str("host");
    assert_eq!(
        plugin::install(&not_a_host).unwrap_err().to_string(),
        "the host must pass its host API object"
    );
    assert_eq!(page_state(), before);

    let host = make_host("1.0.0", &toolbar, &panel);
    assert_eq!(
        plugin::activate(&host).unwrap_err().to_string(),
        "cannot activate: the plugin is not installed on this host (it has no stored settings); call install() first"
    );
    let report = plugin::install(&host).unwrap();
    assert!(!report.kept_settings);
    assert_eq!(store_keys(&host), ["settings"]);
    plugin::activate(&host).unwrap();
    assert_eq!(plugin::status().unwrap().1, ["ui"]);
    assert_eq!(
        toolbar
            .query_selector_all(".cldc-toolbar-button")
            .unwrap()
            .length(),
        1
    );
    assert!(js_sys::Reflect::has(&window(), &"cloudinaryConnector".into()).unwrap());

    // Another part of the crate adds a feature bag while active; deactivate releases it too.
    let mut bag = Resources::new();
    bag.hold(OwnedNode::append(&panel, &document().create_element("aside").unwrap()).unwrap());
    plugin::add_feature("extra", bag).unwrap();
    assert_eq!(plugin::status().unwrap().1, ["ui", "extra"]);
    assert_eq!(plugin::with_feature("extra", |b| b.len()).unwrap(), Some(1));

    // The toolbar button toggles the panel.
    let button: web_sys::HtmlElement = toolbar
        .query_selector(".cldc-toolbar-button")
        .unwrap()
        .unwrap()
        .unchecked_into();
    button.click();
    assert!(!panel
        .query_selector(".cldc-panel")
        .unwrap()
        .unwrap()
        .has_attribute("hidden"));
    assert_eq!(store_keys(&host), ["settings", "ui-state"]);

    // Update from an older version while active: deactivates, migrates, re-activates.
    assert_eq!(
        plugin::update(&host, "0.2.0").unwrap_err().to_string(),
        "cannot update from 0.2.0 to the older version 0.1.0: downgrading is not supported; uninstall first (choosing \"remove all data\") to install an older version"
    );
    let r = plugin::update(&host, "0.0.9").unwrap();
    assert_eq!(r.from.to_string(), "0.0.9");
    assert_eq!(
        plugin::status().unwrap().1,
        ["ui"],
        "the update re-mounted the built-in features only"
    );

    plugin::deactivate().unwrap();
    assert_eq!(page_state(), before);
    assert!(plugin::add_feature("late", Resources::new()).is_err());
    plugin::activate(&host).unwrap();
    let removed = plugin::uninstall(&host, UninstallMode::RemoveAllData).unwrap();
    assert_eq!(removed, 2);
    assert!(store_keys(&host).is_empty());
    assert_eq!(page_state(), before);
    assert_eq!(
        logs(&host).last().map(String::as_str),
        Some("info uninstalled; 2 stored keys removed")
    );
    assert_eq!(
        plugin::activate(&host).unwrap_err().to_string(),
        "cannot activate: the plugin is uninstalled; install it again first"
    );
    toolbar.remove();
    panel.remove();
}

/// Sets its flag when dropped: shows when a cancelled future's state is released.
struct DropFlag(Rc<Cell<bool>>);

impl Drop for DropFlag {
    fn drop(&mut self) {
        self.0.set(true);
    }
}

#[wasm_bindgen_test]
async fn cancellable_runs_to_completion_and_reports_done() {
    let ran = Rc::new(Cell::new(false));
    let r = ran.clone();
    let task = Cancellable::spawn(async move {
        sleep(5).await;
        r.set(true);
    });
    assert!(!task.is_done(), "still sleeping");
    sleep(50).await;
    assert!(ran.get());
    assert!(task.is_done());
}

#[wasm_bindgen_test]
async fn dropping_a_cancellable_drops_its_future_at_once() {
    let released = Rc::new(Cell::new(false));
    let finished = Rc::new(Cell::new(false));
    let (guard, f) = (DropFlag(released.clone()), finished.clone());
    let task = Cancellable::spawn(async move {
        let _held = guard;
        sleep(20).await;
        f.set(true);
    });
    sleep(1).await;
    assert!(!released.get(), "the future holds its state while it runs");
    drop(task);
    assert!(released.get(), "dropped synchronously with the handle");
    sleep(60).await;
    assert!(!finished.get(), "a cancelled future never resumes");
}

#[wasm_bindgen_test]
async fn a_task_that_drops_its_own_handle_finishes_without_panicking() {
    let slot: Rc<RefCell<Option<Cancellable>>> = Rc::new(RefCell::new(None));
    let finished = Rc::new(Cell::new(false));
    let (s, f) = (slot.clone(), finished.clone());
    *slot.borrow_mut() = Some(Cancellable::spawn(async move {
        sleep(5).await;
        // The owner lets go of the handle from inside the task (a UI clearing its pending
        // work when the work reports back): the task is being polled, so it finishes itself.
        drop(s.borrow_mut().take());
        f.set(true);
    }));
    sleep(50).await;
    assert!(finished.get());
    assert!(slot.borrow().is_none());
}

#[wasm_bindgen_test]
async fn in_flight_hands_out_outputs_in_the_order_their_futures_end() {
    async fn after(ms: i32, name: &'static str) -> &'static str {
        sleep(ms).await;
        name
    }
    let mut flying = InFlight::default();
    assert_eq!(flying.next().await, None, "an empty set answers at once");
    for (name, ms) in [("slow", 40), ("fast", 5), ("middle", 20)] {
        flying.push(after(ms, name));
    }
    assert_eq!(flying.len(), 3);
    assert_eq!(flying.next().await, Some("fast"));
    // A future pushed while others run joins them.
    flying.push(after(1, "late"));
    assert_eq!(flying.next().await, Some("late"));
    assert_eq!(flying.next().await, Some("middle"));
    assert_eq!(flying.next().await, Some("slow"));
    assert!(flying.is_empty());
    assert_eq!(flying.next().await, None);
}

#[wasm_bindgen_test]
async fn futures_that_end_at_one_wake_up_come_out_in_the_order_they_were_pushed() {
    let mut flying = InFlight::default();
    for name in ["a", "b", "c", "d"] {
        flying.push(std::future::ready(name));
    }
    let mut out = Vec::new();
    while let Some(name) = flying.next().await {
        out.push(name);
    }
    assert_eq!(out, ["a", "b", "c", "d"]);
}

#[wasm_bindgen_test]
async fn dropping_an_in_flight_set_drops_its_futures() {
    let released = Rc::new(Cell::new(false));
    let finished = Rc::new(Cell::new(false));
    let (guard, f) = (DropFlag(released.clone()), finished.clone());
    let mut flying = InFlight::default();
    flying.push(async move {
        let _held = guard;
        sleep(20).await;
        f.set(true);
    });
    // Started (polled once, now waiting on its timer), then dropped with the set.
    assert_eq!(race(flying.next(), sleep(5)).await, Raced::Second(()));
    assert!(!released.get(), "the running future holds its state");
    drop(flying);
    assert!(released.get(), "dropped with the set");
    sleep(60).await;
    assert!(!finished.get(), "a dropped future never resumes");
}

#[wasm_bindgen_test]
async fn race_gives_the_first_to_end_and_drops_the_other() {
    let released = Rc::new(Cell::new(false));
    let guard = DropFlag(released.clone());
    let slow = async move {
        let _held = guard;
        sleep(50).await;
        "slow"
    };
    let fast = async {
        sleep(5).await;
        7
    };
    assert_eq!(race(slow, fast).await, Raced::Second(7));
    assert!(released.get(), "the loser is dropped when the race ends");
    // Both ready at the first poll: the first one wins.
    assert_eq!(race(async { 1 }, async { 2 }).await, Raced::First(1));
}
