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
pub mod web;

#[cfg(not(feature = "url-only"))]
pub use crate::core::identity::{Environment, Identity};
#[cfg(not(feature = "url-only"))]
pub use crate::core::manifest::Manifest;
