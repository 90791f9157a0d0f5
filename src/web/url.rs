//! The JavaScript delivery-URL API. Option objects use the Node SDK's names exactly
//! (`cloudinary.url(public_id, options)`), so existing option objects carry over. `https` is the
//! default. No function takes an API secret: signed URLs get their signature from the caller
//! (`urlToSign` + `signedUrl`, or `urlWithSigner` with a callback that asks the signing endpoint).
//!
//! Length: one file of about 640 lines on purpose: it is exactly what the URL-only builds compile
//! of the facade (`--features url-only`/`url-minimal` select its exports with `#[cfg]`), and every
//! export shares its options reader, configuration and error mapping.

use alloc::string::{String, ToString};
#[cfg(not(feature = "url-minimal"))]
use alloc::{borrow::ToOwned, vec::Vec};
use core::cell::{LazyCell, RefCell};

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

#[cfg(not(feature = "url-minimal"))]
use crate::core::url::{
    breakpoints, options::transformation_string, srcset::breakpoints_from_options,
    DeliveryDefaults, Transformation,
};
use crate::core::url::{prepare, OptionValue, Prepared, SignRequest, UrlError, Value};
use crate::json;
use crate::page_local::PageLocal;
use crate::web::error::{CodedError, ErrorCode};

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &'static str = r#"
/** Transformation options, named as the Node SDK names them. */
export interface TransformationOptions {
  width?: number | string; height?: number | string; size?: string;
  crop?: "scale" | "fit" | "limit" | "mfit" | "fill" | "lfill" | "pad" | "lpad" | "mpad" | "fill_pad" | "crop" | "thumb" | "auto" | "auto_pad" | "imagga_crop" | "imagga_scale" | string;
  gravity?: string; x?: number | string; y?: number | string; zoom?: number | string;
  aspect_ratio?: number | string; angle?: number | string | Array<number | string>;
  quality?: number | string; fetch_format?: string; dpr?: number | string; density?: number | string;
  effect?: string | Array<string | number> | Record<string, string | number>;
  flags?: string | string[]; opacity?: number | string; radius?: number | string | Array<number | string>;
  background?: string; color?: string; color_space?: string; default_image?: string;
  border?: string | { width?: number | string; color?: string };
  overlay?: string | LayerOptions; underlay?: string | LayerOptions;
  page?: number | string; prefix?: string; delay?: number | string;
  start_offset?: number | string; end_offset?: number | string; duration?: number | string;
  offset?: string | Array<number | string>; fps?: number | string | Array<number | string>;
  keyframe_interval?: number | string; streaming_profile?: string; video_sampling?: number | string;
  video_codec?: string | { codec: string; profile?: string; level?: string; b_frames?: boolean };
  audio_codec?: string; audio_frequency?: number | string; bit_rate?: number | string;
  custom_function?: string | { function_type: string; source: string };
  custom_pre_function?: string | { function_type: string; source: string };
  if?: string; variables?: Array<[string, number | string]>;
  raw_transformation?: string; responsive_width?: boolean;
  transformation?: string | TransformationOptions | Array<string | TransformationOptions>;
  [variable: `$${string}`]: number | string | undefined;
}

/** A layer (overlay/underlay) given as an object. */
export interface LayerOptions {
  public_id?: string; format?: string; resource_type?: string; type?: string; url?: string;
  text?: string; text_style?: string; font_family?: string; font_size?: number | string;
  font_weight?: string; font_style?: string; text_decoration?: string; text_align?: string; stroke?: string;
  letter_spacing?: number | string; line_spacing?: number | string;
  font_antialiasing?: string; font_hinting?: string;
}

