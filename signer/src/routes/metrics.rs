//! `GET /metrics`: Prometheus text format ([`crate::telemetry`]). Unauthenticated, like most
//! exporters: expose it to the scraper only (docs/signer.md), or set `server.metrics = false`.

use axum::http::header;

use super::prelude::*;

pub(crate) async fn metrics() -> Result<Response, ApiError> {
    let text = crate::telemetry::render().ok_or_else(|| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "metrics_unavailable",
            "another metrics recorder owns this process",
        )
    })?;
    Ok((
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        text,
    )
        .into_response())
}
