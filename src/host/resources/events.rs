//! Event listeners and timers, removed and cleared on drop.

use super::*;
use alloc::borrow::ToOwned;
use alloc::boxed::Box;
use alloc::string::String;

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
        let callback = Box::new(move |e: web_sys::Event| callback(&e)) as Box<dyn FnMut(_)>;
        Self::listen(target.as_ref(), event, capture, passive, callback)
    }

    /// The one registration path: the generic constructors above only box the callback, so
    /// this body is in the wasm once, not once per listener (scripts/size.sh).
    fn listen(
        target: &web_sys::EventTarget,
        event: &str,
        capture: bool,
        passive: bool,
        callback: Box<dyn FnMut(web_sys::Event)>,
    ) -> Self {
        let closure = Closure::wrap(callback);
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
        Self::arm(
            millis,
            Box::new(move || {
                if let Some(f) = cb.take() {
                    f();
                }
            }),
        )
    }

    /// The one `setTimeout` path (boxed callback: in the wasm once, not once per timeout).
    fn arm(millis: u32, callback: Box<dyn FnMut()>) -> Self {
        let closure = Closure::wrap(callback);
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
        let closure = core::mem::replace(
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
        let closure = core::mem::replace(
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
