//! Tokens from the platform's own identity provider: JWKS / OIDC key sets fetched from the IdP
//! double (`doubles/idp.rs`), rotation without a restart, the unknown-`kid` refresh limit,
//! algorithm confusion, unusable documents, and roles from a configurable claim or groups.

mod common;
#[path = "doubles/idp.rs"]
mod idp;

use base64::Engine as _;
use cloudinary_connector_signer::Signer;
use common::*;
use idp::{Idp, Serve};
use serde_json::{json, Value};

fn toml(idp: &Idp, interval: u64, extra_auth: &str) -> String {
    format!(
        r#"
[auth]
audience = "cld-signer"
issuer = "{base}"
{extra_auth}

[[auth.keys]]
oidc_issuer = "{base}"
refresh_min_interval_secs = {interval}

[[accounts]]
id = "vec"
cloud_name = "dn6ot3ged"
api_key = "1234"
api_secret_env = "VEC_SECRET"
"#,
        base = idp.base
    )
}

async fn signer(idp: &Idp, interval: u64, extra_auth: &str) -> Signer {
    let s = signer_at(
        config(&toml(idp, interval, extra_auth), &base_env("s")),
        NOW,
        false,
    );
    s.start().await.expect("the key set loads");
    s
}

fn claims(idp: &Idp, user: &str) -> Value {
    json!({
        "sub": user, "exp": NOW + 600, "iat": NOW, "aud": "cld-signer", "iss": idp.base,
        "roles": {"vec": "viewer"},
    })
}

async fn accounts(s: &Signer, token: &str) -> Reply {
    get(&s.router(), "/v1/accounts", Some(token)).await
}

#[tokio::test]
async fn rs256_es256_and_eddsa_tokens_from_the_idp_verify() {
    let idp = Idp::start(vec!["rsa", "ec", "ed"]).await;
    let s = signer(&idp, 60, "").await;
    for key in ["rsa", "ec", "ed"] {
        let r = accounts(&s, &idp.mint(key, None, &claims(&idp, "alice"))).await;
        assert_eq!(r.status, 200, "{key}: {:?}", r.body);
        assert_eq!(r.body["accounts"][0]["role"], "viewer");
    }
    assert_eq!(idp.jwks_hits(), 1, "one fetch, then the cached set");
}

#[tokio::test]
async fn a_rotated_key_verifies_without_a_restart_and_a_removed_key_stops_verifying() {
    let idp = Idp::start(vec!["rsa"]).await;
    let s = signer(&idp, 0, "").await;
    let old = idp.mint("rsa", None, &claims(&idp, "alice"));
    assert_eq!(accounts(&s, &old).await.status, 200);
    // The provider publishes its new key and removes the old one.
    idp.serve(Serve::Keys(vec!["rsa2"]));
    let new = idp.mint("rsa2", None, &claims(&idp, "alice"));
    let r = accounts(&s, &new).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(idp.jwks_hits(), 2, "the unknown kid fetched the set once");
    // The old token was verified (and cached) before: it is refused now that its key is gone.
    let r = accounts(&s, &old).await;
    assert_eq!(r.status, 401);
    assert_eq!(r.code(), "token_unknown_key");
    assert_eq!(
        r.message(),
        "the bearer token's key id \"rsa-1\" is not in this signer's key sets"
    );
}

#[tokio::test]
async fn a_flood_of_unknown_kids_fetches_the_set_at_most_once_per_interval() {
    let idp = Idp::start(vec!["rsa"]).await;
    let s = signer(&idp, 3600, "").await;
    assert_eq!(idp.jwks_hits(), 1);
    for i in 0..50 {
        let kid = format!("bogus-{i}");
        let r = accounts(&s, &idp.mint("rsa", Some(&kid), &claims(&idp, "mallory"))).await;
        assert_eq!(r.status, 401);
        assert_eq!(r.code(), "token_unknown_key");
    }
    assert_eq!(
        idp.jwks_hits(),
        1,
        "within refresh_min_interval_secs no unknown kid fetches the set again"
    );
    // With an interval of 0 each unknown kid may fetch once: the limit is the setting.
    let idp0 = Idp::start(vec!["rsa"]).await;
    let s0 = signer(&idp0, 0, "").await;
    for i in 0..3 {
        let kid = format!("bogus-{i}");
        accounts(&s0, &idp0.mint("rsa", Some(&kid), &claims(&idp0, "m"))).await;
    }
    assert_eq!(idp0.jwks_hits(), 4);
}