/** URL options: `cloudinary.url(public_id, options)`'s. There is deliberately no `api_secret`. */
export interface UrlOptions extends TransformationOptions {
  cloud_name?: string; secure?: boolean; ssl_detected?: boolean;
  private_cdn?: boolean; secure_distribution?: string; cname?: string | false;
  cdn_subdomain?: boolean; secure_cdn_subdomain?: boolean;
  type?: "upload" | "private" | "authenticated" | "fetch" | "private_delivery" | "public_delivery" | "sprite" | "text" | "multi" | "facebook" | "twitter" | "twitter_name" | "gravatar" | "youtube" | "hulu" | "vimeo" | "animoto" | "worldstarhiphop" | "dailymotion" | string;
  resource_type?: "image" | "video" | "raw" | string;
  format?: string; version?: number | string; force_version?: boolean;
  url_suffix?: string; use_root_path?: boolean; shorten?: boolean; use_fetch_format?: boolean;
  sign_url?: boolean; long_url_signature?: boolean; signature_algorithm?: "sha1" | "sha256";
  /** Append the `_a` analytics token (off unless set, here or in `config`). */
  urlAnalytics?: boolean; analytics_sdk_code?: string;
}

/** Global configuration (`cloudinary.config`): URL options that apply to every call. */
export interface UrlConfig extends UrlOptions {
  responsive_width_transformation?: TransformationOptions;
}

/** What the signing endpoint must sign: `base64url(hash(toSign + secret)).slice(0, length)`. */
export interface SignRequest {
  /** `algorithm` is what the options ask for (SHA-1 unless they say otherwise); a signing
   *  endpoint that knows the account's own algorithm may use that instead (see `delivery`). */
  toSign: string; algorithm: "sha1" | "sha256"; length: 8 | 32;
  /** The body of the signing endpoint's `POST /v1/sign/delivery` (add `account` when it has
   *  several): the parts `toSign` is built from, which the endpoint checks against its policy. */
  delivery: DeliverySignBody;
}

/** `POST /v1/sign/delivery`'s body, without `account`. */
export interface DeliverySignBody {
  resource_type: string; type: string; transformation: string; public_id: string;
  long_signature: boolean;
  /** Only when the options chose it (`signature_algorithm`, `long_url_signature`): otherwise the
   *  endpoint applies the account's own setting. */
  algorithm?: "sha1" | "sha256";
}

/** The plugin's own delivery defaults (both on unless switched off). */
export interface DeliveryDefaultsOptions { autoFormatQuality?: boolean; analytics?: boolean; }

/** Responsive breakpoints: explicit widths, or a range. */
export interface BreakpointOptions { breakpoints?: number[]; min_width?: number; max_width?: number; max_images?: number; }
"#;

static CONFIG: PageLocal<LazyCell<RefCell<Value>>> =
    PageLocal::new(LazyCell::new(|| RefCell::new(json!({"secure": true}))));

// `url()`'s memo, in every build but the minimal one, which builds each URL the general way: that
// made it 3.1 KB gzip smaller (32,417 -> 29,305 B; scripts/size.sh, 2026-12-02) and as correct,
// only slower when the same options come again (scripts/bench-url-builds.mjs).
/// Bumped by every configuration change: invalidates `LAST`.
#[cfg(not(feature = "url-minimal"))]
static CONFIG_GENERATION: PageLocal<core::cell::Cell<u64>> =
    PageLocal::new(core::cell::Cell::new(0));
/// `url()`'s memo: the options (as JSON) of the latest call and their template, so repeated
/// options (a list of assets rendered with the same options) skip the transformation build.
/// The JSON stays a JS string: comparing it with the next call's is one `===` in JS, with no
/// copy into wasm memory.
#[cfg(not(feature = "url-minimal"))]
static LAST: PageLocal<RefCell<Option<(js_sys::JsString, u64, crate::core::url::UrlTemplate)>>> =
    PageLocal::new(RefCell::new(None));

fn bump_generation() {
    #[cfg(not(feature = "url-minimal"))]
    CONFIG_GENERATION.with(|g| g.set(g.get().wrapping_add(1)));
}

