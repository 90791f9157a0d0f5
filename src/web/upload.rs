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

use std::rc::Rc;

use crate::core::json::{de, Map, Value};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::Blob;

use crate::core::sign::ParamValue;
use crate::core::upload::{Progress, RetryPolicy};
use crate::host::signer_client::{self, SignerClient, TokenSource};
use crate::host::upload::{ChunkedUpload, UploadOptions};
use crate::web::error::CodedError;

struct JsOptions {
    signer_url: String,
    account: Option<String>,
    api_base: Option<String>,
    resource_type: Option<String>,
    params: Option<Map<String, Value>>,
    chunk_size: Option<u64>,
    concurrency: Option<u32>,
    max_file_bytes: Option<u64>,
    max_attempts: Option<u32>,
    request_timeout_ms: Option<u32>,
    signer_timeout_ms: u32,
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
pub(super) fn params_field(o: &Map<String, Value>) -> Result<Option<Map<String, Value>>, String> {
    Ok(de::field(o, "params", |v| match v {
        Value::Null => Ok(None),
        Value::Object(m) => Ok(Some(m.clone())),
        other => Err(de::invalid_type(other, "a map")),
    })?
    .flatten())
}

impl JsOptions {
    /// Reads the options (unknown, e.g. misspelt, names refused), with `serde`'s error wording.
    fn from_json(v: &Value) -> Result<Self, String> {
        let o = de::strict(v, "JsOptions", &OPTION_NAMES)?;
        let opt_str = |k| opt(o, k, de::str_value);
        let opt_u32 = |k| opt(o, k, de::u32_value);
        let opt_u64 = |k| opt(o, k, de::u64_value);
        let account = opt_str("account")?;
        let api_base = opt_str("apiBase")?;
        let chunk_size = opt_u64("chunkSize")?;
        let concurrency = opt_u32("concurrency")?;
        let file_name = opt_str("fileName")?;
        let max_attempts = opt_u32("maxAttempts")?;
        let max_file_bytes = opt_u64("maxFileBytes")?;
        let params = params_field(o)?;
        let request_timeout_ms = opt_u32("requestTimeoutMs")?;
        let resource_type = opt_str("resourceType")?;
        let signer_timeout_ms = signer_client::timeout_option(opt_u64("signerTimeoutMs")?)?;
        let signer_url = de::field(o, "signerUrl", de::str_value)?;
        Ok(JsOptions {
            signer_url: de::required(signer_url, "signerUrl")?,
            account,
            api_base,
            resource_type,
            params,
            chunk_size,
            concurrency,
            max_file_bytes,
            max_attempts,
            request_timeout_ms,
            signer_timeout_ms,
            file_name,
        })
    }
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

/// The options object's `token` (a string or a function) and the other members (`held`: taken
/// out as JS values too) as JSON, through JSON text so that unknown (misspelt) names are refused.
pub(crate) fn split_options(
    options: &JsValue,
    what: &str,
    held: &[&str],
) -> Result<(TokenSource, Value), CodedError> {
    let token = js_sys::Reflect::get(options, &"token".into()).unwrap_or(JsValue::UNDEFINED);
    let token = if let Some(f) = token.dyn_ref::<js_sys::Function>() {
        TokenSource::Provider(f.clone())
    } else if let Some(s) = token.as_string().filter(|s| !s.is_empty()) {
        TokenSource::Static(s)
    } else {
        return Err(CodedError::new(&format!(
            "{what}: token must be a non-empty string or a function returning one"
        )));
    };
    // The token (a function) cannot go through JSON: it is read above and ignored here.
    let plain = js_sys::Object::assign(&js_sys::Object::new(), options.unchecked_ref());
    for k in std::iter::once(&"token").chain(held) {
        let _ = js_sys::Reflect::delete_property(&plain, &(*k).into());
    }
    let text = crate::host::widgets::options_json_text(&plain)
        .map_err(|e| CodedError::new(&[what, ": ", e.as_str()].concat()))?
        .ok_or_else(|| CodedError::new(&format!("{what}: must be a plain object")))?;
    let v =
        crate::core::json::from_str(&text).map_err(|e| CodedError::new(&format!("{what}: {e}")))?;
    Ok((token, v))
}

pub(super) fn params_of(
    params: Option<Map<String, Value>>,
) -> Result<Map<String, ParamValue>, CodedError> {
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
        let (token, v) = split_options(&options, "upload options", &[])?;
        let o = JsOptions::from_json(&v)
            .map_err(|e| CodedError::new(&format!("upload options: {e}")))?;
        let params = params_of(o.params)?;
        let defaults = UploadOptions::default();
        let options = UploadOptions {
            account: o.account,
            api_base: o.api_base.unwrap_or(defaults.api_base),
            resource_type: o.resource_type.unwrap_or(defaults.resource_type),
            params,
            chunk_size: o.chunk_size.unwrap_or(defaults.chunk_size),
            concurrency: o.concurrency.unwrap_or(defaults.concurrency),
            max_file_bytes: o.max_file_bytes,
            retry: RetryPolicy {
                max_attempts: o.max_attempts.unwrap_or(defaults.retry.max_attempts).max(1),
                ..defaults.retry
            },
            request_timeout_ms: o.request_timeout_ms.unwrap_or(defaults.request_timeout_ms),
            file_name: o.file_name,
        };
        let signer = SignerClient::new(&o.signer_url, token).with_timeout(o.signer_timeout_ms);
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
