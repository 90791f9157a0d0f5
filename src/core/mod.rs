//! The pure core: no I/O, no `web-sys`, no secrets. Everything here runs natively under
//! `cargo test` and, unchanged, in the browser.

#[cfg(not(feature = "url-only"))]
pub mod accounts;
#[cfg(not(feature = "url-only"))]
pub mod identity;
pub mod json;
#[cfg(not(feature = "url-only"))]
pub mod lifecycle;
#[cfg(not(feature = "url-only"))]
pub mod manifest;
#[cfg(not(feature = "url-only"))]
pub mod semver;
#[cfg(not(feature = "url-only"))]
pub mod settings;
pub mod sign;
pub(crate) mod text;
#[cfg(not(feature = "url-only"))]
pub mod upload;
#[cfg(not(feature = "url-only"))]
pub mod upload_queue;
pub mod url;
#[cfg(not(feature = "url-only"))]
pub mod widgets;
#[cfg(not(feature = "url-only"))]
pub mod wire;

/// The plugin's own version: the one version source is `Cargo.toml`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
