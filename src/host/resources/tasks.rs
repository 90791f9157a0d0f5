//! Work in flight: requests aborted on drop (`AbortOnDrop`) and cancellable futures (`Cancellable`).

use super::*;

/// `spawn_local` on a boxed future: one instance of wasm-bindgen's task glue for every background
/// task the host layer starts, instead of one per future type (0.5 KB gzip less wasm;
/// scripts/size.sh, 2026-12-02).
pub fn spawn(future: impl Future<Output = ()> + 'static) {
    let boxed: Pin<Box<dyn Future<Output = ()>>> = Box::pin(future);
    wasm_bindgen_futures::spawn_local(boxed);
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
        spawn(std::future::poll_fn(move |cx| {
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
