//! # cloudinary-connector
//!
//! A Cloudinary integration for web host platforms, compiled to WebAssembly.
//!
//! The crate is layered, and the layering is visible in `src/`:
//!
//! * [`core`]: pure logic, with no I/O, no web APIs and no secrets. It builds on every
//!   target and is tested with plain `cargo test`. The companion signing endpoint
//!   (`signer/`) depends on it too, so both sides compute strings to sign the same way.
//! * `web` (wasm32 only): the thin wasm-bindgen facade that JavaScript sees.
//! * `host` (wasm32 only): adapters that own page resources (scripts, nodes, listeners).
#![cfg_attr(docsrs, feature(doc_cfg))]
// `no_std` with `alloc` without the default `std` feature: the shipped wasm (scripts/build-wasm.sh)
// links no part of the standard library beyond `core` and `alloc`, and its panic handler below
// (feature `panic-trap`) traps without formatting a message (README "What made it smaller").
#![cfg_attr(not(feature = "std"), no_std)]

#[macro_use]
extern crate alloc;
// For `json!`'s expansion in other crates (the signer, the tests), which need not name `alloc`.
#[doc(hidden)]
pub extern crate alloc as __alloc;

pub mod core;

// Plain `#[cfg]` declarations (not a macro) so that rustfmt formats the web layers too. The
// `url-only` feature builds only the URL engine and its JavaScript API (scripts/size.sh).
#[cfg(all(
    target_arch = "wasm32",
    target_os = "unknown",
    not(feature = "url-only")
))]
pub mod host;
#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
mod page_local;
#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
pub mod web;

#[cfg(not(feature = "url-only"))]
pub use crate::core::identity::{Environment, Identity};
#[cfg(not(feature = "url-only"))]
pub use crate::core::manifest::Manifest;

#[cfg(all(feature = "panic-trap", feature = "std"))]
compile_error!("the `panic-trap` feature is for builds without `std` (`--no-default-features`)");

/// The shipped wasm's panic handler (feature `panic-trap`, built without `std`): a trap, as a panic
/// was with std on wasm32-unknown-unknown (`panic = "abort"`, and std's message had nowhere to
/// go). The message is not formatted, so its text and the panic locations are not in the wasm
/// (scripts/size.sh).
#[cfg(all(target_arch = "wasm32", target_os = "unknown", feature = "panic-trap"))]
#[panic_handler]
fn panic(_: &::core::panic::PanicInfo<'_>) -> ! {
    ::core::arch::wasm32::unreachable()
}
