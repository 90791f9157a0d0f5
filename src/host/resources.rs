//! Ownership handles for every page resource the plugin creates.
//!
//! Each handle is `#[must_use]`: the resource lives exactly as long as its handle, and dropping the
//! handle releases it (removes the node, deregisters the listener, clears the timer, disconnects the
//! observer, restores the global, removes the storage key, aborts the request). An explicit
//! `forget()` leaks the resource on purpose, as in `gloo-events`. A [`Resources`] bag holds any
//! number of handles of any type and releases them in reverse order of acquisition when it is
//! dropped or [`Resources::release_all`] is called, so a feature can own "everything it made" as one
//! value.
//!
//! ```no_run
//! # use cloudinary_connector::host::resources::*;
//! # fn demo(button: web_sys::Element, toolbar: web_sys::Element) -> Result<(), wasm_bindgen::JsValue> {
//! let mut bag = Resources::new();
//! let node = OwnedNode::append(&toolbar, &button)?;
//! bag.hold(Listener::new(node.node(), "click", |_e| web_sys::console::log_1(&"clicked".into())));
//! bag.hold(node);
//! bag.hold(Interval::new(30_000, || ()));
//! drop(bag); // listener removed, button removed, interval cleared
//! # Ok(()) }
//! ```

use std::any::Any;
use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::Poll;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// The page's `window`; the plugin only runs in a window context.
pub fn window() -> web_sys::Window {
    web_sys::window().expect_throw("cloudinary-connector runs only in a browser window")
}

/// The page's `document`.
pub fn document() -> web_sys::Document {
    window()
        .document()
        .expect_throw("the window has no document")
}

// ---------------------------------------------------------------------------------------------
// Resources: a bag of handles
// ---------------------------------------------------------------------------------------------

/// A bag of owned resources of any type, released in reverse order of acquisition.
#[must_use = "dropping the bag releases everything it holds"]
#[derive(Default)]
pub struct Resources {
    items: Vec<(&'static str, Box<dyn Any>)>,
}

impl fmt::Debug for Resources {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.items.iter().map(|(n, _)| n))
            .finish()
    }
}

impl Resources {
    /// An empty bag.
    pub fn new() -> Self {
        Self::default()
    }

    /// Takes ownership of `resource` until the bag is released.
    pub fn hold<T: 'static>(&mut self, resource: T) {
        self.items
            .push((std::any::type_name::<T>(), Box::new(resource)));
    }

    /// How many handles the bag holds.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether the bag is empty.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The first held handle of type `T`.
    pub fn get<T: 'static>(&self) -> Option<&T> {
        self.items.iter().find_map(|(_, b)| b.downcast_ref::<T>())
    }

    /// The first held handle of type `T`, mutably.
    pub fn get_mut<T: 'static>(&mut self) -> Option<&mut T> {
        self.items
            .iter_mut()
            .find_map(|(_, b)| b.downcast_mut::<T>())
    }

    /// Releases every handle now, newest first. The bag can be reused afterwards.
    pub fn release_all(&mut self) {
        while let Some(item) = self.items.pop() {
            drop(item);
        }
    }
}

impl Drop for Resources {
    fn drop(&mut self) {
        self.release_all();
    }
}

// ---------------------------------------------------------------------------------------------
// DOM nodes, style/link tags
// ---------------------------------------------------------------------------------------------

/// A DOM node the plugin inserted; dropping it removes the node from wherever it is now.
#[must_use = "dropping the handle removes the node"]
#[derive(Debug)]
pub struct OwnedNode {
    node: Option<web_sys::Node>,
}

impl OwnedNode {
    /// Appends `node` to `parent` and owns it.
    pub fn append(parent: &web_sys::Node, node: &web_sys::Node) -> Result<Self, JsValue> {
        parent.append_child(node)?;
        Ok(OwnedNode {
            node: Some(node.clone()),
        })
    }

    /// Owns a node already in the document (e.g. one a third-party script created for the plugin).
    pub fn adopt(node: web_sys::Node) -> Self {
        OwnedNode { node: Some(node) }
    }

    /// The owned node.
    pub fn node(&self) -> &web_sys::Node {
        self.node
            .as_ref()
            .expect_throw("OwnedNode holds a node until dropped")
    }

