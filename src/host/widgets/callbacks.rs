//! Functions handed to a widget script, callable for as long as the script keeps them.
//!
//! A widget keeps the functions it is given (`insertHandler`, the Upload widget's result
//! callback, `uploadSignature`) and may call them after the plugin is done with it: the Media
//! Library answers from its iframe, asynchronously, so a `hideHandler` can arrive after the
//! unmount that called `hide()`; the Upload widget's `destroy()` settles later and may report
//! events meanwhile. A dropped `wasm_bindgen::Closure` throws when called, inside the widget.
//!
//! So the widget never gets a `Closure` of ours: it gets `dispatch.bind(null, id)`, a bound
//! function over ONE dispatcher created once per page (a bound function needs no `eval`: CSP
//! without `'unsafe-eval'` allows it). A [`WidgetCallback`] registers the Rust handler under
//! `id`; dropping it unregisters the handler, and a later call finds nothing and returns
//! `undefined`. The handlers are released at unmount; the widget's functions stay valid.

use alloc::rc::Rc;
use alloc::vec::Vec;
use core::cell::{Cell, LazyCell, RefCell};
use core::fmt;

use js_sys::Function;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::page_local::PageLocal;

type Handler = Rc<dyn Fn(JsValue, JsValue)>;

/// The live handlers (a handful: one list beats a map in code size).
static HANDLERS: PageLocal<RefCell<Vec<(u32, Handler)>>> = PageLocal::new(RefCell::new(Vec::new()));
static NEXT: PageLocal<Cell<u32>> = PageLocal::new(Cell::new(1));
/// The one dispatcher: kept for the page's lifetime on purpose (one function, whatever the
/// number of mounts), since widgets may hold bound copies of it.
static DISPATCH: PageLocal<LazyCell<Function>> = PageLocal::new(LazyCell::new(|| {
    Closure::<dyn Fn(u32, JsValue, JsValue)>::new(|id: u32, a: JsValue, b: JsValue| {
        let handler = HANDLERS.with(|h| {
            h.borrow()
                .iter()
                .find(|(i, _)| *i == id)
                .map(|(_, f)| f.clone())
        });
        if let Some(f) = handler {
            f(a, b);
        }
    })
    .into_js_value()
    .unchecked_into()
}));

/// A function for a widget script whose Rust handler lives as long as this handle.
#[must_use = "dropping the handle unregisters the handler"]
pub struct WidgetCallback {
    id: u32,
    function: Function,
}

impl fmt::Debug for WidgetCallback {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WidgetCallback")
            .field("id", &self.id)
            .finish()
    }
}

impl WidgetCallback {
    /// Registers `handler` (called with the function's first two arguments).
    pub fn new(handler: impl Fn(JsValue, JsValue) + 'static) -> Self {
        let id = NEXT.with(|n| {
            let id = n.get();
            n.set(id.wrapping_add(1).max(1));
            id
        });
        HANDLERS.with(|h| h.borrow_mut().push((id, Rc::new(handler))));
        let function: Function = DISPATCH
            .with(|d| d.bind1(&JsValue::NULL, &JsValue::from(id)))
            .unchecked_into();
        WidgetCallback { id, function }
    }

    /// The function to give the widget.
    pub fn function(&self) -> &Function {
        &self.function
    }

    /// Whether a handler is registered under this callback (for tests of unmount).
    pub fn registered(&self) -> bool {
        HANDLERS.with(|h| h.borrow().iter().any(|(i, _)| *i == self.id))
    }
}

impl Drop for WidgetCallback {
    fn drop(&mut self) {
        HANDLERS.with(|h| h.borrow_mut().retain(|(i, _)| *i != self.id));
    }
}

/// How many widget callbacks are registered (0 once every widget is unmounted).
pub fn registered_count() -> usize {
    HANDLERS.with(|h| h.borrow().len())
}
