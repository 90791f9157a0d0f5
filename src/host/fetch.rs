//! The plugin's HTTP requests (the signer's endpoints, the upload API): the browser's `fetch`
//! through web-sys, and the answer read whole (status, headers, text).
//!
//! Hand-written in place of gloo-net's request builder, because a measurement says so: the
//! plugin used four of its calls (a method, headers, a body and a signal; the status, headers
//! and text of the answer), and gloo-net links the `http` crate for its method type, re-parses
//! every URL (`new Request`, then `new URL`, to append query parameters the plugin never gives)
//! and formats its errors through `thiserror`. Without it the plugin's gzipped wasm is 4,221 B
//! smaller (229,822 -> 225,601 B: cargo's release build through wasm-bindgen and the wasm-opt
//! flags of Cargo.toml, before the renaming and reordering steps; 2026-12-02).
//!
//! Failures read as they did through gloo-net: the browser's error as a string
//! (`TypeError: Failed to fetch`, `AbortError: signal is aborted without reason`), see
//! [`error_text`].

use alloc::{borrow::ToOwned, string::String, vec::Vec};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortSignal, Headers, RequestInit, Response};

#[wasm_bindgen]
extern "C" {
    /// The global `fetch` (a window's or a worker's).
    #[wasm_bindgen(js_name = fetch)]
    fn fetch_with_request(request: &web_sys::Request) -> js_sys::Promise;
}

/// A request to build: `method` (`"GET"`, `"POST"`), `url` (absolute, or relative to the page),
/// the headers to set, a body (a string or `FormData`) and the signal that abandons it.
pub struct Fetch<'a> {
    pub method: &'static str,
    pub url: &'a str,
    pub headers: &'a [(&'a str, &'a str)],
    pub body: Option<&'a JsValue>,
    pub signal: Option<&'a AbortSignal>,
}

/// The method, the URL and the headers' names: never a header's value (`Authorization` carries
/// the user's token).
impl core::fmt::Debug for Fetch<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let names: Vec<&str> = self.headers.iter().map(|(name, _)| *name).collect();
        f.debug_struct("Fetch")
            .field("method", &self.method)
            .field("url", &self.url)
            .field("headers", &names)
            .finish_non_exhaustive()
    }
}

/// What no HTTP header value can hold: `Headers.set` refuses it (see [`carryable`]).
const UNCARRYABLE: &str = "a line break, a NUL or a character beyond Latin-1";

/// Whether an HTTP header can carry `value`: not with a line break, a NUL or a character beyond
/// Latin-1, which `Headers.set` refuses (and Firefox's refusal quotes the value). The one rule
/// for [`bearer`] and [`Fetch::build`].
fn carryable(value: &str) -> bool {
    !value
        .chars()
        .any(|c| matches!(c, '\r' | '\n' | '\0') || u32::from(c) > 0xFF)
}

/// The `Authorization` header's value for `token` (`Bearer …`), or why no HTTP header can carry
/// the token, for the caller to report as an unusable token before any request. The reason
/// never quotes the token.
pub fn bearer(token: &str) -> Result<String, String> {
    if !carryable(token) {
        return Err([
            "the token has ",
            UNCARRYABLE,
            ", which no HTTP header can carry",
        ]
        .concat());
    }
    Ok(["Bearer ", token].concat())
}

impl Fetch<'_> {
    /// Builds the browser's `Request`; an invalid URL is the browser's error, as text, and a header
    /// value no HTTP header can carry is named by its header only (the value may be a token).
    pub fn build(&self) -> Result<web_sys::Request, String> {
        let init = RequestInit::new();
        init.set_method(self.method);
        let headers = Headers::new().map_err(|e| error_text(&e))?;
        for (name, value) in self.headers {
            // Checked here, not left to the browser's message: Firefox's quotes the value, which
            // may be a token. What `set` may still refuse is a name (the callers' constants).
            if !carryable(value) {
                return Err(format!(
                    "the request's {name} header cannot carry its value ({UNCARRYABLE})"
                ));
            }
            headers.set(name, value).map_err(|e| error_text(&e))?;
        }
        init.set_headers(&headers);
        if let Some(body) = self.body {
            init.set_body(body);
        }
        init.set_signal(self.signal);
        web_sys::Request::new_with_str_and_init(self.url, &init).map_err(|e| error_text(&e))
    }
}

/// A whole answer: its status, its headers (those the server exposes to the page) and its body
/// as text.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: Headers,
    pub text: String,
}

impl Answer {
    /// The value of header `name` (case-insensitive), when the answer has it and the server
    /// exposes it to the page (`Access-Control-Expose-Headers`).
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers.get(name).ok().flatten()
    }
}

/// Sends `request` and reads its answer to the end; a network failure, an abort (by the
/// request's signal) or a body that stops is the browser's error, as text.
pub async fn send(request: &web_sys::Request) -> Result<Answer, String> {
    let response: Response = JsFuture::from(fetch_with_request(request))
        .await
        .map_err(|e| error_text(&e))?
        .dyn_into()
        .map_err(|_| "fetch gave something other than a Response".to_owned())?;
    let body = response.text().map_err(|e| error_text(&e))?;
    let text = JsFuture::from(body).await.map_err(|e| error_text(&e))?;
    Ok(Answer {
        status: response.status(),
        headers: response.headers(),
        text: text.as_string().unwrap_or_default(),
    })
}

/// A rejection's text as gloo-net gave it: an `Error` (a `TypeError`, a `DOMException`) as its
/// `toString()`, `name: message`. Unlike [`super::api::js_message`] (the message alone, for the
/// host's own errors), it keeps the name, which tells a network failure from an abort. A value
/// that is no `Error` (an abort reason a page chose) reads as `js_message` reads it, where
/// gloo-net panicked.
pub fn error_text(e: &JsValue) -> String {
    match e.dyn_ref::<js_sys::Error>() {
        Some(err) => String::from(err.to_string()),
        None => super::api::js_message(e),
    }
}
