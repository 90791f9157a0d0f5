//! The companion signing endpoint: the only process that holds Cloudinary API secrets.
//!
//! `app()` builds the whole HTTP service, so tests drive it in-process with `oneshot`.

use axum::{routing::get, Json, Router};
use serde_json::{json, Value};

/// The signer's version, reported by the health check.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Builds the signer's HTTP service.
pub fn app() -> Router {
    Router::new().route("/v1/health", get(health))
}

async fn health() -> Json<Value> {
    Json(
        json!({"status": "ok", "service": "cld-signer", "version": VERSION,
                "plugin_version": cloudinary_connector::core::VERSION}),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    #[tokio::test]
    async fn health_check_answers() {
        let res = app()
            .oneshot(Request::get("/v1/health").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let body: Value =
            serde_json::from_slice(&res.into_body().collect().await.unwrap().to_bytes()).unwrap();
        assert_eq!(body["status"], "ok");
    }
}