/// `invalid_options`, except a missing (`signature_required`) or unusable
/// (`signer_bad_answer`) signature.
fn err(e: UrlError) -> CodedError {
    let code = match e {
        UrlError::SignatureRequired => ErrorCode::SignatureRequired,
        UrlError::BadSignature(_) => ErrorCode::SignerBadAnswer,
        _ => ErrorCode::InvalidOptions,
    };
    CodedError::with(code, &e.to_string())
}

/// A JS options object as JSON (`JSON.stringify`: one string crossing, no per-key calls).
fn options_json(v: &JsValue) -> Result<String, CodedError> {
    options_json_js(v).map(String::from)
}

/// Options that are not an object (checked before `JSON.stringify`, and again on what it wrote).
const NOT_AN_OBJECT: &str = "options must be an object";

/// The same JSON, left in JS.
fn options_json_js(v: &JsValue) -> Result<js_sys::JsString, CodedError> {
    if v.is_null_or_undefined() {
        return Ok(js_sys::JsString::from("{}"));
    }
    // An array passes this check and is refused once parsed (`parse_options`), as is an object
    // whose `toJSON()` returns anything but an object.
    if !v.is_object() {
        return Err(CodedError::new(NOT_AN_OBJECT));
    }
    // JSON.stringify throws a TypeError naming the cause (a cycle, a BigInt): pass its message on.
    let json = js_sys::JSON::stringify(v).map_err(|e| {
        let why = e
            .dyn_ref::<js_sys::Error>()
            .map(|e| String::from(e.message()))
            .unwrap_or_default();
        CodedError::new(&["options could not be read as JSON: ", why.as_str()].concat())
    })?;
    // `toJSON()` may return something that has no JSON text (undefined, a function).
    match json.is_string() {
        true => Ok(json),
        false => Err(CodedError::new(
            "options could not be read: they have no JSON text (a toJSON() returning undefined?)",
        )),
    }
}

fn parse_options(json: &str) -> Result<Value, CodedError> {
    let value = crate::core::json::from_str(json)
        .map_err(|e| CodedError::new(&["options could not be read: ", e.as_str()].concat()))?;
    if !value.is_object() {
        return Err(CodedError::new(NOT_AN_OBJECT));
    }
    if value.opt("api_secret").is_some() {
        return Err(err(UrlError::SecretNotAccepted));
    }
    Ok(value)
}

/// A JS options object → [`Value`].
fn options_from_js(v: &JsValue) -> Result<Value, CodedError> {
    parse_options(&options_json(v)?)
}

fn with_config<T>(f: impl FnOnce(&Value) -> T) -> T {
    CONFIG.with(|c| f(&c.borrow()))
}

/// Sets global URL options, as `cloudinary.config({...})` does (merged into what is set).
/// `secure` defaults to `true`. An `api_secret` is refused.
#[wasm_bindgen(js_name = config)]
pub fn config(
    #[wasm_bindgen(unchecked_param_type = "UrlConfig")] options: JsValue,
) -> Result<(), CodedError> {
    let v = options_from_js(&options)?;
    bump_generation();
    CONFIG.with(|c| {
        let mut c = c.borrow_mut();
        if let Value::Object(entries) = v {
            for (k, v) in entries {
                c.set(k.as_str(), v);
            }
        }
    });
    Ok(())
}

/// Forgets the global configuration (back to `{secure: true}`).
#[wasm_bindgen(js_name = resetConfig)]
pub fn reset_config() {
    bump_generation();
    CONFIG.with(|c| *c.borrow_mut() = json!({"secure": true}));
}

fn prepared(public_id: &str, options: &JsValue) -> Result<Prepared, CodedError> {
    let options = options_from_js(options)?;
    with_config(|cfg| prepare(public_id, &options, cfg)).map_err(err)
}

