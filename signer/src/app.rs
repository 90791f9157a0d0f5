//! The edge of every request, as tower layers around the routes (outermost first):
//!
//! 1. the whole-request timeout (`tower::timeout`, answered `503 timeout` by axum's
//!    `HandleErrorLayer`);
//! 2. the request metrics (route, status, latency: [`crate::telemetry`]);
//! 3. the panic barrier (`tower_http::catch_panic`): a panicking handler answers 500 with a fixed
//!    message and the process keeps serving (with `panic = "unwind"`: build with
//!    `--profile signer`, not `--release`);
//! 4. the CORS allowlist ([`crate::cors::guard`]): preflights answered there, other origins
//!    refused.
//!
//! Body limits are per route: `DefaultBodyLimit` on the webhook route, the signing endpoints'
//! limit in [`crate::extract::json_body`] (whose refusal names the rule).

use std::time::Duration;

use axum::error_handling::HandleErrorLayer;
use axum::http::StatusCode;
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::{BoxError, Router};
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;

use crate::error::ApiError;
use crate::state::Signer;

/// `router` behind the edge layers configured for `s`.
pub(crate) fn layers(router: Router<Signer>, s: &Signer) -> Router<Signer> {
    let ms = s.config().server.request_timeout_ms;
    router
        .layer(middleware::from_fn_with_state(
            s.clone(),
            crate::cors::guard,
        ))
        .layer(CatchPanicLayer::custom(panicked))
        .layer(middleware::from_fn(crate::telemetry::track_request))
        .layer(
            ServiceBuilder::new()
                .layer(HandleErrorLayer::new(move |_: BoxError| async move {
                    timed_out(ms)
                }))
                .timeout(Duration::from_millis(ms)),
        )
}

fn panicked(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    // The panic's payload is not logged: it could quote request data.
    tracing::error!(panicked = true, "a request handler failed");
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal_error",
        "the signer failed while handling this request",
    )
    .into_response()
}

fn timed_out(ms: u64) -> Response {
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "timeout",
        format!("the request took longer than {ms} ms and was abandoned"),
    )
    .into_response()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use axum::routing::get;
    use serde_json::Value;
    use tower::ServiceExt as _;

    use super::*;
    use crate::{config, Options};

    /// The panic barrier: a panicking handler answers 500 with a fixed message, and the
    /// service keeps answering.
    #[tokio::test]
    async fn a_panicking_handler_answers_500_and_the_service_keeps_serving() {
        let cfg = config::from_cloudinary_url(
            "cloudinary://1:2@c",
            &[("CLD_SIGNER_JWT_KEY".to_owned(), "k".repeat(32))]
                .into_iter()
                .collect::<BTreeMap<String, String>>(),
        )
        .unwrap();
        let s = Signer::new(cfg, Options::default()).unwrap();
        let app = layers(
            Router::new()
                .route(
                    "/boom",
                    get(|| async {
                        if std::hint::black_box(true) {
                            panic!("handler bug");
                        }
                        "unreachable"
                    }),
                )
                .route("/ok", get(|| async { "ok" })),
            &s,
        )
        .with_state(s.clone());
        let call = |path: &'static str| {
            app.clone().oneshot(
                axum::http::Request::get(path)
                    .body(axum::body::Body::empty())
                    .unwrap(),
            )
        };
        let r = call("/boom").await.unwrap();
        assert_eq!(r.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = http_body_util::BodyExt::collect(r.into_body())
            .await
            .unwrap()
            .to_bytes();
        let v: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["error"]["code"], "internal_error");
        assert_eq!(
            v["error"]["message"],
            "the signer failed while handling this request"
        );
        assert_eq!(call("/ok").await.unwrap().status(), StatusCode::OK);
    }
}