    /// The owned node as an element, if it is one.
    pub fn element(&self) -> Option<&web_sys::Element> {
        self.node().dyn_ref::<web_sys::Element>()
    }

    /// Leaves the node in the document for good.
    pub fn forget(mut self) -> web_sys::Node {
        self.node
            .take()
            .expect_throw("OwnedNode holds a node until dropped")
    }
}

impl Drop for OwnedNode {
    fn drop(&mut self) {
        if let Some(node) = self.node.take() {
            if let Some(parent) = node.parent_node() {
                let _ = parent.remove_child(&node);
            }
        }
    }
}

/// Creates an element with attributes (a helper for the constructors below).
pub fn element(tag: &str, attrs: &[(&str, &str)]) -> Result<web_sys::Element, JsValue> {
    let el = document().create_element(tag)?;
    for (k, v) in attrs {
        el.set_attribute(k, v)?;
    }
    Ok(el)
}

/// Injects `<style data-owner=...>css</style>` into `<head>`.
pub fn inject_style(owner: &str, css: &str) -> Result<OwnedNode, JsValue> {
    let el = element("style", &[("data-owner", owner)])?;
    el.set_text_content(Some(css));
    OwnedNode::append(&head()?, &el)
}

/// Injects `<link rel=... href=... data-owner=...>` into `<head>`.
pub fn inject_link(
    owner: &str,
    rel: &str,
    href: &str,
    crossorigin: bool,
) -> Result<OwnedNode, JsValue> {
    let el = element(
        "link",
        &[("rel", rel), ("href", href), ("data-owner", owner)],
    )?;
    if crossorigin {
        el.set_attribute("crossorigin", "")?;
    }
    OwnedNode::append(&head()?, &el)
}

fn head() -> Result<web_sys::Node, JsValue> {
    document()
        .head()
        .map(Into::into)
        .ok_or_else(|| JsValue::from_str("the document has no <head>"))
}

// ---------------------------------------------------------------------------------------------
// Script tags: one owner, `crate::host::script` (`LoadedScript`, shared per URL, removed with
// the last handle, and what a late-arriving script adds to `window.cloudinary` removed too).

// ---------------------------------------------------------------------------------------------
// Globals
// ---------------------------------------------------------------------------------------------

/// A `window` property the plugin defined or adopted; dropping it restores what was there before
/// (the previous value, or no property at all).
#[must_use = "dropping the handle restores the global"]
#[derive(Debug)]
pub struct Global {
    name: String,
    previous: Option<JsValue>,
    armed: bool,
}

impl Global {
    /// Sets `window[name] = value`, remembering any previous own value.
    pub fn define(name: &str, value: &JsValue) -> Result<Self, JsValue> {
        let g = Self::adopt(name);
        js_sys::Reflect::set(&window(), &JsValue::from_str(name), value)?;
        Ok(g)
    }

    /// Owns `window[name]` from now on without changing it: use it just before loading a script
    /// that defines the global; dropping restores the state at adoption time.
    pub fn adopt(name: &str) -> Self {
        let w = window();
        let key = JsValue::from_str(name);
        let had = js_sys::Reflect::has(&w, &key).unwrap_or(false);
        let previous = if had {
            js_sys::Reflect::get(&w, &key).ok()
        } else {
            None
        };
        Global {
            name: name.to_owned(),
            previous,
            armed: true,
        }
    }

    /// The property name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The current value of the property.
    pub fn value(&self) -> JsValue {
        js_sys::Reflect::get(&window(), &JsValue::from_str(&self.name))
            .unwrap_or(JsValue::UNDEFINED)
    }

    /// Leaves the global as it is now, for good.
    pub fn forget(mut self) {
        self.armed = false;
    }
}

impl Drop for Global {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        let w = window();
        let key = JsValue::from_str(&self.name);
        match self.previous.take() {
            Some(v) => {
                let _ = js_sys::Reflect::set(&w, &key, &v);
            }
            None => {
                let _ = js_sys::Reflect::delete_property(&w, &key);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Event listeners
// ---------------------------------------------------------------------------------------------

/// An event listener (as in `gloo-events`); dropping it removes the listener.
#[must_use = "dropping the handle removes the listener"]
pub struct Listener {
    target: web_sys::EventTarget,
    event: String,
    capture: bool,
    callback: Option<Closure<dyn FnMut(web_sys::Event)>>,
}

impl fmt::Debug for Listener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Listener")
            .field("event", &self.event)
            .field("capture", &self.capture)
            .finish()
    }
}

impl Listener {
    /// Listens for `event` on `target` (bubbling phase, passive).
    pub fn new<T, F>(target: &T, event: &str, callback: F) -> Self
    where
        T: AsRef<web_sys::EventTarget>,
        F: FnMut(&web_sys::Event) + 'static,
    {
        Self::with_options(target, event, false, true, callback)
    }

