//! The policy reads transformations with the crate's grammar and confines every qualifier that
//! names an asset; confined upload folders refuse percent-escapes (Cloudinary does not allow `%`
//! in public ids or folders: Upload API reference, `public_id`).

mod common;

use axum::http::StatusCode;
use cloudinary_connector_signer::policy::Role::{Uploader, Viewer};
use common::*;
use serde_json::{json, Value};

fn deliver(transformation: &str, public_id: &str) -> Value {
    json!({"account": "vec", "transformation": transformation, "public_id": public_id})
}

#[track_caller]
fn refused(r: &Reply, message: &str, rule: &str) {
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{:?}", r.body);
    assert_eq!(r.code(), "policy_refused");
    assert_eq!(r.message(), message);
    assert_eq!(r.rule(), Some(rule));
}

#[tokio::test]
async fn every_asset_naming_qualifier_is_confined_by_delivery_prefixes() {
    let toml = BASE_CONFIG.replace(
        "api_secret_env = \"VEC_SECRET\"\n",
        "api_secret_env = \"VEC_SECRET\"\n\n[accounts.policy.viewer]\ndelivery_prefixes = [\"public\"]\n",
    );
    let signer = signer_at(config(&toml, &base_env("vecSecret-grammar")), NOW, false);
    let router = signer.router();
    let viewer = token("v", &[("vec", Viewer)]);
    let rule = "accounts.vec.policy.viewer.delivery_prefixes";
    for (transformation, shown) in [
        ("l_hr:salaries", "hr/salaries"),
        ("u_hr:salaries", "hr/salaries"),
        ("l_image:upload:hr:salaries", "hr/salaries"),
        ("l_video:authenticated:hr:clip", "hr/clip"),
        ("l_raw:private:hr:sheet.csv", "hr/sheet.csv"),
        ("l_audio:hr:memo", "hr/memo"),
        ("l_subtitles:hr:captions.srt", "hr/captions.srt"),
        (
            "l_subtitles:arial_20:hr:captions.srt",
            "arial_20/hr/captions.srt",
        ),
        ("e_lut,l_lut:hr:grade.3dl", "hr/grade.3dl"),
        ("c_fill,w_100/fn_wasm:hr:filter.wasm", "hr/filter.wasm"),
        ("fn_render:hr:x", "fn_render:hr:x"),
        ("$img_!hr:salaries!/l_$img", "$img"),
        (
            "$img_!hr:salaries!/u_image:upload:$img",
            "image:upload:$img",
        ),
        ("l_IMAGE:Upload:hr:salaries", "hr/salaries"),
    ] {
        let r = post(
            &router,
            "/v1/sign/delivery",
            Some(&viewer),
            &deliver(transformation, "public/a.jpg"),
        )
        .await;
        refused(
            &r,
            &format!("role viewer may sign delivery URLs on account \"vec\" only for assets under \"public\": the transformation's layer {shown:?} is not"),
            rule,
        );
    }
    for ok in [
        "l_public:logo",
        "l_image:upload:public:logo,fl_layer_apply",
        "l_subtitles:public:captions.srt",
        "fn_wasm:public:filter.wasm",
        "l_text:Open Sans_20:hi",
        "$w_100/c_scale,w_$w",
    ] {
        let r = post(
            &router,
            "/v1/sign/delivery",
            Some(&viewer),
            &deliver(ok, "public/a.jpg"),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{ok}: {:?}", r.body);
    }
    // A batch names the refused item by its index.
    let r = post(
        &router,
        "/v1/sign/delivery/batch",
        Some(&viewer),
        &json!({"account": "vec", "items": [
            {"public_id": "public/a.jpg"},
            {"public_id": "public/b.jpg", "transformation": "fn_wasm:hr:x.wasm"},
        ]}),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.message().starts_with("items[1]: "), "{}", r.message());
    assert_eq!(signer.signatures_issued(), 6);
}

#[tokio::test]
async fn percent_escapes_in_confined_upload_folders_are_refused() {
    let signer = base_signer("s");
    let router = signer.router();
    let alice = token("alice", &[("shop", Uploader)]);
    let rule = "accounts.shop.policy.uploader.folder_prefix";
    for (param, value) in [
        ("folder", "shop/alice/%2e%2e/bob"),
        ("folder", "shop/alice/%2E%2E%2Fbob"),
        ("folder", "shop/alice%2F..%2Fbob"),
        ("folder", "shop/alice/%252e%252e"),
        ("folder", "shop/alice/a%20b"),
        ("public_id", "shop/alice/%2e%2e/bob/x"),
        ("asset_folder", "shop/alice/%2e%2e/bob"),
        ("folder", "shop/alice/a?b"),
        ("folder", "shop/alice/a#b"),
        ("folder", "shop/alice/a\\..\\b"),
    ] {
        let mut params = json!({param: value, "upload_preset": "shop_signed"});
        if param == "public_id" {
            params["overwrite"] = json!(false);
        }
        let r = post(
            &router,
            "/v1/sign/upload",
            Some(&alice),
            &json!({"account": "shop", "params_to_sign": params}),
        )
        .await;
        assert_eq!(
            r.status,
            StatusCode::FORBIDDEN,
            "{param}={value}: {:?}",
            r.body
        );
        assert_eq!(r.code(), "policy_refused", "{param}={value}");
        assert_eq!(r.rule(), Some(rule), "{param}={value}: {}", r.message());
    }
    let r = post(
        &router,
        "/v1/sign/upload",
        Some(&alice),
        &json!({"account": "shop", "params_to_sign": {"folder": "shop/alice/2024", "upload_preset": "shop_signed"}}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(signer.signatures_issued(), 1);
}