fn signature_hint(e: UrlError) -> CodedError {
    match e {
        UrlError::SignatureRequired => CodedError::with(
            ErrorCode::SignatureRequired,
            "this URL must be signed (sign_url) but url() has no signature: use urlToSign() and signedUrl(), or urlWithSigner()",
        ),
        other => err(other),
    }
}

#[cfg(not(feature = "url-minimal"))]
fn unsigned(p: Prepared) -> Result<String, CodedError> {
    p.into_unsigned().map_err(signature_hint)
}

/// The delivery URL of `publicId`, exactly as the Node SDK's `cloudinary.url(publicId, options)`.
#[wasm_bindgen(js_name = url)]
pub fn url(
    public_id: &str,
    #[wasm_bindgen(unchecked_param_type = "UrlOptions")] options: JsValue,
) -> Result<String, CodedError> {
    #[cfg(feature = "url-minimal")]
    return prepared(public_id, &options)?
        .into_unsigned()
        .map_err(signature_hint);
    #[cfg(not(feature = "url-minimal"))]
    memo_url(public_id, &options)
}

/// [`url`] through the memo: the same options as the last call reuse its template.
#[cfg(not(feature = "url-minimal"))]
fn memo_url(public_id: &str, options: &JsValue) -> Result<String, CodedError> {
    let json = options_json_js(options)?;
    let generation = CONFIG_GENERATION.with(core::cell::Cell::get);
    let hit = LAST.with(|last| match &*last.borrow() {
        Some((j, g, t)) if *g == generation && *j == json => {
            Some(t.url(public_id, &crate::core::url::NoSignatures))
        }
        _ => None,
    });
    if let Some(result) = hit {
        return result.map_err(signature_hint);
    }
    let options = parse_options(&String::from(&json))?;
    let template = with_config(|cfg| crate::core::url::UrlTemplate::from_options(options, cfg))
        .map_err(err)?;
    let result = template
        .url(public_id, &crate::core::url::NoSignatures)
        .map_err(signature_hint);
    LAST.with(|last| *last.borrow_mut() = Some((json, generation, template)));
    result
}

/// `what`, with the message of what the signer threw or rejected with (the signing endpoint's
/// refusals name their rule and never hold a secret).
#[cfg(not(feature = "url-minimal"))]
/// The caller's signing callback threw or rejected (`signer_failed`; the message is
/// `UrlError::BadSignature`'s).
fn signer_failed(what: &str, thrown: &JsValue) -> CodedError {
    let why = match thrown.dyn_ref::<js_sys::Error>() {
        Some(e) => Some(String::from(e.message())),
        None => thrown.as_string(),
    };
    let e = UrlError::BadSignature(match why {
        Some(w) if !w.is_empty() => [what, ": ", w.as_str()].concat(),
        _ => what.to_owned(),
    });
    CodedError::with(ErrorCode::SignerFailed, &e.to_string())
}

fn sign_request_js(r: &SignRequest) -> JsValue {
    let o = js_sys::Object::new();
    let set = |k: &str, v: JsValue| js_sys::Reflect::set(&o, &JsValue::from_str(k), &v);
    // Setting properties on a fresh plain object cannot fail.
    let _ = set("toSign", JsValue::from_str(&r.to_sign));
    let _ = set("algorithm", JsValue::from_str(r.algorithm.as_str()));
    let _ = set("length", JsValue::from_f64(r.length as f64));
    let d = js_sys::Object::new();
    let put = |k: &str, v: JsValue| js_sys::Reflect::set(&d, &JsValue::from_str(k), &v);
    let _ = put("resource_type", JsValue::from_str(&r.resource_type));
    let _ = put("type", JsValue::from_str(&r.delivery_type));
    let _ = put("transformation", JsValue::from_str(&r.transformation));
    let _ = put("public_id", JsValue::from_str(&r.public_id));
    let _ = put("long_signature", JsValue::from_bool(r.length == 32));
    if r.algorithm_requested {
        let _ = put("algorithm", JsValue::from_str(r.algorithm.as_str()));
    }
    let _ = set("delivery", d.into());
    o.into()
}

