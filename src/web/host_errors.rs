//! The `code` of each host-layer error as JavaScript sees it ([`super::error`]). One match per
//! error type, so a new variant cannot go out without a code.

use super::error::{CodedError, ErrorCode};
use crate::core::upload::UploadError;
use crate::core::upload_queue::QueueError;
use crate::host::accounts::AccountsError;
use crate::host::signer_client::SignerError;
use crate::host::widgets::MountError;
use alloc::borrow::ToOwned;
use alloc::string::{String, ToString};
use wasm_bindgen::JsValue;

/// The signer's refusal (`signer_refused`): HTTP `status`, its `error.code` as `signerCode`, and
/// the rule, read from the message's ` [rule: ...]` suffix where the signer client puts the
/// signer's `error.rule`.
fn refused(message: &str, status: u16, signer_code: Option<&str>) -> CodedError {
    let mut e = CodedError::with(ErrorCode::SignerRefused, message).field("status", status.into());
    if let Some(c) = signer_code {
        e = e.field("signerCode", c.into());
    }
    with_rule_of_message(e, message)
}

/// Adds `rule` from `message`'s ` [rule: ...]` suffix, if it has one.
fn with_rule_of_message(e: CodedError, message: &str) -> CodedError {
    match rule_in(message) {
        Some(rule) => e.field("rule", JsValue::from_str(&rule)),
        None => e,
    }
}

/// `rule` of a message ending in ` [rule: rule]`.
fn rule_in(message: &str) -> Option<String> {
    let (_, rest) = crate::core::text::rsplit_once_str(message, " [rule: ")?;
    rest.strip_suffix(']')
        .filter(|r| !r.is_empty() && !r.contains(' '))
        .map(str::to_owned)
}

/// A signer client failure.
pub(crate) fn signer(e: &SignerError) -> CodedError {
    let message = e.to_string();
    let code = match e {
        // The wire contract's error body (`core::wire::ErrorBody`): code and rule as the signer
        // sent them; an answer without one keeps the status and message only.
        SignerError::Refused {
            status,
            error: Some(body),
            ..
        } => {
            let e = CodedError::with(ErrorCode::SignerRefused, &message)
                .field("status", (*status).into())
                .field("signerCode", body.code.as_str().into());
            return match &body.rule {
                Some(rule) => e.field("rule", rule.as_str().into()),
                None => e,
            };
        }
        SignerError::Refused {
            status,
            error: None,
            ..
        } => return refused(&message, *status, None),
        SignerError::Token(_) => ErrorCode::SignerToken,
        SignerError::Unreachable { .. } => ErrorCode::SignerUnreachable,
        SignerError::BadAnswer(_) => ErrorCode::SignerBadAnswer,
        SignerError::Timeout { .. } => ErrorCode::SignerTimeout,
    };
    CodedError::with(code, &message)
}

/// A widget mount (or remount, show, hide) failure.
pub(crate) fn mount(e: &MountError) -> CodedError {
    let code = match e {
        MountError::Signer(s) => return signer(s),
        MountError::Disabled => ErrorCode::Disabled,
        MountError::Options(_) => ErrorCode::InvalidOptions,
        MountError::Script(_) => ErrorCode::ScriptFailed,
        MountError::NoSigner(_) => ErrorCode::NoSigner,
        MountError::Widget { .. } => ErrorCode::WidgetFailed,
        MountError::NotMounted => ErrorCode::NotMounted,
        MountError::Dom(_) => ErrorCode::DomRefused,
    };
    CodedError::with(code, &e.to_string())
}

/// A chunked upload that could not start or stopped.
pub(crate) fn upload(e: &UploadError) -> CodedError {
    let code = match e {
        UploadError::EmptyFile
        | UploadError::ChunkSizeOutOfRange { .. }
        | UploadError::FileTooLarge { .. }
        | UploadError::ConcurrencyOutOfRange { .. }
        | UploadError::BadResourceType(_)
        | UploadError::ReservedParam(_) => ErrorCode::InvalidOptions,
        UploadError::BadResponse { .. }
        | UploadError::Rejected { .. }
        | UploadError::Network { .. }
        | UploadError::Read(_) => ErrorCode::UploadFailed,
        // The signer client's message (its refusal's `[rule: ...]` kept in it).
        UploadError::Signer(_) => ErrorCode::SignerFailed,
        UploadError::Cancelled => ErrorCode::UploadCancelled,
    };
    let message = e.to_string();
    with_rule_of_message(CodedError::with(code, &message), &message)
}

/// An upload queue's refusal.
pub(crate) fn queue(e: &QueueError) -> CodedError {
    let code = match e {
        QueueError::TooManyFiles { .. } | QueueError::TooManyBytes { .. } => ErrorCode::QueueFull,
        QueueError::NotTheSameFile { .. }
        | QueueError::BadRecord(_)
        | QueueError::Expired { .. } => ErrorCode::ResumeRefused,
        QueueError::Upload { error, .. } => {
            return upload(error).field("message", e.to_string().into())
        }
        _ => ErrorCode::InvalidOptions,
    };
    CodedError::with(code, &e.to_string())
}

/// An accounts call that failed.
pub(crate) fn accounts(e: &AccountsError) -> CodedError {
    let message = e.to_string();
    let code = match e {
        AccountsError::Refused { status, .. } => return refused(&message, *status, None),
        AccountsError::Token(_) => ErrorCode::SignerToken,
        AccountsError::Unreachable { .. } => ErrorCode::SignerUnreachable,
        AccountsError::Listing(_) => ErrorCode::SignerBadAnswer,
        AccountsError::Transition(_) => ErrorCode::AccountState,
        AccountsError::Cancelled { .. } => ErrorCode::Cancelled,
        AccountsError::Stored(_) | AccountsError::Storage(_) => ErrorCode::StorageFailed,
    };
    CodedError::with(code, &message)
}

impl From<AccountsError> for wasm_bindgen::JsValue {
    /// `Accounts`' methods throw (or reject with) these.
    fn from(e: AccountsError) -> Self {
        accounts(&e).into()
    }
}