    /// Listens with explicit `capture` and `passive` flags (non-passive listeners may call
    /// `preventDefault`).
    pub fn with_options<T, F>(
        target: &T,
        event: &str,
        capture: bool,
        passive: bool,
        mut callback: F,
    ) -> Self
    where
        T: AsRef<web_sys::EventTarget>,
        F: FnMut(&web_sys::Event) + 'static,
    {
        let target: &web_sys::EventTarget = target.as_ref();
        let closure =
            Closure::wrap(Box::new(move |e: web_sys::Event| callback(&e)) as Box<dyn FnMut(_)>);
        let opts = web_sys::AddEventListenerOptions::new();
        opts.set_capture(capture);
        opts.set_passive(passive);
        target
            .add_event_listener_with_callback_and_add_event_listener_options(
                event,
                closure.as_ref().unchecked_ref(),
                &opts,
            )
            .expect_throw("addEventListener does not throw for a function listener");
        Listener {
            target: target.clone(),
            event: event.to_owned(),
            capture,
            callback: Some(closure),
        }
    }

    /// The event type.
    pub fn event(&self) -> &str {
        &self.event
    }

    /// Keeps the listener registered for the page's lifetime.
    pub fn forget(mut self) {
        if let Some(c) = self.callback.take() {
            c.forget();
        }
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        if let Some(c) = self.callback.take() {
            let _ = self.target.remove_event_listener_with_callback_and_bool(
                &self.event,
                c.as_ref().unchecked_ref(),
                self.capture,
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Timers
// ---------------------------------------------------------------------------------------------

/// A `setTimeout`; dropping it before it fires cancels it.
#[must_use = "dropping the handle cancels the timeout"]
pub struct Timeout {
    id: Option<i32>,
    _callback: Closure<dyn FnMut()>,
}

impl fmt::Debug for Timeout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Timeout").field("id", &self.id).finish()
    }
}

impl Timeout {
    /// Calls `callback` once after `millis` milliseconds.
    pub fn new<F: FnOnce() + 'static>(millis: u32, callback: F) -> Self {
        let mut cb = Some(callback);
        let closure = Closure::wrap(Box::new(move || {
            if let Some(f) = cb.take() {
                f();
            }
        }) as Box<dyn FnMut()>);
        let id = window()
            .set_timeout_with_callback_and_timeout_and_arguments_0(
                closure.as_ref().unchecked_ref(),
                millis.min(i32::MAX as u32) as i32,
            )
            .expect_throw("setTimeout does not throw");
        Timeout {
            id: Some(id),
            _callback: closure,
        }
    }

    /// Lets the timeout fire even though the handle is gone.
    pub fn forget(mut self) {
        self.id = None;
        let closure = std::mem::replace(
            &mut self._callback,
            Closure::wrap(Box::new(|| {}) as Box<dyn FnMut()>),
        );
        closure.forget();
    }
}

impl Drop for Timeout {
    fn drop(&mut self) {
        if let Some(id) = self.id.take() {
            window().clear_timeout_with_handle(id);
        }
    }
}

/// A `setInterval`; dropping it clears the interval.
#[must_use = "dropping the handle clears the interval"]
pub struct Interval {
    id: Option<i32>,
    _callback: Closure<dyn FnMut()>,
}

impl fmt::Debug for Interval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Interval").field("id", &self.id).finish()
    }
}

impl Interval {
    /// Calls `callback` every `millis` milliseconds.
    pub fn new<F: FnMut() + 'static>(millis: u32, callback: F) -> Self {
        let closure = Closure::wrap(Box::new(callback) as Box<dyn FnMut()>);
        let id = window()
            .set_interval_with_callback_and_timeout_and_arguments_0(
                closure.as_ref().unchecked_ref(),
                millis.min(i32::MAX as u32) as i32,
            )
            .expect_throw("setInterval does not throw");
        Interval {
            id: Some(id),
            _callback: closure,
        }
    }

    /// Keeps the interval running for the page's lifetime.
    pub fn forget(mut self) {
        self.id = None;
        let closure = std::mem::replace(
            &mut self._callback,
            Closure::wrap(Box::new(|| {}) as Box<dyn FnMut()>),
        );
        closure.forget();
    }
}