/// What must be signed for this URL (`null` when it needs no signature). Send it to the signing
/// endpoint, then call `signedUrl` with the signature.
#[wasm_bindgen(js_name = urlToSign, unchecked_return_type = "SignRequest | null")]
pub fn url_to_sign(
    public_id: &str,
    #[wasm_bindgen(unchecked_param_type = "UrlOptions")] options: JsValue,
) -> Result<JsValue, CodedError> {
    Ok(match prepared(public_id, &options)? {
        Prepared::Url(p) => p.sign_request().map_or(JsValue::NULL, sign_request_js),
        Prepared::Unchanged(_) => JsValue::NULL,
    })
}

/// The URL with `signature` (from the signing endpoint) inserted as `s--<signature>--`.
#[wasm_bindgen(js_name = signedUrl)]
pub fn signed_url(
    public_id: &str,
    #[wasm_bindgen(unchecked_param_type = "UrlOptions")] options: JsValue,
    signature: &str,
) -> Result<String, CodedError> {
    match prepared(public_id, &options)? {
        Prepared::Url(p) => p.finish(Some(signature)).map_err(err),
        Prepared::Unchanged(s) => Ok(s),
    }
}

#[cfg(not(feature = "url-minimal"))]
/// The URL, asking `signer(request)` (which may return a Promise) for the signature when one is
/// needed. The signer is typically a call to the signing endpoint.
#[wasm_bindgen(js_name = urlWithSigner, unchecked_return_type = "Promise<string>")]
pub fn url_with_signer(
    public_id: &str,
    #[wasm_bindgen(unchecked_param_type = "UrlOptions")] options: JsValue,
    #[wasm_bindgen(unchecked_param_type = "(request: SignRequest) => string | Promise<string>")]
    signer: js_sys::Function,
) -> Result<js_sys::Promise, CodedError> {
    finish_with_signer(prepared(public_id, &options)?, &signer)
}

#[cfg(not(feature = "url-minimal"))]
/// A promise of the URL of `prepared`, asking `signer` for its signature when it needs one.
pub(crate) fn finish_with_signer(
    prepared: Prepared,
    signer: &js_sys::Function,
) -> Result<js_sys::Promise, CodedError> {
    let p = match prepared {
        Prepared::Unchanged(s) => return Ok(js_sys::Promise::resolve(&JsValue::from_str(&s))),
        Prepared::Url(p) => p,
    };
    let Some(req) = p.sign_request() else {
        let u = p.finish(None).map_err(err)?;
        return Ok(js_sys::Promise::resolve(&JsValue::from_str(&u)));
    };
    let answer = signer
        .call1(&JsValue::NULL, &sign_request_js(req))
        .map_err(|e| signer_failed("the signer threw", &e))?;
    Ok(crate::web::promise(async move {
        let sig = wasm_bindgen_futures::JsFuture::from(js_sys::Promise::resolve(&answer))
            .await
            .map_err(|e| JsValue::from(signer_failed("the signer's promise was rejected", &e)))?;
        let sig = sig.as_string().ok_or_else(|| {
            JsValue::from(err(UrlError::BadSignature(
                "the signer did not return a string".into(),
            )))
        })?;
        p.finish(Some(&sig))
            .map(JsValue::from)
            .map_err(|e| err(e).into())
    }))
}

#[cfg(not(feature = "url-minimal"))]
fn defaults_from_js(v: &JsValue) -> Result<DeliveryDefaults, CodedError> {
    let o = options_from_js(v)?;
    let on = |k: &str| o.opt(k).map_or(true, Value::truthy);
    Ok(DeliveryDefaults {
        auto_format_quality: on("autoFormatQuality"),
        analytics: on("analytics"),
    })
}

