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

/// Compiles the items only for the browser (`wasm32-unknown-unknown`): the one switch
/// between the pure core and the web layers.
macro_rules! if_wasm {
    ($($item:item)*) => {$(
        #[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
        $item
    )*}
}

if_wasm! {
    pub mod web;
    pub mod host;
}

pub use crate::core::identity::{Environment, Identity};
pub use crate::core::manifest::Manifest;
