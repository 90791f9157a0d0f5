//! Mutation observers, and the adoption of nodes Cloudinary's widget scripts add to the page.

use super::*;
use alloc::boxed::Box;
use alloc::vec::Vec;

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
        callback: F,
    ) -> Result<Self, JsValue>
    where
        F: FnMut(Vec<web_sys::MutationRecord>) + 'static,
    {
        Self::observe_boxed(target, init, Box::new(callback))
    }

    /// The one observer path (boxed callback: in the wasm once, not once per observer).
    fn observe_boxed(
        target: &web_sys::Node,
        init: &web_sys::MutationObserverInit,
        mut callback: Box<dyn FnMut(Vec<web_sys::MutationRecord>)>,
    ) -> Result<Self, JsValue> {
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
        let nodes = core::mem::take(&mut *self.adopted.borrow_mut());
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
    let rest = crate::core::text::split_once_str(s, "://").map_or("", |(_, r)| r);
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