#[cfg(not(feature = "url-minimal"))]
/// The plugin's own delivery URL: `url()` plus `f_auto,q_auto` and the `_a` analytics token by
/// default (switch either off with `{autoFormatQuality: false, analytics: false}`).
#[wasm_bindgen(js_name = deliveryUrl)]
pub fn delivery_url(
    public_id: &str,
    #[wasm_bindgen(unchecked_param_type = "UrlOptions")] options: JsValue,
    #[wasm_bindgen(unchecked_param_type = "DeliveryDefaultsOptions")] defaults: JsValue,
) -> Result<String, CodedError> {
    let defaults = defaults_from_js(&defaults)?;
    let options = options_from_js(&options)?;
    unsigned(
        with_config(|cfg| prepare(public_id, &defaults.apply(&options, cfg), cfg)).map_err(err)?,
    )
}

#[cfg(not(feature = "url-minimal"))]
/// The widths of responsive breakpoints (`{min_width, max_width, max_images}` or
/// `{breakpoints}`), as the Node SDK computes them.
#[wasm_bindgen(js_name = breakpoints)]
pub fn breakpoints_js(
    #[wasm_bindgen(unchecked_param_type = "BreakpointOptions")] settings: JsValue,
) -> Result<Vec<u32>, CodedError> {
    let bp = breakpoints_from_options(&options_from_js(&settings)?).map_err(err)?;
    breakpoints(&bp).map_err(err)
}

#[cfg(not(feature = "url-minimal"))]
/// `{srcset, sizes}` for a responsive image: each item is the URL with `c_scale,w_<width>`
/// chained. `defaults` are the plugin's delivery defaults (on unless switched off).
#[wasm_bindgen(js_name = srcset, unchecked_return_type = "{ srcset: string; sizes: string }")]
pub fn srcset_js(
    public_id: &str,
    #[wasm_bindgen(unchecked_param_type = "UrlOptions")] options: JsValue,
    #[wasm_bindgen(unchecked_param_type = "BreakpointOptions")] settings: JsValue,
    #[wasm_bindgen(unchecked_param_type = "DeliveryDefaultsOptions")] defaults: JsValue,
) -> Result<JsValue, CodedError> {
    let widths = breakpoints_js(settings)?;
    let defaults = defaults_from_js(&defaults)?;
    let options = options_from_js(&options)?;
    let (set, sizes) = with_config(|cfg| {
        defaults.srcset(
            public_id,
            &widths,
            &options,
            cfg,
            &crate::core::url::NoSignatures,
        )
    })
    .map_err(err)?;
    let o = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&o, &"srcset".into(), &set.into());
    let _ = js_sys::Reflect::set(&o, &"sizes".into(), &sizes.into());
    Ok(o.into())
}

#[cfg(not(feature = "url-minimal"))]
fn prepared_srcset(
    public_id: &str,
    options: &JsValue,
    settings: JsValue,
    defaults: &JsValue,
) -> Result<(crate::core::url::PreparedSrcset, Vec<u32>), CodedError> {
    let widths = breakpoints_js(settings)?;
    let defaults = defaults_from_js(defaults)?;
    let options = options_from_js(options)?;
    let p = with_config(|cfg| defaults.prepare_srcset(public_id, &widths, &options, cfg))
        .map_err(err)?;
    Ok((p, widths))
}

#[cfg(not(feature = "url-minimal"))]
fn srcset_object(set: String, widths: &[u32]) -> JsValue {
    let o = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&o, &"srcset".into(), &set.into());
    let _ = js_sys::Reflect::set(&o, &"sizes".into(), &crate::core::url::sizes(widths).into());
    o.into()
}