impl Drop for Interval {
    fn drop(&mut self) {
        if let Some(id) = self.id.take() {
            window().clear_interval_with_handle(id);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Observers
// ---------------------------------------------------------------------------------------------

/// A `MutationObserver` watching one target; dropping it disconnects the observer.
#[must_use = "dropping the handle disconnects the observer"]
pub struct Observer {
    observer: Option<web_sys::MutationObserver>,
    _callback: Closure<dyn FnMut(js_sys::Array, web_sys::MutationObserver)>,
}

impl fmt::Debug for Observer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Observer")
            .field("connected", &self.observer.is_some())
            .finish()
    }
}

impl Observer {
    /// Observes `target` with `init`; `callback` gets each batch of records.
    pub fn observe<F>(
        target: &web_sys::Node,
        init: &web_sys::MutationObserverInit,
        mut callback: F,
    ) -> Result<Self, JsValue>
    where
        F: FnMut(Vec<web_sys::MutationRecord>) + 'static,
    {
        let closure = Closure::wrap(Box::new(
            move |records: js_sys::Array, _o: web_sys::MutationObserver| {
                callback(records.iter().map(|r| r.unchecked_into()).collect())
            },
        )
            as Box<dyn FnMut(js_sys::Array, web_sys::MutationObserver)>);
        let observer = web_sys::MutationObserver::new(closure.as_ref().unchecked_ref())?;
        observer.observe_with_options(target, init)?;
        Ok(Observer {
            observer: Some(observer),
            _callback: closure,
        })
    }

    /// Observes the direct children of `target` being added or removed.
    pub fn children<F>(target: &web_sys::Node, callback: F) -> Result<Self, JsValue>
    where
        F: FnMut(Vec<web_sys::MutationRecord>) + 'static,
    {
        let init = web_sys::MutationObserverInit::new();
        init.set_child_list(true);
        Self::observe(target, &init, callback)
    }
}

impl Observer {
    /// Records queued but not yet delivered to the callback (mutations made in the current task).
    pub fn take_records(&self) -> Vec<web_sys::MutationRecord> {
        match &self.observer {
            Some(o) => o
                .take_records()
                .iter()
                .map(|r| r.unchecked_into())
                .collect(),
            None => vec![],
        }
    }
}

/// Adopts the nodes a third-party script adds to `parent` while the handle lives (a widget's
/// overlay or iframe appended to `<body>`), when `predicate` says they are its: dropping the handle
/// removes them, including nodes added in the same task just before the drop.
#[must_use = "dropping the handle removes the adopted nodes"]
pub struct AdoptAdded {
    observer: Option<Observer>,
    adopted: Rc<RefCell<Vec<OwnedNode>>>,
    predicate: Rc<dyn Fn(&web_sys::Element) -> bool>,
}

impl fmt::Debug for AdoptAdded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AdoptAdded")
            .field("adopted", &self.adopted.borrow().len())
            .finish()
    }
}

fn adopt_from(
    records: Vec<web_sys::MutationRecord>,
    predicate: &dyn Fn(&web_sys::Element) -> bool,
    into: &RefCell<Vec<OwnedNode>>,
) {
    for r in records {
        let added = r.added_nodes();
        for i in 0..added.length() {
            let Some(node) = added.item(i) else { continue };
            if node.dyn_ref::<web_sys::Element>().is_some_and(predicate) {
                into.borrow_mut().push(OwnedNode::adopt(node));
            }
        }
    }
}

impl AdoptAdded {
    /// Starts watching the children added to `parent`.
    pub fn watch<P>(parent: &web_sys::Node, predicate: P) -> Result<Self, JsValue>
    where
        P: Fn(&web_sys::Element) -> bool + 'static,
    {
        let adopted = Rc::new(RefCell::new(Vec::new()));
        let predicate: Rc<dyn Fn(&web_sys::Element) -> bool> = Rc::new(predicate);
        let (a, p) = (adopted.clone(), predicate.clone());
        let observer = Observer::children(parent, move |records| adopt_from(records, &*p, &a))?;
        Ok(AdoptAdded {
            observer: Some(observer),
            adopted,
            predicate,
        })
    }

