//! The errors JavaScript sees: an `Error` whose `message` is for people and whose `code` (one of
//! [`ErrorCode`]'s, typed as `ErrorCode` in the `.d.ts`) is for programs. A refusal by the signer
//! also carries the HTTP `status`, the signer's own `signerCode` and the policy `rule` it applied
//! (README "Errors"). Part of the URL-only build (feature `url-only`), so it depends on nothing
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
  /** The upload queue is full (its `maxFiles` or `maxBytes`): the file was not queued. */
  | "queue_full"
  /** An unfinished upload cannot be resumed with that file (another file, expired, unreadable). */
  | "resume_refused"
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

/// A stable code (`ErrorCode` in the `.d.ts`). Constants rather than an enum: a build links the
/// strings of the codes it uses only (the URL-only builds use four; `scripts/size.sh`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ErrorCode(&'static str);

#[allow(non_upper_case_globals, dead_code)] // named like variants; the URL-only build uses a few
impl ErrorCode {
    pub(crate) const InvalidOptions: ErrorCode = ErrorCode("invalid_options");
    pub(crate) const Disabled: ErrorCode = ErrorCode("disabled");
    pub(crate) const NotMounted: ErrorCode = ErrorCode("not_mounted");
    pub(crate) const ScriptFailed: ErrorCode = ErrorCode("script_failed");
    pub(crate) const WidgetFailed: ErrorCode = ErrorCode("widget_failed");
    pub(crate) const DomRefused: ErrorCode = ErrorCode("dom_refused");
    pub(crate) const NoSigner: ErrorCode = ErrorCode("no_signer");
    pub(crate) const SignerToken: ErrorCode = ErrorCode("signer_token");
    pub(crate) const SignerUnreachable: ErrorCode = ErrorCode("signer_unreachable");
    pub(crate) const SignerTimeout: ErrorCode = ErrorCode("signer_timeout");
    pub(crate) const SignerRefused: ErrorCode = ErrorCode("signer_refused");
    pub(crate) const SignerBadAnswer: ErrorCode = ErrorCode("signer_bad_answer");
    pub(crate) const SignerFailed: ErrorCode = ErrorCode("signer_failed");
    pub(crate) const SignatureRequired: ErrorCode = ErrorCode("signature_required");
    pub(crate) const UploadFailed: ErrorCode = ErrorCode("upload_failed");
    pub(crate) const UploadCancelled: ErrorCode = ErrorCode("upload_cancelled");
    pub(crate) const QueueFull: ErrorCode = ErrorCode("queue_full");
    pub(crate) const ResumeRefused: ErrorCode = ErrorCode("resume_refused");
    pub(crate) const AccountState: ErrorCode = ErrorCode("account_state");
    pub(crate) const Cancelled: ErrorCode = ErrorCode("cancelled");
    pub(crate) const StorageFailed: ErrorCode = ErrorCode("storage_failed");
    pub(crate) const LifecycleRefused: ErrorCode = ErrorCode("lifecycle_refused");

    /// The code as JavaScript sees it.
    pub(crate) fn as_str(self) -> &'static str {
        self.0
    }
}

/// An error on its way to JavaScript (`Result<T, CodedError>` is thrown as a `ConnectorError`):
/// the `Error` object itself, built once by a function that is not inlined, so every export's
/// `Result` stays one handle wide and the URL-only builds stay small (`scripts/size.sh`).
#[derive(Debug)]
pub struct CodedError(JsValue);

impl CodedError {
    /// A bad argument (`invalid_options`), the most common kind.
    pub(crate) fn new(message: &str) -> CodedError {
        CodedError::with(ErrorCode::InvalidOptions, message)
    }

    /// An error with `code`.
    #[inline(never)]
    pub(crate) fn with(code: ErrorCode, message: &str) -> CodedError {
        let o = js_sys::Error::new(message);
        let _ = js_sys::Reflect::set(
            &o,
            &JsValue::from_str("code"),
            &JsValue::from_str(code.as_str()),
        );
        CodedError(o.into())
    }

    /// Adds the member `key` (one of `ConnectorError`'s).
    #[allow(dead_code)]
    pub(crate) fn field(self, key: &str, value: JsValue) -> CodedError {
        let _ = js_sys::Reflect::set(&self.0, &JsValue::from_str(key), &value);
        self
    }
}

impl From<CodedError> for JsValue {
    fn from(e: CodedError) -> JsValue {
        e.0
    }
}

/// A `ConnectorError` value with `code`.
#[allow(dead_code)] // not in the URL-only build
pub(crate) fn coded(code: ErrorCode, message: &str) -> JsValue {
    CodedError::with(code, message).into()
}
