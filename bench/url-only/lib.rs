//! URL-only build of cloudinary-connector: `core::url` + `web::url`, compiled from the plugin's
//! own files so that the two cannot drift.
#![forbid(unsafe_code)]

#[path = "core.rs"]
pub mod core;

#[path = "web.rs"]
pub mod web;

/// Talc instead of the default dlmalloc: smaller code (measured by scripts/size.sh).
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();