    /// Stops watching: the nodes adopted so far (with the records not yet delivered) stay owned
    /// until the handle is dropped; nodes added from now on are not adopted.
    pub fn stop_watching(&mut self) {
        if let Some(o) = self.observer.take() {
            adopt_from(o.take_records(), &*self.predicate, &self.adopted);
        }
    }

    /// How many nodes were adopted so far (delivered records only).
    pub fn len(&self) -> usize {
        self.adopted.borrow().len()
    }

    /// Whether no node was adopted so far.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Drop for AdoptAdded {
    fn drop(&mut self) {
        if let Some(o) = self.observer.take() {
            adopt_from(o.take_records(), &*self.predicate, &self.adopted);
            drop(o);
        }
        let nodes = std::mem::take(&mut *self.adopted.borrow_mut());
        drop(nodes);
    }
}

/// Which Cloudinary widget a node on the page belongs to, from the iframe it is or wraps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WidgetKind {
    /// The Media Library: its iframe is the console's (`console.cloudinary.com/console/
    /// media_library/…`; `cloudinary.com/console/media_library/cms?…` in cloudinary_wordpress#13),
    /// or any other `*.cloudinary.com` page but the Upload widget's.
    MediaLibrary,
    /// The Upload widget (`upload-widget.cloudinary.com`, `widget.cloudinary.com` for v2.0).
    UploadWidget,
}

fn url_host(s: &str) -> &str {
    let rest = s.split_once("://").map_or("", |(_, r)| r);
    rest.split(['/', '?', '#']).next().unwrap_or("")
}

/// The widget an iframe URL belongs to, if it is a Cloudinary widget's.
pub fn widget_of_url(src: &str) -> Option<WidgetKind> {
    let host = url_host(src).to_ascii_lowercase();
    match host.as_str() {
        "upload-widget.cloudinary.com" | "widget.cloudinary.com" => Some(WidgetKind::UploadWidget),
        h if h == "cloudinary.com" || h.ends_with(".cloudinary.com") => {
            Some(WidgetKind::MediaLibrary)
        }
        _ => None,
    }
}

/// The widget `el` belongs to: an iframe served by the widget, or an element wrapping one.
pub fn widget_of_node(el: &web_sys::Element) -> Option<WidgetKind> {
    let of = |e: &web_sys::Element| e.get_attribute("src").and_then(|s| widget_of_url(&s));
    if el.tag_name().eq_ignore_ascii_case("iframe") {
        return of(el);
    }
    el.query_selector("iframe[src*='cloudinary.com']")
        .ok()
        .flatten()
        .and_then(|f| of(&f))
}

/// Whether `el` looks like a node a Cloudinary widget script created (either widget).
pub fn is_cloudinary_widget_node(el: &web_sys::Element) -> bool {
    widget_of_node(el).is_some()
}

