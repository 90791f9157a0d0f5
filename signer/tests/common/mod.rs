//! Shared helpers of the signer's integration tests: configurations, a fixed clock, token
//! minting, one-shot requests, and a local test double of Cloudinary's Admin and Provisioning
//! APIs (and of a host receiving forwarded notifications).
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Request, StatusCode};
use axum::Router;
use cloudinary_connector_signer::auth::{mint_hs256, Claims};
use cloudinary_connector_signer::config::{self, Config, Secret};
use cloudinary_connector_signer::policy::Role;
use cloudinary_connector_signer::{Options, Signer};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

/// The HS256 key of the test configurations.
pub const JWT_KEY: &str = "test-jwt-key-0123456789abcdef0123456789";
/// The default test clock (Unix seconds).
pub const NOW: u64 = 1_700_000_000;

/// Secrets of [`BASE_CONFIG`]'s accounts.
pub const SHOP_SECRET: &str = "shopSecret-Zq81xVbN3mKe";
pub const SHOP_EU_SECRET: &str = "shopEuSecret-Lp02rTgH6wYa";

/// A configuration with a vector account (`vec`, secret from `VEC_SECRET`) and a strict shop
/// account with one sub-account.
pub const BASE_CONFIG: &str = r#"
[server]
cors_origins = ["http://127.0.0.1:*", "https://cms.example.com"]
max_body_bytes = 4096
max_params = 8
rate_limit_per_minute = 6000
rate_limit_burst = 1000

[auth]
audience = "cld-signer"

[[auth.keys]]
algorithm = "HS256"
secret_env = "JWT_KEY"

[[accounts]]
id = "vec"
cloud_name = "dn6ot3ged"
api_key = "1234"
api_secret_env = "VEC_SECRET"

[[accounts]]
id = "shop"
label = "Shop"
cloud_name = "shop-cloud"
api_key = "5678"
api_secret_env = "SHOP_SECRET"

[accounts.policy.uploader]
upload_presets = ["shop_signed"]
folder_prefix = "shop/{user}"

[[accounts.sub_accounts]]
id = "shop-eu"
cloud_name = "shop-eu"
api_key = "9012"
api_secret_env = "SHOP_EU_SECRET"
"#;

/// The environment of [`BASE_CONFIG`] with `vec_secret` for the vector account.
pub fn base_env(vec_secret: &str) -> BTreeMap<String, String> {
    [
        ("JWT_KEY", JWT_KEY),
        ("VEC_SECRET", vec_secret),
        ("SHOP_SECRET", SHOP_SECRET),
        ("SHOP_EU_SECRET", SHOP_EU_SECRET),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

/// Parses `toml` with `env`.
#[track_caller]
pub fn config(toml: &str, env: &BTreeMap<String, String>) -> Config {
    config::from_toml(toml, Path::new("."), env)
        .unwrap_or_else(|e| panic!("test config refused: {e}"))
}

/// A signer over `cfg` at the fixed time `now`.
pub fn signer_at(cfg: Config, now: u64, dev: bool) -> Signer {
    Signer::new(
        cfg,
        Options {
            dev,
            clock: Arc::new(move || now),
        },
    )
    .expect("signer")
}

/// `cfg` marked as a development configuration (`[identity] environment = "dev"`), which
/// development mode requires.
pub fn dev_config(mut cfg: Config) -> Config {
    cfg.identity.environment = cloudinary_connector::Environment::Dev;
    cfg
}

/// The base configuration's signer at [`NOW`].
pub fn base_signer(vec_secret: &str) -> Signer {
    signer_at(config(BASE_CONFIG, &base_env(vec_secret)), NOW, false)
}

/// A token for `user` with `roles`, valid until `exp`.
pub fn token_until(user: &str, roles: &[(&str, Role)], exp: u64) -> String {
    token_with(Claims {
        sub: user.into(),
        exp,
        nbf: None,
        iat: None,
        iss: None,
        aud: Some("cld-signer".into()),
        roles: roles.iter().map(|(a, r)| ((*a).to_owned(), *r)).collect(),
        ml_username: None,
    })
}

/// A token with these claims, signed with [`JWT_KEY`].
pub fn token_with(claims: Claims) -> String {
    mint_hs256(&Secret::new(JWT_KEY), &claims)
}

/// A token for `user` with `roles`, valid ten minutes after `now`.
pub fn token_at(user: &str, roles: &[(&str, Role)], now: u64) -> String {
    token_until(user, roles, now + 600)
}

/// A token valid at [`NOW`].
pub fn token(user: &str, roles: &[(&str, Role)]) -> String {
    token_at(user, roles, NOW)
}

/// A response, decoded.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
    pub raw: Bytes,
}

impl Reply {
    /// The error code of an error reply.
    #[track_caller]
    pub fn code(&self) -> &str {
        self.body["error"]["code"]
            .as_str()
            .unwrap_or_else(|| panic!("not an error reply: {:?}", self.body))
    }

    /// The error message of an error reply.
    #[track_caller]
    pub fn message(&self) -> &str {
        self.body["error"]["message"]
            .as_str()
            .unwrap_or_else(|| panic!("not an error reply: {:?}", self.body))
    }

    /// The rule of a policy refusal.
    pub fn rule(&self) -> Option<&str> {
        self.body["error"]["rule"].as_str()
    }
}

/// Sends one request to `router`.
pub async fn send(router: &Router, req: Request<Body>) -> Reply {
    let res = router.clone().oneshot(req).await.expect("infallible");
    let status = res.status();
    let headers = res.headers().clone();
    let raw = res.into_body().collect().await.expect("body").to_bytes();
    let body = if raw.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&raw).unwrap_or(Value::Null)
    };
    Reply {
        status,
        headers,
        body,
        raw,
    }
}

