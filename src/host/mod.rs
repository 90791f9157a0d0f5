//! Host adapters: code that owns page resources (injected scripts, DOM nodes, listeners,
//! timers, storage keys) and releases them on drop.

pub mod accounts;
pub mod api;
pub mod fetch;
pub mod plugin;
pub mod resources;
pub mod script;
pub mod signer_client;
pub mod upload;
pub mod upload_queue;
pub mod widgets;
