//! Host adapters: code that owns page resources (injected scripts, DOM nodes, listeners,
//! timers, storage keys) and releases them on drop.

pub mod accounts;