/// POSTs `body` as JSON with an optional bearer token.
pub async fn post(router: &Router, path: &str, token: Option<&str>, body: &Value) -> Reply {
    post_raw(router, path, token, body.to_string().into_bytes()).await
}

/// POSTs raw bytes labelled as JSON.
pub async fn post_raw(router: &Router, path: &str, token: Option<&str>, body: Vec<u8>) -> Reply {
    let mut b = Request::post(path).header("content-type", "application/json");
    if let Some(t) = token {
        b = b.header("authorization", format!("Bearer {t}"));
    }
    send(router, b.body(Body::from(body)).unwrap()).await
}

/// GETs `path` with an optional bearer token.
pub async fn get(router: &Router, path: &str, token: Option<&str>) -> Reply {
    let mut b = Request::get(path);
    if let Some(t) = token {
        b = b.header("authorization", format!("Bearer {t}"));
    }
    send(router, b.body(Body::empty()).unwrap()).await
}

/// One request the test double received.
#[derive(Clone, Debug)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub headers: HeaderMap,
    pub body: Bytes,
}

/// A local test double of Cloudinary's Admin API (`ping`) and Provisioning API
/// (`sub_accounts`), plus a host endpoint receiving forwarded notifications. It checks Basic
/// auth against `key:secret` pairs it was given and records every request.
#[derive(Clone)]
pub struct Double {
    pub base: String,
    pub seen: Arc<Mutex<Vec<Seen>>>,
}

impl Double {
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

/// Starts the double on 127.0.0.1 with the accepted credentials and the host's answer status.
pub async fn start_double(credentials: Vec<(String, String)>, host_status: u16) -> Double {
    use axum::extract::State;
    use axum::response::IntoResponse;
    use base64::Engine as _;

    #[derive(Clone)]
    struct St {
        seen: Arc<Mutex<Vec<Seen>>>,
        creds: Arc<Vec<String>>,
        host_status: u16,
    }
    async fn any(State(st): State<St>, req: axum::extract::Request) -> axum::response::Response {
        let (parts, body) = req.into_parts();
        let body = body.collect().await.unwrap().to_bytes();
        st.seen.lock().unwrap().push(Seen {
            method: parts.method.to_string(),
            path: parts.uri.path().to_owned(),
            headers: parts.headers.clone(),
            body,
        });
        let path = parts.uri.path();
        if path == "/host/cloudinary-events" {
            return StatusCode::from_u16(st.host_status)
                .unwrap()
                .into_response();
        }
        let authorized = parts
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Basic "))
            .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
            .and_then(|b| String::from_utf8(b).ok())
            .is_some_and(|c| st.creds.contains(&c));
        if !authorized {
            return (
                StatusCode::UNAUTHORIZED,
                axum::Json(serde_json::json!({"error": {"message": "Invalid credentials"}})),
            )
                .into_response();
        }
        if path.ends_with("/ping") {
            return axum::Json(serde_json::json!({"status": "ok"})).into_response();
        }
        if path.ends_with("/sub_accounts") {
            return axum::Json(serde_json::json!({"sub_accounts": [
                {"id": "abc123", "name": "Shop EU", "cloud_name": "shop-eu", "enabled": true,
                 "api_access_keys": [], "created_at": "2024-01-01T00:00:00Z"},
                {"id": "def456", "name": "Shop Lab", "cloud_name": "shop-lab", "enabled": false,
                 "created_at": "2024-02-01T00:00:00Z"}
            ]}))
            .into_response();
        }
        StatusCode::NOT_FOUND.into_response()
    }
    let seen = Arc::new(Mutex::new(Vec::new()));
    let st = St {
        seen: seen.clone(),
        creds: Arc::new(
            credentials
                .into_iter()
                .map(|(k, s)| format!("{k}:{s}"))
                .collect(),
        ),
        host_status,
    };
    let app = Router::new().fallback(any).with_state(st);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    Double {
        base: format!("http://{addr}"),
        seen,
    }
}

/// The shared test configuration (`signer/tests/fixtures/test-config.toml`, the one the
/// browser and end-to-end suites run the signer with), loaded with [`fixture_env`].
pub fn fixture_config() -> Config {
    config::load_file(
        Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/test-config.toml"
        )),
        &fixture_env(),
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

/// The test secrets exported by `signer/tests/fixtures/test-env.sh` (parsed, so the fixture and
/// the tests cannot drift apart).
pub fn fixture_env() -> BTreeMap<String, String> {
    let src = include_str!("../fixtures/test-env.sh");
    src.lines()
        .filter_map(|l| l.strip_prefix("export "))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.trim_matches('\'').to_owned()))
        .collect()
}

/// The reference notification of account "vec" (Cloudinary's documented example), signed with
/// its secret at `ts`.
pub const VEC_NOTIFICATION: &str =
    r#"{"public_id":"117e5550-7bfa-11e4-80d7-f962166bd3be","version":1417727468}"#;

pub fn vec_notification(ts: u64) -> Request<Body> {
    Request::post("/v1/webhooks/cloudinary/vec")
        .header("content-type", "application/json")
        .header("x-cld-timestamp", ts.to_string())
        .header(
            "x-cld-signature",
            "bac927006d3ce039ef7632e2c03189348d02924a",
        )
        .body(Body::from(VEC_NOTIFICATION))
        .unwrap()
}
