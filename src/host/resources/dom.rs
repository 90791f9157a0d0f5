//! DOM nodes the plugin adds (`OwnedNode`, style and link tags) and page globals it sets (`Global`).

use super::*;
use alloc::borrow::ToOwned;
use alloc::string::String;

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
