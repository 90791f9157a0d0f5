//! Regression tests of the signer security review (findings H1–H3, M1, M2, L1–L3): each attack
//! of the review is replayed and must be refused with the status and message naming the rule,
//! and without a single signature issued.
mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use cloudinary_connector_signer::auth::Claims;
use cloudinary_connector_signer::policy::Role::{Admin, Uploader, Viewer};
use cloudinary_connector_signer::Signer;
use common::*;
use serde_json::{json, Value};

/// Asserts a refusal: status, error code, exact message and rule.
#[track_caller]
fn assert_refused(r: &Reply, status: StatusCode, code: &str, message: &str, rule: Option<&str>) {
    assert_eq!(r.status, status, "{:?}", r.body);
    assert_eq!(r.code(), code, "{:?}", r.body);
    assert_eq!(r.message(), message);
    assert_eq!(r.rule(), rule);
    assert!(r.body.get("signature").is_none());
}

/// A 403 `policy_refused` naming `rule`, with no signature.
#[track_caller]
fn assert_policy_refused(r: &Reply, message: &str, rule: &str) {
    assert_refused(
        r,
        StatusCode::FORBIDDEN,
        "policy_refused",
        message,
        Some(rule),
    );
}

async fn sign_upload(router: &axum::Router, t: &str, account: &str, params: Value) -> Reply {
    post(
        router,
        "/v1/sign/upload",
        Some(t),
        &json!({"account": account, "params_to_sign": params}),
    )
    .await
}

/// BASE_CONFIG's shop account in dynamic folder mode.
fn dynamic_shop() -> Signer {
    let toml = BASE_CONFIG.replace(
        "api_secret_env = \"SHOP_SECRET\"\n",
        "api_secret_env = \"SHOP_SECRET\"\nfolder_mode = \"dynamic\"\n",
    );
    signer_at(config(&toml, &base_env("vecSecret-abcdefgh")), NOW, false)
}

/// H1: alice, confined to shop/alice, cannot reach another public id through `public_id` or
/// `public_id_prefix` while naming her own `asset_folder`.
#[tokio::test]
async fn h1_folder_prefix_confines_the_public_id() {
    let signer = base_signer("vecSecret-abcdefgh");
    let router = signer.router();
    let t = token("alice", &[("shop", Uploader)]);
    // Folder mode not configured: asset_folder without folder is refused outright.
    for params in [
        json!({"asset_folder": "shop/alice", "public_id": "shop/bob/avatar", "overwrite": false}),
        json!({"asset_folder": "shop/alice", "public_id": "site/logo", "overwrite": false}),
        json!({"asset_folder": "shop/alice", "public_id_prefix": "shop/bob"}),
    ] {
        let r = sign_upload(&router, &t, "shop", params.clone()).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{params}");
        assert!(
            r.rule() == Some("accounts.shop.policy.uploader.folder_prefix")
                || r.rule() == Some("accounts.shop.folder_mode"),
            "{params}: {:?}",
            r.body
        );
    }
    let r = sign_upload(&router, &t, "shop", json!({"asset_folder": "shop/alice"})).await;
    assert_policy_refused(&r, "asset_folder without folder does not decide the public id: set folder, or set folder_mode (\"fixed\" or \"dynamic\") on account \"shop\"", "accounts.shop.folder_mode");
    // The review's exact requests, in dynamic folder mode where asset_folder is allowed.
    let dynamic = dynamic_shop();
    let router = dynamic.router();
    let r = sign_upload(
        &router,
        &t,
        "shop",
        json!({"asset_folder": "shop/alice", "public_id": "shop/bob/avatar", "overwrite": false}),
    )
    .await;
    assert_policy_refused(&r, "the public id \"shop/bob/avatar\" (from public_id) is outside the folder \"shop/alice\" that role uploader may write to on account \"shop\"", "accounts.shop.policy.uploader.folder_prefix");
    let r = sign_upload(
        &router,
        &t,
        "shop",
        json!({"asset_folder": "shop/alice", "public_id": "site/logo", "overwrite": false}),
    )
    .await;
    assert_policy_refused(&r, "the public id \"site/logo\" (from public_id) is outside the folder \"shop/alice\" that role uploader may write to on account \"shop\"", "accounts.shop.policy.uploader.folder_prefix");
    let r = sign_upload(
        &router,
        &t,
        "shop",
        json!({"asset_folder": "shop/alice", "public_id_prefix": "shop/bob"}),
    )
    .await;
    assert_policy_refused(&r, "public_id_prefix \"shop/bob\" is outside the folder \"shop/alice\" that role uploader may write to on account \"shop\"", "accounts.shop.policy.uploader.folder_prefix");
    // Dynamic mode, asset_folder alone: the generated id would land outside the prefix.
    let r = sign_upload(&router, &t, "shop", json!({"asset_folder": "shop/alice"})).await;
    assert_policy_refused(
        &r,
        "uploads by role uploader on account \"shop\" must name a folder under \"shop/alice\"",
        "accounts.shop.policy.uploader.folder_prefix",
    );
    assert_eq!(signer.signatures_issued() + dynamic.signatures_issued(), 0);
    // What alice may do: her own ids.
    for params in [
        json!({"asset_folder": "shop/alice", "public_id": "shop/alice/avatar", "overwrite": false}),
        json!({"asset_folder": "shop/alice/trips", "public_id_prefix": "shop/alice"}),
        json!({"asset_folder": "shop/alice", "use_asset_folder_as_public_id_prefix": true}),
        json!({"folder": "shop/alice", "source": "uw"}),
    ] {
        let r = sign_upload(&router, &t, "shop", params.clone()).await;
        assert_eq!(r.status, StatusCode::OK, "{params}: {:?}", r.body);
    }
    assert_eq!(dynamic.signatures_issued(), 4);
}

