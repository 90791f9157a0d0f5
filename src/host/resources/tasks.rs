//! Work in flight: requests aborted on drop (`AbortOnDrop`), cancellable futures (`Cancellable`),
//! futures in flight together (`InFlight`) and the first of two to end (`race`).

use super::*;
use alloc::boxed::Box;
use alloc::vec::Vec;

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

    /// The signal to pass to `fetch` (`host::fetch::Fetch::signal`).
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
        spawn(core::future::poll_fn(move |cx| {
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
// Futures in flight together
// ---------------------------------------------------------------------------------------------

/// Futures of one kind in flight together (a chunked upload's parts): [`InFlight::next`] hands
/// out each output as its future ends; futures found ended at the same wake-up come out in the
/// order they were pushed. Each wake-up polls the futures still running, in turn, until one has
/// ended, which for the handful a caller holds (an upload's parts in flight, at most
/// [`crate::core::upload::MAX_CONCURRENCY`], 8) is less work than waking them one by one.
///
/// Hand-written, with [`race`], in place of futures-util's `FuturesUnordered` and `select`,
/// because a measurement says so: their atomic reference counts, ready-to-run queue and waker
/// cells, which a page's single thread does not need, made the plugin's gzipped wasm 1,091 B
/// larger (225,601 -> 224,510 B without them, measured as in `host::fetch`, 2026-12-02).
#[must_use = "dropping the set drops every future in it"]
pub struct InFlight<F: Future>(Vec<Pin<Box<F>>>);

impl<F: Future> fmt::Debug for InFlight<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InFlight")
            .field("len", &self.0.len())
            .finish()
    }
}

impl<F: Future> Default for InFlight<F> {
    fn default() -> Self {
        InFlight(Vec::new())
    }
}

impl<F: Future> InFlight<F> {
    /// Adds `future`; it first runs at the next [`InFlight::next`].
    pub fn push(&mut self, future: F) {
        self.0.push(Box::pin(future));
    }

    /// How many futures are still running.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether no future is running.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The output of the next future to end, or `None` at once when none is running.
    pub async fn next(&mut self) -> Option<F::Output> {
        core::future::poll_fn(|cx| {
            if self.0.is_empty() {
                return Poll::Ready(None);
            }
            for i in 0..self.0.len() {
                if let Poll::Ready(out) = self.0[i].as_mut().poll(cx) {
                    drop(self.0.remove(i));
                    return Poll::Ready(Some(out));
                }
            }
            Poll::Pending
        })
        .await
    }
}

/// Which of [`race`]'s two futures ended first, with its output.
#[derive(Debug, PartialEq, Eq)]
pub enum Raced<A, B> {
    First(A),
    Second(B),
}

/// Runs `first` and `second` together until one ends; the other is dropped. When both are
/// ready at one wake-up, `first` wins.
pub async fn race<A: Future, B: Future>(first: A, second: B) -> Raced<A::Output, B::Output> {
    let (mut first, mut second) = (core::pin::pin!(first), core::pin::pin!(second));
    core::future::poll_fn(|cx| {
        if let Poll::Ready(a) = first.as_mut().poll(cx) {
            return Poll::Ready(Raced::First(a));
        }
        second.as_mut().poll(cx).map(Raced::Second)
    })
    .await
}
