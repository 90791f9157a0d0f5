//! A test double of an OpenID Connect identity provider: its discovery document and its JWKS
//! key set, on a loopback port, with keys it can rotate during a test. Never shipped (it lives
//! under `signer/tests/`, which the package does not include).
//!
//! Behaviour, per source:
//! * `GET /.well-known/openid-configuration` answers the provider metadata with `issuer` and
//!   `jwks_uri` (OpenID Connect Discovery 1.0 §3 and §4: the document is at the issuer URL +
//!   `/.well-known/openid-configuration`).
//! * `GET /jwks` answers `{"keys": [...]}` (RFC 7517 §5, JWK Set Format), with
//!   `Cache-Control: max-age=N` (RFC 9111 §5.2.2.1), as providers let clients cache their sets.
//! * Keys carry `kid`, `kty`, `alg` and `use: "sig"` (RFC 7517 §4.1–4.5); the public parameters
//!   are RFC 7518 §6.2 (EC: `crv`, `x`, `y`), §6.3 (RSA: `n`, `e`) and RFC 8037 §2 (OKP Ed25519:
//!   `crv`, `x`). They are the fixtures in `signer/tests/fixtures/keys/jwks.json`.
//! * Rotation is what providers document: a new key is published in the set, tokens are signed
//!   with it, and the old key is removed from the set (e.g. RFC 7517 §5's "set of keys", OIDC
//!   Core 1.0 §10.1.1 "Rotation of Asymmetric Signing Keys": the signer "can begin using a new
//!   key" after publishing it at its jwks_uri).
#![allow(dead_code)]

use std::path::Path;
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{json, Value};

/// The fixture keys: the JWKS name → (kid, algorithm, private key file).
pub const KEYS: [(&str, &str, Algorithm, &str); 4] = [
    ("rsa", "rsa-1", Algorithm::RS256, "rsa-private.pem"),
    ("rsa2", "rsa-2", Algorithm::RS256, "rsa2-private.pem"),
    ("ec", "ec-1", Algorithm::ES256, "ec-p256-private.pem"),
    ("ed", "ed-1", Algorithm::EdDSA, "ed25519-private.pem"),
];

/// What the double serves at `/jwks`.
#[derive(Debug, Clone)]
pub enum Serve {
    /// The published keys (names of [`KEYS`]).
    Keys(Vec<&'static str>),
    /// A raw body with this status.
    Raw(u16, String),
}

#[derive(Debug)]
struct IdpState {
    serve: Serve,
    max_age: u64,
    jwks_hits: usize,
    discovery_hits: usize,
    base: String,
}

/// A running identity-provider double.
#[derive(Clone, Debug)]
pub struct Idp {
    pub base: String,
    state: Arc<Mutex<IdpState>>,
}

fn fixtures() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/keys"))
}

fn jwk(name: &str) -> Value {
    let all: Value =
        serde_json::from_str(&std::fs::read_to_string(fixtures().join("jwks.json")).unwrap())
            .unwrap();
    all[name].clone()
}

async fn discovery(State(s): State<Arc<Mutex<IdpState>>>) -> Response {
    let mut st = s.lock().unwrap();
    st.discovery_hits += 1;
    axum::Json(json!({
        "issuer": st.base,
        "jwks_uri": format!("{}/jwks", st.base),
        "id_token_signing_alg_values_supported": ["RS256", "ES256", "EdDSA"],
    }))
    .into_response()
}

async fn jwks(State(s): State<Arc<Mutex<IdpState>>>) -> Response {
    let mut st = s.lock().unwrap();
    st.jwks_hits += 1;
    let cache = format!("public, max-age={}", st.max_age);
    match &st.serve {
        Serve::Keys(names) => {
            let keys: Vec<Value> = names.iter().map(|n| jwk(n)).collect();
            (
                [(header::CACHE_CONTROL, cache)],
                axum::Json(json!({ "keys": keys })),
            )
                .into_response()
        }
        Serve::Raw(status, body) => (
            StatusCode::from_u16(*status).unwrap(),
            [(header::CONTENT_TYPE, "application/json".to_owned())],
            body.clone(),
        )
            .into_response(),
    }
}

impl Idp {
    /// Starts the double on a free loopback port, publishing `keys`.
    pub async fn start(keys: Vec<&'static str>) -> Idp {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let state = Arc::new(Mutex::new(IdpState {
            serve: Serve::Keys(keys),
            max_age: 3600,
            jwks_hits: 0,
            discovery_hits: 0,
            base: base.clone(),
        }));
        let app = Router::new()
            .route("/.well-known/openid-configuration", get(discovery))
            .route("/jwks", get(jwks))
            .with_state(state.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Idp { base, state }
    }

    /// Publishes another set (rotation), or serves something else.
    pub fn serve(&self, s: Serve) {
        self.state.lock().unwrap().serve = s;
    }

    /// How many times `/jwks` was fetched.
    pub fn jwks_hits(&self) -> usize {
        self.state.lock().unwrap().jwks_hits
    }

    /// Mints a token with the fixture key `name` (its own `kid` unless `kid` is given).
    pub fn mint(&self, name: &str, kid: Option<&str>, claims: &Value) -> String {
        let (_, own_kid, alg, file) = KEYS.iter().find(|k| k.0 == name).unwrap();
        let pem = std::fs::read(fixtures().join(file)).unwrap();
        let key = match alg {
            Algorithm::RS256 => EncodingKey::from_rsa_pem(&pem),
            Algorithm::ES256 => EncodingKey::from_ec_pem(&pem),
            _ => EncodingKey::from_ed_pem(&pem),
        }
        .unwrap();
        let mut h = Header::new(*alg);
        h.kid = Some(kid.unwrap_or(own_kid).to_owned());
        jsonwebtoken::encode(&h, claims, &key).unwrap()
    }
}
