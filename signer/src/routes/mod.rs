//! One module per endpoint; [`router`] puts them together. The shared steps of the handlers
//! (which account, which role, which policy) live here, the parameter rules in [`params`].

mod accounts;
mod delivery;
mod dev_token;
mod health;
mod media_library;
mod metrics;
mod params;
mod upload;
mod verify;
mod webhook;

/// What every handler module uses.
mod prelude {
    pub(crate) use axum::body::Bytes;
    pub(crate) use axum::extract::{Path, Request, State};
    pub(crate) use axum::http::{HeaderMap, StatusCode};
    pub(crate) use axum::response::{IntoResponse, Response};
    pub(crate) use axum::Json;
    pub(crate) use cloudinary_connector::core::sign::{
        self, ParamValue, SignatureVersion, UNSIGNED_UPLOAD_PARAMS,
    };
    pub(crate) use serde::Deserialize;
    pub(crate) use serde_json::{json, Map, Value};

    pub(crate) use super::params::*;
    pub(crate) use super::{policy, require_admin, resolve, role_on, truncate};
    pub(crate) use crate::auth::Claims;
    pub(crate) use crate::config::{self, Account, Algorithm};
    pub(crate) use crate::crypto;
    pub(crate) use crate::error::ApiError;
    pub(crate) use crate::extract::{json_body, Authenticated, Caller};
    pub(crate) use crate::policy::{Role, RolePolicy, Subject};
    pub(crate) use crate::state::Signer;
    pub(crate) use crate::{DevTokenRequest, VERSION};
}

use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Router;

use crate::auth::Claims;
use crate::config::Account;
use crate::error::ApiError;
use crate::policy::{Role, RolePolicy};
use crate::state::Signer;

/// The routes of `s` (without the edge layers: [`crate::app::layers`]).
pub(crate) fn router(s: &Signer) -> Router<Signer> {
    let cfg = s.config();
    let mut r = Router::new()
        .route("/v1/health", get(health::health))
        .route("/v1/accounts", get(accounts::list_accounts))
        .route("/v1/accounts/{id}/check", get(accounts::check_account))
        .route(
            "/v1/accounts/{id}/sub-accounts",
            get(accounts::remote_sub_accounts),
        )
        .route("/v1/sign/upload", post(upload::sign_upload))
        .route(
            "/v1/sign/media-library",
            post(media_library::sign_media_library),
        )
        .route("/v1/sign/delivery", post(delivery::sign_delivery))
        .route(
            "/v1/sign/delivery/batch",
            post(delivery::sign_delivery_batch),
        )
        .route(
            "/v1/verify/api-signature",
            post(verify::verify_api_signature),
        )
        .route(
            "/v1/webhooks/cloudinary/{id}",
            post(webhook::webhook).layer(DefaultBodyLimit::max(cfg.webhooks.max_body_bytes)),
        );
    if cfg.server.metrics {
        r = r.route("/metrics", get(metrics::metrics));
    }
    if s.is_dev() {
        r = r.route("/v1/dev/token", post(dev_token::dev_token));
    }
    r.fallback(|| async { not_found() })
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "this endpoint does not answer that method",
            )
        })
}

pub(crate) fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such endpoint")
}

/// Resolves the account and the caller's role on it.
pub(crate) fn resolve<'a>(
    s: &'a Signer,
    claims: &Claims,
    account: Option<&str>,
) -> Result<(&'a Account, Role), ApiError> {
    let cfg = &s.0.cfg;
    let acct = match account {
        Some(id) => cfg.account(id).ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "unknown_account",
                format!("unknown account {:?}", truncate(id, 64)),
            )
        })?,
        None if cfg.accounts.len() == 1 => &cfg.accounts[0],
        None => {
            return Err(ApiError::invalid(format!(
                "`account` is required: this signer holds {} accounts",
                cfg.accounts.len()
            )))
        }
    };
    let role = role_on(claims, acct).ok_or_else(|| {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "no_role",
            format!("user {:?} has no role on account {:?}", claims.sub, acct.id),
        )
        .with_rule("token.roles")
    })?;
    Ok((acct, role))
}

pub(crate) fn role_on(claims: &Claims, acct: &Account) -> Option<Role> {
    claims
        .roles
        .get(&acct.id)
        .or_else(|| acct.parent.as_ref().and_then(|p| claims.roles.get(p)))
        .copied()
}

pub(crate) fn policy(acct: &Account, role: Role) -> &RolePolicy {
    &acct.policy[&role]
}

pub(crate) fn truncate(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

pub(crate) fn require_admin(acct: &Account, role: Role, what: &str) -> Result<(), ApiError> {
    if role == Role::Admin {
        return Ok(());
    }
    Err(ApiError::new(
        StatusCode::FORBIDDEN,
        "role_too_low",
        format!(
            "{what} on account {:?} needs the admin role, not {role}",
            acct.id
        ),
    )
    .with_rule("token.roles"))
}