impl Drop for Observer {
    fn drop(&mut self) {
        if let Some(o) = self.observer.take() {
            o.disconnect();
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------------------------

/// An `AbortController` for a request (fetch, upload); dropping it aborts the request if it is
/// still running.
#[must_use = "dropping the handle aborts the request"]
#[derive(Debug)]
pub struct AbortOnDrop {
    controller: Option<web_sys::AbortController>,
}

impl AbortOnDrop {
    /// A fresh controller.
    pub fn new() -> Result<Self, JsValue> {
        Ok(AbortOnDrop {
            controller: Some(web_sys::AbortController::new()?),
        })
    }

    /// The signal to pass to `fetch` (or gloo-net's `abort_signal`).
    pub fn signal(&self) -> web_sys::AbortSignal {
        self.controller
            .as_ref()
            .expect_throw("AbortOnDrop holds a controller until dropped")
            .signal()
    }

    /// Lets the request run on.
    pub fn forget(mut self) {
        self.controller = None;
    }
}

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        if let Some(c) = self.controller.take() {
            c.abort();
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Tasks
// ---------------------------------------------------------------------------------------------

type Task = Pin<Box<dyn Future<Output = ()>>>;

/// A future that can be cancelled synchronously: dropping the handle drops the future at once,
/// with everything it holds (a script tag still loading, a signer request in flight).
///
/// ```no_run
/// # use cloudinary_connector::host::resources::*;
/// let task = Cancellable::spawn(async { /* mount a widget, ask the signer, ... */ });
/// drop(task); // the future and what it holds are dropped now, not at its next wake-up
/// ```
#[must_use = "dropping the handle cancels the task"]
pub struct Cancellable(Rc<RefCell<Option<Task>>>);

impl fmt::Debug for Cancellable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cancellable")
            .field("done", &self.is_done())
            .finish()
    }
}

impl Cancellable {
    /// Runs `f` on the page's event loop until it completes or the handle is dropped.
    pub fn spawn(f: impl Future<Output = ()> + 'static) -> Self {
        let slot: Rc<RefCell<Option<Task>>> = Rc::new(RefCell::new(Some(Box::pin(f))));
        let task = slot.clone();
        wasm_bindgen_futures::spawn_local(std::future::poll_fn(move |cx| {
            let Ok(mut guard) = task.try_borrow_mut() else {
                cx.waker().wake_by_ref();
                return Poll::Pending;
            };
            let Some(f) = guard.as_mut() else {
                return Poll::Ready(());
            };
            match f.as_mut().poll(cx) {
                Poll::Ready(()) => {
                    *guard = None;
                    Poll::Ready(())
                }
                Poll::Pending => Poll::Pending,
            }
        }));
        Cancellable(slot)
    }

    /// Whether the future has completed (or was dropped).
    pub fn is_done(&self) -> bool {
        self.0.try_borrow().is_ok_and(|g| g.is_none())
    }
}

impl Drop for Cancellable {
    fn drop(&mut self) {
        // While the future is being polled (it is finishing and releasing its own handle) the
        // borrow fails and the future completes by itself.
        if let Ok(mut guard) = self.0.try_borrow_mut() {
            let f = guard.take();
            drop(guard);
            drop(f);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Storage keys
// ---------------------------------------------------------------------------------------------

/// Key/value storage with string values: the host's namespaced storage
/// ([`crate::host::api::HostStorage`]) or a raw `web_sys::Storage`.
pub trait KeyValue {
    /// The stored value, if any.
    fn get(&self, key: &str) -> Result<Option<String>, JsValue>;
    /// Stores a value.
    fn set(&self, key: &str, value: &str) -> Result<(), JsValue>;
    /// Removes a key.
    fn remove(&self, key: &str) -> Result<(), JsValue>;
}

impl KeyValue for web_sys::Storage {
    fn get(&self, key: &str) -> Result<Option<String>, JsValue> {
        self.get_item(key)
    }
    fn set(&self, key: &str, value: &str) -> Result<(), JsValue> {
        self.set_item(key, value)
    }
    fn remove(&self, key: &str) -> Result<(), JsValue> {
        self.remove_item(key)
    }
}

/// A temporary storage key (a draft, an upload's resume state): dropping the handle removes the key.
/// Persistent data (settings, accounts) is not held this way; it is removed by
/// `uninstall({keepData: false})` instead.
#[must_use = "dropping the handle removes the key"]
pub struct TempKey<S: KeyValue> {
    storage: S,
    key: String,
    armed: bool,
}

impl<S: KeyValue> fmt::Debug for TempKey<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TempKey").field("key", &self.key).finish()
    }
}

impl<S: KeyValue> TempKey<S> {
    /// Writes `value` under `key` and owns the key.
    pub fn set(storage: S, key: &str, value: &str) -> Result<Self, JsValue> {
        storage.set(key, value)?;
        Ok(TempKey {
            storage,
            key: key.to_owned(),
            armed: true,
        })
    }

    /// Replaces the value.
    pub fn update(&self, value: &str) -> Result<(), JsValue> {
        self.storage.set(&self.key, value)
    }

    /// The current value.
    pub fn get(&self) -> Result<Option<String>, JsValue> {
        self.storage.get(&self.key)
    }

    /// The key.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// Keeps the key stored.
    pub fn forget(mut self) {
        self.armed = false;
    }
}

impl<S: KeyValue> Drop for TempKey<S> {
    fn drop(&mut self) {
        if self.armed {
            let _ = self.storage.remove(&self.key);
        }
    }
}
