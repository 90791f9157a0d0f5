//! `POST /v1/dev/token`: development mode only.

use super::prelude::*;

pub(crate) async fn dev_token(
    State(s): State<Signer>,
    req: Request,
) -> Result<Json<Value>, ApiError> {
    let (parts, body) = req.into_parts();
    if ["forwarded", "x-forwarded-for", "x-real-ip"]
        .iter()
        .any(|h| parts.headers.contains_key(*h))
    {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "dev_token_proxied",
            "development tokens are issued only to direct loopback clients, not through a proxy",
        ));
    }
    let req: DevTokenRequest =
        json_body(&parts.headers, body, s.0.cfg.server.max_body_bytes).await?;
    let (token, exp) = s.mint_dev_token(&req)?;
    tracing::info!(user = %req.user, "development token issued");
    Ok(Json(
        json!({ "token": token, "expires_at": exp, "token_type": "Bearer" }),
    ))
}
