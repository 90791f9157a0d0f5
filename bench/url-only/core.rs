//! The pure core (URL engine only).

#[path = "../../src/core/url/mod.rs"]
pub mod url;

#[path = "../../src/core/sign.rs"]
pub mod sign;

/// The version the `_a` analytics token reports.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
