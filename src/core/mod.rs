//! The pure core: no I/O, no `web-sys`, no secrets. Everything here runs natively under
//! `cargo test` and, unchanged, in the browser.

pub mod accounts;
pub mod identity;
pub mod json;
pub mod lifecycle;
pub mod manifest;
pub mod settings;
pub mod sign;
pub mod upload;
pub mod upload_queue;
pub mod url;
pub mod widgets;
pub mod wire;

/// The plugin's own version: the one version source is `Cargo.toml`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
