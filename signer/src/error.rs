//! The one error type of the HTTP API: a status, a stable code, a sentence for the caller and,
//! for policy refusals, the rule that refused (and a batch's refused item), answered as the wire
//! contract's [`ErrorEnvelope`] (`core::wire`). It never carries a secret, token or signature.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use cloudinary_connector::core::wire::{ErrorBody, ErrorEnvelope};

use crate::auth::AuthError;
use crate::policy::Refusal;

/// An API error, answered as `{"error": {"code", "message", "rule"?}}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Stable machine-readable code.
    pub code: &'static str,
    /// What went wrong, for a human.
    pub message: String,
    /// The configuration rule that refused, for policy refusals.
    pub rule: Option<String>,
    /// Seconds until a retry may succeed (429).
    pub retry_after: Option<u64>,
    /// The index of the refused item of a batch.
    pub item: Option<usize>,
}

impl ApiError {
    /// An error without a rule.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            rule: None,
            retry_after: None,
            item: None,
        }
    }

    /// The same error, naming the rule that refused.
    pub fn with_rule(mut self, rule: impl Into<String>) -> Self {
        self.rule = Some(rule.into());
        self
    }

    /// 422 for a well-formed request with an unusable value.
    pub fn invalid(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_request", message)
    }
}

impl From<AuthError> for ApiError {
    fn from(e: AuthError) -> Self {
        let code = match e {
            AuthError::Missing => "token_missing",
            AuthError::Malformed(_) => "token_malformed",
            AuthError::BadSignature => "token_bad_signature",
            AuthError::AlgorithmNotAccepted(_) => "token_algorithm",
            AuthError::Expired { .. } => "token_expired",
            AuthError::NotYetValid => "token_not_yet_valid",
            AuthError::TooLongLived(_) => "token_too_long_lived",
            AuthError::WrongAudienceOrIssuer(_) => "token_claims",
            AuthError::UnknownKey(_) => "token_unknown_key",
        };
        ApiError::new(StatusCode::UNAUTHORIZED, code, e.to_string())
    }
}

impl From<Refusal> for ApiError {
    fn from(r: Refusal) -> Self {
        ApiError::new(StatusCode::FORBIDDEN, "policy_refused", r.message).with_rule(r.rule)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        tracing::info!(
            status = self.status.as_u16(),
            code = self.code,
            rule = self.rule.as_deref(),
            "request refused"
        );
        crate::telemetry::refusal(self.code, self.rule.as_deref());
        let body = ErrorEnvelope {
            error: ErrorBody {
                code: self.code.to_owned(),
                message: self.message,
                rule: self.rule,
                item: self.item,
            },
        };
        let mut res = (self.status, axum::Json(body)).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            res.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if let Some(s) = self.retry_after {
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(s));
        }
        res
    }
}
