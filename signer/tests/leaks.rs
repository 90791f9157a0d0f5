//! The scan for leaks: across every endpoint, successes and refusals, no secret appears in any
//! response (body or header), and no secret, token or issued signature appears in any log line
//! (captured at TRACE level, the most verbose).

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::http::Request;
use cloudinary_connector_signer::policy::Role::{Admin, Uploader, Viewer};
use common::*;
use serde_json::json;

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Capture {
    type Writer = Capture;
    fn make_writer(&'a self) -> Capture {
        self.clone()
    }
}

#[tokio::test]
async fn no_secret_token_or_signature_in_logs_and_no_secret_in_responses() {
    let logs = Capture::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(logs.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let vec_secret = "vecSecret-Q7m2Lw9xKc4R";
    let double = start_double(vec![("5678".into(), SHOP_SECRET.into())], 200).await;
    let toml = format!(
        "{}\n[webhooks]\nforward_url = \"{}/host/cloudinary-events\"\nforward_secret_env = \"FWD\"\n",
        BASE_CONFIG.replace("[server]\n", &format!("[server]\ncloudinary_api_base = \"{}\"\n", double.base)),
        double.base
    );
    let mut env = base_env(vec_secret);
    env.insert("FWD".into(), "forwardSecret-Zz81Yy72Xx63".into());
    let cfg = config(&toml, &env);
    let secrets: Vec<String> = cfg.secrets().iter().map(|s| (*s).to_owned()).collect();
    assert_eq!(secrets.len(), 5);
    let signer = signer_at(dev_config(cfg), NOW, true);
    let router = signer.router();

    let admin = token("alice", &[("vec", Admin), ("shop", Admin)]);
    let uploader = token("bob", &[("shop", Uploader)]);
    let viewer = token("carol", &[("shop-eu", Viewer)]);
    let expired = token_until("dave", &[("shop", Admin)], NOW - 3600);
    let mut tokens = vec![
        admin.clone(),
        uploader.clone(),
        viewer.clone(),
        expired.clone(),
    ];
    let mut replies = Vec::new();
    let mut signatures = Vec::new();

    let dev = post(
        &router,
        "/v1/dev/token",
        None,
        &json!({"user": "erin", "roles": {"shop": "uploader"}}),
    )
    .await;
    tokens.push(dev.body["token"].as_str().unwrap().to_owned());
    replies.push(dev);

    let calls: Vec<(&str, &str, serde_json::Value)> = vec![
        (
            "/v1/sign/upload",
            &admin,
            json!({"account": "vec", "params_to_sign": {"public_id": "a", "eager": "w_1"}}),
        ),
        (
            "/v1/sign/upload",
            &admin,
            json!({"account": "vec", "params_to_sign": {"public_id": "a"}, "algorithm": "sha256"}),
        ),
        (
            "/v1/sign/upload",
            &uploader,
            json!({"account": "shop", "params_to_sign": {"folder": "shop/bob", "source": "uw"}}),
        ),
        (
            "/v1/sign/upload",
            &uploader,
            json!({"account": "shop", "params_to_sign": {"folder": "elsewhere"}}),
        ),
        (
            "/v1/sign/upload",
            &uploader,
            json!({"account": "shop", "params_to_sign": {"folder": "shop/bob", "timestamp": 1}}),
        ),
        (
            "/v1/sign/upload",
            &expired,
            json!({"account": "shop", "params_to_sign": {}}),
        ),
        (
            "/v1/sign/upload",
            &viewer,
            json!({"account": "shop-eu", "params_to_sign": {"folder": "x"}}),
        ),
        ("/v1/sign/media-library", &admin, json!({"account": "vec"})),
        (
            "/v1/sign/media-library",
            &uploader,
            json!({"account": "shop", "username": "someone-else"}),
        ),
        (
            "/v1/sign/delivery",
            &admin,
            json!({"account": "vec", "public_id": "sample.jpg", "transformation": "c_fill,w_10"}),
        ),
        (
            "/v1/sign/delivery",
            &admin,
            json!({"account": "shop", "public_id": "sample.jpg", "long_signature": true, "type": "authenticated"}),
        ),
        (
            "/v1/sign/delivery",
            &viewer,
            json!({"account": "shop-eu", "public_id": "s.jpg", "type": "private"}),
        ),
        (
            "/v1/sign/delivery/batch",
            &admin,
            json!({"account": "shop", "items": [{"public_id": "b1.jpg", "type": "authenticated"}, {"public_id": "b2.jpg", "long_signature": true}]}),
        ),
        (
            "/v1/sign/delivery/batch",
            &viewer,
            json!({"account": "shop-eu", "items": [{"public_id": "b3.jpg"}, {"public_id": "s.jpg", "type": "private"}]}),
        ),
        (
            "/v1/verify/api-signature",
            &admin,
            json!({"account": "vec", "params": {"a": "b"}, "signature": "0".repeat(40)}),
        ),
    ];
    for (path, tok, body) in &calls {
        let r = post(&router, path, Some(tok), body).await;
        if let Some(s) = r.body["signature"].as_str() {
            signatures.push(s.to_owned());
        }
        for item in r.body["results"].as_array().into_iter().flatten() {
            signatures.push(item["signature"].as_str().unwrap().to_owned());
        }
        replies.push(r);
    }
    replies.push(
        post_raw(
            &router,
            "/v1/sign/upload",
            Some(&admin),
            b"{not json".to_vec(),
        )
        .await,
    );
    replies.push(get(&router, "/v1/accounts", Some(&admin)).await);
    replies.push(get(&router, "/v1/accounts/shop/check", Some(&admin)).await);
    replies.push(get(&router, "/v1/accounts/vec/check", Some(&admin)).await);
    replies.push(get(&router, "/v1/health", None).await);
    replies.push(
        send(
            &router,
            Request::post("/v1/webhooks/cloudinary/vec")
                .header("x-cld-timestamp", NOW.to_string())
                .header("x-cld-signature", "0".repeat(40))
                .body(Body::from("{}"))
                .unwrap(),
        )
        .await,
    );
    assert_eq!(signatures.len(), 8, "the scan covers issued signatures");
    assert!(
        replies.iter().any(|r| r.status.is_client_error()),
        "the scan covers refusals"
    );

    for r in &replies {
        let mut text = String::from_utf8_lossy(&r.raw).to_string();
        for (k, v) in &r.headers {
            text.push_str(&format!("\n{k}: {}", String::from_utf8_lossy(v.as_bytes())));
        }
        for s in &secrets {
            assert!(
                !text.contains(s.as_str()),
                "a response contains a secret: {text}"
            );
        }
        for t in &tokens[..4] {
            assert!(
                !text.contains(t.as_str()),
                "a response echoes a token: {text}"
            );
        }
    }
    // The outbound requests to the double carry credentials only in the Authorization header.
    for seen in double.seen() {
        let body = String::from_utf8_lossy(&seen.body);
        for s in &secrets {
            assert!(!body.contains(s.as_str()) && !seen.path.contains(s.as_str()));
        }
    }

    let log = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(log.lines().count() >= 10, "logs were captured:\n{log}");
    assert!(log.contains("request refused"), "{log}");
    assert!(log.contains("upload signed"), "{log}");
    for line in log.lines() {
        for s in &secrets {
            assert!(
                !line.contains(s.as_str()),
                "a log line contains a secret: {line}"
            );
        }
        for t in &tokens {
            assert!(
                !line.contains(t.as_str()),
                "a log line contains a token: {line}"
            );
            // Not even the token's signature part.
            let sig_part = t.rsplit('.').next().unwrap();
            assert!(
                !line.contains(sig_part),
                "a log line contains a token signature: {line}"
            );
        }
        for s in &signatures {
            assert!(
                !line.contains(s.as_str()),
                "a log line contains an issued signature: {line}"
            );
        }
    }
}
