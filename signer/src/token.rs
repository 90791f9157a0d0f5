//! Token minting: development mode's `POST /v1/dev/token` and the `token` subcommand.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use serde::Deserialize;

use crate::auth::{self, Claims};
use crate::config::{Config, Secret};
use crate::error::ApiError;
use crate::policy::Role;

/// Body of `POST /v1/dev/token` (and the `token` subcommand).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DevTokenRequest {
    /// The user (`sub`).
    pub user: String,
    /// Role per account id.
    #[serde(default)]
    pub roles: BTreeMap<String, Role>,
    /// Lifetime, seconds (default 600, at most 3600).
    pub ttl_secs: Option<u64>,
    /// Media Library user name, if not the user id.
    pub ml_username: Option<String>,
}

/// Mints a token for `req` with `key` at `now`; returns it and its expiry.
pub fn mint_token(
    cfg: &Config,
    key: &Secret,
    req: &DevTokenRequest,
    now: u64,
) -> Result<(String, u64), ApiError> {
    mint_token_with_kid(cfg, key, None, req, now)
}

pub(crate) fn mint_token_with_kid(
    cfg: &Config,
    key: &Secret,
    kid: Option<&str>,
    req: &DevTokenRequest,
    now: u64,
) -> Result<(String, u64), ApiError> {
    if req.user.trim().is_empty() || req.user.len() > 256 {
        return Err(ApiError::invalid("`user` must be 1 to 256 characters"));
    }
    for id in req.roles.keys() {
        if cfg.account(id).is_none() {
            return Err(ApiError::new(
                StatusCode::NOT_FOUND,
                "unknown_account",
                format!(
                    "unknown account {:?}",
                    id.chars().take(64).collect::<String>()
                ),
            ));
        }
    }
    let ttl = req.ttl_secs.unwrap_or(600);
    if ttl == 0 || ttl > 3600 || ttl > cfg.auth.max_token_lifetime_secs {
        return Err(ApiError::invalid("`ttl_secs` must be between 1 and 3600"));
    }
    let claims = Claims {
        sub: req.user.clone(),
        exp: now + ttl,
        nbf: None,
        iat: Some(now),
        iss: cfg.auth.issuer.clone(),
        aud: cfg.auth.audience.clone(),
        roles: req.roles.clone(),
        ml_username: req.ml_username.clone(),
    };
    Ok((auth::mint_hs256_kid(key, kid, &claims), claims.exp))
}
