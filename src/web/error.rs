//! The errors JavaScript sees: an `Error` whose `message` is for people and whose `code` (one of
//! [`ErrorCode`]'s, typed as `ErrorCode` in the `.d.ts`) is for programs. A refusal by the signer
//! also carries the HTTP `status`, the signer's own `signerCode` and the policy `rule` it applied
//! (README "Errors"). Shared with the URL-only build (`bench/url-only`), so it depends on nothing
//! but `js-sys`.

use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TS_ERRORS: &'static str = r#"
/** The stable `code` of every `Error` the package throws or rejects with (README "Errors"). */
export type ErrorCode =
  /** A bad argument, option or configuration (the message names it). */
  | "invalid_options"
  /** The integration is disabled (`Widgets.setEnabled(false)`): nothing was loaded or mounted. */
  | "disabled"
  /** The handle is unmounted (after `unmount()`, `free()` or a failed remount). */
  | "not_mounted"
  /** A widget script could not be loaded, timed out, or does not define its API. */
  | "script_failed"
  /** A widget script threw. */
  | "widget_failed"
  /** The page refused a DOM operation. */
  | "dom_refused"
  /** A signed feature was used without `signerUrl`. */
  | "no_signer"
  /** The host's token (a string or a function's result) is missing or unusable. */
  | "signer_token"
  /** The signer could not be reached (network, CORS, not running). */
  | "signer_unreachable"
  /** The signer did not answer within `signerTimeoutMs`. */
  | "signer_timeout"
  /** The signer refused: see `status`, `signerCode` and `rule`. */
  | "signer_refused"
  /** The signer (or a signing callback) answered something unusable. */
  | "signer_bad_answer"
  /** A signing callback given to a URL function threw or rejected. */
  | "signer_failed"
  /** A URL needs a signature and none was given. */
  | "signature_required"
  /** Cloudinary refused or lost an upload part (the message names the part). */
  | "upload_failed"
  /** The upload was cancelled (`cancel()` or `free()`). */
  | "upload_cancelled"
  /** The accounts state refused the call (unknown account, not logged in, ...). */
  | "account_state"
  /** The call was overtaken (a logout or another login while it was in flight). */
  | "cancelled"
  /** The browser's storage could not be read or written, or holds unusable data. */
  | "storage_failed"
  /** A lifecycle call (`install`, `activate`, `update`, `uninstall`) was refused. */
  | "lifecycle_refused";

/** Every `Error` thrown (or rejected with) by this package. */
export interface ConnectorError extends Error {
  readonly code: ErrorCode;
  /** `signer_refused`: the signer's HTTP status. */
  readonly status?: number;
  /** `signer_refused`: the signer's own error code (`policy_refused`, `token_expired`, ...). */
  readonly signerCode?: string;
  /** `signer_refused` (and `signer_failed` from an upload): the signer policy rule that
   *  refused, when it named one. */
  readonly rule?: string;
}
"#;

/// The stable codes (`ErrorCode` in the `.d.ts`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(dead_code, missing_docs)] // the URL-only build uses a few; each is documented in the .d.ts above
pub enum ErrorCode {
    InvalidOptions,
    Disabled,
    NotMounted,
    ScriptFailed,
    WidgetFailed,
    DomRefused,
    NoSigner,
    SignerToken,
    SignerUnreachable,
    SignerTimeout,
    SignerRefused,
    SignerBadAnswer,
    SignerFailed,
    SignatureRequired,
    UploadFailed,
    UploadCancelled,
    AccountState,
    Cancelled,
    StorageFailed,
    LifecycleRefused,
}