#[cfg(not(feature = "url-minimal"))]
/// What each `srcset` item needs signed (`null` where nothing), in item order: a signed
/// responsive image (`sign_url` with `authenticated`/`private`) needs one signature per width.
/// Ask the signing endpoint for each, then call `signedSrcset` with them in the same order.
#[wasm_bindgen(js_name = srcsetToSign, unchecked_return_type = "Array<SignRequest | null>")]
pub fn srcset_to_sign(
    public_id: &str,
    #[wasm_bindgen(unchecked_param_type = "UrlOptions")] options: JsValue,
    #[wasm_bindgen(unchecked_param_type = "BreakpointOptions")] settings: JsValue,
    #[wasm_bindgen(unchecked_param_type = "DeliveryDefaultsOptions")] defaults: JsValue,
) -> Result<js_sys::Array, CodedError> {
    let (p, _) = prepared_srcset(public_id, &options, settings, &defaults)?;
    Ok(p.sign_requests()
        .into_iter()
        .map(|r| r.map_or(JsValue::NULL, sign_request_js))
        .collect())
}

#[cfg(not(feature = "url-minimal"))]
fn signature_list(signatures: &JsValue) -> Result<Vec<Option<String>>, CodedError> {
    if !js_sys::Array::is_array(signatures) {
        return Err(CodedError::new(
            "signatures must be an array (one string or null per srcset item)",
        ));
    }
    js_sys::Array::from(signatures)
        .iter()
        .map(|v| {
            if v.is_null() || v.is_undefined() {
                Ok(None)
            } else {
                v.as_string().map(Some).ok_or_else(|| {
                    CodedError::new(
                        "signatures must be strings (or null where no signature is needed)",
                    )
                })
            }
        })
        .collect()
}

#[cfg(not(feature = "url-minimal"))]
/// `{srcset, sizes}` with `signatures` (from the signing endpoint, in `srcsetToSign`'s order)
/// inserted.
#[wasm_bindgen(js_name = signedSrcset, unchecked_return_type = "{ srcset: string; sizes: string }")]
pub fn signed_srcset(
    public_id: &str,
    #[wasm_bindgen(unchecked_param_type = "UrlOptions")] options: JsValue,
    #[wasm_bindgen(unchecked_param_type = "BreakpointOptions")] settings: JsValue,
    #[wasm_bindgen(unchecked_param_type = "DeliveryDefaultsOptions")] defaults: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Array<string | null>")] signatures: JsValue,
) -> Result<JsValue, CodedError> {
    let signatures = signature_list(&signatures)?;
    let (p, widths) = prepared_srcset(public_id, &options, settings, &defaults)?;
    let refs: Vec<Option<&str>> = signatures.iter().map(Option::as_deref).collect();
    Ok(srcset_object(p.finish(&refs).map_err(err)?, &widths))
}

#[cfg(not(feature = "url-minimal"))]
/// `{srcset, sizes}`, asking `signer(request)` (which may return a Promise) for every signature
/// the items need; the requests are sent together, not one after another.
#[wasm_bindgen(js_name = srcsetWithSigner, unchecked_return_type = "Promise<{ srcset: string; sizes: string }>")]
pub fn srcset_with_signer(
    public_id: &str,
    #[wasm_bindgen(unchecked_param_type = "UrlOptions")] options: JsValue,
    #[wasm_bindgen(unchecked_param_type = "BreakpointOptions")] settings: JsValue,
    #[wasm_bindgen(unchecked_param_type = "DeliveryDefaultsOptions")] defaults: JsValue,
    #[wasm_bindgen(unchecked_param_type = "(request: SignRequest) => string | Promise<string>")]
    signer: js_sys::Function,
) -> Result<js_sys::Promise, CodedError> {
    let (p, widths) = prepared_srcset(public_id, &options, settings, &defaults)?;
    let answers = js_sys::Array::new();
    for r in p.sign_requests() {
        let answer = match r {
            None => JsValue::NULL,
            Some(r) => match signer.call1(&JsValue::NULL, &sign_request_js(r)) {
                Ok(a) => a,
                Err(e) => {
                    // The promises already given are settled, not left to reject unhandled.
                    let _ = js_sys::Promise::all_settled(&answers);
                    return Err(signer_failed("the signer threw", &e));
                }
            },
        };
        answers.push(&answer);
    }
    Ok(crate::web::promise(async move {
        let all = wasm_bindgen_futures::JsFuture::from(js_sys::Promise::all(&answers))
            .await
            .map_err(|e| JsValue::from(signer_failed("the signer's promise was rejected", &e)))?;
        let signatures = signature_list(&all).map_err(|_| {
            JsValue::from(err(UrlError::BadSignature(
                "the signer did not return a string".into(),
            )))
        })?;
        let refs: Vec<Option<&str>> = signatures.iter().map(Option::as_deref).collect();
        let set = p.finish(&refs).map_err(|e| JsValue::from(err(e)))?;
        Ok(srcset_object(set, &widths))
    }))
}

