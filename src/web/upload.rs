//! JavaScript facade of the chunked uploader ([`crate::host::upload`]).
//!
//! ```js
//! const up = new ChunkedUpload(file, {
//!   signerUrl: "https://signer.example.com", token: () => host.signerToken(),
//!   account: "main", params: { folder: "cms/alice", tags: ["big"] },
//!   // optional: apiBase, resourceType ("auto"), chunkSize (20000000), concurrency (2),
//!   // maxFileBytes, maxAttempts (4), requestTimeoutMs (120000), signerTimeoutMs (30000), fileName
//! }, (p) => bar.value = p.fraction);
//! const asset = await up.result();   // the final upload response; rejects with an Error
//! up.cancel(); up.free();            // free() also aborts what is in flight
//! ```

use alloc::rc::Rc;
use alloc::{
    borrow::ToOwned,
    string::{String, ToString},
};

use crate::core::json::{de, Map, Value};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::Blob;

use crate::core::sign::ParamValue;
use crate::core::upload::{Progress, RetryPolicy};
use crate::host::signer_client::{self, SignerClient, TokenSource};
use crate::host::upload::{ChunkedUpload, UploadOptions};
use crate::web::error::CodedError;

/// The chunked uploader's own options (the shared ones: [`shared_options`]).
struct JsOptions {
    chunk_size: Option<u64>,
    concurrency: Option<u32>,
    max_file_bytes: Option<u64>,
    file_name: Option<String>,
}

const OPTION_NAMES: [&str; 13] = [
    "signerUrl",
    "token",
    "account",
    "apiBase",
    "resourceType",
    "params",
    "chunkSize",
    "concurrency",
    "maxFileBytes",
    "maxAttempts",
    "requestTimeoutMs",
    "signerTimeoutMs",
    "fileName",
];

/// An optional option read with `read` (absent or `null`: `None`).
pub(super) fn opt<T>(
    o: &Map<String, Value>,
    k: &str,
    read: fn(&Value) -> Result<T, String>,
) -> Result<Option<T>, String> {
    Ok(de::field(o, k, de::nullable(read))?.flatten())
}

/// The `params` option: a map of upload parameters.
fn params_field(o: &Map<String, Value>) -> Result<Option<Map<String, Value>>, String> {
    Ok(de::field(o, "params", |v| match v {
        Value::Null => Ok(None),
        Value::Object(m) => Ok(Some(m.clone())),
        other => Err(de::invalid_type(other, "a map")),
    })?
    .flatten())
}

impl JsOptions {
    /// Reads the options (unknown, e.g. misspelt, names refused), with `serde`'s error wording.
    fn from_json(o: &Map<String, Value>) -> Result<Self, String> {
        Ok(JsOptions {
            chunk_size: opt(o, "chunkSize", de::u64_value)?,
            concurrency: opt(o, "concurrency", de::u32_value)?,
            file_name: opt(o, "fileName", de::str_value)?,
            max_file_bytes: opt(o, "maxFileBytes", de::u64_value)?,
        })
    }
}

/// The options both uploaders (`ChunkedUpload`, `UploadQueue`) take: the signer, the account,
/// the Upload API, the parameters, retries and timeouts, read by this one reader into
/// `UploadOptions` (the other fields at their defaults) and the signer client. The names of `o`
/// are already checked (`de::strict`); a bad value is reported as `<what>: <reason>`, a bad
/// upload parameter by its own message.
pub(super) fn shared_options(
    o: &Map<String, Value>,
    token: TokenSource,
    what: &str,
) -> Result<(UploadOptions, SignerClient), CodedError> {
    let bad = |e: String| option_error(what, &e);
    let opt_str = |k| opt(o, k, de::str_value).map_err(bad);
    let opt_u32 = |k| opt(o, k, de::u32_value).map_err(bad);
    let account = opt_str("account")?;
    let api_base = opt_str("apiBase")?;
    let max_attempts = opt_u32("maxAttempts")?;
    let params = params_field(o).map_err(bad)?;
    let timeout = opt_u32("requestTimeoutMs")?;
    let resource_type = opt_str("resourceType")?;
    let signer_ms = opt(o, "signerTimeoutMs", de::u64_value)
        .and_then(signer_client::timeout_option)
        .map_err(bad)?;
    let url = de::field(o, "signerUrl", de::str_value)
        .and_then(|u| de::required(u, "signerUrl"))
        .map_err(bad)?;
    let d = UploadOptions::default();
    let options = UploadOptions {
        account,
        api_base: api_base.unwrap_or(d.api_base),
        resource_type: resource_type.unwrap_or(d.resource_type),
        params: params_of(params)?,
        retry: RetryPolicy {
            max_attempts: max_attempts.unwrap_or(d.retry.max_attempts).max(1),
            ..d.retry
        },
        request_timeout_ms: timeout.unwrap_or(d.request_timeout_ms),
        ..d
    };
    Ok((
        options,
        SignerClient::new(&url, token).with_timeout(signer_ms),
    ))
}

