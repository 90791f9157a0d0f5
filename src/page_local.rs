//! Page-wide state for the wasm build: what `std::thread_local!` gave the plugin, without the
//! standard library (the shipped wasm is `no_std`, src/lib.rs).
//!
//! `wasm32-unknown-unknown` without the `atomics` target feature runs on one thread: nothing can
//! reach a `static` from another thread, so a value that is not `Sync` (a `RefCell`, an `Rc`, a
//! `JsValue`) can live in one, as wasm-bindgen does for its own state
//! (`wasm_bindgen::__rt::ThreadLocalWrapper`). A build with `atomics` (threads) does not compile.
//! Statics are never dropped, as `thread_local!`s on the page's one thread never were. One
//! difference: a `LazyCell` whose initialiser traps stays poisoned, so every later use traps too,
//! where std's lazy `thread_local!` tried again; the three lazy values (the URL configuration, the
//! plugin's state, the widget callbacks' dispatcher) are built from constants and trap only when
//! memory runs out.

#[cfg(target_feature = "atomics")]
compile_error!("src/page_local.rs assumes one thread: wasm32 without the atomics target feature");

/// A page-wide value (`static X: PageLocal<T> = PageLocal::new(...)`), borrowed through
/// [`PageLocal::with`] like a `thread_local!`'s `LocalKey::with`. A value that cannot be built in
/// a `const` is a `core::cell::LazyCell`.
pub(crate) struct PageLocal<T>(T);

// SAFETY: one thread only (the compile_error above): no `&T` is ever shared between threads, and
// no `T` is sent to another.
#[allow(unsafe_code)]
unsafe impl<T> Sync for PageLocal<T> {}

impl<T> PageLocal<T> {
    pub(crate) const fn new(value: T) -> Self {
        Self(value)
    }

    /// Runs `f` on the value.
    pub(crate) fn with<R>(&'static self, f: impl FnOnce(&T) -> R) -> R {
        f(&self.0)
    }
}
