//! `POST /v1/webhooks/cloudinary/{id}`: verifies a notification and forwards it to the host.

use axum::extract::rejection::BytesRejection;

use super::prelude::*;
use crate::store::{Remembered, ReplayKey, WEBHOOK_REPLAY_CACHE};

pub(crate) async fn webhook(
    State(s): State<Signer>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    let cfg = &s.0.cfg;
    let body = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body_too_large",
                format!(
                    "the notification is larger than {} bytes",
                    cfg.webhooks.max_body_bytes
                ),
            )
            .with_rule("webhooks.max_body_bytes")
        } else {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "body_unreadable",
                "the notification body could not be read",
            )
        }
    })?;
    let acct = cfg.account(&id).ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "unknown_account",
            format!("unknown account {:?}", truncate(&id, 64)),
        )
    })?;
    let header_str = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    let unauth =
        |code: &'static str, msg: String| ApiError::new(StatusCode::UNAUTHORIZED, code, msg);
    let ts_raw = header_str("x-cld-timestamp")
        .filter(|t| !t.is_empty() && t.len() <= 12 && t.bytes().all(|b| b.is_ascii_digit()))
        .ok_or_else(|| {
            unauth(
                "webhook_unsigned",
                "the notification has no valid X-Cld-Timestamp header".into(),
            )
        })?;
    let sig = header_str("x-cld-signature")
        .filter(|s| !s.is_empty())
        .ok_or_else(|| {
            unauth(
                "webhook_unsigned",
                "the notification has no X-Cld-Signature header".into(),
            )
        })?;
    let ts: u64 = ts_raw.parse().map_err(|_| {
        unauth(
            "webhook_unsigned",
            "X-Cld-Timestamp is not Unix seconds".into(),
        )
    })?;
    let now = s.now();
    if ts.saturating_add(cfg.webhooks.max_age_secs) < now
        || ts > now.saturating_add(cfg.server.timestamp_max_future_secs)
    {
        return Err(unauth(
            "webhook_stale",
            format!(
                "the notification's X-Cld-Timestamp {ts} is outside the accepted window ({} seconds old at most)",
                cfg.webhooks.max_age_secs
            ),
        )
        .with_rule("webhooks.max_age_secs"));
    }
    let payload = sign::notification_payload_to_sign(&body, ts_raw);
    if !crypto::verify_notification(&payload, &acct.api_secret, sig) {
        return Err(unauth(
            "webhook_bad_signature",
            format!("the notification's X-Cld-Signature does not verify with the secret of account {:?}", acct.id),
        ));
    }
    let replay_key = (acct.id.clone(), sig.to_ascii_lowercase());
    remember_webhook(
        &s,
        &replay_key,
        ts.saturating_add(cfg.webhooks.max_age_secs),
        now,
    )
    .await?;
    // Until the host has it, the notification is not "accepted": if forwarding fails, or this
    // future is dropped (the caller hung up, the request timed out), Cloudinary's retry of this
    // very notification must get through.
    let mut pending = ForgetUnlessDelivered {
        signer: &s,
        key: Some(replay_key),
    };
    let forwarded = forward_webhook(&s, acct, &headers, ts_raw, now, body).await;
    if forwarded.is_ok() {
        pending.key = None;
    }
    forwarded
}

/// Removes a webhook's replay key when dropped, unless its forward succeeded.
pub(crate) struct ForgetUnlessDelivered<'a> {
    signer: &'a Signer,
    key: Option<(String, String)>,
}

impl Drop for ForgetUnlessDelivered<'_> {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            self.signer.0.store.forget_webhook(key);
        }
    }
}

/// Records an accepted notification; refuses one already accepted within its validity window
/// (by this instance or, with Redis state, by any instance). The store unreachable: refused
/// with 503 (fail closed; Cloudinary retries).
async fn remember_webhook(
    s: &Signer,
    key: &ReplayKey,
    forget_after: u64,
    now: u64,
) -> Result<(), ApiError> {
    match s.0.store.remember_webhook(key, forget_after, now).await? {
        Remembered::New => Ok(()),
        Remembered::Replayed => Err(ApiError::new(
            StatusCode::CONFLICT,
            "webhook_replayed",
            format!(
                "this notification was already accepted for account {:?}; a replay is not forwarded again",
                key.0
            ),
        )
        .with_rule("webhooks.max_age_secs")),
        Remembered::Full => Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "webhook_busy",
            format!(
                "more than {WEBHOOK_REPLAY_CACHE} notifications arrived within webhooks.max_age_secs; retry later"
            ),
        )
        .with_rule("webhooks.max_age_secs")),
    }
}

pub(crate) async fn forward_webhook(
    s: &Signer,
    acct: &Account,
    headers: &HeaderMap,
    ts_raw: &str,
    now: u64,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let cfg = &s.0.cfg;
    let header_str = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    let url = cfg.webhooks.forward_url.as_deref().ok_or_else(|| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "not_configured",
            "the notification is authentic but no webhooks.forward_url is configured to forward it to",
        )
        .with_rule("webhooks.forward_url")
    })?;
    let content_type = header_str("content-type")
        .unwrap_or("application/json")
        .to_owned();
    let mut fwd = vec![
        ("content-type", content_type),
        ("x-cld-account", acct.id.clone()),
        ("x-cld-timestamp", ts_raw.to_owned()),
    ];
    if let Some(key) = &cfg.webhooks.forward_secret {
        // HMAC over signer time, account, Cloudinary's timestamp and the body, so that none of
        // the forwarded headers can be swapped without breaking the signature.
        let signer_ts = now.to_string();
        let mut msg = Vec::with_capacity(body.len() + acct.id.len() + 32);
        for part in [signer_ts.as_bytes(), acct.id.as_bytes(), ts_raw.as_bytes()] {
            msg.extend_from_slice(part);
            msg.push(b'.');
        }
        msg.extend_from_slice(&body);
        fwd.push(("x-cld-signer-timestamp", signer_ts));
        fwd.push((
            "x-cld-signer-signature",
            format!("sha256={}", crypto::hmac_sha256_hex(key, &msg)),
        ));
    }
    let status = s.0.outbound.forward(url, fwd, body).await?;
    if !(200..300).contains(&status) {
        return Err(ApiError::new(
            StatusCode::BAD_GATEWAY,
            "forward_failed",
            format!("the host answered HTTP {status} to the forwarded notification; Cloudinary will retry"),
        ));
    }
    tracing::info!(account = %acct.id, "notification verified and forwarded");
    Ok(Json(json!({ "status": "forwarded", "account": acct.id })))
}