impl ErrorCode {
    /// The code as JavaScript sees it.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidOptions => "invalid_options",
            ErrorCode::Disabled => "disabled",
            ErrorCode::NotMounted => "not_mounted",
            ErrorCode::ScriptFailed => "script_failed",
            ErrorCode::WidgetFailed => "widget_failed",
            ErrorCode::DomRefused => "dom_refused",
            ErrorCode::NoSigner => "no_signer",
            ErrorCode::SignerToken => "signer_token",
            ErrorCode::SignerUnreachable => "signer_unreachable",
            ErrorCode::SignerTimeout => "signer_timeout",
            ErrorCode::SignerRefused => "signer_refused",
            ErrorCode::SignerBadAnswer => "signer_bad_answer",
            ErrorCode::SignerFailed => "signer_failed",
            ErrorCode::SignatureRequired => "signature_required",
            ErrorCode::UploadFailed => "upload_failed",
            ErrorCode::UploadCancelled => "upload_cancelled",
            ErrorCode::AccountState => "account_state",
            ErrorCode::Cancelled => "cancelled",
            ErrorCode::StorageFailed => "storage_failed",
            ErrorCode::LifecycleRefused => "lifecycle_refused",
        }
    }
}

/// An error on its way to JavaScript (`Result<T, CodedError>` is thrown as a `ConnectorError`).
#[derive(Debug)]
pub struct CodedError {
    code: ErrorCode,
    message: String,
    /// `signer_refused`: the HTTP status.
    status: Option<u16>,
    /// `signer_refused`: the signer's `error.code`.
    signer_code: Option<String>,
    /// The signer policy rule that refused.
    rule: Option<String>,
}

impl CodedError {
    /// A bad argument (`invalid_options`), the most common kind.
    pub(crate) fn new(message: &str) -> CodedError {
        CodedError::with(ErrorCode::InvalidOptions, message)
    }

    /// An error with `code`.
    pub(crate) fn with(code: ErrorCode, message: &str) -> CodedError {
        CodedError {
            code,
            message: message.to_owned(),
            status: None,
            signer_code: None,
            rule: None,
        }
    }

    /// The signer's refusal: HTTP `status` and its `error.code`. The rule is read from the
    /// message's ` [rule: ...]` suffix, where the signer client puts the signer's `error.rule`.
    pub(crate) fn refused(message: &str, status: u16, signer_code: Option<&str>) -> CodedError {
        CodedError {
            status: Some(status),
            signer_code: signer_code.map(str::to_owned),
            ..CodedError::with(ErrorCode::SignerRefused, message).with_rule_of_message()
        }
    }

    /// Sets `rule` from the message's ` [rule: ...]` suffix, if it has one.
    pub(crate) fn with_rule_of_message(mut self) -> CodedError {
        self.rule = rule_in(&self.message);
        self
    }

    /// The code.
    #[allow(dead_code)]
    pub(crate) fn code(&self) -> ErrorCode {
        self.code
    }
}

/// `rule` of a message ending in ` [rule: rule]`.
pub(crate) fn rule_in(message: &str) -> Option<String> {
    let (_, rest) = message.rsplit_once(" [rule: ")?;
    rest.strip_suffix(']')
        .filter(|r| !r.is_empty() && !r.contains(' '))
        .map(str::to_owned)
}

fn set(o: &js_sys::Error, k: &str, v: &JsValue) {
    let _ = js_sys::Reflect::set(o, &JsValue::from_str(k), v);
}

impl From<CodedError> for JsValue {
    fn from(e: CodedError) -> JsValue {
        let o = js_sys::Error::new(&e.message);
        set(&o, "code", &JsValue::from_str(e.code.as_str()));
        if let Some(status) = e.status {
            set(&o, "status", &JsValue::from(status));
        }
        if let Some(c) = &e.signer_code {
            set(&o, "signerCode", &JsValue::from_str(c));
        }
        if let Some(r) = &e.rule {
            set(&o, "rule", &JsValue::from_str(r));
        }
        o.into()
    }
}

/// A `ConnectorError` value with `code`.
pub(crate) fn coded(code: ErrorCode, message: &str) -> JsValue {
    CodedError::with(code, message).into()
}
