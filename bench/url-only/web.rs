//! The JavaScript API (URL functions only).

#[path = "../../src/web/url.rs"]
pub mod url;

#[path = "../../src/web/error.rs"]
pub mod error;
