//! `GET /metrics`: Prometheus text with requests by route and status, signatures by kind and
//! account, refusals by code and rule, and no user, token, secret or signature in it.

mod common;

use cloudinary_connector_signer::policy::Role::{Admin, Uploader};
use common::*;
use serde_json::json;

#[tokio::test]
async fn metrics_count_requests_signatures_and_refusals_without_secrets() {
    let signer = base_signer("vecSecret-metrics-0123");
    let router = signer.router();
    let alice = token("alice-metrics", &[("vec", Admin), ("shop", Uploader)]);
    let up = post(
        &router,
        "/v1/sign/upload",
        Some(&alice),
        &json!({"account": "vec", "params_to_sign": {"public_id": "m1"}}),
    )
    .await;
    assert_eq!(up.status, 200);
    let signature = up.body["signature"].as_str().unwrap().to_owned();
    let refused = post(
        &router,
        "/v1/sign/upload",
        Some(&alice),
        &json!({"account": "shop", "params_to_sign": {"public_id": "m2"}}),
    )
    .await;
    assert_eq!(refused.status, 403);
    let rule = refused.rule().unwrap().to_owned();
    assert_eq!(
        get(&router, "/v1/accounts", Some("not-a-token"))
            .await
            .status,
        401
    );

    let r = get(&router, "/metrics", None).await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.headers["content-type"],
        "text/plain; version=0.0.4; charset=utf-8"
    );
    let text = String::from_utf8(r.raw.to_vec()).unwrap();
    for line in [
        "cld_signer_requests_total{route=\"/v1/sign/upload\",status=\"200\"} 1".to_owned(),
        "cld_signer_requests_total{route=\"/v1/sign/upload\",status=\"403\"} 1".to_owned(),
        "cld_signer_requests_total{route=\"/v1/accounts\",status=\"401\"} 1".to_owned(),
        "cld_signer_signatures_total{kind=\"upload\",account=\"vec\"} 1".to_owned(),
        format!("cld_signer_refusals_total{{code=\"policy_refused\",rule=\"{rule}\"}} 1"),
        "cld_signer_refusals_total{code=\"token_malformed\",rule=\"\"} 1".to_owned(),
        "# TYPE cld_signer_request_duration_seconds histogram".to_owned(),
    ] {
        assert!(text.lines().any(|l| l == line), "{line:?} not in:\n{text}");
    }
    assert!(text.contains(
        "cld_signer_request_duration_seconds_bucket{route=\"/v1/sign/upload\",le=\"0.005\"}"
    ));
    for secret in signer.config().secrets().into_iter().chain([
        alice.as_str(),
        signature.as_str(),
        "alice-metrics",
    ]) {
        assert!(!text.contains(secret), "the metrics text holds {secret:?}");
    }
}

#[tokio::test]
async fn metrics_can_be_turned_off() {
    let toml = BASE_CONFIG.replace("[server]\n", "[server]\nmetrics = false\n");
    let signer = signer_at(config(&toml, &base_env("s")), NOW, false);
    assert_eq!(get(&signer.router(), "/metrics", None).await.status, 404);
}