fn param_value(name: &str, v: &Value) -> Result<Option<ParamValue>, String> {
    Ok(Some(match v {
        Value::Null => return Ok(None),
        Value::String(s) => ParamValue::Text(s.clone()),
        Value::Bool(b) => ParamValue::Text(b.to_string()),
        Value::Number(n) => ParamValue::Text(n.to_string()),
        Value::Array(items) => ParamValue::List(
            items
                .iter()
                .map(|i| match i {
                    Value::String(s) => Ok(s.clone()),
                    Value::Number(n) => Ok(n.to_string()),
                    _ => Err(format!("upload parameter \"{name}\": array items must be strings or numbers")),
                })
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(_) => {
            return Err(format!(
                "upload parameter \"{name}\": objects are not sent as such; serialise it (e.g. context as key=value|key2=value2)"
            ))
        }
    }))
}

/// A refused option of the options object `what` (`upload options: <reason>`).
pub(super) fn option_error(what: &str, reason: &str) -> CodedError {
    CodedError::new(&[what, ": ", reason].concat())
}

/// The options object's `token` (a string or a function) and the other members (`held`: taken
/// out as JS values too) as JSON, through JSON text so that unknown (misspelt) names are refused.
pub(crate) fn split_options(
    options: &JsValue,
    what: &str,
    held: &[&str],
) -> Result<(TokenSource, Value), CodedError> {
    let token = js_sys::Reflect::get(options, &"token".into()).unwrap_or(JsValue::UNDEFINED);
    let token = TokenSource::from_js(&token).ok_or_else(|| {
        option_error(
            what,
            "token must be a non-empty string or a function returning one",
        )
    })?;
    // The token (a function) cannot go through JSON: it is read above and ignored here.
    let plain = js_sys::Object::assign(&js_sys::Object::new(), options.unchecked_ref());
    for k in core::iter::once(&"token").chain(held) {
        let _ = js_sys::Reflect::delete_property(&plain, &(*k).into());
    }
    let text = crate::host::widgets::options_json_text(&plain)
        .map_err(|e| option_error(what, &e))?
        .ok_or_else(|| option_error(what, "must be a plain object"))?;
    let v = crate::core::json::from_str(&text).map_err(|e| option_error(what, &e))?;
    Ok((token, v))
}

fn params_of(params: Option<Map<String, Value>>) -> Result<Map<String, ParamValue>, CodedError> {
    let mut out = Map::new();
    for (k, v) in params.unwrap_or_default() {
        if let Some(pv) = param_value(&k, &v).map_err(|e| CodedError::new(&e))? {
            out.insert(k, pv);
        }
    }
    Ok(out)
}

pub(super) fn progress_object(p: &Progress) -> JsValue {
    let o = js_sys::Object::new();
    let set = |k: &str, v: f64| {
        let _ = js_sys::Reflect::set(&o, &k.into(), &v.into());
    };
    set("total", p.total as f64);
    set("confirmed", p.confirmed as f64);
    set("inFlight", p.in_flight as f64);
    set("partsDone", f64::from(p.parts_done));
    set("parts", f64::from(p.parts));
    set("fraction", p.fraction());
    o.into()
}

/// A chunked upload of a `File`/`Blob` to Cloudinary, signed by the signer.
#[wasm_bindgen(js_name = ChunkedUpload)]
#[derive(Debug)]
pub struct JsChunkedUpload {
    inner: ChunkedUpload,
}

#[wasm_bindgen(js_class = ChunkedUpload)]
impl JsChunkedUpload {
    /// Validates the options and the file and starts the upload. Throws an `Error` with a
    /// specific message for bad options, an empty file, a chunk size out of range or a file
    /// over `maxFileBytes`.
    #[wasm_bindgen(constructor)]
    pub fn new(
        file: &Blob,
        #[wasm_bindgen(unchecked_param_type = "ChunkedUploadOptions")] options: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "(progress: UploadProgress) => void")]
        on_progress: Option<js_sys::Function>,
    ) -> Result<JsChunkedUpload, CodedError> {
        const WHAT: &str = "upload options";
        let (token, v) = split_options(&options, WHAT, &[])?;
        let prefixed = |e: String| option_error(WHAT, &e);
        let o = de::strict(&v, "JsOptions", &OPTION_NAMES).map_err(prefixed)?;
        let own = JsOptions::from_json(o).map_err(prefixed)?;
        // The shared options with every other field at its default.
        let (shared, signer) = shared_options(o, token, WHAT)?;
        let options = UploadOptions {
            chunk_size: own.chunk_size.unwrap_or(shared.chunk_size),
            concurrency: own.concurrency.unwrap_or(shared.concurrency),
            max_file_bytes: own.max_file_bytes,
            file_name: own.file_name,
            ..shared
        };
        let on_progress = on_progress.map(|f| {
            Rc::new(move |p: &Progress| {
                let _ = f.call1(&JsValue::NULL, &progress_object(p));
            }) as Rc<dyn Fn(&Progress)>
        });
        let inner = ChunkedUpload::start(file, options, signer, on_progress)
            .map_err(|e| crate::web::host_errors::upload(&e))?;
        Ok(JsChunkedUpload { inner })
    }

    /// A promise of the final upload response (`public_id`, `version`, `secure_url`, `bytes`...);
    /// rejects with an `Error` whose message says which part failed and why.
    #[wasm_bindgen(unchecked_return_type = "Promise<UploadResult>")]
    pub fn result(&self) -> js_sys::Promise {
        let fut = self.inner.result();
        crate::web::promise(async move {
            match fut.await {
                Ok(v) => Ok(crate::host::widgets::js_of(&v)),
                Err(e) => Err(crate::web::host_errors::upload(&e).into()),
            }
        })
    }

    /// Aborts every request in flight; `result()` rejects with "the upload was cancelled".
    pub fn cancel(&self) {
        self.inner.cancel();
    }

    /// The upload's `X-Unique-Upload-Id`.
    #[wasm_bindgen(getter, js_name = uploadId)]
    pub fn upload_id(&self) -> String {
        self.inner.upload_id().to_owned()
    }

    /// Requests in flight right now.
    #[wasm_bindgen(getter, js_name = inFlight)]
    pub fn in_flight(&self) -> u32 {
        self.inner.in_flight()
    }
}