#[tokio::test]
async fn alg_none_and_hs256_with_the_public_key_are_refused() {
    let idp = Idp::start(vec!["rsa"]).await;
    let s = signer(&idp, 3600, "").await;
    let b64 = |v: &Value| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).unwrap())
    };
    let c = claims(&idp, "mallory");
    // An unsecured JWT (RFC 7519 §6): no signature at all.
    let none = format!(
        "{}.{}.",
        b64(&json!({"alg": "none", "kid": "rsa-1"})),
        b64(&c)
    );
    let r = accounts(&s, &none).await;
    assert_eq!(r.status, 401);
    assert_eq!(r.code(), "token_algorithm");
    assert_eq!(
        r.message(),
        "the bearer token's algorithm none is not accepted by this signer"
    );
    // HS256 keyed with the provider's public key (the classic confusion attack).
    let public_pem = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/keys/rsa-public.pem"
    ))
    .unwrap();
    let mut h = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
    h.kid = Some("rsa-1".into());
    let hs =
        jsonwebtoken::encode(&h, &c, &jsonwebtoken::EncodingKey::from_secret(&public_pem)).unwrap();
    let r = accounts(&s, &hs).await;
    assert_eq!(r.status, 401);
    assert_eq!(r.code(), "token_algorithm");
    assert_eq!(
        r.message(),
        "the bearer token's algorithm HS256 is not accepted by this signer"
    );
    // An RS256 token signed by another key under the published kid.
    let forged = idp.mint("rsa2", Some("rsa-1"), &c);
    let r = accounts(&s, &forged).await;
    assert_eq!(r.code(), "token_bad_signature");
}

#[tokio::test]
async fn unusable_key_sets_are_start_up_errors_and_later_failures_keep_the_last_good_set() {
    let idp = Idp::start(vec!["rsa"]).await;
    let start = |idp: &Idp| {
        let cfg = config(&toml(idp, 0, ""), &base_env("s"));
        async move { signer_at(cfg, NOW, false).start().await }
    };
    let jwks = format!("{}/jwks", idp.base);
    idp.serve(Serve::Raw(200, "<html>not json</html>".into()));
    assert_eq!(
        start(&idp).await.unwrap_err(),
        format!("cannot fetch the key set from {jwks}: the document is not JSON")
    );
    idp.serve(Serve::Raw(
        200,
        json!({"keys": [{"kty": "oct", "kid": "h", "k": "c2VjcmV0"}, {"kty": "RSA", "kid": "enc", "use": "enc", "n": "AQAB", "e": "AQAB"}]}).to_string(),
    ));
    assert_eq!(
        start(&idp).await.unwrap_err(),
        format!(
            "the key set at {jwks} has no usable signing key (RS256, ES256 or EdDSA with a kid)"
        )
    );
    idp.serve(Serve::Raw(503, "{}".into()));
    assert_eq!(
        start(&idp).await.unwrap_err(),
        format!("cannot fetch the key set from {jwks}: HTTP 503")
    );
    // Nothing listens on the issuer's port any more: unreachable.
    let gone = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    let cfg = config(&toml(&idp, 0, "").replace(&idp.base, &gone), &base_env("s"));
    assert_eq!(
        signer_at(cfg, NOW, false).start().await.unwrap_err(),
        format!("cannot fetch the key set from {gone}/.well-known/openid-configuration: the provider is unreachable")
    );

    // Loaded once, then the provider fails: the last good set keeps verifying.
    idp.serve(Serve::Keys(vec!["rsa"]));
    let s = signer(&idp, 0, "").await;
    idp.serve(Serve::Raw(500, "{}".into()));
    let unknown = idp.mint("ec", None, &claims(&idp, "alice"));
    assert_eq!(accounts(&s, &unknown).await.code(), "token_unknown_key");
    let good = idp.mint("rsa", None, &claims(&idp, "alice"));
    assert_eq!(accounts(&s, &good).await.status, 200);
}

