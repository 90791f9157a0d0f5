//! The extractors of the signing endpoints: [`Authenticated`] (a verified caller and its JSON
//! body) and [`Caller`] (a verified caller, no body). Both verify the bearer token and take one
//! rate-limit token for its user before anything else is read.

use std::sync::Arc;

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use serde::de::DeserializeOwned;

use crate::auth::{AuthError, Claims};
use crate::error::ApiError;
use crate::state::Signer;

/// A verified caller and its JSON body (at most `server.max_body_bytes`): the start of every
/// signing endpoint.
#[derive(Debug)]
pub struct Authenticated<T> {
    /// The token's claims.
    pub claims: Arc<Claims>,
    /// The request body.
    pub body: T,
}

impl<T: DeserializeOwned> FromRequest<Signer> for Authenticated<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, s: &Signer) -> Result<Self, ApiError> {
        let (parts, body) = req.into_parts();
        let claims = authenticate(s, &parts.headers).await?;
        let body = json_body(&parts.headers, body, s.config().server.max_body_bytes).await?;
        Ok(Authenticated { claims, body })
    }
}

/// A verified caller of an endpoint without a body (or one that reads its body itself).
#[derive(Debug)]
pub struct Caller(pub Arc<Claims>);

impl FromRequestParts<Signer> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, s: &Signer) -> Result<Self, ApiError> {
        authenticate(s, &parts.headers).await.map(Caller)
    }
}

/// Verifies the bearer token and takes one rate-limit token for its user.
async fn authenticate(s: &Signer, headers: &HeaderMap) -> Result<Arc<Claims>, ApiError> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or(AuthError::Missing)?;
    let claims = s.verifier().verify_async(token, s.now()).await?;
    if let Err(wait) = s.0.store.take_token(&claims.sub).await? {
        let secs = wait.as_secs() + 1;
        let srv = &s.config().server;
        let mut e = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            format!(
                "user {:?} exceeded {} requests per minute on this signer {}; retry in {secs} s",
                claims.sub,
                srv.rate_limit_per_minute,
                s.0.store.scope()
            ),
        )
        .with_rule("server.rate_limit_per_minute");
        e.retry_after = Some(secs);
        return Err(e);
    }
    Ok(claims)
}

/// Reads a JSON body of at most `limit` bytes, mapping every failure to a precise 4xx.
pub async fn json_body<T: serde::de::DeserializeOwned>(
    headers: &HeaderMap,
    body: axum::body::Body,
    limit: usize,
) -> Result<T, ApiError> {
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            format!("the request body is larger than {limit} bytes"),
        )
        .with_rule("server.max_body_bytes")
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(too_large());
    }
    let body = http_body_util::BodyExt::collect(http_body_util::Limited::new(body, limit))
        .await
        .map_err(|e| {
            if e.is::<http_body_util::LengthLimitError>() {
                too_large()
            } else {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "body_unreadable",
                    "the request body could not be read",
                )
            }
        })?
        .to_bytes();
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
    if !is_json {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the request body as JSON with `Content-Type: application/json`",
        ));
    }
    serde_json::from_slice(&body).map_err(|e| {
        let (code, what) = if e.is_data() {
            (
                "invalid_request",
                "the request does not have the expected fields",
            )
        } else {
            ("malformed_json", "the request body is not valid JSON")
        };
        let status = if e.is_data() {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::BAD_REQUEST
        };
        ApiError::new(status, code, format!("{what}: {e}"))
    })
}