#[cfg(not(feature = "url-minimal"))]
/// The transformation string of transformation options (the Node SDK's
/// `generate_transformation_string`).
#[wasm_bindgen(js_name = transformationString)]
pub fn transformation_string_js(
    #[wasm_bindgen(unchecked_param_type = "TransformationOptions")] options: JsValue,
) -> Result<String, CodedError> {
    let options = options_from_js(&options)?;
    with_config(|cfg| transformation_string(&options, cfg)).map_err(err)
}

#[cfg(not(feature = "url-minimal"))]
/// Checks a transformation string against the typed model and returns it; a specific error
/// (`unknown crop mode 'blur'`, `negative width '-5'`, ...) when it is invalid.
#[wasm_bindgen(js_name = checkTransformation)]
pub fn check_transformation(transformation: &str) -> Result<String, CodedError> {
    transformation
        .parse::<Transformation>()
        .map(|t| t.to_string())
        .map_err(|e| {
            CodedError::new(&["invalid transformation: ", e.to_string().as_str()].concat())
        })
}

/// Many URLs with the same options (a gallery, a product grid): the transformation is built once,
/// then `factory.url(publicId)` only assembles the URL. Options are read when it is created,
/// together with the global configuration at that time.
#[cfg(not(feature = "url-minimal"))]
#[wasm_bindgen(js_name = UrlFactory)]
#[derive(Debug)]
pub struct JsUrlFactory(crate::core::url::UrlTemplate);

#[cfg(not(feature = "url-minimal"))]
#[wasm_bindgen(js_class = UrlFactory)]
impl JsUrlFactory {
    /// Reads and checks `options` (the same as `url()`'s).
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "UrlOptions")] options: JsValue,
    ) -> Result<JsUrlFactory, CodedError> {
        let options = options_from_js(&options)?;
        with_config(|cfg| crate::core::url::UrlTemplate::new(&options, cfg))
            .map(JsUrlFactory)
            .map_err(err)
    }

    /// The URL of `publicId` (errors when it must be signed: use `urlToSign`/`signedUrl`).
    pub fn url(&self, public_id: &str) -> Result<String, CodedError> {
        self.0
            .url(public_id, &crate::core::url::NoSignatures)
            .map_err(signature_hint)
    }

    /// What must be signed for `publicId` (`null` when nothing).
    #[wasm_bindgen(js_name = urlToSign, unchecked_return_type = "SignRequest | null")]
    pub fn url_to_sign(&self, public_id: &str) -> Result<JsValue, CodedError> {
        Ok(match self.0.prepare(public_id).map_err(err)? {
            Prepared::Url(p) => p.sign_request().map_or(JsValue::NULL, sign_request_js),
            Prepared::Unchanged(_) => JsValue::NULL,
        })
    }

    /// The URL of `publicId` with `signature` inserted.
    #[wasm_bindgen(js_name = signedUrl)]
    pub fn signed_url(&self, public_id: &str, signature: &str) -> Result<String, CodedError> {
        match self.0.prepare(public_id).map_err(err)? {
            Prepared::Url(p) => p.finish(Some(signature)).map_err(err),
            Prepared::Unchanged(s) => Ok(s),
        }
    }
}