#[tokio::test]
async fn roles_from_a_configured_claim_or_from_groups_per_account() {
    let idp = Idp::start(vec!["ed"]).await;
    let s = signer(
        &idp,
        60,
        "roles_claim = \"https://cms.example.com/cld_roles\"\ngroups_claim = \"groups\"\n\n[auth.group_roles.vec]\n\"cms-editors\" = \"uploader\"\n\"cms-readers\" = \"viewer\"\n",
    )
    .await;
    let base = json!({"exp": NOW + 600, "aud": ["cld-signer", "other"], "iss": idp.base});
    let with = |extra: Value| {
        let mut c = base.clone();
        c.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        idp.mint("ed", None, &c)
    };
    // Groups: the highest role any of the user's groups maps to.
    let r = accounts(
        &s,
        &with(json!({"sub": "u1", "groups": ["cms-readers", "cms-editors", "unrelated"]})),
    )
    .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["accounts"][0]["role"], "uploader");
    // The configured roles claim names the account itself: it wins over the groups.
    let r = accounts(
        &s,
        &with(json!({"sub": "u2", "groups": ["cms-editors"], "https://cms.example.com/cld_roles": {"vec": "admin"}})),
    )
    .await;
    assert_eq!(r.body["accounts"][0]["role"], "admin");
    // No group that maps, no roles claim: no account.
    let r = accounts(&s, &with(json!({"sub": "u3", "groups": ["unrelated"]}))).await;
    assert_eq!(r.body["accounts"], json!([]));
    // A `roles` claim is not read when another claim is configured.
    let r = accounts(&s, &with(json!({"sub": "u4", "roles": {"vec": "admin"}}))).await;
    assert_eq!(r.body["accounts"], json!([]));
}

#[test]
fn key_set_settings_are_checked_at_load() {
    let refused = |keys: &str| {
        let toml = format!("[[auth.keys]]\n{keys}\n[[accounts]]\nid = \"vec\"\ncloud_name = \"c\"\napi_key = \"1\"\napi_secret_env = \"VEC_SECRET\"\n");
        cloudinary_connector_signer::config::from_toml(
            &toml,
            std::path::Path::new("."),
            &base_env("s"),
        )
        .unwrap_err()
        .to_string()
    };
    assert_eq!(
        refused("jwks_url = \"http://idp.example.com/jwks\""),
        "auth.keys[0].jwks_url: must be https:// (http:// only to a loopback address)"
    );
    assert_eq!(
        refused("jwks_url = \"https://idp.example.com/jwks\"\noidc_issuer = \"https://idp.example.com\""),
        "auth.keys[0]: give either `jwks_url` or `oidc_issuer`, not both"
    );
    assert_eq!(
        refused("oidc_issuer = \"https://idp.example.com\"\nalgorithm = \"RS256\""),
        "auth.keys[0]: a key set (`jwks_url` / `oidc_issuer`) names its keys and algorithms itself; remove `id`, `algorithm` and the key"
    );
    assert_eq!(
        refused(
            "oidc_issuer = \"https://idp.example.com\"\n[auth.group_roles.nope]\nstaff = \"admin\""
        ),
        "auth.group_roles.nope: no account or sub-account has this id"
    );
}

#[test]
fn only_loopback_key_urls_may_be_plain_http() {
    use cloudinary_connector_signer::config::check_key_url;
    assert!(check_key_url("https://idp.example.com/jwks").is_ok());
    assert!(check_key_url("http://127.0.0.1:8080/jwks").is_ok());
    assert!(check_key_url("http://[::1]:8080/jwks").is_ok());
    for bad in [
        "http://127.0.0.1:80@evil.example/jwks",
        "http://127.0.0.1.evil.example/jwks",
        "http://evil.example/jwks",
        "ftp://127.0.0.1/jwks",
    ] {
        assert!(check_key_url(bad).is_err(), "{bad}");
    }
}