/// H2: an uploader cannot get a signature that replaces (or, reused, destroys) an existing
/// asset: a chosen public id needs overwrite=false and a confining folder prefix.
#[tokio::test]
async fn h2_uploaders_cannot_replace_or_destroy_by_public_id() {
    let signer = base_signer("vecSecret-abcdefgh");
    let router = signer.router();
    let t = token("mallory", &[("vec", Uploader)]);
    let overwrite_rule = "role uploader on account \"vec\" may choose the public id (public_id, or use_filename with unique_filename=false) only with overwrite=false among the signed parameters: Cloudinary's signed uploads replace an existing asset by default";
    let r = sign_upload(&router, &t, "vec", json!({"public_id": "site/logo"})).await;
    assert_policy_refused(
        &r,
        overwrite_rule,
        "accounts.vec.policy.uploader.upload_params",
    );
    let r = sign_upload(
        &router,
        &t,
        "vec",
        json!({"use_filename": true, "unique_filename": false, "filename_override": "logo.png", "folder": "site"}),
    )
    .await;
    assert_policy_refused(
        &r,
        overwrite_rule,
        "accounts.vec.policy.uploader.upload_params",
    );
    // overwrite=false is not enough without a folder prefix: the same signature would destroy.
    let r = sign_upload(
        &router,
        &t,
        "vec",
        json!({"public_id": "site/logo", "overwrite": false}),
    )
    .await;
    assert_policy_refused(&r, "role uploader on account \"vec\" may choose the public id only when a folder_prefix confines it (a signature for a chosen public id also authorises destroying that asset)", "accounts.vec.policy.uploader.folder_prefix");
    let r = sign_upload(
        &router,
        &t,
        "vec",
        json!({"public_id": "site/logo", "overwrite": "true"}),
    )
    .await;
    assert_policy_refused(
        &r,
        "role uploader may sign only overwrite=false on account \"vec\"",
        "accounts.vec.policy.uploader.upload_params",
    );
    assert_eq!(signer.signatures_issued(), 0);
    // What the Upload widget sends (generated ids) is still signed.
    let r = sign_upload(
        &router,
        &t,
        "vec",
        json!({"source": "uw", "folder": "site", "tags": "a,b", "use_filename": true}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    // A confined uploader choosing its own id with overwrite=false is signed.
    let alice = token("alice", &[("shop", Uploader)]);
    let r = sign_upload(
        &router,
        &alice,
        "shop",
        json!({"folder": "shop/alice", "public_id": "shop/alice/a", "overwrite": false}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(signer.signatures_issued(), 2);
}

/// H3: the delivery type is not in a URL signature, so a viewer refused `fetch`/`private`
/// cannot get the same signature by asking for `upload`.
#[tokio::test]
async fn h3_delivery_content_is_checked_not_just_the_type() {
    let signer = base_signer("vecSecret-abcdefgh");
    let router = signer.router();
    let viewer = token("v", &[("vec", Viewer)]);
    let deliver = |ty: &str, transformation: &str, pid: &str| json!({"account": "vec", "type": ty, "transformation": transformation, "public_id": pid});
    for ty in ["upload", "fetch"] {
        let r = post(
            &router,
            "/v1/sign/delivery",
            Some(&viewer),
            &deliver(ty, "", "https://evil.example/x.jpg"),
        )
        .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{ty}");
        assert_eq!(r.rule(), Some("accounts.vec.policy.viewer.delivery_types"));
    }
    let r = post(
        &router,
        "/v1/sign/delivery",
        Some(&viewer),
        &deliver("upload", "", "https://evil.example/x.jpg"),
    )
    .await;
    assert_policy_refused(&r, "role viewer may not sign URLs of remote resources on account \"vec\": a public id that is a URL is a \"fetch\" delivery, whatever the type requested", "accounts.vec.policy.viewer.delivery_types");
    let r = post(
        &router,
        "/v1/sign/delivery",
        Some(&viewer),
        &deliver(
            "upload",
            "w_100/l_fetch:aHR0cHM6Ly9ldmlsLmV4YW1wbGUveC5qcGc=",
            "sample",
        ),
    )
    .await;
    assert_policy_refused(&r, "role viewer may not sign transformations that fetch remote resources (fetch:, l_fetch, u_fetch) on account \"vec\"", "accounts.vec.policy.viewer.delivery_types");
    assert_eq!(signer.signatures_issued(), 0);
    // Private ids: delivery_prefixes confines what a role may sign, whatever the type.
    let toml = BASE_CONFIG.replace(
        "api_secret_env = \"VEC_SECRET\"\n",
        "api_secret_env = \"VEC_SECRET\"\n\n[accounts.policy.viewer]\ndelivery_prefixes = [\"public\"]\n",
    );
    let confined = signer_at(config(&toml, &base_env("vecSecret-abcdefgh")), NOW, false);
    let router = confined.router();
    let r = post(
        &router,
        "/v1/sign/delivery",
        Some(&viewer),
        &deliver("upload", "", "contracts/secret.pdf"),
    )
    .await;
    assert_policy_refused(&r, "role viewer may sign delivery URLs on account \"vec\" only for public ids under \"public\"", "accounts.vec.policy.viewer.delivery_prefixes");
    assert_eq!(confined.signatures_issued(), 0);
    let r = post(
        &router,
        "/v1/sign/delivery",
        Some(&viewer),
        &deliver("upload", "w_100", "public/a.jpg"),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    // A space before a layer's key cannot hide it from delivery_prefixes: spaces are signed only
    // inside a qualifier's value (a text layer's font), and the layer itself is still checked.
    for (transformation, shown) in [
        ("w_100, l_contracts:secret", " l_contracts:secret"),
        ("w_100/ l_contracts:secret", " l_contracts:secret"),
        (" u_contracts:secret", " u_contracts:secret"),
        ("w_100,l _contracts:secret", "l _contracts:secret"),
    ] {
        let r = post(
            &router,
            "/v1/sign/delivery",
            Some(&viewer),
            &deliver("upload", transformation, "public/a.jpg"),
        )
        .await;
        assert_eq!(
            (r.status, r.code()),
            (StatusCode::UNPROCESSABLE_ENTITY, "invalid_request"),
            "{transformation}"
        );
        assert_eq!(
            r.message(),
            format!("transformation: {shown:?} has a space outside its value (a space may only follow a qualifier's key_)")
        );
    }
    let r = post(
        &router,
        "/v1/sign/delivery",
        Some(&viewer),
        &deliver("upload", "l_text:Open Sans_20:hi", "public/a.jpg"),
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "a text layer's font may hold a space: {:?}",
        r.body
    );
    let r = post(
        &router,
        "/v1/sign/delivery",
        Some(&viewer),
        &deliver("upload", "l_contracts:se cret", "public/a.jpg"),
    )
    .await;
    assert_policy_refused(&r, "role viewer may sign delivery URLs on account \"vec\" only for assets under \"public\": the transformation's layer \"contracts/se cret\" is not", "accounts.vec.policy.viewer.delivery_prefixes");
    assert_eq!(confined.signatures_issued(), 2);
    // Admins may still sign fetch URLs.
    let admin = token("a", &[("vec", Admin)]);
    let r = post(
        &router,
        "/v1/sign/delivery",
        Some(&admin),
        &deliver("fetch", "", "https://example.com/x.jpg"),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
}

/// H3 through the batch endpoint: every item is policy-checked before one is signed; an item
/// the role may not sign (index 2 here) refuses the whole batch with its index and the rule, and
/// not a single signature is issued, not even for the items before it.
#[tokio::test]
async fn h3_batch_is_refused_whole_by_one_forbidden_item() {
    let signer = base_signer("vecSecret-abcdefgh");
    let router = signer.router();
    let uploader = token("alice", &[("shop", Uploader)]);
    let item = |ty: &str, pid: &str| json!({"type": ty, "public_id": pid});
    let batch = |items: Vec<Value>| json!({"account": "shop", "items": items});
    let r = post(
        &router,
        "/v1/sign/delivery/batch",
        Some(&uploader),
        &batch(vec![
            item("upload", "a.jpg"),
            item("authenticated", "b.jpg"),
            item("private", "c.jpg"),
            item("upload", "d.jpg"),
        ]),
    )
    .await;
    assert_policy_refused(
        &r,
        "items[2]: role uploader may not sign \"private\" delivery URLs on account \"shop\"",
        "accounts.shop.policy.uploader.delivery_types",
    );
    assert!(r.body.get("results").is_none());
    // The same item alone, through the single endpoint: the same refusal without the index.
    let single = post(
        &router,
        "/v1/sign/delivery",
        Some(&uploader),
        &json!({"account": "shop", "type": "private", "public_id": "c.jpg"}),
    )
    .await;
    assert_policy_refused(
        &single,
        "role uploader may not sign \"private\" delivery URLs on account \"shop\"",
        "accounts.shop.policy.uploader.delivery_types",
    );
    // A viewer's fetch smuggled in as an upload item at index 1.
    let viewer = token("v", &[("vec", Viewer)]);
    let r = post(
        &router,
        "/v1/sign/delivery/batch",
        Some(&viewer),
        &json!({"account": "vec", "items": [item("upload", "a.jpg"), item("upload", "https://evil.example/x.jpg")]}),
    )
    .await;
    assert_policy_refused(&r, "items[1]: role viewer may not sign URLs of remote resources on account \"vec\": a public id that is a URL is a \"fetch\" delivery, whatever the type requested", "accounts.vec.policy.viewer.delivery_types");
    assert_eq!(signer.signatures_issued(), 0);
    // Without the forbidden item the batch is signed.
    let r = post(
        &router,
        "/v1/sign/delivery/batch",
        Some(&uploader),
        &batch(vec![
            item("upload", "a.jpg"),
            item("authenticated", "b.jpg"),
            item("upload", "d.jpg"),
        ]),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(signer.signatures_issued(), 3);
}

/// M1: an admin's upload signature can no longer be a Media Library login for any user.
#[tokio::test]
async fn m1_upload_signing_never_signs_username_or_cloud_name() {
    let cfg = config(BASE_CONFIG, &base_env("hdcixPpR2iKERPwqvH6sHdK9cyac"));
    let signer = signer_at(cfg, 1_568_810_420, false);
    let router = signer.router();
    let t = token_with(Claims {
        sub: "host-admin".into(),
        exp: 1_568_810_420 + 600,
        nbf: None,
        iat: None,
        iss: None,
        aud: Some("cld-signer".into()),
        roles: [("vec".to_owned(), Admin)].into(),
        ml_username: Some("host-admin@corp.example".into()),
    });
    for (params, name) in [
        (
            json!({"cloud_name": "dn6ot3ged", "username": "user@cloudinary.com", "timestamp": 1568810420}),
            "cloud_name",
        ),
        (
            json!({"username": "user@cloudinary.com", "timestamp": 1568810420}),
            "username",
        ),
    ] {
        let r = post(
            &router,
            "/v1/sign/upload",
            Some(&t),
            &json!({"account": "vec", "algorithm": "sha256", "params_to_sign": params}),
        )
        .await;
        assert_policy_refused(
            &r,
            &format!("parameter {name:?} is never signed for uploads: it is not an Upload API parameter there, and with it an upload signature would be a Media Library login signature (use /v1/sign/media-library)"),
            "accounts.vec.policy.admin.upload_params",
        );
    }
    assert_eq!(signer.signatures_issued(), 0);
}

/// M2: development tokens are minted with a per-process key: a production signer with the
/// same configuration refuses them; development mode needs a development configuration.
#[tokio::test]
async fn m2_dev_tokens_are_worthless_elsewhere() {
    let cfg = dev_config(config(BASE_CONFIG, &base_env("s")));
    let dev = signer_at(cfg.clone(), NOW, true).router();
    let r = post(
        &dev,
        "/v1/dev/token",
        None,
        &json!({"user": "x", "roles": {"shop": "admin", "vec": "admin"}, "ttl_secs": 3600}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let t = r.body["token"].as_str().unwrap().to_owned();
    assert_eq!(
        get(&dev, "/v1/accounts", Some(&t)).await.status,
        StatusCode::OK
    );
    let prod = signer_at(cfg.clone(), NOW, false);
    let r = sign_upload(
        &prod.router(),
        &t,
        "shop",
        json!({"notification_url": "https://evil.example/", "type": "upload", "overwrite": true, "public_id": "x"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{:?}", r.body);
    assert_eq!(prod.signatures_issued(), 0);
    // Another development process does not accept it either.
    let other = signer_at(cfg, NOW, true).router();
    assert_eq!(
        get(&other, "/v1/accounts", Some(&t)).await.status,
        StatusCode::UNAUTHORIZED
    );
    // A production configuration cannot run in development mode.
    let e = Signer::new(
        config(BASE_CONFIG, &base_env("s")),
        cloudinary_connector_signer::Options {
            dev: true,
            ..Default::default()
        },
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "development mode needs a development configuration: set `environment = \"dev\"` in [identity] (this configuration's environment is \"prod\")"
    );
    // Behind a reverse proxy the loopback guard is void: proxied requests get no token.
    let req = Request::post("/v1/dev/token")
        .header("content-type", "application/json")
        .header("x-forwarded-for", "203.0.113.7")
        .body(Body::from(json!({"user": "x"}).to_string()))
        .unwrap();
    let r = send(&dev, req).await;
    assert_refused(
        &r,
        StatusCode::FORBIDDEN,
        "dev_token_proxied",
        "development tokens are issued only to direct loopback clients, not through a proxy",
        None,
    );
}

/// L1: a numeric timestamp beyond 12 digits is refused (it once overflowed `ts + max_age`).
#[tokio::test]
async fn l1_huge_numeric_timestamps_are_refused_not_panicked_on() {
    let signer = base_signer("vecSecret-abcdefgh");
    let router = signer.router();
    let t = token("alice", &[("vec", Uploader)]);
    for ts in [
        json!(u64::MAX),
        json!(1_000_000_000_000u64),
        json!("18446744073709551615"),
    ] {
        let r = sign_upload(&router, &t, "vec", json!({"timestamp": ts, "folder": "x"})).await;
        assert_refused(
            &r,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_request",
            "`timestamp` must be Unix seconds (an integer or a string of digits)",
            None,
        );
    }
    assert_eq!(signer.signatures_issued(), 0);
}

/// L2: a user id with `/` cannot reach another user's folder through `{user}`.
#[tokio::test]
async fn l2_user_placeholder_takes_one_folder_only() {
    let signer = base_signer("vecSecret-abcdefgh");
    let router = signer.router();
    let t = token("alice/x", &[("shop", Uploader)]);
    let r = sign_upload(&router, &t, "shop", json!({"folder": "shop/alice/x"})).await;
    assert_policy_refused(&r, "user \"alice/x\" cannot be placed in the folder_prefix \"shop/{user}\": a user id used as a folder must not be empty, `.` or `..`, nor contain `/` or control characters", "accounts.shop.policy.uploader.folder_prefix");
    // And alice's own signature does not reach "alice/x"'s folder's siblings by `..`.
    let alice = token("alice", &[("shop", Uploader)]);
    let r = sign_upload(
        &router,
        &alice,
        "shop",
        json!({"folder": "shop/alice/../bob"}),
    )
    .await;
    assert_eq!(
        r.rule(),
        Some("accounts.shop.policy.uploader.folder_prefix")
    );
    assert_eq!(signer.signatures_issued(), 0);
}

/// L3: a captured notification cannot be replayed within its validity window, and the
/// forwarding HMAC covers the account and Cloudinary's timestamp.
#[tokio::test]
async fn l3_webhook_replays_are_refused() {
    let double = start_double(vec![], 200).await;
    let toml = format!(
        "{BASE_CONFIG}\n[webhooks]\nforward_url = \"{}/host/cloudinary-events\"\nforward_secret_env = \"FWD\"\n",
        double.base
    );
    let mut env = base_env("shhh");
    env.insert("FWD".into(), "forward-secret-0123456789".into());
    let ts = 1_417_727_468u64;
    let router = signer_at(config(&toml, &env), ts + 5, false).router();
    let body = VEC_NOTIFICATION;
    let req = || vec_notification(ts);
    assert_eq!(send(&router, req()).await.status, StatusCode::OK);
    let r = send(&router, req()).await;
    assert_refused(
        &r,
        StatusCode::CONFLICT,
        "webhook_replayed",
        "this notification was already accepted for account \"vec\"; a replay is not forwarded again",
        Some("webhooks.max_age_secs"),
    );
    let seen = double.seen();
    assert_eq!(seen.len(), 1);
    let expected = cloudinary_connector_signer::crypto::hmac_sha256_hex(
        &cloudinary_connector_signer::config::Secret::new("forward-secret-0123456789"),
        format!("{}.vec.{ts}.{body}", ts + 5).as_bytes(),
    );
    assert_eq!(
        seen[0].headers["x-cld-signer-signature"],
        format!("sha256={expected}").as_str()
    );
}

/// L3: a notification the host failed to take is not remembered, so Cloudinary's retry of it
/// gets through.
#[tokio::test]
async fn l3_a_failed_forward_can_be_retried() {
    let double = start_double(vec![], 500).await;
    let toml = format!(
        "{BASE_CONFIG}\n[webhooks]\nforward_url = \"{}/host/cloudinary-events\"\n",
        double.base
    );
    let ts = 1_417_727_468u64;
    let router = signer_at(config(&toml, &base_env("shhh")), ts + 5, false).router();
    let req = || vec_notification(ts);
    assert_eq!(send(&router, req()).await.status, StatusCode::BAD_GATEWAY);
    assert_eq!(send(&router, req()).await.status, StatusCode::BAD_GATEWAY);
    assert_eq!(double.seen().len(), 2);
}

/// L6: what stands where an environment variable's NAME goes is echoed only if it looks like a
/// name; an over-long upper-case value (a pasted secret) is not; an unknown key `algorithm`
/// value is not echoed either.
#[test]
fn l6_configuration_errors_do_not_echo_secret_looking_values() {
    let pasted = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let toml = BASE_CONFIG.replace(
        "api_secret_env = \"VEC_SECRET\"",
        &format!("api_secret_env = \"{pasted}\""),
    );
    let e = cloudinary_connector_signer::config::from_toml(
        &toml,
        std::path::Path::new("."),
        &base_env("s"),
    )
    .unwrap_err()
    .to_string();
    assert!(!e.contains(pasted), "{e}");
    assert_eq!(
        e,
        "accounts[0] (id \"vec\").api_secret_env: must be the NAME of an environment variable (upper-case letters, digits and `_`, at most 64 characters), not the secret itself"
    );
    let toml = BASE_CONFIG.replace("algorithm = \"HS256\"", "algorithm = \"Sup3rS3cretValue\"");
    let e = cloudinary_connector_signer::config::from_toml(
        &toml,
        std::path::Path::new("."),
        &base_env("s"),
    )
    .unwrap_err()
    .to_string();
    assert!(!e.contains("Sup3rS3cretValue"), "{e}");
}

/// L3: a notification whose forward never completed (the caller hung up, so the request's future
/// was dropped mid-forward) is not remembered either: the retry is forwarded, not refused as a
/// replay.
#[tokio::test]
async fn l3_a_forward_abandoned_midway_can_be_retried() {
    use tower::ServiceExt as _;
    // A host that accepts connections and never answers; it counts the connections it accepted,
    // so the test knows when a forward reached it (no time window).
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", l.local_addr().unwrap());
    let (accepted, mut seen) = tokio::sync::watch::channel(0usize);
    tokio::spawn(async move {
        let mut keep = Vec::new();
        while let Ok((s, _)) = l.accept().await {
            keep.push(s);
            accepted.send_modify(|n| *n += 1);
        }
    });
    let toml =
        format!("{BASE_CONFIG}\n[webhooks]\nforward_url = \"{base}/host/cloudinary-events\"\n");
    let ts = 1_417_727_468u64;
    let router = signer_at(config(&toml, &base_env("shhh")), ts + 5, false).router();
    let req = || vec_notification(ts);
    // The caller gives up once the forward reached the host (the request's future is dropped).
    tokio::select! {
        r = router.clone().oneshot(req()) => panic!("answered while the host was silent: {:?}", r.map(|r| r.status())),
        _ = seen.wait_for(|n| *n >= 1) => {}
    }
    // The retry is not refused as a replay: it is forwarded again (a second connection reaches
    // the host) instead of being answered at once.
    tokio::select! {
        r = router.clone().oneshot(req()) => panic!("the retry was answered at once: {:?}", r.map(|r| r.status())),
        _ = seen.wait_for(|n| *n >= 2) => {}
    }
}
